/* The decoder reader: sniffing, gzip, zstd, pass-through, damage, memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>
#include <zstd.h>
#include "helpers.h"
#include "oci/decode.h"

/* ------------------------------------------------------------ helpers */

typedef struct {
	unsigned char *p;
	size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (len && data)
		memcpy(b->p + b->len, data, len);
	b->len += len;
}

/* Deterministic, somewhat compressible test data. */
static void gen_data(buf_t *b, size_t len, uint32_t seed)
{
	static const char words[] = "layer manifest config blob digest sha256 "
		"tar gzip zstd index platform amd64 arm64 ";
	uint32_t x = seed * 2654435761u + 1;
	unsigned char *p;
	size_t i;

	buf_add(b, NULL, len);
	p = b->p + b->len - len;
	for (i = 0; i < len; i++) {
		x = x * 1664525u + 1013904223u;
		p[i] = (x >> 29) == 0 ? (unsigned char)(x >> 8) :
			(unsigned char)words[(x >> 20) % (sizeof(words) - 1)];
	}
}

/* Append one gzip member of data to out. */
static void gzip_member(buf_t *out, const unsigned char *data, size_t len,
	int level)
{
	z_stream z;
	unsigned char chunk[16384];
	int ret;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, 16 + 15, 8,
		Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		ret = deflate(&z, Z_FINISH);
		assert_true(ret == Z_OK || ret == Z_STREAM_END);
		buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (ret != Z_STREAM_END);
	deflateEnd(&z);
}

static void zstd_frame_opt(buf_t *out, const unsigned char *data, size_t len,
	int checksum)
{
	size_t cap = ZSTD_compressBound(len), n;
	unsigned char *tmp = malloc(cap);
	ZSTD_CCtx *c = ZSTD_createCCtx();

	assert_non_null(tmp);
	assert_non_null(c);
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum);
	n = ZSTD_compress2(c, tmp, cap, data, len);
	assert_false(ZSTD_isError(n));
	buf_add(out, tmp, n);
	ZSTD_freeCCtx(c);
	free(tmp);
}

static void zstd_frame(buf_t *out, const unsigned char *data, size_t len)
{
	zstd_frame_opt(out, data, len, 0);
}

static void zstd_skippable(buf_t *out, unsigned int variant, uint32_t size)
{
	unsigned char hdr[8];
	uint32_t magic = 0x184D2A50u | (variant & 0xf);
	unsigned char *payload = calloc(1, size + 1);
	int i;

	assert_non_null(payload);
	for (i = 0; i < 4; i++) {
		hdr[i] = (unsigned char)(magic >> (8 * i));
		hdr[4 + i] = (unsigned char)(size >> (8 * i));
	}
	memset(payload, 0x28, size); /* looks like magic, must be skipped */
	buf_add(out, hdr, 8);
	buf_add(out, payload, size);
	free(payload);
}

/* A memory reader handing out at most `step` bytes per read, optionally
 * failing (with a message) once `fail_at` bytes have been handed out. */
typedef struct {
	og_reader base;
	og_ctx *ctx;
	const unsigned char *data;
	size_t len, pos, step, fail_at;
	int closed;
	unsigned char *lent;       /* block mode: the block lent last */
	size_t lent_len;
} src_reader;

/* Set: src readers lend blocks (read_block) instead of copying (read). */
static int block_mode;

/* Lend at most `step` bytes, in a fresh buffer; the one lent before is
 * poisoned and freed, as the contract allows ("valid until the next
 * call"), so a decoder that keeps using it reads garbage (or, under ASan,
 * freed memory). */
static ssize_t src_read_block(og_reader *r, const void **out)
{
	src_reader *s = (src_reader *)r;
	size_t n = s->len - s->pos;

	if (s->lent) {
		memset(s->lent, 0xAA, s->lent_len);
		free(s->lent);
		s->lent = NULL;
	}
	if (n > s->step)
		n = s->step;
	if (n == 0)
		return 0;
	s->lent = malloc(n);
	assert_non_null(s->lent);
	memcpy(s->lent, s->data + s->pos, n);
	s->lent_len = n;
	s->pos += n;
	*out = s->lent;
	return (ssize_t)n;
}

