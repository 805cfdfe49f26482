/* The policy file: parsing, errors naming their JSON path, sizes, the
 * built-in default, loading, and applying severities and suppressions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "helpers.h"
#include "oci/digest.h"
#include "validate/policy.h"

/* The document of issue 3, verbatim. */
static const char issue_doc[] =
	"{\n"
	"  \"version\": 1,\n"
	"  \"size\": {\"max_compressed\": \"2GiB\", \"max_layer\": \"1GiB\", \"max_uncompressed\": \"4GiB\",\n"
	"           \"max_compression_ratio\": 100, \"max_layers\": 60},\n"
	"  \"platforms\": {\"allowed\": [\"linux/amd64\", \"linux/arm64/v8\"], \"required\": [\"linux/amd64\"]},\n"
	"  \"labels\": {\"required\": [\"org.opencontainers.image.source\", \"org.opencontainers.image.version\",\n"
	"                          \"org.opencontainers.image.revision\"],\n"
	"             \"match\": {\"org.opencontainers.image.version\": \"^v?[0-9]+\\\\.[0-9]+\\\\.[0-9]+\"}},\n"
	"  \"entrypoint\": {\"required\": true, \"exec_form\": true},\n"
	"  \"user\": {\"non_root\": true},\n"
	"  \"env\": {\"required\": [\"PATH\"], \"forbidden\": [\"AWS_SECRET_ACCESS_KEY\"]},\n"
	"  \"ports\": {\"allowed\": [8080, 8443]},\n"
	"  \"metadata\": {\"required\": [\"created\"]},\n"
	"  \"history\": {\"match_layers\": true},\n"
	"  \"severity\": {\"user.root\": \"HIGH\", \"annotations.missing\": \"LOW\"},\n"
	"  \"ignore\": [{\"id\": \"labels.missing\", \"subject\": \"org.opencontainers.image.revision\",\n"
	"              \"reason\": \"tracked in TICKET-12\", \"expires\": \"2027-03-01\"}],\n"
	"  \"fail_on\": \"HIGH\"\n"
	"}\n";

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

static void assert_strlist(const og_strlist *l, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(l->count, n);
	for (i = 0; i < n; i++)
		assert_string_equal(l->items[i], want[i]);
}

static const og_policy_severity *find_severity(const og_policy *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->severity_count; i++)
		if (strcmp(p->severity[i].id, id) == 0)
			return &p->severity[i];
	return NULL;
}

static void assert_same_list(const og_strlist *a, const og_strlist *b)
{
	size_t i;

	assert_int_equal(a->count, b->count);
	for (i = 0; i < a->count; i++)
		assert_string_equal(a->items[i], b->items[i]);
}

/* Every field but path and digest. */
static void assert_same_policy(const og_policy *a, const og_policy *b)
{
	size_t i;

	assert_int_equal(a->version, b->version);
	assert_true(a->max_compressed == b->max_compressed);
	assert_true(a->min_compressed == b->min_compressed);
	assert_true(a->max_layer == b->max_layer);
	assert_true(a->max_uncompressed == b->max_uncompressed);
	assert_int_equal(a->max_compression_ratio, b->max_compression_ratio);
	assert_int_equal(a->max_layers, b->max_layers);
	assert_same_list(&a->platforms_allowed, &b->platforms_allowed);
	assert_same_list(&a->platforms_required, &b->platforms_required);
	assert_same_list(&a->labels_required, &b->labels_required);
	assert_int_equal(a->label_match_count, b->label_match_count);
	for (i = 0; i < a->label_match_count; i++) {
		assert_string_equal(a->label_match[i].key, b->label_match[i].key);
		assert_string_equal(a->label_match[i].pattern, b->label_match[i].pattern);
	}
	assert_int_equal(a->entrypoint_required, b->entrypoint_required);
	assert_int_equal(a->entrypoint_exec_form, b->entrypoint_exec_form);
	assert_int_equal(a->user_non_root, b->user_non_root);
	assert_same_list(&a->env_required, &b->env_required);
	assert_same_list(&a->env_forbidden, &b->env_forbidden);
	assert_int_equal(a->ports_set, b->ports_set);
	assert_int_equal(a->ports_allowed_count, b->ports_allowed_count);
	for (i = 0; i < a->ports_allowed_count; i++)
		assert_int_equal(a->ports_allowed[i], b->ports_allowed[i]);
	assert_same_list(&a->metadata_required, &b->metadata_required);
	assert_int_equal(a->history_match_layers, b->history_match_layers);
	assert_int_equal(a->annotations_recommended, b->annotations_recommended);
	assert_int_equal(a->severity_count, b->severity_count);
	for (i = 0; i < a->severity_count; i++) {
		assert_string_equal(a->severity[i].id, b->severity[i].id);
		assert_int_equal(a->severity[i].severity, b->severity[i].severity);
	}
	assert_int_equal(a->ignore_count, b->ignore_count);
	assert_int_equal(a->fail_on, b->fail_on);
}

/* ------------------------------------------------------------- parsing */

