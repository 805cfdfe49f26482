/*
 * og_layer_run over blobs of an OCI layout directory: tars built here by
 * hand (ustar), compressed with zlib (gzip) or libzstd, and a recording
 * visitor that keeps every entry it is handed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>
#include "helpers.h"
#include "oci/layer.h"

/* -------------------------------------------------------------- tar */

static void octal(char *field, size_t width, uint64_t v)
{
	/* width-1 digits and a NUL */
	snprintf(field, width, "%0*llo", (int)(width - 1), (unsigned long long)v);
}

/* One ustar entry (type '0', '5', '2'), its data padded to 512. */
static void tar_entry(og_test_buf *b, const char *name, char type, const char *link,
	const void *data, size_t len, unsigned int mode)
{
	char h[512];
	unsigned int sum = 0;
	size_t i;

	memset(h, 0, sizeof(h));
	assert_true(strlen(name) < 100);
	memcpy(h, name, strlen(name));
	octal(h + 100, 8, mode);
	octal(h + 108, 8, 1000);
	octal(h + 116, 8, 1000);
	octal(h + 124, 12, len);
	octal(h + 136, 12, 1700000000);
	memset(h + 148, ' ', 8);
	h[156] = type;
	if (link)
		memcpy(h + 157, link, strlen(link));
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "user", 4);
	memcpy(h + 297, "group", 5);
	for (i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	h[155] = ' ';
	og_test_buf_add(b, h, sizeof(h));
	og_test_buf_add(b, data, len);
	og_test_buf_zero(b, (512 - len % 512) % 512);
}

/* The end marker: two zero blocks. */
static void tar_end(og_test_buf *b)
{
	og_test_buf_zero(b, 1024);
}

/* The test layer: a directory, files (one crossing the pipeline's buffers),
 * a symlink, an empty file. */
#define BIG_LEN ((size_t)600000)

typedef struct want_entry {
	const char *path;
	og_entry_type_t type;
	uint64_t size;
	const char *link;
} want_entry;

static const want_entry want_entries[] = {
	{ "d/", OG_ENTRY_DIR, 0, NULL },
	{ "d/a.txt", OG_ENTRY_FILE, 6, NULL },
	{ "d/big.bin", OG_ENTRY_FILE, BIG_LEN, NULL },
	{ "link", OG_ENTRY_SYMLINK, 0, "d/a.txt" },
	{ "empty", OG_ENTRY_FILE, 0, NULL },
};
#define WANT_COUNT (sizeof(want_entries) / sizeof(want_entries[0]))

static og_test_buf make_tar(void)
{
	og_test_buf b = { NULL, 0, 0 };
	unsigned char *big = malloc(BIG_LEN);
	uint32_t x = 12345;
	size_t i;

	assert_non_null(big);
	for (i = 0; i < BIG_LEN; i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (unsigned char)(x >> 24);
	}
	tar_entry(&b, "d/", '5', NULL, NULL, 0, 0755);
	tar_entry(&b, "d/a.txt", '0', NULL, "hello\n", 6, 0644);
	tar_entry(&b, "d/big.bin", '0', NULL, big, BIG_LEN, 0600);
	tar_entry(&b, "link", '2', "d/a.txt", NULL, 0, 0777);
	tar_entry(&b, "empty", '0', NULL, NULL, 0, 0644);
	tar_end(&b);
	free(big);
	return b;
}

/* ------------------------------------------------------ compression */

static og_test_buf gzip_of(const void *data, size_t len)
{
	og_test_buf out = { NULL, 0, 0 };
	z_stream z;
	unsigned char chunk[65536];
	int rc;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
		Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, Z_FINISH);
		assert_true(rc == Z_OK || rc == Z_STREAM_END);
		og_test_buf_add(&out, chunk, sizeof(chunk) - z.avail_out);
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return out;
}

static og_test_buf zstd_of(const void *data, size_t len)
{
	og_test_buf out = { NULL, 0, 0 };
	size_t bound = ZSTD_compressBound(len), n;

	out.p = malloc(bound);
	assert_non_null(out.p);
	out.cap = bound;
	n = ZSTD_compress(out.p, bound, data, len, 3);
	assert_false(ZSTD_isError(n));
	out.len = n;
	return out;
}

/* -------------------------------------------------- recording visitor */

#define REC_MAX 16

typedef struct rec_counts {
	int begins, ends, frees;
	size_t index;               /* og_layer_info of the last begin */
	char digest[OG_DIGEST_MAX];
	uint64_t fail_at;           /* entry index whose visit fails */
	int fail_code;              /* 0: never fail */
} rec_counts;

typedef struct rec_state {
	rec_counts *c;
	og_ctx *ctx;
	size_t n;
	char paths[REC_MAX][128];
	char links[REC_MAX][128];
	og_entry_type_t types[REC_MAX];
	uint64_t sizes[REC_MAX];
	uint64_t indexes[REC_MAX];
	int ended;
} rec_state;

static int rec_begin(void **state, og_ctx *ctx, const og_layer_info *layer,
	void *payload)
{
	rec_counts *c = payload;
	rec_state *s = calloc(1, sizeof(*s));

	if (!s)
		return og_error_oom(ctx);
	s->c = c;
	s->ctx = ctx;
	c->begins++;
	c->index = layer->index;
	snprintf(c->digest, sizeof(c->digest), "%s", layer->digest ? layer->digest : "");
	*state = s;
	return 0;
}

static int rec_entry(void *state, const og_entry *entry, og_findings *out)
{
	rec_state *s = state;

	(void)out;
	if (s->ended)
		fail_msg("entry() after end()");
	if (s->c->fail_code && entry->index == s->c->fail_at)
		return og_error_set(s->ctx, s->c->fail_code, "visitor gave up at %s",
			entry->path);
	if (s->n >= REC_MAX)
		fail_msg("too many entries");
	snprintf(s->paths[s->n], sizeof(s->paths[0]), "%s", entry->path);
	snprintf(s->links[s->n], sizeof(s->links[0]), "%s", entry->link ? entry->link : "");
	s->types[s->n] = entry->type;
	s->sizes[s->n] = entry->size;
	s->indexes[s->n] = entry->index;
	s->n++;
	return 0;
}