static ssize_t src_read(og_reader *r, void *buf, size_t len)
{
	src_reader *s = (src_reader *)r;
	size_t n = s->len - s->pos;

	if (s->pos >= s->fail_at)
		return og_error_set(s->ctx, OG_ERROR, "inner: disk on fire");
	if (n > len)
		n = len;
	if (n > s->step)
		n = s->step;
	if (s->pos + n > s->fail_at)
		n = s->fail_at - s->pos;
	if (n)
		memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static void src_close(og_reader *r)
{
	((src_reader *)r)->closed = 1;
}

static void src_dispose(src_reader *s)
{
	free(s->lent);
	s->lent = NULL;
}

static void src_init(src_reader *s, og_ctx *ctx, const void *data, size_t len,
	size_t step)
{
	memset(s, 0, sizeof(*s));
	s->base.read = src_read;
	s->base.close = src_close;
	s->ctx = ctx;
	s->data = data;
	s->len = len;
	s->step = step ? step : (size_t)-1;
	s->fail_at = (size_t)-1;
	if (block_mode)
		s->base.read_block = src_read_block;
}

/*
 * Decode data through a decoder with inner reads of `step` bytes and output
 * reads of `chunk` bytes. Returns 0 or the failing read's code; out gets the
 * output, st the stats.
 */
static int decode(og_ctx *ctx, const unsigned char *data, size_t len,
	size_t step, size_t chunk, buf_t *out, og_decode_stats *st,
	size_t fail_at)
{
	src_reader s;
	og_reader *d = NULL;
	unsigned char *tmp = malloc(chunk);
	ssize_t n;
	int rc = 0;

	assert_non_null(tmp);
	src_init(&s, ctx, data, len, step);
	s.fail_at = fail_at;
	out->len = 0;
	og_error_clear(ctx);
	assert_int_equal(og_decoder_new(&d, ctx, &s.base, "blob sha256:feed"), 0);
	for (;;) {
		n = og_reader_read(d, tmp, chunk);
		if (n < 0) {
			rc = (int)n;
			/* Failures are sticky. */
			assert_int_equal(og_reader_read(d, tmp, chunk), n);
			break;
		}
		if (n == 0) {
			/* And so is the end. */
			assert_int_equal(og_reader_read(d, tmp, chunk), 0);
			break;
		}
		assert_true((size_t)n <= chunk);
		buf_add(out, tmp, (size_t)n);
	}
	og_decoder_stats(d, st);
	og_reader_close(d);
	assert_false(s.closed); /* inner is borrowed */
	src_dispose(&s);
	free(tmp);
	return rc;
}

static int setup(void **state)
{
	og_ctx *ctx;

	assert_int_equal(og_ctx_new(&ctx), 0);
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	og_ctx_free(*state);
	return 0;
}

/* Run a case with a grid of inner step and output chunk sizes, the inner
 * reader copying (read) and lending (read_block), and check output and
 * stats each time. */
static void expect_ok(og_ctx *ctx, const buf_t *in, const buf_t *want,
	og_compression_t comp, unsigned int members, uint64_t trailing)
{
	static const size_t steps[] = { 0, 1, 3, 4096, 300000 };
	static const size_t chunks[] = { 1, 7, 65536, 1 << 20 };
	buf_t out = { 0 };
	og_decode_stats st;
	size_t i, j, k;

	for (k = 0; k < 2 * sizeof(steps) / sizeof(steps[0]); k++) {
		i = k % (sizeof(steps) / sizeof(steps[0]));
		block_mode = k >= sizeof(steps) / sizeof(steps[0]);
		for (j = 0; j < sizeof(chunks) / sizeof(chunks[0]); j++) {
			/* Byte-at-a-time on both sides is slow for big inputs. */
			if ((steps[i] == 1 || chunks[j] == 1) && in->len + want->len > 400000)
				continue;
			if (decode(ctx, in->p, in->len, steps[i], chunks[j], &out,
			    &st, (size_t)-1) != 0)
				fail_msg("step %zu chunk %zu: %s", steps[i], chunks[j],
					og_ctx_error(ctx));
			assert_int_equal(out.len, want->len);
			if (want->len)
				assert_memory_equal(out.p, want->p, want->len);
			assert_int_equal(st.compression, comp);
			assert_int_equal(st.members, members);
			assert_int_equal(st.trailing_bytes, trailing);
			assert_int_equal(st.in_bytes, in->len);
			assert_int_equal(st.out_bytes, want->len);
		}
	}
	block_mode = 0;
	free(out.p);
}

static void expect_fail(og_ctx *ctx, const buf_t *in, size_t step,
	int code, const char *msg)
{
	buf_t out = { 0 };
	og_decode_stats st;

	assert_int_equal(decode(ctx, in->p, in->len, step, 65536, &out, &st,
		(size_t)-1), code);
	if (msg && !strstr(og_ctx_error(ctx), msg))
		fail_msg("message \"%s\" lacks \"%s\"", og_ctx_error(ctx), msg);
	assert_non_null(strstr(og_ctx_error(ctx), "blob sha256:feed"));
	free(out.p);
}

/* ------------------------------------------------------------ sniffing */

static void test_oci_decode__sniff(void **state)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0 };
	static const unsigned char zs[] = { 0x28, 0xb5, 0x2f, 0xfd, 0 };
	static const unsigned char tar[] = "etc/passwd";

	(void)state;
	assert_int_equal(og_compression_sniff(gz, 4), OG_COMP_GZIP);
	assert_int_equal(og_compression_sniff(gz, 2), OG_COMP_GZIP);
	assert_int_equal(og_compression_sniff(gz, 1), OG_COMP_NONE);
	assert_int_equal(og_compression_sniff(zs, 5), OG_COMP_ZSTD);
	assert_int_equal(og_compression_sniff(zs, 3), OG_COMP_NONE);
	assert_int_equal(og_compression_sniff(tar, 10), OG_COMP_NONE);
	assert_int_equal(og_compression_sniff(NULL, 0), OG_COMP_NONE);
	assert_string_equal(og_compression_name(OG_COMP_NONE), "none");
	assert_string_equal(og_compression_name(OG_COMP_GZIP), "gzip");
	assert_string_equal(og_compression_name(OG_COMP_ZSTD), "zstd");
}

