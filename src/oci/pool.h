/* A fixed pool of worker threads over a list of jobs. */
#ifndef OG_OCI_POOL_H
#define OG_OCI_POOL_H

#include <stddef.h>
#include "ctx.h"

/* Run job i (worker ctx wctx, a copy of the caller's limits). */
typedef int (*og_pool_job_cb)(size_t i, og_ctx *wctx, void *payload);

/*
 * Run jobs 0..count-1 on `workers` threads (1 = in the calling thread).
 * Each worker takes the next job index; jobs must write their results into
 * per-index slots so the caller merges them in a deterministic order.
 * Stops handing out jobs after the first negative return; returns that code
 * (its message copied to ctx) or 0.
 */
int og_pool_run(og_ctx *ctx, size_t count, unsigned int workers,
	og_pool_job_cb cb, void *payload);

/* Online CPUs, at least 1. */
unsigned int og_pool_cpus(void);

#endif
