/* Digests: the OCI grammar, and streaming hashes (OpenSSL EVP). */
#ifndef OG_OCI_DIGEST_H
#define OG_OCI_DIGEST_H

#include <stddef.h>
#include "ctx.h"

typedef enum {
	OG_DIGEST_UNKNOWN = 0, /* well-formed but an unregistered algorithm */
	OG_DIGEST_SHA256,
	OG_DIGEST_SHA512
} og_digest_alg_t;

#define OG_DIGEST_MAX 140 /* "sha512:" + 128 hex + NUL, rounded */

/*
 * Check a digest string against the image-spec grammar
 *   algorithm ":" encoded; algorithm = component (separator component)*;
 *   component = [a-z0-9]+; separator = [+._-]; encoded = [a-zA-Z0-9=_-]+
 * and, for registered algorithms, the encoded form (sha256: 64 lowercase
 * hex; sha512: 128 lowercase hex).
 * Returns 0 and sets *alg (OG_DIGEST_UNKNOWN for an unregistered but valid
 * algorithm), or OG_EINVALID with a reason in why[why_len].
 */
int og_digest_parse(og_digest_alg_t *alg, const char *digest,
	char *why, size_t why_len);

/* The hex part of a digest ("sha256:abc" -> "abc"), or NULL. Borrowed. */
const char *og_digest_encoded(const char *digest);

typedef struct og_hash og_hash;

/* Start a hash. OG_EINVALID for OG_DIGEST_UNKNOWN. */
int og_hash_new(og_hash **out, og_ctx *ctx, og_digest_alg_t alg);
void og_hash_update(og_hash *h, const void *data, size_t len);
/* Finish into out ("sha256:<hex>"); the hash may be reused after reset. */
void og_hash_final(og_hash *h, char out[OG_DIGEST_MAX]);
void og_hash_reset(og_hash *h);
void og_hash_free(og_hash *h);

/* One-shot: digest of a buffer into out. */
int og_digest_buf(char out[OG_DIGEST_MAX], og_ctx *ctx, og_digest_alg_t alg,
	const void *data, size_t len);

#endif