/* ------------------------------------------------------------ none */

static void test_oci_decode__none_passthrough(void **state)
{
	buf_t data = { 0 };

	gen_data(&data, 200000, 1);
	expect_ok(*state, &data, &data, OG_COMP_NONE, 0, 0);
	free(data.p);
}

static void test_oci_decode__tiny_inputs(void **state)
{
	static const unsigned char cases[][3] = {
		{ 0x1f, 0x8b, 0x08 }, { 0x28, 0xb5, 0x2f }, { 'a', 'b', 'c' }
	};
	buf_t in = { 0 };
	size_t c, n;

	for (c = 0; c < 3; c++) {
		for (n = 0; n <= 3; n++) {
			in.len = 0;
			buf_add(&in, cases[c], n);
			/* Shorter than any magic: passed through as is. */
			expect_ok(*state, &in, &in, OG_COMP_NONE, 0, 0);
		}
	}
	free(in.p);
}

/* ------------------------------------------------------------ gzip */

static void test_oci_decode__gzip_single(void **state)
{
	buf_t data = { 0 }, gz = { 0 }, empty = { 0 }, gz_empty = { 0 };

	gen_data(&data, 300000, 2);
	gzip_member(&gz, data.p, data.len, 6);
	expect_ok(*state, &gz, &data, OG_COMP_GZIP, 1, 0);

	/* An empty member. */
	gzip_member(&gz_empty, NULL, 0, 6);
	expect_ok(*state, &gz_empty, &empty, OG_COMP_GZIP, 1, 0);

	/* Stored (level 0) blocks. */
	gz.len = 0;
	gzip_member(&gz, data.p, data.len, 0);
	expect_ok(*state, &gz, &data, OG_COMP_GZIP, 1, 0);
	free(data.p);
	free(gz.p);
	free(gz_empty.p);
}

