/*
 * og_source: opening layouts, archives and docker saves by reference,
 * choosing the root, handing out and fetching blobs. Inputs are written in
 * each test's temp dir; tars are built here by hand (ustar).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helpers.h"
#include "oci/source.h"

#define REF_NAME "org.opencontainers.image.ref.name"
#define CTR_NAME "io.containerd.image.name"
#define LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"

/* -------------------------------------------------------------- tar */

static void octal(char *field, size_t width, uint64_t v)
{
	snprintf(field, width, "%0*llo", (int)(width - 1), (unsigned long long)v);
}

/* One ustar regular file (name < 100 bytes), data padded to 512. */
static void tar_file(og_test_buf *b, const char *name, const void *data, size_t len)
{
	char h[512];
	unsigned int sum = 0;
	size_t i;

	memset(h, 0, sizeof(h));
	assert_true(strlen(name) < 100);
	memcpy(h, name, strlen(name));
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, len);
	octal(h + 136, 12, 1700000000);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	h[155] = ' ';
	og_test_buf_add(b, h, sizeof(h));
	og_test_buf_add(b, data, len);
	og_test_buf_zero(b, (512 - len % 512) % 512);
}

static void tar_str(og_test_buf *b, const char *name, const char *s)
{
	tar_file(b, name, s, strlen(s));
}

static void tar_end(og_test_buf *b)
{
	og_test_buf_zero(b, 1024);
}

/* ----------------------------------------------------------- fixture */

typedef struct fixture {
	og_ctx *ctx;
	char *dir;
	og_findings findings;
	og_source *src;
	char cwd[4096];           /* restored by teardown: a test may chdir */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(og_ctx_new(&f->ctx), 0);
	f->dir = og_test_tmpdir();
	og_findings_init(&f->findings);
	assert_non_null(getcwd(f->cwd, sizeof(f->cwd)));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	if (chdir(f->cwd) != 0)
		fprintf(stderr, "chdir %s failed\n", f->cwd);
	og_source_free(f->src);
	og_findings_dispose(&f->findings);
	og_test_tmpdir_done(f->dir, 0);
	og_ctx_free(f->ctx);
	free(f);
	return 0;
}

/* A path under the test dir (into a caller buffer). */
static const char *at(char *buf, size_t len, const fixture *f, const char *rel)
{
	snprintf(buf, len, "%s/%s", f->dir, rel);
	return buf;
}

static void sha256_of(char out[OG_DIGEST_MAX], og_ctx *ctx, const void *data, size_t len)
{
	assert_int_equal(og_digest_buf(out, ctx, OG_DIGEST_SHA256, data, len), 0);
}

/* Write a blob into the layout dir `rel`; its digest into out. */
static void put_blob(fixture *f, const char *rel, const void *data, size_t len,
	char out[OG_DIGEST_MAX])
{
	char path[512];

	sha256_of(out, f->ctx, data, len);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", rel, out + 7);
	og_test_write(f->dir, path, data, len);
}

static void write_str(fixture *f, const char *rel, const char *s)
{
	og_test_write(f->dir, rel, s, strlen(s));
}

/* A manifest descriptor, as index.json holds it: extra is "" or
 * ",\"annotations\":{...}" / ",\"platform\":{...}". */
static char *desc_json(const char *digest, size_t size, const char *extra)
{
	char *s = NULL;

	assert_true(asprintf(&s, "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu%s}",
		OG_MT_OCI_MANIFEST, digest, size, extra) > 0);
	return s;
}

/* A small manifest stored as a blob of layout `rel` (content varies by n). */
static char *manifest_desc(fixture *f, const char *rel, int n, const char *extra)
{
	char body[512], d[OG_DIGEST_MAX];

	snprintf(body, sizeof(body), "{\"schemaVersion\":2,\"mediaType\":\"%s\","
		"\"config\":{\"mediaType\":\"%s\",\"digest\":\"sha256:%064d\",\"size\":%d},"
		"\"layers\":[]}", OG_MT_OCI_MANIFEST, OG_MT_OCI_CONFIG, n, n);
	put_blob(f, rel, body, strlen(body), d);
	return desc_json(d, strlen(body), extra);
}

/* Write oci-layout and an index.json listing the given descriptors. */
static char *index_of(const char *const *descs, size_t n)
{
	og_test_buf b = { NULL, 0, 0 };
	size_t i;

	og_test_buf_add(&b, "{\"schemaVersion\":2,\"manifests\":[", 32);
	for (i = 0; i < n; i++) {
		if (i)
			og_test_buf_add(&b, ",", 1);
		og_test_buf_add(&b, descs[i], strlen(descs[i]));
	}
	og_test_buf_add(&b, "]}", 3);
	return (char *)b.p;
}

static void write_layout(fixture *f, const char *rel, const char *const *descs, size_t n)
{
	char path[512];
	char *ix = index_of(descs, n);

	snprintf(path, sizeof(path), "%s/oci-layout", rel);
	write_str(f, path, LAYOUT);
	snprintf(path, sizeof(path), "%s/index.json", rel);
	write_str(f, path, ix);
	free(ix);
}

