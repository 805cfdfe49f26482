/*
 * og_validate: resolve the image, check every manifest, index and config as
 * it is read, then run the one-pass layer pipeline over every distinct layer
 * blob (in parallel, --jobs), then the checks that need every layer of an
 * image (diff_ids, writes through escaping symlinks across layers).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "oci/layer.h"
#include "oci/pool.h"
#include "scan/efficiency.h"
#include "scan/filemode.h"
#include "scan/fsview.h"
#include "scan/packages.h"
#include "scan/path_safety.h"
#include "scan/secrets.h"
#include "scan/vulndb.h"
#include "checks.h"
#include "policy.h"
#include "report.h"
#include "report_internal.h"

/* Layers smaller than this are not worth more threads. A small blob may
 * still inflate to much (a bomb), so the bar is low: a split costs two
 * thread starts. */
#define SPLIT_MIN ((int64_t)1 << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct image {
	char *manifest_digest;
	size_t *jobs;            /* job index of each layer, SIZE_MAX if none */
	size_t layer_count;
	char **diff_ids;         /* expected, borrowed from the config copy */
	size_t diff_id_count;
	og_config config;        /* config.root: the whole document, if read */
	int attestation;         /* or another artifact: no image checks */
	char platform[128];      /* "" when unknown */
	char *config_digest;
	uint64_t config_size;
	json_t *annotations;     /* the manifest's, or NULL */
	char **layer_digests;    /* from the manifest ("" for a bad one) */
	uint64_t *layer_sizes;
} image;

/* The layer visitors: path safety always first, then the fsview (when a
 * check or the scan needs the final filesystem), file modes and secrets. */
#define V_PATH 0
#define VISITOR_MAX 4
#define TOP_WASTE 10

typedef struct vstate {
	og_ctx *ctx;
	og_source *src;
	og_report *report;
	og_platform want;
	int have_want;
	og_descriptor *descs;    /* one per job (copies) */
	og_layer_job *jobs;
	og_layer_result *results;
	size_t job_count, job_cap;
	image *images;
	size_t image_count;
	size_t matched;          /* runnable images selected */
	og_path_summary **summaries; /* per job, taken from the path visitor */
	og_layer_limits limits;
	_Atomic uint64_t total;  /* uncompressed bytes so far, all jobs */
	og_policy *policy;
	int root_is_index;       /* the top is an index (platform checks) */
	int need_fs;             /* a check needs the final filesystem */
	og_fs_layer **fs_layers; /* per job, from the fsview visitor */
	/* The security scan (off with --no-scan). */
	int scan;
	og_vulndb *vulndb;       /* --vuln-db, loaded once per run */
	const char *vuln_db_path;
	int ignore_unfixed;
	og_secret_hits *hits;    /* per job, from the secrets visitor */
	og_filemode_options fm_opts;
	og_secrets_options sec_opts;
	/* This run's visitors: classes copied to carry the policy's payloads. */
	og_visitor_class vclass[VISITOR_MAX];
	const og_visitor_class *vlist[VISITOR_MAX];
	size_t vcount;
	size_t v_fsview, v_filemode, v_secrets; /* index in vlist, SIZE_MAX: off */
} vstate;

/* Does an image's config make a check look at its files? */
static void note_fs_needs(vstate *vs, const og_config *c)
{
	json_t *cfg = json_object_get(c->root, "config");
	const char *ep0 = json_string_value(json_array_get(json_object_get(cfg, "Entrypoint"), 0));
	const char *cmd0 = json_string_value(json_array_get(json_object_get(cfg, "Cmd"), 0));
	const char *a0 = ep0 && *ep0 ? ep0 : cmd0; /* argv[0], as checks.c takes it */
	const char *user = json_string_value(json_object_get(cfg, "User"));

	/* An absolute argv[0] must exist in the final filesystem. */
	if (a0 && a0[0] == '/')
		vs->need_fs = 1;
	if (vs->policy->user_non_root && user && *user && (user[0] < '0' || user[0] > '9'))
		vs->need_fs = 1;
}

/* This run's visitors, once need_fs is known (after the manifests). */
static void setup_visitors(vstate *vs)
{
	size_t n = 0;

	vs->v_fsview = vs->v_filemode = vs->v_secrets = SIZE_MAX;
	vs->vclass[n] = og_scan_path_safety;
	n++;
	if (vs->need_fs || vs->scan) {
		vs->v_fsview = n;
		vs->vclass[n++] = og_scan_fsview;
	}
	if (vs->scan) {
		vs->fm_opts.setuid_allowed = (const char *const *)vs->policy->setuid_allowed.items;
		vs->fm_opts.setuid_allowed_count = vs->policy->setuid_allowed.count;
		vs->fm_opts.writable_allowed = (const char *const *)vs->policy->writable_allowed.items;
		vs->fm_opts.writable_allowed_count = vs->policy->writable_allowed.count;
		vs->v_filemode = n;
		vs->vclass[n] = og_scan_filemode;
		vs->vclass[n++].payload = &vs->fm_opts;
		vs->sec_opts.max_file_size = vs->policy->secrets_max_file_size;
		vs->v_secrets = n;
		vs->vclass[n] = og_scan_secrets;
		vs->vclass[n++].payload = &vs->sec_opts;
	}
	for (vs->vcount = 0; vs->vcount < n; vs->vcount++)
		vs->vlist[vs->vcount] = &vs->vclass[vs->vcount];
}

/* The job for a blob, made on first use; dedupes layers shared by images. */
static int job_for(size_t *out, vstate *vs, const og_descriptor *d, size_t index, int walk)
{
	size_t i;
	int error;

	for (i = 0; i < vs->job_count; i++) {
		if (strcmp(vs->descs[i].digest, d->digest) == 0) {
			vs->jobs[i].walk |= walk;
			*out = i;
			return 0;
		}
	}
	if (vs->job_count == vs->job_cap) {
		size_t cap = vs->job_cap ? vs->job_cap * 2 : 16;
		og_descriptor *descs = realloc(vs->descs, cap * sizeof(*descs));
		og_layer_job *jobs;

		if (!descs)
			return og_error_oom(vs->ctx);
		vs->descs = descs;
		if ((jobs = realloc(vs->jobs, cap * sizeof(*jobs))) == NULL)
			return og_error_oom(vs->ctx);
		vs->jobs = jobs;
		vs->job_cap = cap;
	}
	if ((error = og_descriptor_copy(&vs->descs[vs->job_count], d)) < 0)
		return og_error_oom(vs->ctx);
	memset(&vs->jobs[vs->job_count], 0, sizeof(og_layer_job));
	vs->jobs[vs->job_count].index = index;
	vs->jobs[vs->job_count].walk = walk;
	vs->jobs[vs->job_count].check_media_type = !vs->src->synthesized;
	vs->jobs[vs->job_count].limits = &vs->limits;
	vs->jobs[vs->job_count].visitors = vs->vlist;
	vs->jobs[vs->job_count].visitor_count = vs->vcount;
	*out = vs->job_count++;
	return 0;
}