static void test_oci_decode__gzip_multi_member(void **state)
{
	buf_t data = { 0 }, gz = { 0 };

	gen_data(&data, 150000, 3);
	gzip_member(&gz, data.p, 100000, 6);
	gzip_member(&gz, NULL, 0, 6);
	gzip_member(&gz, data.p + 100000, 1, 9);
	gzip_member(&gz, data.p + 100001, 49999, 1);
	expect_ok(*state, &gz, &data, OG_COMP_GZIP, 4, 0);
	free(data.p);
	free(gz.p);
}

/* A member with every optional header field (FEXTRA, FNAME, FCOMMENT,
 * FHCRC), as some tools write them. */
static void gzip_member_fields(buf_t *out, const unsigned char *data,
	size_t len, int hcrc)
{
	static const unsigned char extra[] = { 'A', 'B', 3, 0, 'x', 'y', 'z' };
	unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0x04 | 0x08 | 0x10,
		0, 0, 0, 0, 0, 3 };
	unsigned char tmp[4], chunk[16384];
	size_t start = out->len;
	uLong crc;
	z_stream z;
	int ret, i;

	if (hcrc)
		hdr[3] |= 0x02;
	buf_add(out, hdr, sizeof(hdr));
	tmp[0] = sizeof(extra);
	tmp[1] = 0;
	buf_add(out, tmp, 2);
	buf_add(out, extra, sizeof(extra));
	buf_add(out, "layer.tar", 10);            /* FNAME with its NUL */
	buf_add(out, "made by a test", 15);       /* FCOMMENT with its NUL */
	if (hcrc) {
		crc = crc32(0, out->p + start, (uInt)(out->len - start));
		tmp[0] = (unsigned char)crc;
		tmp[1] = (unsigned char)(crc >> 8);
		buf_add(out, tmp, 2);             /* FHCRC */
	}

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8,
		Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		ret = deflate(&z, Z_FINISH);
		buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (ret != Z_STREAM_END);
	deflateEnd(&z);
	crc = crc32(0, data, (uInt)len);
	for (i = 0; i < 4; i++)
		tmp[i] = (unsigned char)(crc >> (8 * i));
	buf_add(out, tmp, 4);
	for (i = 0; i < 4; i++)
		tmp[i] = (unsigned char)(len >> (8 * i));
	buf_add(out, tmp, 4);
}

static void test_oci_decode__gzip_header_fields(void **state)
{
	buf_t data = { 0 }, gz = { 0 };
	size_t fhcrc;

	gen_data(&data, 90000, 14);
	gzip_member_fields(&gz, data.p, 40000, 1);
	gzip_member(&gz, data.p + 40000, 10000, 6);
	gzip_member_fields(&gz, data.p + 50000, 20000, 0);
	gzip_member_fields(&gz, data.p + 70000, 20000, 1);
	expect_ok(*state, &gz, &data, OG_COMP_GZIP, 4, 0);

	/* A wrong header CRC. */
	gz.len = 0;
	gzip_member_fields(&gz, data.p, 1000, 1);
	fhcrc = 10 + 2 + 7 + 10 + 15;
	gz.p[fhcrc] ^= 0xff;
	expect_fail(*state, &gz, 0, OG_EINVALID, "corrupt gzip stream");
	free(data.p);
	free(gz.p);
}

