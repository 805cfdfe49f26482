/*
 * The formats CI systems read: a markdown summary for $GITHUB_STEP_SUMMARY,
 * GitHub Actions workflow commands, JUnit XML, SARIF 2.1.0 and JSON Lines.
 *
 * Every string that comes from an image (refs, paths, label keys, messages
 * that quote them) is untrusted: each format escapes it by its own rules, and
 * ill-formed UTF-8 becomes U+FFFD everywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "oci/digest.h"
#include "report_internal.h"

/* ------------------------------------------------------- check catalogue */

/* What each check means, for SARIF rules (and the place to look when an id
 * needs explaining). `path` is set when a finding's subject is a path inside
 * a layer, which SARIF then puts in the location's URI. */
typedef struct check_doc {
	const char *id;
	const char *group;
	const char *brief;
	const char *full;
	int path;
} check_doc;

static const check_doc check_docs[] = {
	/* Integrity */
	{ "blob.missing", "integrity", "Referenced blob is missing",
	  "A descriptor in the image points at a blob that the image source does not contain, "
	  "so the image cannot be pulled or run as published.", 0 },
	{ "blob.digest_mismatch", "integrity", "Blob content does not match its digest",
	  "The bytes of a manifest, config or layer hash to another value than the digest its "
	  "descriptor declares: the content was altered or corrupted.", 0 },
	{ "blob.size_mismatch", "integrity", "Blob size differs from its descriptor",
	  "The number of bytes in a blob is not the size its descriptor declares.", 0 },
	{ "digest.invalid", "integrity", "Malformed or unsupported digest",
	  "A digest string does not follow the OCI digest grammar, or names an algorithm that "
	  "cannot be verified, so the content it points at cannot be checked.", 0 },
	{ "layer.diffid_mismatch", "integrity", "Layer does not match its diff_id",
	  "The uncompressed layer hashes to another value than the matching entry of the "
	  "config's rootfs.diff_ids.", 0 },
	{ "layer.diffid_count", "integrity", "Layer count differs from the diff_ids",
	  "The config's rootfs.diff_ids and the manifest's layers differ in number, so layers "
	  "and their uncompressed digests cannot be paired.", 0 },
	{ "layer.decompress_error", "integrity", "Layer cannot be decompressed",
	  "The compressed stream of a layer is truncated or corrupt.", 0 },
	{ "layer.trailing_data", "integrity", "Data after the compressed stream",
	  "Bytes follow the end of a layer's compressed stream. They count towards the digest "
	  "but are never unpacked, which makes them a place to hide content.", 0 },
	{ "layer.tar_invalid", "integrity", "Layer is not a readable tar",
	  "The uncompressed layer is not a tar archive that can be read to its end.", 0 },
	/* Conformance */
	{ "layout.invalid", "conformance", "Invalid image layout",
	  "The oci-layout file, index.json or Docker manifest.json is missing or is not valid "
	  "JSON.", 0 },
	{ "manifest.schema", "conformance", "Document breaks its schema",
	  "A manifest, index or image config has fields of the wrong type or lacks required "
	  "fields of the OCI image specification.", 0 },
	{ "manifest.media_type", "conformance", "Unknown or mismatched media type",
	  "A manifest, config or layer declares a media type that is unknown or does not fit "
	  "where it is used.", 0 },
	{ "index.manifest_missing", "conformance", "Index entry points at a missing manifest",
	  "An image index lists a manifest that the image does not contain.", 0 },
	{ "layer.foreign", "conformance", "Non-distributable layer",
	  "A layer is marked non-distributable and comes from external URLs, so the image "
	  "depends on content that is not stored with it.", 0 },
	/* Metadata policy */
	{ "size.total", "policy", "Image size outside the policy limits",
	  "The compressed size of the whole image is above the maximum, or below the minimum, "
	  "that the policy sets.", 0 },
	{ "size.layer", "policy", "Layer larger than the policy allows",
	  "The compressed size of one layer is above the policy's per-layer limit.", 0 },
	{ "size.uncompressed", "policy", "Uncompressed size over the limit",
	  "The layers together expand to more bytes than the policy allows; decompression stops "
	  "as soon as the limit is crossed.", 0 },
	{ "layer.count", "policy", "Too many layers",
	  "The image has more layers than the policy allows.", 0 },
	{ "layer.compression_ratio", "policy", "Layer expands past the ratio limit",
	  "A layer decompresses to many times its compressed size, past the policy's ratio "
	  "limit: a likely decompression bomb, stopped before it was inflated to its end.", 0 },
	{ "platform.missing_field", "policy", "Config lacks os or architecture",
	  "The image config does not state the operating system or the CPU architecture the "
	  "image is built for.", 0 },
	{ "platform.unsupported", "policy", "Platform not allowed by the policy",
	  "The image's os/architecture/variant is not in the policy's list of allowed "
	  "platforms.", 0 },
	{ "platform.required_missing", "policy", "Required platform absent",
	  "The image index does not provide a platform that the policy requires.", 0 },
	{ "platform.mismatch", "policy", "Index platform differs from the config",
	  "The platform that an index entry declares is not the one its image config "
	  "describes.", 0 },
	{ "labels.missing", "policy", "Required label missing",
	  "A label that the policy requires is set neither in the config labels nor in the "
	  "manifest annotations.", 0 },
	{ "labels.invalid", "policy", "Label value does not match its pattern",
	  "A label's value does not match the regular expression the policy requires for "
	  "it.", 0 },
	{ "entrypoint.missing", "policy", "No entrypoint or command",
	  "Both Entrypoint and Cmd are empty, so the image does not say what to run.", 0 },
	{ "entrypoint.invalid", "policy", "Entrypoint breaks the policy",
	  "The entrypoint is in shell form where the policy requires exec form, or names an "
	  "absolute program that does not exist in the image's final filesystem.", 0 },
	{ "user.root", "policy", "Image runs as root",
	  "The image sets no user, or sets root or uid 0, so its process runs with root "
	  "privileges unless the runtime overrides it.", 0 },
	{ "metadata.incomplete", "policy", "Required config field absent",
	  "A config field that the policy requires (created, author, env, workdir...) is "
	  "missing.", 0 },
	{ "history.mismatch", "policy", "History does not match the layers",
	  "The history entries that created layers are not as many as the image's layers.", 0 },
	{ "annotations.missing", "policy", "Recommended annotation absent",
	  "A recommended org.opencontainers.image.* annotation or label is not set, which makes "
	  "the image harder to trace to its source.", 0 },
	{ "env.missing", "policy", "Required environment variable not set",
	  "The config does not set an environment variable that the policy requires.", 0 },
	{ "env.forbidden", "policy", "Forbidden environment variable set",
	  "The config sets an environment variable that the policy forbids, often a credential "
	  "baked into the image.", 0 },
	{ "port.not_allowed", "policy", "Exposed port not allowed",
	  "The image exposes a port that is not in the policy's list of allowed ports.", 0 },
	/* The gate itself */
	{ "policy.ignore_expired", "gate", "Suppression has expired",
	  "An ignore entry of the policy is past its expiry date: it suppresses nothing any "
	  "more and should be renewed or removed.", 0 },
	{ "policy.ignore_unused", "gate", "Suppression matched nothing",
	  "An ignore entry of the policy matched no finding in this run; a stale suppression "
	  "should be removed before it hides a future problem.", 0 },
	{ "run.nothing_checked", "gate", "Nothing was checked",
	  "No check ran on the image (for example every layer was skipped), so the run cannot "
	  "count as a pass.", 0 },
	/* Content and security */
	{ "path.traversal", "content", "Path climbs out of the root",
	  "A tar entry name has '..' components that climb out of the filesystem root when the "
	  "layer is unpacked.", 1 },
	{ "path.absolute", "content", "Absolute path in a layer",
	  "A tar entry name is absolute instead of relative to the layer's root.", 1 },
	{ "link.escape", "content", "Link escapes the root",
	  "A symbolic or hard link resolves outside the filesystem root, or a later entry "
	  "writes through such a link.", 1 },
	{ "file.setuid", "content", "setuid or setgid file",
	  "A file has the setuid or setgid bit, so it runs with the privileges of its owner or "
	  "group.", 1 },
	{ "file.world_writable", "content", "World-writable file",
	  "A file is writable by every user, or a world-writable directory lacks the sticky "
	  "bit.", 1 },
	{ "file.device", "content", "Device node in a layer",
	  "A layer contains a character or block device node.", 1 },
	{ "secret.private_key", "content", "Private key in the image",
	  "A private key (PEM or OpenSSH) is stored in a layer; it can still be extracted even "
	  "if a later layer deletes it.", 1 },
	{ "secret.cloud_credential", "content", "Cloud credential in the image",
	  "A cloud provider credential, such as an AWS access key id with its secret key, is "
	  "stored in a layer.", 1 },
	{ "secret.token", "content", "API token in the image",
	  "A string that matches a generic API token pattern is stored in a layer.", 1 },
	{ "vuln.critical", "content", "Critical vulnerability",
	  "An installed package matches a critical advisory of the offline vulnerability "
	  "database.", 0 },
	{ "vuln.high", "content", "High vulnerability",
	  "An installed package matches a high-severity advisory of the offline vulnerability "
	  "database.", 0 },
	{ "vuln.medium", "content", "Medium vulnerability",
	  "An installed package matches a medium-severity advisory of the offline "
	  "vulnerability database.", 0 },
	{ "vuln.low", "content", "Low vulnerability",
	  "An installed package matches a low-severity advisory of the offline vulnerability "
	  "database.", 0 },
	{ "vuln.db_stale", "content", "Vulnerability database out of date",
	  "The offline vulnerability database is older than the policy allows, so recent "
	  "advisories may be missing.", 0 },
	{ "packages.unsupported", "content", "Package database not readable",
	  "The image holds a package database that the scanner cannot read, so the package "
	  "inventory is incomplete.", 0 },
	{ "efficiency.wasted", "content", "Wasted layer bytes",
	  "Bytes shipped in layers but absent from the final filesystem (overwritten or "
	  "deleted by later layers) exceed the policy's limit.", 0 },
	/* Operations */
	{ "registry.unreachable", "operations", "Registry unreachable",
	  "The registry could not be reached: the connection was refused, or name resolution "
	  "or TLS failed.", 0 },
	{ "registry.auth", "operations", "Registry authentication failed",
	  "The registry rejected the credentials, or none were given where it requires "
	  "them.", 0 },
	{ "registry.denied", "operations", "Registry access denied",
	  "The registry accepted the credentials but does not allow the operation.", 0 },
	{ "registry.rate_limited", "operations", "Registry rate limit",
	  "The registry answered 429 Too Many Requests; the operation was retried as its "
	  "Retry-After asked.", 0 },
	{ "registry.server_error", "operations", "Registry server error",
	  "The registry answered with a server error (5xx); the operation was retried.", 0 },
	{ "registry.not_found", "operations", "Not found in the registry",
	  "The repository, tag or digest does not exist in the registry.", 0 },
	{ "registry.timeout", "operations", "Registry operation timed out",
	  "A registry operation took longer than its timeout.", 0 },
	{ "promote.tag_exists", "operations", "Destination tag already exists",
	  "The destination tag already points at an image with another digest.", 0 },
	{ "promote.digest_changed", "operations", "Digest changed during promotion",
	  "After the copy, the destination's digest differs from the source's.", 0 },
	{ "approval.missing", "operations", "Approval missing",
	  "No approval record allows this promotion.", 0 },
	{ "approval.rejected", "operations", "Approval rejected",
	  "The approval record for this promotion rejects it.", 0 },
	{ "approval.expired", "operations", "Approval expired",
	  "The approval record for this promotion has expired.", 0 },
	{ "approval.digest_mismatch", "operations", "Approval for another digest",
	  "The approval record names another image digest than the one being promoted.", 0 },
	{ "notify.failed", "operations", "Notification not delivered",
	  "A notification about the run could not be delivered.", 0 },
	{ "audit.write_failed", "operations", "Audit record not written",
	  "The audit record of the run could not be written.", 0 },
};

