/*
 * Decompression as a reader over a reader: gzip (ISA-L, zlib fallback),
 * zstd (streaming API), or none. The compression is sniffed from the first
 * bytes of the inner stream, never taken from the media type.
 */
#ifndef OG_OCI_DECODE_H
#define OG_OCI_DECODE_H

#include <stdint.h>
#include "io.h"

typedef enum {
	OG_COMP_NONE = 0, /* no known magic: treated as an uncompressed stream */
	OG_COMP_GZIP,     /* 1f 8b */
	OG_COMP_ZSTD      /* 28 b5 2f fd */
} og_compression_t;

const char *og_compression_name(og_compression_t c); /* "none","gzip","zstd" */

/* Compression named by magic bytes at the start of buf (len may be short). */
og_compression_t og_compression_sniff(const unsigned char *buf, size_t len);

typedef struct og_decode_stats {
	og_compression_t compression; /* sniffed */
	uint64_t in_bytes;        /* bytes read from the inner reader */
	uint64_t out_bytes;       /* bytes produced */
	unsigned int members;     /* gzip members / zstd frames completed */
	uint64_t trailing_bytes;  /* bytes after the last complete member/frame
	                           * that do not start another one */
} og_decode_stats;

/* Internal code: the inner reader failed (its message is on ctx). */
#define OG_ESTREAM (-20)

/*
 * A reader producing the decompressed bytes of inner (borrowed; must outlive
 * the decoder and is not closed by it).
 *
 * - Multi-member gzip and multi-frame zstd (and zstd skippable frames) are
 *   decoded in full.
 * - When bytes follow the end of the last member/frame and do not start a new
 *   one, reading stops producing output at that point (EOF), the rest of the
 *   inner stream is still read through to its end (so a caller hashing the
 *   inner stream sees every byte) and counted in trailing_bytes.
 * - A truncated or corrupt stream makes read return OG_EINVALID with a message
 *   naming `name` and what went wrong ("truncated gzip stream" ...).
 * - If the inner reader fails, read returns OG_ESTREAM.
 * - Memory is bounded: fixed input buffer of about 256 KiB, no growth.
 */
int og_decoder_new(og_reader **out, og_ctx *ctx, og_reader *inner,
	const char *name);

/* Counters so far (complete after read returned 0). */
void og_decoder_stats(const og_reader *decoder, og_decode_stats *out);

#endif
