#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "source.h"

#define REF_NAME "org.opencontainers.image.ref.name"
#define CTR_NAME "io.containerd.image.name"
/* Lists of image names in messages: short enough for ctx->error. */
#define NAMES_MAX 256
#define SMALL_CAP ((size_t)64 << 10)

struct og_blob_path {
	char *digest;
	char *path;
};

const char *og_source_kind_name(og_source_kind_t kind)
{
	switch (kind) {
	case OG_SOURCE_OCI_DIR: return "oci";
	case OG_SOURCE_OCI_ARCHIVE: return "oci-archive";
	case OG_SOURCE_DOCKER_ARCHIVE: return "docker-archive";
	case OG_SOURCE_REGISTRY: return "docker";
	}
	return "?";
}

void og_source_free(og_source *src)
{
	size_t i;

	if (!src)
		return;
	og_fs_free(src->fs);
	og_registry_free(src->reg);
	og_image_ref_dispose(&src->iref);
	og_descriptor_dispose(&src->root);
	free(src->root_bytes);
	for (i = 0; i < src->path_count; i++) {
		free(src->paths[i].digest);
		free(src->paths[i].path);
	}
	free(src->paths);
	free(src->ref);
	free(src->path);
	free(src->name);
	free(src);
}

/* Read a whole small file of the tree. OG_ENOTFOUND when absent. */
static int read_file(unsigned char **out, size_t *len, og_fs *fs, og_ctx *ctx,
	const char *path, size_t cap)
{
	og_reader *r = NULL;
	uint64_t size;
	char name[512];
	int error;

	*out = NULL;
	*len = 0;
	if ((error = fs->open(&r, &size, fs, ctx, path)) < 0)
		return error;
	snprintf(name, sizeof(name), "%s/%s", fs->name, path);
	error = og_reader_read_all(out, len, ctx, r, cap, name);
	og_reader_close(r);
	return error;
}

/*
 * Read a file the layout itself needs (oci-layout, index.json,
 * manifest.json). Absent or over cap is a layout.invalid finding: *out stays
 * NULL and 0 is returned. Other failures are returned.
 */
static int read_layout_file(unsigned char **out, size_t *len, og_source *src,
	og_ctx *ctx, og_findings *findings, const char *name, size_t cap)
{
	int error = read_file(out, len, src->fs, ctx, name, cap);

	if (error != OG_ENOTFOUND && error != OG_ELIMIT)
		return error;
	og_findings_add(findings, "layout.invalid", name, "%s: %s is %s", src->path,
		name, error == OG_ENOTFOUND ? "missing" : "over the size limit");
	return 0;
}

/* The root is src->root_bytes (not a stored blob): describe it. */
static int set_root_from_bytes(og_source *src, og_ctx *ctx, const char *media_type)
{
	int error;

	src->root.media_type = og__strdup(media_type);
	src->root.digest = calloc(1, OG_DIGEST_MAX);
	if (!src->root.media_type || !src->root.digest)
		return og_error_oom(ctx);
	if ((error = og_digest_buf(src->root.digest, ctx, OG_DIGEST_SHA256,
			src->root_bytes, src->root_len)) < 0)
		return error;
	src->root.alg = OG_DIGEST_SHA256;
	src->root.digest_ok = src->root.verifiable = 1;
	src->root.size = (int64_t)src->root_len;
	src->has_root = 1;
	return 0;
}

/* ------------------------------------------------------------ OCI layout */

/* The name an index entry answers to, for messages: its ref name, else its
 * containerd name. NULL when unnamed. */
static const char *entry_name(const og_descriptor *d)
{
	const char *v = og_descriptor_annotation(d, REF_NAME);

	return v ? v : og_descriptor_annotation(d, CTR_NAME);
}

static int has_ref_name(const og_descriptor *d, const char *name)
{
	const char *v = og_descriptor_annotation(d, REF_NAME);
	const char *c = og_descriptor_annotation(d, CTR_NAME);
	size_t nl, cl;

	if (v && strcmp(v, name) == 0)
		return 1;
	if (!c)
		return 0;
	if (strcmp(c, name) == 0)
		return 1;
	/* "docker.io/library/app:1.0" answers to "app:1.0" too */
	nl = strlen(name);
	cl = strlen(c);
	return cl > nl && c[cl - nl - 1] == '/' && strcmp(c + cl - nl, name) == 0;
}

