/* The security scan wired into validate: its policy keys, the report's scan
 * sections, and og_validate / og_sbom end to end on small layouts written
 * here (an uncompressed tar layer, its config and manifest). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "helpers.h"
#include "oci/digest.h"
#include "validate/policy.h"
#include "validate/report.h"

/* ------------------------------------------------------------- helpers */

static og_ctx *new_ctx(void)
{
	og_ctx *ctx = NULL;

	assert_int_equal(og_ctx_new(&ctx), 0);
	return ctx;
}

static og_policy *parse_ok(og_ctx *ctx, const char *doc)
{
	og_policy *p = NULL;
	int rc = og_policy_parse(&p, ctx, doc, strlen(doc), "policy.json");

	if (rc != 0)
		fail_msg("parse failed (%d): %s\n%s", rc, og_ctx_error(ctx), doc);
	assert_non_null(p);
	return p;
}

/* The parse fails and the message holds `want`. */
static void parse_fails(og_ctx *ctx, const char *doc, const char *want)
{
	og_policy *p = NULL;

	assert_int_equal(og_policy_parse(&p, ctx, doc, strlen(doc), "policy.json"), OG_EINVALID);
	assert_null(p);
	if (!strstr(og_ctx_error(ctx), want))
		fail_msg("message '%s' lacks '%s'", og_ctx_error(ctx), want);
}

/* ----------------------------------------------------------- the policy */

static void test_validate_scan__policy_keys(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *p = parse_ok(ctx, "{\"version\": 1,"
		"\"scan\": {\"setuid_allowed\": [\"/usr/bin/passwd\", \"/bin/su\"],"
		"  \"writable_allowed\": [\"/srv/share\"], \"secrets_max_file_size\": \"1MiB\"},"
		"\"vulnerabilities\": {\"max_db_age\": \"12h\"},"
		"\"efficiency\": {\"max_wasted\": \"50MiB\", \"min_score\": 0.9}}");

	(void)state;
	assert_int_equal(p->setuid_allowed.count, 2);
	assert_string_equal(p->setuid_allowed.items[1], "/bin/su");
	assert_int_equal(p->writable_allowed.count, 1);
	assert_int_equal(p->secrets_max_file_size, 1u << 20);
	assert_int_equal(p->max_db_age, 12 * 3600);
	assert_true(p->max_wasted_set);
	assert_int_equal(p->max_wasted, 50u << 20);
	assert_true(p->min_score_set);
	assert_true(p->min_score > 0.89 && p->min_score < 0.91);
	og_policy_free(p);
	og_ctx_free(ctx);
}

static void test_validate_scan__policy_defaults(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *d = NULL, *p;
	char *text = og_policy_default_text();

	(void)state;
	assert_int_equal(og_policy_default(&d, ctx), 0);
	assert_int_equal(d->secrets_max_file_size, 8u << 20);
	assert_int_equal(d->max_db_age, 7 * 86400);
	assert_false(d->max_wasted_set);
	assert_false(d->min_score_set);
	assert_int_equal(d->setuid_allowed.count, 0);
	/* policy init spells the new sections out, and they parse to the defaults */
	assert_non_null(strstr(text, "\"secrets_max_file_size\": \"8MiB\""));
	assert_non_null(strstr(text, "\"max_db_age\": \"7d\""));
	assert_non_null(strstr(text, "\"efficiency\": {}"));
	p = parse_ok(ctx, text);
	assert_int_equal(p->secrets_max_file_size, d->secrets_max_file_size);
	assert_int_equal(p->max_db_age, d->max_db_age);
	assert_false(p->max_wasted_set);
	og_policy_free(p);
	og_policy_free(d);
	free(text);
	og_ctx_free(ctx);
}

