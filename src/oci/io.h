/* Streams: the reader vtable every blob comes through. */
#ifndef OG_OCI_IO_H
#define OG_OCI_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "ctx.h"

typedef struct og_reader og_reader;

struct og_reader {
	/* Read up to len bytes. Returns the count (> 0), 0 at end of stream,
	 * or a negative OG_E* code (the message is set on the reader's ctx). */
	ssize_t (*read)(og_reader *r, void *buf, size_t len);
	/* Release the reader. */
	void (*close)(og_reader *r);
	/* Optional (NULL if not offered): borrow the next block of the stream
	 * without copying it. Returns its length (> 0), 0 at end of stream, or
	 * a negative OG_E* code; *out stays valid until the next call or close.
	 * A reader offering it must not be mixed with read() calls. */
	ssize_t (*read_block)(og_reader *r, const void **out);
	/* Set when read_block's blocks stay readable until close, not only
	 * until the next call (a mapped file): a consumer may then hold
	 * several at once without copying them. */
	int blocks_stable;
};

static inline ssize_t og_reader_read(og_reader *r, void *buf, size_t len)
{
	return r->read(r, buf, len);
}

static inline void og_reader_close(og_reader *r)
{
	if (r)
		r->close(r);
}

/* A reader over a window [off, off+len) of an open fd, using pread, so many
 * readers can share one fd from several threads. The fd is not closed.
 * A window of a regular file of at least OG_IO_MAP_MIN bytes is also mapped:
 * read_block then lends blocks of the mapping (stable, no copy), and pages
 * behind the reading position are given back as it moves on, so the mapping
 * adds a few MiB to the resident set whatever the window's size. The file
 * must not shrink under the reader (a mapped page past its end would fault). */
#define OG_IO_MAP_MIN ((uint64_t)1 << 20)

int og_reader_new_fd_range(og_reader **out, og_ctx *ctx, int fd,
	uint64_t off, uint64_t len, const char *name);

/* A reader over memory (not copied; must outlive the reader). */
int og_reader_new_mem(og_reader **out, const void *data, size_t len);

/* Read a whole stream of at most `cap` bytes into a new buffer (NUL-terminated,
 * the NUL not counted). OG_ELIMIT if the stream is longer than cap. */
int og_reader_read_all(unsigned char **out, size_t *out_len, og_ctx *ctx,
	og_reader *r, size_t cap, const char *name);

#endif
