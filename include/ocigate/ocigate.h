/*
 * ocigate — inspect, validate and scan OCI and Docker images.
 *
 * The public API of libocigate. The ocigate CLI uses nothing else.
 *
 * Conventions:
 *  - Functions return int: 0 on success, a negative OG_E* code on failure.
 *    The message of the last failure is og_ctx_error().
 *  - Whatever comes back through an `out` pointer is owned by the caller and
 *    released with the matching _free function (or og_free for strings).
 *  - A ctx and the objects made from it are used by one thread at a time.
 *    og_global_init() must run once before any thread starts.
 */
#ifndef OCIGATE_H
#define OCIGATE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define OG_EXTERN __attribute__((visibility("default")))
#else
#define OG_EXTERN
#endif

#define OG_VERSION "0.1.0"

/* Return codes. */
enum {
	OG_OK = 0,
	OG_ERROR = -1,     /* internal error or I/O failure */
	OG_ENOMEM = -2,    /* out of memory */
	OG_ENOTFOUND = -3, /* a file, blob or reference does not exist */
	OG_EINVALID = -4,  /* the input is not an image, or bad arguments */
	OG_ELIMIT = -5,    /* a size, depth or count limit was crossed */
	OG_EAMBIGUOUS = -6, /* several images match and none was chosen */
	OG_ENETWORK = -7,  /* network or registry failure after retries, or a
	                    * timeout (exit 3); og_ctx_error_id() names it */
	OG_EAUTH = -8,     /* authentication or permission refused (exit 4) */
	OG_EOF = -31       /* an iterator is exhausted */
};

/* Severities, ordered: a larger value is more severe. */
typedef enum {
	OG_SEV_NONE = 0,
	OG_SEV_LOW = 1,
	OG_SEV_MEDIUM = 2,
	OG_SEV_HIGH = 3,
	OG_SEV_CRITICAL = 4
} og_severity_t;

typedef enum {
	OG_CAT_VALIDATION = 0,
	OG_CAT_NETWORK,
	OG_CAT_AUTHENTICATION,
	OG_CAT_REGISTRY,
	OG_CAT_FORMAT,
	OG_CAT_PERMISSION,
	OG_CAT_TIMEOUT,
	OG_CAT_UNKNOWN
} og_category_t;

typedef enum {
	OG_VERDICT_PASS = 0, /* nothing at MEDIUM or above */
	OG_VERDICT_WARN = 1, /* findings, none at or above the fail threshold */
	OG_VERDICT_FAIL = 2  /* a finding at or above the fail threshold */
} og_verdict_t;

typedef enum {
	OG_FORMAT_TEXT = 0,
	OG_FORMAT_JSON = 1,
	OG_FORMAT_MARKDOWN = 2,  /* a summary for $GITHUB_STEP_SUMMARY */
	OG_FORMAT_GITHUB = 3,    /* ::error:: / ::warning:: workflow commands */
	OG_FORMAT_JUNIT = 4,     /* JUnit XML */
	OG_FORMAT_SARIF = 5,     /* SARIF 2.1.0 */
	OG_FORMAT_ERRORLOG = 6   /* JSON Lines, one finding per line */
} og_format_t;

/** Parse "text", "json", "markdown", "github", "junit", "sarif",
 * "errorlog". Returns 0 or OG_EINVALID. */
OG_EXTERN int og_format_parse(og_format_t *out, const char *name);

/** Library-wide set-up. Call once, before threads start. */
OG_EXTERN int og_global_init(void);

/** Free memory the library returned (strings). Accepts NULL. */
OG_EXTERN void og_free(void *p);

/* ------------------------------------------------------------------ ctx */

typedef struct og_ctx og_ctx;

/** Make a context. Returns 0 or OG_ENOMEM. Free with og_ctx_free. */
OG_EXTERN int og_ctx_new(og_ctx **out);
OG_EXTERN void og_ctx_free(og_ctx *ctx);

/** The message of the last failure on this ctx ("" if none). Borrowed. */
OG_EXTERN const char *og_ctx_error(const og_ctx *ctx);

/** The finding id (CHECKS.md) of the last failure when it has one, such as
 * "registry.rate_limited" for an OG_ENETWORK; NULL otherwise. Static. */