static void test_validate_policy__issue_document(void **state)
{
	static const char *const allowed[] = { "linux/amd64", "linux/arm64/v8" };
	static const char *const required[] = { "linux/amd64" };
	static const char *const labels[] = { "org.opencontainers.image.source",
		"org.opencontainers.image.version", "org.opencontainers.image.revision" };
	static const char *const env_req[] = { "PATH" };
	static const char *const env_forb[] = { "AWS_SECRET_ACCESS_KEY" };
	static const char *const meta[] = { "created" };
	og_ctx *ctx = new_ctx();
	og_policy *p = parse_ok(ctx, issue_doc);
	const og_policy_severity *s;
	char want[OG_DIGEST_MAX];

	(void)state;
	assert_int_equal(p->version, 1);
	assert_string_equal(p->path, "policy.json");
	assert_int_equal(og_digest_buf(want, ctx, OG_DIGEST_SHA256, issue_doc,
		strlen(issue_doc)), 0);
	assert_string_equal(p->digest, want);

	assert_true(p->max_compressed == 2ull << 30);
	assert_true(p->min_compressed == 0);
	assert_true(p->max_layer == 1ull << 30);
	assert_true(p->max_uncompressed == 4ull << 30);
	assert_int_equal(p->max_compression_ratio, 100);
	assert_int_equal(p->max_layers, 60);

	assert_strlist(&p->platforms_allowed, allowed, 2);
	assert_strlist(&p->platforms_required, required, 1);
	assert_strlist(&p->labels_required, labels, 3);
	assert_int_equal(p->label_match_count, 1);
	assert_string_equal(p->label_match[0].key, "org.opencontainers.image.version");
	assert_string_equal(p->label_match[0].pattern, "^v?[0-9]+\\.[0-9]+\\.[0-9]+");
	assert_int_equal(regexec(&p->label_match[0].re, "v1.2.3", 0, NULL, 0), 0);
	assert_int_equal(regexec(&p->label_match[0].re, "1.22.333-rc1", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&p->label_match[0].re, "1.2", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&p->label_match[0].re, "1x2x3", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&p->label_match[0].re, "latest", 0, NULL, 0), 0);

	assert_int_equal(p->entrypoint_required, 1);
	assert_int_equal(p->entrypoint_exec_form, 1);
	assert_int_equal(p->user_non_root, 1);
	assert_strlist(&p->env_required, env_req, 1);
	assert_strlist(&p->env_forbidden, env_forb, 1);
	assert_int_equal(p->ports_set, 1);
	assert_int_equal(p->ports_allowed_count, 2);
	assert_int_equal(p->ports_allowed[0], 8080);
	assert_int_equal(p->ports_allowed[1], 8443);
	assert_strlist(&p->metadata_required, meta, 1);
	assert_int_equal(p->history_match_layers, 1);
	assert_int_equal(p->annotations_recommended, 1); /* not in the document */

	assert_int_equal(p->severity_count, 2);
	assert_non_null(s = find_severity(p, "user.root"));
	assert_int_equal(s->severity, OG_SEV_HIGH);
	assert_non_null(s = find_severity(p, "annotations.missing"));
	assert_int_equal(s->severity, OG_SEV_LOW);
	assert_int_equal(og_policy_severity_of(p, "user.root"), OG_SEV_HIGH);
	assert_int_equal(og_policy_severity_of(p, "annotations.missing"), OG_SEV_LOW);
	assert_int_equal(og_policy_severity_of(p, "labels.missing"), OG_SEV_HIGH);
	assert_int_equal(og_policy_severity_of(p, "entrypoint.invalid"), OG_SEV_MEDIUM);
	assert_int_equal(og_policy_severity_of(p, "no.such.check"), OG_SEV_NONE);

	assert_int_equal(p->ignore_count, 1);
	assert_string_equal(p->ignore[0].id, "labels.missing");
	assert_string_equal(p->ignore[0].subject, "org.opencontainers.image.revision");
	assert_string_equal(p->ignore[0].reason, "tracked in TICKET-12");
	assert_string_equal(p->ignore[0].expires, "2027-03-01");
	/* through 2027-03-01 UTC: the first second after it is 2027-03-02T00:00Z */
	assert_true(p->ignore[0].expires_at == (time_t)1803945600);
	assert_int_equal(p->ignore[0].matched, 0);
	assert_int_equal(p->fail_on, OG_SEV_HIGH);

	og_policy_free(p);
	og_ctx_free(ctx);
}

static void test_validate_policy__minimal_takes_defaults(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *p = parse_ok(ctx, "{\"version\": 1}\n");
	og_policy *d = NULL;

	(void)state;
	assert_int_equal(og_policy_default(&d, ctx), 0);
	assert_same_policy(p, d);
	/* echo '{"version": 1}' | sha256sum */
	assert_string_equal(p->digest,
		"sha256:cedb60dfefb0ead1fa5a3ccb3c68e0ceaf4bb3415df80c79863092f362bd5ab9");
	assert_null(d->path);
	assert_string_equal(d->digest, "");
	og_policy_free(p);
	og_policy_free(d);
	og_ctx_free(ctx);
}

static void test_validate_policy__partial_sections(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *p = parse_ok(ctx, "{\"version\": 1, \"size\": {\"max_layer\": 1048576,"
		" \"min_compressed\": \"1kB\", \"max_compressed\": \"1MB\"},"
		" \"ports\": {\"allowed\": []}, \"entrypoint\": {\"exec_form\": true},"
		" \"annotations\": {\"recommended\": false}, \"fail_on\": \"medium\","
		" \"ignore\": [{\"id\": \"user.root\", \"reason\": \"base image\"}]}");

	(void)state;
	assert_true(p->max_layer == 1048576);
	assert_true(p->min_compressed == 1000);
	assert_true(p->max_compressed == 1000000);
	/* untouched keys keep their defaults */
	assert_true(p->max_uncompressed == OG_DEFAULT_MAX_UNCOMPRESSED);
	assert_int_equal(p->max_compression_ratio, OG_DEFAULT_MAX_RATIO);
	assert_int_equal(p->max_layers, 127);
	assert_int_equal(p->entrypoint_required, 1);
	assert_int_equal(p->entrypoint_exec_form, 1);
	/* "allowed": [] is a restriction: no port may be exposed */
	assert_int_equal(p->ports_set, 1);
	assert_int_equal(p->ports_allowed_count, 0);
	assert_int_equal(p->annotations_recommended, 0);
	assert_int_equal(p->fail_on, OG_SEV_MEDIUM);
	assert_int_equal(p->ignore_count, 1);
	assert_null(p->ignore[0].subject);
	assert_null(p->ignore[0].expires);
	assert_true(p->ignore[0].expires_at == 0);
	og_policy_free(p);

	/* "ports": {} alone restricts nothing */
	p = parse_ok(ctx, "{\"version\": 1, \"ports\": {}}");
	assert_int_equal(p->ports_set, 0);
	og_policy_free(p);
	og_ctx_free(ctx);
}