static int rec_end(void *state, og_findings *out)
{
	rec_state *s = state;

	(void)out;
	s->ended++;
	s->c->ends++;
	return 0;
}

static void rec_free(void *state)
{
	rec_state *s = state;

	s->c->frees++;
	free(s);
}

/* ----------------------------------------------------------- fixture */

typedef struct fixture {
	og_ctx *ctx;
	char *dir;
	char layout[4200];
	og_source *src;
	og_findings open_findings;
	rec_counts counts;
	og_visitor_class rec;
	const og_visitor_class *visitors[1];
	og_layer_job job;
	og_layer_result res;
	int have_res;
	/* the descriptor of the job */
	og_descriptor desc;
	char desc_digest[OG_DIGEST_MAX];
	char desc_mt[128];
} fixture;

static const char index_json[] =
	"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
	"\"application/vnd.oci.image.manifest.v1+json\",\"size\":2,\"digest\":"
	"\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\"}]}";

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	char ref[4300];

	assert_non_null(f);
	assert_int_equal(og_ctx_new(&f->ctx), 0);
	f->dir = og_test_tmpdir();
	snprintf(f->layout, sizeof(f->layout), "%s/layout", f->dir);
	og_test_write(f->layout, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	og_test_write(f->layout, "index.json", index_json, strlen(index_json));
	og_findings_init(&f->open_findings);
	snprintf(ref, sizeof(ref), "oci:%s", f->layout);
	if (og_source_open(&f->src, f->ctx, ref, &f->open_findings) != 0)
		fail_msg("open %s: %s", ref, og_ctx_error(f->ctx));
	assert_int_equal(f->open_findings.count, 0);
	f->rec.name = "rec";
	f->rec.begin = rec_begin;
	f->rec.entry = rec_entry;
	f->rec.end = rec_end;
	f->rec.free = rec_free;
	f->rec.payload = &f->counts;
	f->visitors[0] = &f->rec;
	og_layer_result_init(&f->res);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	og_layer_result_dispose(&f->res, &f->job);
	og_findings_dispose(&f->open_findings);
	og_source_free(f->src);
	og_test_tmpdir_done(f->dir, 0);
	og_ctx_free(f->ctx);
	free(f);
	return 0;
}

static void sha256_of(char out[OG_DIGEST_MAX], og_ctx *ctx, const void *data, size_t len)
{
	assert_int_equal(og_digest_buf(out, ctx, OG_DIGEST_SHA256, data, len), 0);
}

/* Store data in the layout under `digest` (its own when NULL). */
static void put_blob(fixture *f, const char *digest, const void *data, size_t len)
{
	char own[OG_DIGEST_MAX], rel[256];
	const char *d = digest;

	if (!d) {
		sha256_of(own, f->ctx, data, len);
		d = own;
	}
	snprintf(rel, sizeof(rel), "blobs/%.*s/%s", (int)(strchr(d, ':') - d), d,
		strchr(d, ':') + 1);
	og_test_write(f->layout, rel, data, len);
}

/* The job's descriptor: media type, digest, size (-1: absent). */
static void set_desc(fixture *f, const char *mt, const char *digest, int64_t size)
{
	char why[128];

	memset(&f->desc, 0, sizeof(f->desc));
	snprintf(f->desc_mt, sizeof(f->desc_mt), "%s", mt);
	snprintf(f->desc_digest, sizeof(f->desc_digest), "%s", digest);
	f->desc.media_type = f->desc_mt;
	f->desc.digest = f->desc_digest;
	f->desc.size = size;
	assert_int_equal(og_digest_parse(&f->desc.alg, digest, why, sizeof(why)), 0);
	f->desc.digest_ok = 1;
	f->desc.verifiable = f->desc.alg != OG_DIGEST_UNKNOWN;
}

/* Store data as a blob and describe it truthfully. */
static void put_layer(fixture *f, const char *mt, const og_test_buf *data)
{
	char d[OG_DIGEST_MAX];

	sha256_of(d, f->ctx, data->p, data->len);
	put_blob(f, d, data->p, data->len);
	set_desc(f, mt, d, (int64_t)data->len);
}

/* The whole group runs twice: in one thread, then split in three stages. */
static int split_mode;

static int run(fixture *f, int walk, int check_media_type)
{
	f->job.split = split_mode;
	f->job.index = 3;
	f->job.desc = &f->desc;
	f->job.walk = walk;
	f->job.check_media_type = check_media_type;
	f->job.visitors = f->visitors;
	f->job.visitor_count = 1;
	return og_layer_run(&f->res, f->ctx, f->src, &f->job);
}

static void expect_findings(const fixture *f, const char *const *ids, size_t n)
{
	size_t i;
	int ok = f->res.findings.count == n;

	for (i = 0; ok && i < n; i++)
		ok = og_findings_has(&f->res.findings, ids[i], f->desc.digest);
	if (ok)
		return;
	for (i = 0; i < n; i++)
		fprintf(stderr, "  wanted %s\n", ids[i]);
	for (i = 0; i < f->res.findings.count; i++)
		fprintf(stderr, "  got %s: %s\n", f->res.findings.items[i].id,
			f->res.findings.items[i].message);
	fail_msg("findings differ");
}

static void expect_no_findings(const fixture *f)
{
	expect_findings(f, NULL, 0);
}

