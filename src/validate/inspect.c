/* og_inspect: what skopeo inspect shows, and more, from one image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oci/source.h"

typedef struct inspection {
	og_ctx *ctx;
	og_source *src;
	og_findings findings;
	unsigned char *root;         /* top-level bytes */
	size_t root_len;
	og_descriptor chosen;        /* the manifest described (copy) */
	unsigned char *manifest;     /* its bytes */
	size_t manifest_len;
	json_t *mj;                  /* parsed manifest */
	og_manifest m;
	unsigned char *config;
	size_t config_len;
	json_t *cj;
	json_t *platforms;           /* array of strings */
} inspection;

/* A failed fetch is an error here: inspect describes, validate judges. */
static int fetch_failed(inspection *in, const char *what)
{
	if (in->findings.count)
		return og_error_set(in->ctx, OG_EINVALID, "%s", in->findings.items[in->findings.count - 1].message);
	return og_error_set(in->ctx, OG_EINVALID, "%s: cannot read the %s", in->src->ref, what);
}

static int parse_doc(json_t **out, inspection *in, const unsigned char *data,
	size_t len, const char *doc)
{
	og_where w = { &in->findings, doc };

	if ((*out = og_json_parse(&w, data, len, "manifest.schema")) == NULL)
		return og_error_set(in->ctx, OG_EINVALID, "%s", in->findings.items[in->findings.count - 1].message);
	return 0;
}

/* Pick the manifest of an index: --platform, else linux/amd64, else the
 * first runnable one. */
static int choose(inspection *in, json_t *ij, const char *doc, const char *platform)
{
	og_where w = { &in->findings, doc };
	og_platform want, amd64 = { (char *)(uintptr_t)"linux", (char *)(uintptr_t)"amd64", NULL, NULL };
	og_index ix;
	size_t i, pick = SIZE_MAX, first = SIZE_MAX;
	char buf[128];
	int error = 0;

	memset(&want, 0, sizeof(want));
	if ((error = og_index_parse(&ix, &w, ij)) < 0)
		return og_error_oom(in->ctx);
	if (platform && og_platform_parse(&want, platform) < 0) {
		error = og_error_set(in->ctx, OG_EINVALID, "--platform %s: expected os/arch[/variant]", platform);
		goto done;
	}
	for (i = 0; i < ix.count; i++) {
		const og_descriptor *d = &ix.manifests[i];

		if (og_descriptor_is_attestation(d) || !d->digest_ok)
			continue;
		if (d->platform) {
			og_platform_format(buf, sizeof(buf), d->platform);
			json_array_append_new(in->platforms, json_string(buf));
		}
		if (first == SIZE_MAX)
			first = i;
		if (pick == SIZE_MAX && platform && og_platform_match(&want, d->platform))
			pick = i;
		if (pick == SIZE_MAX && !platform && og_platform_match(&amd64, d->platform))
			pick = i;
	}
	if (pick == SIZE_MAX && !platform)
		pick = first;
	if (pick == SIZE_MAX) {
		error = og_error_set(in->ctx, OG_ENOTFOUND, "%s: no image %s%s", in->src->ref,
			platform ? "for platform " : "in the index", platform ? platform : "");
		goto done;
	}
	if ((error = og_descriptor_copy(&in->chosen, &ix.manifests[pick])) < 0)
		error = og_error_oom(in->ctx);
done:
	og_platform_dispose(&want);
	og_index_dispose(&ix);
	return error;
}