static int blob_present(vstate *vs, const char *digest)
{
	og_reader *r = NULL;
	uint64_t size;
	int error = og_source_open_blob(&r, &size, vs->src, vs->ctx, digest);

	og_reader_close(r);
	return error == 0;
}

static image *new_image(vstate *vs)
{
	image *imgs = realloc(vs->images, (vs->image_count + 1) * sizeof(*imgs));

	if (!imgs)
		return NULL;
	vs->images = imgs;
	memset(&imgs[vs->image_count], 0, sizeof(image));
	return &imgs[vs->image_count++];
}

/* Platform of the index entry against the config's. */
static void check_platform(vstate *vs, const og_descriptor *desc,
	const og_config *cfg)
{
	const og_platform *p = desc->platform;
	char want[128], have[128];
	og_platform c;

	if (!p || !cfg->os || !cfg->architecture)
		return;
	c.os = cfg->os;
	c.architecture = cfg->architecture;
	c.variant = cfg->variant;
	c.os_version = NULL;
	if (strcmp(p->os ? p->os : "", c.os) == 0 &&
	    strcmp(p->architecture ? p->architecture : "", c.architecture) == 0 &&
	    (!p->variant || !c.variant || strcmp(p->variant, c.variant) == 0))
		return;
	og_platform_format(want, sizeof(want), p);
	og_platform_format(have, sizeof(have), &c);
	og_findings_add(&vs->report->findings, "platform.mismatch", desc->digest,
		"manifest %s: the index says %s, the config says %s", desc->digest, want, have);
}

static int walk_manifest(vstate *vs, const og_descriptor *desc, json_t *j,
	int attestation, int from_index)
{
	og_findings *f = &vs->report->findings;
	og_where w = { f, desc->digest };
	og_manifest m;
	og_media_type cmt, lmt;
	unsigned char *cfg = NULL;
	size_t cfg_len = 0, i;
	char plat[128];
	image *img;
	json_t *cj = NULL;
	int error, artifact, walk;

	if ((error = og_manifest_parse(&m, &w, j)) < 0 || !m.usable)
		goto done;
	if (og_media_type_lookup(&cmt, m.config.media_type) < 0 && m.config.media_type &&
	    !attestation && !m.artifact_type)
		og_findings_add(f, "manifest.media_type", m.config.digest,
			"manifest %s: unknown config mediaType %s", desc->digest,
			m.config.media_type);
	artifact = attestation || cmt.kind != OG_KIND_CONFIG;
	if ((img = new_image(vs)) == NULL) {
		error = og_error_oom(vs->ctx);
		goto done;
	}
	img->manifest_digest = og__strdup(desc->digest);
	img->layer_count = m.layer_count;
	img->attestation = artifact;
	img->config_digest = og__strdup(m.config.digest ? m.config.digest : "");
	img->config_size = m.config.size > 0 ? (uint64_t)m.config.size : 0;
	img->annotations = m.annotations ? json_incref(m.annotations) : NULL;
	if (!img->manifest_digest || !img->config_digest) {
		error = og_error_oom(vs->ctx);
		goto done;
	}
	if (m.layer_count && ((img->jobs = malloc(m.layer_count * sizeof(size_t))) == NULL ||
	    (img->layer_digests = calloc(m.layer_count, sizeof(char *))) == NULL ||
	    (img->layer_sizes = calloc(m.layer_count, sizeof(uint64_t))) == NULL)) {
		error = og_error_oom(vs->ctx);
		goto done;
	}
	for (i = 0; i < m.layer_count; i++) {
		img->jobs[i] = SIZE_MAX;
		img->layer_sizes[i] = m.layers[i].size > 0 ? (uint64_t)m.layers[i].size : 0;
		if ((img->layer_digests[i] = og__strdup(m.layers[i].digest ?
				m.layers[i].digest : "")) == NULL) {
			error = og_error_oom(vs->ctx);
			goto done;
		}
	}

	if ((error = og_source_fetch(&cfg, &cfg_len, vs->src, vs->ctx, &m.config,
			vs->ctx->limits.max_json, f, "blob.missing", "config")) < 0)
		goto done;
	if (cfg) {
		vs->report->checks_run++;
		og_where cw = { f, m.config.digest };
		if (!artifact && (cj = og_json_parse(&cw, cfg, cfg_len, "manifest.schema")) != NULL) {
			if ((error = og_config_parse(&img->config, &cw, cj)) < 0)
				goto done;
			if (from_index)
				check_platform(vs, desc, &img->config);
			if (img->config.rootfs_ok) {
				img->diff_ids = img->config.diff_ids;
				img->diff_id_count = img->config.diff_id_count;
				if (img->diff_id_count != m.layer_count)
					og_findings_add(f, "layer.diffid_count", m.config.digest,
						"config %s lists %zu diff_ids, manifest %s has %zu layers",
						m.config.digest, img->diff_id_count, desc->digest,
						m.layer_count);
			}
		}
	}
	if (!artifact) {
		og_platform c = { img->config.os, img->config.architecture, img->config.variant, NULL };
		if (!img->config.os && desc->platform)
			c = *desc->platform;
		if (c.os && c.architecture) {
			og_platform_format(plat, sizeof(plat), &c);
			snprintf(img->platform, sizeof(img->platform), "%s", plat);
			if ((error = og_report__add_platform(vs->report, plat)) < 0)
				goto done;
		}
		note_fs_needs(vs, &img->config);
	}

	for (i = 0; i < m.layer_count; i++) {
		const og_descriptor *l = &m.layers[i];
		int known = og_media_type_lookup(&lmt, l->media_type) == 0;

		if (!l->digest || !l->digest_ok)
			continue; /* reported by the parse */
		if (!artifact && l->media_type && (!known || lmt.kind != OG_KIND_LAYER))
			og_findings_add(f, "manifest.media_type", l->digest,
				"manifest %s: layer %zu has %s mediaType %s", desc->digest, i,
				known ? "a non-layer" : "an unknown", l->media_type);
		if (known && lmt.nondistributable && l->url_count > 0) {
			og_findings_add(f, "layer.foreign", l->digest,
				"layer %zu (%s) is non-distributable, to be fetched from external URLs",
				i, l->digest);
			if (!blob_present(vs, l->digest))
				continue;
		}
		if (!l->verifiable) {
			og_findings_add(f, "digest.invalid", l->digest,
				"layer %zu %s: unsupported digest algorithm, the bytes cannot be verified",
				i, l->digest);
			continue;
		}
		walk = !artifact && known && lmt.kind == OG_KIND_LAYER;
		if ((error = job_for(&img->jobs[i], vs, l, i, walk)) < 0)
			goto done;
	}
done:
	json_decref(cj);
	free(cfg);
	og_manifest_dispose(&m);
	return error;
}

