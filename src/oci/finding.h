/*
 * Findings: the checks catalogue (CHECKS.md) and a growable list of findings.
 * validate and scan add findings here and go on; findings are not errors.
 */
#ifndef OG_OCI_FINDING_H
#define OG_OCI_FINDING_H

#include <stddef.h>
#include "ctx.h"

typedef struct og_check {
	const char *id;
	og_severity_t severity;
	og_category_t category;
	int integrity; /* never overridable, never forced past */
} og_check;

/* Look up a check by id. NULL if the id is not in the catalogue. */
const og_check *og_check_lookup(const char *id);
/* The whole catalogue; *count is set. */
const og_check *og_check_all(size_t *count);

typedef struct og_findings {
	og_finding *items; /* strings owned by the list */
	size_t count;
	size_t cap;
	/* Order key of every item (layer index etc.) to merge deterministically. */
} og_findings;

void og_findings_init(og_findings *f);
void og_findings_dispose(og_findings *f);

/*
 * Add a finding with the catalogue's severity and category. `id` must be in
 * the catalogue (an unknown id aborts in debug builds). subject may be NULL.
 * Returns 0 or OG_ENOMEM.
 */
int og_findings_add(og_findings *f, const char *id, const char *subject,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Move every item of src to the end of dst (src is left empty). */
int og_findings_append(og_findings *dst, og_findings *src);

/* Set the origin (a manifest or layer digest, copied) of the items from
 * index `from` on that have none. 0 or OG_ENOMEM. */
int og_findings_set_origin(og_findings *f, size_t from, const char *origin);

/* 1 if a finding with this id (and subject, when not NULL) is present. */
int og_findings_has(const og_findings *f, const char *id, const char *subject);

#endif