/*
 * Append ", item" (no comma first) to the list in buf; once an item does
 * not fit, the list ends in "..." and stays full. Returns 0 when full.
 */
static int list_add(char *buf, size_t len, size_t *pos, const char *item)
{
	size_t need = strlen(item) + (*pos ? 2 : 0);

	if (*pos >= len)
		return 0;
	/* room for the item, and for ", ..." should another not fit */
	if (*pos + need + 5 >= len) {
		memcpy(buf + *pos, *pos ? ", ..." : "...", *pos ? 6 : 4);
		*pos = len;
		return 0;
	}
	if (*pos) {
		memcpy(buf + *pos, ", ", 2);
		*pos += 2;
	}
	memcpy(buf + *pos, item, strlen(item) + 1);
	*pos += strlen(item);
	return 1;
}

/* The names of a layout's images (digests for unnamed ones), cut to fit a
 * one-line message. */
static void list_names(char *buf, size_t len, const og_index *ix)
{
	size_t i, pos = 0;

	buf[0] = '\0';
	for (i = 0; i < ix->count; i++) {
		const char *n = entry_name(&ix->manifests[i]);

		if (!list_add(buf, len, &pos, n ? n :
				(ix->manifests[i].digest ? ix->manifests[i].digest : "?")))
			break;
	}
}

static int open_layout(og_source *src, og_ctx *ctx, og_findings *findings)
{
	unsigned char *data = NULL;
	size_t len = 0, i, pick = 0;
	json_t *j = NULL;
	og_index ix;
	og_where w = { findings, "oci-layout" };
	char names[NAMES_MAX];
	int error, platforms = 0;

	memset(&ix, 0, sizeof(ix));
	if ((error = read_layout_file(&data, &len, src, ctx, findings, "oci-layout",
			SMALL_CAP)) < 0)
		goto done;
	if (data && (j = og_json_parse(&w, data, len, "layout.invalid")) != NULL)
		og_layout_check(&w, j);
	json_decref(j);
	j = NULL;
	free(data);
	data = NULL;

	w.doc = "index.json";
	if ((error = read_layout_file(&data, &len, src, ctx, findings, "index.json",
			ctx->limits.max_json)) < 0 || !data)
		goto done;
	if ((j = og_json_parse(&w, data, len, "layout.invalid")) == NULL)
		goto done;
	if ((error = og_index_parse(&ix, &w, j)) < 0 || !ix.usable)
		goto done;
	if (ix.count == 0) {
		og_findings_add(findings, "layout.invalid", "index.json",
			"%s: index.json lists no manifests", src->path);
		goto done;
	}
	if (src->name) {
		for (pick = 0; pick < ix.count; pick++)
			if (has_ref_name(&ix.manifests[pick], src->name))
				break;
		if (pick == ix.count) {
			list_names(names, sizeof(names), &ix);
			error = og_error_set(ctx, OG_ENOTFOUND,
				"%s: no image named \"%s\" (the layout has: %s)",
				src->path, src->name, names);
			goto done;
		}
	} else if (ix.count > 1) {
		/* A named entry is an image of its own, not a platform of one. */
		for (i = 0; i < ix.count; i++)
			platforms += ix.manifests[i].platform != NULL &&
				entry_name(&ix.manifests[i]) == NULL;
		if ((size_t)platforms != ix.count) {
			list_names(names, sizeof(names), &ix);
			error = og_error_set(ctx, OG_EAMBIGUOUS,
				"%s holds %zu images; name one with %s:%s:REF (%s)",
				src->path, ix.count, og_source_kind_name(src->kind),
				src->path, names);
			goto done;
		}
		/* A layout whose index.json is itself the multi-platform index. */
		src->root_bytes = data;
		src->root_len = len;
		data = NULL;
		error = set_root_from_bytes(src, ctx, OG_MT_OCI_INDEX);
		goto done;
	}
	if ((error = og_descriptor_copy(&src->root, &ix.manifests[pick])) < 0)
		goto done;
	src->has_root = 1;
done:
	og_index_dispose(&ix);
	json_decref(j);
	free(data);
	return error;
}

/* --------------------------------------------------------- docker-archive */

