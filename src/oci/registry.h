/*
 * The registry client (OCI distribution API v2) over libcurl: references,
 * manifests, blobs (streamed), uploads, mounts. Authentication (anonymous,
 * Basic, Bearer challenges), retries with backoff and jitter, TLS rules.
 * Failures are OG_ENETWORK / OG_EAUTH / OG_ENOTFOUND with the registry.*
 * finding id on the ctx (og_error_set_id).
 */
#ifndef OG_OCI_REGISTRY_H
#define OG_OCI_REGISTRY_H

#include <stdint.h>
#include "io.h"
#include "digest.h"
#include "ctx.h"

/* docker://HOST[:PORT]/REPO[:TAG|@DIGEST], or HOST/REPO:TAG without the
 * prefix (a first component with '.' or ':' or "localhost"); Docker Hub
 * short names (REPO:TAG) map to registry-1.docker.io/library/REPO. */
typedef struct og_image_ref {
	char *host;      /* "127.0.0.1:5000" (port kept) */
	char *repo;      /* "team/app" */
	char *tag;       /* or NULL */
	char *digest;    /* or NULL; when both are given the digest wins */
} og_image_ref;

/* 0, or OG_EINVALID naming the bad part. */
int og_image_ref_parse(og_image_ref *out, og_ctx *ctx, const char *ref);
void og_image_ref_dispose(og_image_ref *ref);
/* 1 if s looks like a registry reference (docker:// or HOST/REPO[:TAG]). */
int og_image_ref_is_registry(const char *s);

typedef struct og_registry og_registry;

/* A client for one registry host; safe to use from several threads at once
 * (each request borrows a curl multi handle, with its connection cache, from
 * a pool of idle ones; DNS and TLS sessions and tokens are shared under
 * locks). opts may be NULL (defaults; a 0 field takes its default, so
 * retries is never 0). The options and their strings are copied. Plain HTTP
 * is tried only for loopback hosts and with tls_verify < 0, and only after
 * the server did not speak TLS. */
int og_registry_new(og_registry **out, og_ctx *ctx, const char *host,
	const og_transport_options *opts);
void og_registry_free(og_registry *reg);

/* The Accept header every manifest request sends. */
#define OG_MANIFEST_ACCEPT \
	"application/vnd.oci.image.index.v1+json, " \
	"application/vnd.oci.image.manifest.v1+json, " \
	"application/vnd.docker.distribution.manifest.list.v2+json, " \
	"application/vnd.docker.distribution.manifest.v2+json"

/* GET a manifest by tag or digest, at most cap bytes. The bytes are checked
 * against the digest asked for and against Docker-Content-Digest when present
 * (blob.digest_mismatch id on failure, OG_EINVALID). *media_type from
 * Content-Type (or the document's mediaType), *digest the sha256 of the bytes. */
int og_registry_get_manifest(unsigned char **out, size_t *len, char **media_type,
	char digest[OG_DIGEST_MAX], og_registry *reg, og_ctx *ctx,
	const char *repo, const char *reference, size_t cap);
/* HEAD a manifest: 0 with its digest/size/media type, OG_ENOTFOUND. */
int og_registry_head_manifest(char digest[OG_DIGEST_MAX], uint64_t *size,
	char **media_type, og_registry *reg, og_ctx *ctx, const char *repo,
	const char *reference);
/* PUT a manifest byte for byte under reference (tag or digest). */
int og_registry_put_manifest(og_registry *reg, og_ctx *ctx, const char *repo,
	const char *reference, const char *media_type, const unsigned char *bytes,
	size_t len);

/* HEAD a blob: 0 (present, *size set), OG_ENOTFOUND (absent, no message). */
int og_registry_head_blob(uint64_t *size, og_registry *reg, og_ctx *ctx,
	const char *repo, const char *digest);
/* Stream a blob (redirects followed; the Authorization header is not sent to
 * another host). The reader retries a broken transfer with a Range request
 * from where it stopped. Bytes are NOT verified here (the caller hashes).
 * *size is the Content-Length (0 when the registry did not say). The reader
 * holds at most a 1 MiB buffer (the transfer is paused when it is full) and
 * reports to ctx; use it from one thread at a time. OG_ENOTFOUND (with the
 * registry.not_found id) when the blob is absent. */
int og_registry_open_blob(og_reader **out, uint64_t *size, og_registry *reg,
	og_ctx *ctx, const char *repo, const char *digest);

/* Cross-repository mount: *mounted = 1 on 201. On 202 the registry opened an
 * upload session instead: *mounted = 0 and *upload is that session's URL
 * (pass it to og_registry_push_blob; free with free()). */
int og_registry_mount_blob(int *mounted, char **upload, og_registry *reg,
	og_ctx *ctx, const char *repo, const char *digest, const char *from_repo);

/* Makes a fresh reader over the blob's bytes from the start, for the first
 * attempt and each retry (so bodies are replayable). */
typedef int (*og_blob_opener)(og_reader **out, void *payload, og_ctx *ctx);

/* Upload a blob of known size and digest: POST (or the given session), then
 * for a blob of at most chunk_threshold bytes (0: 64 MiB) one monolithic
 * PUT ?digest= with the bytes (the registry checks the digest before it
 * commits); for a larger one PATCHes of chunk_threshold bytes, then PUT
 * ?digest= with no body, sent only when the bytes hashed right. A transient
 * failure restarts the whole upload in a new session (opener called again).
 * The bytes are hashed on the way: a mismatch is blob.digest_mismatch
 * (OG_EINVALID). Never holds a whole blob in memory. */
int og_registry_push_blob(og_registry *reg, og_ctx *ctx, const char *repo,
	const char *digest, uint64_t size, og_blob_opener open, void *payload,
	const char *upload, uint64_t chunk_threshold);

/* Counters, for tests and --dry-run plans: requests made, retries done. */
typedef struct og_registry_stats {
	uint64_t requests, retries, bytes_in, bytes_out;
} og_registry_stats;
void og_registry_stats_get(const og_registry *reg, og_registry_stats *out);

#endif