static void test_validate_policy__expiry_dates(void **state)
{
	static const struct {
		const char *date;
		time_t after; /* the first second after that day, UTC */
	} cases[] = {
		{ "1970-01-01", 86400 },
		{ "2000-02-29", 951868800 },   /* 2000 is a leap year */
		{ "2024-02-29", 1709251200 },
		{ "2027-03-01", 1803945600 },
		{ "9999-12-31", 253402300800 },
	};
	og_ctx *ctx = new_ctx();
	char doc[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		og_policy *p;

		snprintf(doc, sizeof(doc), "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\","
			" \"reason\": \"r\", \"expires\": \"%s\"}]}", cases[i].date);
		p = parse_ok(ctx, doc);
		if (p->ignore[0].expires_at != cases[i].after)
			fail_msg("%s: %lld, want %lld", cases[i].date,
				(long long)p->ignore[0].expires_at, (long long)cases[i].after);
		og_policy_free(p);
	}
	og_ctx_free(ctx);
}

/* ------------------------------------------------------------- errors */

static const struct {
	const char *doc;
	const char *want; /* in the message, after "policy.json: " */
} bad_docs[] = {
	/* not a policy at all */
	{ "[]", "/: expected a JSON object" },
	{ "\"version\"", "/: expected a JSON object" },
	{ "", "/: not valid JSON" },
	{ "{\"version\": 1} x", "/: not valid JSON" },
	{ "{\"version\": 1,", "/: not valid JSON (line 1" },
	{ "{\"version\": 1,\n \"platforms\": {\"allowed\": [\"a/b\",\n \"c/d\" \"e/f\"]}}",
	  "/platforms/allowed/1: not valid JSON (line 3" },
	{ "{\"version\": 1, \"size\": {\"max_layer\": }}", "/size/max_layer: not valid JSON" },
	/* version */
	{ "{}", "/version: missing" },
	{ "{\"version\": 2}", "/version: unsupported version 2" },
	{ "{\"version\": \"1\"}", "/version: expected the integer 1" },
	{ "{\"version\": 1.0}", "/version: expected the integer 1" },
	/* duplicate keys */
	{ "{\"version\": 1, \"version\": 1}", "/version: duplicate key" },
	{ "{\"version\": 1, \"size\": {\"max_layer\": 1, \"max_layer\": 2}}",
	  "/size/max_layer: duplicate key" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"a\"},"
	  " {\"id\": \"user.root\", \"reason\": \"a\", \"reason\": \"b\"}]}",
	  "/ignore/1/reason: duplicate key" },
	{ "{\"version\": 1, \"labels\": {\"match\": {\"a/b~c\": \"x\", \"a/b~c\": \"y\"}}}",
	  "/labels/match/a~1b~0c: duplicate key" },
	/* typo'd keys at every level */
	{ "{\"version\": 1, \"fail_onn\": \"HIGH\"}",
	  "/fail_onn: unknown key (did you mean \"fail_on\"?)" },
	{ "{\"version\": 1, \"sizes\": {}}", "/sizes: unknown key" },
	{ "{\"version\": 1, \"comment\": \"x\"}", "/comment: unknown key" },
	{ "{\"version\": 1, \"size\": {\"max_layr\": \"1GiB\"}}", "/size/max_layr: unknown key" },
	{ "{\"version\": 1, \"platforms\": {\"alowed\": []}}", "/platforms/alowed: unknown key" },
	{ "{\"version\": 1, \"labels\": {\"requird\": []}}", "/labels/requird: unknown key" },
	{ "{\"version\": 1, \"entrypoint\": {\"exec\": true}}", "/entrypoint/exec: unknown key" },
	{ "{\"version\": 1, \"user\": {\"nonroot\": true}}", "/user/nonroot: unknown key" },
	{ "{\"version\": 1, \"env\": {\"forbiden\": []}}", "/env/forbiden: unknown key" },
	{ "{\"version\": 1, \"ports\": {\"allow\": [80]}}", "/ports/allow: unknown key" },
	{ "{\"version\": 1, \"metadata\": {\"require\": []}}", "/metadata/require: unknown key" },
	{ "{\"version\": 1, \"history\": {\"match\": true}}", "/history/match: unknown key" },
	{ "{\"version\": 1, \"annotations\": {\"recomended\": true}}",
	  "/annotations/recomended: unknown key" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reasn\": \"x\"}]}",
	  "/ignore/0/reasn: unknown key" },
	/* wrong types */
	{ "{\"version\": 1, \"size\": []}", "/size: expected an object" },
	{ "{\"version\": 1, \"labels\": null}", "/labels: expected an object" },
	{ "{\"version\": 1, \"size\": {\"max_layers\": \"10\"}}", "/size/max_layers: expected an integer" },
	{ "{\"version\": 1, \"size\": {\"max_layers\": -1}}", "/size/max_layers: -1 is out of range" },
	{ "{\"version\": 1, \"size\": {\"max_compression_ratio\": 0}}",
	  "/size/max_compression_ratio: 0 is out of range" },
	{ "{\"version\": 1, \"size\": {\"max_compression_ratio\": 2.5}}",
	  "/size/max_compression_ratio: expected an integer" },
	{ "{\"version\": 1, \"size\": {\"max_layer\": true}}", "/size/max_layer: expected a number of bytes" },
	{ "{\"version\": 1, \"entrypoint\": {\"required\": \"yes\"}}",
	  "/entrypoint/required: expected true or false" },
	{ "{\"version\": 1, \"user\": {\"non_root\": 1}}", "/user/non_root: expected true or false" },
	{ "{\"version\": 1, \"history\": {\"match_layers\": null}}",
	  "/history/match_layers: expected true or false" },
	{ "{\"version\": 1, \"annotations\": {\"recommended\": \"true\"}}",
	  "/annotations/recommended: expected true or false" },
	{ "{\"version\": 1, \"platforms\": {\"allowed\": \"linux/amd64\"}}",
	  "/platforms/allowed: expected an array of strings" },
	{ "{\"version\": 1, \"platforms\": {\"required\": [\"linux/amd64\", 5]}}",
	  "/platforms/required/1: expected a string" },
	{ "{\"version\": 1, \"labels\": {\"required\": [\"\"]}}", "/labels/required/0: \"\": must not be empty" },
	{ "{\"version\": 1, \"labels\": {\"match\": []}}", "/labels/match: expected an object" },
	{ "{\"version\": 1, \"labels\": {\"match\": {\"a\": 5}}}",
	  "/labels/match/a: expected a regular expression string" },
	{ "{\"version\": 1, \"env\": {\"required\": [\"A=B\"]}}", "/env/required/0: \"A=B\": a variable name" },
	{ "{\"version\": 1, \"env\": {\"required\": [\"PATH\", \"HOME\"], \"forbidden\": [\"X\", \"HOME\"]}}",
	  "/env/forbidden/1: HOME is also in /env/required" },
	{ "{\"version\": 1, \"ports\": {\"allowed\": 80}}", "/ports/allowed: expected an array of port numbers" },
	{ "{\"version\": 1, \"ports\": {\"allowed\": [80, \"443\"]}}", "/ports/allowed/1: expected a port number" },
	{ "{\"version\": 1, \"ports\": {\"allowed\": [0]}}", "/ports/allowed/0: port 0 is out of range" },
	{ "{\"version\": 1, \"ports\": {\"allowed\": [65535, 65536]}}", "/ports/allowed/1: port 65536 is out of range" },
	{ "{\"version\": 1, \"metadata\": {\"required\": [\"created\", \"config.env\"]}}",
	  "/metadata/required/1: \"config.env\": unknown config field" },
	/* platforms */
	{ "{\"version\": 1, \"platforms\": {\"allowed\": [\"linux\"]}}", "/platforms/allowed/0: \"linux\": expected \"os/arch\"" },
	{ "{\"version\": 1, \"platforms\": {\"allowed\": [\"linux/arm64/v8/x\"]}}", "/platforms/allowed/0" },
	{ "{\"version\": 1, \"platforms\": {\"allowed\": [\"linux//amd64\"]}}", "/platforms/allowed/0" },
	{ "{\"version\": 1, \"platforms\": {\"allowed\": [\"linux/amd64/\"]}}", "/platforms/allowed/0" },
	{ "{\"version\": 1, \"platforms\": {\"required\": [\"linux/amd 64\"]}}", "/platforms/required/0" },
	/* sizes */
	{ "{\"version\": 1, \"size\": {\"max_layer\": \"1.5XB\"}}", "/size/max_layer: bad size \"1.5XB\"" },
	{ "{\"version\": 1, \"size\": {\"max_compressed\": \"-1\"}}", "/size/max_compressed: bad size" },
	{ "{\"version\": 1, \"size\": {\"max_compressed\": -1}}", "/size/max_compressed: a size cannot be negative" },
	{ "{\"version\": 1, \"size\": {\"max_uncompressed\": \"4 GiB \"}}", "/size/max_uncompressed: bad size" },
	{ "{\"version\": 1, \"size\": {\"max_uncompressed\": 4.5}}", "/size/max_uncompressed: expected a number of bytes" },
	{ "{\"version\": 1, \"size\": {\"min_compressed\": \"2GB\", \"max_compressed\": \"1GB\"}}",
	  "/size/min_compressed: larger than /size/max_compressed" },
	/* regex */
	{ "{\"version\": 1, \"labels\": {\"match\": {\"org.x\": \"(\"}}}",
	  "/labels/match/org.x: bad regular expression \"(\"" },
	{ "{\"version\": 1, \"labels\": {\"match\": {\"ok\": \"^a$\", \"a/b\": \"[z-a]\"}}}",
	  "/labels/match/a~1b: bad regular expression" },
	{ "{\"version\": 1, \"labels\": {\"match\": {\"\": \"x\"}}}", "/labels/match/: a label key must not be empty" },
	/* severity */
	{ "{\"version\": 1, \"severity\": []}", "/severity: expected an object" },
	{ "{\"version\": 1, \"severity\": {\"user.root\": \"SEVERE\"}}",
	  "/severity/user.root: expected \"LOW\", \"MEDIUM\", \"HIGH\" or \"CRITICAL\"" },
	{ "{\"version\": 1, \"severity\": {\"user.root\": \"NONE\"}}", "/severity/user.root: expected \"LOW\"" },
	{ "{\"version\": 1, \"severity\": {\"user.root\": 3}}", "/severity/user.root: expected \"LOW\"" },
	{ "{\"version\": 1, \"severity\": {\"user.rot\": \"LOW\"}}",
	  "/severity/user.rot: unknown check id \"user.rot\" (did you mean \"user.root\"?)" },
	{ "{\"version\": 1, \"severity\": {\"nonsense\": \"LOW\"}}",
	  "/severity/nonsense: unknown check id \"nonsense\"" },
	{ "{\"version\": 1, \"severity\": {\"blob.missing\": \"LOW\"}}",
	  "/severity/blob.missing: blob.missing is an integrity check: its severity cannot be changed" },
	{ "{\"version\": 1, \"severity\": {\"layer.trailing_data\": \"CRITICAL\"}}",
	  "/severity/layer.trailing_data: layer.trailing_data is an integrity check" },
	{ "{\"version\": 1, \"severity\": {\"run.nothing_checked\": \"LOW\"}}",
	  "/severity/run.nothing_checked: the severity of run.nothing_checked cannot be changed" },
	/* fail_on */
	{ "{\"version\": 1, \"fail_on\": \"HIHG\"}", "/fail_on: expected \"LOW\"" },
	{ "{\"version\": 1, \"fail_on\": 3}", "/fail_on: expected \"LOW\"" },
	/* ignore */
	{ "{\"version\": 1, \"ignore\": {}}", "/ignore: expected an array" },
	{ "{\"version\": 1, \"ignore\": [\"user.root\"]}", "/ignore/0: expected an object" },
	{ "{\"version\": 1, \"ignore\": [{\"reason\": \"x\"}]}", "/ignore/0/id: missing" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": 5, \"reason\": \"x\"}]}", "/ignore/0/id: expected a check id" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"labels.mising\", \"reason\": \"x\"}]}",
	  "/ignore/0/id: unknown check id \"labels.mising\" (did you mean \"labels.missing\"?)" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\"},"
	  " {\"id\": \"blob.digest_mismatch\", \"reason\": \"x\"}]}",
	  "/ignore/1/id: blob.digest_mismatch is an integrity check: it cannot be ignored" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"run.nothing_checked\", \"reason\": \"x\"}]}",
	  "/ignore/0/id: run.nothing_checked cannot be ignored" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"policy.ignore_unused\", \"reason\": \"x\"}]}",
	  "/ignore/0/id: policy.ignore_unused cannot be ignored" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\"}]}",
	  "/ignore/0/reason: missing (every ignore entry needs a reason)" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"\"}]}",
	  "/ignore/0/reason: must not be empty" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \" \\t \"}]}",
	  "/ignore/0/reason: must not be empty" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"a\\nb\"}]}",
	  "/ignore/0/reason: must be one line of text" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"a\", \"subject\": \"\\u001b[31m\"}]}",
	  "/ignore/0/subject: must be one line of text" },
	{ "{\"version\": 1, \"ENTRYPOINT\": {}}", "/ENTRYPOINT: unknown key (did you mean \"entrypoint\"?)" },
	{ "{\"version\": 1, \"platforms\": {\"allowed\": [\"linux\\n/amd64\"]}}",
	  "/platforms/allowed/0: \"linux?/amd64\": expected" },
	{ "{\"version\": 1, \"labels\": {\"match\": {\"a\\nb\": \"(\"}}}", "/labels/match/a?b: bad regular" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": null}]}",
	  "/ignore/0/reason: expected a string" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"subject\": \"\"}]}",
	  "/ignore/0/subject: expected a non-empty string" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"expires\": \"2027-02-29\"}]}",
	  "/ignore/0/expires: expected a date \"YYYY-MM-DD\"" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"expires\": \"1900-02-29\"}]}",
	  "/ignore/0/expires: expected a date" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"expires\": \"2027-04-31\"}]}",
	  "/ignore/0/expires: expected a date" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"expires\": \"2027-13-01\"}]}",
	  "/ignore/0/expires: expected a date" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"expires\": \"2027-00-10\"}]}",
	  "/ignore/0/expires: expected a date" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"expires\": \"27-03-01\"}]}",
	  "/ignore/0/expires: expected a date" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"expires\": \"2027-3-1\"}]}",
	  "/ignore/0/expires: expected a date" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"expires\": \"2027-03-01T00:00:00Z\"}]}",
	  "/ignore/0/expires: expected a date" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"expires\": 20270301}]}",
	  "/ignore/0/expires: expected a date" },
	{ "{\"version\": 1, \"ignore\": [{\"id\": \"user.root\", \"reason\": \"x\", \"expires\": \"1969-12-31\"}]}",
	  "/ignore/0/expires: expected a date" },
};