static int open_ref(fixture *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int open_ref(fixture *f, const char *fmt, ...)
{
	char ref[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(ref, sizeof(ref), fmt, ap);
	va_end(ap);
	og_source_free(f->src);
	f->src = NULL;
	og_findings_dispose(&f->findings);
	og_findings_init(&f->findings);
	og_error_clear(f->ctx);
	rc = og_source_open(&f->src, f->ctx, ref, &f->findings);
	if (rc == 0)
		assert_non_null(f->src);
	else
		assert_null(f->src);
	return rc;
}

static void expect_open(int rc, const fixture *f)
{
	if (rc != 0)
		fail_msg("open failed (%d): %s", rc, og_ctx_error(f->ctx));
}

static void expect_error(const fixture *f, const char *part)
{
	if (!strstr(og_ctx_error(f->ctx), part))
		fail_msg("\"%s\" not in the message \"%s\"", part, og_ctx_error(f->ctx));
}

/* The digest in a descriptor json made by desc_json. */
static void digest_in(char out[OG_DIGEST_MAX], const char *desc)
{
	const char *p = strstr(desc, "\"digest\":\"");

	assert_non_null(p);
	p += 10;
	snprintf(out, OG_DIGEST_MAX, "%.*s", (int)(strchr(p, '"') - p), p);
}

static void expect_root(const fixture *f, const char *desc)
{
	char d[OG_DIGEST_MAX];

	digest_in(d, desc);
	assert_int_equal(f->src->has_root, 1);
	assert_non_null(f->src->root.digest);
	assert_string_equal(f->src->root.digest, d);
	assert_string_equal(f->src->root.media_type, OG_MT_OCI_MANIFEST);
	assert_int_equal(f->src->root.verifiable, 1);
	assert_null(f->src->root_bytes);
}

static void expect_no_findings(const fixture *f)
{
	size_t i;

	for (i = 0; i < f->findings.count; i++)
		fprintf(stderr, "  finding %s: %s\n", f->findings.items[i].id,
			f->findings.items[i].message);
	assert_int_equal(f->findings.count, 0);
}

/* ------------------------------------------------------- OCI layouts */

static void test_oci_source__single_image(void **state)
{
	fixture *f = *state;
	char *m = manifest_desc(f, "lay", 1, "");
	char p[512];

	write_layout(f, "lay", (const char *const[]){ m }, 1);
	expect_open(open_ref(f, "oci:%s", at(p, sizeof(p), f, "lay")), f);
	assert_int_equal(f->src->kind, OG_SOURCE_OCI_DIR);
	assert_string_equal(f->src->path, p);
	assert_null(f->src->name);
	assert_int_equal(f->src->synthesized, 0);
	expect_root(f, m);
	expect_no_findings(f);
	assert_string_equal(og_source_kind_name(f->src->kind), "oci");

	/* a trailing ':' names nothing */
	expect_open(open_ref(f, "oci:%s:", p), f);
	assert_null(f->src->name);
	expect_root(f, m);
	free(m);
}

static void test_oci_source__by_ref_name(void **state)
{
	fixture *f = *state;
	char *m1 = manifest_desc(f, "lay", 1, ",\"annotations\":{\"" REF_NAME "\":\"v1\"}");
	char *m2 = manifest_desc(f, "lay", 2, ",\"annotations\":{\"" REF_NAME "\":\"v2\"}");
	char p[512];

	write_layout(f, "lay", (const char *const[]){ m1, m2 }, 2);
	at(p, sizeof(p), f, "lay");
	expect_open(open_ref(f, "oci:%s:v2", p), f);
	assert_string_equal(f->src->name, "v2");
	expect_root(f, m2);
	expect_open(open_ref(f, "oci:%s:v1", p), f);
	expect_root(f, m1);
	expect_no_findings(f);
	free(m1);
	free(m2);
}

static void test_oci_source__by_containerd_name(void **state)
{
	fixture *f = *state;
	char *m1 = manifest_desc(f, "lay", 1,
		",\"annotations\":{\"" CTR_NAME "\":\"docker.io/library/app:1.0\"}");
	char *m2 = manifest_desc(f, "lay", 2,
		",\"annotations\":{\"" CTR_NAME "\":\"docker.io/library/other:2.0\","
		"\"" REF_NAME "\":\"2.0\"}");
	char p[512];

	write_layout(f, "lay", (const char *const[]){ m1, m2 }, 2);
	at(p, sizeof(p), f, "lay");
	expect_open(open_ref(f, "oci:%s:docker.io/library/app:1.0", p), f);
	assert_string_equal(f->src->name, "docker.io/library/app:1.0");
	expect_root(f, m1);
	expect_open(open_ref(f, "oci:%s:app:1.0", p), f);
	assert_string_equal(f->src->name, "app:1.0");
	expect_root(f, m1);
	expect_open(open_ref(f, "oci:%s:library/app:1.0", p), f);
	expect_root(f, m1);
	expect_open(open_ref(f, "oci:%s:other:2.0", p), f);
	expect_root(f, m2);
	expect_open(open_ref(f, "oci:%s:2.0", p), f);
	expect_root(f, m2);
	/* only whole path components match */
	assert_int_equal(open_ref(f, "oci:%s:pp:1.0", p), OG_ENOTFOUND);
	assert_int_equal(open_ref(f, "oci:%s:io/library/app:1.0", p), OG_ENOTFOUND);
	assert_int_equal(open_ref(f, "oci:%s:1.0", p), OG_ENOTFOUND);
	free(m1);
	free(m2);
}

static void test_oci_source__ambiguous(void **state)
{
	fixture *f = *state;
	char *m1 = manifest_desc(f, "lay", 1, ",\"annotations\":{\"" REF_NAME "\":\"first\"}");
	char *m2 = manifest_desc(f, "lay", 2, ",\"annotations\":{\"" REF_NAME "\":\"second\"}");
	char p[512];

	write_layout(f, "lay", (const char *const[]){ m1, m2 }, 2);
	at(p, sizeof(p), f, "lay");
	assert_int_equal(open_ref(f, "oci:%s", p), OG_EAMBIGUOUS);
	expect_error(f, "first");
	expect_error(f, "second");
	expect_error(f, p);
	/* a bare path too */
	assert_int_equal(open_ref(f, "%s", p), OG_EAMBIGUOUS);
	expect_error(f, "first, second");
	free(m1);
	free(m2);
}

/* Images named only by containerd: the message lists those names (a
 * digest would not do: REF never matches one). */
static void test_oci_source__ambiguous_containerd_names(void **state)
{
	fixture *f = *state;
	char *m1 = manifest_desc(f, "lay", 1,
		",\"annotations\":{\"" CTR_NAME "\":\"docker.io/library/app:1.0\"}");
	char *m2 = manifest_desc(f, "lay", 2,
		",\"annotations\":{\"" CTR_NAME "\":\"docker.io/library/app:2.0\"}");
	char p[512];

	write_layout(f, "lay", (const char *const[]){ m1, m2 }, 2);
	at(p, sizeof(p), f, "lay");
	assert_int_equal(open_ref(f, "oci:%s", p), OG_EAMBIGUOUS);
	expect_error(f, "docker.io/library/app:1.0, docker.io/library/app:2.0");
	assert_int_equal(open_ref(f, "oci:%s:app:3.0", p), OG_ENOTFOUND);
	expect_error(f, "docker.io/library/app:1.0, docker.io/library/app:2.0");
	free(m1);
	free(m2);
}

/* Platform-tagged entries that are named images are not one image's
 * platforms: still ambiguous, whoever named them. */
static void test_oci_source__named_platform_entries(void **state)
{
	fixture *f = *state;
	char *m1 = manifest_desc(f, "lay", 1,
		",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},"
		"\"annotations\":{\"" CTR_NAME "\":\"docker.io/library/a:1\"}");
	char *m2 = manifest_desc(f, "lay", 2,
		",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"},"
		"\"annotations\":{\"" CTR_NAME "\":\"docker.io/library/b:1\"}");
	char p[512];

	write_layout(f, "lay", (const char *const[]){ m1, m2 }, 2);
	at(p, sizeof(p), f, "lay");
	assert_int_equal(open_ref(f, "oci:%s", p), OG_EAMBIGUOUS);
	expect_open(open_ref(f, "oci:%s:b:1", p), f);
	expect_root(f, m2);
	free(m1);
	free(m2);
}

static void test_oci_source__unknown_ref(void **state)
{
	fixture *f = *state;
	char *m1 = manifest_desc(f, "lay", 1, ",\"annotations\":{\"" REF_NAME "\":\"v1\"}");
	char *m2 = manifest_desc(f, "lay", 2, ",\"annotations\":{\"" REF_NAME "\":\"v2\"}");
	char p[512];

	write_layout(f, "lay", (const char *const[]){ m1, m2 }, 2);
	at(p, sizeof(p), f, "lay");
	assert_int_equal(open_ref(f, "oci:%s:v3", p), OG_ENOTFOUND);
	expect_error(f, "\"v3\"");
	expect_error(f, "v1, v2");
	free(m1);
	free(m2);
}

/* Many names: the list is cut, and says so. */
static void test_oci_source__long_name_list(void **state)
{
	fixture *f = *state;
	char *descs[60], extra[256], p[512];
	size_t i;

	for (i = 0; i < 60; i++) {
		snprintf(extra, sizeof(extra), ",\"annotations\":{\"" REF_NAME
			"\":\"a-rather-long-image-name-number-%02zu\"}", i);
		descs[i] = manifest_desc(f, "lay", (int)i, extra);
	}
	write_layout(f, "lay", (const char *const *)descs, 60);
	at(p, sizeof(p), f, "lay");
	assert_int_equal(open_ref(f, "oci:%s", p), OG_EAMBIGUOUS);
	expect_error(f, "a-rather-long-image-name-number-00");
	expect_error(f, "...");
	assert_true(strlen(og_ctx_error(f->ctx)) < sizeof(f->ctx->error));
	for (i = 0; i < 60; i++)
		free(descs[i]);
}

/* All entries platform-tagged and unnamed: index.json is the image. */
static void test_oci_source__index_is_root(void **state)
{
	fixture *f = *state;
	char *m1 = manifest_desc(f, "lay", 1,
		",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}");
	char *m2 = manifest_desc(f, "lay", 2,
		",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}");
	char *ix = index_of((const char *const[]){ m1, m2 }, 2);
	char p[512], want[OG_DIGEST_MAX];
	unsigned char *out = NULL;
	size_t out_len = 0;

	write_layout(f, "lay", (const char *const[]){ m1, m2 }, 2);
	sha256_of(want, f->ctx, ix, strlen(ix));
	expect_open(open_ref(f, "oci:%s", at(p, sizeof(p), f, "lay")), f);
	assert_int_equal(f->src->has_root, 1);
	assert_string_equal(f->src->root.media_type, OG_MT_OCI_INDEX);
	assert_string_equal(f->src->root.digest, want);
	assert_int_equal(f->src->root.size, strlen(ix));
	assert_int_equal(f->src->root.alg, OG_DIGEST_SHA256);
	assert_int_equal(f->src->root.verifiable, 1);
	assert_int_equal(f->src->root_len, strlen(ix));
	assert_memory_equal(f->src->root_bytes, ix, strlen(ix));
	expect_no_findings(f);

	/* fetching the root hands out those bytes */
	assert_int_equal(og_source_fetch(&out, &out_len, f->src, f->ctx, &f->src->root,
		1 << 20, &f->findings, "blob.missing", "index"), 0);
	assert_non_null(out);
	assert_int_equal(out_len, strlen(ix));
	assert_memory_equal(out, ix, out_len);
	assert_int_equal(out[out_len], '\0');
	free(out);
	expect_no_findings(f);
	free(ix);
	free(m1);
	free(m2);
}

static void test_oci_source__missing_oci_layout(void **state)
{
	fixture *f = *state;
	char *m = manifest_desc(f, "lay", 1, "");
	char *ix = index_of((const char *const[]){ m }, 1);
	char p[512];

	write_str(f, "lay/index.json", ix);
	expect_open(open_ref(f, "oci:%s", at(p, sizeof(p), f, "lay")), f);
	assert_int_equal(f->findings.count, 1);
	assert_true(og_findings_has(&f->findings, "layout.invalid", "oci-layout"));
	expect_root(f, m);

	/* a bad oci-layout is a finding too */
	write_str(f, "lay/oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}");
	expect_open(open_ref(f, "oci:%s", p), f);
	assert_int_equal(f->findings.count, 1);
	assert_true(og_findings_has(&f->findings, "layout.invalid", "oci-layout"));
	expect_root(f, m);
	write_str(f, "lay/oci-layout", "not json");
	expect_open(open_ref(f, "oci:%s", p), f);
	assert_int_equal(f->findings.count, 1);
	assert_true(og_findings_has(&f->findings, "layout.invalid", NULL));
	expect_root(f, m);
	free(ix);
	free(m);
}

static void test_oci_source__invalid_index(void **state)
{
	static const char *const bad[] = {
		"{\"schemaVersion\":2,\"manifests\":[",     /* not JSON */
		"[1,2]",                                    /* no manifests */
		"{\"schemaVersion\":2,\"manifests\":{}}",   /* not an array */
		"{\"schemaVersion\":2,\"manifests\":[]}",   /* empty */
	};
	fixture *f = *state;
	char p[512];
	size_t i;

	at(p, sizeof(p), f, "lay");
	write_str(f, "lay/oci-layout", LAYOUT);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_str(f, "lay/index.json", bad[i]);
		expect_open(open_ref(f, "oci:%s", p), f);
		assert_int_equal(f->src->has_root, 0);
		assert_true(f->findings.count >= 1);
		if (i != 1 && i != 2)
			assert_true(og_findings_has(&f->findings, "layout.invalid", "index.json"));
	}
	/* index.json missing, oci-layout there */
	assert_int_equal(unlink(at(p, sizeof(p), f, "lay/index.json")), 0);
	expect_open(open_ref(f, "oci:%s", at(p, sizeof(p), f, "lay")), f);
	assert_int_equal(f->src->has_root, 0);
	assert_true(og_findings_has(&f->findings, "layout.invalid", "index.json"));
}

