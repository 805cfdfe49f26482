/*
 * og_copy without a network: the plan of local sources (blobs once, children
 * before parents, --platform), and copies to oci: directories and
 * oci-archives (skip what is there, nothing tagged or left on failure).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include "helpers.h"
#include "oci/source.h"
#include "promote/copy.h"

#define LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"

typedef struct fixture {
	og_ctx *ctx;
	char *dir;
	char cfg[OG_DIGEST_MAX], layer[OG_DIGEST_MAX], layer2[OG_DIGEST_MAX];
	char amd[OG_DIGEST_MAX], arm[OG_DIGEST_MAX], index[OG_DIGEST_MAX];
	char single[OG_DIGEST_MAX];
	char path[4][4096];       /* ref() results, used in turn */
	unsigned int next;
} fixture;

/* Write a blob into layout dir `lay` and return its digest. */
static void put_blob(fixture *f, const char *lay, const void *data, size_t len,
	char out[OG_DIGEST_MAX])
{
	char rel[512];

	assert_int_equal(og_digest_buf(out, f->ctx, OG_DIGEST_SHA256, data, len), 0);
	snprintf(rel, sizeof(rel), "%s/blobs/sha256/%s", lay, out + 7);
	og_test_write(f->dir, rel, data, len);
}

static void put_str(fixture *f, const char *lay, const char *s, char out[OG_DIGEST_MAX])
{
	put_blob(f, lay, s, strlen(s), out);
}

static char *manifest_json(const char *cfg, size_t cfg_len, const char *layer,
	size_t layer_len, const char *layer2, size_t layer2_len)
{
	char *s = malloc(2048);
	char extra[512] = "";

	assert_non_null(s);
	if (layer2)
		snprintf(extra, sizeof(extra), ",{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
			"\"digest\":\"%s\",\"size\":%zu}", layer2, layer2_len);
	snprintf(s, 2048, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
		"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu}"
		"%s]}", cfg, cfg_len, layer, layer_len, extra);
	return s;
}

static const char CFG[] = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
static const char LAYER[] = "layer one: not really a tar, the plan does not look";
static const char LAYER2[] = "layer two, arm64 only";

/*
 * "src": an index (amd64 + arm64/v8) named "idx" sharing the config and
 * first layer, plus a single manifest named "one".
 */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	char *m1, *m2, *ix, *top;

	assert_non_null(f);
	assert_int_equal(og_ctx_new(&f->ctx), 0);
	f->dir = og_test_tmpdir();
	put_str(f, "src", CFG, f->cfg);
	put_str(f, "src", LAYER, f->layer);
	put_str(f, "src", LAYER2, f->layer2);
	m1 = manifest_json(f->cfg, strlen(CFG), f->layer, strlen(LAYER), NULL, 0);
	m2 = manifest_json(f->cfg, strlen(CFG), f->layer, strlen(LAYER), f->layer2, strlen(LAYER2));
	put_str(f, "src", m1, f->amd);
	put_str(f, "src", m2, f->arm);
	ix = malloc(4096);
	top = malloc(4096);
	assert_non_null(ix);
	assert_non_null(top);
	snprintf(ix, 4096, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		"\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu,"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu,"
		"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}]}",
		f->amd, strlen(m1), f->arm, strlen(m2));
	put_str(f, "src", ix, f->index);
	snprintf(f->single, sizeof(f->single), "%s", f->amd);
	snprintf(top, 4096, "{\"schemaVersion\":2,\"manifests\":["
		"{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"%s\",\"size\":%zu,"
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"idx\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu,"
		"\"annotations\":{\"org.opencontainers.image.ref.name\":\"one\"}}]}",
		f->index, strlen(ix), f->amd, strlen(m1));
	og_test_write(f->dir, "src/index.json", top, strlen(top));
	og_test_write(f->dir, "src/oci-layout", LAYOUT, strlen(LAYOUT));
	free(m1);
	free(m2);
	free(ix);
	free(top);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	og_test_tmpdir_done(f->dir, 0);
	og_ctx_free(f->ctx);
	free(f);
	return 0;
}

/* "oci:<dir>/<rel>" etc. into f->path */
static const char *ref(fixture *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *ref(fixture *f, const char *fmt, ...)
{
	char rel[1024];
	va_list ap;
	const char *colon;
	char *out;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	colon = strchr(rel, ':');
	assert_non_null(colon);
	out = f->path[f->next++ % 4];
	snprintf(out, sizeof(f->path[0]), "%.*s:%s/%s", (int)(colon - rel), rel, f->dir, colon + 1);
	return out;
}

static int exists(fixture *f, const char *rel)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
	return stat(p, &st) == 0;
}

/* Entries of the temp dir whose name holds ".tmp-" (left-over temp files). */
static int temp_files(fixture *f)
{
	DIR *d = opendir(f->dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".tmp-") != NULL;
	closedir(d);
	return n;
}