static int load(inspection *in, const char *ref, const og_inspect_options *opts)
{
	og_where w;
	og_media_type mt;
	json_t *rj = NULL;
	unsigned int depth;
	int error;

	if ((error = og_source_open_opts(&in->src, in->ctx, ref, &in->findings,
			opts->transport)) < 0)
		return error;
	if (!in->src->has_root)
		return fetch_failed(in, "layout");
	if ((error = og_source_fetch(&in->root, &in->root_len, in->src, in->ctx,
			&in->src->root, in->ctx->limits.max_json, &in->findings,
			"blob.missing", "manifest")) < 0)
		return error;
	if (!in->root)
		return fetch_failed(in, "manifest");
	if (opts->what == OG_INSPECT_RAW)
		return 0;
	if ((error = parse_doc(&rj, in, in->root, in->root_len, in->src->root.digest)) < 0)
		return error;
	if ((error = og_descriptor_copy(&in->chosen, &in->src->root)) < 0)
		goto done;
	in->manifest = in->root;
	in->manifest_len = in->root_len;
	in->root = NULL;
	in->mj = rj;
	rj = NULL;
	/* Indexes (possibly nested) down to one manifest. */
	for (depth = 0; depth < in->ctx->limits.max_depth; depth++) {
		int is_index = og_media_type_lookup(&mt, in->chosen.media_type) == 0 ?
			mt.kind == OG_KIND_INDEX : og_json_sniff_kind(in->mj) == OG_KIND_INDEX;

		if (!is_index)
			break;
		if (!in->root) {
			in->root = in->manifest;
			in->root_len = in->manifest_len;
		} else {
			free(in->manifest);
		}
		in->manifest = NULL;
		rj = in->mj;
		in->mj = NULL;
		og_descriptor_dispose(&in->chosen);
		if ((error = choose(in, rj, "index", opts->platform)) < 0)
			goto done;
		if ((error = og_source_fetch(&in->manifest, &in->manifest_len, in->src,
				in->ctx, &in->chosen, in->ctx->limits.max_json, &in->findings,
				"index.manifest_missing", "manifest")) < 0)
			goto done;
		if (!in->manifest) {
			error = fetch_failed(in, "manifest");
			goto done;
		}
		if ((error = parse_doc(&in->mj, in, in->manifest, in->manifest_len,
				in->chosen.digest)) < 0)
			goto done;
		json_decref(rj);
		rj = NULL;
	}
	if (!in->root) {
		in->root = in->manifest;
		in->root_len = in->manifest_len;
	}
	w.findings = &in->findings;
	w.doc = in->chosen.digest;
	if ((error = og_manifest_parse(&in->m, &w, in->mj)) < 0)
		goto done;
	if (!in->m.usable) {
		error = og_error_set(in->ctx, OG_EINVALID, "%s: manifest %s has no usable config or layers",
			ref, in->chosen.digest);
		goto done;
	}
	if ((error = og_source_fetch(&in->config, &in->config_len, in->src, in->ctx,
			&in->m.config, in->ctx->limits.max_json, &in->findings,
			"blob.missing", "config")) < 0)
		goto done;
	if (!in->config) {
		error = fetch_failed(in, "config");
		goto done;
	}
	if (opts->what == OG_INSPECT_SUMMARY &&
	    (error = parse_doc(&in->cj, in, in->config, in->config_len, in->m.config.digest)) < 0)
		goto done;
done:
	json_decref(rj);
	return error;
}

static json_t *copy_or_null(json_t *v)
{
	return v ? json_deep_copy(v) : json_null();
}

