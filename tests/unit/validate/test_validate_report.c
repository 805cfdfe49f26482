/* The report: building, queries, verdicts, and the JSON and text renderings. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "helpers.h"
#include "validate/report.h"

/* ------------------------------------------------------------- helpers */

static og_report *image_report(void)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "oci-archive:img.tar:v1");
	og_report_layer l;

	assert_non_null(r);
	assert_int_equal(og_report__set_image(r, "sha256:aaaa",
		"application/vnd.oci.image.index.v1+json"), 0);
	assert_int_equal(og_report__add_platform(r, "linux/amd64"), 0);
	assert_int_equal(og_report__add_platform(r, "linux/arm64/v8"), 0);
	assert_int_equal(og_report__add_platform(r, "linux/amd64"), 0);

	memset(&l, 0, sizeof(l));
	l.digest = (char *)"sha256:1111";
	l.media_type = (char *)"application/vnd.oci.image.layer.v1.tar+gzip";
	l.compression = (char *)"gzip";
	l.size = 1536;
	l.uncompressed_size = 3u << 20;
	l.diff_id = (char *)"sha256:2222";
	l.entries = 17;
	l.walked = 1;
	assert_int_equal(og_report__add_layer(r, &l), 0);

	memset(&l, 0, sizeof(l));
	l.digest = (char *)"sha256:3333";
	l.media_type = (char *)"application/vnd.oci.image.layer.v1.tar+zstd";
	l.size = 512;
	assert_int_equal(og_report__add_layer(r, &l), 0);

	/* Added in mixed order: the text groups them, JSON keeps this order. */
	assert_int_equal(og_findings_add(&r->findings, "annotations.missing", NULL,
		"no org.opencontainers.image.title"), 0);
	assert_int_equal(og_findings_add(&r->findings, "layer.trailing_data", "1",
		"%d bytes after the zstd frame", 12), 0);
	assert_int_equal(og_findings_add(&r->findings, "blob.digest_mismatch", "sha256:1111",
		"layer bytes hash to sha256:9999"), 0);
	assert_int_equal(og_findings_add(&r->findings, "layer.foreign", "0",
		"non-distributable layer with urls"), 0);
	assert_int_equal(og_findings_add(&r->findings, "path.absolute", "/etc/passwd",
		"absolute entry name"), 0);
	return r;
}

static char *render(const og_report *r, og_format_t format, int color, og_severity_t fail_on)
{
	og_render_options opts = OG_RENDER_OPTIONS_INIT;
	char *out = NULL;

	opts.format = format;
	opts.color = color;
	opts.fail_on = fail_on;
	assert_int_equal(og_report_render(&out, r, &opts), 0);
	assert_non_null(out);
	return out;
}

static json_t *render_json(const og_report *r, og_severity_t fail_on)
{
	char *text = render(r, OG_FORMAT_JSON, 0, fail_on);
	json_error_t err;
	json_t *root;
	size_t len = strlen(text);

	assert_true(len > 2);
	assert_int_equal(text[len - 1], '\n');
	assert_int_not_equal(text[len - 2], '\n');
	root = json_loads(text, 0, &err);
	if (!root)
		fail_msg("JSON does not parse: %s (line %d)\n%s", err.text, err.line, text);
	og_free(text);
	assert_true(json_is_object(root));
	return root;
}

static const char *jget_str(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		fail_msg("key %s is not a string", key);
	return json_string_value(v);
}

static json_int_t jget_int(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		fail_msg("key %s is not an integer", key);
	return json_integer_value(v);
}

static void assert_jnull(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_null(v))
		fail_msg("key %s is not null", key);
}

/* The keys of obj, in order, joined by ','. */
static void assert_keys(const json_t *obj, const char *expected)
{
	char buf[512] = "";
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		(void)v;
		if (buf[0])
			strncat(buf, ",", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, key, sizeof(buf) - strlen(buf) - 1);
	}
	assert_string_equal(buf, expected);
}

static void assert_tool(const json_t *root)
{
	json_t *tool = json_object_get(root, "tool");

	assert_true(json_is_object(tool));
	assert_keys(tool, "name,version");
	assert_string_equal(jget_str(tool, "name"), "ocigate");
	assert_string_equal(jget_str(tool, "version"), OG_VERSION);
	assert_int_equal(jget_int(root, "schemaVersion"), 1);
}

/* ---------------------------------------------------------- building */

