#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

typedef struct mt_entry {
	const char *name;
	og_media_type type;
} mt_entry;

static const mt_entry media_types[] = {
	{ OG_MT_OCI_INDEX, { OG_KIND_INDEX, OG_COMP_NONE, 0, 0 } },
	{ OG_MT_DOCKER_LIST, { OG_KIND_INDEX, OG_COMP_NONE, 0, 1 } },
	{ OG_MT_OCI_MANIFEST, { OG_KIND_MANIFEST, OG_COMP_NONE, 0, 0 } },
	{ OG_MT_DOCKER_MANIFEST, { OG_KIND_MANIFEST, OG_COMP_NONE, 0, 1 } },
	{ OG_MT_OCI_CONFIG, { OG_KIND_CONFIG, OG_COMP_NONE, 0, 0 } },
	{ OG_MT_DOCKER_CONFIG, { OG_KIND_CONFIG, OG_COMP_NONE, 0, 1 } },
	{ OG_MT_OCI_LAYER, { OG_KIND_LAYER, OG_COMP_NONE, 0, 0 } },
	{ OG_MT_OCI_LAYER_GZIP, { OG_KIND_LAYER, OG_COMP_GZIP, 0, 0 } },
	{ OG_MT_OCI_LAYER_ZSTD, { OG_KIND_LAYER, OG_COMP_ZSTD, 0, 0 } },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", { OG_KIND_LAYER, OG_COMP_NONE, 1, 0 } },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", { OG_KIND_LAYER, OG_COMP_GZIP, 1, 0 } },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", { OG_KIND_LAYER, OG_COMP_ZSTD, 1, 0 } },
	{ OG_MT_DOCKER_LAYER, { OG_KIND_LAYER, OG_COMP_GZIP, 0, 1 } },
	{ OG_MT_DOCKER_LAYER_TAR, { OG_KIND_LAYER, OG_COMP_NONE, 0, 1 } },
	{ "application/vnd.docker.image.rootfs.diff.tar.zstd", { OG_KIND_LAYER, OG_COMP_ZSTD, 0, 1 } },
	{ OG_MT_DOCKER_FOREIGN, { OG_KIND_LAYER, OG_COMP_GZIP, 1, 1 } },
	{ OG_MT_INTOTO, { OG_KIND_OTHER, OG_COMP_NONE, 0, 0 } },
	{ OG_MT_OCI_EMPTY, { OG_KIND_OTHER, OG_COMP_NONE, 0, 0 } },
	{ OG_MT_OCI_LAYOUT_HEADER, { OG_KIND_OTHER, OG_COMP_NONE, 0, 0 } },
};

int og_media_type_lookup(og_media_type *out, const char *media_type)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!media_type)
		return OG_ENOTFOUND;
	for (i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++) {
		if (strcmp(media_types[i].name, media_type) == 0) {
			*out = media_types[i].type;
			return 0;
		}
	}
	return OG_ENOTFOUND;
}

/* ------------------------------------------------------------ platform */

void og_platform_format(char *buf, size_t len, const og_platform *p)
{
	const char *os = p && p->os ? p->os : "?";
	const char *arch = p && p->architecture ? p->architecture : "?";

	if (p && p->variant && *p->variant)
		snprintf(buf, len, "%s/%s/%s", os, arch, p->variant);
	else
		snprintf(buf, len, "%s/%s", os, arch);
}

void og_platform_dispose(og_platform *p)
{
	if (!p)
		return;
	free(p->os);
	free(p->architecture);
	free(p->variant);
	free(p->os_version);
	memset(p, 0, sizeof(*p));
}

int og_platform_parse(og_platform *out, const char *s)
{
	const char *a, *b;

	memset(out, 0, sizeof(*out));
	if (!s || !(a = strchr(s, '/')) || a == s || !a[1])
		return OG_EINVALID;
	b = strchr(a + 1, '/');
	if (b && (!b[1] || strchr(b + 1, '/') || b == a + 1))
		return OG_EINVALID;
	out->os = og__strndup(s, (size_t)(a - s));
	out->architecture = b ? og__strndup(a + 1, (size_t)(b - a - 1)) : og__strdup(a + 1);
	out->variant = b ? og__strdup(b + 1) : NULL;
	if (!out->os || !out->architecture || (b && !out->variant)) {
		og_platform_dispose(out);
		return OG_ENOMEM;
	}
	return 0;
}

static int str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

