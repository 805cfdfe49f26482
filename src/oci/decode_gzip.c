/*
 * gzip backend of the decoder: ISA-L's isal_inflate when available (it
 * parses the gzip header and checks the CRC and size trailer itself), else
 * zlib's inflate in gzip-only mode. Members follow one another until the
 * input ends or a byte that is not gzip magic comes after a member.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "decode_internal.h"

#ifdef OG_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

#ifdef OG_HAVE_ISAL
/*
 * isal_inflate copies 32 KiB of history out of the caller's buffer on every
 * call, so reads into small buffers would cost far more in copies than in
 * decoding (a 1-byte read copies 32 KiB). Reads smaller than GZ_DIRECT_MIN
 * are therefore decoded into a fixed staging buffer and copied out; larger
 * reads go straight into the caller's buffer.
 */
#define GZ_DIRECT_MIN ((size_t)32 * 1024)
#define GZ_STAGE_SIZE ((size_t)128 * 1024)
#endif

typedef struct {
#ifdef OG_HAVE_ISAL
	struct inflate_state st;
	unsigned char *stage; /* GZ_STAGE_SIZE bytes, allocated on first use */
	size_t stage_pos, stage_len;
#else
	z_stream z;
	int z_ready;
#endif
	int used; /* a member has been started on this state */
} gz_state;

static uint32_t clamp32(size_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

#ifdef OG_HAVE_ISAL

static const char *isal_reason(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK:
		return "invalid deflate block";
	case ISAL_INVALID_SYMBOL:
		return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK:
		return "invalid back-reference distance";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "unsupported compression method";
	case ISAL_INCORRECT_CHECKSUM:
		return "CRC or length mismatch";
	default:
		return "inflate error";
	}
}

static int gz_setup(og_decoder *d, gz_state *g)
{
	(void)d;
	isal_inflate_init(&g->st);
	g->st.crc_flag = ISAL_GZIP;
	return 0;
}

static void gz_reset(gz_state *g)
{
	/* reset keeps crc_flag, so the next member is a gzip member too */
	isal_inflate_reset(&g->st);
	g->st.crc_flag = ISAL_GZIP;
}

static void gz_teardown(gz_state *g)
{
	free(g->stage);
	g->stage = NULL;
}

/* One inflate call over the buffered input into out. */
static int gz_step(og_decoder *d, gz_state *g, unsigned char *out,
	size_t len, size_t *produced, int *member_end)
{
	const unsigned char *in = d->in + d->in_pos;
	int ret;

	g->st.next_in = (uint8_t *)(uintptr_t)in; /* only read */
	g->st.avail_in = clamp32(d->in_len - d->in_pos);
	g->st.next_out = out;
	g->st.avail_out = clamp32(len);

	ret = isal_inflate(&g->st);

	d->in_pos += (size_t)(g->st.next_in - in);
	*produced = (size_t)(g->st.next_out - out);
	if (ret < 0)
		return og_error_set(d->ctx, OG_EINVALID,
			"%s: corrupt gzip stream (%s)", d->name, isal_reason(ret));
	*member_end = g->st.block_state == ISAL_BLOCK_FINISH;
	return 0;
}

#else /* zlib */

static int gz_setup(og_decoder *d, gz_state *g)
{
	/* 16 + 15: gzip wrapper only, largest window. */
	if (inflateInit2(&g->z, 16 + 15) != Z_OK)
		return og_error_oom(d->ctx);
	g->z_ready = 1;
	return 0;
}

static void gz_reset(gz_state *g)
{
	(void)inflateReset(&g->z);
}

static void gz_teardown(gz_state *g)
{
	if (g->z_ready)
		(void)inflateEnd(&g->z);
	g->z_ready = 0;
}

static int gz_step(og_decoder *d, gz_state *g, unsigned char *out,
	size_t len, size_t *produced, int *member_end)
{
	const unsigned char *in = d->in + d->in_pos;
	int ret;

	g->z.next_in = (Bytef *)(uintptr_t)in; /* only read */
	g->z.avail_in = clamp32(d->in_len - d->in_pos);
	g->z.next_out = out;
	g->z.avail_out = clamp32(len);

	ret = inflate(&g->z, Z_NO_FLUSH);

	d->in_pos += (size_t)(g->z.next_in - in);
	*produced = (size_t)(g->z.next_out - out);
	*member_end = ret == Z_STREAM_END;
	switch (ret) {
	case Z_OK:
	case Z_STREAM_END:
	case Z_BUF_ERROR: /* no progress possible now: the caller decides */
		return 0;
	case Z_MEM_ERROR:
		return og_error_oom(d->ctx);
	default:
		return og_error_set(d->ctx, OG_EINVALID,
			"%s: corrupt gzip stream (%s)", d->name,
			g->z.msg ? g->z.msg : "inflate error");
	}
}