static void test_validate_report__build_copies(void **state)
{
	char digest[] = "sha256:abcd", mt[] = "application/x", plat[] = "linux/s390x";
	og_report_layer l;
	og_report *r = og_report__new(OG_REPORT_IMAGE, "ref");

	(void)state;
	assert_non_null(r);
	assert_int_equal(r->kind, OG_REPORT_IMAGE);
	assert_string_equal(r->ref, "ref");
	assert_null(r->digest);
	assert_int_equal(og_report__set_image(r, digest, mt), 0);
	digest[0] = mt[0] = 'X';
	assert_string_equal(r->digest, "sha256:abcd");
	assert_string_equal(r->media_type, "application/x");
	assert_int_equal(og_report__set_image(r, "sha256:ef", NULL), 0);
	assert_string_equal(r->digest, "sha256:ef");
	assert_null(r->media_type);

	assert_int_equal(og_report__add_platform(r, plat), 0);
	assert_int_equal(og_report__add_platform(r, "linux/s390x"), 0);
	assert_int_equal(og_report__add_platform(r, NULL), 0);
	plat[0] = 'X';
	assert_int_equal(r->platform_count, 1);
	assert_string_equal(r->platforms[0], "linux/s390x");

	memset(&l, 0, sizeof(l));
	l.digest = digest;
	l.size = 7;
	assert_int_equal(og_report__add_layer(r, &l), 0);
	digest[1] = 'Y';
	assert_int_equal(r->layer_count, 1);
	assert_string_equal(r->layers[0].digest, "Xha256:abcd");
	assert_null(r->layers[0].media_type);
	assert_null(r->layers[0].compression);
	assert_int_equal(r->layers[0].size, 7);
	og_report_free(r);
	og_report_free(NULL);
}

static void test_validate_report__queries(void **state)
{
	og_report *r = image_report();
	const og_finding *f;

	(void)state;
	assert_int_equal(og_report_finding_count(r), 5);
	assert_int_equal(og_report_count(r, OG_SEV_CRITICAL), 1);
	assert_int_equal(og_report_count(r, OG_SEV_HIGH), 2);
	assert_int_equal(og_report_count(r, OG_SEV_MEDIUM), 1);
	assert_int_equal(og_report_count(r, OG_SEV_LOW), 1);
	f = og_report_finding(r, 2);
	assert_non_null(f);
	assert_string_equal(f->id, "blob.digest_mismatch");
	assert_string_equal(f->subject, "sha256:1111");
	assert_null(og_report_finding(r, 5));
	assert_null(og_report_finding(NULL, 0));
	assert_int_equal(og_report_finding_count(NULL), 0);
	assert_int_equal(og_report_count(NULL, OG_SEV_LOW), 0);
	og_report_free(r);
}

/* ----------------------------------------------------------- verdicts */

static og_report *report_with(const char *const *ids, size_t n)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "x");
	size_t i;

	assert_non_null(r);
	for (i = 0; i < n; i++)
		assert_int_equal(og_findings_add(&r->findings, ids[i], NULL, "m"), 0);
	return r;
}

static void test_validate_report__verdict_thresholds(void **state)
{
	static const char *const low[] = { "annotations.missing", "efficiency.wasted" };
	static const char *const medium[] = { "annotations.missing", "user.root" };
	static const char *const high[] = { "user.root", "path.absolute", "annotations.missing" };
	static const char *const critical[] = { "link.escape" };
	static const struct {
		const char *const *ids;
		size_t n;
		og_verdict_t at[5]; /* verdict for fail_on NONE(unused), LOW..CRITICAL */
	} cases[] = {
		{ NULL, 0, { 0, OG_VERDICT_PASS, OG_VERDICT_PASS, OG_VERDICT_PASS, OG_VERDICT_PASS } },
		{ low, 2, { 0, OG_VERDICT_FAIL, OG_VERDICT_PASS, OG_VERDICT_PASS, OG_VERDICT_PASS } },
		{ medium, 2, { 0, OG_VERDICT_FAIL, OG_VERDICT_FAIL, OG_VERDICT_WARN, OG_VERDICT_WARN } },
		{ high, 3, { 0, OG_VERDICT_FAIL, OG_VERDICT_FAIL, OG_VERDICT_FAIL, OG_VERDICT_WARN } },
		{ critical, 1, { 0, OG_VERDICT_FAIL, OG_VERDICT_FAIL, OG_VERDICT_FAIL, OG_VERDICT_FAIL } },
	};
	size_t i;
	int sev;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		og_report *r = report_with(cases[i].ids, cases[i].n);

		for (sev = OG_SEV_LOW; sev <= OG_SEV_CRITICAL; sev++) {
			og_verdict_t v = og_report_verdict(r, (og_severity_t)sev);

			if (v != cases[i].at[sev])
				fail_msg("case %zu fail_on %d: verdict %d, expected %d",
					i, sev, (int)v, (int)cases[i].at[sev]);
		}
		og_report_free(r);
	}
	assert_int_equal(og_report_verdict(NULL, OG_SEV_LOW), OG_VERDICT_PASS);
}

