/*
 * og_copy: copy an image by digest from any source to a registry, an OCI
 * layout directory or an oci-archive.
 *
 * Order of work, so that DST never shows a partial image under a tag:
 * every blob (skip / mount / stream), then every child manifest by digest,
 * then the top manifest under its tag (oci: index.json replaced atomically;
 * oci-archive: the archive renamed into place), then a check that DST names
 * the source digest.
 *
 * The oci-archive writer uses libarchive here rather than in oci/tar*: the
 * brief for `copy` asks for it and oci/ has no writer to share (STYLE §1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include "oci/ctx.h"
#include "oci/digest.h"
#include "oci/io.h"
#include "oci/model.h"
#include "oci/pool.h"
#include "oci/registry.h"
#include "oci/source.h"
#include "copy.h"

#define REF_NAME "org.opencontainers.image.ref.name"
#define BUF_SIZE (256u * 1024u)

/* ------------------------------------------------------------------ plan */

void og_copy__plan_dispose(og_copy_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->blob_count; i++) {
		free(plan->blobs[i].digest);
		free(plan->blobs[i].media_type);
	}
	free(plan->blobs);
	for (i = 0; i < plan->manifest_count; i++) {
		free(plan->manifests[i].digest);
		free(plan->manifests[i].media_type);
		free(plan->manifests[i].bytes);
	}
	free(plan->manifests);
	free(plan->platform);
	free(plan->tag);
	memset(plan, 0, sizeof(*plan));
}

static int plan_add_blob(og_copy_plan *plan, og_ctx *ctx, const og_descriptor *d,
	const char *what, const char *parent)
{
	og_copy_blob *nb;
	size_t i;

	if (!d->digest || !d->verifiable || d->size < 0)
		return og_error_set(ctx, OG_EINVALID,
			"manifest %s: %s has no usable digest and size", parent, what);
	for (i = 0; i < plan->blob_count; i++)
		if (strcmp(plan->blobs[i].digest, d->digest) == 0)
			return 0;
	if ((nb = realloc(plan->blobs, (plan->blob_count + 1) * sizeof(*nb))) == NULL)
		return og_error_oom(ctx);
	plan->blobs = nb;
	nb = &plan->blobs[plan->blob_count];
	memset(nb, 0, sizeof(*nb));
	nb->size = (uint64_t)d->size;
	nb->action = OG_COPY_STREAM;
	if ((nb->digest = og__strdup(d->digest)) == NULL ||
	    (d->media_type && (nb->media_type = og__strdup(d->media_type)) == NULL)) {
		free(nb->digest);
		return og_error_oom(ctx);
	}
	plan->blob_count++;
	return 0;
}

static int plan_has_manifest(const og_copy_plan *plan, const char *digest)
{
	size_t i;

	for (i = 0; i < plan->manifest_count; i++)
		if (strcmp(plan->manifests[i].digest, digest) == 0)
			return 1;
	return 0;
}

/* Takes bytes (freed on failure too). */
static int plan_add_manifest(og_copy_plan *plan, og_ctx *ctx, const char *digest,
	const char *media_type, unsigned char *bytes, size_t len)
{
	og_copy_manifest *nm;

	if (plan_has_manifest(plan, digest)) {
		free(bytes);
		return 0;
	}
	if ((nm = realloc(plan->manifests, (plan->manifest_count + 1) * sizeof(*nm))) == NULL) {
		free(bytes);
		return og_error_oom(ctx);
	}
	plan->manifests = nm;
	nm = &plan->manifests[plan->manifest_count];
	memset(nm, 0, sizeof(*nm));
	nm->bytes = bytes;
	nm->len = len;
	if ((nm->digest = og__strdup(digest)) == NULL ||
	    (nm->media_type = og__strdup(media_type)) == NULL) {
		free(nm->digest);
		free(bytes);
		return og_error_oom(ctx);
	}
	plan->manifest_count++;
	return 0;
}

/* The media type a manifest is pushed with: its descriptor's, else its own
 * mediaType field, else by its shape. */
static const char *manifest_media_type(const og_descriptor *d, json_t *j, og_kind_t kind)
{
	const char *mt = d->media_type;

	if (!mt)
		mt = json_string_value(json_object_get(j, "mediaType"));
	if (!mt)
		mt = kind == OG_KIND_INDEX ? OG_MT_OCI_INDEX : OG_MT_OCI_MANIFEST;
	return mt;
}

/* Fetch and verify the document d names; *out to free(). */
static int fetch_doc(unsigned char **out, size_t *len, json_t **j, og_ctx *ctx,
	og_source *src, const og_descriptor *d)
{
	og_findings f;
	og_where w;
	int error;

	*out = NULL;
	*j = NULL;
	og_findings_init(&f);
	w.findings = &f;
	w.doc = d->digest ? d->digest : "manifest";
	if ((error = og_source_fetch(out, len, src, ctx, d, ctx->limits.max_json, &f,
			"blob.missing", "manifest")) < 0)
		goto done;
	if (!*out) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: manifest %s is missing, corrupt or over the size limit",
			src->path, d->digest ? d->digest : "(no digest)");
		goto done;
	}
	if ((*j = og_json_parse(&w, *out, *len, "manifest.schema")) == NULL) {
		error = og_error_set(ctx, OG_EINVALID, "%s: manifest %s is not JSON",
			src->path, d->digest);
		goto done;
	}
done:
	if (error < 0) {
		free(*out);
		*out = NULL;
	}
	og_findings_dispose(&f);
	return error;
}