static int walk_node(vstate *vs, const og_descriptor *desc, unsigned int depth,
	int attestation, int from_index, const char *missing_id)
{
	og_findings *f = &vs->report->findings;
	og_where w = { f, desc->digest };
	unsigned char *data = NULL;
	size_t len = 0, i;
	og_media_type dmt, bmt;
	og_kind_t kind;
	const char *body_mt;
	json_t *j = NULL;
	og_index ix;
	size_t before;
	int error, known;

	memset(&ix, 0, sizeof(ix));
	before = f->count;
	if ((error = og_source_fetch(&data, &len, vs->src, vs->ctx, desc,
			vs->ctx->limits.max_json, f, missing_id, "manifest")) < 0 || !data)
		goto done;
	vs->report->checks_run++;
	if ((j = og_json_parse(&w, data, len, "manifest.schema")) == NULL)
		goto done;
	known = og_media_type_lookup(&dmt, desc->media_type) == 0 &&
		(dmt.kind == OG_KIND_INDEX || dmt.kind == OG_KIND_MANIFEST);
	body_mt = json_string_value(json_object_get(j, "mediaType"));
	if (desc->media_type && !known)
		og_findings_add(f, "manifest.media_type", desc->digest,
			"%s: mediaType %s is not a known manifest or index type",
			desc->digest, desc->media_type);
	else if (known && body_mt && strcmp(body_mt, desc->media_type) != 0)
		og_findings_add(f, "manifest.media_type", desc->digest,
			"%s: the descriptor says %s, the document says %s",
			desc->digest, desc->media_type, body_mt);
	if (known)
		kind = dmt.kind;
	else if (og_media_type_lookup(&bmt, body_mt) == 0)
		kind = bmt.kind;
	else
		kind = og_json_sniff_kind(j);

	if (kind == OG_KIND_INDEX) {
		if (depth == 0)
			vs->root_is_index = 1;
		if (depth >= vs->ctx->limits.max_depth) {
			og_findings_add(f, "manifest.schema", desc->digest,
				"%s: indexes nested deeper than %u", desc->digest,
				vs->ctx->limits.max_depth);
			goto done;
		}
		if ((error = og_index_parse(&ix, &w, j)) < 0)
			goto done;
		for (i = 0; i < ix.count; i++) {
			const og_descriptor *c = &ix.manifests[i];
			int att = og_descriptor_is_attestation(c);

			if (vs->have_want && (att || (c->platform && !og_platform_match(&vs->want, c->platform))))
				continue;
			if ((error = walk_node(vs, c, depth + 1, att, 1,
					"index.manifest_missing")) < 0)
				goto done;
		}
	} else if (kind == OG_KIND_MANIFEST) {
		size_t images_before = vs->image_count;

		if ((error = walk_manifest(vs, desc, j, attestation, from_index)) < 0)
			goto done;
		if (vs->image_count > images_before && !attestation) {
			image *img = &vs->images[vs->image_count - 1];
			og_platform c = { img->config.os, img->config.architecture, img->config.variant, NULL };

			if (!vs->have_want || !img->config.os || og_platform_match(&vs->want, &c))
				vs->matched++;
		}
	} else {
		og_findings_add(f, "manifest.media_type", desc->digest,
			"%s: neither a manifest nor an index", desc->digest);
	}
done:
	/* What this manifest (and its config) gave, not its children's. */
	if (error == 0 && og_findings_set_origin(f, before, desc->digest) < 0)
		error = og_error_oom(vs->ctx);
	og_index_dispose(&ix);
	json_decref(j);
	free(data);
	return error;
}

static int run_job(size_t i, og_ctx *wctx, void *payload)
{
	vstate *vs = payload;

	return og_layer_run(&vs->results[i], wctx, vs->src, &vs->jobs[i]);
}

static int post_image(vstate *vs, image *img)
{
	og_findings *f = &vs->report->findings;
	og_path_summary **sums = NULL;
	size_t i;
	int error = 0;

	for (i = 0; i < img->layer_count && i < img->diff_id_count; i++) {
		og_layer_result *r;

		if (img->jobs[i] == SIZE_MAX)
			continue;
		r = &vs->results[img->jobs[i]];
		if (r->decoded && strcmp(r->diff_id, img->diff_ids[i]) != 0)
			og_findings_add(f, "layer.diffid_mismatch", vs->descs[img->jobs[i]].digest,
				"layer %zu (%s) decompresses to %s, the config says %s", i,
				vs->descs[img->jobs[i]].digest, r->diff_id, img->diff_ids[i]);
	}
	if (img->layer_count < 2)
		return 0;
	if ((sums = calloc(img->layer_count, sizeof(*sums))) == NULL)
		return og_error_oom(vs->ctx);
	for (i = 0; i < img->layer_count; i++)
		if (img->jobs[i] != SIZE_MAX)
			sums[i] = vs->summaries[img->jobs[i]];
	error = og_path_safety_cross(f, sums, img->layer_count);
	free(sums);
	return error;
}

/* Drop repeated findings (same id, subject, message): images sharing a layer. */
static void dedupe(og_findings *f)
{
	size_t i, k, out = 0;

	for (i = 0; i < f->count; i++) {
		og_finding *it = &f->items[i];
		int dup = 0;

		for (k = 0; k < out && !dup; k++)
			dup = strcmp(f->items[k].id, it->id) == 0 &&
			      strcmp(f->items[k].subject, it->subject) == 0 &&
			      strcmp(f->items[k].message, it->message) == 0;
		if (dup) {
			free((char *)(uintptr_t)it->message);
			free((char *)(uintptr_t)it->subject);
			free((char *)(uintptr_t)it->origin);
		} else {
			f->items[out++] = *it;
		}
	}
	f->count = out;
}