static void test_promote_copy__plan_index(void **state)
{
	fixture *f = *state;
	og_source *src = NULL;
	og_findings fs;
	og_copy_plan plan;
	char *text = NULL;

	og_findings_init(&fs);
	assert_int_equal(og_source_open(&src, f->ctx, ref(f, "oci:src:idx"), &fs), 0);
	assert_int_equal(og_copy__plan_source(&plan, f->ctx, src, NULL), 0);
	assert_string_equal(plan.digest, f->index);
	assert_string_equal(plan.source_digest, f->index);
	assert_null(plan.platform);
	/* config and layer shared by both images: each blob once */
	assert_int_equal(plan.blob_count, 3);
	assert_string_equal(plan.blobs[0].digest, f->cfg);
	assert_string_equal(plan.blobs[1].digest, f->layer);
	assert_string_equal(plan.blobs[2].digest, f->layer2);
	assert_int_equal(plan.blobs[2].size, strlen(LAYER2));
	assert_int_equal(plan.blobs[0].action, OG_COPY_STREAM);
	/* children first, the index last */
	assert_int_equal(plan.manifest_count, 3);
	assert_string_equal(plan.manifests[0].digest, f->amd);
	assert_string_equal(plan.manifests[1].digest, f->arm);
	assert_string_equal(plan.manifests[2].digest, f->index);
	assert_string_equal(plan.manifests[2].media_type, "application/vnd.oci.image.index.v1+json");
	assert_int_equal(og_copy__plan_text(&text, f->ctx, &plan, "A", "B"), 0);
	assert_non_null(strstr(text, "manifest "));
	assert_null(strstr(text, "platform "));
	free(text);
	og_copy__plan_dispose(&plan);
	og_source_free(src);
	og_findings_dispose(&fs);
}

static void test_promote_copy__plan_platform(void **state)
{
	fixture *f = *state;
	og_source *src = NULL;
	og_findings fs;
	og_copy_plan plan;
	char *text = NULL;

	og_findings_init(&fs);
	assert_int_equal(og_source_open(&src, f->ctx, ref(f, "oci:src:idx"), &fs), 0);
	assert_int_equal(og_copy__plan_source(&plan, f->ctx, src, "linux/arm64"), 0);
	assert_string_equal(plan.digest, f->arm);
	assert_string_equal(plan.source_digest, f->index);
	assert_string_equal(plan.platform, "linux/arm64");
	assert_int_equal(plan.blob_count, 3);
	assert_int_equal(plan.manifest_count, 1);
	assert_int_equal(og_copy__plan_text(&text, f->ctx, &plan, "A", "B"), 0);
	assert_non_null(strstr(text, "platform linux/arm64"));
	free(text);
	og_copy__plan_dispose(&plan);
	/* no such platform */
	assert_int_equal(og_copy__plan_source(&plan, f->ctx, src, "linux/s390x"), OG_ENOTFOUND);
	assert_non_null(strstr(og_ctx_error(f->ctx), "linux/s390x"));
	og_source_free(src);
	/* a single image: its config must name the platform */
	assert_int_equal(og_source_open(&src, f->ctx, ref(f, "oci:src:one"), &fs), 0);
	assert_int_equal(og_copy__plan_source(&plan, f->ctx, src, "linux/amd64"), 0);
	assert_string_equal(plan.digest, f->amd);
	assert_null(plan.platform);
	og_copy__plan_dispose(&plan);
	assert_int_equal(og_copy__plan_source(&plan, f->ctx, src, "linux/arm64"), OG_ENOTFOUND);
	assert_non_null(strstr(og_ctx_error(f->ctx), "is linux/amd64, not linux/arm64"));
	og_source_free(src);
	og_findings_dispose(&fs);
}

static void test_promote_copy__dir_then_skip(void **state)
{
	fixture *f = *state;
	og_copy_result r;
	char dst[4096];

	snprintf(dst, sizeof(dst), "%s", ref(f, "oci:out:v1"));
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:idx"), dst, NULL), 0);
	assert_string_equal(r.digest, f->index);
	assert_int_equal(r.blobs_copied, 3);
	assert_int_equal(r.blobs_skipped, 0);
	assert_int_equal(r.bytes_copied, strlen(CFG) + strlen(LAYER) + strlen(LAYER2));
	og_copy_result_dispose(&r);
	assert_true(exists(f, "out/oci-layout"));
	assert_true(exists(f, "out/index.json"));
	/* the second copy transfers nothing */
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:idx"), dst, NULL), 0);
	assert_int_equal(r.blobs_copied, 0);
	assert_int_equal(r.blobs_skipped, 3);
	assert_non_null(strstr(r.plan, "skip (present)"));
	og_copy_result_dispose(&r);
	/* a second tag in the same layout keeps the first */
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:one"), ref(f, "oci:out:v2"), NULL), 0);
	assert_string_equal(r.digest, f->amd);
	assert_int_equal(r.blobs_copied, 0);
	og_copy_result_dispose(&r);
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:out:v1"), ref(f, "oci:out2"), NULL), 0);
	assert_string_equal(r.digest, f->index);
	og_copy_result_dispose(&r);
	/* untagged into a layout that holds other images */
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:one"), ref(f, "oci:out"), NULL), 0);
	assert_string_equal(r.digest, f->amd);
	og_copy_result_dispose(&r);
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:out:v2"), ref(f, "oci:out3:x"), NULL), 0);
	assert_string_equal(r.digest, f->amd);
	og_copy_result_dispose(&r);
}

