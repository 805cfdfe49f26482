/*
 * The layer pipeline. Readers are chained, each pulling from the one before:
 *
 *   blob (pread) -> raw hash -> decoder -> limiter | diff hash -> tar walk
 *
 * In one thread the tar walk's reads pull the whole chain, and the decoder
 * writes straight into the walk's buffer. Split in two (job->split), thread
 * A runs blob..limiter into a ring of large buffers and thread B borrows each
 * filled buffer (og_reader.read_block) for the diff hash and the walk: no
 * byte is copied between stages in either mode.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "layer.h"

#define BUF_SIZE ((size_t)256 << 10)
#define SLOT_SIZE ((size_t)1 << 20)
#define SLOTS 4

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *const stage_names[OG_STAGE_COUNT] = {
	"read", "compressedHash", "decompress", "diffIdHash", "tarWalk", "scanners"
};

const char *og_stage_name(og_stage_t stage)
{
	return (unsigned)stage < OG_STAGE_COUNT ? stage_names[stage] : "?";
}

/* ----------------------------------------------------------- hash reader */

/* Hashes and counts what passes through; times its inner reads and itself. */
typedef struct hash_reader {
	og_reader base;
	og_reader *inner;
	og_hash *hash;
	uint64_t count;
	double inner_seconds;   /* inside the inner reader */
	double hash_seconds;    /* hashing */
	int error;              /* the inner reader's failure, if any */
} hash_reader;

static ssize_t hash_read(og_reader *r, void *buf, size_t len)
{
	hash_reader *h = (hash_reader *)r;
	double t0 = now(), t1;
	ssize_t n = og_reader_read(h->inner, buf, len);

	t1 = now();
	h->inner_seconds += t1 - t0;
	if (n > 0) {
		og_hash_update(h->hash, buf, (size_t)n);
		h->count += (uint64_t)n;
		h->hash_seconds += now() - t1;
	} else if (n < 0) {
		h->error = (int)n;
	}
	return n;
}

static ssize_t hash_read_block(og_reader *r, const void **out)
{
	hash_reader *h = (hash_reader *)r;
	double t0 = now(), t1;
	ssize_t n = h->inner->read_block(h->inner, out);

	t1 = now();
	h->inner_seconds += t1 - t0;
	if (n > 0) {
		og_hash_update(h->hash, *out, (size_t)n);
		h->count += (uint64_t)n;
		h->hash_seconds += now() - t1;
	} else if (n < 0) {
		h->error = (int)n;
	}
	return n;
}

static void no_close(og_reader *r)
{
	(void)r; /* these readers live on the stack of og_layer_run */
}

static void hash_reader_init(hash_reader *h, og_reader *inner, og_hash *hash)
{
	memset(h, 0, sizeof(*h));
	h->base.read = hash_read;
	h->base.close = no_close;
	if (inner->read_block)
		h->base.read_block = hash_read_block;
	h->inner = inner;
	h->hash = hash;
}

/* Read r to its end. Returns 0 or the reader's code. */
static int drain(og_reader *r, unsigned char *buf)
{
	const void *block;
	ssize_t n;

	if (r->read_block) {
		while ((n = r->read_block(r, &block)) > 0)
			;
	} else {
		while ((n = og_reader_read(r, buf, BUF_SIZE)) > 0)
			;
	}
	return (int)n;
}

/* ---------------------------------------------------------------- limiter */

/*
 * Counts the decoder's output, times it, and ends the stream early when a
 * decompression limit is crossed (a bomb is not inflated to its end).
 */
typedef struct limiter {
	og_reader base;
	og_reader *inner;              /* the decoder */
	const og_layer_limits *limits;
	uint64_t compressed;           /* the descriptor's size */
	uint64_t count;
	double seconds;                /* inside the decoder, inner reads included */
	const char *tripped;           /* the check id, once stopped */
	uint64_t limit;                /* the limit that was crossed */
} limiter;