static void test_oci_source__not_found_or_invalid(void **state)
{
	fixture *f = *state;
	char p[512];

	at(p, sizeof(p), f, "nothing-here");
	assert_int_equal(open_ref(f, "oci:%s", p), OG_ENOTFOUND);
	expect_error(f, p);
	assert_int_equal(open_ref(f, "oci-archive:%s", p), OG_ENOTFOUND);
	assert_int_equal(open_ref(f, "docker-archive:%s", p), OG_ENOTFOUND);
	assert_int_equal(open_ref(f, "%s", p), OG_ENOTFOUND);
	expect_error(f, p);

	/* a dir that is no layout */
	write_str(f, "empty/readme", "hi");
	at(p, sizeof(p), f, "empty");
	assert_int_equal(open_ref(f, "oci:%s", p), OG_EINVALID);
	expect_error(f, p);
	assert_int_equal(open_ref(f, "%s", p), OG_EINVALID);
	/* the wrong kind of thing for the transport */
	assert_int_equal(open_ref(f, "oci-archive:%s", p), OG_EINVALID);
	assert_int_equal(open_ref(f, "oci:%s", at(p, sizeof(p), f, "empty/readme")), OG_EINVALID);
	/* no path, no ref */
	assert_int_equal(open_ref(f, "oci:"), OG_EINVALID);
	assert_int_equal(open_ref(f, "oci::x"), OG_EINVALID);
	assert_int_equal(open_ref(f, "%s", ""), OG_EINVALID);
}