static void test_promote_copy__dry_run(void **state)
{
	fixture *f = *state;
	og_copy_options o = OG_COPY_OPTIONS_INIT;
	og_copy_result r;

	o.dry_run = 1;
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:idx"), ref(f, "oci:out:v1"), &o), 0);
	assert_non_null(r.plan);
	assert_non_null(strstr(r.plan, " copy\n"));
	assert_non_null(strstr(r.plan, "tag v1 "));
	assert_int_equal(r.blobs_copied, 0);
	og_copy_result_dispose(&r);
	assert_false(exists(f, "out"));
	o.dry_run = 1;
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:idx"), ref(f, "oci-archive:a.tar"), &o), 0);
	og_copy_result_dispose(&r);
	assert_false(exists(f, "a.tar"));
}

static void test_promote_copy__archive(void **state)
{
	fixture *f = *state;
	og_copy_result r;
	og_source *s = NULL;
	og_findings fs;

	og_findings_init(&fs);
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:idx"), ref(f, "oci-archive:a.tar:t"), NULL), 0);
	assert_int_equal(r.blobs_copied, 3);
	og_copy_result_dispose(&r);
	assert_int_equal(og_source_open(&s, f->ctx, ref(f, "oci-archive:a.tar:t"), &fs), 0);
	assert_string_equal(s->root.digest, f->index);
	og_source_free(s);
	og_findings_dispose(&fs);
	/* and back out of the archive, by platform */
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci-archive:a.tar:t"), ref(f, "oci:back"),
		&(og_copy_options){ OG_COPY_OPTIONS_VERSION, "linux/amd64", 0, NULL, 0, 2 }), 0);
	assert_string_equal(r.digest, f->amd);
	assert_int_equal(r.blobs_copied, 2);
	og_copy_result_dispose(&r);
}

/* A corrupt blob: the copy fails naming it; nothing is tagged, no file left. */
static void test_promote_copy__corrupt_blob(void **state)
{
	fixture *f = *state;
	og_copy_result r;
	char rel[512], p[4096];
	FILE *fp;

	snprintf(rel, sizeof(rel), "src/blobs/sha256/%s", f->layer2 + 7);
	snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
	fp = fopen(p, "r+b");
	assert_non_null(fp);
	assert_int_equal(fputc('X', fp), 'X');
	assert_int_equal(fclose(fp), 0);

	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:idx"), ref(f, "oci:out:v1"), NULL),
		OG_EINVALID);
	assert_string_equal(og_ctx_error_id(f->ctx), "blob.digest_mismatch");
	assert_non_null(strstr(og_ctx_error(f->ctx), f->layer2));
	og_copy_result_dispose(&r);
	assert_false(exists(f, "out/index.json"));
	snprintf(rel, sizeof(rel), "out/blobs/sha256/%s", f->layer2 + 7);
	assert_false(exists(f, rel));

	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:idx"), ref(f, "oci-archive:a.tar"), NULL),
		OG_EINVALID);
	og_copy_result_dispose(&r);
	assert_false(exists(f, "a.tar"));
	assert_int_equal(temp_files(f), 0);
}

static void test_promote_copy__bad_args(void **state)
{
	fixture *f = *state;
	og_copy_result r;
	char dst[4096];

	snprintf(dst, sizeof(dst), "%s", ref(f, "docker-archive:x.tar"));
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:idx"), dst, NULL), OG_EINVALID);
	assert_non_null(strstr(og_ctx_error(f->ctx), "docker-archive"));
	og_copy_result_dispose(&r);
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:nope"), "oci:/tmp/x", NULL), OG_ENOTFOUND);
	og_copy_result_dispose(&r);
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:idx"), "oci:", NULL), OG_EINVALID);
	og_copy_result_dispose(&r);
	assert_int_equal(og_copy(&r, f->ctx, ref(f, "oci:src:idx"), ref(f, "oci:out:"), NULL),
		OG_EINVALID);
	og_copy_result_dispose(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_promote_copy__plan_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_copy__plan_platform, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_copy__dir_then_skip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_copy__dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_copy__archive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_copy__corrupt_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_copy__bad_args, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
