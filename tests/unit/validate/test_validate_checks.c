/* The metadata checks: each id tripped and not tripped, what is recorded as
 * ran, and configs with hostile types. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "helpers.h"
#include "validate/checks.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define GiB ((uint64_t)1 << 30)
#define MiB ((uint64_t)1 << 20)

/* ------------------------------------------------------------- helpers */

/* JSON written with single quotes (readable in C), parsed. */
static json_t *jq(const char *text)
{
	char *s = strdup(text), *c;
	json_error_t err;
	json_t *j;

	assert_non_null(s);
	for (c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	j = json_loads(s, JSON_DECODE_ANY, &err);
	if (!j)
		fail_msg("bad test JSON: %s: %s", err.text, s);
	free(s);
	return j;
}

typedef struct fixture {
	og_image_facts img;
	uint64_t sizes[4];
	const char *digests[4];
	og_report *r;
} fixture;

static const char *const layer_digests[] = {
	"sha256:1111111111111111111111111111111111111111111111111111111111111111",
	"sha256:2222222222222222222222222222222222222222222222222222222222222222",
	"sha256:3333333333333333333333333333333333333333333333333333333333333333",
	"sha256:4444444444444444444444444444444444444444444444444444444444444444",
};

/* Facts for a config (NULL: none) and manifest annotations (NULL: none),
 * with `layers` layers of 1 MiB each and a 1 KiB config. */
static void fx_init(fixture *fx, const char *config, const char *annotations, size_t layers)
{
	size_t i;

	memset(fx, 0, sizeof(*fx));
	assert_true(layers <= 4);
	for (i = 0; i < layers; i++) {
		fx->sizes[i] = MiB;
		fx->digests[i] = layer_digests[i];
	}
	fx->img.manifest_digest = DIGEST;
	fx->img.platform = "linux/amd64";
	fx->img.config = config ? jq(config) : NULL;
	fx->img.config_digest = "sha256:cccc";
	fx->img.config_size = 1024;
	fx->img.manifest_annotations = annotations ? jq(annotations) : NULL;
	fx->img.layer_count = layers;
	fx->img.layer_digests = fx->digests;
	fx->img.layer_sizes = fx->sizes;
	fx->r = og_report__new(OG_REPORT_IMAGE, "test:ref");
	assert_non_null(fx->r);
}

static void fx_run(fixture *fx, const og_policy *p)
{
	assert_int_equal(og_checks_image(fx->r, p, &fx->img), 0);
}

static void fx_done(fixture *fx)
{
	json_decref(fx->img.config);
	json_decref(fx->img.manifest_annotations);
	og_report_free(fx->r);
	memset(fx, 0, sizeof(*fx));
}

static size_t count(const og_report *r, const char *id)
{
	size_t i, n = 0;

	for (i = 0; i < r->findings.count; i++)
		if (strcmp(r->findings.items[i].id, id) == 0)
			n++;
	return n;
}

/* The finding with id and subject; fails the test if absent. */
static const og_finding *get(const og_report *r, const char *id, const char *subject)
{
	size_t i;

	for (i = 0; i < r->findings.count; i++)
		if (strcmp(r->findings.items[i].id, id) == 0 &&
		    strcmp(r->findings.items[i].subject, subject) == 0)
			return &r->findings.items[i];
	fail_msg("no %s finding for %s", id, subject);
	return NULL;
}

static int ran(const og_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->check_count; i++)
		if (strcmp(r->checks[i], id) == 0)
			return 1;
	return 0;
}