static json_t *summary(inspection *in, const char *ref)
{
	json_t *o = json_object(), *cfg = json_object_get(in->cj, "config");
	json_t *layers = json_array(), *data = json_array(), *ports = json_array();
	json_t *v;
	const char *k;
	size_t i;
	char buf[128];

	json_object_set_new(o, "Name", json_string(ref));
	json_object_set_new(o, "Transport", json_string(og_source_kind_name(in->src->kind)));
	json_object_set_new(o, "Digest", json_string(in->src->root.digest));
	json_object_set_new(o, "MediaType", json_string(in->src->root.media_type ?
		in->src->root.media_type : ""));
	if (in->root != in->manifest) {
		v = json_object();
		json_object_set_new(v, "Digest", json_string(in->chosen.digest));
		json_object_set_new(v, "MediaType", json_string(in->chosen.media_type ?
			in->chosen.media_type : ""));
		json_object_set_new(o, "Manifest", v);
	}
	if (json_array_size(in->platforms) == 0) {
		og_platform p = { (char *)(uintptr_t)json_string_value(json_object_get(in->cj, "os")),
			(char *)(uintptr_t)json_string_value(json_object_get(in->cj, "architecture")),
			(char *)(uintptr_t)json_string_value(json_object_get(in->cj, "variant")), NULL };
		og_platform_format(buf, sizeof(buf), &p);
		json_array_append_new(in->platforms, json_string(buf));
	}
	json_object_set(o, "Platforms", in->platforms);
	json_object_set_new(o, "Created", copy_or_null(json_object_get(in->cj, "created")));
	json_object_set_new(o, "Author", copy_or_null(json_object_get(in->cj, "author")));
	json_object_set_new(o, "Architecture", copy_or_null(json_object_get(in->cj, "architecture")));
	json_object_set_new(o, "Os", copy_or_null(json_object_get(in->cj, "os")));
	if ((v = json_object_get(in->cj, "variant")) != NULL)
		json_object_set_new(o, "Variant", json_deep_copy(v));
	json_object_set_new(o, "User", copy_or_null(json_object_get(cfg, "User")));
	json_object_set_new(o, "WorkingDir", copy_or_null(json_object_get(cfg, "WorkingDir")));
	json_object_set_new(o, "Entrypoint", copy_or_null(json_object_get(cfg, "Entrypoint")));
	json_object_set_new(o, "Cmd", copy_or_null(json_object_get(cfg, "Cmd")));
	json_object_set_new(o, "Env", copy_or_null(json_object_get(cfg, "Env")));
	json_object_foreach(json_object_get(cfg, "ExposedPorts"), k, v)
		json_array_append_new(ports, json_string(k));
	json_object_set_new(o, "ExposedPorts", ports);
	json_object_set_new(o, "Labels", copy_or_null(json_object_get(cfg, "Labels")));
	v = json_object();
	json_object_set_new(v, "Digest", json_string(in->m.config.digest));
	json_object_set_new(v, "MediaType", json_string(in->m.config.media_type ? in->m.config.media_type : ""));
	json_object_set_new(v, "Size", json_integer(in->m.config.size));
	json_object_set_new(o, "Config", v);
	for (i = 0; i < in->m.layer_count; i++) {
		const og_descriptor *l = &in->m.layers[i];

		json_array_append_new(layers, json_string(l->digest ? l->digest : ""));
		v = json_object();
		json_object_set_new(v, "Digest", json_string(l->digest ? l->digest : ""));
		json_object_set_new(v, "MediaType", json_string(l->media_type ? l->media_type : ""));
		json_object_set_new(v, "Size", json_integer(l->size));
		if (l->annotations)
			json_object_set(v, "Annotations", l->annotations);
		json_array_append_new(data, v);
	}
	json_object_set_new(o, "Layers", layers);
	json_object_set_new(o, "LayersData", data);
	return o;
}

static void text_value(FILE *f, const char *key, json_t *v)
{
	size_t i;
	json_t *item;
	const char *k;
	char *s;

	if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
	    (json_is_object(v) && json_object_size(v) == 0))
		return;
	fprintf(f, "%-14s", key);
	if (json_is_string(v)) {
		fprintf(f, "%s\n", json_string_value(v));
	} else if (json_is_array(v) && (strcmp(key, "Entrypoint:") == 0 || strcmp(key, "Cmd:") == 0)) {
		s = json_dumps(v, JSON_COMPACT);
		fprintf(f, "%s\n", s ? s : "");
		free(s);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			fprintf(f, "%s%s\n", i ? "              " : "",
				json_is_string(item) ? json_string_value(item) : "?");
	} else if (json_is_object(v)) {
		i = 0;
		json_object_foreach(v, k, item)
			fprintf(f, "%s%s=%s\n", i++ ? "              " : "", k,
				json_is_string(item) ? json_string_value(item) : "?");
	} else {
		s = json_dumps(v, JSON_ENCODE_ANY);
		fprintf(f, "%s\n", s ? s : "");
		free(s);
	}
}