static void test_validate_policy__errors_name_the_path(void **state)
{
	og_ctx *ctx = new_ctx();
	char want[512];
	og_policy sentinel;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		og_policy *p = &sentinel; /* must be reset to NULL */
		int rc;

		og_error_clear(ctx);
		rc = og_policy_parse(&p, ctx, bad_docs[i].doc, strlen(bad_docs[i].doc), "policy.json");
		if (rc != OG_EINVALID)
			fail_msg("case %zu (%s): rc %d, want OG_EINVALID", i, bad_docs[i].doc, rc);
		assert_null(p);
		snprintf(want, sizeof(want), "policy.json: %s", bad_docs[i].want);
		if (strncmp(og_ctx_error(ctx), "policy.json: ", 13) != 0 ||
		    !strstr(og_ctx_error(ctx), want))
			fail_msg("case %zu (%s):\n  message: %s\n  want:    %s", i, bad_docs[i].doc,
				og_ctx_error(ctx), want);
		/* one line */
		assert_null(strchr(og_ctx_error(ctx), '\n'));
	}
	og_ctx_free(ctx);
}

static void test_validate_policy__issue_example_typo(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *p = NULL;
	const char *doc = "{\"version\": 1, \"size\": {\"max_layr\": \"1GiB\"}}";

	(void)state;
	assert_int_equal(og_policy_parse(&p, ctx, doc, strlen(doc), "policy.json"), OG_EINVALID);
	assert_string_equal(og_ctx_error(ctx),
		"policy.json: /size/max_layr: unknown key (did you mean \"max_layer\"?)");
	og_ctx_free(ctx);
}