static void test_oci_decode__gzip_trailing(void **state)
{
	static const unsigned char junk[] = "not gzip, just junk\n";
	unsigned char zeros[5000];
	buf_t data = { 0 }, gz = { 0 };

	gen_data(&data, 120000, 4);
	gzip_member(&gz, data.p, 60000, 6);
	gzip_member(&gz, data.p + 60000, 60000, 6);

	/* Zero padding (as some tools append) after two members. */
	memset(zeros, 0, sizeof(zeros));
	buf_add(&gz, zeros, sizeof(zeros));
	expect_ok(*state, &gz, &data, OG_COMP_GZIP, 2, sizeof(zeros));

	/* Text junk after the padding is counted too. */
	buf_add(&gz, junk, sizeof(junk) - 1);
	expect_ok(*state, &gz, &data, OG_COMP_GZIP, 2,
		sizeof(zeros) + sizeof(junk) - 1);

	/* A lone 0x1f is not a member. */
	gz.len = 0;
	gzip_member(&gz, data.p, data.len, 6);
	buf_add(&gz, "\x1f", 1);
	expect_ok(*state, &gz, &data, OG_COMP_GZIP, 1, 1);

	/* 0x1f then a byte that is not 0x8b. */
	buf_add(&gz, "\x1f", 1);
	expect_ok(*state, &gz, &data, OG_COMP_GZIP, 1, 2);
	free(data.p);
	free(gz.p);
}

static void test_oci_decode__gzip_truncated(void **state)
{
	buf_t data = { 0 }, gz = { 0 }, cut = { 0 };
	size_t at;

	gen_data(&data, 3000, 5);
	gzip_member(&gz, data.p, data.len, 6);
	/* Every cut point from the end of the magic sniff on. */
	for (at = 4; at < gz.len; at++) {
		cut.len = 0;
		buf_add(&cut, gz.p, at);
		expect_fail(*state, &cut, at % 2 ? 1 : 0, OG_EINVALID,
			"truncated gzip stream");
	}

	/* A second member cut short after a complete first one. */
	cut.len = 0;
	buf_add(&cut, gz.p, gz.len);
	buf_add(&cut, gz.p, gz.len / 2);
	expect_fail(*state, &cut, 0, OG_EINVALID, "truncated gzip stream");

	/* Just the magic of a second member. */
	cut.len = 0;
	buf_add(&cut, gz.p, gz.len);
	buf_add(&cut, gz.p, 2);
	expect_fail(*state, &cut, 0, OG_EINVALID, "truncated gzip stream");
	free(data.p);
	free(gz.p);
	free(cut.p);
}

static void test_oci_decode__gzip_corrupt(void **state)
{
	buf_t data = { 0 }, gz = { 0 };

	gen_data(&data, 50000, 6);
	gzip_member(&gz, data.p, data.len, 6);

	/* CRC32 (the 4 bytes before ISIZE). */
	gz.p[gz.len - 8] ^= 0x55;
	expect_fail(*state, &gz, 0, OG_EINVALID, "corrupt gzip stream");
	expect_fail(*state, &gz, 1, OG_EINVALID, "corrupt gzip stream");
	gz.p[gz.len - 8] ^= 0x55;

	/* ISIZE. */
	gz.p[gz.len - 1] ^= 0x01;
	expect_fail(*state, &gz, 0, OG_EINVALID, "corrupt gzip stream");
	gz.p[gz.len - 1] ^= 0x01;

	/* Compression method in the header. */
	gz.p[2] = 7;
	expect_fail(*state, &gz, 0, OG_EINVALID, "corrupt gzip stream");
	gz.p[2] = 8;

	/* Deflate data. */
	memset(gz.p + 100, 0xff, 64);
	expect_fail(*state, &gz, 0, OG_EINVALID, "corrupt gzip stream");
	free(data.p);
	free(gz.p);
}

/* ------------------------------------------------------------ zstd */