static void test_validate_scan__policy_errors(void **state)
{
	og_ctx *ctx = new_ctx();

	(void)state;
	parse_fails(ctx, "{\"version\": 1, \"scan\": {\"setuid_alowed\": []}}",
		"/scan/setuid_alowed: unknown key (did you mean \"setuid_allowed\"?)");
	parse_fails(ctx, "{\"version\": 1, \"scan\": {\"setuid_allowed\": [\"usr/bin/su\"]}}",
		"/scan/setuid_allowed/0: \"usr/bin/su\": expected an absolute path");
	parse_fails(ctx, "{\"version\": 1, \"scan\": {\"secrets_max_file_size\": \"8 parsecs\"}}",
		"/scan/secrets_max_file_size: bad size");
	parse_fails(ctx, "{\"version\": 1, \"vulnerabilities\": {\"max_db_age\": \"7x\"}}",
		"/vulnerabilities/max_db_age: expected a duration");
	parse_fails(ctx, "{\"version\": 1, \"vulnerabilities\": {\"max_db_age\": 7}}",
		"/vulnerabilities/max_db_age: expected a duration");
	parse_fails(ctx, "{\"version\": 1, \"vulnerabilities\": {\"max_age\": \"7d\"}}",
		"/vulnerabilities/max_age: unknown key");
	parse_fails(ctx, "{\"version\": 1, \"efficiency\": {\"min_score\": 1.5}}",
		"/efficiency/min_score: expected a number from 0 to 1");
	parse_fails(ctx, "{\"version\": 1, \"efficiency\": {\"max_wasted\": -1}}",
		"/efficiency/max_wasted: a size cannot be negative");
	parse_fails(ctx, "{\"version\": 1, \"efficiency\": {\"wasted\": 1}}",
		"/efficiency/wasted: unknown key");
	og_ctx_free(ctx);
}

static void test_validate_scan__durations(void **state)
{
	static const char *const bad[] = { "", "d", "7", "-1d", "7dd", "7 d", "1.5h", "7D",
		"99999999999999999999d", "9223372036854775807d" };
	int64_t v = -1;
	size_t i;

	(void)state;
	assert_int_equal(og_policy_parse_duration(&v, "7d"), 0);
	assert_int_equal(v, 7 * 86400);
	assert_int_equal(og_policy_parse_duration(&v, "90m"), 0);
	assert_int_equal(v, 5400);
	assert_int_equal(og_policy_parse_duration(&v, "3600s"), 0);
	assert_int_equal(v, 3600);
	assert_int_equal(og_policy_parse_duration(&v, "0h"), 0);
	assert_int_equal(v, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (og_policy_parse_duration(&v, bad[i]) != OG_EINVALID)
			fail_msg("\"%s\" parsed", bad[i]);
}

/* ----------------------------------------------------------- the report */

static json_t *render_json(const og_report *r)
{
	og_render_options ro = OG_RENDER_OPTIONS_INIT;
	char *text = NULL;
	json_t *j;

	ro.format = OG_FORMAT_JSON;
	assert_int_equal(og_report_render(&text, r, &ro), 0);
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	og_free(text);
	return j;
}

static json_t *scan_json(const char *pkg)
{
	json_t *j = json_pack("{s:{s:s}, s:[{s:s, s:s}], s:[], s:{s:i}, s:s}",
		"os", "id", "debian", "packages", "name", pkg, "version", "1.0",
		"secrets", "efficiency", "wasted_bytes", 0, "created", "2024-01-01T00:00:00Z");

	assert_non_null(j);
	return j;
}

static void test_validate_scan__report_sections(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "img");
	const char *d[] = { "sha256:m1" };
	json_t *j;

	(void)state;
	assert_non_null(r);
	/* no image: nothing to attach to */
	assert_int_equal(og_report__set_scan(r, scan_json("x")), OG_EINVALID);
	j = render_json(r);
	assert_null(json_object_get(j, "packages"));
	json_decref(j);

	/* one image: the sections at the top, the private "created" not shown */
	assert_int_equal(og_report__add_image(r, "linux/amd64", "sha256:m1", d, 1), 0);
	assert_int_equal(og_report__set_scan(r, scan_json("libc6")), 0);
	j = render_json(r);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(j, "packages"), 0), "name")), "libc6");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "os"), "id")),
		"debian");
	assert_non_null(json_object_get(j, "secrets"));
	assert_non_null(json_object_get(j, "efficiency"));
	assert_null(json_object_get(j, "created"));
	assert_null(json_object_get(j, "images"));
	json_decref(j);

	/* two images: one entry each, with platform and manifest */
	d[0] = "sha256:m2";
	assert_int_equal(og_report__add_image(r, "linux/arm64", "sha256:m2", d, 1), 0);
	assert_int_equal(og_report__set_scan(r, scan_json("musl")), 0);
	j = render_json(r);
	assert_null(json_object_get(j, "packages"));
	assert_int_equal(json_array_size(json_object_get(j, "images")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(j, "images"), 1), "platform")), "linux/arm64");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(j, "images"), 1), "packages"), 0), "name")), "musl");
	json_decref(j);
	og_report_free(r);
}