static void test_validate_report__verdict_in_renderings(void **state)
{
	static const char *const high[] = { "path.absolute" };
	og_report *r = report_with(high, 1);
	json_t *root;
	char *text;

	(void)state;
	root = render_json(r, OG_SEV_HIGH);
	assert_string_equal(jget_str(root, "verdict"), "fail");
	json_decref(root);
	root = render_json(r, OG_SEV_CRITICAL);
	assert_string_equal(jget_str(root, "verdict"), "warn");
	json_decref(root);
	text = render(r, OG_FORMAT_TEXT, 0, OG_SEV_HIGH);
	assert_non_null(strstr(text, "0 critical, 1 high, 0 medium, 0 low \xE2\x80\x94 verdict: FAIL\n"));
	og_free(text);
	text = render(r, OG_FORMAT_TEXT, 0, OG_SEV_CRITICAL);
	assert_non_null(strstr(text, "verdict: WARN\n"));
	og_free(text);
	og_report_free(r);
}

/* --------------------------------------------------------------- JSON */

static void test_validate_report__json_image(void **state)
{
	static const char *const ids[] = { "annotations.missing", "layer.trailing_data",
		"blob.digest_mismatch", "layer.foreign", "path.absolute" };
	static const char *const sevs[] = { "LOW", "HIGH", "CRITICAL", "MEDIUM", "HIGH" };
	static const char *const cats[] = { "VALIDATION", "VALIDATION", "VALIDATION",
		"FORMAT", "VALIDATION" };
	static const char *const subjects[] = { "", "1", "sha256:1111", "0", "/etc/passwd" };
	og_report *r = image_report();
	json_t *root, *image, *plats, *summary, *findings, *layers, *l;
	size_t i;

	(void)state;
	root = render_json(r, OG_SEV_HIGH);
	assert_keys(root, "schemaVersion,tool,image,verdict,summary,findings,policy,suppressed,layers");
	assert_tool(root);

	image = json_object_get(root, "image");
	assert_true(json_is_object(image));
	assert_keys(image, "ref,digest,mediaType,platforms");
	assert_string_equal(jget_str(image, "ref"), "oci-archive:img.tar:v1");
	assert_string_equal(jget_str(image, "digest"), "sha256:aaaa");
	assert_string_equal(jget_str(image, "mediaType"), "application/vnd.oci.image.index.v1+json");
	plats = json_object_get(image, "platforms");
	assert_true(json_is_array(plats));
	assert_int_equal(json_array_size(plats), 2);
	assert_string_equal(json_string_value(json_array_get(plats, 0)), "linux/amd64");
	assert_string_equal(json_string_value(json_array_get(plats, 1)), "linux/arm64/v8");

	assert_string_equal(jget_str(root, "verdict"), "fail");
	summary = json_object_get(root, "summary");
	assert_true(json_is_object(summary));
	assert_keys(summary, "critical,high,medium,low");
	assert_int_equal(jget_int(summary, "critical"), 1);
	assert_int_equal(jget_int(summary, "high"), 2);
	assert_int_equal(jget_int(summary, "medium"), 1);
	assert_int_equal(jget_int(summary, "low"), 1);

	findings = json_object_get(root, "findings");
	assert_true(json_is_array(findings));
	assert_int_equal(json_array_size(findings), 5);
	for (i = 0; i < 5; i++) {
		json_t *f = json_array_get(findings, i);

		assert_true(json_is_object(f));
		assert_keys(f, "id,severity,category,message,subject");
		assert_string_equal(jget_str(f, "id"), ids[i]);
		assert_string_equal(jget_str(f, "severity"), sevs[i]);
		assert_string_equal(jget_str(f, "category"), cats[i]);
		assert_string_equal(jget_str(f, "subject"), subjects[i]);
		assert_string_equal(jget_str(f, "message"), og_report_finding(r, i)->message);
	}
	assert_string_equal(jget_str(json_array_get(findings, 1), "message"),
		"12 bytes after the zstd frame");

	/* No policy file: the built-in default; nothing suppressed. */
	assert_keys(json_object_get(root, "policy"), "path,digest");
	assert_jnull(json_object_get(root, "policy"), "path");
	assert_jnull(json_object_get(root, "policy"), "digest");
	assert_true(json_is_array(json_object_get(root, "suppressed")));
	assert_int_equal(json_array_size(json_object_get(root, "suppressed")), 0);

	layers = json_object_get(root, "layers");
	assert_true(json_is_array(layers));
	assert_int_equal(json_array_size(layers), 2);
	l = json_array_get(layers, 0);
	assert_keys(l, "digest,mediaType,compression,size,uncompressedSize,diffId,entries");
	assert_string_equal(jget_str(l, "digest"), "sha256:1111");
	assert_string_equal(jget_str(l, "mediaType"), "application/vnd.oci.image.layer.v1.tar+gzip");
	assert_string_equal(jget_str(l, "compression"), "gzip");
	assert_int_equal(jget_int(l, "size"), 1536);
	assert_int_equal(jget_int(l, "uncompressedSize"), 3 << 20);
	assert_string_equal(jget_str(l, "diffId"), "sha256:2222");
	assert_int_equal(jget_int(l, "entries"), 17);
	/* Not walked: what was not computed is null, the size is still there. */
	l = json_array_get(layers, 1);
	assert_keys(l, "digest,mediaType,compression,size,uncompressedSize,diffId,entries");
	assert_string_equal(jget_str(l, "digest"), "sha256:3333");
	assert_jnull(l, "compression");
	assert_int_equal(jget_int(l, "size"), 512);
	assert_jnull(l, "uncompressedSize");
	assert_jnull(l, "diffId");
	assert_jnull(l, "entries");
	json_decref(root);
	og_report_free(r);
}

