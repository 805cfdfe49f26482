/*
 * The layer pipeline. Readers are chained, each pulling from the one before:
 *
 *   blob (pread) -> raw hash -> decoder -> limiter | diff hash -> tar walk
 *
 * In one thread the tar walk's reads pull the whole chain, and the decoder
 * writes straight into the walk's buffer. Split (job->split), three threads:
 * "fetch" reads the blob and hashes it into a ring of owned buffers (the
 * compressed bytes are copied once, cheap next to decoding); "decode" runs
 * the decoder and limiter into a second ring of large buffers; the calling
 * thread borrows each decoded buffer (og_reader.read_block) for the diff
 * hash and the walk, so no uncompressed byte is copied between stages. Two
 * cores share three threads: the decoder, the longest stage, no longer
 * carries the reads and the compressed hash.
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
	int eof;                /* the inner reader said end of stream */
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
	} else {
		h->eof = 1;
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
	} else {
		h->eof = 1;
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
	h->base.blocks_stable = inner->blocks_stable;
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

/* ------------------------------------------------------------ fetch ring */

/*
 * SLOTS owned buffers between the fetch thread (producer: reads and,
 * through src, hashes the blob) and the decoder (consumer), for a blob whose
 * blocks are not stable (a registry's; a mapped file goes through the tap
 * below). The producer fills slot[tail]; the consumer borrows slot[head]
 * (read_block) or copies out of it (read) outside the lock: each side owns
 * its slot until it hands it over.
 */
struct og_layer__fetch {
	og_reader base;                /* the consumer's side */
	og_reader *src;
	pthread_t thread;
	int started, joined;
	pthread_mutex_t lock;
	pthread_cond_t filled, freed;
	unsigned char *slot[SLOTS];
	size_t len[SLOTS];
	size_t pos;                    /* consumed bytes of slot[head] */
	unsigned int head, count;      /* next to consume; slots in use */
	int holding;                   /* read_block lent slot[head] */
	int done;                      /* the producer has finished */
	int error;                     /* its outcome: 0 or a negative code */
	int released;                  /* the consumer needs no more */
	int cancel;                    /* abort */
	double wait_seconds;           /* consumer time in read() */
	/* the producer's own: a borrowed block of src not yet queued */
	const unsigned char *pend;
	size_t pend_len;
};

/* Wait for slot[head]. Returns 1 with *s set, or the end's result. Called
 * with the lock held. */
static ssize_t fetch_wait(og_layer__fetch *f, unsigned int *s)
{
	while (f->count == 0 && !f->done && !f->cancel && !f->released)
		pthread_cond_wait(&f->filled, &f->lock);
	if (f->cancel)
		return OG_ERROR;
	if (f->released)
		return 0;
	if (f->count == 0)
		return f->error;
	*s = f->head;
	return 1;
}

/* Give slot[head] back to the producer. Called with the lock held. */
static void fetch_pop(og_layer__fetch *f)
{
	f->pos = 0;
	f->holding = 0;
	f->head = (f->head + 1) % SLOTS;
	f->count--;
	pthread_cond_signal(&f->freed);
}

static ssize_t fetch_read(og_reader *r, void *buf, size_t len)
{
	og_layer__fetch *f = (og_layer__fetch *)r;
	double t0 = now();
	unsigned int s = 0;
	size_t k = 0;
	ssize_t n;

	pthread_mutex_lock(&f->lock);
	n = fetch_wait(f, &s);
	pthread_mutex_unlock(&f->lock);
	if (n > 0) {
		/* slot[s] is the consumer's until it gives it back below */
		k = f->len[s] - f->pos;
		if (k > len)
			k = len;
		memcpy(buf, f->slot[s] + f->pos, k);
		n = (ssize_t)k;
		pthread_mutex_lock(&f->lock);
		f->pos += k;
		if (f->pos == f->len[s])
			fetch_pop(f);
		pthread_mutex_unlock(&f->lock);
	}
	f->wait_seconds += now() - t0;
	return n;
}

/* Lend slot[head] (what read() has not copied of it) until the next call. */
static ssize_t fetch_read_block(og_reader *r, const void **out)
{
	og_layer__fetch *f = (og_layer__fetch *)r;
	double t0 = now();
	unsigned int s = 0;
	ssize_t n;

	pthread_mutex_lock(&f->lock);
	if (f->holding && f->count > 0)
		fetch_pop(f);
	n = fetch_wait(f, &s);
	if (n > 0) {
		f->holding = 1;
		*out = f->slot[s] + f->pos;
		n = (ssize_t)(f->len[s] - f->pos);
	}
	pthread_mutex_unlock(&f->lock);
	f->wait_seconds += now() - t0;
	return n;
}

/* Add to dst[*got..SLOT_SIZE) from src (nothing copied when drop). Returns
 * src's last result: > 0 more may follow, 0 end, < 0 its failure. */
static ssize_t fetch_fill(og_layer__fetch *f, unsigned char *dst, size_t *got, int drop)
{
	og_reader *src = f->src;
	const void *blk;
	size_t k;
	ssize_t n;

	if (!src->read_block) {
		if ((n = og_reader_read(src, dst + *got, SLOT_SIZE - *got)) > 0)
			*got += (size_t)n;
		return n;
	}
	if (f->pend_len == 0) {
		if ((n = src->read_block(src, &blk)) <= 0)
			return n;
		f->pend = blk;
		f->pend_len = (size_t)n;
	}
	k = SLOT_SIZE - *got;
	if (k > f->pend_len)
		k = f->pend_len;
	if (!drop)
		memcpy(dst + *got, f->pend, k);
	f->pend += k;
	f->pend_len -= k;
	*got += k;
	return 1;
}

/* Fill slot[tail] with up to SLOT_SIZE bytes. Returns as fetch_fill. */
static ssize_t fetch_slot(og_layer__fetch *f, unsigned int tail, int drop)
{
	size_t got = 0;
	ssize_t n = 1;

	while (got < SLOT_SIZE)
		if ((n = fetch_fill(f, f->slot[tail], &got, drop)) <= 0)
			break;
	f->len[tail] = got;
	return n;
}

static void *fetch_main(void *arg)
{
	og_layer__fetch *f = arg;
	unsigned int tail;
	ssize_t n = 1;
	int stop, drop;

	for (;;) {
		pthread_mutex_lock(&f->lock);
		while (f->count == SLOTS && !f->cancel && !f->released)
			pthread_cond_wait(&f->freed, &f->lock);
		stop = f->cancel;
		drop = f->released;
		tail = (f->head + f->count) % SLOTS;
		pthread_mutex_unlock(&f->lock);
		if (stop)
			break;
		/* Released, the rest is still read (and hashed by src) to its
		 * end, a slot's worth between checks for cancel. */
		f->len[tail] = 0;
		n = fetch_slot(f, tail, drop);
		pthread_mutex_lock(&f->lock);
		if (f->len[tail] && !f->released && !f->cancel) {
			f->count++;
			pthread_cond_signal(&f->filled);
		}
		pthread_mutex_unlock(&f->lock);
		if (n <= 0)
			break;
	}
	pthread_mutex_lock(&f->lock);
	f->done = 1;
	f->error = stop ? OG_ERROR : n < 0 ? (int)n : 0;
	pthread_cond_broadcast(&f->filled);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

int og_layer__fetch_start(og_layer__fetch **out, og_ctx *ctx, og_reader *src)
{
	og_layer__fetch *f = NULL;
	unsigned int i;
	int error = 0;

	*out = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	f->base.read = fetch_read;
	f->base.read_block = fetch_read_block;
	f->base.close = no_close;
	f->src = src;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->filled, NULL);
	pthread_cond_init(&f->freed, NULL);
	for (i = 0; i < SLOTS; i++)
		if ((f->slot[i] = malloc(SLOT_SIZE)) == NULL) {
			error = og_error_oom(ctx);
			goto done;
		}
	if (pthread_create(&f->thread, NULL, fetch_main, f) != 0) {
		error = og_error_set(ctx, OG_ERROR, "cannot start a fetching thread");
		goto done;
	}
	f->started = 1;
	*out = f;
	f = NULL;
done:
	og_layer__fetch_free(f);
	return error;
}

og_reader *og_layer__fetch_reader(og_layer__fetch *f)
{
	return &f->base;
}

void og_layer__fetch_release(og_layer__fetch *f)
{
	pthread_mutex_lock(&f->lock);
	f->released = 1;
	f->count = 0;
	f->pos = 0;
	f->holding = 0;
	pthread_cond_signal(&f->freed);
	pthread_cond_broadcast(&f->filled);
	pthread_mutex_unlock(&f->lock);
}

void og_layer__fetch_cancel(og_layer__fetch *f)
{
	pthread_mutex_lock(&f->lock);
	f->cancel = 1;
	pthread_cond_signal(&f->freed);
	pthread_cond_broadcast(&f->filled);
	pthread_mutex_unlock(&f->lock);
}

int og_layer__fetch_join(og_layer__fetch *f)
{
	int error;

	if (f->started && !f->joined) {
		pthread_join(f->thread, NULL);
		f->joined = 1;
	}
	pthread_mutex_lock(&f->lock);
	error = f->done ? f->error : OG_ERROR;
	pthread_mutex_unlock(&f->lock);
	return error;
}

double og_layer__fetch_wait_seconds(const og_layer__fetch *f)
{
	return f->wait_seconds;
}

void og_layer__fetch_free(og_layer__fetch *f)
{
	unsigned int i;

	if (!f)
		return;
	if (f->started && !f->joined) {
		og_layer__fetch_cancel(f);
		og_layer__fetch_join(f);
	}
	for (i = 0; i < SLOTS; i++)
		free(f->slot[i]);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->filled);
	pthread_cond_destroy(&f->freed);
	free(f);
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

/* The bytes a layer of `compressed` bytes may inflate to under the ratio. */
static uint64_t ratio_limit(const og_layer_limits *lim, uint64_t compressed)
{
	uint64_t limit;

	if (!lim || !lim->max_ratio)
		return 0;
	limit = compressed > UINT64_MAX / lim->max_ratio ? UINT64_MAX :
		compressed * lim->max_ratio;
	return limit < lim->ratio_floor ? lim->ratio_floor : limit;
}

/* Whether `bytes` inflated from `compressed` pass the ratio limit (which
 * is only checked past its floor). */
static int over_ratio(const og_layer_limits *lim, uint64_t bytes, uint64_t compressed)
{
	return lim && lim->max_ratio && bytes > lim->ratio_floor &&
		bytes / lim->max_ratio > compressed;
}

/* The descriptor's size as the ratio's denominator (at least 1). */
static uint64_t compressed_size(const og_descriptor *d)
{
	return d->size > 0 ? (uint64_t)d->size : 1;
}

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
	if (over_ratio(lim, l->count, l->compressed)) {
		l->tripped = "layer.compression_ratio";
		l->limit = ratio_limit(lim, l->compressed);
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

typedef struct tap tap;

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
	tap *tap;                      /* compressed blocks to hash, or NULL */
} ring;

/* ------------------------------------------------------------------- tap */

/*
 * Split over a blob that lends stable blocks (a mapped file), two threads
 * do everything: the decoder takes the blob's blocks itself, through the
 * tap, which queues each one (a pointer, nothing copied). Whichever thread
 * would otherwise wait hashes the queued blocks (the compressed digest):
 * the walking thread when it comes for decoded bytes, the decoder when the
 * ring or the queue is full. So the work balances itself between a slow
 * decoder (gzip) and a slow walk (zstd with every scanner). One thread
 * hashes at a time (`hashing`), taking the queue in order. The queue shares
 * the ring's lock: a push signals `filled`, and a full queue waits on
 * `freed`, so neither side can wait on the other while the other waits too.
 */
#define TAP_SLOTS 16

struct tap {
	og_reader base;                /* the decoder's input */
	og_reader *blob;               /* lends stable blocks */
	ring *ring;
	hash_reader *raw;              /* the blob's hash: count, digest, times */
	const unsigned char *ptr[TAP_SLOTS];
	size_t len[TAP_SLOTS];
	unsigned int head, count;
	int hashing;                   /* a thread is hashing taken entries */
	int error;                     /* the blob's read failure */
	double read_seconds;           /* decoder side: in the blob's read_block */
	double wait_seconds;           /* decoder side: in the tap, all told */
};

static void tap_hash_locked(tap *t);

/* Decoder thread: the blob's next block, queued for hashing. */
static ssize_t tap_read_block(og_reader *r, const void **out)
{
	tap *t = (tap *)r;
	ring *g = t->ring;
	double t0 = now(), t1;
	ssize_t n = t->blob->read_block(t->blob, out);

	t1 = now();
	t->read_seconds += t1 - t0;
	if (n < 0)
		t->error = (int)n;
	if (n > 0) {
		pthread_mutex_lock(&g->lock);
		while (t->count == TAP_SLOTS && !g->cancel) {
			if (!t->hashing)
				tap_hash_locked(t);
			else
				pthread_cond_wait(&g->freed, &g->lock);
		}
		if (g->cancel) {
			n = OG_ERROR;
		} else {
			t->ptr[(t->head + t->count) % TAP_SLOTS] = *out;
			t->len[(t->head + t->count) % TAP_SLOTS] = (size_t)n;
			t->count++;
			pthread_cond_signal(&g->filled);
		}
		pthread_mutex_unlock(&g->lock);
	}
	t->wait_seconds += now() - t0;
	return n;
}

static ssize_t tap_read(og_reader *r, void *buf, size_t len)
{
	(void)r;
	(void)buf;
	(void)len;
	return OG_ERROR; /* blocks only: the decoder asks for blocks */
}

/* Either thread: hash what is queued, unless the other thread is at it.
 * Called with the ring's lock held, which it lets go of while hashing. */
static void tap_hash_locked(tap *t)
{
	ring *g = t->ring;
	const unsigned char *ptr[TAP_SLOTS];
	size_t len[TAP_SLOTS];
	unsigned int i, n = t->count;
	double t0;

	if (t->hashing || n == 0)
		return;
	t->hashing = 1;
	for (i = 0; i < n; i++) {
		ptr[i] = t->ptr[(t->head + i) % TAP_SLOTS];
		len[i] = t->len[(t->head + i) % TAP_SLOTS];
	}
	t->head = (t->head + n) % TAP_SLOTS;
	t->count = 0;
	pthread_cond_signal(&g->freed);     /* queue space for the decoder */
	pthread_mutex_unlock(&g->lock);
	t0 = now();
	for (i = 0; i < n; i++) {
		og_hash_update(t->raw->hash, ptr[i], len[i]);
		t->raw->count += (uint64_t)len[i];
	}
	t->raw->hash_seconds += now() - t0;
	pthread_mutex_lock(&g->lock);
	t->hashing = 0;
	pthread_cond_broadcast(&g->freed);  /* queue space; the other hasher */
	pthread_cond_broadcast(&g->filled);
}

static void tap_init(tap *t, og_reader *blob, ring *g, hash_reader *raw)
{
	memset(t, 0, sizeof(*t));
	t->base.read = tap_read;
	t->base.read_block = tap_read_block;
	t->base.close = no_close;
	t->blob = blob;
	t->ring = g;
	t->raw = raw;
}

/* Both threads are done: hash what is left in the queue, and hand the
 * blob's state to raw (the rest of the blob is read through it). */
static void tap_finish(tap *t)
{
	pthread_mutex_lock(&t->ring->lock);
	tap_hash_locked(t);
	pthread_mutex_unlock(&t->ring->lock);
	t->raw->inner_seconds += t->read_seconds;
	if (t->error)
		t->raw->error = t->error;
}

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
	for (;;) {
		if (g->tap && g->tap->count && !g->tap->hashing) {
			tap_hash_locked(g->tap);
			continue;
		}
		if (g->count || g->done)
			break;
		pthread_cond_wait(&g->filled, &g->lock);
	}
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
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->filled, NULL);
	pthread_cond_init(&g->freed, NULL);
	for (i = 0; i < SLOTS; i++)
		if ((g->slot[i] = malloc(SLOT_SIZE)) == NULL)
			return OG_ENOMEM;
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
	og_layer__fetch *fetch;        /* what the decoder reads from */
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
		while (g->count == SLOTS && !g->cancel) {
			/* The walk is behind: hash for it meanwhile. */
			if (g->tap && g->tap->count && !g->tap->hashing)
				tap_hash_locked(g->tap);
			else
				pthread_cond_wait(&g->freed, &g->lock);
		}
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
	/* The decoder needs no more input (its end, a limit, an error): the
	 * fetch thread still reads and hashes the blob to its end. */
	if (p->fetch)
		og_layer__fetch_release(p->fetch);
	pthread_mutex_lock(&g->lock);
	g->done = 1;
	g->error = n < 0 ? (int)n : 0;
	pthread_cond_signal(&g->filled);
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* --------------------------------------------------------------- visitors */