OG_EXTERN const char *og_ctx_error_id(const og_ctx *ctx);

/* ------------------------------------------------------------- findings */

/** One finding. Every string is borrowed from its report. */
typedef struct og_finding {
	const char *id;       /* a stable id from CHECKS.md */
	og_severity_t severity;
	og_category_t category;
	const char *message;  /* one line */
	const char *subject;  /* digest, layer index, path or key; may be "" */
	const char *origin;   /* digest of the manifest or layer the finding
	                       * came from; NULL: the image or layout as a whole */
} og_finding;

OG_EXTERN const char *og_severity_name(og_severity_t sev);
OG_EXTERN const char *og_category_name(og_category_t cat);
/** Parse "LOW".."CRITICAL" (any case). Returns OG_SEV_NONE if unknown. */
OG_EXTERN og_severity_t og_severity_parse(const char *name);

/* --------------------------------------------------------------- report */

typedef struct og_report og_report;

OG_EXTERN void og_report_free(og_report *report);
OG_EXTERN size_t og_report_finding_count(const og_report *report);
/** The i-th finding, in deterministic order. Borrowed. NULL past the end. */
OG_EXTERN const og_finding *og_report_finding(const og_report *report, size_t i);
/** Number of findings at exactly this severity. */
OG_EXTERN size_t og_report_count(const og_report *report, og_severity_t sev);
/** pass / warn / fail against a threshold (fail when any finding >= it);
 * OG_SEV_NONE means the report's own threshold (the policy's fail_on). */
OG_EXTERN og_verdict_t og_report_verdict(const og_report *report,
	og_severity_t fail_on);
/** The policy's fail threshold for this report (HIGH by default). */
OG_EXTERN og_severity_t og_report_fail_on(const og_report *report);

typedef struct og_render_options {
	unsigned int version;
	og_format_t format;
	int color;              /* ANSI colour in text output */
	og_severity_t fail_on;  /* for the verdict; OG_SEV_NONE: the policy's */
} og_render_options;
#define OG_RENDER_OPTIONS_VERSION 1
#define OG_RENDER_OPTIONS_INIT { OG_RENDER_OPTIONS_VERSION, OG_FORMAT_TEXT, 0, OG_SEV_NONE }

/** Render a report in one format. *out is a NUL-terminated string, og_free it. */
OG_EXTERN int og_report_render(char **out, const og_report *report,
	const og_render_options *opts);

/* ------------------------------------------------------------ transport */

/** How registries (docker://) are reached. Every field has a default when 0
 * or NULL. Secrets given here are never printed. */
typedef struct og_transport_options {
	unsigned int version;
	const char *creds;          /* "USER:PASSWORD" for every registry, or NULL */
	const char *auth_file;      /* containers auth.json; NULL: $REGISTRY_AUTH_FILE,
	                             * then the default places, then Docker's config.json */
	int tls_verify;             /* 1 (default): HTTPS verified, plain HTTP only for
	                             * localhost and 127.0.0.0/8; -1: --tls-verify=false
	                             * (no verification, plain HTTP allowed) */
	const char *cacert;         /* a PEM CA bundle for a private CA */
	unsigned int retries;       /* attempts after the first (0: the default, 4;
	                             * OG_TRANSPORT_NO_RETRIES: none) */
	unsigned int retry_delay_ms; /* base of the exponential backoff (default 500) */
	unsigned int retry_max_delay_ms; /* cap of one delay (default 30000) */
	unsigned int timeout_s;     /* deadline of one operation, retries included
	                             * (default 600) */
	unsigned int low_speed_s;   /* a transfer under 1 KiB/s this long is cut (default 30) */
	/* Called with one line per retry ("retrying GET .../blobs/sha256:... in 1.2 s:
	 * HTTP 503") and other notable events; NULL: not logged. */
	void (*log)(const char *line, void *payload);
	void *log_payload;
} og_transport_options;
#define OG_TRANSPORT_NO_RETRIES 0xffffffffu
#define OG_TRANSPORT_OPTIONS_VERSION 1
#define OG_TRANSPORT_OPTIONS_INIT { OG_TRANSPORT_OPTIONS_VERSION, NULL, NULL, 1, NULL, 0, 0, 0, 0, 0, NULL, NULL }

