/*
 * zstd backend of the decoder: ZSTD_decompressStream over the fixed input
 * buffer. Frame boundaries are handled here: a data frame is handed to zstd,
 * a skippable frame is skipped here (so a frame end is always visible as a
 * 0 return), anything else after a frame is trailing data.
 */
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "decode_internal.h"

#define ZSTD_MAGIC 0xFD2FB528u
#define ZSTD_SKIPPABLE_MASK 0xFFFFFFF0u
#define ZSTD_SKIPPABLE_MAGIC 0x184D2A50u

typedef struct {
	ZSTD_DCtx *dctx;
	uint64_t skip_left; /* payload bytes of a skippable frame still to skip */
} zs_state;

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

int og_decode__zstd_init(og_decoder *d)
{
	zs_state *z = calloc(1, sizeof(*z));

	if (!z)
		return og_error_oom(d->ctx);
	z->dctx = ZSTD_createDCtx();
	if (!z->dctx) {
		free(z);
		return og_error_oom(d->ctx);
	}
	d->codec = z;
	return 0;
}

void og_decode__zstd_free(og_decoder *d)
{
	zs_state *z;

	if (d->stats.compression != OG_COMP_ZSTD || !d->codec)
		return;
	z = d->codec;
	ZSTD_freeDCtx(z->dctx);
	free(z);
	d->codec = NULL;
}

static int truncated(og_decoder *d)
{
	return og_error_set(d->ctx, OG_EINVALID, "%s: truncated zstd stream",
		d->name);
}

/* Skip buffered payload of a skippable frame; 1 if more is needed. */
static int skip_some(og_decoder *d, zs_state *z)
{
	size_t avail = d->in_len - d->in_pos;
	size_t take = avail;

	if ((uint64_t)take > z->skip_left)
		take = (size_t)z->skip_left;
	d->in_pos += take;
	z->skip_left -= take;
	return z->skip_left > 0;
}

/* At a frame boundary: start the next frame, skip a skippable one, or treat
 * the rest as trailing data. Returns 0, 1 when the stream is finished, or
 * a negative code. */
static int next_frame(og_decoder *d, zs_state *z)
{
	uint32_t magic;
	int error;

	if ((error = og_decode__fill(d, 4)) < 0)
		return error;
	if (d->in_pos == d->in_len) {
		d->done = 1;
		return 1;
	}
	if (d->in_len - d->in_pos < 4)
		goto trailing;
	magic = le32(d->in + d->in_pos);
	if (magic == ZSTD_MAGIC) {
		d->at_boundary = 0;
		return 0;
	}
	if ((magic & ZSTD_SKIPPABLE_MASK) == ZSTD_SKIPPABLE_MAGIC) {
		if ((error = og_decode__fill(d, 8)) < 0)
			return error;
		if (d->in_len - d->in_pos < 8)
			return truncated(d);
		z->skip_left = le32(d->in + d->in_pos + 4);
		d->in_pos += 8;
		return 0; /* still at a boundary once the payload is skipped */
	}

trailing:
	error = og_decode__drain(d);
	return error < 0 ? error : 1;
}

ssize_t og_decode__zstd_read(og_decoder *d, unsigned char *out, size_t len)
{
	zs_state *z = d->codec;
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob;
	size_t ret, before;
	int error;

	for (;;) {
		if (d->done)
			return 0;

		if (z->skip_left > 0) {
			if (!skip_some(d, z))
				continue;
			if (d->inner_eof)
				return truncated(d);
			if ((error = og_decode__fill(d, OG_DECODE_REFILL)) < 0)
				return error;
			continue;
		}

		if (d->at_boundary) {
			error = next_frame(d, z);
			if (error < 0)
				return error;
			if (error > 0)
				return 0;
			continue;
		}

		if (d->in_pos == d->in_len && !d->inner_eof &&
		    (error = og_decode__fill(d, OG_DECODE_REFILL)) < 0)
			return error;

		before = d->in_pos;
		ib.src = d->in;
		ib.size = d->in_len;
		ib.pos = d->in_pos;
		ob.dst = out;
		ob.size = len;
		ob.pos = 0;
		ret = ZSTD_decompressStream(z->dctx, &ob, &ib);
		if (ZSTD_isError(ret))
			return og_error_set(d->ctx, OG_EINVALID,
				"%s: corrupt zstd stream (%s)", d->name,
				ZSTD_getErrorName(ret));
		d->in_pos = ib.pos;
		if (ret == 0) {
			/* The frame is decoded and flushed. */
			d->stats.members++;
			d->at_boundary = 1;
		}
		if (ob.pos > 0)
			return (ssize_t)ob.pos;
		if (ret == 0 || d->in_pos != before)
			continue;

		/* Nothing moved: the frame needs more input. */
		error = og_decode__need_more(d);
		if (error == OG_EINVALID)
			return truncated(d);
		if (error == OG_ERROR)
			return og_error_set(d->ctx, error,
				"%s: zstd decoder made no progress", d->name);
		if (error < 0)
			return error;
	}
}
