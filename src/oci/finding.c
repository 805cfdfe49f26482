#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include "finding.h"

#define V OG_CAT_VALIDATION
#define F OG_CAT_FORMAT
#define C OG_SEV_CRITICAL
#define H OG_SEV_HIGH
#define M OG_SEV_MEDIUM
#define L OG_SEV_LOW

/* The catalogue, as CHECKS.md lists it. Ids are never renamed. */
static const og_check checks[] = {
	/* Integrity */
	{ "blob.missing", C, V, 1 },
	{ "blob.digest_mismatch", C, V, 1 },
	{ "blob.size_mismatch", C, V, 1 },
	{ "digest.invalid", C, V, 1 },
	{ "layer.diffid_mismatch", C, V, 1 },
	{ "layer.diffid_count", C, V, 1 },
	{ "layer.decompress_error", C, V, 1 },
	{ "layer.trailing_data", H, V, 1 },
	{ "layer.tar_invalid", C, V, 1 },
	/* Conformance */
	{ "layout.invalid", C, F, 0 },
	{ "manifest.schema", C, F, 0 },
	{ "manifest.media_type", H, F, 0 },
	{ "index.manifest_missing", C, F, 0 },
	{ "layer.foreign", M, F, 0 },
	/* Metadata policy */
	{ "size.total", H, V, 0 },
	{ "size.layer", H, V, 0 },
	{ "size.uncompressed", H, V, 0 },
	{ "layer.count", M, V, 0 },
	{ "layer.compression_ratio", H, V, 0 },
	{ "platform.missing_field", H, V, 0 },
	{ "platform.unsupported", H, V, 0 },
	{ "platform.required_missing", H, V, 0 },
	{ "platform.mismatch", H, V, 0 },
	{ "labels.missing", H, V, 0 },
	{ "labels.invalid", H, V, 0 },
	{ "entrypoint.missing", H, V, 0 },
	{ "entrypoint.invalid", M, V, 0 },
	{ "user.root", M, V, 0 },
	{ "metadata.incomplete", M, V, 0 },
	{ "history.mismatch", M, V, 0 },
	{ "annotations.missing", L, V, 0 },
	{ "env.missing", H, V, 0 },
	{ "env.forbidden", H, V, 0 },
	{ "port.not_allowed", M, V, 0 },
	/* The gate itself */
	{ "policy.ignore_expired", M, V, 0 },
	{ "policy.ignore_unused", L, V, 0 },
	{ "run.nothing_checked", C, V, 0 },
	/* Content and security */
	{ "path.traversal", C, V, 0 },
	{ "path.absolute", H, V, 0 },
	{ "link.escape", C, V, 0 },
	{ "file.setuid", M, V, 0 },
	{ "file.world_writable", M, V, 0 },
	{ "file.device", M, V, 0 },
	{ "secret.private_key", C, V, 0 },
	{ "secret.cloud_credential", C, V, 0 },
	{ "secret.token", H, V, 0 },
	{ "vuln.critical", C, V, 0 },
	{ "vuln.high", H, V, 0 },
	{ "vuln.medium", M, V, 0 },
	{ "vuln.low", L, V, 0 },
	{ "vuln.db_stale", M, V, 0 },
	{ "packages.unsupported", L, V, 0 },
	{ "efficiency.wasted", L, V, 0 },
	/* Operations */
	{ "registry.unreachable", H, OG_CAT_NETWORK, 0 },
	{ "registry.auth", C, OG_CAT_AUTHENTICATION, 0 },
	{ "registry.denied", C, OG_CAT_PERMISSION, 0 },
	{ "registry.rate_limited", H, OG_CAT_REGISTRY, 0 },
	{ "registry.server_error", H, OG_CAT_REGISTRY, 0 },
	{ "registry.not_found", C, OG_CAT_REGISTRY, 0 },
	{ "registry.timeout", H, OG_CAT_TIMEOUT, 0 },
	{ "promote.tag_exists", H, OG_CAT_REGISTRY, 0 },
	{ "promote.digest_changed", C, V, 1 },
	{ "approval.missing", C, V, 0 },
	{ "approval.rejected", C, V, 0 },
	{ "approval.expired", C, V, 0 },
	{ "approval.digest_mismatch", C, V, 0 },
	{ "notify.failed", M, OG_CAT_NETWORK, 0 },
	{ "audit.write_failed", C, OG_CAT_UNKNOWN, 0 },
};

