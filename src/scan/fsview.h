/*
 * The final filesystem of an image: a visitor records each layer's entries
 * (paths, types, link targets; whiteouts and opaque directories), and the
 * layers, applied in order, make the filesystem a container would see. It
 * answers "does this absolute path exist" (symlinks followed, never out of
 * the root) and hands out the content of a few small files the checks read
 * (/etc/passwd).
 *
 * Memory: one record per entry of every layer (its path and link target),
 * so the visitor is only run when a check needs it.
 */
#ifndef OG_SCAN_FSVIEW_H
#define OG_SCAN_FSVIEW_H

#include <stddef.h>
#include "oci/visitor.h"

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
 * followed (at most 40), 0 otherwise. */
int og_fsview_exists(const og_fsview *fs, const char *path);

/* The content of a small regular file the visitor kept (etc/passwd), after
 * symlinks; NULL if absent or not kept. Borrowed from fs. */
const char *og_fsview_file(const og_fsview *fs, const char *path, size_t *len);

#endif