/* ------------------------------------------------- validate end to end */

/* n - 1 octal digits and a NUL */
static void tar_octal(char *field, size_t n, unsigned long long v)
{
	size_t i = n - 1;

	field[i] = '\0';
	while (i > 0) {
		field[--i] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

/* One ustar entry: type '0' (with data) or '5', mode, uid. */
static void tar_add(og_test_buf *b, const char *name, char type, unsigned int mode,
	const char *data)
{
	char h[512];
	size_t len = data ? strlen(data) : 0, i;
	unsigned int sum = 0;

	memset(h, 0, sizeof(h));
	snprintf(h, 100, "%s", name);
	tar_octal(h + 100, 8, mode);
	tar_octal(h + 108, 8, 0);
	tar_octal(h + 116, 8, 0);
	tar_octal(h + 124, 12, len);
	tar_octal(h + 136, 12, 1704067200);
	memset(h + 148, ' ', 8);
	h[156] = type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	og_test_buf_add(b, h, sizeof(h));
	if (len) {
		og_test_buf_add(b, data, len);
		og_test_buf_zero(b, (512 - len % 512) % 512);
	}
}

static void put_blob(const char *dir, og_ctx *ctx, const void *data, size_t len,
	char digest[OG_DIGEST_MAX])
{
	char rel[200];

	assert_int_equal(og_digest_buf(digest, ctx, OG_DIGEST_SHA256, data, len), 0);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest + 7);
	og_test_write(dir, rel, data, len);
}

/* An OCI layout at dir: one image, one uncompressed layer (the tar). */
static void write_layout(const char *dir, og_ctx *ctx, const og_test_buf *tar)
{
	char ld[OG_DIGEST_MAX], cd[OG_DIGEST_MAX], md[OG_DIGEST_MAX];
	char cfg[1024], man[1024], idx[512];

	put_blob(dir, ctx, tar->p, tar->len, ld);
	snprintf(cfg, sizeof(cfg), "{\"created\":\"2024-01-01T00:00:00Z\",\"architecture\":"
		"\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\",\"Cmd\":[\"sh\"]},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]},"
		"\"history\":[{\"created_by\":\"COPY . /\"}]}", ld);
	put_blob(dir, ctx, cfg, strlen(cfg), cd);
	snprintf(man, sizeof(man), "{\"schemaVersion\":2,\"mediaType\":"
		"\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
		"\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
		"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		"\"digest\":\"%s\",\"size\":%zu}]}", cd, strlen(cfg), ld, tar->len);
	put_blob(dir, ctx, man, strlen(man), md);
	snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		"\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu}]}",
		md, strlen(man));
	og_test_write(dir, "index.json", idx, strlen(idx));
	og_test_write(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
}

static const char dpkg_status[] =
	"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
	"Source: glibc\nVersion: 2.36-9+deb12u1\n\n"
	"Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n"
	"Source: zlib (1:1.2.13.dfsg-1)\nVersion: 1:1.2.13.dfsg-1\n";

static char *scan_layout(og_ctx *ctx)
{
	char *dir = og_test_tmpdir();
	og_test_buf tar = { NULL, 0, 0 };

	tar_add(&tar, "./", '5', 0755, NULL);
	tar_add(&tar, "./usr/", '5', 0755, NULL);
	tar_add(&tar, "./usr/bin/", '5', 0755, NULL);
	tar_add(&tar, "./usr/bin/suidtool", '0', 04755, "\177ELF");
	tar_add(&tar, "./etc/", '5', 0755, NULL);
	tar_add(&tar, "./etc/os-release", '0', 0644, "ID=debian\nVERSION_ID=\"12\"\n");
	tar_add(&tar, "./var/", '5', 0755, NULL);
	tar_add(&tar, "./var/lib/", '5', 0755, NULL);
	tar_add(&tar, "./var/lib/dpkg/", '5', 0755, NULL);
	tar_add(&tar, "./var/lib/dpkg/status", '0', 0644, dpkg_status);
	og_test_buf_zero(&tar, 1024);
	write_layout(dir, ctx, &tar);
	og_test_buf_free(&tar);
	return dir;
}

static int has_id(const og_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < og_report_finding_count(r); i++)
		if (strcmp(og_report_finding(r, i)->id, id) == 0)
			return 1;
	return 0;
}