static const check_doc *check_doc_lookup(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(check_docs) / sizeof(check_docs[0]); i++)
		if (strcmp(check_docs[i].id, id) == 0)
			return &check_docs[i];
	return NULL;
}

/* ---------------------------------------------------------------- common */

static const char *verdict_word(og_verdict_t v)
{
	return v == OG_VERDICT_FAIL ? "FAIL" : v == OG_VERDICT_WARN ? "WARN" : "PASS";
}

/* Indexes of the findings, most severe first, report order within a
 * severity (a counting pass per severity keeps it stable and O(n)). NULL on
 * OOM; an empty list gives a valid pointer. */
static size_t *by_severity(const og_findings *list)
{
	size_t *idx = malloc((list->count ? list->count : 1) * sizeof(*idx));
	size_t i, n = 0;
	int sev;

	if (!idx)
		return NULL;
	for (sev = OG_SEV_CRITICAL; sev >= OG_SEV_NONE; sev--)
		for (i = 0; i < list->count; i++) {
			int s = (int)list->items[i].severity;
			int group = s > OG_SEV_CRITICAL ? OG_SEV_CRITICAL :
				s < OG_SEV_NONE ? OG_SEV_NONE : s;

			if (group == sev)
				idx[n++] = i;
		}
	return idx;
}

static const char *str_or(const char *s, const char *dflt)
{
	return s && s[0] ? s : dflt;
}

/* ------------------------------------------------------------- markdown */

/*
 * GitHub accepts at most 1 MiB per step summary; stay under 1,000,000 bytes.
 * Rows stop while MD_RESERVE bytes are still free, which is room for the
 * notes and closing tags after them.
 */
#define MD_LIMIT 1000000u
#define MD_RESERVE 4096u
#define MD_CELL_MAX 2048u   /* bytes of one escaped cell (a message) */
#define MD_SHORT_MAX 512u   /* ref, subject, digest */