static void assert_contains(const char *s, const char *part)
{
	if (!strstr(s, part))
		fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

/* Policies are built by hand (the parser is tested on its own). */
static og_policy *policy_new(void)
{
	og_policy *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->version = 1;
	p->fail_on = OG_SEV_HIGH;
	return p;
}

/* Append the NULL-terminated strings to a list. */
static void list_add(og_strlist *l, ...)
{
	const char *s;
	va_list ap;

	va_start(ap, l);
	while ((s = va_arg(ap, const char *)) != NULL) {
		l->items = realloc(l->items, (l->count + 1) * sizeof(*l->items));
		assert_non_null(l->items);
		l->items[l->count] = strdup(s);
		assert_non_null(l->items[l->count]);
		l->count++;
	}
	va_end(ap);
}

static void match_add(og_policy *p, const char *key, const char *pattern)
{
	og_policy_match *m;

	p->label_match = realloc(p->label_match, (p->label_match_count + 1) * sizeof(*m));
	assert_non_null(p->label_match);
	m = &p->label_match[p->label_match_count++];
	m->key = strdup(key);
	m->pattern = strdup(pattern);
	assert_int_equal(regcomp(&m->re, pattern, REG_EXTENDED | REG_NOSUB), 0);
}

static void ports_set(og_policy *p, size_t n, ...)
{
	va_list ap;
	size_t i;

	p->ports_set = 1;
	p->ports_allowed = calloc(n ? n : 1, sizeof(*p->ports_allowed));
	assert_non_null(p->ports_allowed);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		p->ports_allowed[i] = va_arg(ap, unsigned int);
	va_end(ap);
	p->ports_allowed_count = n;
}

static void list_free(og_strlist *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
}

static void policy_free(og_policy *p)
{
	size_t i;

	list_free(&p->platforms_allowed);
	list_free(&p->platforms_required);
	list_free(&p->labels_required);
	list_free(&p->env_required);
	list_free(&p->env_forbidden);
	list_free(&p->metadata_required);
	for (i = 0; i < p->label_match_count; i++) {
		free(p->label_match[i].key);
		free(p->label_match[i].pattern);
		regfree(&p->label_match[i].re);
	}
	free(p->label_match);
	free(p->ports_allowed);
	free(p);
}

/* A policy with every check on. */
static og_policy *policy_all(void)
{
	og_policy *p = policy_new();

	p->max_compressed = 2 * GiB;
	p->min_compressed = 1;
	p->max_layer = GiB;
	p->max_uncompressed = 4 * GiB;
	p->max_layers = 60;
	list_add(&p->platforms_allowed, "linux/amd64", "linux/arm64/v8", NULL);
	list_add(&p->labels_required, "org.opencontainers.image.source", NULL);
	match_add(p, "org.opencontainers.image.version", "^v?[0-9]+\\.[0-9]+\\.[0-9]+");
	p->entrypoint_required = 1;
	p->entrypoint_exec_form = 1;
	p->user_non_root = 1;
	list_add(&p->env_required, "PATH", NULL);
	list_add(&p->env_forbidden, "AWS_SECRET_ACCESS_KEY", NULL);
	ports_set(p, 2, 8080u, 8443u);
	list_add(&p->metadata_required, "created", "config.Env", NULL);
	p->history_match_layers = 1;
	p->annotations_recommended = 1;
	return p;
}

/* A config that passes policy_all() with 2 layers. */
#define GOOD_CONFIG "{'architecture':'amd64','os':'linux','created':'2024-01-01T00:00:00Z'," \
	"'config':{'User':'1000:1000','Env':['PATH=/usr/bin','HOME=/'],'Entrypoint':['/app']," \
	"'Cmd':['--serve'],'ExposedPorts':{'8080/tcp':{},'8443':{}}," \
	"'Labels':{'org.opencontainers.image.source':'https://example.com/x'," \
	"'org.opencontainers.image.version':'v1.2.3','org.opencontainers.image.revision':'abc'," \
	"'org.opencontainers.image.created':'2024-01-01','org.opencontainers.image.licenses':'MIT'}}," \
	"'rootfs':{'type':'layers','diff_ids':['sha256:aa','sha256:bb']}," \
	"'history':[{'created_by':'ADD x'},{'created_by':'ENV a','empty_layer':true},{'created_by':'COPY y'}]}"

static const char *const all_ids[] = {
	"size.total", "size.layer", "size.uncompressed", "layer.count",
	"platform.missing_field", "platform.unsupported", "labels.missing",
	"labels.invalid", "entrypoint.missing", "entrypoint.invalid", "user.root",
	"metadata.incomplete", "history.mismatch", "annotations.missing",
	"env.missing", "env.forbidden", "port.not_allowed",
};

/* ---------------------------------------------------------- recording */

static void test_validate_checks__all_pass_all_recorded(void **state)
{
	og_policy *p = policy_all();
	fixture fx;
	size_t i;

	(void)state;
	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx_run(&fx, p);
	for (i = 0; i < fx.r->findings.count; i++)
		print_error("unexpected: %s %s: %s\n", fx.r->findings.items[i].id,
			fx.r->findings.items[i].subject, fx.r->findings.items[i].message);
	assert_int_equal(fx.r->findings.count, 0);
	for (i = 0; i < sizeof(all_ids) / sizeof(all_ids[0]); i++)
		if (!ran(fx.r, all_ids[i]))
			fail_msg("%s not recorded as ran", all_ids[i]);
	fx_done(&fx);
	policy_free(p);
}

static void test_validate_checks__disabled_not_recorded(void **state)
{
	og_policy *p = policy_new();
	fixture fx;

	(void)state;
	/* Nothing enabled: only platform.missing_field, which always runs. */
	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'User':'root'}}", NULL, 3);
	fx_run(&fx, p);
	assert_int_equal(fx.r->findings.count, 0);
	assert_int_equal(fx.r->check_count, 1);
	assert_string_equal(fx.r->checks[0], "platform.missing_field");
	fx_done(&fx);

	/* A ports policy with an empty allowed list still runs. */
	ports_set(p, 0);
	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'ExposedPorts':{'22/tcp':{}}}}",
		NULL, 1);
	fx_run(&fx, p);
	assert_true(ran(fx.r, "port.not_allowed"));
	assert_int_equal(count(fx.r, "port.not_allowed"), 1);
	fx_done(&fx);
	policy_free(p);
}

/* -------------------------------------------------------------- sizes */

static void test_validate_checks__size_total(void **state)
{
	og_policy *p = policy_new();
	const og_finding *f;
	fixture fx;

	(void)state;
	p->max_compressed = 2 * GiB;
	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx.sizes[0] = GiB + GiB / 10;
	fx.sizes[1] = GiB;
	fx_run(&fx, p);
	f = get(fx.r, "size.total", DIGEST);
	assert_contains(f->message, "2.1 GiB");
	assert_contains(f->message, "over the 2 GiB limit");
	assert_int_equal(f->severity, OG_SEV_HIGH);
	fx_done(&fx);

	/* Just over: the exact bytes show the difference. */
	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx.sizes[0] = GiB;
	fx.sizes[1] = GiB;
	fx_run(&fx, p);
	f = get(fx.r, "size.total", DIGEST);
	assert_contains(f->message, "2.0 GiB (2147484672 bytes)");
	fx_done(&fx);

	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "size.total"), 0);
	assert_true(ran(fx.r, "size.total"));
	fx_done(&fx);

	/* Under the minimum. */
	p->max_compressed = 0;
	p->min_compressed = 10 * MiB;
	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx_run(&fx, p);
	f = get(fx.r, "size.total", DIGEST);
	assert_contains(f->message, "under the 10 MiB minimum");
	fx_done(&fx);
	policy_free(p);
}