static void test_validate_report__json_empty(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "oci:dir");
	json_t *root, *image, *summary;

	(void)state;
	assert_non_null(r);
	root = render_json(r, OG_SEV_HIGH);
	assert_keys(root, "schemaVersion,tool,image,verdict,summary,findings,policy,suppressed,layers");
	assert_tool(root);
	image = json_object_get(root, "image");
	assert_string_equal(jget_str(image, "ref"), "oci:dir");
	assert_jnull(image, "digest");
	assert_jnull(image, "mediaType");
	assert_true(json_is_array(json_object_get(image, "platforms")));
	assert_int_equal(json_array_size(json_object_get(image, "platforms")), 0);
	assert_string_equal(jget_str(root, "verdict"), "pass");
	summary = json_object_get(root, "summary");
	assert_int_equal(jget_int(summary, "critical"), 0);
	assert_int_equal(jget_int(summary, "high"), 0);
	assert_int_equal(jget_int(summary, "medium"), 0);
	assert_int_equal(jget_int(summary, "low"), 0);
	assert_true(json_is_array(json_object_get(root, "findings")));
	assert_int_equal(json_array_size(json_object_get(root, "findings")), 0);
	assert_true(json_is_array(json_object_get(root, "layers")));
	assert_int_equal(json_array_size(json_object_get(root, "layers")), 0);
	json_decref(root);
	og_report_free(r);

	/* No ref at all. */
	r = og_report__new(OG_REPORT_IMAGE, NULL);
	assert_non_null(r);
	root = render_json(r, OG_SEV_HIGH);
	assert_jnull(json_object_get(root, "image"), "ref");
	json_decref(root);
	og_report_free(r);
}

static void test_validate_report__json_document(void **state)
{
	og_report *r = og_report__new(OG_REPORT_DOCUMENT, "/tmp/manifest.json");
	json_t *root, *doc, *findings;

	(void)state;
	assert_non_null(r);
	r->document_type = strdup("manifest");
	assert_non_null(r->document_type);
	assert_int_equal(og_findings_add(&r->findings, "manifest.schema", "/layers/0/size",
		"expected an integer"), 0);
	assert_int_equal(og_findings_add(&r->findings, "digest.invalid", "/config/digest",
		"malformed digest"), 0);
	root = render_json(r, OG_SEV_HIGH);
	assert_keys(root, "schemaVersion,tool,document,verdict,summary,findings");
	assert_tool(root);
	doc = json_object_get(root, "document");
	assert_keys(doc, "path,type");
	assert_string_equal(jget_str(doc, "path"), "/tmp/manifest.json");
	assert_string_equal(jget_str(doc, "type"), "manifest");
	assert_null(json_object_get(root, "image"));
	assert_null(json_object_get(root, "layers"));
	assert_string_equal(jget_str(root, "verdict"), "fail");
	assert_int_equal(jget_int(json_object_get(root, "summary"), "critical"), 2);
	findings = json_object_get(root, "findings");
	assert_int_equal(json_array_size(findings), 2);
	assert_string_equal(jget_str(json_array_get(findings, 0), "id"), "manifest.schema");
	assert_string_equal(jget_str(json_array_get(findings, 0), "category"), "FORMAT");
	assert_string_equal(jget_str(json_array_get(findings, 0), "subject"), "/layers/0/size");
	assert_string_equal(jget_str(json_array_get(findings, 1), "id"), "digest.invalid");
	json_decref(root);
	og_report_free(r);
}