static void vstate_dispose(vstate *vs)
{
	size_t i, k;

	for (i = 0; vs->results && i < vs->job_count; i++)
		og_layer_result_dispose(&vs->results[i], &vs->jobs[i]);
	for (i = 0; vs->summaries && i < vs->job_count; i++)
		og_path_summary_free(vs->summaries[i]);
	free(vs->summaries);
	for (i = 0; i < vs->job_count; i++)
		og_descriptor_dispose(&vs->descs[i]);
	for (i = 0; i < vs->image_count; i++) {
		image *img = &vs->images[i];

		free(img->manifest_digest);
		free(img->jobs);
		og_config_dispose(&img->config);
		free(img->config_digest);
		json_decref(img->annotations);
		for (k = 0; img->layer_digests && k < img->layer_count; k++)
			free(img->layer_digests[k]);
		free(img->layer_digests);
		free(img->layer_sizes);
	}
	for (i = 0; vs->fs_layers && i < vs->job_count; i++)
		og_fs_layer_free(vs->fs_layers[i]);
	free(vs->fs_layers);
	for (i = 0; vs->hits && i < vs->job_count; i++)
		og_secret_hits_dispose(&vs->hits[i]);
	free(vs->hits);
	og_vulndb_free(vs->vulndb);
	og_policy_free(vs->policy);
	free(vs->images);
	free(vs->results);
	free(vs->jobs);
	free(vs->descs);
	og_platform_dispose(&vs->want);
	og_source_free(vs->src);
}

/* Ids of the integrity and conformance checks every run makes. */
static const char *const always_checks[] = {
	"blob.missing", "blob.digest_mismatch", "blob.size_mismatch", "digest.invalid",
	"layout.invalid", "manifest.schema", "manifest.media_type", "layer.foreign",
	"layer.diffid_count", "platform.mismatch",
};
static const char *const layer_checks[] = {
	"layer.diffid_mismatch", "layer.decompress_error", "layer.trailing_data",
	"layer.tar_invalid", "layer.compression_ratio", "path.traversal",
	"path.absolute", "link.escape",
};

/* ... and those of the security scan (not with --no-scan). */
static const char *const scan_checks[] = {
	"file.setuid", "file.world_writable", "file.device", "secret.private_key",
	"secret.cloud_credential", "secret.token", "packages.unsupported",
};
static const char *const vuln_checks[] = {
	"vuln.critical", "vuln.high", "vuln.medium", "vuln.low", "vuln.db_stale",
};

static int fs_exists(const og_final_fs *fs, const char *path)
{
	return og_fsview_exists((const og_fsview *)(const void *)fs, path);
}

/* The report's list of runnable images, with the digests that are theirs. */
static int add_image(vstate *vs, const image *img)
{
	const char **d = calloc(img->layer_count + 2, sizeof(*d));
	size_t n = 0, k;
	int error;

	if (!d)
		return OG_ENOMEM;
	d[n++] = img->manifest_digest;
	d[n++] = img->config_digest;
	for (k = 0; k < img->layer_count; k++)
		d[n++] = img->layer_digests[k];
	error = og_report__add_image(vs->report, img->platform, img->manifest_digest, d, n);
	free(d);
	return error;
}

/* ------------------------------------------------------------- the scan */

/* What the scan of one image adds up: its JSON sections, and where its
 * findings go. */
typedef struct scan_state {
	vstate *vs;
	const image *img;
	og_findings *f;
	og_fs_layer *const *fl;  /* per layer of the image, NULL: not walked */
	const og_package *pkg;   /* the package being matched */
	json_t *vulns;
	int error;
} scan_state;

static json_t *jsize(size_t n)
{
	return n == SIZE_MAX ? json_null() : og_report__jint((uint64_t)n);
}

/* One secret: its finding (origin: the layer, or the config) and its entry
 * in "secrets". Never the value: only the redacted prefix and the length. */
static int add_secret(scan_state *ss, json_t *arr, const og_secret_hit *h, size_t layer,
	size_t by)
{
	const char *origin = layer == SIZE_MAX ? ss->img->config_digest :
		ss->img->layer_digests[layer];
	size_t before = ss->f->count;
	json_t *o = NULL;
	int error = OG_ENOMEM;

	if (og_secret_finding(ss->f, h, layer, layer == SIZE_MAX ? NULL : origin, by) < 0 ||
	    og_findings_set_origin(ss->f, before, origin) < 0)
		goto done;
	if (!(o = json_object()) ||
	    og_report__jset(o, "id", og_report__jstr(h->id)) < 0 ||
	    og_report__jset(o, "kind", og_report__jstr(h->kind)) < 0 ||
	    og_report__jset(o, "path", og_report__jstr(h->path)) < 0 ||
	    og_report__jset(o, "layer", jsize(layer)) < 0 ||
	    og_report__jset(o, "hidden_by", jsize(by)) < 0 ||
	    og_report__jset(o, "redacted", og_report__jstr(h->redacted)) < 0 ||
	    og_report__jset(o, "length", og_report__jint(h->length)) < 0)
		goto done;
	error = og_report__jappend(arr, o) < 0 ? OG_ENOMEM : 0;
	o = NULL; /* the array's, or released */
done:
	json_decref(o);
	return error;
}

/* The config's Env entries and history created_by, as texts. */
static int scan_config_text(og_secret_hits *hits, const json_t *root)
{
	const json_t *env = json_object_get(json_object_get(root, "config"), "Env");
	const json_t *hist = json_object_get(root, "history");
	char where[160];
	size_t i, n;
	int error = 0;

	for (i = 0; i < json_array_size(env) && !error; i++) {
		const char *e = json_string_value(json_array_get(env, i));
		const char *eq = e ? strchr(e, '=') : NULL;

		if (!e)
			continue;
		n = eq ? (size_t)(eq - e) : strlen(e);
		snprintf(where, sizeof(where), "config Env %.*s", (int)(n > 100 ? 100 : n), e);
		error = og_secrets_scan_text(hits, e, strlen(e), where);
	}
	for (i = 0; i < json_array_size(hist) && !error; i++) {
		const char *cb = json_string_value(json_object_get(json_array_get(hist, i),
			"created_by"));

		if (!cb)
			continue;
		snprintf(where, sizeof(where), "history[%zu].created_by", i);
		error = og_secrets_scan_text(hits, cb, strlen(cb), where);
	}
	return error < 0 ? error : 0;
}

