/*
 * The policy: what must hold for an image to pass the gate, the severity of
 * each check, the suppressions, and the fail threshold. A JSON document
 * (version 1); an unknown key anywhere is an error naming it, so a typo never
 * silently turns a check off.
 */
#ifndef OG_VALIDATE_POLICY_H
#define OG_VALIDATE_POLICY_H

#include <regex.h>
#include <stdint.h>
#include <time.h>
#include "oci/finding.h"

typedef struct og_policy_match {
	char *key;               /* a label / annotation key */
	char *pattern;           /* POSIX extended regex, as written */
	regex_t re;              /* compiled (REG_EXTENDED | REG_NOSUB) */
} og_policy_match;

typedef struct og_policy_severity {
	char *id;
	og_severity_t severity;
} og_policy_severity;

typedef struct og_policy_ignore {
	char *id;                /* a check id */
	char *subject;           /* NULL: any subject */
	char *reason;            /* required, non-empty */
	char *expires;           /* "YYYY-MM-DD" (inclusive: it suppresses through
	                          * that day, UTC), or NULL: never */
	time_t expires_at;       /* the first second after that day, UTC; 0 if none */
	unsigned int matched;    /* findings it suppressed in the last apply */
} og_policy_ignore;

typedef struct og_strlist {
	char **items;
	size_t count;
} og_strlist;

typedef struct og_policy {
	int version;             /* 1 */
	char *path;              /* where it was read from; NULL: built in */
	char digest[80];         /* sha256 of the document's bytes ("" built in) */

	/* "size": 0 = no limit */
	uint64_t max_compressed;     /* all layers + config, bytes */
	uint64_t min_compressed;     /* under it is size.total too */
	uint64_t max_layer;          /* any one layer, compressed */
	uint64_t max_uncompressed;   /* all layers; enforced while decompressing */
	unsigned int max_compression_ratio; /* enforced while decompressing */
	unsigned int max_layers;

	og_strlist platforms_allowed;  /* "os/arch[/variant]"; empty: any */
	og_strlist platforms_required;

	og_strlist labels_required;
	og_policy_match *label_match;
	size_t label_match_count;

	int entrypoint_required;     /* entrypoint.missing when both empty */
	int entrypoint_exec_form;    /* entrypoint.invalid for `sh -c` form */
	int user_non_root;           /* user.root */
	og_strlist env_required;     /* variable names that must be set */
	og_strlist env_forbidden;    /* variable names that must not be set */
	int ports_set;               /* "ports" present */
	unsigned int *ports_allowed; /* port numbers (any protocol) */
	size_t ports_allowed_count;
	og_strlist metadata_required; /* config fields: created, author, ... */
	int history_match_layers;    /* history.mismatch */
	int annotations_recommended; /* annotations.missing for the recommended
	                              * org.opencontainers.image.* keys */

	/* "scan" */
	og_strlist setuid_allowed;   /* absolute paths silenced for file.setuid */
	og_strlist writable_allowed; /* ... for file.world_writable */
	uint64_t secrets_max_file_size; /* files larger are not scanned (8 MiB) */
	/* "vulnerabilities" */
	int64_t max_db_age;          /* seconds; vuln.db_stale past it (7 days) */
	/* "efficiency": the check runs only when one is set */
	int max_wasted_set;
	uint64_t max_wasted;         /* bytes shipped but absent from the final fs */
	int min_score_set;
	double min_score;            /* 0..1, dive's efficiency score */

	og_policy_severity *severity;
	size_t severity_count;
	og_policy_ignore *ignore;
	size_t ignore_count;
	og_severity_t fail_on;       /* default HIGH */
} og_policy;

/*
 * Parse a policy document. `name` names it in messages. Unknown keys, wrong
 * types, bad sizes ("500MiB", "2GB", or a number of bytes), bad regexes, bad
 * severities, unknown check ids in "severity"/"ignore", ignore entries
 * without a reason, and attempts to ignore or downgrade an integrity check
 * are OG_EINVALID with a one-line message naming the key (as a JSON path,
 * e.g. "policy.json: /size/max_layr: unknown key").
 */
int og_policy_parse(og_policy **out, og_ctx *ctx, const char *json, size_t len,
	const char *name);
/* Read and parse a file (capped at 1 MiB). OG_ENOTFOUND if absent. */
int og_policy_load(og_policy **out, og_ctx *ctx, const char *path);
/* The built-in default policy (what applies with no --policy). */
int og_policy_default(og_policy **out, og_ctx *ctx);
/* The built-in default as a document to start from (`ocigate policy init`);
 * a NUL-terminated string the caller frees. */
char *og_policy_default_text(void);
void og_policy_free(og_policy *p);

/* The severity a policy gives a check (its override, or the default). */
og_severity_t og_policy_severity_of(const og_policy *p, const char *id);

/*
 * After a run: set each finding's severity from the policy; move findings
 * matched by a live ignore entry (same id, and subject when given) from
 * `findings` to `suppressed` (the reason is appended to their message as
 * " [ignored: REASON]"); then add policy.ignore_expired for each expired
 * entry (which suppressed nothing) and policy.ignore_unused (LOW) for each
 * live entry that matched nothing. Integrity findings are never moved.
 * `now` is the current time (a parameter, so tests can fix it).
 */
int og_policy_apply(const og_policy *p, og_findings *findings,
	og_findings *suppressed, time_t now);

/* Parse a size: a number of bytes (JSON integer) or a string "500MiB",
 * "2GB", "1.5GiB", "4096" (units B, kB/KB, MB, GB, TB, KiB, MiB, GiB, TiB,
 * case-insensitive for the letters before 'B'/'iB'). 0 or OG_EINVALID. */
int og_policy_parse_size(uint64_t *out, const char *text);

/* Parse a duration: a whole number with a unit s, m, h or d ("7d", "12h",
 * "90m", "3600s"), into seconds. 0 or OG_EINVALID. */
int og_policy_parse_duration(int64_t *out, const char *text);

#define OG_POLICY_DEFAULT_SECRETS_MAX ((uint64_t)8 << 20)
#define OG_POLICY_DEFAULT_DB_AGE ((int64_t)7 * 86400)

#endif