static void test_validate_checks__size_layer(void **state)
{
	og_policy *p = policy_new();
	const og_finding *f;
	fixture fx;

	(void)state;
	p->max_layer = 512 * MiB;
	fx_init(&fx, GOOD_CONFIG, NULL, 3);
	fx.sizes[1] = 600 * MiB;
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "size.layer"), 1);
	f = get(fx.r, "size.layer", layer_digests[1]);
	assert_contains(f->message, "layer 1 is 600 MiB, over the 512 MiB");
	fx_done(&fx);

	/* Exactly at the limit passes. */
	fx_init(&fx, GOOD_CONFIG, NULL, 3);
	fx.sizes[2] = 512 * MiB;
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "size.layer"), 0);
	assert_true(ran(fx.r, "size.layer"));
	fx_done(&fx);
	policy_free(p);
}

static void test_validate_checks__size_uncompressed(void **state)
{
	og_policy *p = policy_new();
	fixture fx;

	(void)state;
	p->max_uncompressed = 4 * GiB;
	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx.img.uncompressed_total = 5 * GiB;
	fx.img.uncompressed_known = 1;
	fx_run(&fx, p);
	assert_contains(get(fx.r, "size.uncompressed", DIGEST)->message, "5 GiB is over the 4 GiB");
	fx_done(&fx);

	/* The pipeline stopped it already: not reported twice, still ran. */
	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx.img.uncompressed_total = 5 * GiB;
	fx.img.uncompressed_stopped = 1;
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "size.uncompressed"), 0);
	assert_true(ran(fx.r, "size.uncompressed"));
	fx_done(&fx);

	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx.img.uncompressed_total = 3 * GiB;
	fx.img.uncompressed_known = 1;
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "size.uncompressed"), 0);
	assert_true(ran(fx.r, "size.uncompressed"));
	fx_done(&fx);
	policy_free(p);
}

static void test_validate_checks__layer_count(void **state)
{
	og_policy *p = policy_new();
	fixture fx;

	(void)state;
	p->max_layers = 2;
	fx_init(&fx, GOOD_CONFIG, NULL, 3);
	fx_run(&fx, p);
	assert_contains(get(fx.r, "layer.count", DIGEST)->message, "3 layers, over the limit of 2");
	assert_int_equal(get(fx.r, "layer.count", DIGEST)->severity, OG_SEV_MEDIUM);
	fx_done(&fx);

	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "layer.count"), 0);
	assert_true(ran(fx.r, "layer.count"));
	fx_done(&fx);
	policy_free(p);
}

/* ---------------------------------------------------------- platforms */

static void test_validate_checks__platform_missing_field(void **state)
{
	og_policy *p = policy_new();
	fixture fx;

	(void)state;
	fx_init(&fx, "{'os':'linux','architecture':''}", NULL, 1);
	fx_run(&fx, p);
	assert_contains(get(fx.r, "platform.missing_field", DIGEST)->message, "\"architecture\"");
	fx_done(&fx);

	fx_init(&fx, "{'architecture':'amd64','os':7}", NULL, 1);
	fx_run(&fx, p);
	assert_contains(get(fx.r, "platform.missing_field", DIGEST)->message, "\"os\"");
	fx_done(&fx);

	fx_init(&fx, NULL, NULL, 1);
	fx_run(&fx, p);
	assert_contains(get(fx.r, "platform.missing_field", DIGEST)->message,
		"\"os\" and \"architecture\"");
	fx_done(&fx);

	fx_init(&fx, "{'os':'linux','architecture':'arm64'}", NULL, 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "platform.missing_field"), 0);
	assert_true(ran(fx.r, "platform.missing_field"));
	fx_done(&fx);
	policy_free(p);
}

/* The image's platform against an allowed list: 1 if it passes. */
static int allowed(const char *config, ...)
{
	og_policy *p = policy_new();
	const char *s;
	fixture fx;
	va_list ap;
	int ok;

	va_start(ap, config);
	while ((s = va_arg(ap, const char *)) != NULL)
		list_add(&p->platforms_allowed, s, NULL);
	va_end(ap);
	fx_init(&fx, config, NULL, 1);
	fx_run(&fx, p);
	assert_true(ran(fx.r, "platform.unsupported"));
	ok = count(fx.r, "platform.unsupported") == 0;
	fx_done(&fx);
	policy_free(p);
	return ok;
}

static void test_validate_checks__platform_unsupported(void **state)
{
	og_policy *p = policy_new();
	fixture fx;

	(void)state;
	assert_true(allowed("{'os':'linux','architecture':'amd64'}", "linux/amd64", NULL));
	assert_false(allowed("{'os':'linux','architecture':'s390x'}", "linux/amd64",
		"linux/arm64/v8", NULL));
	assert_false(allowed("{'os':'windows','architecture':'amd64'}", "linux/amd64", NULL));
	/* arm64 without a variant is v8; "8" is "v8". */
	assert_true(allowed("{'os':'linux','architecture':'arm64'}", "linux/arm64/v8", NULL));
	assert_true(allowed("{'os':'linux','architecture':'arm64','variant':'v8'}",
		"linux/arm64/v8", NULL));
	assert_true(allowed("{'os':'linux','architecture':'arm64','variant':'8'}",
		"linux/arm64/v8", NULL));
	/* An allowed entry without a variant matches any. */
	assert_true(allowed("{'os':'linux','architecture':'arm','variant':'v6'}", "linux/arm", NULL));
	assert_false(allowed("{'os':'linux','architecture':'arm','variant':'v6'}",
		"linux/arm/v7", NULL));
	assert_true(allowed("{'os':'linux','architecture':'arm'}", "linux/arm/v7", NULL));
	assert_false(allowed("{'os':'linux','architecture':'arm64','variant':'v9'}",
		"linux/arm64/v8", NULL));
	assert_true(allowed("{'os':'linux','architecture':'aarch64'}", "linux/arm64", NULL));
	/* An os holding a '/' cannot forge a match. */
	assert_false(allowed("{'os':'linux/amd64','architecture':'x'}", "linux/amd64", NULL));

	/* The message names the platform; missing fields are not reported twice. */
	list_add(&p->platforms_allowed, "linux/amd64", NULL);
	fx_init(&fx, "{'os':'linux','architecture':'riscv64','variant':'rva20'}", NULL, 1);
	fx_run(&fx, p);
	assert_contains(get(fx.r, "platform.unsupported", DIGEST)->message, "linux/riscv64/rva20");
	fx_done(&fx);
	fx_init(&fx, "{'os':'linux'}", NULL, 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "platform.missing_field"), 1);
	assert_int_equal(count(fx.r, "platform.unsupported"), 0);
	fx_done(&fx);
	policy_free(p);
}