/*
 * Append s as the text of a table cell: characters markdown or HTML would
 * act on become character references (| < > & ` \ * _ [ ] ~ and @, which
 * would mention someone), newlines become <br>, other controls and
 * ill-formed UTF-8 become U+FFFD. At most max bytes; a cut ends with "…".
 */
static void md_text(og_sbuf *b, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0, start = b->len;
	char ref[16];

	while (i < n) {
		const char *piece;
		uint32_t cp = 0;
		size_t bad, len = og_report__utf8_next(p + i, n - i, &cp, &bad);

		if (!len) {
			piece = OG_UTF8_REPLACEMENT;
			len = bad;
		} else if (cp == '\r' && i + 1 < n && p[i + 1] == '\n') {
			piece = "";
		} else if (cp == '\n' || cp == '\r') {
			piece = "<br>";
		} else if (cp == '\t') {
			piece = " ";
		} else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
			piece = OG_UTF8_REPLACEMENT;
		} else if (cp < 0x80 && strchr("|<>&`\\*_[]~@", (int)cp)) {
			snprintf(ref, sizeof(ref), "&#%u;", (unsigned)cp);
			piece = ref;
		} else {
			piece = NULL;
		}
		if (b->len - start + (piece ? strlen(piece) : len) + 3 > max) {
			og_sbuf__puts(b, "\xE2\x80\xA6");
			return;
		}
		if (piece)
			og_sbuf__puts(b, piece);
		else
			og_sbuf__putn(b, (const char *)p + i, len);
		i += len;
	}
}

static void md_row(og_sbuf *row, const og_finding *f)
{
	row->len = 0;
	if (row->data)
		row->data[0] = '\0';
	og_sbuf__printf(row, "| %s | ", og_severity_name(f->severity));
	md_text(row, f->id, MD_SHORT_MAX);
	og_sbuf__puts(row, " | ");
	md_text(row, f->subject, MD_SHORT_MAX);
	og_sbuf__puts(row, " | ");
	md_text(row, f->message, MD_CELL_MAX);
	og_sbuf__puts(row, " |\n");
}

#define MD_TABLE_HEAD "| Severity | ID | Subject | Message |\n| --- | --- | --- | --- |\n"
#define MD_LIMIT_NOTE "(GitHub's 1 MiB summary limit)"

/* The rows of one list, most severe first, while the budget lasts; returns
 * how many were left out. */
static size_t md_rows(og_sbuf *b, og_sbuf *row, const og_findings *list, const size_t *idx)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		md_row(row, &list->items[idx[i]]);
		if (row->failed) {
			b->failed = 1;
			return 0;
		}
		if (b->len + row->len + MD_RESERVE > MD_LIMIT)
			return list->count - i;
		og_sbuf__putn(b, row->data, row->len);
	}
	return 0;
}

static void md_header(og_sbuf *b, const og_report *r, og_severity_t fail_on)
{
	static const char *const icons[] = { "\xE2\x9C\x85", "\xE2\x9A\xA0\xEF\xB8\x8F",
		"\xE2\x9D\x8C" };
	og_verdict_t v = og_report_verdict(r, fail_on);
	uint64_t size = 0, usize = 0;
	size_t i, walked = 0;

	og_sbuf__printf(b, "## %s ocigate: %s \xE2\x80\x94 ", icons[v], verdict_word(v));
	md_text(b, str_or(r->ref, "(no reference)"), MD_SHORT_MAX);
	og_sbuf__puts(b, "\n\n");
	if (r->kind == OG_REPORT_DOCUMENT) {
		og_sbuf__puts(b, "| Document | Type |\n| --- | --- |\n| ");
		md_text(b, str_or(r->ref, "-"), MD_SHORT_MAX);
		og_sbuf__puts(b, " | ");
		md_text(b, str_or(r->document_type, "-"), MD_SHORT_MAX);
		og_sbuf__puts(b, " |\n\n");
	} else {
		og_sbuf__puts(b, "| Image | Digest | Platforms | Layers | Compressed | Uncompressed |\n"
			"| --- | --- | --- | --- | --- | --- |\n| ");
		md_text(b, str_or(r->ref, "-"), MD_SHORT_MAX);
		og_sbuf__puts(b, " | ");
		md_text(b, str_or(r->digest, "-"), MD_SHORT_MAX);
		og_sbuf__puts(b, " | ");
		for (i = 0; i < r->platform_count && i < 32; i++) {
			if (i)
				og_sbuf__puts(b, ", ");
			md_text(b, r->platforms[i], 64);
		}
		if (r->platform_count > 32)
			og_sbuf__printf(b, ", \xE2\x80\xA6 (%zu in all)", r->platform_count);
		if (r->platform_count == 0)
			og_sbuf__puts(b, "-");
		for (i = 0; i < r->layer_count; i++) {
			size += r->layers[i].size;
			if (r->layers[i].walked) {
				usize += r->layers[i].uncompressed_size;
				walked++;
			}
		}
		og_sbuf__printf(b, " | %zu", r->layer_count);
		if (walked != r->layer_count)
			og_sbuf__printf(b, " (%zu walked)", walked);
		og_sbuf__puts(b, " | ");
		og_report__put_size(b, size);
		og_sbuf__puts(b, " | ");
		og_report__put_size(b, usize);
		og_sbuf__puts(b, " |\n\n");
	}
	og_sbuf__printf(b, "**%zu critical, %zu high, %zu medium, %zu low** \xC2\xB7 "
		"fails at %s or above \xC2\xB7 policy: ",
		og_report_count(r, OG_SEV_CRITICAL), og_report_count(r, OG_SEV_HIGH),
		og_report_count(r, OG_SEV_MEDIUM), og_report_count(r, OG_SEV_LOW),
		og_severity_name(og_report__threshold(r, fail_on)));
	if (r->policy_path) {
		md_text(b, r->policy_path, MD_SHORT_MAX);
		if (r->policy_digest) {
			og_sbuf__puts(b, " (");
			md_text(b, r->policy_digest, MD_SHORT_MAX);
			og_sbuf__puts(b, ")");
		}
	} else {
		og_sbuf__puts(b, "built-in default");
	}
	og_sbuf__puts(b, "\n\n");
}

int og_report__render_markdown(char **out, const og_report *r, og_severity_t fail_on)
{
	og_sbuf b = OG_SBUF_INIT, row = OG_SBUF_INIT;
	size_t *idx = NULL, *sidx = NULL, left;
	int error = OG_ENOMEM;

	*out = NULL;
	if (!(idx = by_severity(&r->findings)) || !(sidx = by_severity(&r->suppressed)))
		goto done;
	md_header(&b, r, fail_on);
	og_sbuf__puts(&b, "### Findings\n\n");
	if (r->findings.count == 0) {
		og_sbuf__puts(&b, "No findings.\n");
	} else {
		og_sbuf__puts(&b, MD_TABLE_HEAD);
		if ((left = md_rows(&b, &row, &r->findings, idx)) > 0)
			og_sbuf__printf(&b, "\n\xE2\x80\xA6 %zu more finding%s not shown "
				MD_LIMIT_NOTE "\n", left, left == 1 ? "" : "s");
	}
	if (r->suppressed.count > 0) {
		og_sbuf__printf(&b, "\n<details><summary>%zu suppressed finding%s</summary>\n\n",
			r->suppressed.count, r->suppressed.count == 1 ? "" : "s");
		og_sbuf__puts(&b, MD_TABLE_HEAD);
		if ((left = md_rows(&b, &row, &r->suppressed, sidx)) > 0)
			og_sbuf__printf(&b, "\n\xE2\x80\xA6 %zu more suppressed finding%s not shown "
				MD_LIMIT_NOTE "\n", left, left == 1 ? "" : "s");
		og_sbuf__puts(&b, "\n</details>\n");
	}
	error = og_sbuf__finish(out, &b);
done:
	free(b.data);
	free(row.data);
	free(idx);
	free(sidx);
	return error;
}