static ssize_t limiter_read(og_reader *r, void *buf, size_t len)
{
	limiter *l = (limiter *)r;
	const og_layer_limits *lim = l->limits;
	double t0;
	ssize_t n;

	if (l->tripped)
		return 0;
	t0 = now();
	n = og_reader_read(l->inner, buf, len);
	l->seconds += now() - t0;
	if (n <= 0 || !lim)
		return n;
	l->count += (uint64_t)n;
	if (lim->max_ratio && l->count > lim->ratio_floor &&
	    l->count / lim->max_ratio > l->compressed) {
		l->tripped = "layer.compression_ratio";
		l->limit = l->compressed * lim->max_ratio;
		if (l->limit < lim->ratio_floor)
			l->limit = lim->ratio_floor;
		return 0;
	}
	if (lim->max_total && lim->total &&
	    atomic_fetch_add(lim->total, (uint64_t)n) + (uint64_t)n > lim->max_total) {
		l->tripped = "size.uncompressed";
		l->limit = lim->max_total;
		return 0;
	}
	return n;
}

/* ------------------------------------------------------------------- ring */

/*
 * SLOTS buffers between the decoding thread (producer) and the walking one
 * (consumer). The consumer borrows a filled slot and gives it back on its
 * next call; the producer blocks while every slot is full.
 */
typedef struct ring {
	og_reader base;                /* the consumer's side */
	pthread_mutex_t lock;
	pthread_cond_t filled, freed;
	unsigned char *slot[SLOTS];
	size_t len[SLOTS];
	unsigned int head, count;      /* next to consume; slots in use */
	int holding;                   /* the consumer holds slot[head] */
	int done;                      /* the producer has finished */
	int error;                     /* its failure */
	int cancel;                    /* the consumer gave up */
} ring;

static ssize_t ring_read_block(og_reader *r, const void **out)
{
	ring *g = (ring *)r;
	ssize_t n;

	pthread_mutex_lock(&g->lock);
	if (g->holding) {
		g->head = (g->head + 1) % SLOTS;
		g->count--;
		g->holding = 0;
		pthread_cond_signal(&g->freed);
	}
	while (g->count == 0 && !g->done)
		pthread_cond_wait(&g->filled, &g->lock);
	if (g->count == 0) {
		n = g->error;
	} else {
		g->holding = 1;
		*out = g->slot[g->head];
		n = (ssize_t)g->len[g->head];
	}
	pthread_mutex_unlock(&g->lock);
	return n;
}

static ssize_t ring_read(og_reader *r, void *buf, size_t len)
{
	(void)r;
	(void)buf;
	(void)len;
	return OG_ERROR; /* blocks only */
}

static int ring_init(ring *g)
{
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->base.read = ring_read;
	g->base.read_block = ring_read_block;
	g->base.close = no_close;
	for (i = 0; i < SLOTS; i++)
		if ((g->slot[i] = malloc(SLOT_SIZE)) == NULL)
			return OG_ENOMEM;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->filled, NULL);
	pthread_cond_init(&g->freed, NULL);
	return 0;
}

static void ring_dispose(ring *g)
{
	unsigned int i;

	for (i = 0; i < SLOTS; i++)
		free(g->slot[i]);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->filled);
	pthread_cond_destroy(&g->freed);
}

typedef struct producer {
	ring *ring;
	og_reader *src;                /* the limiter */
} producer;