static void test_validate_checks__platform_required(void **state)
{
	static const char *const found[] = { "linux/amd64", NULL, "linux/arm64", "bogus" };
	og_policy *p = policy_new();
	og_report *r = og_report__new(OG_REPORT_IMAGE, "x");
	const og_finding *f;

	(void)state;
	assert_non_null(r);
	/* Nothing required: not run. */
	assert_int_equal(og_checks_platforms(r, p, found, 4, DIGEST), 0);
	assert_false(ran(r, "platform.required_missing"));

	list_add(&p->platforms_required, "linux/amd64", "linux/arm64/v8", "linux/s390x", NULL);
	assert_int_equal(og_checks_platforms(r, p, found, 4, DIGEST), 0);
	assert_true(ran(r, "platform.required_missing"));
	assert_int_equal(count(r, "platform.required_missing"), 1);
	f = get(r, "platform.required_missing", "linux/s390x");
	assert_contains(f->message, DIGEST);
	assert_contains(f->message, "linux/s390x");
	og_report_free(r);

	/* All present. */
	r = og_report__new(OG_REPORT_IMAGE, "x");
	assert_non_null(r);
	list_free(&p->platforms_required);
	memset(&p->platforms_required, 0, sizeof(p->platforms_required));
	list_add(&p->platforms_required, "linux/amd64", "linux/arm64", NULL);
	assert_int_equal(og_checks_platforms(r, p, found, 4, NULL), 0);
	assert_int_equal(r->findings.count, 0);
	assert_true(ran(r, "platform.required_missing"));

	/* No platforms at all: every required one is missing. */
	assert_int_equal(og_checks_platforms(r, p, NULL, 0, NULL), 0);
	assert_int_equal(count(r, "platform.required_missing"), 2);
	og_report_free(r);
	policy_free(p);
}

/* ------------------------------------------------------------- labels */

static void test_validate_checks__labels_missing(void **state)
{
	og_policy *p = policy_new();
	const og_finding *f;
	fixture fx;

	(void)state;
	list_add(&p->labels_required, "a.source", "a.version", "a.revision", NULL);
	/* source in labels, version only in the annotations, revision empty
	 * in the labels but set in the annotations. */
	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'Labels':"
		"{'a.source':'s','a.revision':''}}}",
		"{'a.version':'1.0','a.revision':'abc'}", 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "labels.missing"), 0);
	assert_true(ran(fx.r, "labels.missing"));
	fx_done(&fx);

	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'Labels':"
		"{'a.source':'s','a.revision':''}}}", "{'a.other':'x'}", 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "labels.missing"), 2);
	f = get(fx.r, "labels.missing", "a.version");
	assert_contains(f->message, "a.version is absent");
	f = get(fx.r, "labels.missing", "a.revision");
	assert_contains(f->message, "a.revision is empty");
	fx_done(&fx);
	policy_free(p);
}

static void test_validate_checks__labels_invalid(void **state)
{
	og_policy *p = policy_new();
	const og_finding *f;
	char config[1024];
	fixture fx;
	char *long_value;

	(void)state;
	match_add(p, "v", "^v?[0-9]+\\.[0-9]+\\.[0-9]+");
	match_add(p, "absent", "^x$");
	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'Labels':{'v':'v1.2.3'}}}",
		NULL, 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "labels.invalid"), 0);
	assert_true(ran(fx.r, "labels.invalid"));
	fx_done(&fx);

	/* Only in the annotations, and wrong. */
	fx_init(&fx, "{'os':'linux','architecture':'amd64'}", "{'v':'latest'}", 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "labels.invalid"), 1);
	f = get(fx.r, "labels.invalid", "v");
	assert_contains(f->message, "\"latest\"");
	assert_contains(f->message, "^v?[0-9]+\\.[0-9]+\\.[0-9]+");
	fx_done(&fx);

	/* A long value with control characters is cut and cleaned. */
	long_value = malloc(501);
	assert_non_null(long_value);
	memset(long_value, 'x', 500);
	long_value[500] = '\0';
	snprintf(config, sizeof(config), "{'os':'linux','architecture':'amd64','config':"
		"{'Labels':{'v':'\\u001b[31m%s'}}}", long_value);
	free(long_value);
	fx_init(&fx, config, NULL, 1);
	fx_run(&fx, p);
	f = get(fx.r, "labels.invalid", "v");
	assert_null(strchr(f->message, '\033'));
	assert_contains(f->message, "?[31mxxx");
	assert_contains(f->message, "xxx...\"");
	assert_true(strlen(f->message) < 200);
	fx_done(&fx);
	policy_free(p);
}

