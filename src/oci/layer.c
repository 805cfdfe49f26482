#include <stdlib.h>
#include <string.h>
#include "layer.h"

#define BUF_SIZE ((size_t)256 << 10)

/* A reader that hashes and counts what passes through it. */
typedef struct hash_reader {
	og_reader base;
	og_reader *inner;
	og_hash *hash;
	uint64_t count;
	int error;      /* the inner reader's failure, if any */
} hash_reader;

static ssize_t hash_read(og_reader *r, void *buf, size_t len)
{
	hash_reader *h = (hash_reader *)r;
	ssize_t n = og_reader_read(h->inner, buf, len);

	if (n > 0) {
		og_hash_update(h->hash, buf, (size_t)n);
		h->count += (uint64_t)n;
	} else if (n < 0) {
		h->error = (int)n;
	}
	return n;
}

static void hash_close(og_reader *r)
{
	(void)r; /* lives on the stack of og_layer_run */
}

static void hash_reader_init(hash_reader *h, og_reader *inner, og_hash *hash)
{
	memset(h, 0, sizeof(*h));
	h->base.read = hash_read;
	h->base.close = hash_close;
	h->inner = inner;
	h->hash = hash;
}

/* Read r to its end. Returns 0 or the reader's code. */
static int drain(og_reader *r, unsigned char *buf)
{
	ssize_t n;

	while ((n = og_reader_read(r, buf, BUF_SIZE)) > 0)
		;
	return (int)n;
}

typedef struct walk_state {
	const og_layer_job *job;
	og_layer_result *res;
	int visitor_error; /* a visitor's abort: not a problem of the layer */
} walk_state;

static int on_entry(const og_entry *entry, void *payload)
{
	walk_state *ws = payload;
	size_t i;
	int error;

	for (i = 0; i < ws->job->visitor_count; i++) {
		if (!ws->res->states[i])
			continue;
		if ((error = ws->job->visitors[i]->entry(ws->res->states[i], entry,
				&ws->res->findings)) < 0) {
			ws->visitor_error = error;
			return error;
		}
	}
	return 0;
}

void og_layer_result_init(og_layer_result *res)
{
	memset(res, 0, sizeof(*res));
	og_findings_init(&res->findings);
}

void og_layer_result_dispose(og_layer_result *res, const og_layer_job *job)
{
	size_t i;

	og_findings_dispose(&res->findings);
	for (i = 0; i < res->state_count; i++)
		if (res->states[i])
			job->visitors[i]->free(res->states[i]);
	free(res->states);
	res->states = NULL;
	res->state_count = 0;
}

static int begin_visitors(og_layer_result *res, og_ctx *ctx, const og_layer_job *job)
{
	og_layer_info info;
	size_t i;
	int error;

	if (job->visitor_count == 0)
		return 0;
	if ((res->states = calloc(job->visitor_count, sizeof(void *))) == NULL)
		return og_error_oom(ctx);
	res->state_count = job->visitor_count;
	info.index = job->index;
	info.digest = job->desc->digest;
	for (i = 0; i < job->visitor_count; i++)
		if ((error = job->visitors[i]->begin(&res->states[i], ctx, &info,
				job->visitors[i]->payload)) < 0)
			return error;
	return 0;
}

static int end_visitors(og_layer_result *res, const og_layer_job *job)
{
	size_t i;
	int error;

	for (i = 0; i < res->state_count; i++)
		if (res->states[i] &&
		    (error = job->visitors[i]->end(res->states[i], &res->findings)) < 0)
			return error;
	return 0;
}

