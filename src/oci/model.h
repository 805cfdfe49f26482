/*
 * The OCI model: media types, descriptors, manifests, indexes, configs, and
 * the image-spec conformance checks made while parsing them. Parsing never
 * fails on a schema problem: it adds a finding and keeps what it could read.
 */
#ifndef OG_OCI_MODEL_H
#define OG_OCI_MODEL_H

#include <stdint.h>
#include <jansson.h>
#include "digest.h"
#include "finding.h"
#include "decode.h"

#define OG_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define OG_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OG_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define OG_MT_OCI_LAYOUT_HEADER "application/vnd.oci.layout.header.v1+json"
#define OG_MT_OCI_EMPTY "application/vnd.oci.empty.v1+json"
#define OG_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define OG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define OG_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define OG_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define OG_MT_DOCKER_LAYER_TAR "application/vnd.docker.image.rootfs.diff.tar"
#define OG_MT_DOCKER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define OG_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define OG_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define OG_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define OG_MT_INTOTO "application/vnd.in-toto+json"

typedef enum {
	OG_KIND_UNKNOWN = 0,
	OG_KIND_INDEX,     /* OCI index or Docker manifest list */
	OG_KIND_MANIFEST,  /* OCI or Docker v2 image manifest */
	OG_KIND_CONFIG,    /* image config */
	OG_KIND_LAYER,     /* a tar layer (compression per media type) */
	OG_KIND_OTHER      /* a known non-image blob (attestation, empty...) */
} og_kind_t;

typedef struct og_media_type {
	og_kind_t kind;
	og_compression_t compression; /* layers: the declared compression */
	int nondistributable;
	int docker;                   /* a Docker (not OCI) type */
} og_media_type;

/* Look up a media type. Returns 0, or OG_ENOTFOUND for an unknown type
 * (then *out is OG_KIND_UNKNOWN). */
int og_media_type_lookup(og_media_type *out, const char *media_type);

typedef struct og_platform {
	char *os, *architecture, *variant, *os_version;
} og_platform;

/* "os/arch[/variant]" into buf. */
void og_platform_format(char *buf, size_t len, const og_platform *p);
/* Parse "os/arch[/variant]". 0 or OG_EINVALID. Strings owned by *out. */
int og_platform_parse(og_platform *out, const char *s);
void og_platform_dispose(og_platform *p);
/* 1 if want (os/arch[/variant]) matches have; a missing variant in want
 * matches any variant. */
int og_platform_match(const og_platform *want, const og_platform *have);

typedef struct og_descriptor {
	char *media_type;        /* NULL if absent or not a string */
	char *digest;            /* NULL if absent or not a string */
	int64_t size;            /* -1 if absent or invalid */
	og_digest_alg_t alg;
	int digest_ok;           /* digest well-formed */
	int verifiable;          /* digest_ok and an algorithm we can hash */
	size_t url_count;
	og_platform *platform;   /* NULL if absent */
	json_t *annotations;     /* NULL or an object (own reference) */
} og_descriptor;

void og_descriptor_dispose(og_descriptor *d);
/* A string annotation of d, or NULL. Borrowed. */
const char *og_descriptor_annotation(const og_descriptor *d, const char *key);
/* 1 if d names an attestation manifest (buildkit: platform unknown/unknown,
 * or annotation vnd.docker.reference.type = attestation-manifest). */
int og_descriptor_is_attestation(const og_descriptor *d);
/* Deep copy. 0 or OG_ENOMEM. */
int og_descriptor_copy(og_descriptor *out, const og_descriptor *d);

/*
 * Where findings of a document go, and how they are named: `doc` names the
 * document in messages and is the findings' subject (a digest, "index.json").
 */
typedef struct og_where {
	og_findings *findings;
	const char *doc;
} og_where;

/* Read a JSON document (capped by the caller). On a syntax error adds
 * `bad_id` (manifest.schema, layout.invalid) and returns NULL. */
json_t *og_json_parse(const og_where *w, const unsigned char *data, size_t len,
	const char *bad_id);

/* Parse a descriptor at JSON pointer `ptr` of the document, checking its
 * schema (mediaType, digest, size, urls, annotations, platform when
 * allow_platform). Adds findings; returns 0 or OG_ENOMEM. */
int og_descriptor_parse(og_descriptor *out, const og_where *w, json_t *j,
	const char *ptr, int allow_platform);

typedef struct og_index {
	char *media_type;        /* the document's own mediaType field */
	og_descriptor *manifests;
	size_t count;
	int usable;              /* manifests could be read */
} og_index;

typedef struct og_manifest {
	char *media_type;        /* the document's own mediaType field */
	char *artifact_type;
	og_descriptor config;
	og_descriptor *layers;
	size_t layer_count;
	json_t *annotations;
	int usable;              /* config and layers could be read */
} og_manifest;

typedef struct og_config {
	char *architecture, *os, *variant;
	char **diff_ids;
	size_t diff_id_count;
	int rootfs_ok;
	json_t *root;            /* the whole document (own reference) */
} og_config;

int og_index_parse(og_index *out, const og_where *w, json_t *j);
void og_index_dispose(og_index *ix);
int og_manifest_parse(og_manifest *out, const og_where *w, json_t *j);
void og_manifest_dispose(og_manifest *m);
int og_config_parse(og_config *out, const og_where *w, json_t *j);
void og_config_dispose(og_config *c);
/* oci-layout: {"imageLayoutVersion": "1.0.0"}; findings layout.invalid. */
int og_layout_check(const og_where *w, json_t *j);

/* Sniff a document's kind from its fields ("manifests" -> index,
 * "layers"/"config" -> manifest). */
og_kind_t og_json_sniff_kind(json_t *j);

#endif