/* ------------------------------------------------------------- validate */

typedef struct og_validate_options {
	unsigned int version;
	unsigned int jobs;      /* threads; 0 = online CPUs. Layers run in
	                         * parallel; spare threads split a layer in two
	                         * stages (decompress | hash + walk). */
	const char *platform;   /* "os/arch[/variant]", NULL = every platform */
	int timings;            /* record per-layer, per-stage timings */
	const char *policy;     /* a policy file; NULL = the built-in default.
	                         * Its size limits override the two below. */
	unsigned int max_compression_ratio; /* 0 = OG_DEFAULT_MAX_RATIO */
	unsigned long long max_uncompressed; /* bytes, all layers; 0 = default */
	const og_transport_options *transport; /* NULL: the defaults */
	const char *vuln_db;    /* an OSV database: a directory of *.json and
	                         * *.zip (Debian/all.zip, Alpine/all.zip), one
	                         * zip or one JSON file; NULL: no vuln.* check */
	int ignore_unfixed;     /* drop vulnerabilities that have no fix */
	int no_scan;            /* turn off the security scanners: file modes,
	                         * secrets, packages, vulnerabilities, efficiency */
} og_validate_options;
#define OG_VALIDATE_OPTIONS_VERSION 4
#define OG_VALIDATE_OPTIONS_INIT { OG_VALIDATE_OPTIONS_VERSION, 0, NULL, 0, NULL, 0, 0, NULL, NULL, 0, 0 }

/*
 * Decompression limits, enforced while inflating (a bomb is stopped when it
 * crosses them, not inflated to its end). A layer may always expand to
 * OG_RATIO_FLOOR bytes; past that it must stay within max_compression_ratio
 * times its compressed size (layer.compression_ratio). All layers together
 * must stay within max_uncompressed (size.uncompressed).
 */
#define OG_DEFAULT_MAX_RATIO 100u
#define OG_RATIO_FLOOR (256ull << 20)
#define OG_DEFAULT_MAX_UNCOMPRESSED (64ull << 30)

/**
 * Validate the image named by ref (a transport reference or a bare path):
 * integrity and conformance of every blob, in one pass over each layer.
 *
 * Returns 0 with *out set when the image was checked (findings, if any, are
 * in the report), OG_ENOTFOUND / OG_EINVALID / OG_EAMBIGUOUS when ref is not
 * an image at all (nothing was checked), other negatives on internal failure.
 */
OG_EXTERN int og_validate(og_report **out, og_ctx *ctx, const char *ref,
	const og_validate_options *opts);

/* ----------------------------------------------------------------- sbom */

/**
 * A software bill of materials of one image: the packages of its dpkg and
 * apk databases. format is "cyclonedx" (CycloneDX 1.5 JSON) or "spdx"
 * (SPDX 2.3 JSON). opts selects the platform (opts->platform; required when
 * ref is a multi-platform index) and the policy; NULL: the defaults. The
 * image is fully validated on the way (integrity is never skipped). *out is
 * a NUL-terminated string to og_free. The output is deterministic: the same
 * image gives the same bytes.
 *
 * Returns 0, OG_EINVALID (unknown format, or not one image), OG_EAMBIGUOUS
 * (several images and no platform), OG_ENOTFOUND, other negatives.
 */
OG_EXTERN int og_sbom(char **out, og_ctx *ctx, const char *ref, const char *format,
	const og_validate_options *opts);

/* -------------------------------------------------------------- inspect */

typedef enum {
	OG_INSPECT_SUMMARY = 0, /* what skopeo inspect shows, and more */
	OG_INSPECT_RAW = 1,     /* the manifest bytes, unchanged */
	OG_INSPECT_CONFIG = 2   /* the config bytes, unchanged */
} og_inspect_what_t;