/* --------------------------------------------------------------- github */

#define GH_MAX_PER_KIND 10

/*
 * Append s as workflow-command text. GitHub decodes %25, %0D and %0A in the
 * data, and also %3A and %2C in property values, so encoding exactly those
 * keeps every command on one line: a message holding "\n::set-env ..." can
 * never start a command of its own. Other controls and ill-formed UTF-8
 * become U+FFFD (an ESC would reach the log viewer).
 */
static void gh_text(og_sbuf *b, const char *s, int property)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0;

	while (i < n) {
		uint32_t cp = 0;
		size_t bad, len = og_report__utf8_next(p + i, n - i, &cp, &bad);

		if (!len) {
			og_sbuf__puts(b, OG_UTF8_REPLACEMENT);
			i += bad;
			continue;
		}
		if (cp == '%')
			og_sbuf__puts(b, "%25");
		else if (cp == '\r')
			og_sbuf__puts(b, "%0D");
		else if (cp == '\n')
			og_sbuf__puts(b, "%0A");
		else if (property && cp == ':')
			og_sbuf__puts(b, "%3A");
		else if (property && cp == ',')
			og_sbuf__puts(b, "%2C");
		else if ((cp < 0x20 && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
			og_sbuf__puts(b, OG_UTF8_REPLACEMENT);
		else
			og_sbuf__putn(b, (const char *)p + i, len);
		i += len;
	}
}

int og_report__render_github(char **out, const og_report *r, og_severity_t fail_on)
{
	static const char *const kinds[] = { "error", "warning", "notice" };
	static const char *const plural[] = { "errors", "warnings", "notices" };
	og_severity_t threshold = og_report__threshold(r, fail_on);
	og_sbuf b = OG_SBUF_INIT;
	size_t *idx = NULL, shown[3] = { 0, 0, 0 }, i;
	int error = OG_ENOMEM, k;

	*out = NULL;
	if (!(idx = by_severity(&r->findings)))
		goto done;
	for (i = 0; i < r->findings.count; i++) {
		const og_finding *f = &r->findings.items[idx[i]];

		k = f->severity >= threshold ? 0 : f->severity >= OG_SEV_MEDIUM ? 1 : 2;
		if (shown[k]++ >= GH_MAX_PER_KIND)
			continue;
		og_sbuf__printf(&b, "::%s title=", kinds[k]);
		gh_text(&b, f->id, 1);
		og_sbuf__puts(&b, "::");
		if (f->subject && f->subject[0]) {
			gh_text(&b, f->subject, 0);
			og_sbuf__puts(&b, ": ");
		}
		gh_text(&b, f->message, 0);
		og_sbuf__putc(&b, '\n');
	}
	for (k = 0; k < 3; k++)
		if (shown[k] > GH_MAX_PER_KIND)
			og_sbuf__printf(&b, "::warning::ocigate: %zu more %s not shown\n",
				shown[k] - GH_MAX_PER_KIND, plural[k]);
	error = og_sbuf__finish(out, &b);
done:
	free(b.data);
	free(idx);
	return error;
}

/* ---------------------------------------------------------------- JUnit */

/*
 * Append s as XML 1.0 character data (attr: an attribute value in double
 * quotes). & < > " ' become entities; characters XML 1.0 does not allow
 * (C0 controls but TAB LF CR, U+FFFE, U+FFFF) are dropped, and so are DEL
 * and the C1 controls, which it discourages; ill-formed UTF-8
 * becomes U+FFFD. In attributes TAB LF CR are written as references, which
 * survive attribute-value normalisation; CR is one everywhere, or a parser
 * would turn it into LF.
 */
static void xml_text(og_sbuf *b, const char *s, int attr)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0;

	while (i < n) {
		uint32_t cp = 0;
		size_t bad, len = og_report__utf8_next(p + i, n - i, &cp, &bad);

		if (!len) {
			og_sbuf__puts(b, OG_UTF8_REPLACEMENT);
			i += bad;
			continue;
		}
		switch (cp) {
		case '&': og_sbuf__puts(b, "&amp;"); break;
		case '<': og_sbuf__puts(b, "&lt;"); break;
		case '>': og_sbuf__puts(b, "&gt;"); break;
		case '"': og_sbuf__puts(b, "&quot;"); break;
		case '\'': og_sbuf__puts(b, "&apos;"); break;
		case '\r': og_sbuf__puts(b, "&#13;"); break;
		case '\n': og_sbuf__puts(b, attr ? "&#10;" : "\n"); break;
		case '\t': og_sbuf__puts(b, attr ? "&#9;" : "\t"); break;
		default:
			if (cp >= 0x20 && !(cp >= 0x7F && cp <= 0x9F) && cp != 0xFFFE && cp != 0xFFFF)
				og_sbuf__putn(b, (const char *)p + i, len);
			break;
		}
		i += len;
	}
}

/* One line of a testcase body: "SEVERITY subject: message". */
static void junit_line(og_sbuf *b, const og_finding *f)
{
	og_sbuf__printf(b, "%s ", og_severity_name(f->severity));
	if (f->subject && f->subject[0]) {
		xml_text(b, f->subject, 0);
		og_sbuf__puts(b, ": ");
	}
	xml_text(b, f->message, 0);
	og_sbuf__putc(b, '\n');
}

