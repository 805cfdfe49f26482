/* og_schema_check: conformance of one JSON document, like
 * `oci-image-tool validate --type`. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "oci/model.h"
#include "report.h"

static const char *const type_names[] = { "manifest", "index", "config", "descriptor", "layout" };

int og_schema_type_parse(og_schema_type_t *out, const char *name)
{
	unsigned int i;

	for (i = 0; name && i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strcmp(name, type_names[i]) == 0) {
			*out = (og_schema_type_t)i;
			return 0;
		}
	}
	return OG_EINVALID;
}

static int read_document(unsigned char **out, size_t *len, og_ctx *ctx, const char *path)
{
	og_reader *r = NULL;
	struct stat st;
	int fd, error;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return og_error_set(ctx, OG_ENOTFOUND, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return og_error_set(ctx, OG_EINVALID, "%s: not a regular file", path);
	}
	if ((error = og_reader_new_fd_range(&r, ctx, fd, 0, (uint64_t)st.st_size, path)) == 0) {
		error = og_reader_read_all(out, len, ctx, r, ctx->limits.max_json, path);
		og_reader_close(r);
	}
	close(fd);
	return error;
}

static void check_media_type(og_findings *f, const char *doc, const char *mt,
	og_kind_t want, const char *what)
{
	og_media_type t;

	if (!mt)
		return;
	if (og_media_type_lookup(&t, mt) < 0 || t.kind != want)
		og_findings_add(f, "manifest.media_type", doc,
			"%s: mediaType %s is not %s media type", doc, mt, what);
}

static int check_manifest(og_findings *f, const og_where *w, json_t *j)
{
	og_manifest m;
	og_media_type t;
	size_t i;
	int error;

	if ((error = og_manifest_parse(&m, w, j)) < 0)
		return error;
	check_media_type(f, w->doc, m.media_type, OG_KIND_MANIFEST, "a manifest");
	if (m.usable && !m.artifact_type) {
		check_media_type(f, w->doc, m.config.media_type, OG_KIND_CONFIG, "a config");
		for (i = 0; i < m.layer_count; i++)
			if (m.layers[i].media_type &&
			    (og_media_type_lookup(&t, m.layers[i].media_type) < 0 ||
			     t.kind != OG_KIND_LAYER))
				og_findings_add(f, "manifest.media_type", w->doc,
					"%s: /layers/%zu/mediaType %s is not a layer media type",
					w->doc, i, m.layers[i].media_type);
	}
	og_manifest_dispose(&m);
	return 0;
}

int og_schema_check(og_report **out, og_ctx *ctx, og_schema_type_t type,
	const char *path)
{
	unsigned char *data = NULL;
	size_t len = 0;
	og_report *r = NULL;
	og_where w;
	json_t *j = NULL;
	int error;

	OG_ASSERT_ARG(ctx, out && path);
	*out = NULL;
	og_error_clear(ctx);
	if ((unsigned int)type >= sizeof(type_names) / sizeof(type_names[0]))
		return og_error_set(ctx, OG_EINVALID, "unknown document type");
	if ((error = read_document(&data, &len, ctx, path)) < 0)
		return error;
	if ((r = og_report__new(OG_REPORT_DOCUMENT, path)) == NULL ||
	    (r->document_type = og__strdup(type_names[type])) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	w.findings = &r->findings;
	w.doc = path;
	r->checks_run = 1;
	if ((j = og_json_parse(&w, data, len,
			type == OG_SCHEMA_LAYOUT ? "layout.invalid" : "manifest.schema")) == NULL)
		goto finish;
	switch (type) {
	case OG_SCHEMA_MANIFEST:
		error = check_manifest(&r->findings, &w, j);
		break;
	case OG_SCHEMA_INDEX: {
		og_index ix;

		if ((error = og_index_parse(&ix, &w, j)) == 0)
			check_media_type(&r->findings, path, ix.media_type, OG_KIND_INDEX, "an index");
		og_index_dispose(&ix);
		break;
	}
	case OG_SCHEMA_CONFIG: {
		og_config c;

		error = og_config_parse(&c, &w, j);
		og_config_dispose(&c);
		break;
	}
	case OG_SCHEMA_DESCRIPTOR: {
		og_descriptor d;

		error = og_descriptor_parse(&d, &w, j, "", 1);
		og_descriptor_dispose(&d);
		break;
	}
	case OG_SCHEMA_LAYOUT:
		error = og_layout_check(&w, j);
		break;
	}
	if (error < 0) {
		error = og_error_oom(ctx);
		goto done;
	}
finish:
	*out = r;
	r = NULL;
	error = 0;
done:
	json_decref(j);
	free(data);
	og_report_free(r);
	return error;
}