/* The visitor saw every entry of the test tar, in order, begin/end once. */
static void expect_visited(const fixture *f)
{
	const rec_state *s;
	size_t i;

	assert_int_equal(f->counts.begins, 1);
	assert_int_equal(f->counts.ends, 1);
	assert_int_equal(f->counts.index, 3);
	assert_string_equal(f->counts.digest, f->desc.digest);
	assert_int_equal(f->res.state_count, 1);
	s = f->res.states[0];
	assert_non_null(s);
	assert_int_equal(s->n, WANT_COUNT);
	for (i = 0; i < WANT_COUNT; i++) {
		assert_string_equal(s->paths[i], want_entries[i].path);
		assert_int_equal(s->types[i], want_entries[i].type);
		assert_int_equal(s->sizes[i], want_entries[i].size);
		assert_int_equal(s->indexes[i], i);
		assert_string_equal(s->links[i], want_entries[i].link ? want_entries[i].link : "");
	}
}

/* A good layer: its sizes and digests, walked, no findings. */
static void expect_good(fixture *f, const og_test_buf *tar, const og_test_buf *blob,
	og_compression_t comp)
{
	char want[OG_DIGEST_MAX];

	assert_int_equal(f->res.opened, 1);
	assert_int_equal(f->res.walked, 1);
	assert_int_equal(f->res.compression, comp);
	assert_int_equal(f->res.size, blob->len);
	assert_int_equal(f->res.uncompressed_size, tar->len);
	assert_int_equal(f->res.entries, WANT_COUNT);
	sha256_of(want, f->ctx, blob->p, blob->len);
	assert_string_equal(f->res.digest, want);
	sha256_of(want, f->ctx, tar->p, tar->len);
	assert_string_equal(f->res.diff_id, want);
	expect_no_findings(f);
	expect_visited(f);
}

/* ------------------------------------------------------------ tests */

static void test_oci_layer__plain(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar();

	put_layer(f, OG_MT_OCI_LAYER, &tar);
	assert_int_equal(run(f, 1, 1), 0);
	expect_good(f, &tar, &tar, OG_COMP_NONE);
	og_test_buf_free(&tar);
}

static void test_oci_layer__gzip(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);

	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_int_equal(run(f, 1, 1), 0);
	expect_good(f, &tar, &gz, OG_COMP_GZIP);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

static void test_oci_layer__zstd(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), zs = zstd_of(tar.p, tar.len);

	put_layer(f, OG_MT_OCI_LAYER_ZSTD, &zs);
	assert_int_equal(run(f, 1, 1), 0);
	expect_good(f, &tar, &zs, OG_COMP_ZSTD);
	og_test_buf_free(&tar);
	og_test_buf_free(&zs);
}

/* A sha512 descriptor is hashed with sha512. */
static void test_oci_layer__sha512(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);
	char d[OG_DIGEST_MAX], want[OG_DIGEST_MAX];

	assert_int_equal(og_digest_buf(d, f->ctx, OG_DIGEST_SHA512, gz.p, gz.len), 0);
	put_blob(f, d, gz.p, gz.len);
	set_desc(f, OG_MT_OCI_LAYER_GZIP, d, (int64_t)gz.len);
	assert_int_equal(run(f, 1, 1), 0);
	assert_string_equal(f->res.digest, d);
	sha256_of(want, f->ctx, tar.p, tar.len);
	assert_string_equal(f->res.diff_id, want);
	assert_int_equal(f->res.walked, 1);
	expect_no_findings(f);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* An empty blob is an empty layer. */
static void test_oci_layer__empty(void **state)
{
	fixture *f = *state;
	og_test_buf empty = { NULL, 0, 0 };
	char want[OG_DIGEST_MAX];

	sha256_of(want, f->ctx, "", 0);
	put_blob(f, want, "", 0);
	set_desc(f, OG_MT_OCI_LAYER, want, 0);
	assert_int_equal(run(f, 1, 1), 0);
	assert_int_equal(f->res.walked, 1);
	assert_int_equal(f->res.entries, 0);
	assert_int_equal(f->res.size, 0);
	assert_int_equal(f->res.uncompressed_size, 0);
	assert_string_equal(f->res.digest, want);
	assert_string_equal(f->res.diff_id, want);
	assert_int_equal(f->counts.begins, 1);
	assert_int_equal(f->counts.ends, 1);
	expect_no_findings(f);
	og_test_buf_free(&empty);
}

static void test_oci_layer__blob_missing(void **state)
{
	fixture *f = *state;
	char d[OG_DIGEST_MAX];

	sha256_of(d, f->ctx, "not stored", 10);
	set_desc(f, OG_MT_OCI_LAYER_GZIP, d, 10);
	assert_int_equal(run(f, 1, 1), 0);
	assert_int_equal(f->res.opened, 0);
	assert_int_equal(f->res.walked, 0);
	assert_string_equal(f->res.digest, "");
	assert_string_equal(f->res.diff_id, "");
	assert_int_equal(f->counts.begins, 0);
	expect_findings(f, (const char *const[]){ "blob.missing" }, 1);
	assert_non_null(strstr(f->res.findings.items[0].message, d));
}

static void test_oci_layer__size_mismatch(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);

	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	f->desc.size = (int64_t)gz.len + 1;
	assert_int_equal(run(f, 1, 1), 0);
	assert_int_equal(f->res.size, gz.len);
	assert_int_equal(f->res.walked, 1);
	expect_findings(f, (const char *const[]){ "blob.size_mismatch" }, 1);
	expect_visited(f);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

static void test_oci_layer__digest_mismatch(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);
	char claimed[OG_DIGEST_MAX], real[OG_DIGEST_MAX];

	sha256_of(claimed, f->ctx, "something else", 14);
	sha256_of(real, f->ctx, gz.p, gz.len);
	put_blob(f, claimed, gz.p, gz.len);
	set_desc(f, OG_MT_OCI_LAYER_GZIP, claimed, (int64_t)gz.len);
	assert_int_equal(run(f, 1, 1), 0);
	assert_string_equal(f->res.digest, real);
	expect_findings(f, (const char *const[]){ "blob.digest_mismatch" }, 1);
	assert_non_null(strstr(f->res.findings.items[0].message, real));
	expect_visited(f);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* The stream stops mid-member: a decompress error; every stored byte is
 * still hashed for the blob digest. */