/* Hostile strings: every ill-formed UTF-8 subpart becomes one U+FFFD. */
static const struct {
	const char *in;
	const char *json; /* expected after sanitizing */
} utf8_cases[] = {
	{ "plain ascii", "plain ascii" },
	{ "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80" },
	{ "a\xFF" "b", "a\xEF\xBF\xBD" "b" },
	{ "\xC3\x28", "\xEF\xBF\xBD(" },                          /* bad continuation */
	{ "end\xE2\x82", "end\xEF\xBF\xBD" },                     /* truncated 3-byte */
	{ "\xE2\x82" "x", "\xEF\xBF\xBDx" },
	{ "\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD" },                /* overlong */
	{ "\xE0\x80\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" }, /* overlong */
	{ "\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" }, /* surrogate */
	{ "\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" }, /* > U+10FFFF */
	{ "\xF0\x9F\x98", "\xEF\xBF\xBD" },                       /* truncated 4-byte */
	{ "\x80\xBF", "\xEF\xBF\xBD\xEF\xBF\xBD" },                /* lone continuations */
	{ "q\"b\\s\n\t\x1B[31m\x7F\x01", "q\"b\\s\n\t\x1B[31m\x7F\x01" }, /* JSON escapes these */
};

static void test_validate_report__json_hostile_strings(void **state)
{
	size_t i, n = sizeof(utf8_cases) / sizeof(utf8_cases[0]);
	og_report *r = og_report__new(OG_REPORT_IMAGE, "bad\xFFref");
	og_report_layer l;
	json_t *root, *findings;
	char *text;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < n; i++)
		assert_int_equal(og_findings_add(&r->findings, "layer.tar_invalid",
			utf8_cases[i].in, "%s", utf8_cases[i].in), 0);
	assert_int_equal(og_report__add_platform(r, "linux/\xFE"), 0);
	memset(&l, 0, sizeof(l));
	l.digest = (char *)"sha256:\xC3";
	assert_int_equal(og_report__add_layer(r, &l), 0);

	root = render_json(r, OG_SEV_HIGH);
	findings = json_object_get(root, "findings");
	assert_int_equal(json_array_size(findings), n);
	for (i = 0; i < n; i++) {
		json_t *f = json_array_get(findings, i);

		assert_string_equal(jget_str(f, "message"), utf8_cases[i].json);
		assert_string_equal(jget_str(f, "subject"), utf8_cases[i].json);
	}
	assert_string_equal(jget_str(json_object_get(root, "image"), "ref"), "bad\xEF\xBF\xBDref");
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(json_object_get(root, "image"), "platforms"), 0)),
		"linux/\xEF\xBF\xBD");
	assert_string_equal(jget_str(json_array_get(json_object_get(root, "layers"), 0), "digest"),
		"sha256:\xEF\xBF\xBD");
	json_decref(root);

	/* The raw JSON holds no control byte but the newlines of its layout. */
	text = render(r, OG_FORMAT_JSON, 0, OG_SEV_HIGH);
	for (i = 0; text[i]; i++)
		if ((unsigned char)text[i] < 0x20 && text[i] != '\n')
			fail_msg("control byte 0x%02x at %zu in JSON", (unsigned)text[i], i);
	og_free(text);
	og_report_free(r);
}

/* --------------------------------------------------------------- text */

static void assert_no_control(const char *text)
{
	size_t i;

	for (i = 0; text[i]; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\n') || c == 0x7F)
			fail_msg("control byte 0x%02x at %zu in:\n%s", c, i, text);
	}
}

