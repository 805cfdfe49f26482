/*
 * Entry visitors: what src/scan/ plugs into the layer pipeline. A visitor
 * class makes one state per layer; the pipeline calls entry() for every tar
 * entry of that layer, in order, then end(). Layers may run on different
 * threads at once, each with its own state; a state is used by one thread.
 * Findings go to the list passed in (the layer's own), never to globals.
 */
#ifndef OG_OCI_VISITOR_H
#define OG_OCI_VISITOR_H

#include "finding.h"
#include "tar.h"

typedef struct og_layer_info {
	size_t index;          /* layer position in its manifest (0-based) */
	const char *digest;    /* the layer descriptor's digest */
} og_layer_info;

#define OG_VISIT_DATA 1

typedef struct og_visitor_class {
	const char *name;
	/* Make the per-layer state. payload is the class's payload. */
	int (*begin)(void **state, og_ctx *ctx, const og_layer_info *layer,
		void *payload);
	/* One entry. Add findings to out; return 0, negative to abort, or
	 * OG_VISIT_DATA for a regular file whose data the visitor wants. */
	int (*entry)(void *state, const og_entry *entry, og_findings *out);
	/* The layer's walk ended (also called after a failed walk). */
	int (*end)(void *state, og_findings *out);
	void (*free)(void *state);
	void *payload;
	/* Optional: the data of an entry it asked for, in blocks, in order;
	 * then the next entry() call. 0, or negative to abort. */
	int (*data)(void *state, const void *buf, size_t len, og_findings *out);
} og_visitor_class;

#endif