static void test_oci_decode__zstd_single(void **state)
{
	buf_t data = { 0 }, zs = { 0 };

	gen_data(&data, 300000, 7);
	zstd_frame(&zs, data.p, data.len);
	expect_ok(*state, &zs, &data, OG_COMP_ZSTD, 1, 0);
	free(data.p);
	free(zs.p);
}

static void test_oci_decode__zstd_multi_frame(void **state)
{
	buf_t data = { 0 }, zs = { 0 };

	gen_data(&data, 200000, 8);
	zstd_frame(&zs, data.p, 70000);
	zstd_frame(&zs, NULL, 0);
	zstd_frame(&zs, data.p + 70000, 130000);
	expect_ok(*state, &zs, &data, OG_COMP_ZSTD, 3, 0);
	free(data.p);
	free(zs.p);
}

static void test_oci_decode__zstd_skippable(void **state)
{
	buf_t data = { 0 }, zs = { 0 };

	gen_data(&data, 100000, 9);
	zstd_frame(&zs, data.p, 50000);
	zstd_skippable(&zs, 0, 100);
	zstd_skippable(&zs, 0xf, 0);
	zstd_frame(&zs, data.p + 50000, 50000);
	zstd_skippable(&zs, 7, 300000); /* larger than the input buffer */
	expect_ok(*state, &zs, &data, OG_COMP_ZSTD, 2, 0);

	/* A skippable frame cut short. */
	zs.len -= 10;
	expect_fail(*state, &zs, 0, OG_EINVALID, "truncated zstd stream");
	zs.len -= 300000 - 10 + 2; /* in the middle of its header */
	expect_fail(*state, &zs, 0, OG_EINVALID, "truncated zstd stream");
	free(data.p);
	free(zs.p);
}

static void test_oci_decode__zstd_trailing(void **state)
{
	static const unsigned char junk[] = "\0\0\0\0\0trailing junk";
	buf_t data = { 0 }, zs = { 0 };

	gen_data(&data, 100000, 10);
	zstd_frame(&zs, data.p, 40000);
	zstd_frame(&zs, data.p + 40000, 60000);
	buf_add(&zs, junk, sizeof(junk) - 1);
	expect_ok(*state, &zs, &data, OG_COMP_ZSTD, 2, sizeof(junk) - 1);

	/* Fewer bytes than a magic number. */
	zs.len -= sizeof(junk) - 1;
	buf_add(&zs, "\x28\xb5\x2f", 3);
	expect_ok(*state, &zs, &data, OG_COMP_ZSTD, 2, 3);
	free(data.p);
	free(zs.p);
}

static void test_oci_decode__zstd_truncated(void **state)
{
	buf_t data = { 0 }, zs = { 0 }, cut = { 0 };
	size_t at;

	gen_data(&data, 5000, 11);
	zstd_frame(&zs, data.p, data.len);
	for (at = 4; at < zs.len; at++) {
		cut.len = 0;
		buf_add(&cut, zs.p, at);
		expect_fail(*state, &cut, at % 2 ? 1 : 0, OG_EINVALID,
			"truncated zstd stream");
	}
	/* A complete frame, then the start of another. */
	cut.len = 0;
	buf_add(&cut, zs.p, zs.len);
	buf_add(&cut, zs.p, 10);
	expect_fail(*state, &cut, 0, OG_EINVALID, "truncated zstd stream");
	free(data.p);
	free(zs.p);
	free(cut.p);
}

static void test_oci_decode__zstd_corrupt(void **state)
{
	buf_t data = { 0 }, zs = { 0 };

	gen_data(&data, 100000, 12);
	zstd_frame_opt(&zs, data.p, data.len, 1);
	/* The content checksum (as the zstd CLI writes it). */
	zs.p[zs.len - 2] ^= 0x10;
	expect_fail(*state, &zs, 0, OG_EINVALID, "corrupt zstd stream");
	expect_fail(*state, &zs, 1, OG_EINVALID, "corrupt zstd stream");
	zs.p[zs.len - 2] ^= 0x10;
	/* Block data. */
	memset(zs.p + zs.len / 2, 0xa5, 200);
	expect_fail(*state, &zs, 0, OG_EINVALID, "corrupt zstd stream");
	/* A reserved bit in the frame header descriptor. */
	zs.len = 0;
	zstd_frame(&zs, data.p, data.len);
	zs.p[4] |= 0x08;
	expect_fail(*state, &zs, 0, OG_EINVALID, "corrupt zstd stream");
	free(data.p);
	free(zs.p);
}