static void junit_attr_finding(og_sbuf *b, const og_finding *f)
{
	if (f->subject && f->subject[0]) {
		xml_text(b, f->subject, 1);
		og_sbuf__puts(b, ": ");
	}
	xml_text(b, f->message, 1);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids of the testcases: every check that ran, and every id that has a
 * finding (so no finding goes unreported), sorted and unique. */
/* A finding belongs to the suite of the image it is about, or to every
 * suite when it is about none in particular (the layout, an index). */
static int in_suite(const og_report *r, const og_report_image *img, const og_finding *f)
{
	const og_report_image *of;

	if (!img)
		return 1;
	of = og_report__image_of(r, f);
	return !of || of == img;
}

static const char **junit_ids(const og_report *r, const og_report_image *img, size_t *count)
{
	size_t cap = r->check_count + r->findings.count + r->suppressed.count, n = 0, i, j;
	const char **ids = malloc((cap ? cap : 1) * sizeof(*ids));

	if (!ids)
		return NULL;
	for (i = 0; i < r->check_count; i++)
		ids[n++] = r->checks[i];
	for (i = 0; i < r->findings.count; i++)
		if (in_suite(r, img, &r->findings.items[i]))
			ids[n++] = r->findings.items[i].id;
	for (i = 0; i < r->suppressed.count; i++)
		if (in_suite(r, img, &r->suppressed.items[i]))
			ids[n++] = r->suppressed.items[i].id;
	qsort(ids, n, sizeof(*ids), cmp_str);
	for (i = j = 0; i < n; i++)
		if (j == 0 || strcmp(ids[j - 1], ids[i]) != 0)
			ids[j++] = ids[i];
	*count = j;
	return ids;
}

typedef struct junit_case {
	size_t failing;      /* findings at or above the threshold */
	size_t below;        /* findings under it */
	size_t suppressed;
	const og_finding *first_failing;
	const og_finding *first_suppressed;
	og_severity_t worst; /* of the failing ones */
} junit_case;

static void junit_tally(junit_case *c, const og_report *r, const og_report_image *img,
	const char *id, og_severity_t threshold)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < r->findings.count; i++) {
		const og_finding *f = &r->findings.items[i];

		if (strcmp(f->id, id) != 0 || !in_suite(r, img, f))
			continue;
		if (f->severity >= threshold) {
			if (!c->failing++)
				c->first_failing = f;
			if (f->severity > c->worst)
				c->worst = f->severity;
		} else {
			c->below++;
		}
	}
	for (i = 0; i < r->suppressed.count; i++)
		if (strcmp(r->suppressed.items[i].id, id) == 0 &&
		    in_suite(r, img, &r->suppressed.items[i]) && !c->suppressed++)
			c->first_suppressed = &r->suppressed.items[i];
}

static int junit_case_xml(og_sbuf *b, const og_report *r, const og_report_image *img,
	const char *id, const junit_case *c, og_severity_t threshold)
{
	char *reason = NULL;
	size_t i;

	og_sbuf__puts(b, "    <testcase classname=\"ocigate\" name=\"");
	xml_text(b, id, 1);
	if (!c->failing && !c->below && !c->suppressed) {
		og_sbuf__puts(b, "\"/>\n");
		return 0;
	}
	og_sbuf__puts(b, "\">\n");
	if (c->failing) {
		og_sbuf__puts(b, "      <failure message=\"");
		junit_attr_finding(b, c->first_failing);
		if (c->failing > 1)
			og_sbuf__printf(b, " (and %zu more)", c->failing - 1);
		og_sbuf__printf(b, "\" type=\"%s\">", og_severity_name(c->worst));
		for (i = 0; i < r->findings.count; i++) {
			const og_finding *f = &r->findings.items[i];

			if (strcmp(f->id, id) == 0 && f->severity >= threshold && in_suite(r, img, f))
				junit_line(b, f);
		}
		og_sbuf__puts(b, "</failure>\n");
	} else if (!c->below) {
		/* Every finding of this check was suppressed. */
		if (!(reason = og_report__ignore_reason(c->first_suppressed)))
			return OG_ENOMEM;
		og_sbuf__puts(b, "      <skipped message=\"ignored: ");
		xml_text(b, reason, 1);
		og_sbuf__puts(b, "\"/>\n");
		free(reason);
	}
	if (c->below || c->suppressed) {
		og_sbuf__puts(b, "      <system-out>");
		for (i = 0; i < r->findings.count; i++) {
			const og_finding *f = &r->findings.items[i];

			if (strcmp(f->id, id) == 0 && f->severity < threshold && in_suite(r, img, f))
				junit_line(b, f);
		}
		for (i = 0; i < r->suppressed.count; i++)
			if (strcmp(r->suppressed.items[i].id, id) == 0 &&
			    in_suite(r, img, &r->suppressed.items[i]))
				junit_line(b, &r->suppressed.items[i]);
		og_sbuf__puts(b, "</system-out>\n");
	}
	og_sbuf__puts(b, "    </testcase>\n");
	return 0;
}

/* Seconds with a '.' and three decimals whatever the locale (%f would
 * follow LC_NUMERIC, and JUnit readers want a dot). */
static void junit_seconds(char *buf, size_t size, double seconds)
{
	unsigned long long ms = seconds > 0 && seconds < 1e15 ?
		(unsigned long long)(seconds * 1000.0 + 0.5) : 0;

	snprintf(buf, size, "%llu.%03u", ms / 1000, (unsigned)(ms % 1000));
}

/* One <testsuite>: for one image (img), or for the whole report (NULL). */
static int junit_suite(og_sbuf *b, const og_report *r, const og_report_image *img,
	og_severity_t threshold, og_severity_t fail_on, size_t *tests, size_t *failures,
	size_t *skipped)
{
	og_sbuf cases = OG_SBUF_INIT;
	const char **ids = NULL;
	char seconds[32];
	size_t count = 0, fails = 0, skips = 0, i;
	junit_case c;
	int error = OG_ENOMEM;

	if (!(ids = junit_ids(r, img, &count)))
		goto done;
	for (i = 0; i < count; i++) {
		junit_tally(&c, r, img, ids[i], threshold);
		if (c.failing)
			fails++;
		else if (c.suppressed && !c.below)
			skips++;
		if ((error = junit_case_xml(&cases, r, img, ids[i], &c, threshold)) < 0)
			goto done;
	}
	junit_seconds(seconds, sizeof(seconds), r->seconds);
	og_sbuf__puts(b, "  <testsuite name=\"");
	xml_text(b, str_or(r->ref, "image"), 1);
	if (r->kind == OG_REPORT_DOCUMENT && r->document_type) {
		og_sbuf__puts(b, " [");
		xml_text(b, r->document_type, 1);
		og_sbuf__puts(b, "]");
	}
	if (img && img->platform[0]) {
		og_sbuf__puts(b, " [");
		xml_text(b, img->platform, 1);
		og_sbuf__puts(b, "]");
	} else if (!img) {
		for (i = 0; i < r->platform_count; i++) {
			og_sbuf__puts(b, i ? ", " : " [");
			xml_text(b, r->platforms[i], 1);
		}
		if (r->platform_count)
			og_sbuf__puts(b, "]");
	}
	og_sbuf__printf(b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" "
		"time=\"%s\">\n", count, fails, skips, seconds);
	og_sbuf__puts(b, "    <properties>\n      <property name=\"digest\" value=\"");
	xml_text(b, str_or(img ? img->manifest_digest : r->digest, ""), 1);
	og_sbuf__printf(b, "\"/>\n      <property name=\"verdict\" value=\"%s\"/>\n"
		"      <property name=\"fail_on\" value=\"%s\"/>\n"
		"      <property name=\"policy\" value=\"",
		verdict_word(og_report_verdict(r, fail_on)), og_severity_name(threshold));
	xml_text(b, str_or(r->policy_path, "built-in"), 1);
	og_sbuf__puts(b, "\"/>\n    </properties>\n");
	if (cases.failed)
		b->failed = 1;
	else if (cases.data)
		og_sbuf__putn(b, cases.data, cases.len);
	og_sbuf__puts(b, "  </testsuite>\n");
	*tests += count;
	*failures += fails;
	*skipped += skips;
	error = 0;
done:
	free(cases.data);
	free(ids);
	return error;
}