/* --------------------------------------------------------- entrypoint */

typedef struct fs_stub {
	const char *present;
	int calls;
} fs_stub;

static int stub_exists(const og_final_fs *fs, const char *path)
{
	fs_stub *s = (fs_stub *)(uintptr_t)fs;

	s->calls++;
	return strcmp(path, s->present) == 0;
}

/* Run the entrypoint checks on config.config = rt; the number of findings
 * with id. */
static size_t entry(const og_policy *p, const char *rt, const char *id, fs_stub *stub)
{
	char config[512];
	fixture fx;
	size_t n;

	snprintf(config, sizeof(config), "{'os':'linux','architecture':'amd64','config':%s}", rt);
	fx_init(&fx, config, NULL, 1);
	if (stub) {
		fx.img.exists = stub_exists;
		fx.img.fs = (const og_final_fs *)(uintptr_t)stub;
	}
	fx_run(&fx, p);
	assert_true(ran(fx.r, id));
	n = count(fx.r, id);
	fx_done(&fx);
	return n;
}

static void test_validate_checks__entrypoint_missing(void **state)
{
	og_policy *p = policy_new();

	(void)state;
	p->entrypoint_required = 1;
	assert_int_equal(entry(p, "{}", "entrypoint.missing", NULL), 1);
	assert_int_equal(entry(p, "{'Entrypoint':[],'Cmd':null}", "entrypoint.missing", NULL), 1);
	assert_int_equal(entry(p, "{'Entrypoint':null,'Cmd':[]}", "entrypoint.missing", NULL), 1);
	assert_int_equal(entry(p, "{'Entrypoint':[''],'Cmd':[5]}", "entrypoint.missing", NULL), 1);
	assert_int_equal(entry(p, "{'Cmd':['/app']}", "entrypoint.missing", NULL), 0);
	assert_int_equal(entry(p, "{'Entrypoint':['app']}", "entrypoint.missing", NULL), 0);
	/* exec_form off, no filesystem: entrypoint.invalid does not run. */
	{
		fixture fx;

		fx_init(&fx, GOOD_CONFIG, NULL, 1);
		fx_run(&fx, p);
		assert_false(ran(fx.r, "entrypoint.invalid"));
		fx_done(&fx);
	}
	policy_free(p);
}

static void test_validate_checks__entrypoint_shell_form(void **state)
{
	og_policy *p = policy_new();
	const char *id = "entrypoint.invalid";

	(void)state;
	p->entrypoint_exec_form = 1;
	assert_int_equal(entry(p, "{'Entrypoint':['/bin/sh','-c','exec app']}", id, NULL), 1);
	assert_int_equal(entry(p, "{'Cmd':['sh','-c','app --x']}", id, NULL), 1);
	assert_int_equal(entry(p, "{'Cmd':['/busybox/sh','-c','app']}", id, NULL), 1);
	assert_int_equal(entry(p, "{'Cmd':['/bin/bash','-o','pipefail','-c','a|b']}", id, NULL), 1);
	assert_int_equal(entry(p, "{'Cmd':['/bin/ash','-ec','app']}", id, NULL), 1);
	/* The process is Entrypoint + Cmd. */
	assert_int_equal(entry(p, "{'Entrypoint':['/bin/sh'],'Cmd':['-c','app']}", id, NULL), 1);
	/* Exec form, and shells running a script. */
	assert_int_equal(entry(p, "{'Entrypoint':['/app','-c','cfg']}", id, NULL), 0);
	assert_int_equal(entry(p, "{'Cmd':['/bin/sh','/entry.sh']}", id, NULL), 0);
	assert_int_equal(entry(p, "{'Cmd':['bash','--','-c']}", id, NULL), 0);
	assert_int_equal(entry(p, "{'Entrypoint':['/app'],'Cmd':['/bin/sh','-c','x']}", id, NULL), 0);
	/* Not a shell. */
	assert_int_equal(entry(p, "{'Cmd':['/bin/shx','-c','x']}", id, NULL), 0);
	policy_free(p);
}

static void test_validate_checks__entrypoint_path(void **state)
{
	og_policy *p = policy_new();
	const char *id = "entrypoint.invalid";
	fs_stub stub = { "/app", 0 };
	fixture fx;

	(void)state;
	p->entrypoint_required = 1;
	assert_int_equal(entry(p, "{'Entrypoint':['/app']}", id, &stub), 0);
	assert_int_equal(stub.calls, 1);
	assert_int_equal(entry(p, "{'Entrypoint':['/usr/bin/app']}", id, &stub), 1);
	assert_int_equal(entry(p, "{'Cmd':['/app']}", id, &stub), 0);
	/* Relative: found through PATH at run time, not checked. */
	stub.calls = 0;
	assert_int_equal(entry(p, "{'Cmd':['app']}", id, &stub), 0);
	assert_int_equal(stub.calls, 0);

	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'Entrypoint':['/opt/x/app']}}",
		NULL, 1);
	fx.img.exists = stub_exists;
	fx.img.fs = (const og_final_fs *)(uintptr_t)&stub;
	fx_run(&fx, p);
	assert_contains(get(fx.r, id, DIGEST)->message, "/opt/x/app not found in the image's filesystem");
	assert_int_equal(get(fx.r, id, DIGEST)->severity, OG_SEV_MEDIUM);
	fx_done(&fx);
	policy_free(p);
}

/* --------------------------------------------------------------- user */

static const char passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"daemon:x:1:1::/:/usr/sbin/nologin\n"
	"toor:x:0:0::/root:/bin/sh\n"
	"app:x:1000:1000::/home/app:/bin/sh\n"
	"broken\n"
	"half:x\n"
	"last:x:00:0::/:/bin/sh";