static char *render_text(json_t *o)
{
	static const char *const keys[] = { "Name", "Transport", "Digest", "MediaType",
		"Platforms", "Created", "Author", "Architecture", "Os", "Variant", "User",
		"WorkingDir", "Entrypoint", "Cmd", "Env", "ExposedPorts", "Labels" };
	char *buf = NULL, key[32];
	size_t len = 0, i;
	json_t *v;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(key, sizeof(key), "%s:", keys[i]);
		text_value(f, key, json_object_get(o, keys[i]));
	}
	if ((v = json_object_get(o, "Manifest")) != NULL)
		fprintf(f, "%-14s%s\n", "Manifest:", json_string_value(json_object_get(v, "Digest")));
	v = json_object_get(o, "Config");
	fprintf(f, "%-14s%s (%lld bytes)\n", "Config:", json_string_value(json_object_get(v, "Digest")),
		(long long)json_integer_value(json_object_get(v, "Size")));
	v = json_object_get(o, "LayersData");
	fprintf(f, "Layers:       %zu\n", json_array_size(v));
	for (i = 0; i < json_array_size(v); i++) {
		json_t *l = json_array_get(v, i);
		fprintf(f, "  %2zu  %s  %12lld  %s\n", i,
			json_string_value(json_object_get(l, "Digest")),
			(long long)json_integer_value(json_object_get(l, "Size")),
			json_string_value(json_object_get(l, "MediaType")));
	}
	fclose(f);
	return buf;
}

int og_inspect(char **out, size_t *out_len, og_ctx *ctx, const char *ref,
	const og_inspect_options *opts)
{
	og_inspect_options defaults = OG_INSPECT_OPTIONS_INIT;
	inspection in;
	json_t *o = NULL;
	char *s = NULL;
	int error;

	OG_ASSERT_ARG(ctx, out && out_len && ref);
	*out = NULL;
	*out_len = 0;
	if (!opts)
		opts = &defaults;
	og_error_clear(ctx);
	memset(&in, 0, sizeof(in));
	in.ctx = ctx;
	og_findings_init(&in.findings);
	in.chosen.size = -1;
	if ((in.platforms = json_array()) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	if ((error = load(&in, ref, opts)) < 0)
		goto done;
	if (opts->what == OG_INSPECT_RAW || opts->what == OG_INSPECT_CONFIG) {
		unsigned char **b = opts->what == OG_INSPECT_RAW ? &in.root : &in.config;
		*out_len = opts->what == OG_INSPECT_RAW ? in.root_len : in.config_len;
		*out = (char *)*b;
		if (*b == in.manifest)
			in.manifest = NULL;
		*b = NULL;
		goto done;
	}
	if ((o = summary(&in, ref)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	if (opts->format == OG_FORMAT_JSON) {
		char *j = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		s = j ? og__asprintf("%s\n", j) : NULL;
		free(j);
	} else {
		s = render_text(o);
	}
	if (!s) {
		error = og_error_oom(ctx);
		goto done;
	}
	*out = s;
	*out_len = strlen(s);
done:
	json_decref(o);
	if (in.root != in.manifest)
		free(in.manifest);
	free(in.root);
	free(in.config);
	json_decref(in.mj);
	json_decref(in.cj);
	json_decref(in.platforms);
	og_manifest_dispose(&in.m);
	og_descriptor_dispose(&in.chosen);
	og_findings_dispose(&in.findings);
	og_source_free(in.src);
	return error;
}
