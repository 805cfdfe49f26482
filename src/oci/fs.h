/*
 * A read-only tree of files: an OCI layout directory, or the entries of a tar
 * archive (read in place with positioned reads). Sources are built on it.
 * All functions are safe to call from several threads at once once opened.
 */
#ifndef OG_OCI_FS_H
#define OG_OCI_FS_H

#include <stdint.h>
#include "io.h"

typedef struct og_fs og_fs;

struct og_fs {
	/* Size of the regular file at path (relative, "/"-separated, no
	 * leading "./"). 0, or OG_ENOTFOUND (no message set). Symlinks inside
	 * the tree are followed. */
	int (*stat)(og_fs *fs, const char *path, uint64_t *size);
	/* Open the regular file at path for reading. OG_ENOTFOUND if absent
	 * (message set on ctx). */
	int (*open)(og_reader **out, uint64_t *size, og_fs *fs, og_ctx *ctx,
		const char *path);
	void (*free)(og_fs *fs);
	/* Human name of the tree, for messages: the path given by the user. */
	const char *name;
};

static inline void og_fs_free(og_fs *fs)
{
	if (fs)
		fs->free(fs);
}

/* Open a directory. OG_ENOTFOUND if missing, OG_EINVALID if not a dir. */
int og_fs_open_dir(og_fs **out, og_ctx *ctx, const char *path);

/*
 * Open a tar archive (plain, or gzip-compressed: then it is inflated once
 * into an unlinked temporary file). The entries are indexed once; reads are
 * pread()s into the file. OG_ENOTFOUND if missing, OG_EINVALID if it is not
 * a tar (or truncated before any entry).
 */
int og_fs_open_tar(og_fs **out, og_ctx *ctx, const char *path);

/* Sniff a file: 1 if a directory, 2 if a regular file, OG_ENOTFOUND. */
int og_fs_kind(const char *path);

#endif