static int add_path(og_source *src, const char *digest, const char *path)
{
	og_blob_path *p = realloc(src->paths, (src->path_count + 1) * sizeof(*p));

	if (!p)
		return OG_ENOMEM;
	src->paths = p;
	p = &src->paths[src->path_count];
	p->digest = og__strdup(digest);
	p->path = og__strdup(path);
	if (!p->digest || !p->path) {
		free(p->digest);
		free(p->path);
		return OG_ENOMEM;
	}
	src->path_count++;
	return 0;
}

/* Digest of a file of the tree, hashing it as it streams. */
static int hash_file(char out[OG_DIGEST_MAX], og_fs *fs, og_ctx *ctx,
	const char *path)
{
	unsigned char buf[65536];
	og_reader *r = NULL;
	og_hash *h = NULL;
	uint64_t size;
	ssize_t n;
	int error;

	if ((error = fs->open(&r, &size, fs, ctx, path)) < 0)
		return error;
	if ((error = og_hash_new(&h, ctx, OG_DIGEST_SHA256)) < 0)
		goto done;
	while ((n = og_reader_read(r, buf, sizeof(buf))) > 0)
		og_hash_update(h, buf, (size_t)n);
	if (n < 0) {
		error = (int)n;
		goto done;
	}
	og_hash_final(h, out);
done:
	og_hash_free(h);
	og_reader_close(r);
	return error;
}

static int sniff_file(og_compression_t *out, og_fs *fs, og_ctx *ctx, const char *path)
{
	unsigned char buf[8];
	og_reader *r = NULL;
	uint64_t size;
	ssize_t n = 0, got = 0;
	int error;

	if ((error = fs->open(&r, &size, fs, ctx, path)) < 0)
		return error;
	while (got < (ssize_t)sizeof(buf) &&
	       (n = og_reader_read(r, buf + got, sizeof(buf) - (size_t)got)) > 0)
		got += n;
	og_reader_close(r);
	if (n < 0)
		return (int)n;
	*out = og_compression_sniff(buf, (size_t)got);
	return 0;
}

/* s as a JSON string, quotes included ("sha256:..." stays as it is). NULL
 * on OOM. */
static char *json_quote(const char *s)
{
	json_t *j = json_string(s);
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	return q;
}

/*
 * Make the Docker v2 schema 2 manifest that skopeo makes for a docker-archive
 * entry, byte for byte (compact JSON, fields in Go struct order), so digests
 * agree with skopeo inspect. Layers are named by their diff_id when stored
 * uncompressed, by the hash of their bytes otherwise.
 */