/* --------------------------------------------------------------- sizes */

static void test_validate_policy__sizes(void **state)
{
	static const struct {
		const char *text;
		uint64_t want;
	} good[] = {
		{ "0", 0 },
		{ "4096", 4096 },
		{ "10B", 10 },
		{ "500MiB", 500ull << 20 },
		{ "2GB", 2000000000ull },
		{ "1.5GiB", 1610612736ull },
		{ "1.25KB", 1250 },
		{ "1.50GiB", 1610612736ull },
		{ "1kB", 1000 },
		{ "1KB", 1000 },
		{ "1KiB", 1024 },
		{ "1kiB", 1024 },
		{ "7MB", 7000000 },
		{ "7mB", 7000000 },
		{ "1GiB", 1ull << 30 },
		{ "1giB", 1ull << 30 },
		{ "3TB", 3000000000000ull },
		{ "1TiB", 1ull << 40 },
		{ "1tiB", 1ull << 40 },
		{ "2 GiB", 2ull << 30 },
		{ "0.5KiB", 512 },
		{ "1.0", 1 },
		{ "007", 7 },
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215TiB", 16777215ull << 40 },
	};
	static const char *const bad[] = {
		"", " ", "-1", "+1", " 1", "1 ", "1  GiB", "1.5", "1.", ".5GiB", "1GiBx", "1gb",
		"1Gb", "1gib", "1XB", "1PiB", "1iB", "1b", "B", "GiB", "1e9", "0x10", "1.1B",
		"1,5GiB", "18446744073709551616", "16777216TiB", "18446744073709551615B0",
		"1.0000000000000000001GiB", "99999999999999999999",
	};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		if (og_policy_parse_size(&v, good[i].text) != 0 || v != good[i].want)
			fail_msg("\"%s\": got %llu, want %llu", good[i].text,
				(unsigned long long)v, (unsigned long long)good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		if (og_policy_parse_size(&v, bad[i]) != OG_EINVALID)
			fail_msg("\"%s\" should be rejected (got %llu)", bad[i], (unsigned long long)v);
		assert_true(v == 0);
	}
	assert_int_equal(og_policy_parse_size(&v, NULL), OG_EINVALID);
}