/* Decompress and walk. Integrity and format problems become findings. */
static int walk_layer(og_layer_result *res, og_ctx *ctx, const og_layer_job *job,
	hash_reader *raw, unsigned char *buf)
{
	const char *digest = job->desc->digest;
	og_reader *dec = NULL;
	og_hash *diff_hash = NULL;
	og_decode_stats stats;
	og_media_type mt;
	hash_reader diff;
	walk_state ws = { job, res, 0 };
	int error, rc, tar_ok = 1;

	if ((error = og_decoder_new(&dec, ctx, &raw->base, digest)) < 0)
		return error;
	if ((error = og_hash_new(&diff_hash, ctx, OG_DIGEST_SHA256)) < 0)
		goto done;
	hash_reader_init(&diff, dec, diff_hash);
	if ((error = begin_visitors(res, ctx, job)) < 0)
		goto done;

	rc = og_tar_walk(&res->entries, ctx, &diff.base, on_entry, &ws, digest);
	/* The walk returns a visitor's code as is; whatever it is (OG_EINVALID,
	 * OG_ELIMIT...), it must not read as a finding about the layer. */
	if (ws.visitor_error) {
		error = ws.visitor_error;
		goto done;
	}
	if (rc == 0)
		rc = drain(&diff.base, buf); /* the padding after the end marker */
	if (rc == OG_ETAR || rc == OG_ELIMIT) {
		og_findings_add(&res->findings, "layer.tar_invalid", digest,
			"layer %zu (%s): %s", job->index, digest, ctx->error);
		tar_ok = 0;
		rc = drain(&diff.base, buf); /* the diff_id is still checked */
	}
	if (rc == OG_EINVALID) {
		og_findings_add(&res->findings, "layer.decompress_error", digest,
			"layer %zu: %s", job->index, ctx->error);
	} else if (rc == OG_ENOMEM || rc == OG_ESTREAM || (rc < 0 && rc != OG_ETAR)) {
		error = rc == OG_ESTREAM ? (raw->error ? raw->error : OG_ERROR) : rc;
		goto done;
	}
	if ((error = end_visitors(res, job)) < 0)
		goto done;

	og_decoder_stats(dec, &stats);
	res->compression = stats.compression;
	res->uncompressed_size = diff.count;
	og_hash_final(diff_hash, res->diff_id);
	res->decoded = rc == 0;
	res->walked = res->decoded && tar_ok;
	if (stats.trailing_bytes)
		og_findings_add(&res->findings, "layer.trailing_data", digest,
			"layer %zu (%s): %llu bytes follow the end of the %s stream",
			job->index, digest, (unsigned long long)stats.trailing_bytes,
			og_compression_name(stats.compression));
	if (job->check_media_type &&
	    og_media_type_lookup(&mt, job->desc->media_type) == 0 &&
	    mt.kind == OG_KIND_LAYER && mt.compression != stats.compression)
		og_findings_add(&res->findings, "manifest.media_type", digest,
			"layer %zu (%s): mediaType %s declares %s but the bytes are %s",
			job->index, digest, job->desc->media_type,
			og_compression_name(mt.compression),
			og_compression_name(stats.compression));
done:
	og_reader_close(dec);
	og_hash_free(diff_hash);
	return error;
}

int og_layer_run(og_layer_result *res, og_ctx *ctx, og_source *src,
	const og_layer_job *job)
{
	const og_descriptor *d = job->desc;
	unsigned char *buf = NULL;
	og_reader *blob = NULL;
	og_hash *raw_hash = NULL;
	hash_reader raw;
	uint64_t size = 0;
	int error;

	error = og_source_open_blob(&blob, &size, src, ctx, d->digest);
	if (error == OG_ENOTFOUND) {
		og_findings_add(&res->findings, "blob.missing", d->digest,
			"layer %zu: blob %s is missing from %s", job->index, d->digest, src->path);
		return 0;
	}
	if (error < 0)
		return error;
	res->opened = 1;
	if ((error = og_hash_new(&raw_hash, ctx, d->alg)) < 0)
		goto done;
	if ((buf = malloc(BUF_SIZE)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	hash_reader_init(&raw, blob, raw_hash);
	if (job->walk && (error = walk_layer(res, ctx, job, &raw, buf)) < 0)
		goto done;
	if ((error = drain(&raw.base, buf)) < 0)
		goto done;
	res->size = raw.count;
	og_hash_final(raw_hash, res->digest);
	if (d->size >= 0 && raw.count != (uint64_t)d->size)
		og_findings_add(&res->findings, "blob.size_mismatch", d->digest,
			"layer %zu (%s) is %llu bytes, the descriptor says %lld", job->index,
			d->digest, (unsigned long long)raw.count, (long long)d->size);
	if (strcmp(res->digest, d->digest) != 0)
		og_findings_add(&res->findings, "blob.digest_mismatch", d->digest,
			"layer %zu (%s): the bytes hash to %s", job->index, d->digest, res->digest);
done:
	free(buf);
	og_hash_free(raw_hash);
	og_reader_close(blob);
	return error;
}