static int has_check(const og_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->check_count; i++)
		if (strcmp(r->checks[i], id) == 0)
			return 1;
	return 0;
}

static void test_validate_scan__validate_scans(void **state)
{
	og_ctx *ctx = new_ctx();
	char *dir = scan_layout(ctx);
	og_validate_options vo = OG_VALIDATE_OPTIONS_INIT;
	og_report *r = NULL;
	json_t *pk;

	(void)state;
	assert_int_equal(og_validate(&r, ctx, dir, &vo), 0);
	assert_true(has_id(r, "file.setuid"));
	assert_true(has_check(r, "secret.token"));
	assert_false(has_check(r, "efficiency.wasted"));
	assert_false(has_check(r, "vuln.db_stale"));
	assert_int_equal(r->image_count, 1);
	assert_non_null(r->images[0].scan);
	pk = json_object_get(r->images[0].scan, "packages");
	assert_int_equal(json_array_size(pk), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(pk, 0), "source")),
		"glibc");
	og_report_free(r);
	r = NULL;

	/* --no-scan: no scanner ran, nothing of theirs in the report */
	vo.no_scan = 1;
	assert_int_equal(og_validate(&r, ctx, dir, &vo), 0);
	assert_false(has_id(r, "file.setuid"));
	assert_false(has_check(r, "file.setuid"));
	assert_false(has_check(r, "secret.token"));
	assert_null(r->images[0].scan);
	og_report_free(r);
	r = NULL;

	/* an options struct of version 3 (before the scan fields): scanned */
	vo.version = 3;
	vo.no_scan = 1;
	assert_int_equal(og_validate(&r, ctx, dir, &vo), 0);
	assert_true(has_id(r, "file.setuid"));
	og_report_free(r);
	og_test_tmpdir_done(dir, 0);
	og_ctx_free(ctx);
}

static void test_validate_scan__sbom(void **state)
{
	og_ctx *ctx = new_ctx();
	char *dir = scan_layout(ctx), *cdx = NULL, *cdx2 = NULL, *spdx = NULL;
	json_t *j;

	(void)state;
	assert_int_equal(og_sbom(&cdx, ctx, dir, "cyclonedx", NULL), 0);
	assert_int_equal(og_sbom(&cdx2, ctx, dir, "cyclonedx", NULL), 0);
	assert_string_equal(cdx, cdx2);
	assert_non_null(strstr(cdx, "\"purl\": \"pkg:deb/debian/libc6@2.36-9%2Bdeb12u1"
		"?arch=amd64&distro=debian-12\""));
	assert_non_null(strstr(cdx, "\"specVersion\": \"1.5\""));
	assert_int_equal(og_sbom(&spdx, ctx, dir, "spdx", NULL), 0);
	j = json_loads(spdx, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "spdxVersion")), "SPDX-2.3");
	/* the image package and two packages; DESCRIBES + 2 CONTAINS */
	assert_int_equal(json_array_size(json_object_get(j, "packages")), 3);
	assert_int_equal(json_array_size(json_object_get(j, "relationships")), 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "creationInfo"),
		"created")), "2024-01-01T00:00:00Z");
	json_decref(j);
	og_free(cdx2);
	assert_int_equal(og_sbom(&cdx2, ctx, dir, "xml", NULL), OG_EINVALID);
	assert_null(cdx2);
	assert_non_null(strstr(og_ctx_error(ctx), "xml"));
	og_free(cdx);
	og_free(cdx2);
	og_free(spdx);
	og_test_tmpdir_done(dir, 0);
	og_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_scan__policy_keys),
		cmocka_unit_test(test_validate_scan__policy_defaults),
		cmocka_unit_test(test_validate_scan__policy_errors),
		cmocka_unit_test(test_validate_scan__durations),
		cmocka_unit_test(test_validate_scan__report_sections),
		cmocka_unit_test(test_validate_scan__validate_scans),
		cmocka_unit_test(test_validate_scan__sbom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