/* ------------------------------------------------------------ inner fails */

static void test_oci_decode__inner_fails(void **state)
{
	og_ctx *ctx = *state;
	buf_t data = { 0 }, gz = { 0 }, zs = { 0 }, out = { 0 };
	og_decode_stats st;
	size_t at;

	gen_data(&data, 100000, 13);
	gzip_member(&gz, data.p, data.len, 6);
	buf_add(&gz, "JUNKJUNK", 8);
	zstd_frame(&zs, data.p, data.len);
	buf_add(&zs, "JUNKJUNK", 8);

	/* Right away, part way, and while draining the trailing bytes. */
	for (at = 0; at < gz.len; at += at < 16 ? 1 : 997) {
		assert_int_equal(decode(ctx, gz.p, gz.len, 1000, 4096, &out, &st,
			at), OG_ESTREAM);
		assert_string_equal(og_ctx_error(ctx), "inner: disk on fire");
	}
	assert_int_equal(decode(ctx, gz.p, gz.len, 1, 4096, &out, &st,
		gz.len - 3), OG_ESTREAM);
	for (at = 0; at < zs.len; at += at < 16 ? 1 : 997)
		assert_int_equal(decode(ctx, zs.p, zs.len, 1000, 4096, &out, &st,
			at), OG_ESTREAM);
	assert_int_equal(decode(ctx, zs.p, zs.len, 1, 4096, &out, &st,
		zs.len - 3), OG_ESTREAM);
	for (at = 0; at < data.len; at += at < 16 ? 1 : 9973)
		assert_int_equal(decode(ctx, data.p, data.len, 1000, 4096, &out,
			&st, at), OG_ESTREAM);
	free(data.p);
	free(gz.p);
	free(zs.p);
	free(out.p);
}

/* ------------------------------------------------------------ memory */

/*
 * An inner reader that makes a gzip or zstd stream of `total` bytes of
 * generated data on the fly, so nothing big is stored anywhere.
 */
typedef struct {
	og_reader base;
	int zstd;
	z_stream z;
	ZSTD_CCtx *cctx;
	uint64_t total, made;
	uint32_t x;
	unsigned char src[65536];
	size_t src_len, src_pos;
	int finished;
} gen_reader;

static uint32_t gen_fill(uint32_t x, unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1664525u + 1013904223u;
		p[i] = (unsigned char)('a' + ((x >> 24) & 15));
	}
	return x;
}

static ssize_t gen_read(og_reader *r, void *buf, size_t len)
{
	gen_reader *g = (gen_reader *)r;
	size_t produced = 0;

	while (produced == 0 && !g->finished) {
		int last;

		if (g->src_pos == g->src_len && g->made < g->total) {
			size_t n = sizeof(g->src);

			if (g->total - g->made < n)
				n = (size_t)(g->total - g->made);
			g->x = gen_fill(g->x, g->src, n);
			g->src_len = n;
			g->src_pos = 0;
			g->made += n;
		}
		last = g->made == g->total;
		if (g->zstd) {
			ZSTD_inBuffer ib = { g->src, g->src_len, g->src_pos };
			ZSTD_outBuffer ob = { buf, len, 0 };
			size_t ret = ZSTD_compressStream2(g->cctx, &ob, &ib,
				last ? ZSTD_e_end : ZSTD_e_continue);

			if (ZSTD_isError(ret))
				return OG_ERROR;
			g->src_pos = ib.pos;
			produced = ob.pos;
			if (last && ret == 0)
				g->finished = 1;
		} else {
			int ret;

			g->z.next_in = g->src + g->src_pos;
			g->z.avail_in = (uInt)(g->src_len - g->src_pos);
			g->z.next_out = buf;
			g->z.avail_out = (uInt)len;
			ret = deflate(&g->z, last ? Z_FINISH : Z_NO_FLUSH);
			if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR)
				return OG_ERROR;
			g->src_pos = g->src_len - g->z.avail_in;
			produced = len - g->z.avail_out;
			if (ret == Z_STREAM_END)
				g->finished = 1;
		}
	}
	return (ssize_t)produced;
}