static int synthesize_manifest(og_source *src, og_ctx *ctx, og_findings *findings,
	json_t *entry)
{
	json_t *layers = json_object_get(entry, "Layers");
	const char *config_path = json_string_value(json_object_get(entry, "Config"));
	unsigned char *cfg = NULL;
	size_t cfg_len = 0, i;
	char cfg_digest[OG_DIGEST_MAX], digest[OG_DIGEST_MAX];
	og_where w = { findings, "manifest.json" };
	json_t *cj = NULL, *ids = NULL;
	char *out = NULL, *tmp;
	og_compression_t comp = OG_COMP_NONE;
	uint64_t size;
	int error = 0;

	error = read_file(&cfg, &cfg_len, src->fs, ctx, config_path, ctx->limits.max_json);
	if (error == OG_ENOTFOUND || error == OG_ELIMIT) {
		og_findings_add(findings, "blob.missing", config_path,
			"%s: config %s %s", src->path, config_path,
			error == OG_ENOTFOUND ? "is missing" : "is over the size limit");
		error = 0;
		goto done;
	}
	if (error < 0 || (error = og_digest_buf(cfg_digest, ctx, OG_DIGEST_SHA256,
			cfg, cfg_len)) < 0)
		goto done;
	if ((error = add_path(src, cfg_digest, config_path)) < 0)
		goto done;
	w.doc = cfg_digest;
	if ((cj = og_json_parse(&w, cfg, cfg_len, "manifest.schema")) != NULL) {
		ids = json_object_get(json_object_get(cj, "rootfs"), "diff_ids");
		if (!json_is_array(ids))
			ids = NULL;
	}
	out = og__asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":"
		"{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\"},\"layers\":[",
		OG_MT_DOCKER_MANIFEST, OG_MT_DOCKER_CONFIG, cfg_len, cfg_digest);
	for (i = 0; out && i < json_array_size(layers); i++) {
		const char *lp = json_string_value(json_array_get(layers, i));
		const char *id = json_string_value(json_array_get(ids, i));
		const char *name;
		char *quoted = NULL;
		og_digest_alg_t alg;
		/* skopeo names every docker-archive layer tar.gzip, whatever its
		 * bytes; so do we, for the digests to agree. */
		const char *mt = OG_MT_DOCKER_LAYER;

		if (!lp)
			continue;
		/* diff_ids come from the archive: only a well-formed digest may
		 * name a layer (anything else could rewrite our JSON). */
		if (id && og_digest_parse(&alg, id, NULL, 0) < 0)
			id = NULL;
		size = 0;
		error = src->fs->stat(src->fs, lp, &size);
		if (error == 0 && (error = sniff_file(&comp, src->fs, ctx, lp)) < 0)
			goto done;
		if (error == OG_ENOTFOUND) {
			/* Named by its diff_id (else its path, which the manifest
			 * parse reports); the walk will report it missing. */
			name = id ? id : lp;
		} else if (comp == OG_COMP_NONE && id) {
			name = id;
		} else {
			if ((error = hash_file(digest, src->fs, ctx, lp)) < 0)
				goto done;
			name = digest;
			if (comp == OG_COMP_ZSTD)
				mt = "application/vnd.docker.image.rootfs.diff.tar.zstd";
		}
		error = 0;
		if (add_path(src, name, lp) < 0 || (quoted = json_quote(name)) == NULL)
			goto oom;
		tmp = og__asprintf("%s%s{\"mediaType\":\"%s\",\"size\":%llu,\"digest\":%s}",
			out, i ? "," : "", mt, (unsigned long long)size, quoted);
		free(quoted);
		free(out);
		out = tmp;
	}
	if (!out)
		goto oom;
	tmp = og__asprintf("%s]}", out);
	free(out);
	if ((out = tmp) == NULL)
		goto oom;
	src->synthesized = 1;
	src->root_len = strlen(out);
	src->root_bytes = (unsigned char *)out;
	out = NULL;
	error = set_root_from_bytes(src, ctx, OG_MT_DOCKER_MANIFEST);
	goto done;
oom:
	error = og_error_oom(ctx);
done:
	free(out);
	free(cfg);
	json_decref(cj);
	return error;
}

static int entry_has_tag(json_t *entry, const char *name)
{
	json_t *tags = json_object_get(entry, "RepoTags"), *t;
	size_t i, nl = strlen(name), tl;

	json_array_foreach(tags, i, t) {
		const char *s = json_string_value(t);
		if (!s)
			continue;
		if (strcmp(s, name) == 0)
			return 1;
		tl = strlen(s);
		/* "docker.io/library/app:1" answers to "app:1" */
		if (tl > nl && s[tl - nl - 1] == '/' && strcmp(s + tl - nl, name) == 0)
			return 1;
	}
	return 0;
}

static int open_docker(og_source *src, og_ctx *ctx, og_findings *findings)
{
	unsigned char *data = NULL;
	size_t len = 0, i, pick = 0, pos = 0;
	json_error_t jerr;
	json_t *j = NULL, *e;
	char names[NAMES_MAX];
	int error;

	if ((error = read_layout_file(&data, &len, src, ctx, findings, "manifest.json",
			ctx->limits.max_json)) < 0 || !data)
		goto done;
	j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j || !json_is_array(j) || json_array_size(j) == 0) {
		og_findings_add(findings, "layout.invalid", "manifest.json",
			"%s: manifest.json %s%s", src->path,
			!j ? "is not valid JSON: " : "is not a non-empty array",
			!j ? jerr.text : "");
		goto done;
	}
	json_array_foreach(j, i, e) {
		json_t *layers = json_object_get(e, "Layers"), *l;
		size_t k;
		int ok = json_is_object(e) && json_is_string(json_object_get(e, "Config")) &&
			 json_is_array(layers);

		json_array_foreach(layers, k, l)
			ok = ok && json_is_string(l);
		if (!ok) {
			og_findings_add(findings, "layout.invalid", "manifest.json",
				"%s: manifest.json entry %zu needs Config (string) and "
				"Layers (array of strings)", src->path, i);
			goto done;
		}
	}
	if (src->name) {
		const char *at = src->name[0] == '@' ? src->name + 1 : NULL;
		char *end = NULL;
		unsigned long n = at ? strtoul(at, &end, 10) : 0;

		if (at && end && *end == '\0' && end != at && n < json_array_size(j)) {
			pick = (size_t)n;
		} else {
			for (pick = 0; pick < json_array_size(j); pick++)
				if (entry_has_tag(json_array_get(j, pick), src->name))
					break;
		}
	} else if (json_array_size(j) > 1) {
		pick = json_array_size(j);
	}
	if (pick >= json_array_size(j)) {
		names[0] = '\0';
		json_array_foreach(j, i, e) {
			json_t *t0 = json_array_get(json_object_get(e, "RepoTags"), 0);
			char item[NAMES_MAX];

			snprintf(item, sizeof(item), "%s (@%zu)",
				json_is_string(t0) ? json_string_value(t0) : "untagged", i);
			if (!list_add(names, sizeof(names), &pos, item))
				break;
		}
		if (src->name)
			error = og_error_set(ctx, OG_ENOTFOUND,
				"%s: no image tagged \"%s\" (the archive has: %s)",
				src->path, src->name, names);
		else
			error = og_error_set(ctx, OG_EAMBIGUOUS,
				"%s holds %zu images; name one with docker-archive:%s:TAG (%s)",
				src->path, json_array_size(j), src->path, names);
		goto done;
	}
	error = synthesize_manifest(src, ctx, findings, json_array_get(j, pick));