const og_check *og_check_lookup(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (strcmp(checks[i].id, id) == 0)
			return &checks[i];
	return NULL;
}

const og_check *og_check_all(size_t *count)
{
	*count = sizeof(checks) / sizeof(checks[0]);
	return checks;
}

static const char *const sev_names[] = { "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL" };
static const char *const cat_names[] = { "VALIDATION", "NETWORK", "AUTHENTICATION",
	"REGISTRY", "FORMAT", "PERMISSION", "TIMEOUT", "UNKNOWN" };

const char *og_severity_name(og_severity_t sev)
{
	return (unsigned)sev <= OG_SEV_CRITICAL ? sev_names[sev] : "UNKNOWN";
}

const char *og_category_name(og_category_t cat)
{
	return (unsigned)cat <= OG_CAT_UNKNOWN ? cat_names[cat] : "UNKNOWN";
}

og_severity_t og_severity_parse(const char *name)
{
	unsigned i;

	for (i = OG_SEV_LOW; i <= OG_SEV_CRITICAL; i++)
		if (strcasecmp(name, sev_names[i]) == 0)
			return (og_severity_t)i;
	return OG_SEV_NONE;
}

void og_findings_init(og_findings *f)
{
	memset(f, 0, sizeof(*f));
}

static void finding_dispose(og_finding *it)
{
	free((char *)(uintptr_t)it->message);
	free((char *)(uintptr_t)it->subject);
	free((char *)(uintptr_t)it->origin);
}

void og_findings_dispose(og_findings *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++)
		finding_dispose(&f->items[i]);
	free(f->items);
	memset(f, 0, sizeof(*f));
}

static int reserve(og_findings *f, size_t more)
{
	og_finding *items;
	size_t cap;

	if (f->count + more <= f->cap)
		return 0;
	cap = f->cap ? f->cap * 2 : 8;
	while (cap < f->count + more)
		cap *= 2;
	items = realloc(f->items, cap * sizeof(*items));
	if (!items)
		return OG_ENOMEM;
	f->items = items;
	f->cap = cap;
	return 0;
}

int og_findings_add(og_findings *f, const char *id, const char *subject,
	const char *fmt, ...)
{
	const og_check *check = og_check_lookup(id);
	og_finding *it;
	va_list ap;
	char *msg = NULL;
	int n;

	assert(check != NULL);
	if (!check)
		return OG_EINVALID;
	if (reserve(f, 1) < 0)
		return OG_ENOMEM;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return OG_ENOMEM;
	it = &f->items[f->count];
	it->id = check->id;
	it->severity = check->severity;
	it->category = check->category;
	it->message = msg;
	it->origin = NULL;
	it->subject = strdup(subject ? subject : "");
	if (!it->subject) {
		free(msg);
		return OG_ENOMEM;
	}
	f->count++;
	return 0;
}

int og_findings_append(og_findings *dst, og_findings *src)
{
	if (src->count == 0)
		return 0;
	if (reserve(dst, src->count) < 0)
		return OG_ENOMEM;
	memcpy(dst->items + dst->count, src->items, src->count * sizeof(*src->items));
	dst->count += src->count;
	free(src->items);
	memset(src, 0, sizeof(*src));
	return 0;
}

int og_findings_has(const og_findings *f, const char *id, const char *subject)
{
	size_t i;

	for (i = 0; i < f->count; i++)
		if (strcmp(f->items[i].id, id) == 0 &&
		    (!subject || strcmp(f->items[i].subject, subject) == 0))
			return 1;
	return 0;
}

int og_findings_set_origin(og_findings *f, size_t from, const char *origin)
{
	size_t i;

	for (i = from; origin && i < f->count; i++) {
		if (f->items[i].origin)
			continue;
		if ((f->items[i].origin = strdup(origin)) == NULL)
			return OG_ENOMEM;
	}
	return 0;
}