static void test_oci_source__registry_refs(void **state)
{
	/* Registry references reach the registry client: port 1 on loopback is
	 * closed (never another address), so they fail as unreachable. */
	static const char *const refs[] = {
		"docker://127.0.0.1:1/x/y", "docker://127.0.0.1:1/library/alpine:3",
		"127.0.0.1:1/x:y", "localhost:1/x",
	};
	fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		assert_int_equal(open_ref(f, "%s", refs[i]), OG_ENETWORK);
		assert_string_equal(f->ctx->error_id, "registry.unreachable");
		expect_error(f, ":1/");
	}
	/* a bad reference is a usage error, before any connection */
	assert_int_equal(open_ref(f, "%s", "docker://127.0.0.1:1/Bad/Name"), OG_EINVALID);
	expect_error(f, "repository");
}

/* A relative path starting with ./ or ../ is a path, never a registry. */
static void test_oci_source__relative_paths_are_paths(void **state)
{
	fixture *f = *state;
	char *m = manifest_desc(f, "lay", 1, ",\"annotations\":{\"" REF_NAME "\":\"v1\"}");

	write_layout(f, "lay", (const char *const[]){ m }, 1);
	write_str(f, "sub/x", "x");
	assert_int_equal(chdir(f->dir), 0);
	expect_open(open_ref(f, "./lay"), f);
	expect_root(f, m);
	expect_open(open_ref(f, "./lay:v1"), f);
	assert_string_equal(f->src->path, "./lay");
	expect_root(f, m);
	assert_int_equal(chdir("sub"), 0);
	expect_open(open_ref(f, "../lay:v1"), f);
	expect_root(f, m);
	assert_int_equal(open_ref(f, "./missing"), OG_ENOTFOUND);
	assert_int_equal(open_ref(f, "../missing:v1"), OG_ENOTFOUND);
	free(m);
}

/* ---------------------------------------------------- archives, sniff */

static void write_buf(fixture *f, const char *rel, const og_test_buf *b)
{
	og_test_write(f->dir, rel, b->p, b->len);
}

/* A tar of an OCI layout with two named images; their descriptors out. */
static void layout_tar(fixture *f, const char *rel, char **m1, char **m2)
{
	og_test_buf t = { NULL, 0, 0 };
	char b1[256], b2[256], d1[OG_DIGEST_MAX], d2[OG_DIGEST_MAX], name[256];
	char *ix;

	snprintf(b1, sizeof(b1), "{\"schemaVersion\":2,\"layers\":[],\"n\":1}");
	snprintf(b2, sizeof(b2), "{\"schemaVersion\":2,\"layers\":[],\"n\":2}");
	sha256_of(d1, f->ctx, b1, strlen(b1));
	sha256_of(d2, f->ctx, b2, strlen(b2));
	*m1 = desc_json(d1, strlen(b1), ",\"annotations\":{\"" REF_NAME "\":\"one\"}");
	*m2 = desc_json(d2, strlen(b2), ",\"annotations\":{\"" REF_NAME "\":\"two\"}");
	ix = index_of((const char *const[]){ *m1, *m2 }, 2);
	tar_str(&t, "oci-layout", LAYOUT);
	tar_str(&t, "index.json", ix);
	snprintf(name, sizeof(name), "blobs/sha256/%s", d1 + 7);
	tar_str(&t, name, b1);
	snprintf(name, sizeof(name), "blobs/sha256/%s", d2 + 7);
	tar_str(&t, name, b2);
	tar_end(&t);
	write_buf(f, rel, &t);
	og_test_buf_free(&t);
	free(ix);
}

static void test_oci_source__oci_archive(void **state)
{
	fixture *f = *state;
	char *m1 = NULL, *m2 = NULL, p[512], d[OG_DIGEST_MAX];
	og_reader *r = NULL;
	uint64_t size = 0;

	layout_tar(f, "img.tar", &m1, &m2);
	at(p, sizeof(p), f, "img.tar");
	expect_open(open_ref(f, "oci-archive:%s:two", p), f);
	assert_int_equal(f->src->kind, OG_SOURCE_OCI_ARCHIVE);
	assert_string_equal(og_source_kind_name(f->src->kind), "oci-archive");
	expect_root(f, m2);
	expect_no_findings(f);
	digest_in(d, m2);
	assert_int_equal(og_source_open_blob(&r, &size, f->src, f->ctx, d), 0);
	assert_int_equal(size, strlen("{\"schemaVersion\":2,\"layers\":[],\"n\":2}"));
	og_reader_close(r);
	assert_int_equal(open_ref(f, "oci-archive:%s", p), OG_EAMBIGUOUS);
	expect_error(f, "one, two");
	assert_int_equal(open_ref(f, "oci-archive:%s:three", p), OG_ENOTFOUND);
	/* oci: wants a directory */
	assert_int_equal(open_ref(f, "oci:%s:one", p), OG_EINVALID);
	free(m1);
	free(m2);
}

