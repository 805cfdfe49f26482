/* og_pool_run: every job exactly once, early stop on failure, worker ctxs. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "helpers.h"
#include "oci/pool.h"

typedef struct counts {
	atomic_uint *runs;        /* per job */
	size_t count;
	atomic_size_t total;      /* jobs run */
	size_t fail_at;           /* SIZE_MAX: no job fails */
	int fail_code;
	unsigned int sleep_us;    /* per job that does not fail */
	size_t max_json;          /* the limits the worker ctx must carry */
	atomic_int bad_ctx;       /* a worker ctx without the caller's limits */
} counts;

static void counts_init(counts *c, size_t count)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->count = count;
	c->runs = calloc(count ? count : 1, sizeof(*c->runs));
	assert_non_null(c->runs);
	for (i = 0; i < count; i++)
		atomic_init(&c->runs[i], 0);
	atomic_init(&c->total, 0);
	atomic_init(&c->bad_ctx, 0);
	c->fail_at = SIZE_MAX;
}

static void nap(unsigned int us)
{
	struct timespec ts;

	ts.tv_sec = 0;
	ts.tv_nsec = (long)us * 1000L;
	nanosleep(&ts, NULL);
}

static int job(size_t i, og_ctx *wctx, void *payload)
{
	counts *c = payload;

	if (i >= c->count)
		return og_error_set(wctx, OG_ERROR, "job %zu out of range", i);
	if (wctx->limits.max_json != c->max_json || wctx->error_code != 0)
		atomic_store(&c->bad_ctx, 1);
	atomic_fetch_add(&c->runs[i], 1);
	atomic_fetch_add(&c->total, 1);
	if (i == c->fail_at)
		return og_error_set(wctx, c->fail_code, "job %zu failed on purpose", i);
	if (c->sleep_us)
		nap(c->sleep_us);
	return 0;
}

static void run_all(unsigned int workers, size_t count)
{
	og_ctx *ctx = NULL;
	counts c;
	size_t i;

	assert_int_equal(og_ctx_new(&ctx), 0);
	ctx->limits.max_json = 12345;
	counts_init(&c, count);
	c.max_json = 12345;
	assert_int_equal(og_pool_run(ctx, count, workers, job, &c), 0);
	assert_int_equal(atomic_load(&c.total), count);
	for (i = 0; i < count; i++)
		if (atomic_load(&c.runs[i]) != 1)
			fail_msg("workers %u, count %zu: job %zu ran %u times", workers,
				count, i, atomic_load(&c.runs[i]));
	assert_int_equal(atomic_load(&c.bad_ctx), 0);
	assert_string_equal(og_ctx_error(ctx), "");
	free(c.runs);
	og_ctx_free(ctx);
}

static void test_oci_pool__every_job_once(void **state)
{
	static const unsigned int workers[] = { 1, 2, 8 };
	static const size_t counts_[] = { 0, 1, 100 };
	size_t w, n;

	(void)state;
	for (w = 0; w < sizeof(workers) / sizeof(workers[0]); w++)
		for (n = 0; n < sizeof(counts_) / sizeof(counts_[0]); n++)
			run_all(workers[w], counts_[n]);
	/* 0 workers means the calling thread; more workers than jobs is fine */
	run_all(0, 5);
	run_all(64, 3);
}

/* One worker: jobs run in order, so exactly 0..fail_at run. */
static void test_oci_pool__stops_after_failure_serial(void **state)
{
	og_ctx *ctx = NULL;
	counts c;
	size_t i;

	(void)state;
	assert_int_equal(og_ctx_new(&ctx), 0);
	counts_init(&c, 100);
	c.max_json = ctx->limits.max_json;
	c.fail_at = 10;
	c.fail_code = OG_ELIMIT;
	assert_int_equal(og_pool_run(ctx, 100, 1, job, &c), OG_ELIMIT);
	assert_string_equal(og_ctx_error(ctx), "job 10 failed on purpose");
	assert_int_equal(atomic_load(&c.total), 11);
	for (i = 0; i < 100; i++)
		assert_int_equal(atomic_load(&c.runs[i]), i <= 10 ? 1 : 0);
	free(c.runs);
	og_ctx_free(ctx);
}

/* Several workers: the failing job is the first one handed out, the others
 * are slow, so far fewer than all jobs run (the bound leaves room for a
 * loaded machine); none runs twice. */
#define MANY 4000
static void test_oci_pool__stops_after_failure_parallel(void **state)
{
	static const unsigned int workers[] = { 2, 8 };
	og_ctx *ctx = NULL;
	counts c;
	size_t i, w;

	(void)state;
	for (w = 0; w < sizeof(workers) / sizeof(workers[0]); w++) {
		assert_int_equal(og_ctx_new(&ctx), 0);
		counts_init(&c, MANY);
		c.max_json = ctx->limits.max_json;
		c.fail_at = 0;
		c.fail_code = OG_EINVALID;
		c.sleep_us = 2000;
		assert_int_equal(og_pool_run(ctx, MANY, workers[w], job, &c), OG_EINVALID);
		assert_string_equal(og_ctx_error(ctx), "job 0 failed on purpose");
		assert_int_equal(atomic_load(&c.runs[0]), 1);
		assert_true(atomic_load(&c.total) < MANY / 2);
		for (i = 0; i < MANY; i++)
			assert_true(atomic_load(&c.runs[i]) <= 1);
		free(c.runs);
		og_ctx_free(ctx);
		ctx = NULL;
	}
}

/* Every job fails: the code and message are one job's, whole. */
static int fail_all(size_t i, og_ctx *wctx, void *payload)
{
	(void)payload;
	return og_error_set(wctx, i % 2 ? OG_ENOMEM : OG_ERROR, "job %zu: no", i);
}

static void test_oci_pool__failure_message_copied(void **state)
{
	og_ctx *ctx = NULL;
	char want[64];
	unsigned int w;
	size_t i;
	int rc;

	(void)state;
	for (w = 1; w <= 8; w *= 2) {
		assert_int_equal(og_ctx_new(&ctx), 0);
		rc = og_pool_run(ctx, 50, w, fail_all, NULL);
		assert_true(rc == OG_ENOMEM || rc == OG_ERROR);
		for (i = 0; i < 50; i++) {
			snprintf(want, sizeof(want), "job %zu: no", i);
			if (strcmp(og_ctx_error(ctx), want) == 0)
				break;
		}
		if (i == 50)
			fail_msg("unexpected message \"%s\"", og_ctx_error(ctx));
		assert_int_equal(rc, i % 2 ? OG_ENOMEM : OG_ERROR);
		if (w == 1)
			assert_string_equal(og_ctx_error(ctx), "job 0: no");
		og_ctx_free(ctx);
		ctx = NULL;
	}
}

static void test_oci_pool__cpus(void **state)
{
	(void)state;
	assert_true(og_pool_cpus() >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci_pool__every_job_once),
		cmocka_unit_test(test_oci_pool__stops_after_failure_serial),
		cmocka_unit_test(test_oci_pool__stops_after_failure_parallel),
		cmocka_unit_test(test_oci_pool__failure_message_copied),
		cmocka_unit_test(test_oci_pool__cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