/* ------------------------------------------------------------- default */

static void test_validate_policy__default(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *d = NULL;

	(void)state;
	assert_int_equal(og_policy_default(&d, ctx), 0);
	assert_int_equal(d->version, 1);
	assert_null(d->path);
	assert_string_equal(d->digest, "");
	assert_true(d->max_compressed == 0);
	assert_true(d->min_compressed == 0);
	assert_true(d->max_layer == 0);
	assert_true(d->max_uncompressed == 64ull << 30);
	assert_int_equal(d->max_compression_ratio, 100);
	assert_int_equal(d->max_layers, 127);
	assert_int_equal(d->platforms_allowed.count, 0);
	assert_int_equal(d->platforms_required.count, 0);
	assert_int_equal(d->labels_required.count, 0);
	assert_int_equal(d->label_match_count, 0);
	assert_int_equal(d->entrypoint_required, 1);
	assert_int_equal(d->entrypoint_exec_form, 0);
	assert_int_equal(d->user_non_root, 0);
	assert_int_equal(d->env_required.count, 0);
	assert_int_equal(d->env_forbidden.count, 0);
	assert_int_equal(d->ports_set, 0);
	assert_int_equal(d->metadata_required.count, 0);
	assert_int_equal(d->history_match_layers, 1);
	assert_int_equal(d->annotations_recommended, 1);
	assert_int_equal(d->severity_count, 0);
	assert_int_equal(d->ignore_count, 0);
	assert_int_equal(d->fail_on, OG_SEV_HIGH);
	assert_int_equal(og_policy_severity_of(d, "user.root"), OG_SEV_MEDIUM);
	assert_int_equal(og_policy_severity_of(NULL, "user.root"), OG_SEV_MEDIUM);
	og_policy_free(d);
	og_policy_free(NULL);
	og_ctx_free(ctx);
}

static void test_validate_policy__default_round_trip(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *d = NULL, *p;
	char *text = og_policy_default_text(), *pub = NULL;
	char want[OG_DIGEST_MAX];

	(void)state;
	assert_non_null(text);
	assert_int_equal(og_policy_default(&d, ctx), 0);
	p = parse_ok(ctx, text);
	assert_same_policy(p, d);
	assert_int_equal(og_digest_buf(want, ctx, OG_DIGEST_SHA256, text, strlen(text)), 0);
	assert_string_equal(p->digest, want);
	/* every top-level key but "ports" is spelled out, to start from */
	assert_non_null(strstr(text, "\"max_uncompressed\": \"64GiB\""));
	assert_non_null(strstr(text, "\"fail_on\": \"HIGH\""));
	assert_non_null(strstr(text, "\"ignore\": []"));
	assert_int_equal(text[strlen(text) - 1], '\n');

	/* the public copy is the same text */
	assert_int_equal(og_policy_init_text(&pub), 0);
	assert_string_equal(pub, text);
	og_free(pub);
	free(text);
	og_policy_free(p);
	og_policy_free(d);
	og_ctx_free(ctx);
}

/* ---------------------------------------------------------------- load */

static void test_validate_policy__load(void **state)
{
	og_ctx *ctx = new_ctx();
	char *dir = og_test_tmpdir();
	char path[4096];
	og_policy *p = NULL;
	char *big;
	size_t big_len = (1u << 20) + 1;

	(void)state;
	og_test_write(dir, "policy.json", issue_doc, strlen(issue_doc));
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	assert_int_equal(og_policy_load(&p, ctx, path), 0);
	assert_string_equal(p->path, path);
	assert_int_equal(p->max_layers, 60);
	og_policy_free(p);
	assert_int_equal(og_policy_check_file(ctx, path), 0);

	/* absent */
	snprintf(path, sizeof(path), "%s/nope.json", dir);
	assert_int_equal(og_policy_load(&p, ctx, path), OG_ENOTFOUND);
	assert_null(p);
	assert_non_null(strstr(og_ctx_error(ctx), "nope.json"));
	assert_int_equal(og_policy_check_file(ctx, path), OG_ENOTFOUND);

	/* a typo: the message names the file and the key */
	og_test_write(dir, "typo.json", "{\"version\": 1, \"user\": {\"non_rot\": true}}", 41);
	snprintf(path, sizeof(path), "%s/typo.json", dir);
	assert_int_equal(og_policy_check_file(ctx, path), OG_EINVALID);
	assert_non_null(strstr(og_ctx_error(ctx), "typo.json: /user/non_rot: unknown key"));

	/* a directory */
	assert_int_equal(og_policy_check_file(ctx, dir), OG_EINVALID);

	/* over 1 MiB: whitespace after a valid document */
	big = malloc(big_len);
	assert_non_null(big);
	memset(big, ' ', big_len);
	memcpy(big, "{\"version\": 1}", 14);
	og_test_write(dir, "big.json", big, big_len);
	snprintf(path, sizeof(path), "%s/big.json", dir);
	assert_int_equal(og_policy_load(&p, ctx, path), OG_ELIMIT);
	assert_null(p);
	/* exactly 1 MiB is fine */
	og_test_write(dir, "big.json", big, big_len - 1);
	assert_int_equal(og_policy_load(&p, ctx, path), 0);
	og_policy_free(p);
	free(big);

	og_test_tmpdir_done(dir, 0);
	og_ctx_free(ctx);
}

/* --------------------------------------------------------------- apply */

static const char apply_doc[] =
	"{\"version\": 1,\n"
	" \"severity\": {\"user.root\": \"HIGH\", \"annotations.missing\": \"MEDIUM\"},\n"
	" \"ignore\": [\n"
	"  {\"id\": \"labels.missing\", \"subject\": \"org.opencontainers.image.revision\",\n"
	"   \"reason\": \"tracked in TICKET-12\", \"expires\": \"2027-03-01\"},\n"
	"  {\"id\": \"file.setuid\", \"reason\": \"needs ping\"},\n"
	"  {\"id\": \"env.missing\", \"subject\": \"HOME\", \"reason\": \"stale\"},\n"
	"  {\"id\": \"annotations.missing\", \"reason\": \"old\", \"expires\": \"2020-01-01\"}\n"
	" ]}\n";

