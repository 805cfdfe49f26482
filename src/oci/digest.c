#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "digest.h"

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_encoded_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '=' || c == '_' || c == '-';
}

static int is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int why(char *buf, size_t len, const char *msg)
{
	if (buf && len)
		snprintf(buf, len, "%s", msg);
	return OG_EINVALID;
}

int og_digest_parse(og_digest_alg_t *alg, const char *digest, char *reason,
	size_t reason_len)
{
	const char *colon, *p, *enc;
	size_t alg_len, enc_len;
	int want_component = 1;

	*alg = OG_DIGEST_UNKNOWN;
	if (!digest || !*digest)
		return why(reason, reason_len, "empty digest");
	colon = strchr(digest, ':');
	if (!colon)
		return why(reason, reason_len, "no ':' between algorithm and encoded part");
	/* algorithm: component (separator component)* */
	for (p = digest; p < colon; p++) {
		if (is_lower_alnum(*p)) {
			want_component = 0;
		} else if (*p == '+' || *p == '.' || *p == '_' || *p == '-') {
			if (want_component)
				return why(reason, reason_len, "malformed algorithm");
			want_component = 1;
		} else {
			return why(reason, reason_len, "malformed algorithm");
		}
	}
	if (want_component)
		return why(reason, reason_len, "malformed algorithm");
	enc = colon + 1;
	enc_len = strlen(enc);
	if (enc_len == 0)
		return why(reason, reason_len, "empty encoded part");
	for (p = enc; *p; p++)
		if (!is_encoded_char(*p))
			return why(reason, reason_len, "invalid character in encoded part");
	alg_len = (size_t)(colon - digest);
	if (alg_len == 6 && memcmp(digest, "sha256", 6) == 0) {
		if (enc_len != 64 || !is_lower_hex(enc, enc_len))
			return why(reason, reason_len, "sha256 needs 64 lowercase hex digits");
		*alg = OG_DIGEST_SHA256;
	} else if (alg_len == 6 && memcmp(digest, "sha512", 6) == 0) {
		if (enc_len != 128 || !is_lower_hex(enc, enc_len))
			return why(reason, reason_len, "sha512 needs 128 lowercase hex digits");
		*alg = OG_DIGEST_SHA512;
	}
	return 0;
}

const char *og_digest_encoded(const char *digest)
{
	const char *colon = digest ? strchr(digest, ':') : NULL;

	return colon ? colon + 1 : NULL;
}

struct og_hash {
	EVP_MD_CTX *md;
	const EVP_MD *type;
	const char *prefix;
};

int og_hash_new(og_hash **out, og_ctx *ctx, og_digest_alg_t alg)
{
	og_hash *h = NULL;
	int error = 0;

	*out = NULL;
	if (alg != OG_DIGEST_SHA256 && alg != OG_DIGEST_SHA512)
		return og_error_set(ctx, OG_EINVALID, "unsupported digest algorithm");
	if ((h = calloc(1, sizeof(*h))) == NULL || (h->md = EVP_MD_CTX_new()) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	h->type = alg == OG_DIGEST_SHA256 ? EVP_sha256() : EVP_sha512();
	h->prefix = alg == OG_DIGEST_SHA256 ? "sha256:" : "sha512:";
	if (EVP_DigestInit_ex(h->md, h->type, NULL) != 1) {
		error = og_error_set(ctx, OG_ERROR, "cannot start %s hash", h->prefix);
		goto done;
	}
	*out = h;
	h = NULL;
done:
	og_hash_free(h);
	return error;
}

void og_hash_update(og_hash *h, const void *data, size_t len)
{
	if (len)
		EVP_DigestUpdate(h->md, data, len);
}

void og_hash_final(og_hash *h, char out[OG_DIGEST_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	size_t pos = strlen(h->prefix);

	EVP_DigestFinal_ex(h->md, md, &n);
	memcpy(out, h->prefix, pos);
	for (i = 0; i < n && pos + 2 < OG_DIGEST_MAX; i++) {
		out[pos++] = hex[md[i] >> 4];
		out[pos++] = hex[md[i] & 15];
	}
	out[pos] = '\0';
}

void og_hash_reset(og_hash *h)
{
	EVP_DigestInit_ex(h->md, h->type, NULL);
}

void og_hash_free(og_hash *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->md);
	free(h);
}

int og_digest_buf(char out[OG_DIGEST_MAX], og_ctx *ctx, og_digest_alg_t alg,
	const void *data, size_t len)
{
	og_hash *h = NULL;
	int error;

	if ((error = og_hash_new(&h, ctx, alg)) < 0)
		return error;
	og_hash_update(h, data, len);
	og_hash_final(h, out);
	og_hash_free(h);
	return 0;
}