done:
	json_decref(j);
	free(data);
	return error;
}

/* -------------------------------------------------------------- registry */

/* The media type of manifest bytes that came without a usable one. */
static const char *sniff_media_type(const unsigned char *data, size_t len)
{
	json_t *j = json_loadb((const char *)data, len, 0, NULL);
	int index = json_is_array(json_object_get(j, "manifests"));

	json_decref(j);
	return index ? OG_MT_OCI_INDEX : OG_MT_OCI_MANIFEST;
}

static int open_registry(og_source *src, og_ctx *ctx, og_findings *findings,
	const og_transport_options *transport)
{
	const char *reference;
	char digest[OG_DIGEST_MAX], *mt = NULL;
	int error;

	if ((error = og_image_ref_parse(&src->iref, ctx, src->ref)) < 0)
		return error;
	reference = src->iref.digest ? src->iref.digest : src->iref.tag;
	src->path = og__asprintf("docker://%s/%s", src->iref.host, src->iref.repo);
	src->name = og__strdup(reference);
	if (!src->path || !src->name)
		return og_error_oom(ctx);
	if ((error = og_registry_new(&src->reg, ctx, src->iref.host, transport)) < 0)
		return error;
	error = og_registry_get_manifest(&src->root_bytes, &src->root_len, &mt, digest,
		src->reg, ctx, src->iref.repo, reference, ctx->limits.max_json);
	if (error == OG_EINVALID && ctx->error_id &&
	    strcmp(ctx->error_id, "blob.digest_mismatch") == 0) {
		og_findings_add(findings, "blob.digest_mismatch", reference, "%s", ctx->error);
		og_error_clear(ctx);
		return 0;
	}
	if (error == OG_ELIMIT) {
		og_findings_add(findings, "manifest.schema", reference, "%s", ctx->error);
		og_error_clear(ctx);
		return 0;
	}
	if (error < 0)
		return error;
	error = set_root_from_bytes(src, ctx, mt && *mt ? mt :
		sniff_media_type(src->root_bytes, src->root_len));
	free(mt);
	return error;
}

/* A manifest or an index (fetched from /manifests/, not /blobs/). */
static int is_manifest_type(const char *mt)
{
	return mt && (strstr(mt, ".manifest.") || strstr(mt, ".index.") ||
		strstr(mt, "manifest.list"));
}