static void test_oci_layer__truncated_gzip(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);

	gz.len = gz.len * 2 / 3;
	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_int_equal(run(f, 1, 1), 0);
	assert_int_equal(f->res.opened, 1);
	assert_int_equal(f->res.walked, 0);
	assert_int_equal(f->res.size, gz.len);
	assert_string_equal(f->res.digest, f->desc.digest);
	expect_findings(f, (const char *const[]){ "layer.decompress_error" }, 1);
	/* no blob.digest_mismatch: the digest covers every byte */
	assert_int_equal(f->counts.begins, 1);
	assert_int_equal(f->counts.ends, 1);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* The same, cut inside the gzip header and inside the trailer. */
static void test_oci_layer__truncated_gzip_edges(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);
	size_t cuts[2], i;

	cuts[0] = 5;
	cuts[1] = gz.len - 3;
	for (i = 0; i < 2; i++) {
		og_test_buf cut = gz;

		cut.len = cuts[i];
		og_layer_result_dispose(&f->res, &f->job);
		og_layer_result_init(&f->res);
		put_layer(f, OG_MT_OCI_LAYER_GZIP, &cut);
		assert_int_equal(run(f, 1, 1), 0);
		assert_int_equal(f->res.size, cut.len);
		assert_int_equal(f->res.walked, 0);
		expect_findings(f, (const char *const[]){ "layer.decompress_error" }, 1);
	}
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

static void test_oci_layer__trailing_data(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);
	char want[OG_DIGEST_MAX];

	og_test_buf_add(&gz, "garbage after the member", 24);
	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_int_equal(run(f, 1, 1), 0);
	assert_int_equal(f->res.size, gz.len);
	sha256_of(want, f->ctx, tar.p, tar.len);
	assert_string_equal(f->res.diff_id, want);
	assert_int_equal(f->res.uncompressed_size, tar.len);
	assert_int_equal(f->res.walked, 1);
	expect_findings(f, (const char *const[]){ "layer.trailing_data" }, 1);
	assert_non_null(strstr(f->res.findings.items[0].message, "24 bytes"));
	expect_visited(f);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

static void test_oci_layer__not_a_tar(void **state)
{
	fixture *f = *state;
	og_test_buf text = { NULL, 0, 0 }, gz;
	char want[OG_DIGEST_MAX];
	int i;

	for (i = 0; i < 200; i++)
		og_test_buf_add(&text, "this is not a tar archive at all\n", 33);
	gz = gzip_of(text.p, text.len);
	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_int_equal(run(f, 1, 1), 0);
	expect_findings(f, (const char *const[]){ "layer.tar_invalid" }, 1);
	/* the stream was still decompressed to its end */
	assert_int_equal(f->res.uncompressed_size, text.len);
	sha256_of(want, f->ctx, text.p, text.len);
	assert_string_equal(f->res.diff_id, want);
	assert_int_equal(f->res.size, gz.len);
	assert_int_equal(f->counts.ends, 1);
	og_test_buf_free(&text);
	og_test_buf_free(&gz);
}

static void test_oci_layer__media_type_mismatch(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), zs = zstd_of(tar.p, tar.len);

	put_layer(f, OG_MT_OCI_LAYER_GZIP, &zs);
	assert_int_equal(run(f, 1, 1), 0);
	assert_int_equal(f->res.compression, OG_COMP_ZSTD);
	assert_int_equal(f->res.walked, 1);
	expect_findings(f, (const char *const[]){ "manifest.media_type" }, 1);
	assert_non_null(strstr(f->res.findings.items[0].message, "zstd"));

	og_layer_result_dispose(&f->res, &f->job);
	og_layer_result_init(&f->res);
	f->counts.begins = f->counts.ends = 0;
	assert_int_equal(run(f, 1, 0), 0);
	assert_int_equal(f->res.compression, OG_COMP_ZSTD);
	expect_good(f, &tar, &zs, OG_COMP_ZSTD);
	og_test_buf_free(&tar);
	og_test_buf_free(&zs);
}

static void test_oci_layer__hash_only(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);
	char want[OG_DIGEST_MAX];

	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_int_equal(run(f, 0, 1), 0);
	assert_int_equal(f->res.opened, 1);
	assert_int_equal(f->res.walked, 0);
	assert_int_equal(f->res.size, gz.len);
	assert_int_equal(f->res.entries, 0);
	assert_int_equal(f->res.uncompressed_size, 0);
	sha256_of(want, f->ctx, gz.p, gz.len);
	assert_string_equal(f->res.digest, want);
	assert_string_equal(f->res.diff_id, "");
	assert_int_equal(f->counts.begins, 0);
	assert_int_equal(f->counts.ends, 0);
	assert_int_equal(f->res.state_count, 0);
	expect_no_findings(f);

	/* integrity is still checked */
	og_layer_result_dispose(&f->res, &f->job);
	og_layer_result_init(&f->res);
	f->desc.size = 1;
	assert_int_equal(run(f, 0, 1), 0);
	expect_findings(f, (const char *const[]){ "blob.size_mismatch" }, 1);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* Bytes after the end marker are part of the diff_id (it is the hash of the
 * whole uncompressed stream), and are no finding. */
