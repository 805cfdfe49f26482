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
#include "scan/fsview.h"
#include "scan/path_safety.h"
#include "checks.h"
#include "policy.h"
#include "report.h"

/* Layers smaller than this are not worth a second thread. */
#define SPLIT_MIN ((int64_t)4 << 20)

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
} vstate;

/* The scanners of every layer; the fsview only when a check needs it. */
static const og_visitor_class *const visitors[] = { &og_scan_path_safety, &og_scan_fsview };
#define V_PATH 0
#define V_FSVIEW 1
#define VISITOR_COUNT (sizeof(visitors) / sizeof(visitors[0]))

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
	vs->jobs[vs->job_count].visitors = visitors;
	vs->jobs[vs->job_count].visitor_count = VISITOR_COUNT;
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
		if (!error && (og_findings_set_origin(&vs->report->findings, before,
				img->manifest_digest) < 0 || add_image(vs, img) < 0))
			error = og_error_oom(vs->ctx);
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

	if (vs.job_count && ((vs.results = calloc(vs.job_count, sizeof(*vs.results))) == NULL ||
	    (vs.summaries = calloc(vs.job_count, sizeof(*vs.summaries))) == NULL ||
	    (vs.need_fs && (vs.fs_layers = calloc(vs.job_count, sizeof(*vs.fs_layers))) == NULL))) {
		error = og_error_oom(ctx);
		goto done;
	}
	/* Threads go to layers first; when there are more threads than
	 * layers, each layer (of some size) takes two: decode | hash + walk. */
	threads = opts->jobs ? opts->jobs : og_pool_cpus();
	workers = vs.job_count < threads ? (unsigned int)vs.job_count : threads;
	split = workers > 0 && threads >= 2 * workers;
	for (i = 0; i < vs.job_count; i++) {
		og_layer_result_init(&vs.results[i]);
		vs.jobs[i].desc = &vs.descs[i];
		vs.jobs[i].visitor_count = vs.need_fs ? VISITOR_COUNT : V_FSVIEW;
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
		if (vs.fs_layers && r->state_count > V_FSVIEW && r->states[V_FSVIEW] &&
		    (error = og_fsview_take(&vs.fs_layers[i], r->states[V_FSVIEW])) < 0)
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
		rl.split = vs.jobs[i].split;
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
