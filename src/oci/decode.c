/*
 * The decoder reader: sniffs the compression from the first bytes of the
 * inner stream and hands reads to the gzip or zstd backend, or passes them
 * straight through.
 */
#include <stdlib.h>
#include <string.h>
#include "decode_internal.h"

const char *og_compression_name(og_compression_t c)
{
	switch (c) {
	case OG_COMP_GZIP:
		return "gzip";
	case OG_COMP_ZSTD:
		return "zstd";
	case OG_COMP_NONE:
	default:
		return "none";
	}
}

og_compression_t og_compression_sniff(const unsigned char *buf, size_t len)
{
	if (!buf)
		return OG_COMP_NONE;
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b)
		return OG_COMP_GZIP;
	if (len >= 4 && buf[0] == 0x28 && buf[1] == 0xb5 && buf[2] == 0x2f &&
	    buf[3] == 0xfd)
		return OG_COMP_ZSTD;
	return OG_COMP_NONE;
}

/* Borrow inner's next block as the input. Returns 0 or OG_ESTREAM. */
static int take_block(og_decoder *d)
{
	const void *blk;
	ssize_t n = d->inner->read_block(d->inner, &blk);

	if (n < 0)
		return OG_ESTREAM;
	if (n == 0) {
		d->inner_eof = 1;
		return 0;
	}
	d->stats.in_bytes += (uint64_t)n;
	d->pend = blk;
	d->pend_len = (size_t)n;
	return 0;
}

/* Make `own` hold the unconsumed input from its start. */
static void gather(og_decoder *d)
{
	size_t avail = d->in_len - d->in_pos;

	/* Callers ask for more only when (nearly) everything was consumed,
	 * so the move is tiny; it frees the whole buffer. */
	if (d->in != d->own || d->in_pos > 0)
		memmove(d->own, d->in + d->in_pos, avail);
	d->in = d->own;
	d->in_pos = 0;
	d->in_len = avail;
}

int og_decode__fill(og_decoder *d, size_t need)
{
	size_t k;
	ssize_t n;

	while (d->in_len - d->in_pos < need) {
		if (d->inner->read_block) {
			if (d->pend_len == 0) {
				if (d->inner_eof)
					break;
				/* The block in use is valid until the next one is
				 * taken: keep what is left of it first. */
				if (d->in_pos < d->in_len)
					gather(d);
				if (take_block(d) < 0)
					return OG_ESTREAM;
				continue;
			}
			if (d->in_pos == d->in_len) {
				/* A fresh block, decoded in place. */
				d->in = d->pend;
				d->in_pos = 0;
				d->in_len = d->pend_len;
				d->pend_len = 0;
				continue;
			}
			gather(d);
			k = OG_DECODE_INBUF - d->in_len;
			if (k == 0)
				break;
			if (k > d->pend_len)
				k = d->pend_len;
			memcpy(d->own + d->in_len, d->pend, k);
			d->in_len += k;
			d->pend += k;
			d->pend_len -= k;
			continue;
		}
		if (d->inner_eof)
			break;
		gather(d);
		n = og_reader_read(d->inner, d->own + d->in_len,
			OG_DECODE_INBUF - d->in_len);
		if (n < 0)
			return OG_ESTREAM;
		if (n == 0)
			d->inner_eof = 1;
		d->in_len += (size_t)n;
		d->stats.in_bytes += (uint64_t)n;
	}
	return 0;
}

int og_decode__need_more(og_decoder *d)
{
	size_t avail = d->in_len - d->in_pos;
	int error;

	if (d->inner_eof && d->pend_len == 0)
		return OG_EINVALID;
	if (avail >= OG_DECODE_INBUF)
		return OG_ERROR;
	if ((error = og_decode__fill(d, avail + 1)) < 0)
		return error;
	return d->in_len - d->in_pos > avail ? 0 : OG_EINVALID;
}

int og_decode__drain(og_decoder *d)
{
	const void *blk;
	ssize_t n;

	d->stats.trailing_bytes += d->in_len - d->in_pos + d->pend_len;
	d->in_pos = d->in_len = d->pend_len = 0;
	while (!d->inner_eof) {
		if (d->inner->read_block)
			n = d->inner->read_block(d->inner, &blk);
		else
			n = og_reader_read(d->inner, d->own, OG_DECODE_INBUF);
		if (n < 0)
			return OG_ESTREAM;
		if (n == 0)
			d->inner_eof = 1;
		d->stats.in_bytes += (uint64_t)n;
		d->stats.trailing_bytes += (uint64_t)n;
	}
	d->done = 1;
	return 0;
}