/* og_source_fetch for a manifest held by a registry. */
static int fetch_manifest(unsigned char **out, size_t *out_len, og_source *src,
	og_ctx *ctx, const og_descriptor *d, size_t cap, og_findings *findings,
	const char *missing_id, const char *what)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char got[OG_DIGEST_MAX];
	int error;

	error = og_registry_get_manifest(&buf, &len, NULL, got, src->reg, ctx,
		src->iref.repo, d->digest, cap);
	if (error == OG_ENOTFOUND) {
		og_findings_add(findings, missing_id, d->digest, "%s %s is missing from %s",
			what, d->digest, src->path);
		og_error_clear(ctx);
		return 0;
	}
	if (error == OG_EINVALID && ctx->error_id &&
	    strcmp(ctx->error_id, "blob.digest_mismatch") == 0) {
		og_findings_add(findings, "blob.digest_mismatch", d->digest, "%s %s: %s",
			what, d->digest, ctx->error);
		og_error_clear(ctx);
		return 0;
	}
	if (error == OG_ELIMIT) {
		og_findings_add(findings, "manifest.schema", d->digest,
			"%s %s is over the %zu-byte limit for JSON documents; not parsed",
			what, d->digest, cap);
		og_error_clear(ctx);
		return 0;
	}
	if (error < 0)
		return error;
	if (d->size >= 0 && len != (size_t)d->size) {
		og_findings_add(findings, "blob.size_mismatch", d->digest,
			"%s %s is %zu bytes, the descriptor says %lld", what, d->digest,
			len, (long long)d->size);
		free(buf);
		return 0;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/* ------------------------------------------------------------------ open */

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Split "PATH[:REF]" at the first ':' (skopeo's rule). */
static int split_path(og_source *src, const char *rest)
{
	const char *colon = strchr(rest, ':');

	src->path = colon ? og__strndup(rest, (size_t)(colon - rest)) : og__strdup(rest);
	if (colon && colon[1])
		src->name = og__strdup(colon + 1);
	return src->path && (!colon || !colon[1] || src->name) ? 0 : OG_ENOMEM;
}

static int open_tree(og_source *src, og_ctx *ctx)
{
	int kind = og_fs_kind(src->path);

	if (kind == OG_ENOTFOUND)
		return og_error_set(ctx, OG_ENOTFOUND, "%s: no such file or directory", src->path);
	if (src->kind == OG_SOURCE_OCI_DIR) {
		if (kind != 1)
			return og_error_set(ctx, OG_EINVALID, "%s: not a directory (oci: needs an OCI layout directory)", src->path);
		return og_fs_open_dir(&src->fs, ctx, src->path);
	}
	if (kind != 2)
		return og_error_set(ctx, OG_EINVALID, "%s: not a file (%s: needs a tar archive)",
			src->path, og_source_kind_name(src->kind));
	return og_fs_open_tar(&src->fs, ctx, src->path);
}

/* A bare path: a layout dir, or a tar holding a layout or a docker save. */
static int sniff(og_source *src, og_ctx *ctx)
{
	uint64_t size;
	int kind = og_fs_kind(src->path), error;

	if (kind == OG_ENOTFOUND)
		return og_error_set(ctx, OG_ENOTFOUND, "%s: no such file or directory", src->path);
	if (kind == 1) {
		src->kind = OG_SOURCE_OCI_DIR;
		if ((error = og_fs_open_dir(&src->fs, ctx, src->path)) < 0)
			return error;
		if (src->fs->stat(src->fs, "oci-layout", &size) < 0 &&
		    src->fs->stat(src->fs, "index.json", &size) < 0)
			return og_error_set(ctx, OG_EINVALID,
				"%s: not an image: a directory without oci-layout or index.json", src->path);
		return 0;
	}
	if ((error = og_fs_open_tar(&src->fs, ctx, src->path)) < 0)
		return error;
	if (src->fs->stat(src->fs, "oci-layout", &size) == 0 ||
	    src->fs->stat(src->fs, "index.json", &size) == 0) {
		src->kind = OG_SOURCE_OCI_ARCHIVE;
		return 0;
	}
	if (src->fs->stat(src->fs, "manifest.json", &size) == 0) {
		src->kind = OG_SOURCE_DOCKER_ARCHIVE;
		return 0;
	}
	return og_error_set(ctx, OG_EINVALID,
		"%s: not an image: a tar without oci-layout, index.json or manifest.json", src->path);
}

/*
 * A bare "PATH[:REF]": PATH may hold ':' itself and REF too ("app:1.0"), so
 * the path is the longest prefix ending before a ':' that exists; the whole
 * string when nothing does (it is reported missing later).
 */
static int split_bare(og_source *src, const char *ref)
{
	const char *colon;
	char *path;

	if (og_fs_kind(ref) == OG_ENOTFOUND) {
		for (colon = ref + strlen(ref); colon > ref; colon--) {
			if (*colon != ':' || colon[1] == '\0')
				continue;
			if ((path = og__strndup(ref, (size_t)(colon - ref))) == NULL)
				return OG_ENOMEM;
			if (og_fs_kind(path) != OG_ENOTFOUND) {
				src->path = path;
				src->name = og__strdup(colon + 1);
				return src->name ? 0 : OG_ENOMEM;
			}
			free(path);
		}
	}
	src->path = og__strdup(ref);
	return src->path ? 0 : OG_ENOMEM;
}

int og_source_open(og_source **out, og_ctx *ctx, const char *ref,
	og_findings *findings)
{
	return og_source_open_opts(out, ctx, ref, findings, NULL);
}

int og_source_open_opts(og_source **out, og_ctx *ctx, const char *ref,
	og_findings *findings, const og_transport_options *transport)
{
	og_source *src = NULL;
	uint64_t size;
	int error = 0;

	*out = NULL;
	if (!ref || !*ref)
		return og_error_set(ctx, OG_EINVALID, "no image reference given");
	if ((src = calloc(1, sizeof(*src))) == NULL || (src->ref = og__strdup(ref)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	src->root.size = -1;
	if (starts_with(ref, "oci:")) {
		src->kind = OG_SOURCE_OCI_DIR;
		error = split_path(src, ref + 4);
	} else if (starts_with(ref, "oci-archive:")) {
		src->kind = OG_SOURCE_OCI_ARCHIVE;
		error = split_path(src, ref + 12);
	} else if (starts_with(ref, "docker-archive:")) {
		src->kind = OG_SOURCE_DOCKER_ARCHIVE;
		error = split_path(src, ref + 15);
	} else if (starts_with(ref, "docker://")) {
		src->kind = OG_SOURCE_REGISTRY;
		if ((error = open_registry(src, ctx, findings, transport)) < 0)
			goto done;
		goto registry;
	} else {
		if ((error = split_bare(src, ref)) < 0) {
			error = og_error_oom(ctx);
			goto done;
		}
		if (og_fs_kind(src->path) == OG_ENOTFOUND && og_image_ref_is_registry(ref)) {
			free(src->path);
			free(src->name);
			src->path = src->name = NULL;
			src->kind = OG_SOURCE_REGISTRY;
			if ((error = open_registry(src, ctx, findings, transport)) < 0)
				goto done;
			goto registry;
		}
		if ((error = sniff(src, ctx)) < 0)
			goto done;
		goto opened;
	}
	if (error < 0) {
		error = og_error_oom(ctx);
		goto done;
	}
	if (!*src->path) {
		error = og_error_set(ctx, OG_EINVALID, "%s: no path given", ref);
		goto done;
	}
	if ((error = open_tree(src, ctx)) < 0)
		goto done;
	if (src->kind != OG_SOURCE_DOCKER_ARCHIVE &&
	    src->fs->stat(src->fs, "oci-layout", &size) < 0 &&
	    src->fs->stat(src->fs, "index.json", &size) < 0) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: not an OCI layout: no oci-layout or index.json", src->path);
		goto done;
	}
	if (src->kind == OG_SOURCE_DOCKER_ARCHIVE &&
	    src->fs->stat(src->fs, "manifest.json", &size) < 0 &&
	    src->fs->stat(src->fs, "index.json", &size) < 0) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: not a docker archive: no manifest.json", src->path);
		goto done;
	}
opened:
	if (src->kind == OG_SOURCE_DOCKER_ARCHIVE)
		error = open_docker(src, ctx, findings);
	else
		error = open_layout(src, ctx, findings);
	if (error < 0)
		goto done;
registry:
	*out = src;
	src = NULL;
done:
	og_source_free(src);
	return error;
}

/* ------------------------------------------------------------------ blobs */

int og_source_open_blob(og_reader **out, uint64_t *size, og_source *src,
	og_ctx *ctx, const char *digest)
{
	const char *enc = og_digest_encoded(digest);
	char path[OG_DIGEST_MAX + 16];
	og_digest_alg_t alg;
	size_t i;

	*out = NULL;
	if (src->kind == OG_SOURCE_REGISTRY) {
		if (strlen(digest) >= OG_DIGEST_MAX || og_digest_parse(&alg, digest, NULL, 0) < 0)
			return og_error_set(ctx, OG_ENOTFOUND, "%s: blob %.80s: bad digest",
				src->path, digest);
		return og_registry_open_blob(out, size, src->reg, ctx, src->iref.repo, digest);
	}
	if (src->kind == OG_SOURCE_DOCKER_ARCHIVE) {
		for (i = 0; i < src->path_count; i++)
			if (strcmp(src->paths[i].digest, digest) == 0)
				return src->fs->open(out, size, src->fs, ctx, src->paths[i].path);
		return og_error_set(ctx, OG_ENOTFOUND, "%s: blob %s is not in the archive",
			src->path, digest);
	}
	/* The digest becomes a path: only the digest grammar (no '/', no
	 * "..") may reach the tree. */
	if (!enc || strlen(digest) >= OG_DIGEST_MAX ||
	    og_digest_parse(&alg, digest, NULL, 0) < 0)
		return og_error_set(ctx, OG_ENOTFOUND, "%s: blob %.80s: bad digest", src->path, digest);
	snprintf(path, sizeof(path), "blobs/%.*s/%s", (int)(enc - 1 - digest), digest, enc);
	return src->fs->open(out, size, src->fs, ctx, path);
}

int og_source_fetch(unsigned char **out, size_t *out_len, og_source *src,
	og_ctx *ctx, const og_descriptor *d, size_t cap, og_findings *findings,
	const char *missing_id, const char *what)
{
	unsigned char *buf = NULL;
	unsigned char chunk[65536];
	char got[OG_DIGEST_MAX];
	og_reader *r = NULL;
	og_hash *h = NULL;
	uint64_t size = 0, total = 0;
	size_t len = 0, keep;
	ssize_t n;
	int error = 0;

	*out = NULL;
	*out_len = 0;
	if (!d->digest || !d->digest_ok)
		return 0; /* already reported by the descriptor parse */
	if (!d->verifiable) {
		og_findings_add(findings, "digest.invalid", d->digest,
			"%s %s: unsupported digest algorithm, the bytes cannot be verified",
			what, d->digest);
		return 0;
	}
	if (src->root_bytes && d == &src->root) {
		r = NULL;
		if ((buf = malloc(src->root_len + 1)) == NULL)
			return og_error_oom(ctx);
		memcpy(buf, src->root_bytes, src->root_len);
		buf[src->root_len] = '\0';
		*out = buf;
		*out_len = src->root_len;
		return 0;
	}
	if (src->kind == OG_SOURCE_REGISTRY && is_manifest_type(d->media_type))
		return fetch_manifest(out, out_len, src, ctx, d, cap, findings, missing_id, what);
	error = og_source_open_blob(&r, &size, src, ctx, d->digest);
	if (error == OG_ENOTFOUND) {
		og_findings_add(findings, missing_id, d->digest, "%s %s is missing from %s",
			what, d->digest, src->path);
		return 0;
	}
	if (error < 0)
		return error;
	if ((error = og_hash_new(&h, ctx, d->alg)) < 0)
		goto done;
	/* Room for what the descriptor announces: more bytes than that are a
	 * size mismatch, hashed but not kept. */
	keep = d->size >= 0 && (uint64_t)d->size < cap ? (size_t)d->size : cap;
	if ((buf = malloc(keep + 1)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	while ((n = og_reader_read(r, chunk, sizeof(chunk))) > 0) {
		og_hash_update(h, chunk, (size_t)n);
		if (len + (size_t)n <= keep) {
			memcpy(buf + len, chunk, (size_t)n);
			len += (size_t)n;
		}
		total += (uint64_t)n;
	}
	if (n < 0) {
		error = (int)n;
		goto done;
	}
	og_hash_final(h, got);
	if (d->size >= 0 && total != (uint64_t)d->size) {
		og_findings_add(findings, "blob.size_mismatch", d->digest,
			"%s %s is %llu bytes, the descriptor says %lld", what, d->digest,
			(unsigned long long)total, (long long)d->size);
		goto done;
	}
	if (strcmp(got, d->digest) != 0) {
		og_findings_add(findings, "blob.digest_mismatch", d->digest,
			"%s %s: the bytes hash to %s", what, d->digest, got);
		goto done;
	}
	if (total > cap) {
		og_findings_add(findings, "manifest.schema", d->digest,
			"%s %s is %llu bytes, over the %zu-byte limit for JSON documents; not parsed",
			what, d->digest, (unsigned long long)total, cap);
		goto done;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
done:
	free(buf);
	og_hash_free(h);
	og_reader_close(r);
	return error;
}
