/*
 * The offline vulnerability database: OSV advisories for Debian and Alpine,
 * loaded from a directory, a .zip (as OSV publishes them per ecosystem,
 * e.g. Debian/all.zip) or a single .json, kept in memory and indexed by
 * (ecosystem, package).
 *
 * Thread-safety: loading builds a private handle; once loaded, the handle
 * is read-only and og_vulndb_match may run from several threads at once.
 */
#ifndef OG_SCAN_VULNDB_H
#define OG_SCAN_VULNDB_H

#include <stddef.h>
#include <stdint.h>
#include "oci/ctx.h"

typedef struct og_vulndb og_vulndb;

/*
 * Load OSV advisories from path: a directory (walked recursively: *.json
 * files and *.zip archives; other files are ignored), or a single .zip, or
 * a single JSON file. Zip members ending in ".json" are streamed with
 * libarchive, never extracted. Each file or member is one OSV record, read
 * whole up to ctx->limits.max_json bytes.
 *
 * Only affected[] entries of ecosystems "Debian:N" (dpkg ordering) and
 * "Alpine:vX.Y" (apk ordering) are kept; an advisory with none of them is
 * skipped and counted (og_vulndb_skipped). Records with "withdrawn" set are
 * dropped (og_vulndb_withdrawn). Only ranges of type ECOSYSTEM are used.
 *
 * Returns 0, OG_ENOTFOUND (path missing), OG_EINVALID (a record that is not
 * JSON or not an OSV object: the message names the file, or the zip and its
 * member, and what is wrong), OG_ELIMIT (a record over max_json, more zip
 * members than max_archive_entries, directories nested over 32 levels) or
 * OG_ENOMEM / OG_ERROR (I/O). On failure *out is NULL. Free with
 * og_vulndb_free.
 */
int og_vulndb_load(og_vulndb **out, og_ctx *ctx, const char *path);
void og_vulndb_free(og_vulndb *db);

/* Advisories kept (a record present twice, e.g. in two zips, counts twice;
 * og_vulndb_match still reports each id once). */
size_t og_vulndb_count(const og_vulndb *db);
/* Advisories skipped because no affected entry was Debian:N / Alpine:vX.Y. */
size_t og_vulndb_skipped(const og_vulndb *db);
/* Records dropped because "withdrawn" was set. */
size_t og_vulndb_withdrawn(const og_vulndb *db);
/* The newest "modified" of the kept advisories, as unix seconds; -1 if none. */
int64_t og_vulndb_newest_modified(const og_vulndb *db);

typedef struct og_vuln_match {
	const char *id;        /* advisory id ("DSA-5514-1", "CVE-2023-4911"), borrowed from db */
	const char *aliases;   /* comma-joined "aliases", "upstream" and "related" ids, or NULL; borrowed */
	const char *summary;   /* or NULL; borrowed */
	const char *fixed;     /* the fixed version of the matching range, NULL if unfixed; borrowed */
	og_severity_t severity; /* see og_vulndb_match; OG_SEV_MEDIUM when the record has none */
	double cvss;           /* CVSS v3 base score if a CVSS_V3 vector was present, else -1 */
} og_vuln_match;

/*
 * Call cb for every advisory affecting package@version in ecosystem
 * ("Debian:12", "Alpine:v3.19"; matched exactly: a record for "Debian"
 * without a release does not match "Debian:12"). For Debian pass the SOURCE
 * package name; for Alpine the origin package. A version is affected when
 * it equals (by the ecosystem's ordering) an entry of "versions", or lies
 * in an ECOSYSTEM range: events sorted by version ("introduced": "0"
 * first), "introduced" inclusive, "fixed" exclusive, "last_affected"
 * inclusive. Matches come in advisory id order (strcmp), one per id.
 *
 * Severity, first found: affected[].ecosystem_specific.severity, then
 * database_specific.severity ("critical"; "high"/"important";
 * "medium"/"moderate"; "low"/"unimportant"/"negligible", any case), then
 * the CVSS v3 base score (>= 9 CRITICAL, >= 7 HIGH, >= 4 MEDIUM, else LOW),
 * else MEDIUM.
 *
 * cb returns 0 to go on; any other value stops the walk and is returned.
 * Returns 0, cb's value, or OG_ENOMEM (no message: there is no ctx).
 * The strings in *m are valid until og_vulndb_free.
 */
int og_vulndb_match(const og_vulndb *db, const char *ecosystem, const char *package,
	const char *version, int (*cb)(const og_vuln_match *m, void *p), void *p);

/*
 * The CVSS v3.0/v3.1 base score of a vector "CVSS:3.x/AV:../AC:../PR:../
 * UI:../S:../C:../I:../A:.." (metrics in any order, extra temporal or
 * environmental metrics ignored), rounded up to one decimal as the v3.1
 * specification defines. -1 when the vector is not a valid v3 base vector.
 */
double og_vulndb__cvss3_score(const char *vector);

#endif