typedef struct og_inspect_options {
	unsigned int version;
	og_inspect_what_t what;
	og_format_t format;     /* for OG_INSPECT_SUMMARY */
	const char *platform;   /* select one manifest of an index */
	const og_transport_options *transport; /* NULL: the defaults */
} og_inspect_options;
#define OG_INSPECT_OPTIONS_VERSION 2
#define OG_INSPECT_OPTIONS_INIT { OG_INSPECT_OPTIONS_VERSION, OG_INSPECT_SUMMARY, OG_FORMAT_TEXT, NULL, NULL }

/**
 * Describe an image. *out is a string to og_free; *out_len its length (raw
 * manifests may hold any bytes). Integrity of the blobs read is checked: a
 * manifest or config whose bytes do not match their digest is an error.
 */
OG_EXTERN int og_inspect(char **out, size_t *out_len, og_ctx *ctx,
	const char *ref, const og_inspect_options *opts);

/* --------------------------------------------------------------- policy */

/** The built-in default policy as a JSON document to start from. og_free it. */
OG_EXTERN int og_policy_init_text(char **out);

/** Check a policy file: 0 if valid; OG_ENOTFOUND, or OG_EINVALID with a
 * message naming the offending key. */
OG_EXTERN int og_policy_check_file(og_ctx *ctx, const char *path);

/* --------------------------------------------------------------- schema */

typedef enum {
	OG_SCHEMA_MANIFEST = 0,
	OG_SCHEMA_INDEX,
	OG_SCHEMA_CONFIG,
	OG_SCHEMA_DESCRIPTOR,
	OG_SCHEMA_LAYOUT
} og_schema_type_t;

/** Parse "manifest", "index", ... Returns 0 or OG_EINVALID. */
OG_EXTERN int og_schema_type_parse(og_schema_type_t *out, const char *name);

/**
 * Check one JSON document against its image-spec schema. Returns 0 with a
 * report (findings manifest.schema, manifest.media_type, digest.invalid...),
 * or OG_ENOTFOUND / OG_EINVALID if the file cannot be read.
 */
OG_EXTERN int og_schema_check(og_report **out, og_ctx *ctx,
	og_schema_type_t type, const char *path);

/* ----------------------------------------------------------------- copy */

typedef struct og_copy_options {
	unsigned int version;
	const char *platform;   /* "os/arch[/variant]": copy only that image of an
	                         * index (a different digest at DST); NULL: all */
	int dry_run;            /* compute and return the plan, change nothing */
	const og_transport_options *transport; /* NULL: the defaults */
	int progress;           /* bars on stderr (the caller checks it is a TTY) */
	unsigned int jobs;      /* blobs copied at once; 0 = 1 */
} og_copy_options;
#define OG_COPY_OPTIONS_VERSION 1
#define OG_COPY_OPTIONS_INIT { OG_COPY_OPTIONS_VERSION, NULL, 0, NULL, 0, 0 }

typedef struct og_copy_result {
	char digest[80];        /* the digest at DST */
	unsigned long long blobs_copied, blobs_skipped, blobs_mounted, bytes_copied;
	char *plan;             /* text: blobs to mount / copy / skip, manifests,
	                         * tags; the first line names the source digest
	                         * (always set on success; owned, see dispose) */
} og_copy_result;

/**
 * Copy the image named by src (any source: oci:, oci-archive:,
 * docker-archive:, a registry) to dst (a registry reference, oci:DIR[:TAG]
 * or oci-archive:PATH[:TAG]) by digest, byte for byte: blobs present at DST
 * are skipped, blobs of the same registry are mounted, others are streamed
 * and verified; the tag is set only once everything else is in place; DST is
 * checked to hold the source digest afterwards.
 *
 * Returns 0 with *out filled (dispose it with og_copy_result_dispose, also
 * after a failure); OG_ENOTFOUND / OG_EINVALID / OG_EAMBIGUOUS when src is
 * not an image or dst is not a destination; OG_ENETWORK / OG_EAUTH for
 * registry failures (og_ctx_error_id names them); OG_ERROR with id
 * promote.digest_changed when DST does not hold the source digest.
 * Not thread-safe on one ctx.
 */
OG_EXTERN int og_copy(og_copy_result *out, og_ctx *ctx, const char *src,
	const char *dst, const og_copy_options *opts);
OG_EXTERN void og_copy_result_dispose(og_copy_result *r);

#ifdef __cplusplus
}
#endif

#endif
