/*
 * Shared state of the decoder reader (decode.c) and its backends
 * (decode_gzip.c, decode_zstd.c). Not part of the module interface.
 */
#ifndef OG_OCI_DECODE_INTERNAL_H
#define OG_OCI_DECODE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "decode.h"

/* The fixed input buffer: large enough that codec calls amortise well. */
#define OG_DECODE_INBUF ((size_t)256 * 1024)

/* When the input buffer runs dry it is refilled to at least this much (or
 * to the end of the stream), however little each inner read returns, so
 * every codec call has a good amount of input: ISA-L's per-call cost (it
 * saves 32 KiB of history) would otherwise dominate with a trickling inner
 * reader. */
#define OG_DECODE_REFILL ((size_t)64 * 1024)

/* One read never produces more than this, so counts fit ssize_t and the
 * 32-bit avail_* fields of zlib and ISA-L. */
#define OG_DECODE_MAX_OUT ((size_t)1 << 30)

typedef struct og_decoder og_decoder;

struct og_decoder {
	og_reader base;        /* first: the decoder is an og_reader */
	og_ctx *ctx;
	og_reader *inner;      /* borrowed */
	char *name;
	og_decode_stats stats;

	/* The input: `own` (OG_DECODE_INBUF bytes), or, when inner offers
	 * read_block, the block it lent last, decoded in place. Bytes that
	 * must be contiguous across two blocks (a header) are gathered in
	 * `own`; the rest of that block waits in pend. */
	const unsigned char *in;
	size_t in_pos;         /* next unconsumed byte */
	size_t in_len;         /* bytes valid in `in` */
	unsigned char *own;
	const unsigned char *pend;
	size_t pend_len;
	int inner_eof;         /* inner returned 0 */

	int sniffed;           /* compression chosen, codec set up */
	int at_boundary;       /* before a member/frame (or at the start) */
	int done;              /* read returns 0 from now on */
	int error;             /* sticky failure code */

	void *codec;           /* backend state */
};

/*
 * Make sure at least `need` (<= OG_DECODE_INBUF) unconsumed bytes are
 * buffered, unless the inner stream ends first. Returns 0, or OG_ESTREAM if
 * inner failed.
 */
int og_decode__fill(og_decoder *d, size_t need);

/*
 * The codec took no input and gave no output: buffer at least one more
 * byte. Returns 0 when more was buffered, OG_ESTREAM if inner failed,
 * OG_EINVALID when the stream has ended (it is truncated), OG_ERROR when
 * the buffer is full and the codec still does not move. No message is set
 * except by inner.
 */
int og_decode__need_more(og_decoder *d);

/*
 * The bytes from in_pos on are trailing data: count them and the rest of the
 * inner stream in trailing_bytes, and mark the decoder done.
 * Returns 0 or OG_ESTREAM.
 */
int og_decode__drain(og_decoder *d);

/* gzip backend (ISA-L, or zlib without it). */
int og_decode__gzip_init(og_decoder *d);
ssize_t og_decode__gzip_read(og_decoder *d, unsigned char *out, size_t len);
void og_decode__gzip_free(og_decoder *d);

/* zstd backend. */
int og_decode__zstd_init(og_decoder *d);
ssize_t og_decode__zstd_read(og_decoder *d, unsigned char *out, size_t len);
void og_decode__zstd_free(og_decoder *d);

#endif