/* The number of user.root findings for a User value (NULL: no User). */
static size_t user(const char *value, int with_passwd, const char **message)
{
	og_policy *p = policy_new();
	char config[256];
	fixture fx;
	size_t n;

	p->user_non_root = 1;
	if (value)
		snprintf(config, sizeof(config),
			"{'os':'linux','architecture':'amd64','config':{'User':'%s'}}", value);
	else
		snprintf(config, sizeof(config), "{'os':'linux','architecture':'amd64','config':{}}");
	fx_init(&fx, config, NULL, 1);
	if (with_passwd) {
		fx.img.passwd = passwd;
		fx.img.passwd_len = sizeof(passwd) - 1;
	}
	fx_run(&fx, p);
	assert_true(ran(fx.r, "user.root"));
	n = count(fx.r, "user.root");
	if (n && message) {
		static char copy[256];

		snprintf(copy, sizeof(copy), "%s", get(fx.r, "user.root", DIGEST)->message);
		*message = copy;
	}
	fx_done(&fx);
	policy_free(p);
	return n;
}

static void test_validate_checks__user_root(void **state)
{
	const char *msg = NULL;

	(void)state;
	assert_int_equal(user(NULL, 0, &msg), 1);
	assert_contains(msg, "no User");
	assert_int_equal(user("", 1, NULL), 1);
	assert_int_equal(user("root", 0, &msg), 1);
	assert_contains(msg, "\"root\"");
	assert_int_equal(user("0", 0, NULL), 1);
	assert_int_equal(user("0:0", 0, &msg), 1);
	assert_contains(msg, "\"0:0\"");
	assert_int_equal(user("000:1000", 0, NULL), 1);
	assert_int_equal(user("root:wheel", 0, NULL), 1);
	/* Names resolved through /etc/passwd. */
	assert_int_equal(user("toor", 1, &msg), 1);
	assert_contains(msg, "uid 0 in /etc/passwd");
	assert_int_equal(user("toor:1000", 1, NULL), 1);
	assert_int_equal(user("last", 1, NULL), 1);
	assert_int_equal(user("toor", 0, NULL), 0);
	assert_int_equal(user("app", 1, NULL), 0);
	assert_int_equal(user("daemon", 1, NULL), 0);
	assert_int_equal(user("nobody", 1, NULL), 0);
	assert_int_equal(user("broken", 1, NULL), 0);
	assert_int_equal(user("half", 1, NULL), 0);
	assert_int_equal(user("roo", 1, NULL), 0);
	/* Numbers are not names. */
	assert_int_equal(user("1000", 1, NULL), 0);
	assert_int_equal(user("1000:0", 1, NULL), 0);
	assert_int_equal(user("10", 0, NULL), 0);
}

static void test_validate_checks__user_passwd_mapping(void **state)
{
	static const char pw[] = "app:x:0:0::/:/bin/sh\n";
	og_policy *p = policy_new();
	fixture fx;

	(void)state;
	p->user_non_root = 1;
	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'User':'app'}}", NULL, 1);
	fx.img.passwd = pw;
	fx.img.passwd_len = sizeof(pw) - 1;
	fx_run(&fx, p);
	assert_contains(get(fx.r, "user.root", DIGEST)->message, "\"app\" is uid 0");
	fx_done(&fx);

	/* The passwd buffer is not NUL-terminated: only passwd_len is read. */
	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'User':'app'}}", NULL, 1);
	fx.img.passwd = pw;
	fx.img.passwd_len = 6;   /* "app:x:" */
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "user.root"), 0);
	fx_done(&fx);
	policy_free(p);
}

/* ----------------------------------------------------------- metadata */

static void test_validate_checks__metadata_incomplete(void **state)
{
	og_policy *p = policy_new();
	fixture fx;

	(void)state;
	list_add(&p->metadata_required, "created", "author", "os.version", "history", "rootfs",
		"variant", "config.Env", "config.User", "config.WorkingDir", "config.Labels",
		"config.Entrypoint", "config.Cmd", "config.ExposedPorts", "config.Volumes",
		"config.StopSignal", NULL);
	/* Every kind of empty. */
	fx_init(&fx, "{'os':'linux','architecture':'amd64','author':'','os.version':null,"
		"'history':[],'rootfs':{},'config':{'Env':[],'User':'','WorkingDir':null,"
		"'Labels':{},'Entrypoint':null,'Cmd':[],'ExposedPorts':{},'Volumes':null}}", NULL, 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "metadata.incomplete"), 15);
	assert_contains(get(fx.r, "metadata.incomplete", "created")->message, "created is absent");
	assert_contains(get(fx.r, "metadata.incomplete", "author")->message, "author is empty");
	assert_contains(get(fx.r, "metadata.incomplete", "os.version")->message, "is absent");
	assert_contains(get(fx.r, "metadata.incomplete", "config.Labels")->message, "is empty");
	get(fx.r, "metadata.incomplete", "config.StopSignal");
	fx_done(&fx);

	/* No config.config at all. */
	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':7}", NULL, 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "metadata.incomplete"), 15);
	fx_done(&fx);

	/* Every kind of present (numbers and booleans count). */
	fx_init(&fx, "{'os':'linux','architecture':'amd64','created':'2024','author':'me',"
		"'os.version':'10.0','variant':'v2','history':[{}],'rootfs':{'type':'layers'},"
		"'config':{'Env':['A=1'],'User':'app','WorkingDir':'/w','Labels':{'a':'b'},"
		"'Entrypoint':['/a'],'Cmd':['x'],'ExposedPorts':{'80':{}},'Volumes':{'/d':{}},"
		"'StopSignal':'SIGTERM'}}", NULL, 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "metadata.incomplete"), 0);
	assert_true(ran(fx.r, "metadata.incomplete"));
	fx_done(&fx);
	policy_free(p);
}