int og_platform_match(const og_platform *want, const og_platform *have)
{
	if (!have || !str_eq(want->os, have->os) ||
	    !str_eq(want->architecture, have->architecture))
		return 0;
	if (want->variant && *want->variant)
		return str_eq(want->variant, have->variant);
	return 1;
}

/* ---------------------------------------------------------- JSON helpers */

json_t *og_json_parse(const og_where *w, const unsigned char *data, size_t len,
	const char *bad_id)
{
	json_error_t err;
	json_t *j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &err);

	if (!j) {
		og_findings_add(w->findings, bad_id, w->doc,
			"%s: not valid JSON: %s (line %d, column %d)", w->doc,
			err.text, err.line, err.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		og_findings_add(w->findings, bad_id, w->doc,
			"%s: the document is not a JSON object", w->doc);
		json_decref(j);
		return NULL;
	}
	return j;
}

static void schema(const og_where *w, const char *ptr, const char *field,
	const char *what)
{
	og_findings_add(w->findings, "manifest.schema", w->doc, "%s: %s%s%s %s",
		w->doc, ptr, field ? "/" : "", field ? field : "", what);
}

/* A string member; reports a wrong type; required reports absence. */
static const char *get_string(const og_where *w, json_t *obj, const char *ptr,
	const char *key, int required)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			schema(w, ptr, key, "is required");
		return NULL;
	}
	if (!json_is_string(v)) {
		schema(w, ptr, key, "must be a string");
		return NULL;
	}
	return json_string_value(v);
}

static char *dup_string(const og_where *w, json_t *obj, const char *ptr,
	const char *key, int required)
{
	return og__strdup(get_string(w, obj, ptr, key, required));
}

/* Optional object whose values are all strings (annotations, labels). */
static void check_string_map(const og_where *w, json_t *obj, const char *ptr,
	const char *key)
{
	json_t *v = json_object_get(obj, key), *val;
	const char *k;

	if (!v || json_is_null(v))
		return;
	if (!json_is_object(v)) {
		schema(w, ptr, key, "must be an object of strings");
		return;
	}
	json_object_foreach(v, k, val) {
		if (!json_is_string(val)) {
			schema(w, ptr, key, "values must be strings");
			return;
		}
	}
}

/* Optional array of strings. */
static void check_string_array(const og_where *w, json_t *obj, const char *ptr,
	const char *key, int allow_null)
{
	json_t *v = json_object_get(obj, key), *val;
	size_t i;

	if (!v || (allow_null && json_is_null(v)))
		return;
	if (!json_is_array(v)) {
		schema(w, ptr, key, "must be an array of strings");
		return;
	}
	json_array_foreach(v, i, val) {
		if (!json_is_string(val)) {
			schema(w, ptr, key, "items must be strings");
			return;
		}
	}
}

static void check_schema_version(const og_where *w, json_t *j)
{
	json_t *v = json_object_get(j, "schemaVersion");

	if (!v)
		schema(w, "", "schemaVersion", "is required");
	else if (!json_is_integer(v) || json_integer_value(v) != 2)
		schema(w, "", "schemaVersion", "must be the integer 2");
}

/* RFC 6838 type/subtype, loosely: restricted-name chars on both sides. */
static int media_type_well_formed(const char *s)
{
	const char *slash = strchr(s, '/');
	const char *p;

	if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/'))
		return 0;
	for (p = s; *p; p++) {
		if (p == slash)
			continue;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("!#$&-^_.+", *p)))
			return 0;
	}
	return 1;
}

/* ----------------------------------------------------------- descriptor */

void og_descriptor_dispose(og_descriptor *d)
{
	if (!d)
		return;
	free(d->media_type);
	free(d->digest);
	if (d->platform) {
		og_platform_dispose(d->platform);
		free(d->platform);
	}
	json_decref(d->annotations);
	memset(d, 0, sizeof(*d));
	d->size = -1;
}

