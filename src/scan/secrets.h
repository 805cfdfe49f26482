/*
 * Secrets: the entry visitor that looks for private keys, cloud credentials
 * and API tokens in the data of regular files as it streams through the
 * layer walk, and the same scan over in-memory texts (config Env entries,
 * history lines).
 *
 * Detectors (ids from CHECKS.md):
 *  - secret.private_key: a PEM block "-----BEGIN [RSA |EC |DSA |ENCRYPTED |
 *    OPENSSH ]PRIVATE KEY-----" confirmed by its structure: the BEGIN line
 *    ends with a newline; optional RFC 1421 headers ("Proc-Type: ...",
 *    continuation lines) then a blank line; body lines of base64 only (at
 *    most 16 KiB each, leading blanks allowed); then the END line with the
 *    same label. At least 64 base64 characters of body. The marker text
 *    alone (in a binary, followed by a NUL or a printf format) is not a key.
 *    Newlines may be written as "\n" escapes (a key in a JSON string, as
 *    in cloud service account files; "\/" is read as "/"). The hit's length spans the BEGIN
 *    marker to the end of the END marker.
 *    Not in ELF files nor ar archives (static libraries): libraries carry
 *    whole keys as self-test vectors (libgnutls does: RSA, DSA, EC and
 *    GOST keys as C strings), so a key in an executable is no leak; tokens
 *    and AWS keys in them are reported. Not recognised: PuTTY keys, keys in
 *    other encodings (DER, PKCS#12).
 *  - secret.cloud_credential: an AWS access key id (AKIA|ASIA)[A-Z0-9]{16},
 *    not glued to letters or digits, with a secret key near it: a run of
 *    exactly 40 [A-Za-z0-9/+] (bounded by other bytes; "=" counts as a
 *    boundary, since "KEY=secret" is how the secret is usually written)
 *    holding both upper and lower case letters (a hex digest is no secret
 *    key), ending at most 512 bytes before the key id or starting at most
 *    512 bytes after it. A key id alone is not reported. The hit is the
 *    key id (offset, length 20, "AKIA****"). Key ids ending in "EXAMPLE"
 *    are AWS's documented placeholders (AKIAIOSFODNN7EXAMPLE) and are not
 *    reported.
 *  - secret.token: GitHub (ghp_|gho_|ghu_|ghs_|ghr_ + exactly 36 [A-Za-z0-9];
 *    github_pat_ + exactly 82 [A-Za-z0-9_]), GitLab (glpat- + exactly 20
 *    [A-Za-z0-9_-]), Slack (xox[baprs]- + 20 to 250 [A-Za-z0-9-]); not
 *    preceded or followed by a letter or digit.
 *  A text scan (og_secrets_scan_text) sees one text: an AWS key id and its
 *  secret in two Env entries pair only if the caller joins the entries
 *  (with "\n") into one text.
 *
 * Streaming: data comes in blocks of any size. A vectorised prefilter looks
 * for the anchors; only near an anchor are bytes looked at one by one. A
 * fixed window (the last 2 KiB of the file) carries anchors and their
 * surroundings across blocks, and PEM blocks are followed by a small state
 * machine, so memory stays bounded whatever the file size. At most 128
 * anchors may wait for more data at once, and at most 64 hits are kept per
 * file and 4096 per layer (more are dropped: a file with that many is
 * reported anyway).
 *
 * The secret value is never stored: a hit holds the public prefix of its
 * format (at most 4 bytes) and the length.
 *
 * Thread safety: the class is const; every state is used by one thread.
 */
#ifndef OG_SCAN_SECRETS_H
#define OG_SCAN_SECRETS_H

#include <stddef.h>
#include <stdint.h>
#include "oci/visitor.h"

#define OG_SECRETS_DEFAULT_MAX ((uint64_t)8 << 20)

typedef struct og_secrets_options {
	/* Regular files larger than this are skipped (and counted); 0 means
	 * OG_SECRETS_DEFAULT_MAX. */
	uint64_t max_file_size;
} og_secrets_options;

#define OG_SECRETS_OPTIONS_INIT { OG_SECRETS_DEFAULT_MAX }

/* The visitor class. Payload: a `const og_secrets_options *` or NULL
 * (defaults); the class's own payload is NULL. */
extern const og_visitor_class og_scan_secrets;

typedef struct og_secret_hit {
	const char *id;      /* static: "secret.private_key",
	                      * "secret.cloud_credential", "secret.token" */
	const char *kind;    /* static: "RSA private key", "OpenSSH private key",
	                      * "AWS access key", "GitHub token"... */
	char *path;          /* normalised absolute path in the layer; or for
	                      * text scans the field name. Owned. */
	char redacted[16];   /* a public prefix of at most 4 chars + "****":
	                      * "AKIA****", "ghp_****", "glpa****", "xoxb****";
	                      * private keys: "****" */
	size_t length;       /* length of the secret value in bytes */
	uint64_t offset;     /* byte offset in the file (or text) */
} og_secret_hit;

/* Zero-initialise before use. Hits are in file order, then offset order. */
typedef struct og_secret_hits {
	og_secret_hit *items;
	size_t count, cap;
	uint64_t skipped_files, skipped_bytes; /* over max_file_size */
	uint64_t scanned_files, scanned_bytes;
} og_secret_hits;

/* Free the hits and their paths; the struct is left zeroed. NULL is fine. */
void og_secret_hits_dispose(og_secret_hits *h);

/*
 * Move the hits and counters of a visitor state to out (appended, counters
 * added), after end() and before free(). 0, OG_EINVALID (no state) or
 * OG_ENOMEM (out is left as it was).
 */
int og_secrets_take(og_secret_hits *out, void *state);

/*
 * Scan a whole in-memory text (a config Env entry "K=V", a history
 * created_by); `where` names it ("config Env AWS_SECRET",
 * "history[3].created_by") and becomes the hits' path. Hits are appended.
 * 0 or OG_ENOMEM.
 */
int og_secrets_scan_text(og_secret_hits *out, const char *text, size_t len,
	const char *where);

/*
 * Add the finding for a hit to f: subject = hit->path; message
 * "layer 2 (sha256:abcd…) /root/.ssh/id_rsa: RSA private key, 1679 bytes,
 * ****" and, when hidden_by != SIZE_MAX, "; deleted by layer N, still
 * shipped in layer 2's blob". layer == SIZE_MAX for text scans: "config:
 * history[3].created_by: GitHub token, 40 bytes, ghp_****". layer_digest
 * may be NULL. 0 or OG_ENOMEM.
 */
int og_secret_finding(og_findings *f, const og_secret_hit *hit, size_t layer,
	const char *layer_digest, size_t hidden_by);

#endif