static void test_oci_source__sniff(void **state)
{
	fixture *f = *state;
	char *m1 = NULL, *m2 = NULL, *m = manifest_desc(f, "lay", 7, "");
	og_test_buf t = { NULL, 0, 0 };
	char p[512];

	/* a layout directory */
	write_layout(f, "lay", (const char *const[]){ m }, 1);
	expect_open(open_ref(f, "%s", at(p, sizeof(p), f, "lay")), f);
	assert_int_equal(f->src->kind, OG_SOURCE_OCI_DIR);
	expect_root(f, m);
	/* a dir with only index.json is a layout (missing oci-layout reported) */
	unlink(at(p, sizeof(p), f, "lay/oci-layout"));
	expect_open(open_ref(f, "%s", at(p, sizeof(p), f, "lay")), f);
	assert_int_equal(f->src->kind, OG_SOURCE_OCI_DIR);
	assert_true(og_findings_has(&f->findings, "layout.invalid", "oci-layout"));

	/* a tar holding a layout, with and without a REF */
	layout_tar(f, "img.tar", &m1, &m2);
	at(p, sizeof(p), f, "img.tar");
	expect_open(open_ref(f, "%s:one", p), f);
	assert_int_equal(f->src->kind, OG_SOURCE_OCI_ARCHIVE);
	assert_string_equal(f->src->path, p);
	assert_string_equal(f->src->name, "one");
	expect_root(f, m1);
	assert_int_equal(open_ref(f, "%s", p), OG_EAMBIGUOUS);
	assert_int_equal(open_ref(f, "%s:nope", p), OG_ENOTFOUND);

	/* a tar with only manifest.json: a docker save */
	tar_str(&t, "manifest.json", "[]");
	tar_end(&t);
	write_buf(f, "docker.tar", &t);
	og_test_buf_free(&t);
	expect_open(open_ref(f, "%s", at(p, sizeof(p), f, "docker.tar")), f);
	assert_int_equal(f->src->kind, OG_SOURCE_DOCKER_ARCHIVE);
	assert_string_equal(og_source_kind_name(f->src->kind), "docker-archive");
	assert_int_equal(f->src->has_root, 0);
	assert_true(og_findings_has(&f->findings, "layout.invalid", "manifest.json"));

	/* a tar with neither; a file that is no tar */
	tar_str(&t, "hello.txt", "hello");
	tar_end(&t);
	write_buf(f, "other.tar", &t);
	og_test_buf_free(&t);
	assert_int_equal(open_ref(f, "%s", at(p, sizeof(p), f, "other.tar")), OG_EINVALID);
	expect_error(f, p);
	write_str(f, "text.txt", "just some text, not an archive\n");
	assert_int_equal(open_ref(f, "%s", at(p, sizeof(p), f, "text.txt")), OG_EINVALID);
	free(m);
	free(m1);
	free(m2);
}

/* ------------------------------------------------------ docker-archive */

typedef struct docker_img {
	char cfg_digest[OG_DIGEST_MAX];
	size_t cfg_len;
	char diff_ids[2][OG_DIGEST_MAX];
	size_t layer_len[2];
	char *manifest;            /* the expected synthesized manifest */
} docker_img;

/* One ustar layer holding one file. */
static og_test_buf layer_tar(const char *name, const char *content)
{
	og_test_buf t = { NULL, 0, 0 };

	tar_str(&t, name, content);
	tar_end(&t);
	return t;
}

/* Add image n (two uncompressed layers, legacy layout) to tar t; the
 * manifest.json entry into entry. */
static void docker_image(fixture *f, og_test_buf *t, int n, const char *tags,
	docker_img *img, char *entry, size_t entry_len)
{
	og_test_buf l[2];
	char cfg[1024], name[2][64], cfg_name[128];
	size_t i;

	for (i = 0; i < 2; i++) {
		char file[32], content[64];

		snprintf(file, sizeof(file), "file%zu", i);
		snprintf(content, sizeof(content), "image %d layer %zu\n", n, i);
		l[i] = layer_tar(file, content);
		sha256_of(img->diff_ids[i], f->ctx, l[i].p, l[i].len);
		img->layer_len[i] = l[i].len;
		snprintf(name[i], sizeof(name[i]), "%d%zu/layer.tar", n, i);
	}
	snprintf(cfg, sizeof(cfg), "{\"architecture\":\"amd64\",\"os\":\"linux\","
		"\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\"]},"
		"\"n\":%d}", img->diff_ids[0], img->diff_ids[1], n);
	sha256_of(img->cfg_digest, f->ctx, cfg, strlen(cfg));
	img->cfg_len = strlen(cfg);
	snprintf(cfg_name, sizeof(cfg_name), "%s.json", img->cfg_digest + 7);
	tar_str(t, cfg_name, cfg);
	for (i = 0; i < 2; i++) {
		tar_file(t, name[i], l[i].p, l[i].len);
		og_test_buf_free(&l[i]);
	}
	snprintf(entry, entry_len, "{\"Config\":\"%s\",\"RepoTags\":%s,"
		"\"Layers\":[\"%s\",\"%s\"]}", cfg_name, tags, name[0], name[1]);
	assert_true(asprintf(&img->manifest, "{\"schemaVersion\":2,\"mediaType\":"
		"\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":"
		"{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
		"\"size\":%zu,\"digest\":\"%s\"},\"layers\":[{\"mediaType\":"
		"\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":%zu,"
		"\"digest\":\"%s\"},{\"mediaType\":"
		"\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":%zu,"
		"\"digest\":\"%s\"}]}", img->cfg_len, img->cfg_digest, img->layer_len[0],
		img->diff_ids[0], img->layer_len[1], img->diff_ids[1]) > 0);
}

static void expect_synthesized(fixture *f, const docker_img *img)
{
	char want[OG_DIGEST_MAX];
	unsigned char *out = NULL;
	size_t out_len = 0;

	assert_int_equal(f->src->kind, OG_SOURCE_DOCKER_ARCHIVE);
	assert_int_equal(f->src->has_root, 1);
	assert_int_equal(f->src->synthesized, 1);
	assert_non_null(f->src->root_bytes);
	if (f->src->root_len != strlen(img->manifest) ||
	    memcmp(f->src->root_bytes, img->manifest, f->src->root_len) != 0)
		fail_msg("synthesized manifest differs:\n got  %.*s\n want %s",
			(int)f->src->root_len, f->src->root_bytes, img->manifest);
	sha256_of(want, f->ctx, img->manifest, strlen(img->manifest));
	assert_string_equal(f->src->root.digest, want);
	assert_string_equal(f->src->root.media_type, OG_MT_DOCKER_MANIFEST);
	assert_int_equal(f->src->root.size, strlen(img->manifest));
	assert_int_equal(f->src->root.verifiable, 1);
	assert_int_equal(og_source_fetch(&out, &out_len, f->src, f->ctx, &f->src->root,
		1 << 20, &f->findings, "blob.missing", "manifest"), 0);
	assert_non_null(out);
	assert_int_equal(out_len, strlen(img->manifest));
	assert_memory_equal(out, img->manifest, out_len);
	free(out);
	expect_no_findings(f);
}

