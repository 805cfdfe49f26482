/*
 * Image efficiency (as dive measures it): the bytes of regular files shipped
 * in the layers that the final filesystem does not show, because a later
 * layer overwrote or deleted them (a whiteout, an opaque directory, a parent
 * replaced), or the same layer wrote the path again.
 */
#ifndef OG_SCAN_EFFICIENCY_H
#define OG_SCAN_EFFICIENCY_H

#include <stddef.h>
#include <stdint.h>
#include "fsview.h"

typedef struct og_waste {
	char *path;      /* normalized, no leading '/' (owned) */
	uint64_t bytes;  /* wasted bytes at this path, summed over the layers */
	size_t layer;    /* the lowest layer whose copy is wasted */
	size_t by;       /* the layer that hid that copy (og_fsview_hidden_by;
	                  * `layer` itself when the same layer wrote it again) */
} og_waste;

typedef struct og_efficiency {
	uint64_t total_bytes;  /* regular file bytes in all layers */
	uint64_t wasted_bytes;
	double score;          /* 1 - wasted/total (1.0 when total is 0) */
	og_waste *top;         /* the largest wasted paths, bytes descending
	                        * (then path ascending) */
	size_t top_count;
} og_efficiency;

/*
 * Compute the efficiency of layers[0..count) (NULL entries: layers not
 * walked, left out), with at most top_n entries in out->top. *out is
 * initialised here; the caller disposes it, also after a failure.
 * 0 or OG_ENOMEM.
 */
int og_efficiency_compute(og_efficiency *out, og_fs_layer *const *layers, size_t count,
	size_t top_n);
void og_efficiency_dispose(og_efficiency *e);

#endif