static void test_validate_report__text_plain(void **state)
{
	static const char *const ids[] = { "blob.digest_mismatch", "layer.trailing_data",
		"path.absolute", "layer.foreign", "annotations.missing" };
	og_report *r = image_report();
	const char *prev = NULL;
	char *text;
	size_t i;

	(void)state;
	text = render(r, OG_FORMAT_TEXT, 0, OG_SEV_HIGH);
	assert_null(strchr(text, '\033'));
	assert_no_control(text);
	assert_non_null(strstr(text, "oci-archive:img.tar:v1"));
	assert_non_null(strstr(text, "sha256:aaaa"));
	assert_non_null(strstr(text, "application/vnd.oci.image.index.v1+json"));
	assert_non_null(strstr(text, "linux/amd64, linux/arm64/v8"));
	assert_non_null(strstr(text, "2 checked (1 walked), 2.0 KiB compressed, 3.0 MiB uncompressed"));
	/* Grouped CRITICAL > HIGH > MEDIUM > LOW; report order within a group. */
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *at = strstr(text, ids[i]);

		if (!at)
			fail_msg("id %s missing from:\n%s", ids[i], text);
		if (prev && at < prev)
			fail_msg("id %s out of order in:\n%s", ids[i], text);
		prev = at;
	}
	assert_non_null(strstr(text, "  CRITICAL blob.digest_mismatch  sha256:1111: layer bytes hash to sha256:9999\n"));
	assert_non_null(strstr(text, "  HIGH     layer.trailing_data   1: 12 bytes after the zstd frame\n"));
	assert_non_null(strstr(text, "  LOW      annotations.missing   no org.opencontainers.image.title\n"));
	assert_non_null(strstr(text, "\n1 critical, 2 high, 1 medium, 1 low \xE2\x80\x94 verdict: FAIL\n"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	og_free(text);
	og_report_free(r);
}

static void test_validate_report__text_color(void **state)
{
	og_report *r = image_report();
	og_report *empty = og_report__new(OG_REPORT_IMAGE, "x");
	char *text;

	(void)state;
	assert_non_null(empty);
	text = render(r, OG_FORMAT_TEXT, 1, OG_SEV_HIGH);
	assert_non_null(strstr(text, "\033[1;31mCRITICAL\033[0m"));
	assert_non_null(strstr(text, "\033[31mHIGH\033[0m"));
	assert_non_null(strstr(text, "\033[33mMEDIUM\033[0m"));
	assert_non_null(strstr(text, "\033[2mLOW\033[0m"));
	assert_non_null(strstr(text, "FAIL\033[0m\n"));
	og_free(text);
	text = render(empty, OG_FORMAT_TEXT, 1, OG_SEV_HIGH);
	assert_non_null(strstr(text, "\033[1;32mPASS\033[0m\n"));
	og_free(text);
	/* JSON never carries colour. */
	{
		og_render_options opts = OG_RENDER_OPTIONS_INIT;

		opts.format = OG_FORMAT_JSON;
		opts.color = 1;
		assert_int_equal(og_report_render(&text, r, &opts), 0);
		assert_null(strchr(text, '\033'));
		og_free(text);
	}
	og_report_free(empty);
	og_report_free(r);
}

static void test_validate_report__text_hostile_strings(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "ref\033]0;title\007");
	char *text;

	(void)state;
	assert_non_null(r);
	assert_int_equal(og_findings_add(&r->findings, "path.traversal", "a\nb",
		"line1\nline2\ttab\r\033[2J\x7F\x01 \xC2\x9B" "31m \xFF end"), 0);
	text = render(r, OG_FORMAT_TEXT, 0, OG_SEV_HIGH);
	assert_null(strchr(text, '\033'));
	assert_no_control(text);
	assert_null(strstr(text, "\xC2\x9B")); /* C1 CSI */
	assert_non_null(strstr(text, "ref\\x1b]0;title\\x07"));
	assert_non_null(strstr(text, "  CRITICAL path.traversal  a\\nb: line1\\nline2\\ttab\\r\\x1b[2J\\x7f\\x01 \\u009b31m \xEF\xBF\xBD end\n"));
	og_free(text);
	og_report_free(r);
}

static void test_validate_report__text_empty(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "oci:dir");
	char *text;

	(void)state;
	assert_non_null(r);
	text = render(r, OG_FORMAT_TEXT, 0, OG_SEV_HIGH);
	assert_non_null(strstr(text, "oci:dir"));
	assert_non_null(strstr(text, "No findings."));
	assert_non_null(strstr(text, "0 checked, 0 B compressed, 0 B uncompressed"));
	assert_non_null(strstr(text, "0 critical, 0 high, 0 medium, 0 low \xE2\x80\x94 verdict: PASS\n"));
	og_free(text);
	og_report_free(r);
}

