/*
 * The tar walk of a layer (libarchive): every entry handed to a callback,
 * pax and GNU long names resolved by libarchive.
 */
#ifndef OG_OCI_TAR_H
#define OG_OCI_TAR_H

#include <stdint.h>
#include "io.h"

typedef enum {
	OG_ENTRY_FILE = 0,
	OG_ENTRY_DIR,
	OG_ENTRY_SYMLINK,
	OG_ENTRY_HARDLINK,
	OG_ENTRY_CHAR,
	OG_ENTRY_BLOCK,
	OG_ENTRY_FIFO,
	OG_ENTRY_OTHER
} og_entry_type_t;

typedef struct og_entry {
	const char *path;   /* as stored (may start with "./" or "/") */
	const char *link;   /* symlink target or hardlink target, else NULL */
	og_entry_type_t type;
	unsigned int mode;  /* permission bits incl. setuid/setgid/sticky (07777) */
	int64_t uid, gid;
	const char *uname, *gname; /* may be NULL */
	uint64_t size;      /* data bytes of a regular file */
	int sparse;         /* a sparse file: size is its logical size and the
	                     * stream holds only its data chunks */
	uint64_t index;     /* 0-based position in the layer */
} og_entry;

/* Return 0 to go on, a negative code to stop the walk (returned as is), or
 * (with og_tar_walk_data, for a regular file) 1 to get the entry's data. */
typedef int (*og_entry_cb)(const og_entry *entry, void *payload);

/* A block of the current entry's data, in order. 0, or negative to stop. */
typedef int (*og_data_cb)(const void *data, size_t len, void *payload);

/* Internal code: the stream is not a readable tar (message on ctx). */
#define OG_ETAR (-21)

/*
 * Walk the tar in r until its end marker (or the end of the stream). Entry
 * data is read through (skipped) by the walk, so every byte passes through r.
 * Bytes after the end marker are NOT read: the caller drains r.
 *
 * Returns 0, OG_ETAR (not a tar, corrupt header, truncated entry), the
 * reader's negative code when r failed (propagated, message left as set by
 * the reader), OG_ELIMIT (more than ctx limits.max_entries entries or a path
 * longer than limits.max_path), or the callback's code.
 * *entries gets the number of entries seen.
 * An empty stream (0 bytes) is a valid empty layer: 0 entries, returns 0.
 */
int og_tar_walk(uint64_t *entries, og_ctx *ctx, og_reader *r,
	og_entry_cb cb, void *payload, const char *name);

/* The same, and when cb returns 1 for a regular file its data is handed to
 * data_cb in blocks before the walk goes on. */
int og_tar_walk_data(uint64_t *entries, og_ctx *ctx, og_reader *r,
	og_entry_cb cb, og_data_cb data_cb, void *payload, const char *name);

#endif