/*
 * One <testsuite> per runnable image (platform) of the report: a finding is
 * in the suite of the image whose manifest, config or layer it came from,
 * and in every suite when it is about none in particular (the layout, the
 * index). Reports without images (a schema document) have one suite.
 */
int og_report__render_junit(char **out, const og_report *r, og_severity_t fail_on)
{
	og_severity_t threshold = og_report__threshold(r, fail_on);
	og_sbuf b = OG_SBUF_INIT, suites = OG_SBUF_INIT;
	char seconds[32];
	size_t tests = 0, failures = 0, skipped = 0, i;
	int error = 0;

	*out = NULL;
	if (r->image_count == 0)
		error = junit_suite(&suites, r, NULL, threshold, fail_on, &tests, &failures, &skipped);
	for (i = 0; i < r->image_count && error == 0; i++)
		error = junit_suite(&suites, r, &r->images[i], threshold, fail_on,
			&tests, &failures, &skipped);
	if (error < 0)
		goto done;
	junit_seconds(seconds, sizeof(seconds), r->seconds);
	og_sbuf__puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	og_sbuf__printf(&b, "<testsuites name=\"ocigate\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"0\" skipped=\"%zu\" time=\"%s\">\n", tests, failures, skipped, seconds);
	if (suites.failed)
		b.failed = 1;
	else if (suites.data)
		og_sbuf__putn(&b, suites.data, suites.len);
	og_sbuf__puts(&b, "</testsuites>\n");
	error = og_sbuf__finish(out, &b);
done:
	free(b.data);
	free(suites.data);
	return error;
}

/* ---------------------------------------------------------------- SARIF */

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static const char *sarif_level(og_severity_t sev)
{
	return sev >= OG_SEV_HIGH ? "error" : sev == OG_SEV_MEDIUM ? "warning" : "note";
}

static const char *security_severity(og_severity_t sev)
{
	switch (sev) {
	case OG_SEV_CRITICAL: return "9.5";
	case OG_SEV_HIGH: return "8.0";
	case OG_SEV_MEDIUM: return "5.5";
	default: return "3.0";
	}
}

/* "blob.digest_mismatch" -> "BlobDigestMismatch" */
static char *rule_name(const char *id)
{
	char *name = malloc(strlen(id) + 1), *o = name;
	int up = 1;

	if (!name)
		return NULL;
	for (; *id; id++) {
		if (*id == '.' || *id == '_' || *id == '-') {
			up = 1;
			continue;
		}
		*o++ = up && *id >= 'a' && *id <= 'z' ? (char)(*id - 'a' + 'A') : *id;
		up = 0;
	}
	*o = '\0';
	return name;
}

/*
 * Percent-encode one piece of a URI path: what is not an unreserved
 * character, a sub-delimiter, '@' or ':' (and ':' too in the first segment,
 * where it would read as a scheme) becomes %XX; '/' is kept as the separator
 * but empty, "." and ".." segments are dropped, so that no path can climb out
 * of the image's name. The input is valid UTF-8 (sanitized by the caller).
 */
static void uri_path(og_sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *seg = s;

	while (*seg) {
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg), i;

		if (len && !(len == 1 && seg[0] == '.') && !(len == 2 && seg[0] == '.' && seg[1] == '.')) {
			int first = b->len == 0;

			if (!first)
				og_sbuf__putc(b, '/');
			for (i = 0; i < len; i++) {
				unsigned char c = (unsigned char)seg[i];

				if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,;=@", c) ||
				    (c == ':' && !first)) {
					og_sbuf__putc(b, (char)c);
				} else {
					og_sbuf__putc(b, '%');
					og_sbuf__putc(b, hex[c >> 4]);
					og_sbuf__putc(b, hex[c & 15]);
				}
			}
		}
		seg += len;
		if (*seg == '/')
			seg++;
	}
}

/* The artifact URI of a finding: the image's name, and for a path inside a
 * layer "name/path" (a relative reference, so no uriBaseId). uri_path adds
 * the '/' between the two. */
static json_t *sarif_uri(const og_report *r, const og_finding *f)
{
	const check_doc *doc = check_doc_lookup(f->id);
	og_sbuf b = OG_SBUF_INIT;
	char *ref = NULL, *path = NULL;
	json_t *v = NULL;

	if (!(ref = og_report__utf8_sanitize(str_or(r->ref, "image"))))
		goto done;
	uri_path(&b, ref);
	if (b.len == 0)
		og_sbuf__puts(&b, "image");
	if (r->kind == OG_REPORT_IMAGE && doc && doc->path && f->subject && f->subject[0]) {
		if (!(path = og_report__utf8_sanitize(f->subject)))
			goto done;
		uri_path(&b, path);
	}
	if (!b.failed)
		v = json_string(b.data);
done:
	free(ref);
	free(path);
	free(b.data);
	return v;
}

/* sha256 over id, subject and the image's digest (its ref when there is no
 * digest), NUL-separated: the same finding on the same image gets the same
 * fingerprint in every run, whatever its message or severity. */
static json_t *sarif_fingerprint(const og_report *r, const og_finding *f)
{
	const char *image = r->digest ? r->digest : str_or(r->ref, "");
	char digest[OG_DIGEST_MAX];
	const char *hexpart;
	og_hash *h = NULL;

	if (og_hash_new(&h, NULL, OG_DIGEST_SHA256) < 0)
		return NULL;
	og_hash_update(h, f->id, strlen(f->id) + 1);
	og_hash_update(h, f->subject ? f->subject : "", strlen(f->subject ? f->subject : "") + 1);
	og_hash_update(h, image, strlen(image));
	og_hash_final(h, digest);
	og_hash_free(h);
	hexpart = strchr(digest, ':');
	return json_string(hexpart ? hexpart + 1 : digest);
}