/* The blobs the synthesized manifest names are all there. */
static void expect_docker_blobs(fixture *f, const docker_img *img)
{
	og_reader *r = NULL;
	uint64_t size = 0;
	size_t i;

	assert_int_equal(og_source_open_blob(&r, &size, f->src, f->ctx, img->cfg_digest), 0);
	assert_int_equal(size, img->cfg_len);
	og_reader_close(r);
	for (i = 0; i < 2; i++) {
		r = NULL;
		assert_int_equal(og_source_open_blob(&r, &size, f->src, f->ctx,
			img->diff_ids[i]), 0);
		assert_int_equal(size, img->layer_len[i]);
		og_reader_close(r);
	}
}

/* skopeo, when installed, makes the same bytes. */
static void skopeo_agrees(fixture *f, const char *ref, const docker_img *img)
{
	char cmd[2048], out[512];
	unsigned char *got;
	size_t len = strlen(img->manifest);
	FILE *fp;

	if (system("command -v skopeo >/dev/null 2>&1") != 0) {
		fprintf(stderr, "  (skopeo not installed: cross-check skipped)\n");
		return;
	}
	snprintf(out, sizeof(out), "%s/skopeo.out", f->dir);
	snprintf(cmd, sizeof(cmd), "skopeo inspect --raw '%s' > '%s' 2>/dev/null", ref, out);
	assert_int_equal(system(cmd), 0);
	fp = fopen(out, "rb");
	assert_non_null(fp);
	got = calloc(1, len + 2);
	assert_non_null(got);
	assert_int_equal(fread(got, 1, len + 1, fp), len);
	fclose(fp);
	assert_memory_equal(got, img->manifest, len);
	free(got);
}

static void test_oci_source__docker_single(void **state)
{
	fixture *f = *state;
	og_test_buf t = { NULL, 0, 0 };
	docker_img img;
	char entry[1024], mj[1100], p[512], ref[600];

	memset(&img, 0, sizeof(img));
	docker_image(f, &t, 1, "[\"docker.io/library/app:1.0\"]", &img, entry, sizeof(entry));
	snprintf(mj, sizeof(mj), "[%s]", entry);
	tar_str(&t, "manifest.json", mj);
	tar_end(&t);
	write_buf(f, "save.tar", &t);
	og_test_buf_free(&t);
	at(p, sizeof(p), f, "save.tar");

	expect_open(open_ref(f, "docker-archive:%s", p), f);
	expect_synthesized(f, &img);
	expect_docker_blobs(f, &img);
	snprintf(ref, sizeof(ref), "docker-archive:%s", p);
	skopeo_agrees(f, ref, &img);
	/* selected by tag, short tag, index; sniffed */
	expect_open(open_ref(f, "docker-archive:%s:docker.io/library/app:1.0", p), f);
	expect_synthesized(f, &img);
	expect_open(open_ref(f, "docker-archive:%s:app:1.0", p), f);
	expect_synthesized(f, &img);
	expect_open(open_ref(f, "docker-archive:%s:@0", p), f);
	expect_synthesized(f, &img);
	expect_open(open_ref(f, "%s", p), f);
	expect_synthesized(f, &img);
	assert_int_equal(open_ref(f, "docker-archive:%s:app:2.0", p), OG_ENOTFOUND);
	expect_error(f, "docker.io/library/app:1.0 (@0)");
	assert_int_equal(open_ref(f, "docker-archive:%s:@1", p), OG_ENOTFOUND);
	assert_int_equal(open_ref(f, "docker-archive:%s:pp:1.0", p), OG_ENOTFOUND);
	free(img.manifest);
}

/* A bare path with a REF holding ':' (a tag). */
static void test_oci_source__docker_bare_path_tag(void **state)
{
	fixture *f = *state;
	og_test_buf t = { NULL, 0, 0 };
	docker_img img;
	char entry[1024], mj[1100], p[512];

	memset(&img, 0, sizeof(img));
	docker_image(f, &t, 1, "[\"docker.io/library/app:1.0\"]", &img, entry, sizeof(entry));
	snprintf(mj, sizeof(mj), "[%s]", entry);
	tar_str(&t, "manifest.json", mj);
	tar_end(&t);
	write_buf(f, "save.tar", &t);
	og_test_buf_free(&t);
	at(p, sizeof(p), f, "save.tar");
	expect_open(open_ref(f, "%s:app:1.0", p), f);
	assert_string_equal(f->src->path, p);
	assert_string_equal(f->src->name, "app:1.0");
	expect_synthesized(f, &img);
	expect_open(open_ref(f, "%s:@0", p), f);
	expect_synthesized(f, &img);
	assert_int_equal(open_ref(f, "%s:app:9.9", p), OG_ENOTFOUND);
	free(img.manifest);
}

static void test_oci_source__docker_several(void **state)
{
	fixture *f = *state;
	og_test_buf t = { NULL, 0, 0 };
	docker_img a, b;
	char ea[1024], eb[1024], mj[2100], p[512];

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	docker_image(f, &t, 1, "[\"docker.io/library/app:1.0\",\"app:latest\"]", &a,
		ea, sizeof(ea));
	docker_image(f, &t, 2, "[\"quay.io/org/tool:2\"]", &b, eb, sizeof(eb));
	snprintf(mj, sizeof(mj), "[%s,%s]", ea, eb);
	tar_str(&t, "manifest.json", mj);
	tar_end(&t);
	write_buf(f, "save.tar", &t);
	og_test_buf_free(&t);
	at(p, sizeof(p), f, "save.tar");

	assert_int_equal(open_ref(f, "docker-archive:%s", p), OG_EAMBIGUOUS);
	expect_error(f, "docker.io/library/app:1.0 (@0), quay.io/org/tool:2 (@1)");
	expect_open(open_ref(f, "docker-archive:%s:tool:2", p), f);
	expect_synthesized(f, &b);
	expect_docker_blobs(f, &b);
	expect_open(open_ref(f, "docker-archive:%s:org/tool:2", p), f);
	expect_synthesized(f, &b);
	expect_open(open_ref(f, "docker-archive:%s:app:latest", p), f);
	expect_synthesized(f, &a);
	expect_open(open_ref(f, "docker-archive:%s:@1", p), f);
	expect_synthesized(f, &b);
	expect_open(open_ref(f, "docker-archive:%s:@0", p), f);
	expect_synthesized(f, &a);
	expect_docker_blobs(f, &a);
	assert_int_equal(open_ref(f, "docker-archive:%s:@2", p), OG_ENOTFOUND);
	free(a.manifest);
	free(b.manifest);
}

