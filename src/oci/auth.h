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
 */
int og_creds_lookup(og_creds *out, og_ctx *ctx, const char *host,
	const char *explicit_userpass, const char *auth_file);

/* One challenge of a WWW-Authenticate header (RFC 7235): scheme and params. */
typedef struct og_challenge {
	char *scheme;         /* "Bearer", "Basic" (as sent) */
	char *realm, *service, *scope, *error; /* NULL when absent */
} og_challenge;

/* Parse a header value that may hold several challenges; the first Bearer
 * one wins, else the first Basic. OG_EINVALID if none can be parsed. */
int og_challenge_parse(og_challenge *out, og_ctx *ctx, const char *header);
void og_challenge_dispose(og_challenge *c);

/* Base64 (standard alphabet, padded) helpers for Basic auth and auth.json. */
char *og_base64_encode(const void *data, size_t len);
int og_base64_decode(unsigned char **out, size_t *len, const char *text);

#endif