static void gen_close(og_reader *r)
{
	(void)r;
}

static long maxrss_kib(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

static void big_stream(og_ctx *ctx, int zstd)
{
	const uint64_t total = (uint64_t)200 << 20;
	gen_reader *g = calloc(1, sizeof(*g));
	unsigned char *out = malloc(1 << 20), *expect = malloc(1 << 20);
	og_reader *d = NULL;
	og_decode_stats st;
	uint64_t got = 0;
	uint32_t x = 12345;
	long before, after;
	ssize_t n;

	assert_non_null(g);
	assert_non_null(out);
	assert_non_null(expect);
	g->base.read = gen_read;
	g->base.close = gen_close;
	g->zstd = zstd;
	g->total = total;
	g->x = 12345;
	if (zstd) {
		g->cctx = ZSTD_createCCtx();
		assert_non_null(g->cctx);
		ZSTD_CCtx_setParameter(g->cctx, ZSTD_c_compressionLevel, 1);
	} else {
		assert_int_equal(deflateInit2(&g->z, 1, Z_DEFLATED, 16 + 15, 8,
			Z_DEFAULT_STRATEGY), Z_OK);
	}
	/* Touch the buffers so they count before the measurement. */
	memset(out, 0, 1 << 20);
	memset(expect, 0, 1 << 20);

	assert_int_equal(og_decoder_new(&d, ctx, &g->base, "big"), 0);
	n = og_reader_read(d, out, 1 << 20);
	assert_true(n > 0);
	before = maxrss_kib();
	do {
		x = gen_fill(x, expect, (size_t)n);
		assert_memory_equal(out, expect, (size_t)n);
		got += (uint64_t)n;
		/* Odd sizes, so reads do not line up with anything. */
		n = og_reader_read(d, out, (size_t)(1 << 20) - (got % 4093));
	} while (n > 0);
	after = maxrss_kib();
	assert_int_equal(n, 0);
	assert_int_equal(got, total);
	og_decoder_stats(d, &st);
	assert_int_equal(st.out_bytes, total);
	assert_int_equal(st.members, 1);
	print_message("%s: %llu bytes in, %llu out; maxrss %ld KiB -> %ld KiB\n",
		zstd ? "zstd" : "gzip", (unsigned long long)st.in_bytes,
		(unsigned long long)st.out_bytes, before, after);
	assert_true(after - before < 16 * 1024);

	og_reader_close(d);
	if (zstd)
		ZSTD_freeCCtx(g->cctx);
	else
		deflateEnd(&g->z);
	free(g);
	free(out);
	free(expect);
}

static void test_oci_decode__big_stream_bounded_memory(void **state)
{
	big_stream(*state, 0);
	big_stream(*state, 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		/* First, so earlier tests do not raise the peak RSS. */
		cmocka_unit_test_setup_teardown(test_oci_decode__big_stream_bounded_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__sniff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__none_passthrough, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__tiny_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__gzip_single, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__gzip_multi_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__gzip_header_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__gzip_trailing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__gzip_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__gzip_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__zstd_single, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__zstd_multi_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__zstd_skippable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__zstd_trailing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__zstd_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__zstd_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_decode__inner_fails, setup, teardown),
	};

	/* -s NAME runs only the tests matching NAME. */
	if (argc > 2 && strcmp(argv[1], "-s") == 0)
		cmocka_set_test_filter(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