static void test_oci_source__docker_invalid_manifest_json(void **state)
{
	static const char *const bad[] = {
		"[{\"Config\":",                              /* not JSON */
		"{}",                                         /* not an array */
		"[]",                                         /* empty */
		"[{\"Layers\":[]}]",                          /* no Config */
		"[{\"Config\":\"c.json\",\"Layers\":[1]}]",   /* a layer not a string */
		"[{\"Config\":\"c.json\"}]",                  /* no Layers */
	};
	fixture *f = *state;
	char p[512];
	size_t i;

	at(p, sizeof(p), f, "save.tar");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		og_test_buf t = { NULL, 0, 0 };

		tar_str(&t, "manifest.json", bad[i]);
		tar_end(&t);
		write_buf(f, "save.tar", &t);
		og_test_buf_free(&t);
		expect_open(open_ref(f, "docker-archive:%s", p), f);
		assert_int_equal(f->src->has_root, 0);
		assert_int_equal(f->findings.count, 1);
		assert_true(og_findings_has(&f->findings, "layout.invalid", "manifest.json"));
	}
}

/* A config that is missing: a finding, no root. */
static void test_oci_source__docker_missing_config(void **state)
{
	fixture *f = *state;
	og_test_buf t = { NULL, 0, 0 };
	char p[512];

	tar_str(&t, "manifest.json", "[{\"Config\":\"nope.json\",\"Layers\":[]}]");
	tar_end(&t);
	write_buf(f, "save.tar", &t);
	og_test_buf_free(&t);
	expect_open(open_ref(f, "docker-archive:%s", at(p, sizeof(p), f, "save.tar")), f);
	assert_int_equal(f->src->has_root, 0);
	assert_true(og_findings_has(&f->findings, "blob.missing", "nope.json"));
}

/* diff_ids come from the archive: one that is not a digest must not be
 * pasted into the manifest (it would change its JSON); the layer is named
 * by the hash of its bytes instead. A missing layer keeps a sane name. */