/* 2027-03-01T12:00:00Z: the labels entry is live, the annotations one expired. */
#define NOW_LIVE ((time_t)1803945600 - 12 * 3600)

static void add_run_findings(og_findings *f)
{
	assert_int_equal(og_findings_add(f, "user.root", NULL, "runs as root"), 0);
	assert_int_equal(og_findings_add(f, "labels.missing", "org.opencontainers.image.revision",
		"label org.opencontainers.image.revision is absent"), 0);
	assert_int_equal(og_findings_add(f, "file.setuid", "/usr/bin/ping", "setuid file"), 0);
	assert_int_equal(og_findings_add(f, "labels.missing", "org.opencontainers.image.source",
		"label org.opencontainers.image.source is absent"), 0);
	assert_int_equal(og_findings_add(f, "blob.digest_mismatch", "sha256:1111",
		"layer bytes hash to sha256:9999"), 0);
	assert_int_equal(og_findings_add(f, "file.setuid", "/usr/bin/su", "setuid file"), 0);
	assert_int_equal(og_findings_add(f, "annotations.missing", "org.opencontainers.image.title",
		"no title"), 0);
}

static void test_validate_policy__apply(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *p = parse_ok(ctx, apply_doc);
	og_findings f, s;
	og_finding *it;

	(void)state;
	og_findings_init(&f);
	og_findings_init(&s);
	add_run_findings(&f);
	assert_int_equal(og_policy_apply(p, &f, &s, NOW_LIVE), 0);

	/* kept, in their order, then the policy's own findings */
	assert_int_equal(f.count, 6);
	it = &f.items[0];
	assert_string_equal(it->id, "user.root");
	assert_int_equal(it->severity, OG_SEV_HIGH);          /* overridden */
	assert_string_equal(it->message, "runs as root");
	it = &f.items[1];
	assert_string_equal(it->id, "labels.missing");
	assert_string_equal(it->subject, "org.opencontainers.image.source"); /* other subject */
	assert_int_equal(it->severity, OG_SEV_HIGH);
	it = &f.items[2];
	assert_string_equal(it->id, "blob.digest_mismatch");
	assert_int_equal(it->severity, OG_SEV_CRITICAL);
	it = &f.items[3];
	assert_string_equal(it->id, "annotations.missing");   /* its entry expired */
	assert_int_equal(it->severity, OG_SEV_MEDIUM);
	/* one per stale entry, in the entries' order */
	it = &f.items[4];
	assert_string_equal(it->id, "policy.ignore_unused");
	assert_string_equal(it->subject, "env.missing");
	assert_int_equal(it->severity, OG_SEV_LOW);
	assert_string_equal(it->message, "ignore entry for env.missing subject HOME "
		"matched no finding; remove it (reason: stale)");
	it = &f.items[5];
	assert_string_equal(it->id, "policy.ignore_expired");
	assert_string_equal(it->subject, "annotations.missing");
	assert_int_equal(it->severity, OG_SEV_MEDIUM);
	assert_string_equal(it->message, "ignore entry for annotations.missing expired on "
		"2020-01-01 and no longer suppresses (reason: old)");

	/* suppressed, in their order, tagged with the reason */
	assert_int_equal(s.count, 3);
	assert_string_equal(s.items[0].id, "labels.missing");
	assert_string_equal(s.items[0].subject, "org.opencontainers.image.revision");
	assert_string_equal(s.items[0].message,
		"label org.opencontainers.image.revision is absent [ignored: tracked in TICKET-12]");
	assert_string_equal(s.items[1].id, "file.setuid");
	assert_string_equal(s.items[1].subject, "/usr/bin/ping");
	assert_string_equal(s.items[1].message, "setuid file [ignored: needs ping]");
	assert_string_equal(s.items[2].subject, "/usr/bin/su");   /* any subject */

	assert_int_equal(p->ignore[0].matched, 1);
	assert_int_equal(p->ignore[1].matched, 2);
	assert_int_equal(p->ignore[2].matched, 0);
	assert_int_equal(p->ignore[3].matched, 0);

	og_findings_dispose(&f);
	og_findings_dispose(&s);
	og_policy_free(p);
	og_ctx_free(ctx);
}

static void test_validate_policy__apply_expiry_boundary(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *p = parse_ok(ctx, "{\"version\": 1, \"ignore\": [{\"id\": \"labels.missing\","
		" \"subject\": \"a\", \"reason\": \"r\", \"expires\": \"2027-03-01\"}]}");
	og_findings f, s;

	(void)state;
	/* the last second of 2027-03-01 UTC: still suppressed */
	og_findings_init(&f);
	og_findings_init(&s);
	assert_int_equal(og_findings_add(&f, "labels.missing", "a", "absent"), 0);
	assert_int_equal(og_policy_apply(p, &f, &s, (time_t)1803945600 - 1), 0);
	assert_int_equal(f.count, 0);
	assert_int_equal(s.count, 1);
	og_findings_dispose(&f);
	og_findings_dispose(&s);

	/* the next second: not suppressed, and reported */
	og_findings_init(&f);
	og_findings_init(&s);
	assert_int_equal(og_findings_add(&f, "labels.missing", "a", "absent"), 0);
	assert_int_equal(og_policy_apply(p, &f, &s, (time_t)1803945600), 0);
	assert_int_equal(s.count, 0);
	assert_int_equal(f.count, 2);
	assert_string_equal(f.items[0].id, "labels.missing");
	assert_string_equal(f.items[0].message, "absent");
	assert_string_equal(f.items[1].id, "policy.ignore_expired");
	assert_string_equal(f.items[1].subject, "labels.missing");
	assert_int_equal(f.items[1].severity, OG_SEV_MEDIUM);
	assert_int_equal(p->ignore[0].matched, 0);
	og_findings_dispose(&f);
	og_findings_dispose(&s);

	/* expired with nothing to match: still reported (once) */
	og_findings_init(&f);
	og_findings_init(&s);
	assert_int_equal(og_policy_apply(p, &f, &s, (time_t)1803945600 + 86400 * 365), 0);
	assert_int_equal(f.count, 1);
	assert_string_equal(f.items[0].id, "policy.ignore_expired");
	og_findings_dispose(&f);
	og_findings_dispose(&s);
	og_policy_free(p);
	og_ctx_free(ctx);
}

