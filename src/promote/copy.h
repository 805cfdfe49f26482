/*
 * Copying an image by digest (`ocigate copy`): the plan (which manifests and
 * blobs the image is made of, and for each what DST needs: nothing, a mount,
 * a streamed copy) and the copy itself, to a registry, an OCI layout
 * directory or an oci-archive. Manifests go byte for byte, children before
 * parents, the tag last; DST is checked to hold the source digest at the end.
 */
#ifndef OG_PROMOTE_COPY_H
#define OG_PROMOTE_COPY_H

#include <stddef.h>
#include <stdint.h>
#include "oci/source.h"

typedef enum {
	OG_COPY_STREAM = 0,   /* read from SRC, write to DST, verified */
	OG_COPY_SKIP,         /* DST has it already */
	OG_COPY_MOUNT         /* cross-repository mount on the same registry */
} og_copy_action_t;

typedef struct og_copy_blob {
	char *digest;
	char *media_type;         /* or NULL */
	uint64_t size;
	og_copy_action_t action;
} og_copy_blob;

typedef struct og_copy_manifest {
	char *digest;
	char *media_type;
	unsigned char *bytes;     /* the exact bytes of SRC (capped JSON) */
	size_t len;
	int present;              /* DST has it already (by digest) */
} og_copy_manifest;

typedef struct og_copy_plan {
	char source_digest[OG_DIGEST_MAX]; /* SRC's top manifest or index */
	char digest[OG_DIGEST_MAX];        /* what DST will hold (differs from
	                                    * source_digest with a platform) */
	char *platform;           /* the platform chosen, or NULL */
	og_copy_blob *blobs;      /* each blob once, in first-use order */
	size_t blob_count;
	og_copy_manifest *manifests; /* children first; the top one is last */
	size_t manifest_count;
	char *tag;                /* DST tag, or NULL (by digest only) */
	int tag_present;          /* DST's tag already names digest */
} og_copy_plan;

/*
 * The plan of an open source: its root (or, with platform "os/arch[/variant]"
 * and an index at the root, the matching image) walked down to every blob.
 * Blob actions start as OG_COPY_STREAM. OG_EINVALID when a manifest or index
 * of SRC cannot be read or verified (message names it), OG_ENOTFOUND when no
 * image matches platform.
 */
int og_copy__plan_source(og_copy_plan *out, og_ctx *ctx, og_source *src,
	const char *platform);
void og_copy__plan_dispose(og_copy_plan *plan);

/* The plan as text (one line per blob, manifest and tag); *out to free(). */
int og_copy__plan_text(char **out, og_ctx *ctx, const og_copy_plan *plan,
	const char *src, const char *dst);

#endif
