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
#include "scan/path_safety.h"
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
	og_config config;
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
} vstate;

static const og_visitor_class *const visitors[] = { &og_scan_path_safety };
#define VISITOR_COUNT (sizeof(visitors) / sizeof(visitors[0]))

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
	if (m.layer_count && (img->jobs = malloc(m.layer_count * sizeof(size_t))) == NULL) {
		error = og_error_oom(vs->ctx);
		goto done;
	}
	for (i = 0; i < m.layer_count; i++)
		img->jobs[i] = SIZE_MAX;

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
			if ((error = og_report__add_platform(vs->report, plat)) < 0)
				goto done;
		}
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
	int error, known;

	memset(&ix, 0, sizeof(ix));
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
		size_t before = vs->image_count;

		if ((error = walk_manifest(vs, desc, j, attestation, from_index)) < 0)
			goto done;
		if (vs->image_count > before && !attestation) {
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
		} else {
			f->items[out++] = *it;
		}
	}
	f->count = out;
}

static void vstate_dispose(vstate *vs)
{
	size_t i;

	for (i = 0; vs->results && i < vs->job_count; i++)
		og_layer_result_dispose(&vs->results[i], &vs->jobs[i]);
	for (i = 0; vs->summaries && i < vs->job_count; i++)
		og_path_summary_free(vs->summaries[i]);
	free(vs->summaries);
	for (i = 0; i < vs->job_count; i++)
		og_descriptor_dispose(&vs->descs[i]);
	for (i = 0; i < vs->image_count; i++) {
		free(vs->images[i].manifest_digest);
		free(vs->images[i].jobs);
		og_config_dispose(&vs->images[i].config);
	}
	free(vs->images);
	free(vs->results);
	free(vs->jobs);
	free(vs->descs);
	og_platform_dispose(&vs->want);
	og_source_free(vs->src);
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
	vs.limits.max_ratio = opts->max_compression_ratio ?
		opts->max_compression_ratio : OG_DEFAULT_MAX_RATIO;
	vs.limits.ratio_floor = OG_RATIO_FLOOR;
	vs.limits.max_total = opts->max_uncompressed ?
		opts->max_uncompressed : OG_DEFAULT_MAX_UNCOMPRESSED;
	vs.limits.total = &vs.total;
	og_error_clear(ctx);
	if ((vs.report = og_report__new(OG_REPORT_IMAGE, ref)) == NULL)
		return og_error_oom(ctx);
	if (opts->platform) {
		if (og_platform_parse(&vs.want, opts->platform) < 0) {
			error = og_error_set(ctx, OG_EINVALID,
				"--platform %s: expected os/arch[/variant]", opts->platform);
			goto done;
		}
		vs.have_want = 1;
	}
	if ((error = og_source_open(&vs.src, ctx, ref, &vs.report->findings)) < 0)
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

	if (vs.job_count && (vs.results = calloc(vs.job_count, sizeof(*vs.results))) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	for (i = 0; i < vs.job_count; i++) {
		og_layer_result_init(&vs.results[i]);
		vs.jobs[i].desc = &vs.descs[i];
	}
	/* Threads go to layers first; when there are more threads than
	 * layers, each layer (of some size) takes two: decode | hash + walk. */
	threads = opts->jobs ? opts->jobs : og_pool_cpus();
	workers = vs.job_count < threads ? (unsigned int)vs.job_count : threads;
	split = workers > 0 && threads >= 2 * workers;
	for (i = 0; i < vs.job_count; i++)
		vs.jobs[i].split = split && vs.jobs[i].walk && vs.descs[i].size >= SPLIT_MIN;
	if ((error = og_pool_run(ctx, vs.job_count, workers, run_job, &vs)) < 0)
		goto done;
	vs.report->jobs = threads;
	if (vs.job_count && (vs.summaries = calloc(vs.job_count, sizeof(*vs.summaries))) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	for (i = 0; i < vs.job_count; i++) {
		og_layer_result *r = &vs.results[i];
		og_report_layer rl;
		unsigned int k;

		if (r->state_count && r->states[0] &&
		    (error = og_path_safety_take(&vs.summaries[i], r->states[0])) < 0)
			goto done;

		if ((error = og_findings_append(&vs.report->findings, &r->findings)) < 0)
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
	for (i = 0; i < vs.image_count; i++)
		if ((error = post_image(&vs, &vs.images[i])) < 0)
			goto done;
finish:
	dedupe(&vs.report->findings);
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
