/*
 * The one-pass layer pipeline: read the blob once; hash and count it;
 * decompress (sniffed); hash and count the uncompressed stream (the diff_id,
 * to EOF including padding after the tar end marker); walk the tar handing
 * each entry to the visitors. Findings are integrity and format problems of
 * this blob. Memory is bounded by fixed buffers whatever the layer size.
 */
#ifndef OG_OCI_LAYER_H
#define OG_OCI_LAYER_H

#include <stdatomic.h>
#include <stdint.h>
#include "model.h"
#include "source.h"
#include "visitor.h"

/* Stages of the pipeline, for --timings. */
typedef enum {
	OG_STAGE_READ = 0,        /* reading the blob (pread) */
	OG_STAGE_COMPRESSED_HASH, /* digest of the blob */
	OG_STAGE_DECOMPRESS,
	OG_STAGE_DIFF_HASH,       /* digest of the uncompressed stream */
	OG_STAGE_TAR_WALK,        /* libarchive, without the visitors */
	OG_STAGE_SCANNERS,        /* the visitors */
	OG_STAGE_COUNT
} og_stage_t;

const char *og_stage_name(og_stage_t stage); /* "read", "compressedHash"... */

typedef struct og_stage_time {
	uint64_t bytes;
	double seconds;
} og_stage_time;

/* Decompression limits; 0 turns one off. */
typedef struct og_layer_limits {
	unsigned int max_ratio;       /* uncompressed / compressed size... */
	uint64_t ratio_floor;         /* ...checked only past this many bytes */
	uint64_t max_total;           /* uncompressed bytes of all the layers */
	_Atomic uint64_t *total;      /* shared by the image's jobs; may be NULL */
} og_layer_limits;

typedef struct og_layer_job {
	size_t index;                 /* position in its manifest, for visitors */
	const og_descriptor *desc;    /* borrowed */
	int walk;                     /* 1: a tar layer; 0: a blob only hashed */
	int check_media_type;         /* compare the sniffed compression with it */
	int split;                    /* decode on a thread of its own (and fetch
	                               * on a third unless the blob is mapped) */
	const og_layer_limits *limits; /* may be NULL */
	const og_visitor_class *const *visitors;
	size_t visitor_count;
} og_layer_job;

typedef struct og_layer_result {
	int opened;                   /* the blob was found */
	int decoded;                  /* decompressed to the end: diff_id valid */
	int walked;                   /* and walked as a tar to its end */
	og_compression_t compression;
	uint64_t size;                /* compressed bytes read */
	uint64_t uncompressed_size;
	uint64_t entries;
	char digest[OG_DIGEST_MAX];   /* of the bytes read ("" if not read) */
	char diff_id[OG_DIGEST_MAX];  /* of the uncompressed stream ("" if none) */
	int stopped;                  /* a decompression limit cut the stream */
	int threads;                  /* split: 2 (tapped blob) or 3 (fetch thread) */
	og_stage_time stages[OG_STAGE_COUNT];
	double wall;                  /* seconds for the whole layer */
	og_findings findings;
	void **states;                /* visitor states, after end(); caller frees */
	size_t state_count;
} og_layer_result;

void og_layer_result_init(og_layer_result *res);
/* Free findings and visitor states (each class's free()). */
void og_layer_result_dispose(og_layer_result *res, const og_layer_job *job);

/* Run one layer. Returns 0 (problems are in res->findings) or a negative
 * code on internal failure (out of memory). */
int og_layer_run(og_layer_result *res, og_ctx *ctx, og_source *src,
	const og_layer_job *job);

/*
 * Internal: the fetch stage of a split layer. A thread reads `src` to its
 * end (read_block when offered, else read) into a ring of SLOTS buffers it
 * owns; the consumer reads them in order through a reader offering read()
 * and read_block (a block lent until the next call). Whatever `src` does
 * per read (hashing, counting) happens on the fetch thread. Errors of `src` are reported on the ctx `src` reports to;
 * the consumer sees its code once the bytes read before it are consumed.
 * One consumer thread; release, cancel and join may come from any thread.
 */
typedef struct og_layer__fetch og_layer__fetch;

/* Start the thread. `src` is borrowed and must outlive og_layer__fetch_free.
 * OG_ENOMEM or OG_ERROR (no thread) with a message on ctx. */
int og_layer__fetch_start(og_layer__fetch **out, og_ctx *ctx, og_reader *src);
/* The consumer's side (borrowed; valid until og_layer__fetch_free). read()
 * (or read_block) returns the bytes in order, 0 at the end, src's negative
 * code after the bytes before its failure, or OG_ERROR once cancelled. */
og_reader *og_layer__fetch_reader(og_layer__fetch *f);
/* The consumer needs no more bytes: the queued ones are dropped, and the
 * thread reads the rest of src to its end without queueing it (so a hash
 * in src still covers every byte). Not concurrent with a read(). */
void og_layer__fetch_release(og_layer__fetch *f);
/* Abort: the thread stops after its current src read; a read() waiting or
 * to come returns OG_ERROR. */
void og_layer__fetch_cancel(og_layer__fetch *f);
/* Wait for the thread to end: 0 if src was read to its end, src's negative
 * code, or OG_ERROR if cancelled first. The consumer must have read to the
 * end, released or cancelled, or this waits on it. */
int og_layer__fetch_join(og_layer__fetch *f);
/* Seconds the consumer spent in read() (waiting and copying). */
double og_layer__fetch_wait_seconds(const og_layer__fetch *f);
/* Cancel and join if still running, and free. NULL is allowed. */
void og_layer__fetch_free(og_layer__fetch *f);

#endif