static void test_validate_policy__apply_integrity_untouched(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *p = parse_ok(ctx, "{\"version\": 1}");
	og_findings f, s;

	(void)state;
	/* the parser refuses these; apply must hold even if a policy has them */
	p->severity = calloc(2, sizeof(*p->severity));
	assert_non_null(p->severity);
	p->severity[0].id = strdup("blob.digest_mismatch");
	p->severity[0].severity = OG_SEV_LOW;
	p->severity[1].id = strdup("run.nothing_checked");
	p->severity[1].severity = OG_SEV_LOW;
	p->severity_count = 2;
	p->ignore = calloc(2, sizeof(*p->ignore));
	assert_non_null(p->ignore);
	p->ignore[0].id = strdup("blob.digest_mismatch");
	p->ignore[0].reason = strdup("no");
	p->ignore[1].id = strdup("run.nothing_checked");
	p->ignore[1].reason = strdup("no");
	p->ignore_count = 2;
	assert_int_equal(og_policy_severity_of(p, "blob.digest_mismatch"), OG_SEV_CRITICAL);

	og_findings_init(&f);
	og_findings_init(&s);
	assert_int_equal(og_findings_add(&f, "blob.digest_mismatch", "sha256:1", "bad"), 0);
	assert_int_equal(og_findings_add(&f, "layer.trailing_data", "0", "junk"), 0);
	assert_int_equal(og_findings_add(&f, "run.nothing_checked", NULL, "nothing"), 0);
	assert_int_equal(og_policy_apply(p, &f, &s, NOW_LIVE), 0);
	assert_int_equal(s.count, 0);
	assert_int_equal(f.count, 5); /* + two unused entries */
	assert_string_equal(f.items[0].id, "blob.digest_mismatch");
	assert_int_equal(f.items[0].severity, OG_SEV_CRITICAL);
	assert_string_equal(f.items[0].message, "bad");
	assert_string_equal(f.items[1].id, "layer.trailing_data");
	assert_int_equal(f.items[1].severity, OG_SEV_HIGH);
	assert_string_equal(f.items[2].id, "run.nothing_checked");
	assert_int_equal(f.items[2].severity, OG_SEV_CRITICAL);
	assert_string_equal(f.items[3].id, "policy.ignore_unused");
	assert_string_equal(f.items[4].id, "policy.ignore_unused");
	og_findings_dispose(&f);
	og_findings_dispose(&s);
	og_policy_free(p);
	og_ctx_free(ctx);
}

static void test_validate_policy__apply_policy_findings_overridden(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *p = parse_ok(ctx, "{\"version\": 1, \"severity\": {\"policy.ignore_unused\": "
		"\"HIGH\", \"policy.ignore_expired\": \"LOW\"}, \"ignore\": ["
		"{\"id\": \"user.root\", \"reason\": \"a\"},"
		"{\"id\": \"user.root\", \"reason\": \"b\", \"expires\": \"2001-01-01\"}]}");
	og_findings f, s;

	(void)state;
	og_findings_init(&f);
	og_findings_init(&s);
	assert_int_equal(og_policy_apply(p, &f, &s, NOW_LIVE), 0);
	assert_int_equal(f.count, 2);
	assert_string_equal(f.items[0].id, "policy.ignore_unused");
	assert_int_equal(f.items[0].severity, OG_SEV_HIGH);
	assert_string_equal(f.items[1].id, "policy.ignore_expired");
	assert_int_equal(f.items[1].severity, OG_SEV_LOW);
	og_findings_dispose(&f);

	/* a second run starts its counts afresh; the first live entry wins */
	og_findings_init(&f);
	assert_int_equal(og_findings_add(&f, "user.root", NULL, "root"), 0);
	assert_int_equal(og_findings_add(&f, "user.root", "x", "root again"), 0);
	assert_int_equal(og_policy_apply(p, &f, &s, NOW_LIVE), 0);
	assert_int_equal(p->ignore[0].matched, 2);
	assert_int_equal(s.count, 2);
	assert_string_equal(s.items[0].message, "root [ignored: a]");
	assert_int_equal(f.count, 1);
	assert_string_equal(f.items[0].id, "policy.ignore_expired");
	og_findings_dispose(&f);
	og_findings_dispose(&s);
	og_policy_free(p);
	og_ctx_free(ctx);
}

static void test_validate_policy__apply_no_override_keeps_severity(void **state)
{
	og_ctx *ctx = new_ctx();
	og_policy *p = parse_ok(ctx, "{\"version\": 1}");
	og_findings f, s;

	(void)state;
	og_findings_init(&f);
	og_findings_init(&s);
	assert_int_equal(og_findings_add(&f, "vuln.low", "pkg", "advisory"), 0);
	f.items[0].severity = OG_SEV_HIGH; /* a scanner may grade its own finding */
	assert_int_equal(og_policy_apply(p, &f, &s, NOW_LIVE), 0);
	assert_int_equal(f.count, 1);
	assert_int_equal(f.items[0].severity, OG_SEV_HIGH);
	og_findings_dispose(&f);
	og_findings_dispose(&s);
	og_policy_free(p);
	og_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_policy__issue_document),
		cmocka_unit_test(test_validate_policy__minimal_takes_defaults),
		cmocka_unit_test(test_validate_policy__partial_sections),
		cmocka_unit_test(test_validate_policy__expiry_dates),
		cmocka_unit_test(test_validate_policy__errors_name_the_path),
		cmocka_unit_test(test_validate_policy__issue_example_typo),
		cmocka_unit_test(test_validate_policy__sizes),
		cmocka_unit_test(test_validate_policy__default),
		cmocka_unit_test(test_validate_policy__default_round_trip),
		cmocka_unit_test(test_validate_policy__load),
		cmocka_unit_test(test_validate_policy__apply),
		cmocka_unit_test(test_validate_policy__apply_expiry_boundary),
		cmocka_unit_test(test_validate_policy__apply_integrity_untouched),
		cmocka_unit_test(test_validate_policy__apply_policy_findings_overridden),
		cmocka_unit_test(test_validate_policy__apply_no_override_keeps_severity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
