/*
 * The metadata checks of the policy (CHECKS.md, "Metadata policy"), over the
 * facts a run gathered about each image. Findings go to the report; every
 * check that ran is recorded (og_report__add_check), passing or not.
 */
#ifndef OG_VALIDATE_CHECKS_H
#define OG_VALIDATE_CHECKS_H

#include <jansson.h>
#include <stdint.h>
#include "policy.h"
#include "report.h"

/* The final filesystem of an image: layers applied in order, whiteouts and
 * opaque directories honoured. */
typedef struct og_final_fs og_final_fs;

/* Facts about one runnable image (not an attestation). All borrowed. */
typedef struct og_image_facts {
	const char *manifest_digest;   /* subject of image-level findings */
	const char *platform;          /* "os/arch[/variant]" from the config */
	json_t *config;                /* the parsed config document */
	const char *config_digest;
	uint64_t config_size;
	json_t *manifest_annotations;  /* may be NULL */
	size_t layer_count;
	const char *const *layer_digests;
	const uint64_t *layer_sizes;   /* compressed, from the descriptors */
	uint64_t uncompressed_total;   /* of the layers walked */
	int uncompressed_known;        /* every layer was decompressed */
	int uncompressed_stopped;      /* a decompression limit already fired */
	/* 1 if an absolute path exists in the final filesystem (symlinks
	 * followed, within the root); NULL when the layers were not walked. */
	int (*exists)(const og_final_fs *fs, const char *path);
	const og_final_fs *fs;
	const char *passwd;            /* /etc/passwd of the final fs, or NULL */
	size_t passwd_len;
} og_image_facts;

/* Every per-image check of CHECKS.md's metadata table the policy asks for:
 * size.total, size.layer, size.uncompressed, layer.count,
 * platform.missing_field, platform.unsupported, labels.missing,
 * labels.invalid, entrypoint.missing, entrypoint.invalid, user.root,
 * metadata.incomplete, history.mismatch, annotations.missing, env.missing,
 * env.forbidden, port.not_allowed. Returns 0 or OG_ENOMEM. */
int og_checks_image(og_report *r, const og_policy *p, const og_image_facts *img);

/* The index-level check: platform.required_missing for each required
 * platform absent from `platforms` (the runnable images found; attestations
 * excluded). `subject` names the index in the message; each finding's
 * subject is the missing platform. Returns 0, OG_ENOMEM, or OG_EINVALID for
 * NULL arguments. */
int og_checks_platforms(og_report *r, const og_policy *p,
	const char *const *platforms, size_t count, const char *subject);

#endif
