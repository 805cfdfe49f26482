/*
 * og_sbom: a software bill of materials of one image, from the package
 * inventory the validation's scan reads (dpkg, apk). CycloneDX 1.5 JSON or
 * SPDX 2.3 JSON. Deterministic: identifiers and timestamps come from the
 * image (its manifest digest, its config's "created"), never from the clock
 * or a random source, so the same image always gives the same bytes.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "report_internal.h"

#define SPDX_NAMESPACE "https://ocigate.invalid/spdx/"

typedef struct sbom_in {
	const char *ref;
	const char *digest;      /* "sha256:..." of the image manifest */
	const char *hex;         /* after the ':' */
	const json_t *os;        /* {id, version_id, ...} or NULL */
	const json_t *packages;  /* array of {name, version, source, arch, type, layer} */
	const char *created;     /* the config's, or NULL */
} sbom_in;

static const char *jget(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* purl components are percent-encoded except for unreserved characters. */
static void purl_put(og_sbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_' || c == '~') {
			og_sbuf__putc(b, (char)c);
		} else {
			og_sbuf__putc(b, '%');
			og_sbuf__putc(b, hex[c >> 4]);
			og_sbuf__putc(b, hex[c & 15]);
		}
	}
}

/* pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=debian-12,
 * pkg:apk/alpine/NAME@VERSION?arch=ARCH. NULL on OOM. */
static char *make_purl(const json_t *pkg, const json_t *os)
{
	og_sbuf b = OG_SBUF_INIT;
	const char *type = jget(pkg, "type"), *arch = jget(pkg, "arch");
	const char *os_id = jget(os, "id"), *os_ver = jget(os, "version_id");
	int deb = type && strcmp(type, "deb") == 0;
	char *out = NULL;

	og_sbuf__puts(&b, "pkg:");
	og_sbuf__puts(&b, deb ? "deb/" : "apk/");
	purl_put(&b, os_id && *os_id ? os_id : deb ? "debian" : "alpine");
	og_sbuf__putc(&b, '/');
	purl_put(&b, jget(pkg, "name"));
	og_sbuf__putc(&b, '@');
	purl_put(&b, jget(pkg, "version"));
	if (arch && *arch) {
		og_sbuf__puts(&b, "?arch=");
		purl_put(&b, arch);
	}
	if (deb && os_id && *os_id && os_ver && *os_ver) {
		og_sbuf__puts(&b, arch && *arch ? "&distro=" : "?distro=");
		purl_put(&b, os_id);
		og_sbuf__putc(&b, '-');
		purl_put(&b, os_ver);
	}
	if (og_sbuf__finish(&out, &b) < 0)
		return NULL;
	return out;
}

/* A UUID from the digest's first 128 bits, marked version 5 / RFC 4122
 * variant so that schema patterns accept it. */
static void digest_uuid(char out[37], const char *hex)
{
	char h[32];
	size_t i, o = 0;

	for (i = 0; i < 32; i++)
		h[i] = hex[i] ? hex[i] : '0';
	h[12] = '5';
	h[16] = "89ab"[(h[16] >= 'a' ? h[16] - 'a' + 10 : h[16] - '0') & 3];
	for (i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[o++] = '-';
		out[o++] = h[i];
	}
	out[o] = '\0';
}

static int is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "YYYY-MM-DDThh:mm:ssZ" from the config's created (seconds kept, fraction
 * and zone dropped), or the epoch when it has none. */
static void spdx_time(char out[21], const char *created)
{
	const char *c = created;

	if (c && strlen(c) >= 19 && is_digits(c, 4) && c[4] == '-' && is_digits(c + 5, 2) &&
	    c[7] == '-' && is_digits(c + 8, 2) && c[10] == 'T' && is_digits(c + 11, 2) &&
	    c[13] == ':' && is_digits(c + 14, 2) && c[16] == ':' && is_digits(c + 17, 2)) {
		memcpy(out, c, 19);
		out[19] = 'Z';
		out[20] = '\0';
		return;
	}
	memcpy(out, "1970-01-01T00:00:00Z", 21);
}