static void test_oci_source__docker_hostile_diff_ids(void **state)
{
	fixture *f = *state;
	og_test_buf t = { NULL, 0, 0 }, l = layer_tar("f", "data\n");
	char cfg[512], cfg_digest[OG_DIGEST_MAX], layer_digest[OG_DIGEST_MAX], mj[512], p[512];
	og_findings fs;
	json_t *j;
	json_error_t jerr;
	og_manifest m;
	og_where w;

	og_findings_init(&fs);
	w.findings = &fs;
	w.doc = "synthesized";
	snprintf(cfg, sizeof(cfg), "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
		"[\"sha256:0\\\"},{\\\"x\\\":\\\"y\",\"bad\\\\\"]}}");
	sha256_of(cfg_digest, f->ctx, cfg, strlen(cfg));
	sha256_of(layer_digest, f->ctx, l.p, l.len);
	tar_str(&t, "c.json", cfg);
	tar_file(&t, "l/layer.tar", l.p, l.len);
	snprintf(mj, sizeof(mj), "[{\"Config\":\"c.json\",\"Layers\":"
		"[\"l/layer.tar\",\"gone/la\\\"yer.tar\"]}]");
	tar_str(&t, "manifest.json", mj);
	tar_end(&t);
	write_buf(f, "save.tar", &t);
	og_test_buf_free(&t);
	expect_open(open_ref(f, "docker-archive:%s", at(p, sizeof(p), f, "save.tar")), f);
	assert_int_equal(f->src->has_root, 1);
	j = json_loadb((const char *)f->src->root_bytes, f->src->root_len,
		JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		fail_msg("synthesized manifest is not JSON (%s): %.*s", jerr.text,
			(int)f->src->root_len, f->src->root_bytes);
	assert_int_equal(og_manifest_parse(&m, &w, j), 0);
	assert_int_equal(m.layer_count, 2);
	assert_string_equal(m.config.digest, cfg_digest);
	assert_string_equal(m.layers[0].digest, layer_digest);
	assert_int_equal(m.layers[0].size, l.len);
	assert_non_null(m.layers[1].digest);
	og_manifest_dispose(&m);
	json_decref(j);
	og_findings_dispose(&fs);
	og_test_buf_free(&l);
}

/* -------------------------------------------------------------- blobs */

static void test_oci_source__open_blob(void **state)
{
	fixture *f = *state;
	char *m = manifest_desc(f, "lay", 1, "");
	char p[512], d[OG_DIGEST_MAX], buf[64];
	og_reader *r = NULL;
	uint64_t size = 0;
	ssize_t n;

	write_layout(f, "lay", (const char *const[]){ m }, 1);
	put_blob(f, "lay", "blob bytes", 10, d);
	expect_open(open_ref(f, "oci:%s", at(p, sizeof(p), f, "lay")), f);
	assert_int_equal(og_source_open_blob(&r, &size, f->src, f->ctx, d), 0);
	assert_int_equal(size, 10);
	n = og_reader_read(r, buf, sizeof(buf));
	assert_int_equal(n, 10);
	assert_memory_equal(buf, "blob bytes", 10);
	og_reader_close(r);

	r = (og_reader *)1;
	sha256_of(d, f->ctx, "absent", 6);
	assert_int_equal(og_source_open_blob(&r, &size, f->src, f->ctx, d), OG_ENOTFOUND);
	assert_null(r);
	expect_error(f, d + 7);
	assert_int_equal(og_source_open_blob(&r, &size, f->src, f->ctx, "nodigest"), OG_ENOTFOUND);
	assert_int_equal(og_source_open_blob(&r, &size, f->src, f->ctx, ""), OG_ENOTFOUND);
	free(m);
}

/* A digest is a blob name, never a path: no ".." walks to other files of
 * the layout. */
static void test_oci_source__open_blob_not_a_path(void **state)
{
	fixture *f = *state;
	char *m = manifest_desc(f, "lay", 1, "");
	char p[512];
	og_reader *r = NULL;
	uint64_t size = 0;

	write_layout(f, "lay", (const char *const[]){ m }, 1);
	expect_open(open_ref(f, "oci:%s", at(p, sizeof(p), f, "lay")), f);
	assert_int_equal(og_source_open_blob(&r, &size, f->src, f->ctx,
		"sha256:../../index.json"), OG_ENOTFOUND);
	assert_null(r);
	assert_int_equal(og_source_open_blob(&r, &size, f->src, f->ctx,
		"sha256/../../oci-layout:x"), OG_ENOTFOUND);
	assert_null(r);
	free(m);
}

typedef struct fetch_case {
	og_descriptor d;
	char digest[OG_DIGEST_MAX];
	char mt[128];
} fetch_case;

static void set_desc(fetch_case *c, const char *digest, int64_t size)
{
	char why[128];

	memset(c, 0, sizeof(*c));
	snprintf(c->digest, sizeof(c->digest), "%s", digest);
	snprintf(c->mt, sizeof(c->mt), "%s", OG_MT_OCI_MANIFEST);
	c->d.digest = c->digest;
	c->d.media_type = c->mt;
	c->d.size = size;
	c->d.digest_ok = og_digest_parse(&c->d.alg, digest, why, sizeof(why)) == 0;
	c->d.verifiable = c->d.digest_ok && c->d.alg != OG_DIGEST_UNKNOWN;
}

/* Fetch c; expect bytes (want != NULL) or one finding `id`. */
static void expect_fetch(fixture *f, const fetch_case *c, size_t cap,
	const char *want, const char *id)
{
	unsigned char *out = (unsigned char *)1;
	size_t len = 99;

	og_findings_dispose(&f->findings);
	og_findings_init(&f->findings);
	assert_int_equal(og_source_fetch(&out, &len, f->src, f->ctx, &c->d, cap,
		&f->findings, "index.manifest_missing", "manifest"), 0);
	if (want) {
		assert_non_null(out);
		assert_int_equal(len, strlen(want));
		assert_memory_equal(out, want, len);
		assert_int_equal(out[len], '\0');
		free(out);
		expect_no_findings(f);
		return;
	}
	assert_null(out);
	assert_int_equal(len, 0);
	if (!id) {
		expect_no_findings(f);
		return;
	}
	assert_int_equal(f->findings.count, 1);
	if (!og_findings_has(&f->findings, id, c->digest))
		fail_msg("wanted %s, got %s: %s", id, f->findings.items[0].id,
			f->findings.items[0].message);
	assert_non_null(strstr(f->findings.items[0].message, "manifest"));
}

static void test_oci_source__fetch(void **state)
{
	fixture *f = *state;
	static const char body[] = "{\"schemaVersion\":2,\"layers\":[]}";
	char *m = manifest_desc(f, "lay", 1, "");
	char p[512], d[OG_DIGEST_MAX], other[OG_DIGEST_MAX], path[256];
	fetch_case c;
	unsigned char *big;
	size_t big_len = 200000, i;

	write_layout(f, "lay", (const char *const[]){ m }, 1);
	put_blob(f, "lay", body, strlen(body), d);
	expect_open(open_ref(f, "oci:%s", at(p, sizeof(p), f, "lay")), f);

	/* good; at exactly the cap; no size given */
	set_desc(&c, d, (int64_t)strlen(body));
	expect_fetch(f, &c, 1 << 20, body, NULL);
	expect_fetch(f, &c, strlen(body), body, NULL);
	c.d.size = -1;
	expect_fetch(f, &c, 1 << 20, body, NULL);

	/* missing: the caller's id */
	sha256_of(other, f->ctx, "absent", 6);
	set_desc(&c, other, 6);
	expect_fetch(f, &c, 1 << 20, NULL, "index.manifest_missing");

	/* size and digest mismatches */
	set_desc(&c, d, (int64_t)strlen(body) + 1);
	expect_fetch(f, &c, 1 << 20, NULL, "blob.size_mismatch");
	snprintf(path, sizeof(path), "lay/blobs/sha256/%s", other + 7);
	og_test_write(f->dir, path, body, strlen(body));
	set_desc(&c, other, (int64_t)strlen(body));
	expect_fetch(f, &c, 1 << 20, NULL, "blob.digest_mismatch");

	/* over the cap: read through (digest checked), not handed out */
	set_desc(&c, d, (int64_t)strlen(body));
	expect_fetch(f, &c, strlen(body) - 1, NULL, "manifest.schema");
	big = malloc(big_len);
	assert_non_null(big);
	for (i = 0; i < big_len; i++)
		big[i] = (unsigned char)('a' + i % 26);
	put_blob(f, "lay", big, big_len, d);
	set_desc(&c, d, (int64_t)big_len);
	expect_fetch(f, &c, 100000, NULL, "manifest.schema");
	set_desc(&c, d, (int64_t)big_len + 5);
	expect_fetch(f, &c, 100000, NULL, "blob.size_mismatch");
	free(big);

	/* an algorithm we cannot hash */
	set_desc(&c, "foo:abc", 3);
	assert_int_equal(c.d.alg, OG_DIGEST_UNKNOWN);
	assert_int_equal(c.d.digest_ok, 1);
	expect_fetch(f, &c, 1 << 20, NULL, "digest.invalid");
	/* a malformed digest was reported by the parse: nothing more */
	set_desc(&c, "sha256:XYZ", 3);
	assert_int_equal(c.d.digest_ok, 0);
	expect_fetch(f, &c, 1 << 20, NULL, NULL);
	c.d.digest = NULL;
	expect_fetch(f, &c, 1 << 20, NULL, NULL);
	free(m);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(test_oci_source__##name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(single_image),
		T(by_ref_name),
		T(by_containerd_name),
		T(ambiguous),
		T(ambiguous_containerd_names),
		T(named_platform_entries),
		T(unknown_ref),
		T(long_name_list),
		T(index_is_root),
		T(missing_oci_layout),
		T(invalid_index),
		T(not_found_or_invalid),
		T(registry_refs),
		T(relative_paths_are_paths),
		T(oci_archive),
		T(sniff),
		T(docker_single),
		T(docker_bare_path_tag),
		T(docker_several),
		T(docker_invalid_manifest_json),
		T(docker_missing_config),
		T(docker_hostile_diff_ids),
		T(open_blob),
		T(open_blob_not_a_path),
		T(fetch),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
