/*
 * The final filesystem of an image: a visitor records each layer's entries
 * (paths, types, link targets; whiteouts and opaque directories), and the
 * layers, applied in order, make the filesystem a container would see. It
 * answers "does this absolute path exist" (symlinks followed, never out of
 * the root) and hands out the content of a few small files the checks read
 * (/etc/passwd, os-release and the dpkg/apk package databases).
 *
 * Memory: one record per entry of every layer (its path, link target and
 * size), so the visitor is only run when a check needs it. Kept contents:
 * etc/passwd up to 1 MiB; etc/os-release, usr/lib/os-release,
 * var/lib/dpkg/status, var/lib/dpkg/status.d/<file> and
 * lib/apk/db/installed up to OG_FSVIEW_KEEP_MAX each, in every layer that
 * writes them (each layer keeps its own copy). A bigger one is recorded as
 * too large, without content. Files next to them whose names start with
 * theirs (status.real; but not the backup status-old) are kept too, so that
 * a symlink to one of them inside the root can be followed; a symlink to
 * anywhere else finds the file but no content.
 */
#ifndef OG_SCAN_FSVIEW_H
#define OG_SCAN_FSVIEW_H

#include <stddef.h>
#include <stdint.h>
#include "oci/visitor.h"

/* The cap on a kept package or os-release file. */
#define OG_FSVIEW_KEEP_MAX ((uint64_t)64 << 20)

/* The visitor class; its payload is unused. Thread-safety: const class,
 * one state per layer and thread. */
extern const og_visitor_class og_scan_fsview;

typedef struct og_fs_layer og_fs_layer;
typedef struct og_fsview og_fsview;

/* Detach a layer's records from a visitor state (after end(), before
 * free()). The caller owns *out. 0 or OG_ENOMEM. */
int og_fsview_take(og_fs_layer **out, void *state);
void og_fs_layer_free(og_fs_layer *layer);

/* Apply layers in order (NULL entries: layers not walked, skipped). The
 * layers must outlive the fs (it borrows their records). */
int og_fsview_build(og_fsview **out, og_fs_layer *const *layers, size_t count);
void og_fsview_free(og_fsview *fs);

/* 1 if the absolute (or root-relative) path exists in the final fs, symlinks
 * followed (at most 40), 0 otherwise. A directory no entry made exists when
 * a path under it does. */
int og_fsview_exists(const og_fsview *fs, const char *path);

/* The content of a small regular file the visitor kept (etc/passwd), after
 * symlinks; NULL if absent or not kept. Borrowed from fs. */
const char *og_fsview_file(const og_fsview *fs, const char *path, size_t *len);

/* What a path resolves to in the final fs. Borrowed from fs. */
typedef struct og_fs_stat {
	const char *path;      /* the resolved path (normalized, no leading '/') */
	og_entry_type_t type;
	uint64_t size;         /* of a regular file */
	const char *data;      /* kept content, or NULL */
	size_t len;
	int too_large;         /* a kept file over its cap: no content */
} og_fs_stat;

/*
 * Resolve path in the final fs. With nofollow_out, a symlink (in any
 * component) whose target is absolute or climbs above the root when
 * resolved lexically from the link's directory is not followed: 0 with
 * *escaped = 1. Without it, resolution is chroot-like (clamped at "/").
 * 1 if the path exists (*st filled), 0 if not (or a loop, or out of memory).
 * escaped may be NULL.
 */
int og_fsview_stat(og_fs_stat *st, const og_fsview *fs, const char *path,
	int nofollow_out, int *escaped);

/* og_fsview_file, but a symlink that leaves the root is not followed (NULL,
 * *escaped = 1; *escaped = 0 otherwise). */
const char *og_fsview_file_nofollow_out(const og_fsview *fs, const char *path,
	size_t *len, int *escaped);

/*
 * Call cb with the name of each direct child of directory dir in the final
 * fs (dir's symlinks followed, chroot-like), sorted by name (strcmp). A
 * non-zero return of cb stops the listing and is returned. 0, cb's code, or
 * OG_ENOMEM.
 */
int og_fsview_list(const og_fsview *fs, const char *dir,
	int (*cb)(const char *name, void *p), void *p);

/*
 * After layer `layer` wrote path: *by = the index of the first later layer
 * that deletes it (a whiteout of it or a parent, an opaque directory above
 * it, a parent replaced by a non-directory) or overwrites it (a new entry
 * at the path; a directory over a directory does not count); SIZE_MAX if it
 * survives to the final fs. NULL layers are skipped. 0 or OG_ENOMEM.
 */
int og_fsview_hidden_by(size_t *by, og_fs_layer *const *layers, size_t count,
	size_t layer, const char *path);

/* The content this layer wrote at path (the last entry with that path, a
 * kept regular file), or NULL. Borrowed from the layer. */
const char *og_fs_layer_file(const og_fs_layer *l, const char *path, size_t *len);

/* Visit each regular file entry of layer l in order: its path, size and
 * whether that very entry is what the final fs shows at the path. A
 * non-zero return of cb stops and is returned. */
typedef int (*og_fs_file_cb)(const char *path, uint64_t size, int survives,
	void *payload);
int og_fsview_each_file(const og_fsview *fs, const og_fs_layer *l,
	og_fs_file_cb cb, void *payload);

#endif