const char *og_descriptor_annotation(const og_descriptor *d, const char *key)
{
	json_t *v = d->annotations ? json_object_get(d->annotations, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int og_descriptor_is_attestation(const og_descriptor *d)
{
	const char *t = og_descriptor_annotation(d, "vnd.docker.reference.type");

	if (t && strcmp(t, "attestation-manifest") == 0)
		return 1;
	return d->platform && str_eq(d->platform->os, "unknown") &&
	       str_eq(d->platform->architecture, "unknown");
}

int og_descriptor_copy(og_descriptor *out, const og_descriptor *d)
{
	*out = *d;
	out->media_type = og__strdup(d->media_type);
	out->digest = og__strdup(d->digest);
	out->platform = NULL;
	if (d->annotations)
		json_incref(d->annotations);
	if (d->platform) {
		out->platform = calloc(1, sizeof(*out->platform));
		if (out->platform) {
			out->platform->os = og__strdup(d->platform->os);
			out->platform->architecture = og__strdup(d->platform->architecture);
			out->platform->variant = og__strdup(d->platform->variant);
			out->platform->os_version = og__strdup(d->platform->os_version);
		}
	}
	if ((d->media_type && !out->media_type) || (d->digest && !out->digest) ||
	    (d->platform && !out->platform)) {
		og_descriptor_dispose(out);
		return OG_ENOMEM;
	}
	return 0;
}

static int parse_platform(og_descriptor *out, const og_where *w, json_t *p,
	const char *ptr)
{
	char pptr[256];

	snprintf(pptr, sizeof(pptr), "%s/platform", ptr);
	if (!json_is_object(p)) {
		schema(w, ptr, "platform", "must be an object");
		return 0;
	}
	if ((out->platform = calloc(1, sizeof(*out->platform))) == NULL)
		return OG_ENOMEM;
	out->platform->architecture = dup_string(w, p, pptr, "architecture", 1);
	out->platform->os = dup_string(w, p, pptr, "os", 1);
	out->platform->variant = dup_string(w, p, pptr, "variant", 0);
	out->platform->os_version = dup_string(w, p, pptr, "os.version", 0);
	check_string_array(w, p, pptr, "os.features", 0);
	check_string_array(w, p, pptr, "features", 0);
	return 0;
}

int og_descriptor_parse(og_descriptor *out, const og_where *w, json_t *j,
	const char *ptr, int allow_platform)
{
	const char *mt, *dg;
	char reason[128];
	json_t *v;

	memset(out, 0, sizeof(*out));
	out->size = -1;
	if (!json_is_object(j)) {
		schema(w, ptr, NULL, "must be a descriptor object");
		return 0;
	}
	mt = get_string(w, j, ptr, "mediaType", 1);
	if (mt && !media_type_well_formed(mt))
		schema(w, ptr, "mediaType", "is not a valid media type");
	dg = get_string(w, j, ptr, "digest", 1);
	out->media_type = og__strdup(mt);
	out->digest = og__strdup(dg);
	if ((mt && !out->media_type) || (dg && !out->digest))
		return OG_ENOMEM;
	if (out->digest) {
		if (og_digest_parse(&out->alg, out->digest, reason, sizeof(reason)) < 0) {
			og_findings_add(w->findings, "digest.invalid", out->digest,
				"%s: %s/digest \"%.80s\" is malformed: %s", w->doc, ptr,
				out->digest, reason);
		} else {
			out->digest_ok = 1;
			out->verifiable = out->alg != OG_DIGEST_UNKNOWN;
		}
	}
	v = json_object_get(j, "size");
	if (!v)
		schema(w, ptr, "size", "is required");
	else if (!json_is_integer(v) || json_integer_value(v) < 0)
		schema(w, ptr, "size", "must be a non-negative integer");
	else
		out->size = json_integer_value(v);
	v = json_object_get(j, "urls");
	if (v) {
		check_string_array(w, j, ptr, "urls", 0);
		if (json_is_array(v))
			out->url_count = json_array_size(v);
	}
	check_string_map(w, j, ptr, "annotations");
	v = json_object_get(j, "annotations");
	if (json_is_object(v))
		out->annotations = json_incref(v);
	if (json_object_get(j, "data") && !json_is_string(json_object_get(j, "data")))
		schema(w, ptr, "data", "must be a base64 string");
	get_string(w, j, ptr, "artifactType", 0);
	v = json_object_get(j, "platform");
	if (v && allow_platform)
		return parse_platform(out, w, v, ptr);
	return 0;
}

/* ---------------------------------------------------------------- index */

og_kind_t og_json_sniff_kind(json_t *j)
{
	if (json_object_get(j, "manifests"))
		return OG_KIND_INDEX;
	if (json_object_get(j, "layers") || json_object_get(j, "config"))
		return OG_KIND_MANIFEST;
	if (json_object_get(j, "rootfs") || json_object_get(j, "architecture"))
		return OG_KIND_CONFIG;
	return OG_KIND_UNKNOWN;
}

void og_index_dispose(og_index *ix)
{
	size_t i;

	if (!ix)
		return;
	for (i = 0; i < ix->count; i++)
		og_descriptor_dispose(&ix->manifests[i]);
	free(ix->manifests);
	free(ix->media_type);
	memset(ix, 0, sizeof(*ix));
}

static int parse_descriptor_array(og_descriptor **out, size_t *count,
	const og_where *w, json_t *arr, const char *key, int allow_platform)
{
	char ptr[64];
	size_t i, n = json_array_size(arr);
	int error;

	*out = NULL;
	*count = 0;
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return OG_ENOMEM;
	for (i = 0; i < n; i++) {
		snprintf(ptr, sizeof(ptr), "/%s/%zu", key, i);
		if ((error = og_descriptor_parse(&(*out)[i], w, json_array_get(arr, i),
				ptr, allow_platform)) < 0) {
			*count = i + 1;
			return error;
		}
	}
	*count = n;
	return 0;
}

int og_index_parse(og_index *out, const og_where *w, json_t *j)
{
	json_t *m;

	memset(out, 0, sizeof(*out));
	check_schema_version(w, j);
	out->media_type = dup_string(w, j, "", "mediaType", 0);
	check_string_map(w, j, "", "annotations");
	m = json_object_get(j, "manifests");
	if (!m) {
		schema(w, "", "manifests", "is required");
		return 0;
	}
	if (!json_is_array(m)) {
		schema(w, "", "manifests", "must be an array");
		return 0;
	}
	out->usable = 1;
	return parse_descriptor_array(&out->manifests, &out->count, w, m, "manifests", 1);
}

/* ------------------------------------------------------------- manifest */

void og_manifest_dispose(og_manifest *m)
{
	size_t i;

	if (!m)
		return;
	og_descriptor_dispose(&m->config);
	for (i = 0; i < m->layer_count; i++)
		og_descriptor_dispose(&m->layers[i]);
	free(m->layers);
	free(m->media_type);
	free(m->artifact_type);
	json_decref(m->annotations);
	memset(m, 0, sizeof(*m));
}

int og_manifest_parse(og_manifest *out, const og_where *w, json_t *j)
{
	json_t *v;
	int error, usable = 1;

	memset(out, 0, sizeof(*out));
	out->config.size = -1;
	check_schema_version(w, j);
	out->media_type = dup_string(w, j, "", "mediaType", 0);
	out->artifact_type = dup_string(w, j, "", "artifactType", 0);
	check_string_map(w, j, "", "annotations");
	v = json_object_get(j, "annotations");
	if (json_is_object(v))
		out->annotations = json_incref(v);
	v = json_object_get(j, "config");
	if (!v) {
		schema(w, "", "config", "is required");
		usable = 0;
	} else if ((error = og_descriptor_parse(&out->config, w, v, "/config", 0)) < 0) {
		return error;
	} else if (!json_is_object(v)) {
		usable = 0;
	}
	v = json_object_get(j, "layers");
	if (!v) {
		schema(w, "", "layers", "is required");
		usable = 0;
	} else if (!json_is_array(v)) {
		schema(w, "", "layers", "must be an array");
		usable = 0;
	} else if ((error = parse_descriptor_array(&out->layers, &out->layer_count,
			w, v, "layers", 0)) < 0) {
		return error;
	}
	if ((v = json_object_get(j, "subject")) != NULL) {
		og_descriptor subject;

		error = og_descriptor_parse(&subject, w, v, "/subject", 0);
		og_descriptor_dispose(&subject);
		if (error < 0)
			return error;
	}
	out->usable = usable;
	return 0;
}

/* --------------------------------------------------------------- config */

void og_config_dispose(og_config *c)
{
	size_t i;

	if (!c)
		return;
	free(c->architecture);
	free(c->os);
	free(c->variant);
	for (i = 0; i < c->diff_id_count; i++)
		free(c->diff_ids[i]);
	free(c->diff_ids);
	json_decref(c->root);
	memset(c, 0, sizeof(*c));
}

static void check_config_section(const og_where *w, json_t *cfg)
{
	json_t *v;

	if (!cfg || json_is_null(cfg))
		return;
	if (!json_is_object(cfg)) {
		schema(w, "", "config", "must be an object");
		return;
	}
	get_string(w, cfg, "/config", "User", 0);
	get_string(w, cfg, "/config", "WorkingDir", 0);
	get_string(w, cfg, "/config", "StopSignal", 0);
	check_string_array(w, cfg, "/config", "Env", 1);
	check_string_array(w, cfg, "/config", "Entrypoint", 1);
	check_string_array(w, cfg, "/config", "Cmd", 1);
	check_string_map(w, cfg, "/config", "Labels");
	v = json_object_get(cfg, "ExposedPorts");
	if (v && !json_is_null(v) && !json_is_object(v))
		schema(w, "/config", "ExposedPorts", "must be an object");
	v = json_object_get(cfg, "Volumes");
	if (v && !json_is_null(v) && !json_is_object(v))
		schema(w, "/config", "Volumes", "must be an object");
}

static void check_history(const og_where *w, json_t *h)
{
	json_t *e, *v;
	char ptr[64];
	size_t i;

	if (!h || json_is_null(h))
		return;
	if (!json_is_array(h)) {
		schema(w, "", "history", "must be an array");
		return;
	}
	json_array_foreach(h, i, e) {
		snprintf(ptr, sizeof(ptr), "/history/%zu", i);
		if (!json_is_object(e)) {
			schema(w, ptr, NULL, "must be an object");
			continue;
		}
		get_string(w, e, ptr, "created", 0);
		get_string(w, e, ptr, "author", 0);
		get_string(w, e, ptr, "created_by", 0);
		get_string(w, e, ptr, "comment", 0);
		v = json_object_get(e, "empty_layer");
		if (v && !json_is_boolean(v))
			schema(w, ptr, "empty_layer", "must be a boolean");
	}
}

int og_config_parse(og_config *out, const og_where *w, json_t *j)
{
	json_t *rootfs, *ids, *v;
	const char *type;
	char reason[128], ptr[64];
	og_digest_alg_t alg;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->root = json_incref(j);
	out->architecture = dup_string(w, j, "", "architecture", 1);
	out->os = dup_string(w, j, "", "os", 1);
	out->variant = dup_string(w, j, "", "variant", 0);
	get_string(w, j, "", "created", 0);
	get_string(w, j, "", "author", 0);
	get_string(w, j, "", "os.version", 0);
	check_string_array(w, j, "", "os.features", 0);
	check_config_section(w, json_object_get(j, "config"));
	check_history(w, json_object_get(j, "history"));
	rootfs = json_object_get(j, "rootfs");
	if (!rootfs) {
		schema(w, "", "rootfs", "is required");
		return 0;
	}
	if (!json_is_object(rootfs)) {
		schema(w, "", "rootfs", "must be an object");
		return 0;
	}
	type = get_string(w, rootfs, "/rootfs", "type", 1);
	if (type && strcmp(type, "layers") != 0)
		schema(w, "/rootfs", "type", "must be \"layers\"");
	ids = json_object_get(rootfs, "diff_ids");
	if (!ids) {
		schema(w, "/rootfs", "diff_ids", "is required");
		return 0;
	}
	if (!json_is_array(ids)) {
		schema(w, "/rootfs", "diff_ids", "must be an array");
		return 0;
	}
	n = json_array_size(ids);
	if (n && (out->diff_ids = calloc(n, sizeof(char *))) == NULL)
		return OG_ENOMEM;
	json_array_foreach(ids, i, v) {
		snprintf(ptr, sizeof(ptr), "/rootfs/diff_ids/%zu", i);
		if (!json_is_string(v)) {
			schema(w, ptr, NULL, "must be a digest string");
			return 0;
		}
		if (og_digest_parse(&alg, json_string_value(v), reason, sizeof(reason)) < 0) {
			og_findings_add(w->findings, "digest.invalid", json_string_value(v),
				"%s: %s \"%.80s\" is malformed: %s", w->doc, ptr,
				json_string_value(v), reason);
			return 0;
		}
		if ((out->diff_ids[i] = og__strdup(json_string_value(v))) == NULL)
			return OG_ENOMEM;
		out->diff_id_count = i + 1;
	}
	out->rootfs_ok = type && strcmp(type, "layers") == 0;
	return 0;
}

int og_layout_check(const og_where *w, json_t *j)
{
	json_t *v = json_object_get(j, "imageLayoutVersion");

	if (!json_is_string(v))
		return og_findings_add(w->findings, "layout.invalid", w->doc,
			"%s: imageLayoutVersion is required and must be a string", w->doc);
	if (strcmp(json_string_value(v), "1.0.0") != 0)
		return og_findings_add(w->findings, "layout.invalid", w->doc,
			"%s: unsupported imageLayoutVersion \"%.40s\" (expected 1.0.0)",
			w->doc, json_string_value(v));
	return 0;
}