static int scan_secrets(scan_state *ss, json_t *arr)
{
	vstate *vs = ss->vs;
	const image *img = ss->img;
	og_secret_hits text;
	size_t k, i, by;
	int error = 0;

	for (k = 0; vs->hits && k < img->layer_count && !error; k++) {
		const og_secret_hits *h;

		if (img->jobs[k] == SIZE_MAX)
			continue;
		h = &vs->hits[img->jobs[k]];
		for (i = 0; i < h->count && !error; i++) {
			by = SIZE_MAX;
			if (og_fsview_hidden_by(&by, ss->fl, img->layer_count, k, h->items[i].path) < 0)
				error = OG_ENOMEM;
			else
				error = add_secret(ss, arr, &h->items[i], k, by);
		}
	}
	memset(&text, 0, sizeof(text));
	if (!error && img->config.root && scan_config_text(&text, img->config.root) < 0)
		error = OG_ENOMEM;
	for (i = 0; !error && i < text.count; i++)
		error = add_secret(ss, arr, &text.items[i], SIZE_MAX, SIZE_MAX);
	og_secret_hits_dispose(&text);
	return error;
}

static const char *vuln_id(og_severity_t sev)
{
	switch (sev) {
	case OG_SEV_CRITICAL: return "vuln.critical";
	case OG_SEV_HIGH: return "vuln.high";
	case OG_SEV_MEDIUM: return "vuln.medium";
	default: return "vuln.low";
	}
}

/* aliases "CVE-1,CVE-2" as a JSON array. */
static json_t *alias_array(const char *aliases)
{
	json_t *arr = json_array();
	const char *p = aliases, *comma;
	char *one;

	while (arr && p && *p) {
		comma = strchr(p, ',');
		if (!(one = og__strndup(p, comma ? (size_t)(comma - p) : strlen(p))) ||
		    og_report__jappend(arr, og_report__jstr(one)) < 0) {
			free(one);
			json_decref(arr);
			return NULL;
		}
		free(one);
		p = comma ? comma + 1 : NULL;
	}
	return arr;
}

static int on_vuln(const og_vuln_match *m, void *payload)
{
	scan_state *ss = payload;
	const og_package *pkg = ss->pkg;
	og_severity_t sev = m->severity;
	char subject[512];
	json_t *o;

	if (!m->fixed && ss->vs->ignore_unfixed)
		return 0;
	snprintf(subject, sizeof(subject), "%s@%s", pkg->name, pkg->version);
	if (og_findings_add(ss->f, vuln_id(sev), subject, "%s (%s %s, layer %zu): %s%s%s%s, %s%s",
			subject, pkg->type, pkg->source ? pkg->source : pkg->name, pkg->layer, m->id,
			m->aliases ? " (" : "", m->aliases ? m->aliases : "", m->aliases ? ")" : "",
			m->fixed ? "fixed in " : "no fix", m->fixed ? m->fixed : "") < 0)
		goto fail;
	if (!(o = json_object()) || og_report__jappend(ss->vulns, o) < 0 ||
	    og_report__jset(o, "id", og_report__jstr(m->id)) < 0 ||
	    og_report__jset(o, "aliases", alias_array(m->aliases)) < 0 ||
	    og_report__jset(o, "package", og_report__jstr(pkg->name)) < 0 ||
	    og_report__jset(o, "version", og_report__jstr(pkg->version)) < 0 ||
	    og_report__jset(o, "source", og_report__jstr(pkg->source)) < 0 ||
	    og_report__jset(o, "fixed", og_report__jstr(m->fixed)) < 0 ||
	    og_report__jset(o, "severity", og_report__jstr(og_severity_name(sev))) < 0 ||
	    og_report__jset(o, "cvss", m->cvss < 0 ? json_null() : json_real(m->cvss)) < 0)
		goto fail;
	return 0;
fail:
	ss->error = og_error_oom(ss->vs->ctx);
	return ss->error;
}

