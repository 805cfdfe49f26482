/*
 * Registry credentials and authentication challenges: where a username and
 * password (or identity token) for a host come from, and what a
 * WWW-Authenticate header asks for. No network here (src/oci/registry.c does
 * the token requests). A secret is never put in an error message.
 */
#ifndef OG_OCI_AUTH_H
#define OG_OCI_AUTH_H

#include <stddef.h>
#include "ctx.h"

typedef struct og_creds {
	char *username;       /* NULL: anonymous */
	char *password;       /* or NULL */
	char *identity_token; /* Docker identitytoken (an OAuth refresh token), or NULL */
	const char *origin;   /* static: "--creds", "auth.json", "config.json",
	                       * "credential helper", or NULL */
} og_creds;

void og_creds_dispose(og_creds *c);  /* wipes the secrets before freeing */

/* Parse "USER:PASSWORD" (first ':' splits; empty user is OG_EINVALID). */
int og_creds_parse(og_creds *out, og_ctx *ctx, const char *userpass);

/*
 * Look up credentials for host ("127.0.0.1:5000", "registry-1.docker.io"):
 * explicit (opts->creds) first; else auth_file (or $REGISTRY_AUTH_FILE, else
 * ${XDG_RUNTIME_DIR}/containers/auth.json, ~/.config/containers/auth.json),
 * then Docker's config ($DOCKER_CONFIG/config.json or ~/.docker/config.json):
 * credHelpers[host] or credsStore through `docker-credential-NAME get`
 * (host on stdin, JSON {"Username","Secret"} on stdout; "<token>" user means an
 * identity token), else auths[host] ("auth": base64 "user:pass", or
 * "identitytoken"). Docker Hub keys "https://index.docker.io/v1/" match
 * registry-1.docker.io / docker.io. Nothing found: 0 with all fields NULL.
 * A malformed file is OG_EINVALID naming the file and key (never the secret).
 *
 * Details: auth_file or $REGISTRY_AUTH_FILE replaces the two containers
 * defaults (Docker's config is still read after it); an auth_file given
 * explicitly that does not exist is OG_ENOTFOUND, a missing default or
 * $REGISTRY_AUTH_FILE file is skipped. Keys match by host: "host",
 * "http(s)://host[/v1/|/v2/]", case-insensitively; a per-repository key
 * ("host/team/app") is not used. A helper or credsStore that answers
 * "credentials not found in native keychain" falls through to auths[host]; a
 * helper that cannot be run, fails otherwise, prints no credentials JSON,
 * prints more than 64 KiB or takes over 30 s is OG_EAUTH with the id
 * "registry.auth" naming the helper. An identity token comes back with
 * password NULL (username kept when "auth" held one). A file over
 * ctx->limits.max_json is OG_ELIMIT. Thread-safe (reads the environment).
 */
int og_creds_lookup(og_creds *out, og_ctx *ctx, const char *host,
	const char *explicit_userpass, const char *auth_file);

/* One challenge of a WWW-Authenticate header (RFC 7235): scheme and params. */
typedef struct og_challenge {
	char *scheme;         /* "Bearer", "Basic" (as sent) */
	char *realm, *service, *scope, *error; /* NULL when absent */
} og_challenge;

/* Parse a header value that may hold several challenges; the first Bearer
 * one with a realm wins, else the first Basic. Scheme and parameter names are
 * case-insensitive; values are tokens or quoted-strings (backslash escapes
 * removed); other schemes and parameters are skipped. OG_EINVALID (naming the
 * offset) for a syntax error anywhere, or when no usable challenge is left. */
int og_challenge_parse(og_challenge *out, og_ctx *ctx, const char *header);
void og_challenge_dispose(og_challenge *c);

/* Base64 (standard alphabet, padded) helpers for Basic auth and auth.json.
 * encode: a new NUL-terminated string, NULL on OOM. decode: *out is a new
 * buffer (NUL-terminated, not counted in *len); padding may be omitted but
 * must be right when present; OG_EINVALID (no message: no ctx) or
 * OG_ENOMEM. The caller frees (and wipes, when it held a secret). */
char *og_base64_encode(const void *data, size_t len);
int og_base64_decode(unsigned char **out, size_t *len, const char *text);

#endif
