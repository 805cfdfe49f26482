/*
 * The report of one run: what was checked (image, platforms, layers) and
 * the findings. Built by validate.c / schema.c, rendered by report.c.
 */
#ifndef OG_VALIDATE_REPORT_H
#define OG_VALIDATE_REPORT_H

#include <stdint.h>
#include "oci/finding.h"

/* Seconds spent in one pipeline stage (og_stage_t order) and its bytes. */
typedef struct og_report_stage {
	uint64_t bytes;
	double seconds;
} og_report_stage;

#define OG_REPORT_STAGES 6

typedef struct og_report_layer {
	char *digest;            /* descriptor digest */
	char *media_type;        /* descriptor mediaType */
	char *compression;       /* sniffed: "gzip", "zstd", "none"; NULL if not read */
	uint64_t size;           /* bytes read (descriptor size if not read) */
	uint64_t uncompressed_size;
	char *diff_id;           /* computed; NULL if not computed */
	uint64_t entries;        /* tar entries walked */
	int walked;              /* 1 if the layer was decompressed and walked */
	og_report_stage stages[OG_REPORT_STAGES];
	double seconds;          /* wall time of the layer */
	int split;               /* threads of a split layer (2 or 3), else 0 */
} og_report_layer;

/* One runnable image of the report (a platform), and the digests of its
 * manifest, config and layers: findings whose origin is one of them are
 * about it. */
typedef struct og_report_image {
	char *platform;          /* "os/arch[/variant]", or "" */
	char *manifest_digest;
	char **digests;
	size_t digest_count;
	/* The security scan of this image (owned; NULL when not scanned): a JSON
	 * object with any of "os", "packages", "vulnerabilities", "secrets",
	 * "efficiency", rendered as they are. Never holds a secret's value. */
	struct json_t *scan;
} og_report_image;

typedef enum {
	OG_REPORT_IMAGE = 0,     /* validate: an image */
	OG_REPORT_DOCUMENT = 1   /* schema: one JSON document */
} og_report_kind_t;

struct og_report {
	og_report_kind_t kind;
	char *ref;               /* what the user named */
	char *digest;            /* top-level manifest/index digest, may be NULL */
	char *media_type;        /* its media type, may be NULL */
	char *document_type;     /* schema: "manifest", "index", ... */
	char **platforms;        /* "os/arch[/variant]" of each checked image */
	size_t platform_count;
	og_report_image *images; /* the runnable images (not attestations) */
	size_t image_count;
	og_report_layer *layers; /* every distinct layer blob, in manifest order */
	size_t layer_count;
	og_findings findings;    /* in deterministic order */
	unsigned int checks_run; /* blobs and documents actually checked */
	og_findings suppressed;  /* findings an ignore entry suppressed; their
	                          * message ends " [ignored: REASON]" */
	char **checks;           /* ids of the checks that ran (sorted, unique) */
	size_t check_count;
	char *policy_path;       /* NULL: the built-in default */
	char *policy_digest;     /* sha256 of the policy file; NULL if built in */
	og_severity_t fail_on;   /* the policy's threshold */
	int has_timings;         /* render the timings (--timings) */
	double seconds;          /* wall time of the whole run */
	unsigned int jobs;       /* worker threads used */
};

/* Make an empty report (kind, ref copied). NULL on OOM. */
og_report *og_report__new(og_report_kind_t kind, const char *ref);
/* Set the top digest / media type (copied; NULL allowed). 0 or OG_ENOMEM. */
int og_report__set_image(og_report *r, const char *digest, const char *media_type);
/* Append a platform string (copied), skipping duplicates. */
int og_report__add_platform(og_report *r, const char *platform);
/* Append a layer; its strings are copied. */
int og_report__add_layer(og_report *r, const og_report_layer *layer);
/* Append a runnable image: its platform, manifest digest and the digests
 * of its manifest, config and layers (all copied). */
int og_report__add_image(og_report *r, const char *platform, const char *manifest,
	const char *const *digests, size_t count);
/* Attach the scan of the last image added (steals the reference; NULL
 * is a no-op). 0, or OG_EINVALID when there is no image. */
int og_report__set_scan(og_report *r, struct json_t *scan);
/* The image a finding is about, or NULL (image-wide or unattributed). */
const og_report_image *og_report__image_of(const og_report *r, const og_finding *f);
/* Record that a check ran (id copied; duplicates ignored). */
int og_report__add_check(og_report *r, const char *id);

#endif