static json_t *os_json(const og_os *os)
{
	json_t *o;

	if (!os->id)
		return json_null();
	if (!(o = json_object()))
		return NULL;
	if (og_report__jset(o, "id", og_report__jstr(os->id)) < 0 ||
	    og_report__jset(o, "version_id", og_report__jstr(os->version_id)) < 0 ||
	    og_report__jset(o, "pretty_name", og_report__jstr(os->pretty_name)) < 0 ||
	    og_report__jset(o, "version_codename", og_report__jstr(os->version_codename)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *package_json(const og_package *p)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (og_report__jset(o, "name", og_report__jstr(p->name)) < 0 ||
	    og_report__jset(o, "version", og_report__jstr(p->version)) < 0 ||
	    og_report__jset(o, "source", og_report__jstr(p->source)) < 0 ||
	    og_report__jset(o, "source_version", og_report__jstr(p->source_version)) < 0 ||
	    og_report__jset(o, "arch", og_report__jstr(p->arch)) < 0 ||
	    og_report__jset(o, "type", og_report__jstr(p->type)) < 0 ||
	    og_report__jset(o, "layer", og_report__jint(p->layer)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Packages, and their vulnerabilities when a database was given. */
static int scan_packages(scan_state *ss, json_t *scan, const og_fsview *fs)
{
	vstate *vs = ss->vs;
	og_inventory inv;
	json_t *pkgs = NULL;
	char eco[64];
	const char *ecosystem;
	size_t i;
	int error;

	memset(&inv, 0, sizeof(inv));
	if ((error = og_inventory_read(&inv, vs->ctx, fs, ss->fl, ss->img->layer_count,
			ss->f)) < 0)
		goto done;
	error = og_error_oom(vs->ctx);
	if (og_report__jset(scan, "os", os_json(&inv.os)) < 0 || !(pkgs = json_array()) ||
	    json_object_set(scan, "packages", pkgs) < 0)
		goto done;
	for (i = 0; i < inv.count; i++)
		if (og_report__jappend(pkgs, package_json(&inv.items[i])) < 0)
			goto done;
	if (vs->vulndb) {
		if (!(ss->vulns = json_array()) || json_object_set(scan, "vulnerabilities", ss->vulns) < 0)
			goto done;
		ecosystem = og_inventory_ecosystem(&inv, eco, sizeof(eco));
		for (i = 0; ecosystem && i < inv.count; i++) {
			const og_package *p = &inv.items[i];
			int deb = strcmp(p->type, "deb") == 0;
			const char *name = p->source && *p->source ? p->source : p->name;
			const char *version = deb && p->source_version ? p->source_version : p->version;

			ss->pkg = p;
			if ((error = og_vulndb_match(vs->vulndb, ecosystem, name, version, on_vuln,
					ss)) < 0 || (error = ss->error) < 0)
				goto done;
		}
	}
	error = 0;
done:
	json_decref(pkgs);
	json_decref(ss->vulns);
	ss->vulns = NULL;
	og_inventory_dispose(&inv);
	return error;
}

static int scan_efficiency(scan_state *ss, json_t *scan)
{
	const og_policy *pol = ss->vs->policy;
	og_efficiency e;
	json_t *o = NULL, *top = NULL, *t;
	size_t i;
	int error;

	memset(&e, 0, sizeof(e));
	if ((error = og_efficiency_compute(&e, ss->fl, ss->img->layer_count, TOP_WASTE)) < 0) {
		error = og_error_oom(ss->vs->ctx);
		goto done;
	}
	error = og_error_oom(ss->vs->ctx);
	if (!(o = json_object()) || !(top = json_array()) ||
	    og_report__jset(o, "total_bytes", og_report__jint(e.total_bytes)) < 0 ||
	    og_report__jset(o, "wasted_bytes", og_report__jint(e.wasted_bytes)) < 0 ||
	    og_report__jset(o, "score", json_real(e.score)) < 0 ||
	    json_object_set(o, "top", top) < 0)
		goto done;
	for (i = 0; i < e.top_count; i++) {
		/* absolute, as every other path of the scan (efficiency's are root-relative) */
		char *abs = og__asprintf("%s%s", e.top[i].path[0] == '/' ? "" : "/", e.top[i].path);
		json_t *jp = abs ? og_report__jstr(abs) : NULL;

		free(abs);
		if (!jp || !(t = json_object()) || og_report__jappend(top, t) < 0) {
			json_decref(jp);
			goto done;
		}
		if (og_report__jset(t, "path", jp) < 0 ||
		    og_report__jset(t, "bytes", og_report__jint(e.top[i].bytes)) < 0 ||
		    og_report__jset(t, "layer", og_report__jint(e.top[i].layer)) < 0 ||
		    og_report__jset(t, "by", jsize(e.top[i].by)) < 0)
			goto done;
	}
	if (json_object_set(scan, "efficiency", o) < 0)
		goto done;
	if ((pol->max_wasted_set && e.wasted_bytes > pol->max_wasted) ||
	    (pol->min_score_set && e.score < pol->min_score)) {
		if (og_findings_add(ss->f, "efficiency.wasted", ss->img->manifest_digest,
				"image %s ships %llu bytes in its layers that are absent from its "
				"final filesystem (efficiency %.3f; policy: max_wasted %llu, min_score %.3f)%s%s",
				ss->img->manifest_digest, (unsigned long long)e.wasted_bytes, e.score,
				(unsigned long long)pol->max_wasted, pol->min_score_set ? pol->min_score : 0.0,
				e.top_count ? "; largest: /" : "", e.top_count ? e.top[0].path +
				(e.top[0].path[0] == '/') : "") < 0)
			goto done;
	}
	error = 0;
done:
	json_decref(top);
	json_decref(o);
	og_efficiency_dispose(&e);
	return error;
}

/* What the secrets scanner read of an image's layers, and what it skipped
 * (files over the policy's scan.secrets_max_file_size). */
static json_t *secrets_counts(const vstate *vs, const image *img)
{
	uint64_t files = 0, bytes = 0, skipped = 0, skipped_bytes = 0;
	size_t k;

	for (k = 0; vs->hits && k < img->layer_count; k++) {
		const og_secret_hits *h;

		if (img->jobs[k] == SIZE_MAX)
			continue;
		h = &vs->hits[img->jobs[k]];
		files += h->scanned_files;
		bytes += h->scanned_bytes;
		skipped += h->skipped_files;
		skipped_bytes += h->skipped_bytes;
	}
	return json_pack("{s:I,s:I,s:I,s:I,s:I}",
		"files_scanned", (json_int_t)files, "bytes_scanned", (json_int_t)bytes,
		"files_skipped", (json_int_t)skipped, "bytes_skipped", (json_int_t)skipped_bytes,
		"max_file_size", (json_int_t)vs->sec_opts.max_file_size);
}

/* The security scan of one image: its findings go to the report, its JSON
 * sections to *out. */
static int scan_image(json_t **out, vstate *vs, const image *img, const og_fsview *fs,
	og_fs_layer *const *fl)
{
	scan_state ss;
	json_t *scan = NULL, *secrets = NULL;
	const char *created = json_string_value(json_object_get(img->config.root, "created"));
	int error;

	*out = NULL;
	memset(&ss, 0, sizeof(ss));
	ss.vs = vs;
	ss.img = img;
	ss.f = &vs->report->findings;
	ss.fl = fl;
	error = og_error_oom(vs->ctx);
	if (!(scan = json_object()) || !(secrets = json_array()) ||
	    json_object_set(scan, "secrets", secrets) < 0 || scan_secrets(&ss, secrets) < 0 ||
	    og_report__jset(scan, "secrets_scan", secrets_counts(vs, img)) < 0)
		goto done;
	/* for the SBOM's creation time: the image's, so the output is reproducible */
	if (created && og_report__jset(scan, "created", og_report__jstr(created)) < 0)
		goto done;
	if (fs && (error = scan_packages(&ss, scan, fs)) < 0)
		goto done;
	if (fl && (error = scan_efficiency(&ss, scan)) < 0)
		goto done;
	*out = scan;
	scan = NULL;
	error = 0;
done:
	json_decref(secrets);
	json_decref(scan);
	return error;
}

/* The database is older than the policy allows. */
static int check_db_age(vstate *vs)
{
	int64_t newest = og_vulndb_newest_modified(vs->vulndb);
	time_t t = time(NULL);
	int r;

	if (newest >= 0 && (int64_t)t - newest <= vs->policy->max_db_age)
		return 0;
	if (newest < 0)
		r = og_findings_add(&vs->report->findings, "vuln.db_stale", vs->vuln_db_path,
			"vulnerability database %s: no advisory has a modified date", vs->vuln_db_path);
	else
		r = og_findings_add(&vs->report->findings, "vuln.db_stale", vs->vuln_db_path,
			"vulnerability database %s: newest advisory modified %lld days ago "
			"(policy max_db_age: %lld days)", vs->vuln_db_path,
			(long long)(((int64_t)t - newest) / 86400),
			(long long)(vs->policy->max_db_age / 86400));
	return r < 0 ? og_error_oom(vs->ctx) : 0;
}

/* The policy's metadata checks on each runnable image. */
static int check_images(vstate *vs)
{
	const char **plats = NULL;
	size_t i, k, nplats = 0;
	int error = 0;

	if (vs->image_count && (plats = calloc(vs->image_count, sizeof(*plats))) == NULL)
		return og_error_oom(vs->ctx);
	for (i = 0; i < vs->image_count && !error; i++) {
		image *img = &vs->images[i];
		og_fs_layer **fl = NULL;
		og_fsview *fs = NULL;
		og_image_facts facts;
		json_t *scan = NULL;
		size_t before;
		int known = 1, stopped = 0;

		if (img->attestation)
			continue;
		if (img->platform[0])
			plats[nplats++] = img->platform;
		memset(&facts, 0, sizeof(facts));
		facts.manifest_digest = img->manifest_digest;
		facts.platform = img->platform[0] ? img->platform : NULL;
		facts.config = img->config.root;
		facts.config_digest = img->config_digest;
		facts.config_size = img->config_size;
		facts.manifest_annotations = img->annotations;
		facts.layer_count = img->layer_count;
		facts.layer_digests = (const char *const *)img->layer_digests;
		facts.layer_sizes = img->layer_sizes;
		for (k = 0; k < img->layer_count; k++) {
			og_layer_result *r = img->jobs[k] == SIZE_MAX ? NULL : &vs->results[img->jobs[k]];

			if (!r || !r->decoded)
				known = 0;
			else
				facts.uncompressed_total += r->uncompressed_size;
			stopped |= r && r->stopped;
		}
		facts.uncompressed_known = known;
		facts.uncompressed_stopped = stopped;
		if (vs->fs_layers && img->layer_count) {
			if ((fl = calloc(img->layer_count, sizeof(*fl))) == NULL) {
				error = og_error_oom(vs->ctx);
				break;
			}
			for (k = 0; k < img->layer_count; k++)
				if (img->jobs[k] != SIZE_MAX && vs->results[img->jobs[k]].walked)
					fl[k] = vs->fs_layers[img->jobs[k]];
			if ((error = og_fsview_build(&fs, fl, img->layer_count)) < 0) {
				free(fl);
				error = og_error_oom(vs->ctx);
				break;
			}
			facts.exists = fs_exists;
			facts.fs = (const og_final_fs *)(const void *)fs;
			facts.passwd = og_fsview_file(fs, "etc/passwd", &facts.passwd_len);
		}
		before = vs->report->findings.count;
		if (img->config.root && og_checks_image(vs->report, vs->policy, &facts) < 0)
			error = og_error_oom(vs->ctx);
		if (!error && vs->scan)
			error = scan_image(&scan, vs, img, fs, fl);
		if (!error && (og_findings_set_origin(&vs->report->findings, before,
				img->manifest_digest) < 0 || add_image(vs, img) < 0))
			error = og_error_oom(vs->ctx);
		if (error)
			json_decref(scan);
		else if (og_report__set_scan(vs->report, scan) < 0) /* steals scan */
			error = og_error_oom(vs->ctx);
		scan = NULL;
		og_fsview_free(fs);
		free(fl);
	}
	/* Required platforms: of the whole index, so not when one was picked. */
	if (!error && !vs->have_want && vs->root_is_index &&
	    og_checks_platforms(vs->report, vs->policy, plats, nplats,
			vs->src->root.digest) < 0)
		error = og_error_oom(vs->ctx);
	free(plats);
	return error;
}

/* Which checks ran, for reports that list passing ones too. */
static int record_checks(vstate *vs)
{
	size_t i, walked = 0;

	if (vs->report->checks_run == 0)
		return 0;
	for (i = 0; i < sizeof(always_checks) / sizeof(always_checks[0]); i++)
		if (og_report__add_check(vs->report, always_checks[i]) < 0)
			return og_error_oom(vs->ctx);
	if (vs->root_is_index && og_report__add_check(vs->report, "index.manifest_missing") < 0)
		return og_error_oom(vs->ctx);
	for (i = 0; i < vs->job_count; i++)
		walked += vs->jobs[i].walk && vs->results && vs->results[i].opened;
	if (vs->job_count && og_report__add_check(vs->report, "size.uncompressed") < 0)
		return og_error_oom(vs->ctx);
	for (i = 0; walked && i < sizeof(layer_checks) / sizeof(layer_checks[0]); i++)
		if (og_report__add_check(vs->report, layer_checks[i]) < 0)
			return og_error_oom(vs->ctx);
	for (i = 0; vs->scan && walked && i < sizeof(scan_checks) / sizeof(scan_checks[0]); i++)
		if (og_report__add_check(vs->report, scan_checks[i]) < 0)
			return og_error_oom(vs->ctx);
	for (i = 0; vs->vulndb && i < sizeof(vuln_checks) / sizeof(vuln_checks[0]); i++)
		if (og_report__add_check(vs->report, vuln_checks[i]) < 0)
			return og_error_oom(vs->ctx);
	if (vs->scan && walked && (vs->policy->max_wasted_set || vs->policy->min_score_set) &&
	    og_report__add_check(vs->report, "efficiency.wasted") < 0)
		return og_error_oom(vs->ctx);
	return 0;
}

static int load_policy(vstate *vs, const og_validate_options *opts)
{
	int error;

	if (opts->policy)
		error = og_policy_load(&vs->policy, vs->ctx, opts->policy);
	else
		error = og_policy_default(&vs->policy, vs->ctx);
	if (error < 0)
		return error;
	vs->report->fail_on = vs->policy->fail_on;
	if ((vs->policy->path && !(vs->report->policy_path = og__strdup(vs->policy->path))) ||
	    (vs->policy->digest[0] && !(vs->report->policy_digest = og__strdup(vs->policy->digest))))
		return og_error_oom(vs->ctx);
	/* Enforced while decompressing; explicit options win. */
	vs->limits.max_ratio = opts->max_compression_ratio ?
		opts->max_compression_ratio : vs->policy->max_compression_ratio;
	vs->limits.ratio_floor = OG_RATIO_FLOOR;
	vs->limits.max_total = opts->max_uncompressed ?
		opts->max_uncompressed : vs->policy->max_uncompressed;
	vs->limits.total = &vs->total;
	return 0;
}

int og_validate(og_report **out, og_ctx *ctx, const char *ref,
	const og_validate_options *opts)
{
	og_validate_options defaults = OG_VALIDATE_OPTIONS_INIT;
	unsigned int threads, workers;
	const char *vuln_db = NULL;
	double t0 = now();
	vstate vs;
	size_t i;
	int error, split;

	OG_ASSERT_ARG(ctx, out && ref);
	*out = NULL;
	if (!opts)
		opts = &defaults;
	memset(&vs, 0, sizeof(vs));
	vs.ctx = ctx;
	atomic_init(&vs.total, 0);
	og_error_clear(ctx);
	if ((vs.report = og_report__new(OG_REPORT_IMAGE, ref)) == NULL)
		return og_error_oom(ctx);
	if ((error = load_policy(&vs, opts)) < 0)
		goto done;
	/* Fields of version 4 on: older callers get the defaults. */
	if (opts->version >= 4) {
		vs.scan = !opts->no_scan;
		vuln_db = opts->vuln_db;
		vs.ignore_unfixed = opts->ignore_unfixed;
	} else {
		vs.scan = 1;
	}
	if (vs.scan && vuln_db) {
		vs.vuln_db_path = vuln_db;
		if ((error = og_vulndb_load(&vs.vulndb, ctx, vuln_db)) < 0)
			goto done;
	}
	if (opts->platform) {
		if (og_platform_parse(&vs.want, opts->platform) < 0) {
			error = og_error_set(ctx, OG_EINVALID,
				"--platform %s: expected os/arch[/variant]", opts->platform);
			goto done;
		}
		vs.have_want = 1;
	}
	if ((error = og_source_open_opts(&vs.src, ctx, ref, &vs.report->findings,
			opts->transport)) < 0)
		goto done;
	if (!vs.src->has_root)
		goto finish;
	if ((error = og_report__set_image(vs.report, vs.src->root.digest,
			vs.src->root.media_type)) < 0)
		goto done;
	if ((error = walk_node(&vs, &vs.src->root, 0, 0, 0,
			vs.src->root_bytes ? "blob.missing" : "index.manifest_missing")) < 0)
		goto done;
	if (vs.have_want && vs.matched == 0 && vs.report->checks_run > 0) {
		error = og_error_set(ctx, OG_ENOTFOUND, "%s: no image for platform %s",
			ref, opts->platform);
		goto done;
	}

	setup_visitors(&vs);
	if (vs.job_count && ((vs.results = calloc(vs.job_count, sizeof(*vs.results))) == NULL ||
	    (vs.summaries = calloc(vs.job_count, sizeof(*vs.summaries))) == NULL ||
	    (vs.v_fsview != SIZE_MAX &&
	     (vs.fs_layers = calloc(vs.job_count, sizeof(*vs.fs_layers))) == NULL) ||
	    (vs.v_secrets != SIZE_MAX &&
	     (vs.hits = calloc(vs.job_count, sizeof(*vs.hits))) == NULL))) {
		error = og_error_oom(ctx);
		goto done;
	}
	/* Threads go to layers first; when there are more threads than
	 * layers, each layer (of some size) is split: decode | hashes + walk,
	 * with the blob read on the decoder's thread when it is mapped, else
	 * on a third (the OS shares them over the cores). */
	threads = opts->jobs ? opts->jobs : og_pool_cpus();
	workers = vs.job_count < threads ? (unsigned int)vs.job_count : threads;
	split = workers > 0 && threads >= 2 * workers;
	for (i = 0; i < vs.job_count; i++) {
		og_layer_result_init(&vs.results[i]);
		vs.jobs[i].desc = &vs.descs[i];
		vs.jobs[i].visitors = vs.vlist;
		vs.jobs[i].visitor_count = vs.vcount;
		vs.jobs[i].split = split && vs.jobs[i].walk && vs.descs[i].size >= SPLIT_MIN;
	}
	if ((error = og_pool_run(ctx, vs.job_count, workers, run_job, &vs)) < 0)
		goto done;
	vs.report->jobs = threads;
	for (i = 0; i < vs.job_count; i++) {
		og_layer_result *r = &vs.results[i];
		og_report_layer rl;
		unsigned int k;

		if (r->state_count > V_PATH && r->states[V_PATH] &&
		    (error = og_path_safety_take(&vs.summaries[i], r->states[V_PATH])) < 0)
			goto done;
		if (vs.fs_layers && r->state_count > vs.v_fsview && r->states[vs.v_fsview] &&
		    (error = og_fsview_take(&vs.fs_layers[i], r->states[vs.v_fsview])) < 0)
			goto done;
		if (vs.hits && r->state_count > vs.v_secrets && r->states[vs.v_secrets] &&
		    (error = og_secrets_take(&vs.hits[i], r->states[vs.v_secrets])) < 0)
			goto done;
		if ((error = og_findings_set_origin(&r->findings, 0, vs.descs[i].digest)) < 0 ||
		    (error = og_findings_append(&vs.report->findings, &r->findings)) < 0)
			goto done;
		memset(&rl, 0, sizeof(rl));
		rl.digest = vs.descs[i].digest;
		rl.media_type = vs.descs[i].media_type;
		rl.size = r->opened ? r->size : (uint64_t)(vs.descs[i].size < 0 ? 0 : vs.descs[i].size);
		rl.walked = r->walked;
		if (r->decoded) {
			rl.compression = (char *)(uintptr_t)og_compression_name(r->compression);
			rl.diff_id = r->diff_id;
		}
		if (r->walked) {
			rl.uncompressed_size = r->uncompressed_size;
			rl.entries = r->entries;
		}
		rl.seconds = r->wall;
		rl.split = vs.results[i].threads;
		for (k = 0; k < OG_STAGE_COUNT && k < OG_REPORT_STAGES; k++) {
			rl.stages[k].bytes = r->stages[k].bytes;
			rl.stages[k].seconds = r->stages[k].seconds;
		}
		if (r->opened)
			vs.report->checks_run++;
		if ((error = og_report__add_layer(vs.report, &rl)) < 0)
			goto done;
	}
	for (i = 0; i < vs.image_count; i++) {
		size_t before = vs.report->findings.count;

		if ((error = post_image(&vs, &vs.images[i])) < 0 ||
		    (error = og_findings_set_origin(&vs.report->findings, before,
				vs.images[i].manifest_digest)) < 0)
			goto done;
	}
	if ((error = check_images(&vs)) < 0)
		goto done;
	if (vs.vulndb && (error = check_db_age(&vs)) < 0)
		goto done;
finish:
	dedupe(&vs.report->findings);
	if ((error = record_checks(&vs)) < 0)
		goto done;
	/* Nothing looked at is never a pass. */
	if (vs.report->checks_run == 0 &&
	    og_findings_add(&vs.report->findings, "run.nothing_checked", ref,
		    "%s: no manifest, config or layer could be checked", ref) < 0) {
		error = og_error_oom(ctx);
		goto done;
	}
	if ((error = og_policy_apply(vs.policy, &vs.report->findings,
			&vs.report->suppressed, time(NULL))) < 0)
		goto done;
	vs.report->has_timings = opts->timings;
	vs.report->seconds = now() - t0;
	*out = vs.report;
	vs.report = NULL;
	error = 0;
done:
	og_report_free(vs.report);
	vstate_dispose(&vs);
	return error;
}
