/*
 * Image sources, in skopeo's transport syntax: oci:DIR[:REF],
 * oci-archive:PATH[:REF], docker-archive:PATH[:REF], docker://HOST/REPO[:TAG|@DIGEST]
 * (a registry; also HOST/REPO[:TAG] without the prefix when no such file
 * exists), or a bare path that is sniffed. A source resolves REF to one root descriptor (a manifest or an
 * index) and hands out blobs by digest. Safe to read blobs from several
 * threads at once after open.
 */
#ifndef OG_OCI_SOURCE_H
#define OG_OCI_SOURCE_H

#include <stdint.h>
#include "fs.h"
#include "model.h"
#include "registry.h"

typedef enum {
	OG_SOURCE_OCI_DIR = 0,
	OG_SOURCE_OCI_ARCHIVE,
	OG_SOURCE_DOCKER_ARCHIVE,
	OG_SOURCE_REGISTRY
} og_source_kind_t;

typedef struct og_blob_path og_blob_path;

typedef struct og_source {
	og_source_kind_t kind;
	char *ref;                /* what the user named */
	char *path;               /* the file or directory */
	char *name;               /* the REF part, or NULL */
	og_fs *fs;
	int has_root;             /* 0 when the layout itself is invalid */
	og_descriptor root;       /* the selected top-level manifest or index */
	unsigned char *root_bytes; /* set when the root is not a stored blob */
	int synthesized;          /* docker-archive: the manifest is ours, its
	                           * layer media types say nothing of the bytes */
	size_t root_len;
	og_blob_path *paths;      /* docker-archive: digest -> file */
	size_t path_count;
	og_registry *reg;         /* registry: the client */
	og_image_ref iref;        /* registry: host, repo, tag or digest */
} og_source;

/*
 * Open the source named by ref. Layout problems that still let us say the
 * input is an image (a broken index.json...) are findings, and has_root is
 * 0. Returns 0; OG_ENOTFOUND (no such file, no such REF), OG_EINVALID (not
 * an image, unsupported transport), OG_EAMBIGUOUS (several images, no REF:
 * the message lists them).
 */
int og_source_open(og_source **out, og_ctx *ctx, const char *ref,
	og_findings *findings);
/* The same, reaching registries with the given transport options (NULL:
 * the defaults). A registry failure is OG_ENETWORK / OG_EAUTH / OG_ENOTFOUND
 * with a registry.* id on the ctx; a manifest whose bytes do not match is a
 * blob.digest_mismatch finding (has_root 0). */
int og_source_open_opts(og_source **out, og_ctx *ctx, const char *ref,
	og_findings *findings, const og_transport_options *transport);
void og_source_free(og_source *src);

/* Open a blob by digest. OG_ENOTFOUND (message set) when it is absent. */
int og_source_open_blob(og_reader **out, uint64_t *size, og_source *src,
	og_ctx *ctx, const char *digest);

/* Human name of the transport: "oci", "oci-archive", "docker-archive",
 * "docker". */
const char *og_source_kind_name(og_source_kind_t kind);

/*
 * Fetch a small blob (manifest, index, config) whole, verifying its size and
 * digest against d. Problems are findings (missing_id when absent, usually
 * blob.missing; blob.size_mismatch; blob.digest_mismatch; digest.invalid;
 * manifest.schema when over cap). *out is NULL unless the bytes verified.
 * Returns 0, or a negative code on internal failure only.
 */
int og_source_fetch(unsigned char **out, size_t *out_len, og_source *src,
	og_ctx *ctx, const og_descriptor *d, size_t cap, og_findings *findings,
	const char *missing_id, const char *what);

#endif