static void test_validate_report__text_document(void **state)
{
	og_report *r = og_report__new(OG_REPORT_DOCUMENT, "index.json");
	char *text;

	(void)state;
	assert_non_null(r);
	r->document_type = strdup("index");
	assert_int_equal(og_findings_add(&r->findings, "manifest.media_type", "/manifests/0",
		"unknown media type"), 0);
	text = render(r, OG_FORMAT_TEXT, 0, OG_SEV_CRITICAL);
	assert_non_null(strstr(text, "index.json"));
	assert_non_null(strstr(text, "index\n"));
	assert_null(strstr(text, "Layers:"));
	assert_non_null(strstr(text, "manifest.media_type  /manifests/0: unknown media type\n"));
	assert_non_null(strstr(text, "verdict: WARN\n"));
	og_free(text);
	og_report_free(r);
}

/* The policy that applied and the findings it suppressed. */
static void test_validate_report__json_policy_suppressed(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "oci:dir:latest");
	json_t *root, *pol, *sup, *f;

	(void)state;
	assert_non_null(r);
	r->policy_path = strdup("ci/policy.json");
	r->policy_digest = strdup("sha256:5555");
	assert_non_null(r->policy_path);
	assert_non_null(r->policy_digest);
	assert_int_equal(og_findings_add(&r->findings, "user.root", NULL, "runs as root"), 0);
	assert_int_equal(og_findings_add(&r->suppressed, "labels.missing",
		"org.opencontainers.image.revision",
		"required label absent [ignored: tracked in TICKET-12]"), 0);
	root = render_json(r, OG_SEV_NONE);
	assert_keys(root, "schemaVersion,tool,image,verdict,summary,findings,policy,suppressed,layers");
	pol = json_object_get(root, "policy");
	assert_keys(pol, "path,digest");
	assert_string_equal(jget_str(pol, "path"), "ci/policy.json");
	assert_string_equal(jget_str(pol, "digest"), "sha256:5555");
	sup = json_object_get(root, "suppressed");
	assert_true(json_is_array(sup));
	assert_int_equal(json_array_size(sup), 1);
	f = json_array_get(sup, 0);
	assert_keys(f, "id,severity,category,message,subject");
	assert_string_equal(jget_str(f, "id"), "labels.missing");
	assert_string_equal(jget_str(f, "severity"), "HIGH");
	assert_string_equal(jget_str(f, "category"), "VALIDATION");
	assert_string_equal(jget_str(f, "subject"), "org.opencontainers.image.revision");
	assert_string_equal(jget_str(f, "message"),
		"required label absent [ignored: tracked in TICKET-12]");
	/* Suppressed findings count nowhere: one MEDIUM finding is a warning. */
	assert_int_equal(jget_int(json_object_get(root, "summary"), "high"), 0);
	assert_string_equal(jget_str(root, "verdict"), "warn");
	assert_int_equal(json_array_size(json_object_get(root, "findings")), 1);
	json_decref(root);
	og_report_free(r);
}

/* OG_SEV_NONE means the report's own threshold (the policy's fail_on). */
static void test_validate_report__verdict_report_threshold(void **state)
{
	static const char *const medium[] = { "user.root" };
	og_report *r = report_with(medium, 1);
	json_t *root;
	char *text;

	(void)state;
	assert_int_equal(og_report_fail_on(r), OG_SEV_HIGH);
	assert_int_equal(og_report_fail_on(NULL), OG_SEV_HIGH);
	assert_int_equal(og_report_verdict(r, OG_SEV_NONE), OG_VERDICT_WARN);
	r->fail_on = OG_SEV_MEDIUM;
	assert_int_equal(og_report_fail_on(r), OG_SEV_MEDIUM);
	assert_int_equal(og_report_verdict(r, OG_SEV_NONE), OG_VERDICT_FAIL);
	/* An explicit threshold (--fail-on) wins over the policy's. */
	assert_int_equal(og_report_verdict(r, OG_SEV_CRITICAL), OG_VERDICT_WARN);
	root = render_json(r, OG_SEV_NONE);
	assert_string_equal(jget_str(root, "verdict"), "fail");
	json_decref(root);
	text = render(r, OG_FORMAT_TEXT, 0, OG_SEV_NONE);
	assert_non_null(strstr(text, "verdict: FAIL\n"));
	og_free(text);
	r->fail_on = OG_SEV_CRITICAL;
	text = render(r, OG_FORMAT_TEXT, 0, OG_SEV_NONE);
	assert_non_null(strstr(text, "verdict: WARN\n"));
	og_free(text);
	og_report_free(r);
}