/* Thread A: fill slots from the decoder until its end. */
static void *produce(void *arg)
{
	producer *p = arg;
	ring *g = p->ring;
	unsigned int tail;
	size_t got;
	ssize_t n = 1;
	int stop;

	while (n > 0) {
		pthread_mutex_lock(&g->lock);
		while (g->count == SLOTS && !g->cancel)
			pthread_cond_wait(&g->freed, &g->lock);
		tail = (g->head + g->count) % SLOTS;
		stop = g->cancel;
		pthread_mutex_unlock(&g->lock);
		if (stop)
			break;
		for (got = 0; got < SLOT_SIZE; got += (size_t)n)
			if ((n = og_reader_read(p->src, g->slot[tail] + got, SLOT_SIZE - got)) <= 0)
				break;
		pthread_mutex_lock(&g->lock);
		if (got) {
			g->len[tail] = got;
			g->count++;
			pthread_cond_signal(&g->filled);
		}
		pthread_mutex_unlock(&g->lock);
	}
	pthread_mutex_lock(&g->lock);
	g->done = 1;
	g->error = n < 0 ? (int)n : 0;
	pthread_cond_signal(&g->filled);
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* --------------------------------------------------------------- visitors */

#define MAX_VISITORS 32

typedef struct walk_state {
	const og_layer_job *job;
	og_layer_result *res;
	int visitor_error; /* a visitor's abort: not a problem of the layer */
	double seconds;    /* in the visitors */
	unsigned char wants[MAX_VISITORS]; /* asked for the current entry's data */
} walk_state;

static int on_entry(const og_entry *entry, void *payload)
{
	walk_state *ws = payload;
	const og_visitor_class *v;
	double t0 = now();
	size_t i;
	int error = 0, any = 0, rc;

	for (i = 0; i < ws->job->visitor_count && i < MAX_VISITORS && !error; i++) {
		ws->wants[i] = 0;
		if (!ws->res->states[i])
			continue;
		v = ws->job->visitors[i];
		if ((rc = v->entry(ws->res->states[i], entry, &ws->res->findings)) < 0)
			ws->visitor_error = error = rc;
		else if (rc == OG_VISIT_DATA && v->data && entry->type == OG_ENTRY_FILE)
			any = ws->wants[i] = 1;
	}
	ws->seconds += now() - t0;
	return error ? error : any;
}

static int on_data(const void *data, size_t len, void *payload)
{
	walk_state *ws = payload;
	double t0 = now();
	size_t i;
	int error = 0;

	for (i = 0; i < ws->job->visitor_count && i < MAX_VISITORS && !error; i++)
		if (ws->wants[i] && (error = ws->job->visitors[i]->data(ws->res->states[i],
				data, len, &ws->res->findings)) < 0)
			ws->visitor_error = error;
	ws->seconds += now() - t0;
	return error;
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

/* ------------------------------------------------------------------- walk */

/* The walk over `in` (the limiter, or the ring), then the drain of the
 * padding after the tar end. Returns the walk's outcome code. */
static int walk_stream(og_layer_result *res, og_ctx *ctx, const og_layer_job *job,
	og_reader *in, og_hash *diff_hash, unsigned char *buf, walk_state *ws,
	hash_reader *diff, const limiter *lim, int *tar_ok)
{
	const char *digest = job->desc->digest;
	double t0;
	int rc;

	hash_reader_init(diff, in, diff_hash);
	t0 = now();
	rc = og_tar_walk_data(&res->entries, ctx, &diff->base, on_entry, on_data, ws, digest);
	res->stages[OG_STAGE_TAR_WALK].seconds = now() - t0;
	if (ws->visitor_error)
		return ws->visitor_error;
	if (rc == OG_ETAR || rc == OG_ELIMIT) {
		*tar_ok = 0;
		/* A stream cut by a decompression limit is no verdict on the tar.
		 * (Split: the producer set lim->tripped before it said "done",
		 * which this thread saw under the ring's lock.) */
		if (!lim->tripped)
			og_findings_add(&res->findings, "layer.tar_invalid", digest,
				"layer %zu (%s): %s", job->index, digest, ctx->error);
		rc = 0;
	}
	if (rc == 0)
		rc = drain(&diff->base, buf); /* the padding after the end marker */
	res->stages[OG_STAGE_TAR_WALK].seconds -= diff->inner_seconds + diff->hash_seconds + ws->seconds;
	if (res->stages[OG_STAGE_TAR_WALK].seconds < 0)
		res->stages[OG_STAGE_TAR_WALK].seconds = 0;
	return rc;
}

/* Decompress and walk. Integrity and format problems become findings. */
static int walk_layer(og_layer_result *res, og_ctx *ctx, og_ctx *rctx,
	const og_layer_job *job, hash_reader *raw, unsigned char *buf)
{
	const og_descriptor *d = job->desc;
	og_reader *dec = NULL;
	og_hash *diff_hash = NULL;
	og_decode_stats stats;
	og_media_type mt;
	hash_reader diff;
	limiter lim;
	ring g;
	producer p;
	pthread_t thread;
	walk_state ws;
	const char *why;
	int error, rc, tar_ok = 1, threaded = 0, ring_ready = 0;

	memset(&diff, 0, sizeof(diff));
	memset(&ws, 0, sizeof(ws));
	ws.job = job;
	ws.res = res;
	/* The decoder reports to rctx: the producer's ctx when split. */
	if ((error = og_decoder_new(&dec, rctx, &raw->base, d->digest)) < 0)
		return og_error_set_id(ctx, error, rctx->error_id, "%s", rctx->error);
	if ((error = og_hash_new(&diff_hash, ctx, OG_DIGEST_SHA256)) < 0)
		goto done;
	memset(&lim, 0, sizeof(lim));
	lim.base.read = limiter_read;
	lim.base.close = no_close;
	lim.inner = dec;
	lim.limits = job->limits;
	lim.compressed = d->size > 0 ? (uint64_t)d->size : 1;
	if ((error = begin_visitors(res, ctx, job)) < 0)
		goto done;

	if (job->split) {
		if ((error = ring_init(&g)) < 0) {
			ring_ready = 1;
			error = og_error_oom(ctx);
			goto done;
		}
		ring_ready = 1;
		p.ring = &g;
		p.src = &lim.base;
		if (pthread_create(&thread, NULL, produce, &p) != 0) {
			error = og_error_set(ctx, OG_ERROR, "cannot start a decoding thread");
			goto done;
		}
		threaded = 1;
		rc = walk_stream(res, ctx, job, &g.base, diff_hash, buf, &ws, &diff, &lim, &tar_ok);
		if (rc < 0 && ws.visitor_error) {
			pthread_mutex_lock(&g.lock);
			g.cancel = 1;
			pthread_cond_signal(&g.freed);
			pthread_mutex_unlock(&g.lock);
		}
		pthread_join(thread, NULL);
		threaded = 0;
	} else {
		rc = walk_stream(res, ctx, job, &lim.base, diff_hash, buf, &ws, &diff, &lim, &tar_ok);
	}
	if ((rc == OG_EINVALID || rc == OG_ESTREAM) && rctx != ctx && !ws.visitor_error)
		og_error_set_id(ctx, rc, rctx->error_id, "%s", rctx->error);
	if (ws.visitor_error) {
		error = ws.visitor_error;
		goto done;
	}
	if (rc == OG_EINVALID) {
		og_findings_add(&res->findings, "layer.decompress_error", d->digest,
			"layer %zu: %s", job->index, ctx->error);
	} else if (rc < 0) {
		error = rc == OG_ESTREAM ? (raw->error ? raw->error : OG_ERROR) : rc;
		goto done;
	}
	if ((error = end_visitors(res, job)) < 0)
		goto done;

	og_decoder_stats(dec, &stats);
	res->compression = stats.compression;
	res->uncompressed_size = diff.count;
	og_hash_final(diff_hash, res->diff_id);
	res->stopped = lim.tripped != NULL;
	res->decoded = rc == 0 && !res->stopped;
	res->walked = res->decoded && tar_ok;
	res->stages[OG_STAGE_DECOMPRESS].bytes = lim.count ? lim.count : diff.count;
	res->stages[OG_STAGE_DECOMPRESS].seconds = lim.seconds - raw->inner_seconds - raw->hash_seconds;
	res->stages[OG_STAGE_DIFF_HASH].bytes = diff.count;
	res->stages[OG_STAGE_DIFF_HASH].seconds = diff.hash_seconds;
	res->stages[OG_STAGE_TAR_WALK].bytes = diff.count;
	res->stages[OG_STAGE_SCANNERS].bytes = res->entries;
	res->stages[OG_STAGE_SCANNERS].seconds = ws.seconds;
	if (lim.tripped) {
		why = strcmp(lim.tripped, "size.uncompressed") == 0 ?
			"the image's uncompressed size limit" : "the compression ratio limit";
		og_findings_add(&res->findings, lim.tripped, d->digest,
			"layer %zu (%s): decompression stopped at %llu bytes, over %s "
			"(%llu bytes from %lld compressed)", job->index, d->digest,
			(unsigned long long)lim.count, why, (unsigned long long)lim.limit,
			(long long)d->size);
	}
	if (stats.trailing_bytes)
		og_findings_add(&res->findings, "layer.trailing_data", d->digest,
			"layer %zu (%s): %llu bytes follow the end of the %s stream",
			job->index, d->digest, (unsigned long long)stats.trailing_bytes,
			og_compression_name(stats.compression));
	if (job->check_media_type &&
	    og_media_type_lookup(&mt, d->media_type) == 0 &&
	    mt.kind == OG_KIND_LAYER && mt.compression != stats.compression)
		og_findings_add(&res->findings, "manifest.media_type", d->digest,
			"layer %zu (%s): mediaType %s declares %s but the bytes are %s",
			job->index, d->digest, d->media_type,
			og_compression_name(mt.compression),
			og_compression_name(stats.compression));
done:
	if (threaded) {
		pthread_mutex_lock(&g.lock);
		g.cancel = 1;
		pthread_cond_signal(&g.freed);
		pthread_mutex_unlock(&g.lock);
		/* The consumer side is gone: take what is left so the producer ends. */
		{
			const void *blk;
			while (ring_read_block(&g.base, &blk) > 0)
				;
		}
		pthread_join(thread, NULL);
	}
	if (ring_ready)
		ring_dispose(&g);
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
	og_ctx pctx, *rctx = ctx;
	double t0 = now();
	uint64_t size = 0;
	int error;

	/* Split, the blob and the decoder run on the producer thread: they
	 * report to a ctx of their own, copied back once it has ended. */
	if (job->split && job->walk) {
		memset(&pctx, 0, sizeof(pctx));
		pctx.limits = ctx->limits;
		rctx = &pctx;
	}
	error = og_source_open_blob(&blob, &size, src, rctx, d->digest);
	if (error < 0 && rctx != ctx)
		og_error_set_id(ctx, error, rctx->error_id, "%s", rctx->error);
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
	if (job->walk && (error = walk_layer(res, ctx, rctx, job, &raw, buf)) < 0)
		goto done;
	/* What the decoder did not read (trailing bytes, a cut bomb, a blob
	 * that is not a layer) is still hashed: the digest covers every byte. */
	if ((error = drain(&raw.base, buf)) < 0) {
		if (rctx != ctx)
			og_error_set_id(ctx, error, rctx->error_id, "%s", rctx->error);
		goto done;
	}
	res->size = raw.count;
	og_hash_final(raw_hash, res->digest);
	res->stages[OG_STAGE_READ].bytes = raw.count;
	res->stages[OG_STAGE_READ].seconds = raw.inner_seconds;
	res->stages[OG_STAGE_COMPRESSED_HASH].bytes = raw.count;
	res->stages[OG_STAGE_COMPRESSED_HASH].seconds = raw.hash_seconds;
	if (d->size >= 0 && raw.count != (uint64_t)d->size)
		og_findings_add(&res->findings, "blob.size_mismatch", d->digest,
			"layer %zu (%s) is %llu bytes, the descriptor says %lld", job->index,
			d->digest, (unsigned long long)raw.count, (long long)d->size);
	if (strcmp(res->digest, d->digest) != 0)
		og_findings_add(&res->findings, "blob.digest_mismatch", d->digest,
			"layer %zu (%s): the bytes hash to %s", job->index, d->digest, res->digest);
done:
	res->wall = now() - t0;
	free(buf);
	og_hash_free(raw_hash);
	og_reader_close(blob);
	return error;
}