static int prop(json_t *arr, const char *name, json_t *value)
{
	json_t *o = json_object();

	if (og_report__jappend(arr, o) < 0 || og_report__jset(o, "name", og_report__jstr(name)) < 0) {
		json_decref(value);
		return -1;
	}
	return og_report__jset(o, "value", value);
}

static json_t *cyclonedx(const sbom_in *in)
{
	json_t *root = json_object(), *meta, *tools, *tc, *comp, *hashes, *h, *comps, *c, *props;
	const json_t *p;
	char uuid[37], urn[64], layer[32], *purl;
	size_t i;

	digest_uuid(uuid, in->hex);
	snprintf(urn, sizeof(urn), "urn:uuid:%s", uuid);
	if (!root || og_report__jset(root, "bomFormat", json_string("CycloneDX")) < 0 ||
	    og_report__jset(root, "specVersion", json_string("1.5")) < 0 ||
	    og_report__jset(root, "serialNumber", json_string(urn)) < 0 ||
	    og_report__jset(root, "version", json_integer(1)) < 0 ||
	    !(meta = json_object()) || og_report__jset(root, "metadata", meta) < 0 ||
	    !(tools = json_object()) || og_report__jset(meta, "tools", tools) < 0 ||
	    !(tc = json_array()) || og_report__jset(tools, "components", tc) < 0 ||
	    !(c = json_object()) || og_report__jappend(tc, c) < 0 ||
	    og_report__jset(c, "type", json_string("application")) < 0 ||
	    og_report__jset(c, "name", json_string("ocigate")) < 0 ||
	    og_report__jset(c, "version", json_string(OG_VERSION)) < 0 ||
	    !(comp = json_object()) || og_report__jset(meta, "component", comp) < 0 ||
	    og_report__jset(comp, "type", json_string("container")) < 0 ||
	    og_report__jset(comp, "bom-ref", og_report__jstr(in->digest)) < 0 ||
	    og_report__jset(comp, "name", og_report__jstr(in->ref)) < 0 ||
	    og_report__jset(comp, "version", og_report__jstr(in->digest)) < 0 ||
	    !(hashes = json_array()) || og_report__jset(comp, "hashes", hashes) < 0 ||
	    !(h = json_object()) || og_report__jappend(hashes, h) < 0 ||
	    og_report__jset(h, "alg", json_string("SHA-256")) < 0 ||
	    og_report__jset(h, "content", og_report__jstr(in->hex)) < 0 ||
	    !(comps = json_array()) || og_report__jset(root, "components", comps) < 0)
		goto fail;
	if (jget(in->os, "id")) {
		char ref[160];

		snprintf(ref, sizeof(ref), "os:%s@%s", jget(in->os, "id"),
			jget(in->os, "version_id") ? jget(in->os, "version_id") : "");
		if (!(c = json_object()) || og_report__jappend(comps, c) < 0 ||
		    og_report__jset(c, "type", json_string("operating-system")) < 0 ||
		    og_report__jset(c, "bom-ref", og_report__jstr(ref)) < 0 ||
		    og_report__jset(c, "name", og_report__jstr(jget(in->os, "id"))) < 0 ||
		    (jget(in->os, "version_id") && og_report__jset(c, "version",
			    og_report__jstr(jget(in->os, "version_id"))) < 0) ||
		    (jget(in->os, "pretty_name") && og_report__jset(c, "description",
			    og_report__jstr(jget(in->os, "pretty_name"))) < 0))
			goto fail;
	}
	for (i = 0; i < json_array_size(in->packages); i++) {
		p = json_array_get(in->packages, i);
		if (!(purl = make_purl(p, in->os)))
			goto fail;
		snprintf(layer, sizeof(layer), "%lld",
			(long long)json_integer_value(json_object_get(p, "layer")));
		if (!(c = json_object()) || og_report__jappend(comps, c) < 0 ||
		    og_report__jset(c, "type", json_string("library")) < 0 ||
		    og_report__jset(c, "bom-ref", og_report__jstr(purl)) < 0 ||
		    og_report__jset(c, "name", og_report__jstr(jget(p, "name"))) < 0 ||
		    og_report__jset(c, "version", og_report__jstr(jget(p, "version"))) < 0 ||
		    og_report__jset(c, "purl", og_report__jstr(purl)) < 0 ||
		    !(props = json_array()) || og_report__jset(c, "properties", props) < 0 ||
		    (jget(p, "source") && prop(props, "ocigate:package:source",
			    og_report__jstr(jget(p, "source"))) < 0) ||
		    prop(props, "ocigate:package:layer", json_string(layer)) < 0) {
			free(purl);
			goto fail;
		}
		free(purl);
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

static json_t *spdx(const sbom_in *in)
{
	json_t *root = json_object(), *ci, *cr, *pkgs, *img, *sums, *s, *rels, *p, *refs, *r;
	const json_t *src;
	char ns[256], when[21], id[48], *purl;
	size_t i;

	snprintf(ns, sizeof(ns), SPDX_NAMESPACE "sha256-%s", in->hex);
	spdx_time(when, in->created);
	if (!root || og_report__jset(root, "spdxVersion", json_string("SPDX-2.3")) < 0 ||
	    og_report__jset(root, "dataLicense", json_string("CC0-1.0")) < 0 ||
	    og_report__jset(root, "SPDXID", json_string("SPDXRef-DOCUMENT")) < 0 ||
	    og_report__jset(root, "name", og_report__jstr(in->ref)) < 0 ||
	    og_report__jset(root, "documentNamespace", og_report__jstr(ns)) < 0 ||
	    !(ci = json_object()) || og_report__jset(root, "creationInfo", ci) < 0 ||
	    og_report__jset(ci, "created", json_string(when)) < 0 ||
	    !(cr = json_array()) || og_report__jset(ci, "creators", cr) < 0 ||
	    og_report__jappend(cr, json_string("Tool: ocigate-" OG_VERSION)) < 0 ||
	    !(pkgs = json_array()) || og_report__jset(root, "packages", pkgs) < 0 ||
	    !(img = json_object()) || og_report__jappend(pkgs, img) < 0 ||
	    og_report__jset(img, "name", og_report__jstr(in->ref)) < 0 ||
	    og_report__jset(img, "SPDXID", json_string("SPDXRef-Image")) < 0 ||
	    og_report__jset(img, "versionInfo", og_report__jstr(in->digest)) < 0 ||
	    og_report__jset(img, "downloadLocation", json_string("NOASSERTION")) < 0 ||
	    og_report__jset(img, "filesAnalyzed", json_false()) < 0 ||
	    og_report__jset(img, "primaryPackagePurpose", json_string("CONTAINER")) < 0 ||
	    !(sums = json_array()) || og_report__jset(img, "checksums", sums) < 0 ||
	    !(s = json_object()) || og_report__jappend(sums, s) < 0 ||
	    og_report__jset(s, "algorithm", json_string("SHA256")) < 0 ||
	    og_report__jset(s, "checksumValue", og_report__jstr(in->hex)) < 0)
		goto fail;
	for (i = 0; i < json_array_size(in->packages); i++) {
		src = json_array_get(in->packages, i);
		snprintf(id, sizeof(id), "SPDXRef-Package-%zu", i + 1);
		if (!(purl = make_purl(src, in->os)))
			goto fail;
		if (!(p = json_object()) || og_report__jappend(pkgs, p) < 0 ||
		    og_report__jset(p, "name", og_report__jstr(jget(src, "name"))) < 0 ||
		    og_report__jset(p, "SPDXID", json_string(id)) < 0 ||
		    og_report__jset(p, "versionInfo", og_report__jstr(jget(src, "version"))) < 0 ||
		    og_report__jset(p, "downloadLocation", json_string("NOASSERTION")) < 0 ||
		    og_report__jset(p, "filesAnalyzed", json_false()) < 0 ||
		    (jget(src, "source") && og_report__jset(p, "sourceInfo",
			    og_report__jstr(jget(src, "source"))) < 0) ||
		    !(refs = json_array()) || og_report__jset(p, "externalRefs", refs) < 0 ||
		    !(r = json_object()) || og_report__jappend(refs, r) < 0 ||
		    og_report__jset(r, "referenceCategory", json_string("PACKAGE-MANAGER")) < 0 ||
		    og_report__jset(r, "referenceType", json_string("purl")) < 0 ||
		    og_report__jset(r, "referenceLocator", og_report__jstr(purl)) < 0) {
			free(purl);
			goto fail;
		}
		free(purl);
	}
	if (!(rels = json_array()) || og_report__jset(root, "relationships", rels) < 0 ||
	    !(r = json_object()) || og_report__jappend(rels, r) < 0 ||
	    og_report__jset(r, "spdxElementId", json_string("SPDXRef-DOCUMENT")) < 0 ||
	    og_report__jset(r, "relationshipType", json_string("DESCRIBES")) < 0 ||
	    og_report__jset(r, "relatedSpdxElement", json_string("SPDXRef-Image")) < 0)
		goto fail;
	for (i = 0; i < json_array_size(in->packages); i++) {
		snprintf(id, sizeof(id), "SPDXRef-Package-%zu", i + 1);
		if (!(r = json_object()) || og_report__jappend(rels, r) < 0 ||
		    og_report__jset(r, "spdxElementId", json_string("SPDXRef-Image")) < 0 ||
		    og_report__jset(r, "relationshipType", json_string("CONTAINS")) < 0 ||
		    og_report__jset(r, "relatedSpdxElement", json_string(id)) < 0)
			goto fail;
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

/* An image with integrity problems gets no SBOM: name the first. */
static const og_finding *integrity_failure(const og_report *r)
{
	const og_check *c;
	size_t i;

	for (i = 0; i < r->findings.count; i++)
		if ((c = og_check_lookup(r->findings.items[i].id)) != NULL && c->integrity)
			return &r->findings.items[i];
	return NULL;
}

int og_sbom(char **out, og_ctx *ctx, const char *ref, const char *format,
	const og_validate_options *opts)
{
	og_validate_options vo = OG_VALIDATE_OPTIONS_INIT;
	og_report *report = NULL;
	const og_report_image *im;
	const og_finding *bad;
	json_t *doc = NULL;
	sbom_in in;
	int error, cdx;

	OG_ASSERT_ARG(ctx, out && ref && format);
	*out = NULL;
	if (strcmp(format, "cyclonedx") == 0)
		cdx = 1;
	else if (strcmp(format, "spdx") == 0)
		cdx = 0;
	else
		return og_error_set(ctx, OG_EINVALID, "sbom format %s: expected cyclonedx or spdx",
			format);
	if (opts) {
		vo.jobs = opts->jobs;
		vo.platform = opts->platform;
		vo.policy = opts->policy;
		vo.max_compression_ratio = opts->max_compression_ratio;
		vo.max_uncompressed = opts->max_uncompressed;
		vo.transport = opts->transport;
	}
	/* packages need the scan; vulnerabilities are not part of the SBOM */
	vo.no_scan = 0;
	vo.vuln_db = NULL;
	if ((error = og_validate(&report, ctx, ref, &vo)) < 0)
		goto done;
	if ((bad = integrity_failure(report)) != NULL) {
		error = og_error_set(ctx, OG_EINVALID, "%s: no SBOM for an image that fails its "
			"integrity checks: %s: %s", ref, bad->id, bad->message);
		goto done;
	}
	if (report->image_count == 0) {
		error = og_error_set(ctx, OG_EINVALID, "%s: no runnable image to describe", ref);
		goto done;
	}
	if (report->image_count > 1) {
		error = og_error_set(ctx, OG_EAMBIGUOUS, "%s: %zu images (a multi-platform index): "
			"choose one with --platform", ref, report->image_count);
		goto done;
	}
	im = &report->images[0];
	memset(&in, 0, sizeof(in));
	in.ref = ref;
	in.digest = im->manifest_digest;
	in.hex = strchr(in.digest, ':') ? strchr(in.digest, ':') + 1 : in.digest;
	in.os = json_object_get(im->scan, "os");
	in.packages = json_object_get(im->scan, "packages");
	in.created = json_string_value(json_object_get(im->scan, "created"));
	if (!(doc = cdx ? cyclonedx(&in) : spdx(&in)) ||
	    og_report__json_text(out, doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
		error = og_error_oom(ctx);
		goto done;
	}
	error = 0;
done:
	json_decref(doc);
	og_report_free(report);
	return error;
}