/* Uncompressed: hand out what sniffing buffered, then read inner directly
 * into the caller's buffer. */
static ssize_t none_read(og_decoder *d, unsigned char *out, size_t len)
{
	size_t avail = d->in_len - d->in_pos;
	ssize_t n;

	if (avail == 0 && d->inner->read_block) {
		if (og_decode__fill(d, 1) < 0)
			return OG_ESTREAM;
		avail = d->in_len - d->in_pos;
	}
	if (avail > 0) {
		if (avail > len)
			avail = len;
		memcpy(out, d->in + d->in_pos, avail);
		d->in_pos += avail;
		return (ssize_t)avail;
	}
	if (d->inner_eof || d->inner->read_block)
		return 0;
	n = og_reader_read(d->inner, out, len);
	if (n < 0)
		return OG_ESTREAM;
	if (n == 0)
		d->inner_eof = 1;
	d->stats.in_bytes += (uint64_t)n;
	return n;
}

static int sniff(og_decoder *d)
{
	int error;

	/* A stream shorter than the longest magic is passed through. */
	if ((error = og_decode__fill(d, 4)) < 0)
		return error;
	if (d->in_len - d->in_pos >= 4)
		d->stats.compression = og_compression_sniff(d->in + d->in_pos,
			d->in_len - d->in_pos);
	else
		d->stats.compression = OG_COMP_NONE;

	switch (d->stats.compression) {
	case OG_COMP_GZIP:
		error = og_decode__gzip_init(d);
		break;
	case OG_COMP_ZSTD:
		error = og_decode__zstd_init(d);
		break;
	case OG_COMP_NONE:
	default:
		error = 0;
		break;
	}
	if (error == 0)
		d->sniffed = 1;
	return error;
}

static ssize_t decoder_read(og_reader *r, void *buf, size_t len)
{
	og_decoder *d = (og_decoder *)r;
	ssize_t n;
	int error;

	if (d->error)
		return d->error;
	/* d->done is left to the backends: one may still hold output. */
	if (len == 0)
		return 0;
	if (len > OG_DECODE_MAX_OUT)
		len = OG_DECODE_MAX_OUT;

	if (!d->sniffed && (error = sniff(d)) < 0) {
		d->error = error;
		return error;
	}

	switch (d->stats.compression) {
	case OG_COMP_GZIP:
		n = og_decode__gzip_read(d, buf, len);
		break;
	case OG_COMP_ZSTD:
		n = og_decode__zstd_read(d, buf, len);
		break;
	case OG_COMP_NONE:
	default:
		n = none_read(d, buf, len);
		break;
	}

	if (n < 0)
		d->error = (int)n;
	else if (n == 0)
		d->done = 1;
	else
		d->stats.out_bytes += (uint64_t)n;
	return n;
}

static void decoder_close(og_reader *r)
{
	og_decoder *d = (og_decoder *)r;

	if (!d)
		return;
	og_decode__gzip_free(d);
	og_decode__zstd_free(d);
	free(d->own);
	free(d->name);
	free(d);
}

int og_decoder_new(og_reader **out, og_ctx *ctx, og_reader *inner,
	const char *name)
{
	og_decoder *d = NULL;
	int error = 0;

	OG_ASSERT_ARG(ctx, out != NULL && inner != NULL);
	*out = NULL;
	if (!name)
		name = "(stream)";

	d = calloc(1, sizeof(*d));
	if (!d) {
		error = og_error_oom(ctx);
		goto done;
	}
	d->base.read = decoder_read;
	d->base.close = decoder_close;
	d->ctx = ctx;
	d->inner = inner;
	d->at_boundary = 1;
	d->stats.compression = OG_COMP_NONE;
	d->name = og__strdup(name);
	d->in = d->own = malloc(OG_DECODE_INBUF);
	if (!d->name || !d->own) {
		error = og_error_oom(ctx);
		goto done;
	}

	*out = &d->base;
	d = NULL;

done:
	if (d)
		decoder_close(&d->base);
	return error;
}

void og_decoder_stats(const og_reader *decoder, og_decode_stats *out)
{
	const og_decoder *d = (const og_decoder *)decoder;

	if (!out)
		return;
	if (!d) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = d->stats;
}