static json_t *sarif_message(const char *text)
{
	json_t *m = json_object();

	if (m && og_report__jset(m, "text", og_report__jstr(text)) < 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

/* The rules: every catalogue id that ran or has a finding, in catalogue
 * order, then any id outside the catalogue. `ids` gets each rule's id, in
 * rule order (ruleIndex). */
typedef struct sarif_rules {
	const char **ids;
	og_severity_t *sev; /* the most severe finding of the rule, or its default */
	size_t count;
} sarif_rules;

static int rule_used(const og_report *r, const char *id, og_severity_t *worst)
{
	size_t i;
	int used = 0;

	for (i = 0; i < r->findings.count; i++)
		if (strcmp(r->findings.items[i].id, id) == 0) {
			if (!used || r->findings.items[i].severity > *worst)
				*worst = r->findings.items[i].severity;
			used = 1;
		}
	for (i = 0; i < r->suppressed.count; i++)
		if (strcmp(r->suppressed.items[i].id, id) == 0) {
			if (!used || r->suppressed.items[i].severity > *worst)
				*worst = r->suppressed.items[i].severity;
			used = 1;
		}
	if (used)
		return 1;
	for (i = 0; i < r->check_count; i++)
		if (strcmp(r->checks[i], id) == 0)
			return 1;
	return 0;
}

static size_t rule_index(const sarif_rules *rules, const char *id)
{
	size_t i;

	for (i = 0; i < rules->count; i++)
		if (strcmp(rules->ids[i], id) == 0)
			return i;
	return 0;
}

static int sarif_collect_rules(sarif_rules *rules, const og_report *r)
{
	const og_check *all;
	size_t count, i, j, cap;

	all = og_check_all(&count);
	cap = count + r->check_count + r->findings.count + r->suppressed.count;
	rules->count = 0;
	rules->ids = malloc(cap * sizeof(*rules->ids));
	rules->sev = malloc(cap * sizeof(*rules->sev));
	if (!rules->ids || !rules->sev)
		return OG_ENOMEM;
	for (i = 0; i < count; i++) {
		og_severity_t worst = all[i].severity;

		if (rule_used(r, all[i].id, &worst)) {
			rules->ids[rules->count] = all[i].id;
			rules->sev[rules->count++] = worst;
		}
	}
	/* Ids the catalogue does not know (a report built by hand). */
	for (j = 0; j < 3; j++) {
		size_t n = j == 0 ? r->check_count : j == 1 ? r->findings.count : r->suppressed.count;

		for (i = 0; i < n; i++) {
			const char *id = j == 0 ? r->checks[i] : j == 1 ? r->findings.items[i].id :
				r->suppressed.items[i].id;
			og_severity_t worst = OG_SEV_MEDIUM;
			size_t k;

			if (og_check_lookup(id))
				continue;
			for (k = 0; k < rules->count && strcmp(rules->ids[k], id) != 0; k++)
				;
			if (k < rules->count)
				continue;
			rule_used(r, id, &worst);
			rules->ids[rules->count] = id;
			rules->sev[rules->count++] = worst;
		}
	}
	return 0;
}

static json_t *sarif_rule(const char *id, og_severity_t sev)
{
	const check_doc *doc = check_doc_lookup(id);
	json_t *rule = json_object(), *cfg = NULL, *props = NULL, *tags = NULL;
	char *name = rule_name(id);

	if (!rule || !name)
		goto fail;
	if (og_report__jset(rule, "id", og_report__jstr(id)) < 0 ||
	    og_report__jset(rule, "name", og_report__jstr(name)) < 0 ||
	    og_report__jset(rule, "shortDescription",
		sarif_message(doc ? doc->brief : id)) < 0 ||
	    og_report__jset(rule, "fullDescription",
		sarif_message(doc ? doc->full : "A check outside ocigate's catalogue.")) < 0)
		goto fail;
	if (!(cfg = json_object()) || og_report__jset(rule, "defaultConfiguration", cfg) < 0 ||
	    og_report__jset(cfg, "level", json_string(sarif_level(sev))) < 0)
		goto fail;
	if (!(props = json_object()) || og_report__jset(rule, "properties", props) < 0 ||
	    og_report__jset(props, "security-severity", json_string(security_severity(sev))) < 0 ||
	    !(tags = json_array()) || og_report__jset(props, "tags", tags) < 0 ||
	    og_report__jappend(tags, json_string("security")) < 0 ||
	    og_report__jappend(tags, json_string("container")) < 0 ||
	    (doc && og_report__jappend(tags, json_string(doc->group)) < 0))
		goto fail;
	free(name);
	return rule;
fail:
	free(name);
	json_decref(rule);
	return NULL;
}

static json_t *sarif_location(const og_report *r, const og_finding *f)
{
	json_t *loc = json_object(), *phys, *art, *aprops, *region, *logicals, *logical;

	if (!loc)
		return NULL;
	/* The artifact is the image: its name in the URI, its digest in the
	 * properties. A region is not meaningful for an image, but GitHub code
	 * scanning wants one on every location: line 1 of the "artifact". */
	if (!(phys = json_object()) || og_report__jset(loc, "physicalLocation", phys) < 0 ||
	    !(art = json_object()) || og_report__jset(phys, "artifactLocation", art) < 0 ||
	    og_report__jset(art, "uri", sarif_uri(r, f)) < 0 ||
	    (r->digest && (!(aprops = json_object()) ||
	     og_report__jset(art, "properties", aprops) < 0 ||
	     og_report__jset(aprops, "digest", og_report__jstr(r->digest)) < 0)) ||
	    !(region = json_object()) || og_report__jset(phys, "region", region) < 0 ||
	    og_report__jset(region, "startLine", json_integer(1)) < 0)
		goto fail;
	if (f->subject && f->subject[0]) {
		if (!(logicals = json_array()) || og_report__jset(loc, "logicalLocations", logicals) < 0 ||
		    !(logical = json_object()) || og_report__jappend(logicals, logical) < 0 ||
		    og_report__jset(logical, "name", og_report__jstr(f->subject)) < 0)
			goto fail;
	}
	return loc;
fail:
	json_decref(loc);
	return NULL;
}

static json_t *sarif_result(const og_report *r, const sarif_rules *rules,
	const og_finding *f, int suppressed)
{
	json_t *res = json_object(), *locs, *fps, *props, *sups, *sup;
	char *msg = NULL, *reason = NULL, *text = NULL;

	if (!res)
		return NULL;
	if (!(msg = suppressed ? og_report__ignore_message(f) : og__strdup(f->message ? f->message : "")))
		goto fail;
	if (f->subject && f->subject[0])
		text = og__asprintf("%s: %s", f->subject, msg);
	else
		text = og__strdup(msg[0] ? msg : f->id);
	if (!text)
		goto fail;
	if (og_report__jset(res, "ruleId", og_report__jstr(f->id)) < 0 ||
	    og_report__jset(res, "ruleIndex", og_report__jint(rule_index(rules, f->id))) < 0 ||
	    og_report__jset(res, "level", json_string(sarif_level(f->severity))) < 0 ||
	    og_report__jset(res, "message", sarif_message(text)) < 0 ||
	    !(locs = json_array()) || og_report__jset(res, "locations", locs) < 0 ||
	    og_report__jappend(locs, sarif_location(r, f)) < 0 ||
	    !(fps = json_object()) || og_report__jset(res, "partialFingerprints", fps) < 0 ||
	    og_report__jset(fps, "ocigate/v1", sarif_fingerprint(r, f)) < 0)
		goto fail;
	if (suppressed) {
		if (!(reason = og_report__ignore_reason(f)) ||
		    !(sups = json_array()) || og_report__jset(res, "suppressions", sups) < 0 ||
		    !(sup = json_object()) || og_report__jappend(sups, sup) < 0 ||
		    og_report__jset(sup, "kind", json_string("external")) < 0 ||
		    og_report__jset(sup, "justification", og_report__jstr(reason)) < 0)
			goto fail;
	}
	if (!(props = json_object()) || og_report__jset(res, "properties", props) < 0 ||
	    og_report__jset(props, "severity", json_string(og_severity_name(f->severity))) < 0 ||
	    og_report__jset(props, "category", json_string(og_category_name(f->category))) < 0)
		goto fail;
	free(msg);
	free(reason);
	free(text);
	return res;
fail:
	free(msg);
	free(reason);
	free(text);
	json_decref(res);
	return NULL;
}

static json_t *sarif_run_properties(const og_report *r, og_severity_t fail_on)
{
	json_t *props = json_object(), *img, *plats, *pol;
	size_t i;

	if (!props)
		return NULL;
	if (og_report__jset(props, "verdict",
		json_string(verdict_word(og_report_verdict(r, fail_on)))) < 0 ||
	    og_report__jset(props, "failOn",
		json_string(og_severity_name(og_report__threshold(r, fail_on)))) < 0 ||
	    !(img = json_object()) || og_report__jset(props, "image", img) < 0 ||
	    og_report__jset(img, "ref", og_report__jstr(r->ref)) < 0 ||
	    og_report__jset(img, "digest", og_report__jstr(r->digest)) < 0 ||
	    !(plats = json_array()) || og_report__jset(img, "platforms", plats) < 0 ||
	    !(pol = json_object()) || og_report__jset(props, "policy", pol) < 0 ||
	    og_report__jset(pol, "path", og_report__jstr(r->policy_path)) < 0 ||
	    og_report__jset(pol, "digest", og_report__jstr(r->policy_digest)) < 0)
		goto fail;
	for (i = 0; i < r->platform_count; i++)
		if (og_report__jappend(plats, og_report__jstr(r->platforms[i])) < 0)
			goto fail;
	return props;
fail:
	json_decref(props);
	return NULL;
}

int og_report__render_sarif(char **out, const og_report *r, og_severity_t fail_on)
{
	json_t *root = NULL, *runs, *run, *tool, *driver, *rules_json, *results;
	sarif_rules rules = { NULL, NULL, 0 };
	size_t i;
	int error = OG_ENOMEM;

	*out = NULL;
	if (sarif_collect_rules(&rules, r) < 0 || !(root = json_object()))
		goto done;
	if (og_report__jset(root, "$schema", json_string(SARIF_SCHEMA)) < 0 ||
	    og_report__jset(root, "version", json_string("2.1.0")) < 0 ||
	    !(runs = json_array()) || og_report__jset(root, "runs", runs) < 0 ||
	    !(run = json_object()) || og_report__jappend(runs, run) < 0 ||
	    !(tool = json_object()) || og_report__jset(run, "tool", tool) < 0 ||
	    !(driver = json_object()) || og_report__jset(tool, "driver", driver) < 0 ||
	    og_report__jset(driver, "name", json_string("ocigate")) < 0 ||
	    og_report__jset(driver, "version", json_string(OG_VERSION)) < 0 ||
	    og_report__jset(driver, "semanticVersion", json_string(OG_VERSION)) < 0 ||
	    !(rules_json = json_array()) || og_report__jset(driver, "rules", rules_json) < 0)
		goto done;
	for (i = 0; i < rules.count; i++)
		if (og_report__jappend(rules_json, sarif_rule(rules.ids[i], rules.sev[i])) < 0)
			goto done;
	if (!(results = json_array()) || og_report__jset(run, "results", results) < 0)
		goto done;
	for (i = 0; i < r->findings.count; i++)
		if (og_report__jappend(results, sarif_result(r, &rules, &r->findings.items[i], 0)) < 0)
			goto done;
	for (i = 0; i < r->suppressed.count; i++)
		if (og_report__jappend(results, sarif_result(r, &rules, &r->suppressed.items[i], 1)) < 0)
			goto done;
	if (og_report__jset(run, "properties", sarif_run_properties(r, fail_on)) < 0)
		goto done;
	error = og_report__json_text(out, root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
done:
	json_decref(root);
	free(rules.ids);
	free(rules.sev);
	return error;
}

/* ------------------------------------------------------------- errorlog */

static json_t *errorlog_context(const og_report *r)
{
	json_t *ctx = json_object(), *plats;
	size_t i;

	if (!ctx)
		return NULL;
	if (og_report__jset(ctx, "ref", og_report__jstr(r->ref)) < 0 ||
	    og_report__jset(ctx, "digest", og_report__jstr(r->digest)) < 0 ||
	    !(plats = json_array()) || og_report__jset(ctx, "platforms", plats) < 0)
		goto fail;
	for (i = 0; i < r->platform_count; i++)
		if (og_report__jappend(plats, og_report__jstr(r->platforms[i])) < 0)
			goto fail;
	return ctx;
fail:
	json_decref(ctx);
	return NULL;
}

/* One line: the finding and where it was found. */
static int errorlog_line(og_sbuf *b, const char *stamp, const og_finding *f,
	const json_t *ctx, int suppressed)
{
	json_t *o = json_object();
	char *line = NULL;
	int error = OG_ENOMEM;

	if (!o)
		return OG_ENOMEM;
	if (og_report__jset(o, "time", json_string(stamp)) < 0 ||
	    og_report__jset(o, "id", og_report__jstr(f->id)) < 0 ||
	    og_report__jset(o, "category", json_string(og_category_name(f->category))) < 0 ||
	    og_report__jset(o, "severity", json_string(og_severity_name(f->severity))) < 0 ||
	    og_report__jset(o, "subject", og_report__jstr(f->subject ? f->subject : "")) < 0 ||
	    og_report__jset(o, "message", og_report__jstr(f->message ? f->message : "")) < 0 ||
	    og_report__jset(o, "context", json_incref((json_t *)(uintptr_t)ctx)) < 0 ||
	    (suppressed && og_report__jset(o, "suppressed", json_true()) < 0))
		goto done;
	/* Compact: jansson escapes every control character, so one object is
	 * one line whatever the strings hold. */
	if ((error = og_report__json_text(&line, o, JSON_COMPACT | JSON_PRESERVE_ORDER)) < 0)
		goto done;
	og_sbuf__puts(b, line);
done:
	free(line);
	json_decref(o);
	return error;
}

int og_report__render_errorlog(char **out, const og_report *r, time_t now)
{
	og_sbuf b = OG_SBUF_INIT;
	json_t *ctx = NULL;
	struct tm tm;
	char stamp[32];
	size_t i;
	int error = OG_ENOMEM;

	*out = NULL;
	if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		error = OG_ERROR;
		goto done;
	}
	if (!(ctx = errorlog_context(r)))
		goto done;
	for (i = 0; i < r->findings.count; i++)
		if ((error = errorlog_line(&b, stamp, &r->findings.items[i], ctx, 0)) < 0)
			goto done;
	for (i = 0; i < r->suppressed.count; i++)
		if ((error = errorlog_line(&b, stamp, &r->suppressed.items[i], ctx, 1)) < 0)
			goto done;
	error = og_sbuf__finish(out, &b);
done:
	free(b.data);
	json_decref(ctx);
	return error;
}