static void test_oci_layer__padding_in_diff_id(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz;
	char want[OG_DIGEST_MAX], without[OG_DIGEST_MAX];

	sha256_of(without, f->ctx, tar.p, tar.len);
	og_test_buf_zero(&tar, 9216); /* the usual record padding to 10 KiB */
	og_test_buf_add(&tar, "junk", 4);
	gz = gzip_of(tar.p, tar.len);
	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_int_equal(run(f, 1, 1), 0);
	sha256_of(want, f->ctx, tar.p, tar.len);
	assert_string_equal(f->res.diff_id, want);
	assert_string_not_equal(f->res.diff_id, without);
	assert_int_equal(f->res.uncompressed_size, tar.len);
	expect_good(f, &tar, &gz, OG_COMP_GZIP);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* Over the entry cap: the tar is not walkable here (a finding), the stream
 * is still decompressed to its end for the diff_id. */
static void test_oci_layer__entry_limit(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);
	char want[OG_DIGEST_MAX];

	f->ctx->limits.max_entries = 2;
	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_int_equal(run(f, 1, 1), 0);
	expect_findings(f, (const char *const[]){ "layer.tar_invalid" }, 1);
	sha256_of(want, f->ctx, tar.p, tar.len);
	assert_string_equal(f->res.diff_id, want);
	assert_int_equal(f->res.uncompressed_size, tar.len);
	assert_int_equal(f->counts.ends, 1);
	assert_int_equal(((rec_state *)f->res.states[0])->n, 2);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* A visitor that aborts is an internal failure with the visitor's code, not
 * a finding about the layer, whatever code it uses. */
static void test_oci_layer__visitor_failure(void **state)
{
	static const int codes[] = { OG_EINVALID, OG_ELIMIT, OG_ENOMEM, OG_ERROR };
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);
	size_t i;

	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		og_layer_result_dispose(&f->res, &f->job);
		og_layer_result_init(&f->res);
		f->counts.fail_code = codes[i];
		f->counts.fail_at = 2;
		if (run(f, 1, 1) != codes[i])
			fail_msg("code %d: og_layer_run did not return it", codes[i]);
		assert_string_equal(og_ctx_error(f->ctx), "visitor gave up at d/big.bin");
		expect_no_findings(f);
	}
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* A layer of `zeros` zero bytes in one file, gzip-compressed. */
static og_test_buf zero_layer(size_t zeros, og_test_buf *tar)
{
	unsigned char *z = calloc(1, zeros);

	assert_non_null(z);
	memset(tar, 0, sizeof(*tar));
	tar_entry(tar, "zeros", '0', NULL, z, zeros, 0644);
	tar_end(tar);
	free(z);
	return gzip_of(tar->p, tar->len);
}

/* Zeros after the tar's end marker: no entry declares them, so the stream
 * is cut by the limiter as it inflates. */