static void test_validate_report__format_parse(void **state)
{
	static const struct {
		const char *name;
		og_format_t format;
	} ok[] = {
		{ "text", OG_FORMAT_TEXT }, { "json", OG_FORMAT_JSON },
		{ "markdown", OG_FORMAT_MARKDOWN }, { "github", OG_FORMAT_GITHUB },
		{ "junit", OG_FORMAT_JUNIT }, { "sarif", OG_FORMAT_SARIF },
		{ "errorlog", OG_FORMAT_ERRORLOG },
	};
	static const char *const bad[] = { "", "JSON", "md", "xml", "sarif ", "text\n",
		"junitx", "jso" };
	og_format_t f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		f = (og_format_t)99;
		assert_int_equal(og_format_parse(&f, ok[i].name), 0);
		assert_int_equal(f, ok[i].format);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = OG_FORMAT_SARIF;
		if (og_format_parse(&f, bad[i]) != OG_EINVALID)
			fail_msg("'%s' parsed", bad[i]);
		assert_int_equal(f, OG_FORMAT_SARIF);
	}
	assert_int_equal(og_format_parse(&f, NULL), OG_EINVALID);
	assert_int_equal(og_format_parse(NULL, "json"), OG_EINVALID);
}

static void test_validate_report__render_arguments(void **state)
{
	og_render_options opts = OG_RENDER_OPTIONS_INIT;
	og_report *r = og_report__new(OG_REPORT_IMAGE, "x");
	char *out = (char *)"sentinel";

	(void)state;
	assert_non_null(r);
	assert_int_equal(og_report_render(NULL, r, &opts), OG_EINVALID);
	assert_int_equal(og_report_render(&out, NULL, &opts), OG_EINVALID);
	assert_null(out);
	opts.version = 99;
	assert_int_equal(og_report_render(&out, r, &opts), OG_EINVALID);
	opts.version = OG_RENDER_OPTIONS_VERSION;
	opts.format = (og_format_t)7;
	assert_int_equal(og_report_render(&out, r, &opts), OG_EINVALID);
	opts.format = (og_format_t)-1;
	assert_int_equal(og_report_render(&out, r, &opts), OG_EINVALID);
	assert_null(out);
	/* NULL options: the defaults (text, no colour, fail on HIGH). */
	assert_int_equal(og_report_render(&out, r, NULL), 0);
	assert_non_null(strstr(out, "verdict: PASS"));
	og_free(out);
	og_report_free(r);
}

static void test_validate_report__sizes(void **state)
{
	static const struct { uint64_t n; const char *text; } cases[] = {
		{ 0, "0 B compressed" },
		{ 1023, "1023 B compressed" },
		{ 1024, "1.0 KiB compressed" },
		{ (uint64_t)5 << 30, "5.0 GiB compressed" },
		{ UINT64_MAX, "16.0 EiB compressed" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		og_report *r = og_report__new(OG_REPORT_IMAGE, "x");
		og_report_layer l;
		json_t *root;
		char *text;

		assert_non_null(r);
		memset(&l, 0, sizeof(l));
		l.size = cases[i].n;
		assert_int_equal(og_report__add_layer(r, &l), 0);
		text = render(r, OG_FORMAT_TEXT, 0, OG_SEV_HIGH);
		if (!strstr(text, cases[i].text))
			fail_msg("expected '%s' in:\n%s", cases[i].text, text);
		og_free(text);
		root = render_json(r, OG_SEV_HIGH);
		assert_true(jget_int(json_array_get(json_object_get(root, "layers"), 0), "size") >= 0);
		json_decref(root);
		og_report_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_report__build_copies),
		cmocka_unit_test(test_validate_report__queries),
		cmocka_unit_test(test_validate_report__verdict_thresholds),
		cmocka_unit_test(test_validate_report__verdict_in_renderings),
		cmocka_unit_test(test_validate_report__json_image),
		cmocka_unit_test(test_validate_report__json_empty),
		cmocka_unit_test(test_validate_report__json_document),
		cmocka_unit_test(test_validate_report__json_hostile_strings),
		cmocka_unit_test(test_validate_report__text_plain),
		cmocka_unit_test(test_validate_report__text_color),
		cmocka_unit_test(test_validate_report__text_hostile_strings),
		cmocka_unit_test(test_validate_report__text_empty),
		cmocka_unit_test(test_validate_report__text_document),
		cmocka_unit_test(test_validate_report__json_policy_suppressed),
		cmocka_unit_test(test_validate_report__verdict_report_threshold),
		cmocka_unit_test(test_validate_report__format_parse),
		cmocka_unit_test(test_validate_report__render_arguments),
		cmocka_unit_test(test_validate_report__sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