static int plan_walk(og_copy_plan *plan, og_ctx *ctx, og_source *src,
	const og_descriptor *d, unsigned int depth)
{
	unsigned char *bytes = NULL;
	size_t len = 0, i;
	json_t *j = NULL;
	og_findings f;
	og_where w;
	og_media_type mt;
	og_kind_t kind = OG_KIND_UNKNOWN;
	og_index ix;
	og_manifest m;
	const char *media_type;
	int error;

	memset(&ix, 0, sizeof(ix));
	memset(&m, 0, sizeof(m));
	og_findings_init(&f);
	w.findings = &f;
	w.doc = d->digest;
	if (depth > ctx->limits.max_depth) {
		error = og_error_set(ctx, OG_ELIMIT, "%s: indexes nested over %u deep at %s",
			src->path, ctx->limits.max_depth, d->digest);
		goto done;
	}
	if (d->digest && plan_has_manifest(plan, d->digest)) {
		error = 0;
		goto done;
	}
	if ((error = fetch_doc(&bytes, &len, &j, ctx, src, d)) < 0)
		goto done;
	if (d->media_type && og_media_type_lookup(&mt, d->media_type) == 0)
		kind = mt.kind;
	if (kind != OG_KIND_INDEX && kind != OG_KIND_MANIFEST)
		kind = og_json_sniff_kind(j);
	media_type = manifest_media_type(d, j, kind);
	if (kind == OG_KIND_INDEX) {
		if ((error = og_index_parse(&ix, &w, j)) < 0)
			goto done;
		if (!ix.usable) {
			error = og_error_set(ctx, OG_EINVALID,
				"%s: index %s: its manifests cannot be read", src->path, d->digest);
			goto done;
		}
		for (i = 0; i < ix.count; i++)
			if ((error = plan_walk(plan, ctx, src, &ix.manifests[i], depth + 1)) < 0)
				goto done;
	} else if (kind == OG_KIND_MANIFEST) {
		if ((error = og_manifest_parse(&m, &w, j)) < 0)
			goto done;
		if (!m.usable) {
			error = og_error_set(ctx, OG_EINVALID,
				"%s: manifest %s: its config and layers cannot be read",
				src->path, d->digest);
			goto done;
		}
		if ((error = plan_add_blob(plan, ctx, &m.config, "the config", d->digest)) < 0)
			goto done;
		for (i = 0; i < m.layer_count; i++)
			if ((error = plan_add_blob(plan, ctx, &m.layers[i], "a layer", d->digest)) < 0)
				goto done;
	} else {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: %s is neither an image manifest nor an index", src->path, d->digest);
		goto done;
	}
	error = plan_add_manifest(plan, ctx, d->digest, media_type, bytes, len);
	bytes = NULL;
done:
	free(bytes);
	json_decref(j);
	og_index_dispose(&ix);
	og_manifest_dispose(&m);
	og_findings_dispose(&f);
	return error;
}

/* A single image asked for by platform: its config must name it. */
static int check_image_platform(og_ctx *ctx, og_source *src, const og_where *w, json_t *j,
	const og_platform *want, const char *platform, const og_descriptor *d)
{
	unsigned char *bytes = NULL;
	size_t len = 0;
	json_t *cj = NULL;
	og_findings f;
	og_where cw;
	og_manifest m;
	og_config c;
	og_platform have;
	char name[128];
	int error;

	memset(&m, 0, sizeof(m));
	memset(&c, 0, sizeof(c));
	og_findings_init(&f);
	cw.findings = &f;
	cw.doc = d->digest;
	if ((error = og_manifest_parse(&m, w, j)) < 0)
		goto done;
	if (!m.usable || (error = og_source_fetch(&bytes, &len, src, ctx, &m.config,
			ctx->limits.max_json, &f, "blob.missing", "config")) < 0)
		goto done;
	if (!bytes || (cj = og_json_parse(&cw, bytes, len, "manifest.schema")) == NULL ||
	    (error = og_config_parse(&c, &cw, cj)) < 0) {
		error = error < 0 ? error : og_error_set(ctx, OG_EINVALID,
			"%s: image %s: its config cannot be read to check --platform %s",
			src->path, d->digest, platform);
		goto done;
	}
	have.os = c.os;
	have.architecture = c.architecture;
	have.variant = c.variant;
	have.os_version = NULL;
	if (!c.os || !c.architecture || !og_platform_match(want, &have)) {
		og_platform_format(name, sizeof(name), &have);
		error = og_error_set(ctx, OG_ENOTFOUND, "%s: the image %s is %s, not %s",
			src->path, d->digest, c.os && c.architecture ? name : "of no platform",
			platform);
	}
done:
	free(bytes);
	json_decref(cj);
	og_manifest_dispose(&m);
	og_config_dispose(&c);
	og_findings_dispose(&f);
	return error;
}

/* With a platform and an index at the root: the one image to copy. */
static int pick_platform(og_descriptor *out, og_ctx *ctx, og_source *src,
	const char *platform, unsigned int depth, const og_descriptor *d)
{
	unsigned char *bytes = NULL;
	size_t len = 0, i;
	json_t *j = NULL;
	og_findings f;
	og_where w;
	og_platform want;
	og_index ix;
	og_media_type mt;
	og_kind_t kind = OG_KIND_UNKNOWN;
	int error;

	memset(&ix, 0, sizeof(ix));
	memset(&want, 0, sizeof(want));
	og_findings_init(&f);
	w.findings = &f;
	w.doc = d->digest;
	if (og_platform_parse(&want, platform) < 0) {
		error = og_error_set(ctx, OG_EINVALID, "invalid platform '%s' (OS/ARCH[/VARIANT])",
			platform);
		goto done;
	}
	if ((error = fetch_doc(&bytes, &len, &j, ctx, src, d)) < 0)
		goto done;
	if (d->media_type && og_media_type_lookup(&mt, d->media_type) == 0)
		kind = mt.kind;
	if (kind != OG_KIND_INDEX && kind != OG_KIND_MANIFEST)
		kind = og_json_sniff_kind(j);
	if (kind != OG_KIND_INDEX) {
		/* A single image: copied if its config says the platform. */
		if ((error = check_image_platform(ctx, src, &w, j, &want, platform, d)) == 0)
			error = og_descriptor_copy(out, d);
		goto done;
	}
	if ((error = og_index_parse(&ix, &w, j)) < 0)
		goto done;
	for (i = 0; ix.usable && i < ix.count; i++) {
		const og_descriptor *c = &ix.manifests[i];

		if (og_descriptor_is_attestation(c) || !c->platform ||
		    !og_platform_match(&want, c->platform))
			continue;
		error = og_descriptor_copy(out, c);
		goto done;
	}
	if (depth == 0)
		error = og_error_set(ctx, OG_ENOTFOUND, "%s: the index %s has no image for %s",
			src->path, d->digest, platform);
	else
		error = OG_ENOTFOUND;
done:
	free(bytes);
	json_decref(j);
	og_index_dispose(&ix);
	og_platform_dispose(&want);
	og_findings_dispose(&f);
	return error;
}

int og_copy__plan_source(og_copy_plan *out, og_ctx *ctx, og_source *src,
	const char *platform)
{
	og_descriptor picked;
	const og_descriptor *root = &src->root;
	int error;

	memset(out, 0, sizeof(*out));
	memset(&picked, 0, sizeof(picked));
	if (!src->has_root || !src->root.digest || !src->root.verifiable) {
		error = og_error_set(ctx, OG_EINVALID, "%s: not a usable image (its index is invalid)",
			src->path);
		goto done;
	}
	snprintf(out->source_digest, sizeof(out->source_digest), "%s", src->root.digest);
	if (platform) {
		if ((error = pick_platform(&picked, ctx, src, platform, 0, &src->root)) < 0)
			goto done;
		root = &picked;
		if (strcmp(picked.digest, src->root.digest) != 0 &&
		    (out->platform = og__strdup(platform)) == NULL) {
			error = og_error_oom(ctx);
			goto done;
		}
	}
	snprintf(out->digest, sizeof(out->digest), "%s", root->digest);
	error = plan_walk(out, ctx, src, root, 0);
done:
	og_descriptor_dispose(&picked);
	if (error < 0)
		og_copy__plan_dispose(out);
	return error;
}