static void test_oci_layer__ratio_limit(void **state)
{
	fixture *f = *state;
	og_layer_limits lim = { 10, (uint64_t)1 << 20, 0, NULL };
	og_test_buf tar, gz = zero_layer(1000, &tar);
	static const char *const ids[] = { "layer.compression_ratio" };

	og_test_buf_free(&gz);
	og_test_buf_zero(&tar, (size_t)16 << 20);
	gz = gzip_of(tar.p, tar.len);
	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	f->job.limits = &lim;
	assert_int_equal(run(f, 1, 1), 0);
	/* Stopped, not inflated to the end; the blob is still verified whole. */
	expect_findings(f, ids, 1);
	assert_true(f->res.stopped);
	assert_false(f->res.decoded);
	assert_false(f->res.walked);
	assert_true(f->res.uncompressed_size < tar.len);
	assert_int_equal(f->res.size, gz.len);
	assert_non_null(strstr(f->res.findings.items[0].message,
		"decompression stopped at"));
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* One file declares more bytes than the ratio allows: stopped at its
 * header, before its data is inflated; the blob is still hashed whole. */
static void test_oci_layer__ratio_declared(void **state)
{
	fixture *f = *state;
	og_layer_limits lim = { 10, (uint64_t)1 << 20, 0, NULL };
	og_test_buf tar, gz = zero_layer((size_t)64 << 20, &tar);
	static const char *const ids[] = { "layer.compression_ratio" };
	const char *msg;

	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	f->job.limits = &lim;
	assert_int_equal(run(f, 1, 1), 0);
	expect_findings(f, ids, 1);
	assert_true(f->res.stopped);
	assert_false(f->res.decoded);
	assert_true(f->res.uncompressed_size < ((uint64_t)4 << 20));
	assert_int_equal(f->res.size, gz.len);
	assert_string_equal(f->res.digest, f->desc.digest);
	msg = f->res.findings.items[0].message;
	assert_non_null(strstr(msg, "entry zeros declares 67108864 bytes"));
	assert_non_null(strstr(msg, "compression ratio limit"));
	/* Under the limit, the same layer is walked to its end. */
	og_layer_result_dispose(&f->res, &f->job);
	og_layer_result_init(&f->res);
	lim.max_ratio = 100000;
	assert_int_equal(run(f, 1, 1), 0);
	expect_findings(f, NULL, 0);
	assert_true(f->res.walked);
	assert_int_equal(f->res.uncompressed_size, tar.len);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* A gzip layer of a tar of incompressible files, big enough (> 8 MiB) that
 * its blob is mapped: split, the decoder reads it through the tap. */
static og_test_buf noise_layer(og_test_buf *tar)
{
	size_t n = (size_t)6 << 20, i;
	unsigned char *noise = malloc(n);
	og_test_buf gz;
	uint64_t x = 88172645463325252ULL;

	assert_non_null(noise);
	for (i = 0; i < n; i++) { /* xorshift: incompressible */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		noise[i] = (unsigned char)x;
	}
	memset(tar, 0, sizeof(*tar));
	tar_entry(tar, "a/noise.bin", '0', NULL, noise, n, 0644);
	tar_entry(tar, "a/more.bin", '0', NULL, noise + 1000, n / 2, 0644);
	tar_end(tar);
	gz = gzip_of(tar->p, tar->len);
	assert_true(gz.len > ((size_t)8 << 20));
	free(noise);
	return gz;
}

/* Mapped: the digests and the walk are those of the bytes. */
static void test_oci_layer__mapped_blob(void **state)
{
	fixture *f = *state;
	og_test_buf tar, gz = noise_layer(&tar);
	char want[OG_DIGEST_MAX];

	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_int_equal(run(f, 1, 1), 0);
	expect_findings(f, NULL, 0);
	sha256_of(want, f->ctx, tar.p, tar.len);
	assert_string_equal(f->res.diff_id, want);
	assert_string_equal(f->res.digest, f->desc.digest);
	assert_int_equal(f->res.size, gz.len);
	assert_int_equal(f->res.entries, 2);
	assert_true(f->res.walked);
	assert_int_equal(f->res.threads, split_mode ? 2 : 0);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* Mapped, and the decoder stops early: the blob is still hashed whole
 * (the tapped part on the walking thread, the rest after). */
static void test_oci_layer__mapped_blob_stops(void **state)
{
	fixture *f = *state;
	og_test_buf tar, gz = noise_layer(&tar);
	char want[OG_DIGEST_MAX];

	/* A corrupt deflate stream half-way. */
	gz.p[gz.len / 2] ^= 0x55;
	gz.p[gz.len / 2 + 1] ^= 0xaa;
	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_int_equal(run(f, 1, 1), 0);
	expect_findings(f, (const char *const[]){ "layer.decompress_error" }, 1);
	assert_string_equal(f->res.digest, f->desc.digest);
	assert_int_equal(f->res.size, gz.len);
	assert_false(f->res.decoded);

	/* A visitor that gives up at the second entry: its code, and no
	 * thread left behind (the test would hang or TSan would say). */
	og_layer_result_dispose(&f->res, &f->job);
	og_layer_result_init(&f->res);
	gz.p[gz.len / 2] ^= 0x55;
	gz.p[gz.len / 2 + 1] ^= 0xaa;
	sha256_of(want, f->ctx, gz.p, gz.len);
	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_string_equal(f->desc.digest, want);
	f->counts.fail_code = OG_ELIMIT;
	f->counts.fail_at = 1;
	assert_int_equal(run(f, 1, 1), OG_ELIMIT);
	expect_no_findings(f);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

static void test_oci_layer__total_limit(void **state)
{
	fixture *f = *state;
	_Atomic uint64_t total;
	og_layer_limits lim = { 0, 0, (uint64_t)2 << 20, &total };
	og_test_buf tar, gz = zero_layer((size_t)8 << 20, &tar);
	static const char *const ids[] = { "size.uncompressed" };

	atomic_init(&total, 0);
	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	f->job.limits = &lim;
	assert_int_equal(run(f, 1, 1), 0);
	expect_findings(f, ids, 1);
	assert_true(f->res.stopped);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

static void test_oci_layer__limits_not_crossed(void **state)
{
	fixture *f = *state;
	_Atomic uint64_t total;
	og_layer_limits lim = { 2000, (uint64_t)1 << 20, (uint64_t)64 << 20, &total };
	og_test_buf tar, gz = zero_layer((size_t)4 << 20, &tar);

	atomic_init(&total, 0);
	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	f->job.limits = &lim;
	assert_int_equal(run(f, 1, 1), 0);
	expect_findings(f, NULL, 0);
	assert_true(f->res.walked);
	assert_int_equal(f->res.uncompressed_size, tar.len);
	assert_int_equal(atomic_load(&total), tar.len);
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

static void test_oci_layer__timings(void **state)
{
	fixture *f = *state;
	og_test_buf tar = make_tar(), gz = gzip_of(tar.p, tar.len);

	put_layer(f, OG_MT_OCI_LAYER_GZIP, &gz);
	assert_int_equal(run(f, 1, 1), 0);
	assert_int_equal(f->res.stages[OG_STAGE_READ].bytes, gz.len);
	assert_int_equal(f->res.stages[OG_STAGE_COMPRESSED_HASH].bytes, gz.len);
	assert_int_equal(f->res.stages[OG_STAGE_DECOMPRESS].bytes, tar.len);
	assert_int_equal(f->res.stages[OG_STAGE_DIFF_HASH].bytes, tar.len);
	assert_int_equal(f->res.stages[OG_STAGE_SCANNERS].bytes, WANT_COUNT);
	assert_true(f->res.wall > 0);
	assert_true(f->res.stages[OG_STAGE_DECOMPRESS].seconds >= 0);
	assert_true(f->res.stages[OG_STAGE_TAR_WALK].seconds >= 0);
	assert_string_equal(og_stage_name(OG_STAGE_DIFF_HASH), "diffIdHash");
	og_test_buf_free(&tar);
	og_test_buf_free(&gz);
}

/* ------------------------------------------------------- fetch ring */

/*
 * A source of `total` patterned bytes handed out in `chunk`s, by read() or
 * by read_block() from one scratch buffer it overwrites on every call (so
 * a pointer kept past the next call shows up as wrong bytes). It can fail
 * at an offset, and hold its reads until a gate opens.
 */
#define SRC_CHUNK_MAX ((size_t)300000)

typedef struct test_src {
	og_reader base;
	og_ctx *ctx;
	uint64_t total, pos;
	size_t chunk;
	uint64_t fail_at;            /* fail once pos reaches it (with fail_code) */
	int fail_code;
	atomic_int gate;             /* reads wait while 0 */
	atomic_int reads;            /* read calls started */
	unsigned char scratch[SRC_CHUNK_MAX];
} test_src;

static unsigned char pat(uint64_t i)
{
	return (unsigned char)((i * 131u) ^ (i >> 11));
}

static ssize_t src_next(test_src *t, unsigned char *dst, size_t len)
{
	struct timespec ms = { 0, 1000000 };
	size_t k, i;

	atomic_fetch_add(&t->reads, 1);
	while (!atomic_load(&t->gate))
		nanosleep(&ms, NULL);
	if (t->fail_code && t->pos >= t->fail_at)
		return og_error_set(t->ctx, t->fail_code, "blob sha256:feed: connection reset at %llu",
			(unsigned long long)t->pos);
	k = t->chunk < len ? t->chunk : len;
	if (t->fail_code && t->pos + k > t->fail_at)
		k = (size_t)(t->fail_at - t->pos);
	if (k > t->total - t->pos)
		k = (size_t)(t->total - t->pos);
	for (i = 0; i < k; i++)
		dst[i] = pat(t->pos + i);
	t->pos += k;
	return (ssize_t)k;
}

static ssize_t src_read(og_reader *r, void *buf, size_t len)
{
	return src_next((test_src *)r, buf, len);
}

static ssize_t src_read_block(og_reader *r, const void **out)
{
	test_src *t = (test_src *)r;

	*out = t->scratch;
	return src_next(t, t->scratch, sizeof(t->scratch));
}

static void src_close(og_reader *r)
{
	(void)r;
}

static test_src *src_new(og_ctx *ctx, uint64_t total, size_t chunk, int blocks)
{
	test_src *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_true(chunk <= SRC_CHUNK_MAX);
	t->base.read = src_read;
	t->base.close = src_close;
	if (blocks)
		t->base.read_block = src_read_block;
	t->ctx = ctx;
	t->total = total;
	t->chunk = chunk;
	atomic_init(&t->gate, 1);
	atomic_init(&t->reads, 0);
	return t;
}

/* Read r to its end in `step`s, checking the pattern. Returns the last
 * result (0 or a code); *count the bytes. */
static ssize_t consume(uint64_t *count, og_reader *r, size_t step)
{
	unsigned char *buf = malloc(step);
	ssize_t n;
	uint64_t at = 0;
	size_t i;

	assert_non_null(buf);
	while ((n = og_reader_read(r, buf, step)) > 0) {
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != pat(at + i))
				fail_msg("byte %llu differs", (unsigned long long)(at + i));
		at += (uint64_t)n;
	}
	free(buf);
	*count = at;
	return n;
}

/* Bytes in order through a ring that wraps many times (the producer waits
 * for free slots), then the end, repeatedly. */
static void test_oci_layer_fetch__order(void **state)
{
	og_ctx *ctx = NULL;
	static const uint64_t totals[] = { 0, 1, (uint64_t)1 << 20, ((uint64_t)9 << 20) + 12345 };
	static const size_t chunks[] = { 1000, 100000, 299999 };
	og_layer__fetch *f;
	test_src *t;
	uint64_t got;
	size_t i, j;
	int blocks;

	(void)state;
	assert_int_equal(og_ctx_new(&ctx), 0);
	for (blocks = 0; blocks < 2; blocks++)
		for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++)
			for (j = 0; j < sizeof(chunks) / sizeof(chunks[0]); j++) {
				t = src_new(ctx, totals[i], chunks[j], blocks);
				assert_int_equal(og_layer__fetch_start(&f, ctx, &t->base), 0);
				assert_int_equal(consume(&got, og_layer__fetch_reader(f), 77777), 0);
				assert_int_equal(got, totals[i]);
				assert_int_equal(og_reader_read(og_layer__fetch_reader(f), &got, 1), 0);
				assert_int_equal(og_layer__fetch_join(f), 0);
				assert_int_equal(t->pos, totals[i]);
				assert_true(og_layer__fetch_wait_seconds(f) >= 0);
				og_layer__fetch_free(f);
				free(t);
			}
	og_ctx_free(ctx);
}

/* The source fails mid-stream: the consumer gets every byte before, then
 * the source's code, its message still on the source's ctx. */
static void test_oci_layer_fetch__reader_error(void **state)
{
	og_ctx *ctx = NULL;
	og_layer__fetch *f;
	test_src *t;
	uint64_t got;
	int blocks;

	(void)state;
	assert_int_equal(og_ctx_new(&ctx), 0);
	for (blocks = 0; blocks < 2; blocks++) {
		t = src_new(ctx, (uint64_t)8 << 20, 100000, blocks);
		t->fail_at = ((uint64_t)5 << 19) + 7;
		t->fail_code = OG_ENETWORK;
		assert_int_equal(og_layer__fetch_start(&f, ctx, &t->base), 0);
		assert_int_equal(consume(&got, og_layer__fetch_reader(f), 65536), OG_ENETWORK);
		assert_int_equal(got, t->fail_at);
		assert_int_equal(og_layer__fetch_join(f), OG_ENETWORK);
		assert_string_equal(og_ctx_error(ctx),
			"blob sha256:feed: connection reset at 2621447");
		og_layer__fetch_free(f);
		free(t);
		og_error_clear(ctx);
	}
	og_ctx_free(ctx);
}

/* Released, the consumer reads the end; the source is still read whole
 * (by the fetch thread, bounded by its slots). */
static void test_oci_layer_fetch__release(void **state)
{
	og_ctx *ctx = NULL;
	og_layer__fetch *f;
	test_src *t;
	unsigned char b;
	int blocks;

	(void)state;
	assert_int_equal(og_ctx_new(&ctx), 0);
	for (blocks = 0; blocks < 2; blocks++) {
		t = src_new(ctx, (uint64_t)20 << 20, 250000, blocks);
		assert_int_equal(og_layer__fetch_start(&f, ctx, &t->base), 0);
		assert_int_equal(og_reader_read(og_layer__fetch_reader(f), &b, 1), 1);
		assert_int_equal(b, pat(0));
		og_layer__fetch_release(f);
		assert_int_equal(og_reader_read(og_layer__fetch_reader(f), &b, 1), 0);
		assert_int_equal(og_layer__fetch_join(f), 0);
		assert_int_equal(t->pos, t->total);
		og_layer__fetch_free(f);
		free(t);
	}
	og_ctx_free(ctx);
}

/* The consumer side aborts while the producer waits on a full ring: it
 * stops without reading the rest, and join returns. */
static void test_oci_layer_fetch__cancel_by_consumer(void **state)
{
	struct timespec ms = { 0, 1000000 };
	og_ctx *ctx = NULL;
	og_layer__fetch *f;
	test_src *t;
	unsigned char b;
	int blocks, i;

	(void)state;
	assert_int_equal(og_ctx_new(&ctx), 0);
	for (blocks = 0; blocks < 2; blocks++) {
		t = src_new(ctx, (uint64_t)1 << 30, 250000, blocks);
		assert_int_equal(og_layer__fetch_start(&f, ctx, &t->base), 0);
		for (i = 0; i < 200 && atomic_load(&t->reads) < 20; i++)
			nanosleep(&ms, NULL); /* let it fill the ring */
		og_layer__fetch_cancel(f);
		assert_int_equal(og_layer__fetch_join(f), OG_ERROR);
		assert_true(t->pos < t->total);
		assert_int_equal(og_reader_read(og_layer__fetch_reader(f), &b, 1), OG_ERROR);
		og_layer__fetch_free(f);
		free(t);
	}
	/* Freed while running: free cancels and joins. */
	t = src_new(ctx, (uint64_t)1 << 30, 250000, 0);
	assert_int_equal(og_layer__fetch_start(&f, ctx, &t->base), 0);
	og_layer__fetch_free(f);
	assert_true(t->pos < t->total);
	free(t);
	og_ctx_free(ctx);
}

typedef struct blocked_read {
	og_reader *r;
	ssize_t n;
	atomic_int started;
} blocked_read;

static void *read_one(void *arg)
{
	blocked_read *br = arg;
	unsigned char b;

	atomic_store(&br->started, 1);
	br->n = og_reader_read(br->r, &b, 1);
	return NULL;
}

/* A consumer waiting for bytes that will not come is woken by a cancel
 * from another thread, while the source is still stuck in a read. */
static void test_oci_layer_fetch__cancel_wakes_consumer(void **state)
{
	struct timespec ms = { 0, 1000000 };
	og_ctx *ctx = NULL;
	og_layer__fetch *f;
	test_src *t;
	blocked_read br;
	pthread_t th;
	int i;

	(void)state;
	assert_int_equal(og_ctx_new(&ctx), 0);
	t = src_new(ctx, (uint64_t)4 << 20, 1000, 1);
	atomic_store(&t->gate, 0);
	assert_int_equal(og_layer__fetch_start(&f, ctx, &t->base), 0);
	br.r = og_layer__fetch_reader(f);
	br.n = 1;
	atomic_init(&br.started, 0);
	assert_int_equal(pthread_create(&th, NULL, read_one, &br), 0);
	for (i = 0; i < 1000 && (!atomic_load(&br.started) || !atomic_load(&t->reads)); i++)
		nanosleep(&ms, NULL);
	for (i = 0; i < 20; i++)
		nanosleep(&ms, NULL); /* the reader is (very likely) waiting now */
	og_layer__fetch_cancel(f);
	pthread_join(th, NULL);
	assert_int_equal(br.n, OG_ERROR);
	atomic_store(&t->gate, 1); /* the source's read returns; the thread stops */
	assert_int_equal(og_layer__fetch_join(f), OG_ERROR);
	/* at most the slot it was filling, and the rest of a block */
	assert_true(t->pos <= ((uint64_t)1 << 20) + 1000);
	og_layer__fetch_free(f);
	free(t);
	og_ctx_free(ctx);
}

/* A producer-side failure wakes a consumer already waiting. */
static void test_oci_layer_fetch__error_wakes_consumer(void **state)
{
	struct timespec ms = { 0, 1000000 };
	og_ctx *ctx = NULL;
	og_layer__fetch *f;
	test_src *t;
	blocked_read br;
	pthread_t th;
	int i;

	(void)state;
	assert_int_equal(og_ctx_new(&ctx), 0);
	t = src_new(ctx, (uint64_t)4 << 20, 1000, 0);
	t->fail_at = 0;
	t->fail_code = OG_ERROR;
	atomic_store(&t->gate, 0);
	assert_int_equal(og_layer__fetch_start(&f, ctx, &t->base), 0);
	br.r = og_layer__fetch_reader(f);
	br.n = 1;
	atomic_init(&br.started, 0);
	assert_int_equal(pthread_create(&th, NULL, read_one, &br), 0);
	for (i = 0; i < 1000 && !atomic_load(&br.started); i++)
		nanosleep(&ms, NULL);
	for (i = 0; i < 20; i++)
		nanosleep(&ms, NULL);
	atomic_store(&t->gate, 1);
	pthread_join(th, NULL);
	assert_int_equal(br.n, OG_ERROR);
	assert_int_equal(og_layer__fetch_join(f), OG_ERROR);
	assert_string_equal(og_ctx_error(ctx), "blob sha256:feed: connection reset at 0");
	og_layer__fetch_free(f);
	free(t);
	og_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_oci_layer__plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__zstd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__sha512, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__blob_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__size_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__digest_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__truncated_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__truncated_gzip_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__trailing_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__not_a_tar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__media_type_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__hash_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__padding_in_diff_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__entry_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__visitor_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__ratio_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__ratio_declared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__mapped_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__mapped_blob_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__total_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__limits_not_crossed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_layer__timings, setup, teardown),
	};
	const struct CMUnitTest fetch_tests[] = {
		cmocka_unit_test(test_oci_layer_fetch__order),
		cmocka_unit_test(test_oci_layer_fetch__reader_error),
		cmocka_unit_test(test_oci_layer_fetch__release),
		cmocka_unit_test(test_oci_layer_fetch__cancel_by_consumer),
		cmocka_unit_test(test_oci_layer_fetch__cancel_wakes_consumer),
		cmocka_unit_test(test_oci_layer_fetch__error_wakes_consumer),
	};
	int failed;

	split_mode = 0;
	failed = cmocka_run_group_tests_name("one thread", tests, NULL, NULL);
	split_mode = 1;
	failed += cmocka_run_group_tests_name("split in three threads", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("fetch ring", fetch_tests, NULL, NULL);
	return failed;
}