/* ------------------------------------------------------------ history */

static void test_validate_checks__history_mismatch(void **state)
{
	og_policy *p = policy_new();
	fixture fx;

	(void)state;
	p->history_match_layers = 1;
	/* Two non-empty entries, two layers. */
	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "history.mismatch"), 0);
	assert_true(ran(fx.r, "history.mismatch"));
	fx_done(&fx);

	fx_init(&fx, GOOD_CONFIG, NULL, 3);
	fx_run(&fx, p);
	assert_contains(get(fx.r, "history.mismatch", DIGEST)->message,
		"history has 2 entries that made a layer, the manifest 3 layers");
	fx_done(&fx);

	/* "empty_layer": "true" (a string) is not true; a non-object entry
	 * counts as a layer. */
	fx_init(&fx, "{'os':'linux','architecture':'amd64','history':[{'empty_layer':'true'},3,"
		"{'empty_layer':false},{'empty_layer':true}]}", NULL, 3);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "history.mismatch"), 0);
	fx_done(&fx);

	/* No history (or an empty one, or the wrong type): nothing to compare. */
	fx_init(&fx, "{'os':'linux','architecture':'amd64','history':[]}", NULL, 3);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "history.mismatch"), 0);
	fx_done(&fx);
	fx_init(&fx, "{'os':'linux','architecture':'amd64','history':{'a':1}}", NULL, 3);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "history.mismatch"), 0);
	fx_done(&fx);
	policy_free(p);
}

/* -------------------------------------------------------- annotations */

static void test_validate_checks__annotations_missing(void **state)
{
	og_policy *p = policy_new();
	fixture fx;

	(void)state;
	p->annotations_recommended = 1;
	/* Split between labels and annotations. */
	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'Labels':{"
		"'org.opencontainers.image.created':'2024','org.opencontainers.image.source':'s'}}}",
		"{'org.opencontainers.image.revision':'r','org.opencontainers.image.version':'1',"
		"'org.opencontainers.image.licenses':'MIT'}", 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "annotations.missing"), 0);
	assert_true(ran(fx.r, "annotations.missing"));
	fx_done(&fx);

	fx_init(&fx, "{'os':'linux','architecture':'amd64'}",
		"{'org.opencontainers.image.source':''}", 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "annotations.missing"), 5);
	assert_int_equal(get(fx.r, "annotations.missing",
		"org.opencontainers.image.source")->severity, OG_SEV_LOW);
	get(fx.r, "annotations.missing", "org.opencontainers.image.licenses");
	fx_done(&fx);
	policy_free(p);
}

/* ---------------------------------------------------------------- env */

static void test_validate_checks__env(void **state)
{
	og_policy *p = policy_new();
	const og_finding *f;
	fixture fx;

	(void)state;
	list_add(&p->env_required, "PATH", "HOME", "EMPTY", NULL);
	list_add(&p->env_forbidden, "AWS_SECRET_ACCESS_KEY", "TOKEN", NULL);
	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'Env':['PATH=/bin',"
		"'PATHX=1','EMPTY=','AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIsecretvalue','TOKEN_X=1']}}",
		NULL, 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "env.missing"), 1);
	get(fx.r, "env.missing", "HOME");
	assert_int_equal(count(fx.r, "env.forbidden"), 1);
	f = get(fx.r, "env.forbidden", "AWS_SECRET_ACCESS_KEY");
	assert_contains(f->message, "AWS_SECRET_ACCESS_KEY");
	assert_null(strstr(f->message, "wJalr"));
	assert_int_equal(f->severity, OG_SEV_HIGH);
	fx_done(&fx);

	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'Env':['PATH=/bin',"
		"'HOME=/','EMPTY=x']}}", NULL, 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "env.missing"), 0);
	assert_int_equal(count(fx.r, "env.forbidden"), 0);
	assert_true(ran(fx.r, "env.missing"));
	assert_true(ran(fx.r, "env.forbidden"));
	fx_done(&fx);
	policy_free(p);
}

/* -------------------------------------------------------------- ports */

static void test_validate_checks__ports(void **state)
{
	og_policy *p = policy_new();
	fixture fx;

	(void)state;
	ports_set(p, 3, 8080u, 8443u, 53u);
	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'ExposedPorts':{"
		"'8080/tcp':{},'53/udp':{},'8443':{},'53-54/udp':{},'22/tcp':{},'abc':{},"
		"'0/tcp':{},'99999':{},'8080x':{}}}}", NULL, 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "port.not_allowed"), 6);
	assert_contains(get(fx.r, "port.not_allowed", "22/tcp")->message,
		"exposed port 22/tcp is not in the allowed list");
	get(fx.r, "port.not_allowed", "53-54/udp");
	get(fx.r, "port.not_allowed", "abc");
	get(fx.r, "port.not_allowed", "0/tcp");
	get(fx.r, "port.not_allowed", "99999");
	get(fx.r, "port.not_allowed", "8080x");
	fx_done(&fx);

	fx_init(&fx, "{'os':'linux','architecture':'amd64','config':{'ExposedPorts':{"
		"'8080/tcp':{},'53/udp':{},'8443/sctp':{}}}}", NULL, 1);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "port.not_allowed"), 0);
	assert_true(ran(fx.r, "port.not_allowed"));
	fx_done(&fx);
	policy_free(p);
}