#define MAX_VISITORS 32

/* The walk stops with this when the entries declare more data than the
 * ratio limit lets the layer inflate to (walk_state.tripped). */
#define LAYER_DECLARED_OVER (-90)

typedef struct walk_state {
	const og_layer_job *job;
	og_layer_result *res;
	const og_layer_limits *limits; /* may be NULL */
	uint64_t compressed; /* the descriptor's size */
	uint64_t declared;  /* data bytes the regular files so far must hold */
	const char *tripped; /* the check id, once the declared sizes cross it */
	char *trip_path;    /* the entry that crossed it */
	uint64_t trip_size;
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

	/* A regular file's header declares its size, and a tar must hold the
	 * data (padded to 512-byte blocks) for the entry to be whole: once the
	 * declared sizes alone pass the ratio limit, the layer is over it (or
	 * truncated), and is stopped here, before inflating the data. Sparse
	 * files hold less than their size and are not counted. */
	if (ws->limits && ws->limits->max_ratio && entry->type == OG_ENTRY_FILE &&
	    !entry->sparse) {
		ws->declared += entry->size + (512 - entry->size % 512) % 512;
		if (over_ratio(ws->limits, ws->declared, ws->compressed)) {
			ws->tripped = "layer.compression_ratio";
			ws->trip_size = entry->size;
			ws->trip_path = og__strdup(entry->path);
			ws->seconds += now() - t0;
			return LAYER_DECLARED_OVER;
		}
	}
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
	og_layer__fetch *fetch = NULL;
	tap t;
	og_reader *in = &raw->base;
	og_ctx dctx, *dc = rctx;
	const char *why;
	int error, rc, tar_ok = 1, threaded = 0, ring_ready = 0, tapping = 0;

	memset(&diff, 0, sizeof(diff));
	memset(&ws, 0, sizeof(ws));
	ws.job = job;
	ws.res = res;
	ws.limits = job->limits;
	ws.compressed = compressed_size(d);
	/* Split, the blob is decoded on a thread of its own, reporting to a
	 * third ctx; it is read there too, through the tap, when it lends
	 * stable blocks, else on the fetch thread (both report to rctx). */
	if (job->split) {
		memset(&dctx, 0, sizeof(dctx));
		dctx.limits = ctx->limits;
		dc = &dctx;
		if (raw->inner->read_block && raw->inner->blocks_stable) {
			tap_init(&t, raw->inner, &g, raw);
			tapping = 1;
			in = &t.base;
		} else {
			if ((error = og_layer__fetch_start(&fetch, ctx, &raw->base)) < 0)
				goto done;
			in = og_layer__fetch_reader(fetch);
		}
	}
	if ((error = og_decoder_new(&dec, dc, in, d->digest)) < 0) {
		if (dc != ctx)
			og_error_set_id(ctx, error, dc->error_id, "%s", dc->error);
		goto done;
	}
	if ((error = og_hash_new(&diff_hash, ctx, OG_DIGEST_SHA256)) < 0)
		goto done;
	memset(&lim, 0, sizeof(lim));
	lim.base.read = limiter_read;
	lim.base.close = no_close;
	lim.inner = dec;
	lim.limits = job->limits;
	lim.compressed = compressed_size(d);
	if ((error = begin_visitors(res, ctx, job)) < 0)
		goto done;

	if (job->split) {
		if ((error = ring_init(&g)) < 0) {
			ring_ready = 1;
			error = og_error_oom(ctx);
			goto done;
		}
		ring_ready = 1;
		if (tapping)
			g.tap = &t;
		p.ring = &g;
		p.src = &lim.base;
		p.fetch = fetch;
		if (pthread_create(&thread, NULL, produce, &p) != 0) {
			error = og_error_set(ctx, OG_ERROR, "cannot start a decoding thread");
			goto done;
		}
		threaded = 1;
		res->threads = tapping ? 2 : 3;
		rc = walk_stream(res, ctx, job, &g.base, diff_hash, buf, &ws, &diff, &lim, &tar_ok);
		if (rc < 0) {
			/* The walk gave up: stop the decoder (it may be waiting for a
			 * free slot). A failed decode or blob read ended it already
			 * and the blob is still hashed to its end, as unsplit; on any
			 * other failure the fetch stops too. */
			pthread_mutex_lock(&g.lock);
			g.cancel = 1;
			pthread_cond_signal(&g.freed);
			pthread_mutex_unlock(&g.lock);
			if (fetch && (ws.visitor_error || (rc != OG_EINVALID &&
			    rc != OG_ESTREAM && rc != LAYER_DECLARED_OVER)))
				og_layer__fetch_cancel(fetch);
		}
		pthread_join(thread, NULL);
		threaded = 0;
		/* The decoder released the fetch when it ended: this waits for
		 * the rest of the blob to be hashed. A read failure then is in
		 * raw->error, for the caller. Tapped, the blocks the decoder
		 * took are hashed here, and the caller reads the rest. */
		if (fetch)
			og_layer__fetch_join(fetch);
		if (tapping)
			tap_finish(&t);
	} else {
		rc = walk_stream(res, ctx, job, &lim.base, diff_hash, buf, &ws, &diff, &lim, &tar_ok);
	}
	if (rc == LAYER_DECLARED_OVER)
		rc = 0; /* stopped: ws.tripped says why */
	if (rc == OG_EINVALID && dc != ctx && !ws.visitor_error)
		og_error_set_id(ctx, rc, dc->error_id, "%s", dc->error);
	else if (rc == OG_ESTREAM && rctx != ctx && !ws.visitor_error)
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
	res->stopped = lim.tripped != NULL || ws.tripped != NULL;
	res->decoded = rc == 0 && !res->stopped;
	res->walked = res->decoded && tar_ok;
	res->stages[OG_STAGE_DECOMPRESS].bytes = lim.count ? lim.count : diff.count;
	/* Less the time inside its input: the fetch ring's waits and copies
	 * when split, else the blob's reads and hash. */
	res->stages[OG_STAGE_DECOMPRESS].seconds = lim.seconds - (fetch ?
		og_layer__fetch_wait_seconds(fetch) : tapping ? t.wait_seconds :
		raw->inner_seconds + raw->hash_seconds);
	res->stages[OG_STAGE_DIFF_HASH].bytes = diff.count;
	res->stages[OG_STAGE_DIFF_HASH].seconds = diff.hash_seconds;
	res->stages[OG_STAGE_TAR_WALK].bytes = diff.count;
	res->stages[OG_STAGE_SCANNERS].bytes = res->entries;
	res->stages[OG_STAGE_SCANNERS].seconds = ws.seconds;
	/* Split, the decoder may cross the limit too, running ahead of the
	 * walk: one finding, the one naming the entry. */
	if (lim.tripped && !ws.tripped) {
		why = strcmp(lim.tripped, "size.uncompressed") == 0 ?
			"the image's uncompressed size limit" : "the compression ratio limit";
		og_findings_add(&res->findings, lim.tripped, d->digest,
			"layer %zu (%s): decompression stopped at %llu bytes, over %s "
			"(%llu bytes from %lld compressed)", job->index, d->digest,
			(unsigned long long)lim.count, why, (unsigned long long)lim.limit,
			(long long)d->size);
	}
	if (ws.tripped)
		og_findings_add(&res->findings, ws.tripped, d->digest,
			"layer %zu (%s): entry %s declares %llu bytes, so the files alone "
			"inflate past the compression ratio limit (%llu bytes from %lld "
			"compressed); stopped before inflating them, at %llu bytes",
			job->index, d->digest, ws.trip_path ? ws.trip_path : "(?)",
			(unsigned long long)ws.trip_size,
			(unsigned long long)ratio_limit(job->limits, lim.compressed),
			(long long)d->size, (unsigned long long)diff.count);
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
		if (fetch)
			og_layer__fetch_cancel(fetch); /* the decoder may wait on it */
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
	og_layer__fetch_free(fetch); /* after the decoder, its reader */
	og_reader_close(dec);
	og_hash_free(diff_hash);
	free(ws.trip_path);
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
	 * that is not a layer) is still hashed: the digest covers every byte.
	 * Split, the fetch thread did it (and may have failed at it). */
	if (raw.error)
		error = raw.error;
	else if (!raw.eof)
		error = drain(&raw.base, buf);
	if (error < 0) {
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