#endif

int og_decode__gzip_init(og_decoder *d)
{
	gz_state *g = calloc(1, sizeof(*g));
	int error;

	if (!g)
		return og_error_oom(d->ctx);
	if ((error = gz_setup(d, g)) < 0) {
		free(g);
		return error;
	}
	d->codec = g;
	return 0;
}

void og_decode__gzip_free(og_decoder *d)
{
	gz_state *g;

	if (d->stats.compression != OG_COMP_GZIP || !d->codec)
		return;
	g = d->codec;
	gz_teardown(g);
	free(g);
	d->codec = NULL;
}

/* Decode into out: members one after another, up to trailing data. */
static ssize_t gz_produce(og_decoder *d, gz_state *g, unsigned char *out,
	size_t len)
{
	size_t before, produced;
	int member_end, error;

	for (;;) {
		if (d->done)
			return 0;

		if (d->at_boundary) {
			/* Between members: another member, trailing data, or
			 * the end. */
			if ((error = og_decode__fill(d, 4)) < 0)
				return error;
			if (d->in_pos == d->in_len) {
				d->done = 1;
				return 0;
			}
			if (d->in_len - d->in_pos < 2 || d->in[d->in_pos] != 0x1f ||
			    d->in[d->in_pos + 1] != 0x8b) {
				error = og_decode__drain(d);
				return error < 0 ? error : 0;
			}
#ifdef OG_HAVE_ISAL
			/* ISA-L checks a header CRC (FHCRC) over the header
			 * bytes of the one call that completes the header, so
			 * a header split across calls fails the check. Such
			 * headers are rare: buffer as much as possible first. */
			if (d->in_len - d->in_pos >= 4 &&
			    (d->in[d->in_pos + 3] & 0x02) &&
			    (error = og_decode__fill(d, OG_DECODE_INBUF)) < 0)
				return error;
#endif
			if (g->used)
				gz_reset(g);
			g->used = 1;
			d->at_boundary = 0;
		}

		if (d->in_pos == d->in_len && !d->inner_eof &&
		    (error = og_decode__fill(d, OG_DECODE_REFILL)) < 0)
			return error;

		before = d->in_pos;
		produced = 0;
		member_end = 0;
		if ((error = gz_step(d, g, out, len, &produced, &member_end)) < 0)
			return error;
		if (member_end) {
			d->stats.members++;
			d->at_boundary = 1;
		}
		if (produced > 0)
			return (ssize_t)produced;
		if (member_end || d->in_pos != before)
			continue;

		/* No output, no input consumed, member not finished: the
		 * codec needs more input than is buffered. */
		error = og_decode__need_more(d);
		if (error == OG_EINVALID)
			return og_error_set(d->ctx, error,
				"%s: truncated gzip stream", d->name);
		if (error == OG_ERROR)
			return og_error_set(d->ctx, error,
				"%s: gzip decoder made no progress", d->name);
		if (error < 0)
			return error;
	}
}

ssize_t og_decode__gzip_read(og_decoder *d, unsigned char *out, size_t len)
{
	gz_state *g = d->codec;
#ifdef OG_HAVE_ISAL
	ssize_t n;
	size_t take;

	if (g->stage_pos == g->stage_len && len < GZ_DIRECT_MIN) {
		if (!g->stage && !(g->stage = malloc(GZ_STAGE_SIZE)))
			return og_error_oom(d->ctx);
		n = gz_produce(d, g, g->stage, GZ_STAGE_SIZE);
		if (n <= 0)
			return n;
		g->stage_pos = 0;
		g->stage_len = (size_t)n;
	}
	if (g->stage_pos < g->stage_len) {
		take = g->stage_len - g->stage_pos;
		if (take > len)
			take = len;
		memcpy(out, g->stage + g->stage_pos, take);
		g->stage_pos += take;
		return (ssize_t)take;
	}
#endif
	return gz_produce(d, g, out, len);
}