static void test_validate_checks__ports_bounded(void **state)
{
	og_policy *p = policy_new();
	char *config = malloc(64 * 1024), *w;
	fixture fx;
	unsigned int i;

	(void)state;
	assert_non_null(config);
	ports_set(p, 1, 80u);
	w = config + snprintf(config, 128, "{'os':'linux','architecture':'amd64','config':"
		"{'ExposedPorts':{'80':{}");
	for (i = 1000; i < 1200; i++)
		w += snprintf(w, 32, ",'%u/tcp':{}", i);
	snprintf(w, 8, "}}}");
	fx_init(&fx, config, NULL, 1);
	free(config);
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "port.not_allowed"), 65);
	assert_contains(get(fx.r, "port.not_allowed", "")->message, "136 more exposed ports");
	fx_done(&fx);
	policy_free(p);
}

/* ------------------------------------------------------------ hostile */

static void test_validate_checks__hostile_types(void **state)
{
	static const char *const configs[] = {
		"{'os':'linux','architecture':'amd64','config':{'Labels':3,'Env':[1,null,{}],"
		"'Entrypoint':'/bin/sh -c x','Cmd':{'a':1},'User':5,'ExposedPorts':['80'],"
		"'WorkingDir':[]},'history':{'x':1},'created':{}}",
		"{'os':['linux'],'architecture':{},'variant':3,'config':[],'history':[null,[],1,'x']}",
		"{'config':{'Labels':{'org.opencontainers.image.version':7,"
		"'org.opencontainers.image.source':null},'Entrypoint':[null,'-c'],'Cmd':[[],{}],"
		"'User':'','ExposedPorts':{'8080':3}}}",
		"[1,2,3]",
		"'just a string'",
		"null",
	};
	og_policy *p = policy_all();
	fs_stub stub = { "/app", 0 };
	fixture fx;
	size_t i, j;

	(void)state;
	list_add(&p->metadata_required, "config.WorkingDir", "config.Cmd", "history", NULL);
	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		fx_init(&fx, configs[i], i % 2 ? "[1]" : "{'org.opencontainers.image.source':5}", 1);
		fx.img.exists = stub_exists;
		fx.img.fs = (const og_final_fs *)(uintptr_t)&stub;
		fx_run(&fx, p);
		for (j = 0; j < sizeof(all_ids) / sizeof(all_ids[0]); j++)
			if (!ran(fx.r, all_ids[j]))
				fail_msg("config %zu: %s not recorded", i, all_ids[j]);
		/* Wrong types are absent. */
		assert_int_equal(count(fx.r, "platform.missing_field"), i == 0 ? 0 : 1);
		assert_int_equal(count(fx.r, "entrypoint.missing"), 1);
		assert_int_equal(count(fx.r, "user.root"), 1);
		assert_int_equal(count(fx.r, "labels.missing"), 1);
		assert_int_equal(count(fx.r, "labels.invalid"), 0);
		assert_int_equal(count(fx.r, "env.missing"), 1);
		assert_int_equal(count(fx.r, "env.forbidden"), 0);
		assert_int_equal(count(fx.r, "port.not_allowed"), 0);
		assert_int_equal(count(fx.r, "entrypoint.invalid"), 0);
		assert_int_equal(stub.calls, 0);
		fx_done(&fx);
	}
	policy_free(p);
}

static void test_validate_checks__no_layers_arrays(void **state)
{
	og_policy *p = policy_all();
	fixture fx;

	(void)state;
	/* NULL sizes/digests arrays with a layer count: nothing read. */
	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx.img.layer_sizes = NULL;
	fx.img.layer_digests = NULL;
	fx.img.manifest_digest = NULL;
	fx.sizes[0] = 3 * GiB;
	fx_run(&fx, p);
	assert_int_equal(count(fx.r, "size.layer"), 0);
	assert_int_equal(count(fx.r, "size.total"), 0);
	fx_done(&fx);

	/* Digest absent: the layer index is the subject. */
	fx_init(&fx, GOOD_CONFIG, NULL, 2);
	fx.digests[1] = NULL;
	fx.sizes[1] = 3 * GiB;
	fx_run(&fx, p);
	get(fx.r, "size.layer", "1");
	fx_done(&fx);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_checks__all_pass_all_recorded),
		cmocka_unit_test(test_validate_checks__disabled_not_recorded),
		cmocka_unit_test(test_validate_checks__size_total),
		cmocka_unit_test(test_validate_checks__size_layer),
		cmocka_unit_test(test_validate_checks__size_uncompressed),
		cmocka_unit_test(test_validate_checks__layer_count),
		cmocka_unit_test(test_validate_checks__platform_missing_field),
		cmocka_unit_test(test_validate_checks__platform_unsupported),
		cmocka_unit_test(test_validate_checks__platform_required),
		cmocka_unit_test(test_validate_checks__labels_missing),
		cmocka_unit_test(test_validate_checks__labels_invalid),
		cmocka_unit_test(test_validate_checks__entrypoint_missing),
		cmocka_unit_test(test_validate_checks__entrypoint_shell_form),
		cmocka_unit_test(test_validate_checks__entrypoint_path),
		cmocka_unit_test(test_validate_checks__user_root),
		cmocka_unit_test(test_validate_checks__user_passwd_mapping),
		cmocka_unit_test(test_validate_checks__metadata_incomplete),
		cmocka_unit_test(test_validate_checks__history_mismatch),
		cmocka_unit_test(test_validate_checks__annotations_missing),
		cmocka_unit_test(test_validate_checks__env),
		cmocka_unit_test(test_validate_checks__ports),
		cmocka_unit_test(test_validate_checks__ports_bounded),
		cmocka_unit_test(test_validate_checks__hostile_types),
		cmocka_unit_test(test_validate_checks__no_layers_arrays),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