/* ------------------------------------------------------------- plan text */

typedef struct strbuf {
	char *s;
	size_t len, cap;
	int oom;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *ns;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		if ((ns = realloc(b->s, b->cap + (size_t)n + 256)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap += (size_t)n + 256;
	}
}

int og_copy__plan_text(char **out, og_ctx *ctx, const og_copy_plan *plan,
	const char *src, const char *dst)
{
	strbuf b = { NULL, 0, 0, 0 };
	size_t i;

	*out = NULL;
	sb_printf(&b, "source %s %s\n", src, plan->source_digest);
	if (plan->platform)
		sb_printf(&b, "platform %s: one image of the index is copied, digest %s "
			"(not the source index digest %s)\n", plan->platform, plan->digest,
			plan->source_digest);
	sb_printf(&b, "destination %s %s\n", dst, plan->digest);
	for (i = 0; i < plan->blob_count; i++) {
		const og_copy_blob *bl = &plan->blobs[i];

		sb_printf(&b, "blob %s %llu %s\n", bl->digest, (unsigned long long)bl->size,
			bl->action == OG_COPY_SKIP ? "skip (present)" :
			bl->action == OG_COPY_MOUNT ? "mount" : "copy");
	}
	for (i = 0; i < plan->manifest_count; i++) {
		const og_copy_manifest *m = &plan->manifests[i];

		sb_printf(&b, "manifest %s %s %s\n", m->digest, m->media_type,
			m->present ? "skip (present)" : "push");
	}
	if (plan->tag)
		sb_printf(&b, "tag %s %s %s\n", plan->tag, plan->digest,
			plan->tag_present ? "skip (present)" : "set");
	if (b.oom || !b.s) {
		free(b.s);
		return og_error_oom(ctx);
	}
	*out = b.s;
	return 0;
}

/* ------------------------------------------------------------ destination */

typedef enum { DEST_OCI_DIR, DEST_OCI_ARCHIVE, DEST_REGISTRY } dest_kind_t;

typedef struct dest {
	dest_kind_t kind;
	char *ref;              /* what the user named */
	char *path;             /* oci: / oci-archive: */
	char *tag;              /* or NULL */
	/* oci-archive */
	char *tmp_path;
	int tmp_fd;
	struct archive *ar;
	/* registry */
	og_image_ref iref;
	int have_iref;
	og_registry *reg;
	char *mount_from;       /* SRC repo on the same registry, or NULL */
} dest;

static int starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static void dest_dispose(dest *d)
{
	if (d->ar) {
		archive_write_free(d->ar);
		d->ar = NULL;
	}
	if (d->tmp_fd >= 0)
		close(d->tmp_fd);
	if (d->tmp_path) {
		unlink(d->tmp_path);
		free(d->tmp_path);
	}
	og_registry_free(d->reg);
	if (d->have_iref)
		og_image_ref_dispose(&d->iref);
	free(d->ref);
	free(d->path);
	free(d->tag);
	free(d->mount_from);
	memset(d, 0, sizeof(*d));
	d->tmp_fd = -1;
}

/* "oci:DIR[:TAG]" / "oci-archive:PATH[:TAG]": the first ':' splits (as
 * skopeo does); a registry reference otherwise. */
static int dest_open(dest *d, og_ctx *ctx, const char *ref, const char *src_ref,
	const og_transport_options *topts)
{
	const char *rest, *colon;
	og_image_ref sref;
	int error = 0, have_sref = 0;

	memset(d, 0, sizeof(*d));
	d->tmp_fd = -1;
	memset(&sref, 0, sizeof(sref));
	if ((d->ref = og__strdup(ref)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	if (starts_with(ref, "oci:") || starts_with(ref, "oci-archive:")) {
		d->kind = starts_with(ref, "oci:") ? DEST_OCI_DIR : DEST_OCI_ARCHIVE;
		rest = ref + (d->kind == DEST_OCI_DIR ? 4 : 12);
		colon = strchr(rest, ':');
		d->path = colon ? og__strndup(rest, (size_t)(colon - rest)) : og__strdup(rest);
		if (!d->path || (colon && (d->tag = og__strdup(colon + 1)) == NULL))
			error = og_error_oom(ctx);
		else if (!*d->path)
			error = og_error_set(ctx, OG_EINVALID, "%s: no path given", ref);
		else if (d->tag && !*d->tag)
			error = og_error_set(ctx, OG_EINVALID, "%s: empty tag", ref);
		goto done;
	}
	if (starts_with(ref, "docker-archive:")) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: docker-archive is not a copy destination (use oci:, oci-archive: or a registry)",
			ref);
		goto done;
	}
	if (!starts_with(ref, "docker://") && !og_image_ref_is_registry(ref)) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: not a destination (oci:DIR[:TAG], oci-archive:PATH[:TAG] or "
			"docker://HOST/REPO[:TAG])", ref);
		goto done;
	}
	if ((error = og_image_ref_parse(&d->iref, ctx, ref)) < 0)
		goto done;
	d->have_iref = 1;
	d->kind = DEST_REGISTRY;
	if (d->iref.tag && (d->tag = og__strdup(d->iref.tag)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	if (!d->iref.tag && !d->iref.digest && (d->tag = og__strdup("latest")) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	if ((error = og_registry_new(&d->reg, ctx, d->iref.host, topts)) < 0)
		goto done;
	/* The same registry host: blobs can be mounted from SRC's repo. */
	if (og_image_ref_is_registry(src_ref) &&
	    !starts_with(src_ref, "oci:") && !starts_with(src_ref, "oci-archive:") &&
	    !starts_with(src_ref, "docker-archive:") &&
	    og_image_ref_parse(&sref, ctx, src_ref) == 0) {
		have_sref = 1;
		if (strcmp(sref.host, d->iref.host) == 0 && strcmp(sref.repo, d->iref.repo) != 0 &&
		    (d->mount_from = og__strdup(sref.repo)) == NULL) {
			error = og_error_oom(ctx);
			goto done;
		}
	}
	og_error_clear(ctx);
done:
	if (have_sref)
		og_image_ref_dispose(&sref);
	return error;
}

/* ------------------------------------------------------ oci layout helpers */

static char *blob_path(const char *root, const char *digest)
{
	const char *enc = og_digest_encoded(digest);

	if (!enc)
		return NULL;
	return og__asprintf("%s/blobs/%.*s/%s", root, (int)(enc - 1 - digest), digest, enc);
}

static int mkdir_p(og_ctx *ctx, const char *path)
{
	char *p = og__strdup(path), *s;
	int error = 0;

	if (!p)
		return og_error_oom(ctx);
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				error = og_error_set(ctx, OG_ERROR, "%s: cannot create directory: %s",
					p, strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return error;
}

/* Close a temp file that holds path's new content and rename it into
 * place (fsync first when durable). The fd is closed in any case. */
static int commit_temp(og_ctx *ctx, int fd, const char *tmp, const char *path, int durable)
{
	if (fchmod(fd, 0644) < 0 || (durable && fsync(fd) < 0)) {
		int saved = errno;

		close(fd);
		return og_error_set(ctx, OG_ERROR, "%s: write failed: %s", path, strerror(saved));
	}
	if (close(fd) < 0)
		return og_error_set(ctx, OG_ERROR, "%s: write failed: %s", path, strerror(errno));
	if (rename(tmp, path) < 0)
		return og_error_set(ctx, OG_ERROR, "%s: cannot rename into place: %s", path,
			strerror(errno));
	return 0;
}

/* Write data to path through a temp file + rename. */
static int write_atomic(og_ctx *ctx, const char *path, const void *data, size_t len)
{
	char *tmp = og__asprintf("%s.tmp-XXXXXX", path);
	int fd = -1, error = 0;
	size_t off = 0;
	ssize_t n;

	if (!tmp)
		return og_error_oom(ctx);
	if ((fd = mkstemp(tmp)) < 0) {
		error = og_error_set(ctx, OG_ERROR, "%s: cannot create: %s", path, strerror(errno));
		free(tmp);
		return error;
	}
	while (off < len) {
		if ((n = write(fd, (const char *)data + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			error = og_error_set(ctx, OG_ERROR, "%s: write failed: %s", path,
				strerror(errno));
			goto done;
		}
		off += (size_t)n;
	}
	error = commit_temp(ctx, fd, tmp, path, 1);
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	if (error < 0)
		unlink(tmp);
	free(tmp);
	return error;
}

/* ------------------------------------------------------------- transfers */

typedef struct progress {
	int on;                 /* print bars */
	int bar;                /* redraw one line with \r (one job at a time) */
	const char *digest;
	uint64_t size, done;
	uint64_t last;
} progress;

static void progress_show(progress *p, int final)
{
	const char *enc, *unit = "MiB";
	double div = 1048576.0;

	if (!p->on || (!p->bar && !final))
		return;
	/* redraw every MiB; the final line is drawn once, by the caller */
	if (!final && (p->done - p->last < (1u << 20) || p->done == p->size))
		return;
	p->last = p->done;
	if (p->size < (1u << 20)) {
		unit = "KiB";
		div = 1024.0;
	}
	enc = og_digest_encoded(p->digest);
	fprintf(stderr, "%scopy %.12s %8.1f / %.1f %s %3u%%%s", p->bar ? "\r" : "",
		enc ? enc : p->digest, (double)p->done / div, (double)p->size / div, unit,
		p->size ? (unsigned int)(p->done * 100 / p->size) : 100u, final ? "\n" : "");
	fflush(stderr);
}

/* A reader that counts (and draws progress) on the way. */
typedef struct counting_reader {
	og_reader base;
	og_reader *inner;
	progress *prog;
	uint64_t *count;
} counting_reader;

static ssize_t counting_read(og_reader *r, void *buf, size_t len)
{
	counting_reader *c = (counting_reader *)r;
	ssize_t n = og_reader_read(c->inner, buf, len);

	if (n > 0) {
		*c->count += (uint64_t)n;
		if (c->prog) {
			c->prog->done += (uint64_t)n;
			progress_show(c->prog, 0);
		}
	}
	return n;
}

static void counting_close(og_reader *r)
{
	counting_reader *c = (counting_reader *)r;

	og_reader_close(c->inner);
	free(c);
}

typedef struct blob_job {
	og_source *src;
	const og_copy_blob *blob;
	progress *prog;
	uint64_t bytes;         /* bytes read in the last attempt */
} blob_job;

/* og_blob_opener: SRC's blob from its start, for each attempt. */
static int open_source_blob(og_reader **out, void *payload, og_ctx *ctx)
{
	blob_job *job = payload;
	og_reader *inner = NULL;
	counting_reader *c;
	uint64_t size = 0;
	int error;

	*out = NULL;
	if ((error = og_source_open_blob(&inner, &size, job->src, ctx, job->blob->digest)) < 0)
		return error;
	if (size != job->blob->size) {
		og_reader_close(inner);
		return og_error_set_id(ctx, OG_EINVALID, "blob.size_mismatch",
			"%s: blob %s is %llu bytes, its descriptor says %llu", job->src->path,
			job->blob->digest, (unsigned long long)size,
			(unsigned long long)job->blob->size);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		og_reader_close(inner);
		return og_error_oom(ctx);
	}
	c->base.read = counting_read;
	c->base.close = counting_close;
	c->inner = inner;
	c->prog = job->prog;
	c->count = &job->bytes;
	job->bytes = 0;
	if (job->prog)
		job->prog->done = 0;
	*out = &c->base;
	return 0;
}

/*
 * Stream a blob from SRC to a sink, hashing it; fails before the sink is
 * finished when the size or digest is wrong. sink(NULL, 0) is never called;
 * the caller finishes the sink after a 0 return.
 */
typedef int (*sink_cb)(const void *data, size_t len, void *payload, og_ctx *ctx);

static int stream_verified(og_ctx *ctx, blob_job *job, sink_cb sink, void *payload)
{
	og_reader *r = NULL;
	og_hash *h = NULL;
	unsigned char *buf = NULL;
	char got[OG_DIGEST_MAX];
	og_digest_alg_t alg;
	uint64_t total = 0;
	ssize_t n;
	int error;

	if ((error = og_digest_parse(&alg, job->blob->digest, NULL, 0)) < 0 ||
	    alg == OG_DIGEST_UNKNOWN) {
		error = og_error_set(ctx, OG_EINVALID, "blob %s: a digest that cannot be verified",
			job->blob->digest);
		goto done;
	}
	if ((error = og_hash_new(&h, ctx, alg)) < 0)
		goto done;
	if ((buf = malloc(BUF_SIZE)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	if ((error = open_source_blob(&r, job, ctx)) < 0)
		goto done;
	while ((n = og_reader_read(r, buf, BUF_SIZE)) > 0) {
		total += (uint64_t)n;
		if (total > job->blob->size) {
			error = og_error_set_id(ctx, OG_EINVALID, "blob.size_mismatch",
				"%s: blob %s is longer than its %llu bytes", job->src->path,
				job->blob->digest, (unsigned long long)job->blob->size);
			goto done;
		}
		og_hash_update(h, buf, (size_t)n);
		if ((error = sink(buf, (size_t)n, payload, ctx)) < 0)
			goto done;
	}
	if (n < 0) {
		error = (int)n;
		goto done;
	}
	og_hash_final(h, got);
	if (total != job->blob->size) {
		error = og_error_set_id(ctx, OG_EINVALID, "blob.size_mismatch",
			"%s: blob %s is %llu bytes, its descriptor says %llu", job->src->path,
			job->blob->digest, (unsigned long long)total,
			(unsigned long long)job->blob->size);
		goto done;
	}
	if (strcmp(got, job->blob->digest) != 0) {
		error = og_error_set_id(ctx, OG_EINVALID, "blob.digest_mismatch",
			"%s: blob %s: the bytes hash to %s", job->src->path, job->blob->digest, got);
		goto done;
	}
done:
	og_reader_close(r);
	og_hash_free(h);
	free(buf);
	return error;
}

static int fd_sink(const void *data, size_t len, void *payload, og_ctx *ctx)
{
	int fd = *(int *)payload;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if ((n = write(fd, (const char *)data + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			return og_error_set(ctx, OG_ERROR, "write failed: %s", strerror(errno));
		}
		off += (size_t)n;
	}
	return 0;
}

static int archive_sink(const void *data, size_t len, void *payload, og_ctx *ctx)
{
	struct archive *ar = payload;
	la_ssize_t n = archive_write_data(ar, data, len);

	if (n < 0 || (size_t)n != len)
		return og_error_set(ctx, OG_ERROR, "cannot write to the archive: %s",
			archive_error_string(ar) ? archive_error_string(ar) : "write failed");
	return 0;
}

/* oci: DIR: blobs/ALG/HEX through a temp file, renamed once verified. */
static int dir_put_blob(og_ctx *ctx, const dest *d, blob_job *job)
{
	char *path = blob_path(d->path, job->blob->digest), *tmp = NULL, *dir = NULL;
	int fd = -1, error;

	if (!path) {
		error = og_error_oom(ctx);
		goto done;
	}
	if ((dir = og__strdup(path)) == NULL || (tmp = og__asprintf("%s.tmp-XXXXXX", path)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	*strrchr(dir, '/') = '\0';
	if ((error = mkdir_p(ctx, dir)) < 0)
		goto done;
	if ((fd = mkstemp(tmp)) < 0) {
		error = og_error_set(ctx, OG_ERROR, "%s: cannot create: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto done;
	}
	if ((error = stream_verified(ctx, job, fd_sink, &fd)) < 0)
		goto done;
	error = commit_temp(ctx, fd, tmp, path, 0);
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	if (tmp && error < 0)
		unlink(tmp);
	free(tmp);
	free(dir);
	free(path);
	return error;
}

static int archive_add_entry(og_ctx *ctx, const dest *d, const char *name,
	uint64_t size, int is_dir)
{
	struct archive_entry *e = archive_entry_new();
	int error = 0;

	if (!e)
		return og_error_oom(ctx);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, is_dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, is_dir ? 0755 : 0644);
	archive_entry_set_size(e, is_dir ? 0 : (la_int64_t)size);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(d->ar, e) != ARCHIVE_OK)
		error = og_error_set(ctx, OG_ERROR, "%s: cannot write %s: %s", d->path, name,
			archive_error_string(d->ar) ? archive_error_string(d->ar) : "failed");
	archive_entry_free(e);
	return error;
}

static int archive_put_bytes(og_ctx *ctx, const dest *d, const char *name,
	const void *data, size_t len)
{
	int error;

	if ((error = archive_add_entry(ctx, d, name, len, 0)) < 0)
		return error;
	return archive_sink(data, len, d->ar, ctx);
}

static int archive_put_blob(og_ctx *ctx, const dest *d, blob_job *job)
{
	const char *enc = og_digest_encoded(job->blob->digest);
	char name[OG_DIGEST_MAX + 16];
	int error;

	snprintf(name, sizeof(name), "blobs/%.*s/%s", (int)(enc - 1 - job->blob->digest),
		job->blob->digest, enc);
	if ((error = archive_add_entry(ctx, d, name, job->blob->size, 0)) < 0)
		return error;
	return stream_verified(ctx, job, archive_sink, d->ar);
}

/* ------------------------------------------------------------ the copy */

typedef struct copy_run {
	og_source *src;
	dest *dst;
	og_copy_plan *plan;
	progress *progs;        /* one per blob */
	uint64_t *bytes;        /* per blob: bytes streamed */
	int *mounted;           /* per blob: 1 mounted, 0 streamed */
	const char **ids;       /* per blob: the finding id of its failure (the
	                         * pool copies the message only) */
} copy_run;

static int copy_blob_job(size_t i, og_ctx *wctx, void *payload)
{
	copy_run *run = payload;
	og_copy_blob *b = &run->plan->blobs[i];
	blob_job job;
	char *upload = NULL;
	int error = 0, mounted = 0;

	memset(&job, 0, sizeof(job));
	job.src = run->src;
	job.blob = b;
	job.prog = run->progs[i].on ? &run->progs[i] : NULL;
	if (b->action == OG_COPY_SKIP)
		goto done;
	if (run->dst->kind == DEST_OCI_DIR) {
		error = dir_put_blob(wctx, run->dst, &job);
	} else if (run->dst->kind == DEST_OCI_ARCHIVE) {
		error = archive_put_blob(wctx, run->dst, &job);
	} else {
		if (b->action == OG_COPY_MOUNT) {
			if ((error = og_registry_mount_blob(&mounted, &upload, run->dst->reg, wctx,
					run->dst->iref.repo, b->digest, run->dst->mount_from)) < 0)
				goto done;
			if (mounted) {
				run->mounted[i] = 1;
				goto done;
			}
		}
		/* 202 on a mount: upload into the session the registry opened. */
		error = og_registry_push_blob(run->dst->reg, wctx, run->dst->iref.repo,
			b->digest, b->size, open_source_blob, &job, upload, 0);
	}
	if (error == 0)
		run->bytes[i] = job.bytes;
	if (job.prog && error == 0)
		progress_show(job.prog, 1);
	else if (job.prog && job.prog->bar && job.prog->last > 0)
		fputc('\n', stderr); /* end the bar before the error line */
done:
	if (error < 0)
		run->ids[i] = wctx->error_id;
	free(upload);
	return error;
}

/* What DST already has: blobs, manifests, the tag. Read-only. */
static int resolve_plan(og_ctx *ctx, dest *d, og_copy_plan *plan)
{
	char *path = NULL, got[OG_DIGEST_MAX];
	struct stat st;
	uint64_t size;
	char *mt = NULL;
	size_t i;
	int error = 0;

	if (d->tag && (plan->tag = og__strdup(d->tag)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	if (d->kind == DEST_OCI_ARCHIVE)
		goto done; /* written fresh: everything is copied */
	for (i = 0; i < plan->blob_count && error == 0; i++) {
		og_copy_blob *b = &plan->blobs[i];

		if (d->kind == DEST_OCI_DIR) {
			if ((path = blob_path(d->path, b->digest)) == NULL) {
				error = og_error_oom(ctx);
				goto done;
			}
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			    (uint64_t)st.st_size == b->size)
				b->action = OG_COPY_SKIP;
			free(path);
			path = NULL;
			continue;
		}
		error = og_registry_head_blob(&size, d->reg, ctx, d->iref.repo, b->digest);
		if (error == 0) {
			b->action = OG_COPY_SKIP;
		} else if (error == OG_ENOTFOUND) {
			error = 0;
			og_error_clear(ctx);
			b->action = d->mount_from ? OG_COPY_MOUNT : OG_COPY_STREAM;
		}
	}
	for (i = 0; i < plan->manifest_count && error == 0; i++) {
		og_copy_manifest *m = &plan->manifests[i];

		if (d->kind == DEST_OCI_DIR) {
			if ((path = blob_path(d->path, m->digest)) == NULL) {
				error = og_error_oom(ctx);
				goto done;
			}
			m->present = stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
				(uint64_t)st.st_size == m->len;
			free(path);
			path = NULL;
			continue;
		}
		error = og_registry_head_manifest(got, &size, &mt, d->reg, ctx, d->iref.repo,
			m->digest);
		free(mt);
		mt = NULL;
		if (error == 0) {
			m->present = 1;
		} else if (error == OG_ENOTFOUND) {
			error = 0;
			og_error_clear(ctx);
		}
	}
	if (error == 0 && d->kind == DEST_REGISTRY && plan->tag) {
		error = og_registry_head_manifest(got, &size, &mt, d->reg, ctx, d->iref.repo,
			plan->tag);
		free(mt);
		mt = NULL;
		if (error == 0) {
			plan->tag_present = strcmp(got, plan->digest) == 0;
		} else if (error == OG_ENOTFOUND) {
			error = 0;
			og_error_clear(ctx);
		}
	}
done:
	free(path);
	free(mt);
	return error;
}

/* oci: DIR: the manifests as blobs, then index.json (the tag) replaced. */
static int dir_finish(og_ctx *ctx, dest *d, og_copy_plan *plan)
{
	char *path = NULL, *ipath = NULL, *lpath = NULL, *text = NULL;
	const og_copy_manifest *top = &plan->manifests[plan->manifest_count - 1];
	json_t *idx = NULL, *list, *desc = NULL, *keep = NULL, *e;
	json_error_t jerr;
	struct stat st;
	size_t i;
	int error = 0;

	for (i = 0; i < plan->manifest_count; i++) {
		const og_copy_manifest *m = &plan->manifests[i];

		if (m->present)
			continue;
		if ((path = blob_path(d->path, m->digest)) == NULL)
			goto oom;
		*strrchr(path, '/') = '\0';
		if ((error = mkdir_p(ctx, path)) < 0)
			goto done;
		path[strlen(path)] = '/';
		if ((error = write_atomic(ctx, path, m->bytes, m->len)) < 0)
			goto done;
		free(path);
		path = NULL;
	}
	if ((lpath = og__asprintf("%s/oci-layout", d->path)) == NULL ||
	    (ipath = og__asprintf("%s/index.json", d->path)) == NULL)
		goto oom;
	if (stat(lpath, &st) < 0 && (error = write_atomic(ctx, lpath,
			"{\"imageLayoutVersion\":\"1.0.0\"}", 30)) < 0)
		goto done;
	if (stat(ipath, &st) == 0) {
		if ((idx = json_load_file(ipath, 0, &jerr)) == NULL || !json_is_object(idx) ||
		    !json_is_array(json_object_get(idx, "manifests"))) {
			error = og_error_set(ctx, OG_EINVALID,
				"%s: index.json is not a valid index; not replaced", d->path);
			goto done;
		}
	} else if ((idx = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
			OG_MT_OCI_INDEX, "manifests")) == NULL) {
		goto oom;
	}
	/* Drop the entry this copy replaces: the same tag, or (untagged) the
	 * same digest without a name. */
	list = json_object_get(idx, "manifests");
	if ((keep = json_array()) == NULL)
		goto oom;
	json_array_foreach(list, i, e) {
		const char *name = json_string_value(json_object_get(
			json_object_get(e, "annotations"), REF_NAME));
		const char *dg = json_string_value(json_object_get(e, "digest"));

		if (d->tag ? (name && strcmp(name, d->tag) == 0) :
		    (!name && dg && strcmp(dg, top->digest) == 0))
			continue;
		if (json_array_append(keep, e) < 0)
			goto oom;
	}
	if ((desc = json_pack("{s:s, s:s, s:I}", "mediaType", top->media_type, "digest",
			top->digest, "size", (json_int_t)top->len)) == NULL)
		goto oom;
	if (d->tag && json_object_set_new(desc, "annotations",
			json_pack("{s:s}", REF_NAME, d->tag)) < 0)
		goto oom;
	if (json_array_append_new(keep, desc) < 0) {
		desc = NULL;
		goto oom;
	}
	desc = NULL;
	if (json_object_set_new(idx, "manifests", keep) < 0) {
		keep = NULL;
		goto oom;
	}
	keep = NULL;
	if ((text = json_dumps(idx, JSON_COMPACT)) == NULL)
		goto oom;
	error = write_atomic(ctx, ipath, text, strlen(text));
	goto done;
oom:
	error = og_error_oom(ctx);
done:
	free(text);
	json_decref(desc);
	json_decref(keep);
	json_decref(idx);
	free(lpath);
	free(ipath);
	free(path);
	return error;
}

/* oci-archive: a temp file beside PATH; oci-layout and index.json first. */
static int archive_begin(og_ctx *ctx, dest *d, const og_copy_plan *plan)
{
	const og_copy_manifest *top = &plan->manifests[plan->manifest_count - 1];
	json_t *idx = NULL;
	char *text = NULL;
	int error = 0;

	if ((d->tmp_path = og__asprintf("%s.tmp-XXXXXX", d->path)) == NULL)
		return og_error_oom(ctx);
	if ((d->tmp_fd = mkstemp(d->tmp_path)) < 0) {
		error = og_error_set(ctx, OG_ERROR, "%s: cannot create a temp file beside it: %s",
			d->path, strerror(errno));
		free(d->tmp_path);
		d->tmp_path = NULL;
		return error;
	}
	if ((d->ar = archive_write_new()) == NULL)
		return og_error_oom(ctx);
	if (archive_write_set_format_pax_restricted(d->ar) != ARCHIVE_OK ||
	    archive_write_open_fd(d->ar, d->tmp_fd) != ARCHIVE_OK)
		return og_error_set(ctx, OG_ERROR, "%s: cannot start the archive: %s", d->path,
			archive_error_string(d->ar) ? archive_error_string(d->ar) : "failed");
	idx = d->tag ?
		json_pack("{s:i, s:s, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion", 2,
			"mediaType", OG_MT_OCI_INDEX, "manifests", "mediaType", top->media_type,
			"digest", top->digest, "size", (json_int_t)top->len, "annotations",
			REF_NAME, d->tag) :
		json_pack("{s:i, s:s, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2,
			"mediaType", OG_MT_OCI_INDEX, "manifests", "mediaType", top->media_type,
			"digest", top->digest, "size", (json_int_t)top->len);
	if (!idx || (text = json_dumps(idx, JSON_COMPACT)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	if ((error = archive_put_bytes(ctx, d, "oci-layout",
			"{\"imageLayoutVersion\":\"1.0.0\"}", 30)) < 0 ||
	    (error = archive_put_bytes(ctx, d, "index.json", text, strlen(text))) < 0 ||
	    (error = archive_add_entry(ctx, d, "blobs/", 0, 1)) < 0 ||
	    (error = archive_add_entry(ctx, d, "blobs/sha256/", 0, 1)) < 0)
		goto done;
done:
	free(text);
	json_decref(idx);
	return error;
}

static int archive_finish(og_ctx *ctx, dest *d, const og_copy_plan *plan)
{
	char name[OG_DIGEST_MAX + 16];
	size_t i;
	int error;

	for (i = 0; i < plan->manifest_count; i++) {
		const og_copy_manifest *m = &plan->manifests[i];
		const char *enc = og_digest_encoded(m->digest);

		snprintf(name, sizeof(name), "blobs/%.*s/%s", (int)(enc - 1 - m->digest),
			m->digest, enc);
		if ((error = archive_put_bytes(ctx, d, name, m->bytes, m->len)) < 0)
			return error;
	}
	if (archive_write_close(d->ar) != ARCHIVE_OK)
		return og_error_set(ctx, OG_ERROR, "%s: cannot finish the archive: %s", d->path,
			archive_error_string(d->ar) ? archive_error_string(d->ar) : "failed");
	archive_write_free(d->ar);
	d->ar = NULL;
	if (fchmod(d->tmp_fd, 0644) < 0 || fsync(d->tmp_fd) < 0)
		return og_error_set(ctx, OG_ERROR, "%s: write failed: %s", d->path, strerror(errno));
	return 0;
}

/* Open what was written as a source and check it names the digest. */
static int verify_local(og_ctx *ctx, const char *kind, const char *path, const char *tag,
	const char *want, char got[OG_DIGEST_MAX])
{
	og_source *s = NULL;
	og_findings f;
	char *ref = tag ? og__asprintf("%s:%s:%s", kind, path, tag) :
		og__asprintf("%s:%s", kind, path);
	int error;

	og_findings_init(&f);
	got[0] = '\0';
	if (!ref)
		return og_error_oom(ctx);
	error = og_source_open(&s, ctx, ref, &f);
	if (error == 0 && s->has_root && s->root.digest)
		snprintf(got, OG_DIGEST_MAX, "%s", s->root.digest);
	if (error == 0 && strcmp(got, want) != 0)
		error = og_error_set_id(ctx, OG_ERROR, "promote.digest_changed",
			"%s: the destination names %s, not the source digest %s", path,
			got[0] ? got : "no image", want);
	else if (error < 0)
		error = og_error_set_id(ctx, OG_ERROR, "promote.digest_changed",
			"%s: the destination cannot be read back: %s", path, og_ctx_error(ctx));
	og_source_free(s);
	og_findings_dispose(&f);
	free(ref);
	return error;
}

/* oci: DIR: index.json names want (under the tag, or untagged) and the
 * manifest blob's bytes hash to it. */
static int verify_dir(og_ctx *ctx, const char *path, const char *tag, const char *want)
{
	char *ipath = og__asprintf("%s/index.json", path), *bpath = NULL;
	const char *got = NULL;
	unsigned char buf[65536];
	char hashed[OG_DIGEST_MAX] = "";
	json_t *idx = NULL, *e;
	json_error_t jerr;
	og_hash *h = NULL;
	FILE *fp = NULL;
	size_t i, n;
	int error = 0;

	if (!ipath) {
		error = og_error_oom(ctx);
		goto done;
	}
	idx = json_load_file(ipath, 0, &jerr);
	json_array_foreach(json_object_get(idx, "manifests"), i, e) {
		const char *name = json_string_value(json_object_get(
			json_object_get(e, "annotations"), REF_NAME));
		const char *dg = json_string_value(json_object_get(e, "digest"));

		if (dg && (tag ? (name && strcmp(name, tag) == 0) :
		    (!name && strcmp(dg, want) == 0))) {
			got = dg;
			break;
		}
	}
	if (got && strcmp(got, want) == 0 && (bpath = blob_path(path, want)) != NULL &&
	    (fp = fopen(bpath, "rb")) != NULL) {
		if ((error = og_hash_new(&h, ctx, OG_DIGEST_SHA256)) < 0)
			goto done;
		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
			og_hash_update(h, buf, n);
		og_hash_final(h, hashed);
	}
	if (!got || strcmp(got, want) != 0 || strcmp(hashed, want) != 0)
		error = og_error_set_id(ctx, OG_ERROR, "promote.digest_changed",
			"%s: the destination names %s, not the source digest %s", path,
			!got ? "no image" : strcmp(got, want) != 0 ? got : "a manifest with other bytes",
			want);
done:
	if (fp)
		fclose(fp);
	og_hash_free(h);
	json_decref(idx);
	free(bpath);
	free(ipath);
	return error;
}

static int push_manifests(og_ctx *ctx, dest *d, og_copy_plan *plan)
{
	const og_copy_manifest *top = &plan->manifests[plan->manifest_count - 1];
	char got[OG_DIGEST_MAX];
	char *mt = NULL;
	uint64_t size = 0;
	size_t i;
	int error = 0;

	/* Children by digest; the top one by digest too when there is no tag,
	 * else by tag, after everything else. */
	for (i = 0; i < plan->manifest_count; i++) {
		const og_copy_manifest *m = &plan->manifests[i];

		if (m->present || (m == top && d->tag))
			continue;
		if ((error = og_registry_put_manifest(d->reg, ctx, d->iref.repo, m->digest,
				m->media_type, m->bytes, m->len)) < 0)
			goto done;
	}
	if (d->tag && !plan->tag_present &&
	    (error = og_registry_put_manifest(d->reg, ctx, d->iref.repo, d->tag,
			top->media_type, top->bytes, top->len)) < 0)
		goto done;
	if ((error = og_registry_head_manifest(got, &size, &mt, d->reg, ctx, d->iref.repo,
			d->tag ? d->tag : top->digest)) < 0)
		goto done;
	if (strcmp(got, plan->digest) != 0)
		error = og_error_set_id(ctx, OG_ERROR, "promote.digest_changed",
			"%s: the destination answers %s, not the source digest %s", d->ref, got,
			plan->digest);
done:
	free(mt);
	return error;
}

void og_copy_result_dispose(og_copy_result *r)
{
	if (!r)
		return;
	free(r->plan);
	memset(r, 0, sizeof(*r));
}

int og_copy(og_copy_result *out, og_ctx *ctx, const char *src_ref, const char *dst_ref,
	const og_copy_options *opts)
{
	og_copy_options defaults = OG_COPY_OPTIONS_INIT;
	og_source *src = NULL;
	og_findings f;
	og_copy_plan plan;
	dest d;
	copy_run run;
	char got[OG_DIGEST_MAX];
	unsigned int jobs;
	size_t i;
	int error;

	memset(&plan, 0, sizeof(plan));
	memset(&d, 0, sizeof(d));
	memset(&run, 0, sizeof(run));
	d.tmp_fd = -1;
	og_findings_init(&f);
	if (!out)
		return og_error_set(ctx, OG_EINVALID, "og_copy: no result given");
	memset(out, 0, sizeof(*out));
	if (!opts)
		opts = &defaults;
	if (!src_ref || !*src_ref || !dst_ref || !*dst_ref) {
		error = og_error_set(ctx, OG_EINVALID, "copy needs a source and a destination");
		goto done;
	}
	/* DST first: a bad destination costs no request to SRC. */
	if ((error = dest_open(&d, ctx, dst_ref, src_ref, opts->transport)) < 0)
		goto done;
	if ((error = og_source_open_opts(&src, ctx, src_ref, &f, opts->transport)) < 0)
		goto done;
	if ((error = og_copy__plan_source(&plan, ctx, src, opts->platform)) < 0)
		goto done;
	if (d.kind == DEST_REGISTRY && d.iref.digest && strcmp(d.iref.digest, plan.digest) != 0) {
		error = og_error_set(ctx, OG_EINVALID, "%s: names digest %s but the image is %s",
			dst_ref, d.iref.digest, plan.digest);
		goto done;
	}
	if ((error = resolve_plan(ctx, &d, &plan)) < 0)
		goto done;
	if ((error = og_copy__plan_text(&out->plan, ctx, &plan, src_ref, dst_ref)) < 0)
		goto done;
	snprintf(out->digest, sizeof(out->digest), "%.79s", plan.digest);
	for (i = 0; i < plan.blob_count; i++)
		if (plan.blobs[i].action == OG_COPY_SKIP)
			out->blobs_skipped++;
	if (opts->dry_run)
		goto done;

	/* 1. blobs */
	jobs = opts->jobs ? opts->jobs : 1;
	if (d.kind == DEST_OCI_ARCHIVE) {
		jobs = 1; /* one archive writer */
		if ((error = archive_begin(ctx, &d, &plan)) < 0)
			goto done;
	}
	if (jobs > plan.blob_count)
		jobs = plan.blob_count ? (unsigned int)plan.blob_count : 1;
	run.src = src;
	run.dst = &d;
	run.plan = &plan;
	if ((run.progs = calloc(plan.blob_count + 1, sizeof(*run.progs))) == NULL ||
	    (run.bytes = calloc(plan.blob_count + 1, sizeof(*run.bytes))) == NULL ||
	    (run.mounted = calloc(plan.blob_count + 1, sizeof(*run.mounted))) == NULL ||
	    (run.ids = calloc(plan.blob_count + 1, sizeof(*run.ids))) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	for (i = 0; i < plan.blob_count; i++) {
		run.progs[i].on = opts->progress;
		run.progs[i].bar = jobs == 1;
		run.progs[i].digest = plan.blobs[i].digest;
		run.progs[i].size = plan.blobs[i].size;
	}
	if ((error = og_pool_run(ctx, plan.blob_count, jobs, copy_blob_job, &run)) < 0) {
		for (i = 0; i < plan.blob_count && !ctx->error_id; i++)
			ctx->error_id = run.ids[i];
		goto done;
	}
	for (i = 0; i < plan.blob_count; i++) {
		if (plan.blobs[i].action == OG_COPY_SKIP)
			continue;
		if (run.mounted[i]) {
			out->blobs_mounted++;
		} else {
			out->blobs_copied++;
			out->bytes_copied += run.bytes[i];
		}
	}

	/* 2. manifests, then the tag; 3. the check */
	if (d.kind == DEST_OCI_DIR) {
		if ((error = dir_finish(ctx, &d, &plan)) < 0 ||
		    (error = verify_dir(ctx, d.path, d.tag, plan.digest)) < 0)
			goto done;
	} else if (d.kind == DEST_OCI_ARCHIVE) {
		if ((error = archive_finish(ctx, &d, &plan)) < 0 ||
		    (error = verify_local(ctx, "oci-archive", d.tmp_path, d.tag, plan.digest,
				got)) < 0)
			goto done;
		if (rename(d.tmp_path, d.path) < 0) {
			error = og_error_set(ctx, OG_ERROR, "%s: cannot rename into place: %s",
				d.path, strerror(errno));
			goto done;
		}
		free(d.tmp_path);
		d.tmp_path = NULL;
	} else if ((error = push_manifests(ctx, &d, &plan)) < 0) {
		goto done;
	}
done:
	free(run.progs);
	free(run.bytes);
	free(run.mounted);
	free(run.ids);
	dest_dispose(&d);
	og_copy__plan_dispose(&plan);
	og_source_free(src);
	og_findings_dispose(&f);
	return error;
}
