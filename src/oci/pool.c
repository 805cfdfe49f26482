#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pool.h"

typedef struct pool {
	size_t count;
	atomic_size_t next;
	atomic_int failed;
	og_pool_job_cb cb;
	void *payload;
	const og_ctx *parent;
	pthread_mutex_t lock;
	int error;
	const char *error_id;    /* the failing job's finding id, if any */
	char message[sizeof(((og_ctx *)0)->error)];
} pool;

typedef struct worker {
	pool *p;
	og_ctx ctx;
	pthread_t thread;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	pool *p = w->p;
	size_t i;
	int error;

	while (!atomic_load(&p->failed)) {
		i = atomic_fetch_add(&p->next, 1);
		if (i >= p->count)
			break;
		if ((error = p->cb(i, &w->ctx, p->payload)) < 0) {
			pthread_mutex_lock(&p->lock);
			if (!p->error) {
				p->error = error;
				p->error_id = w->ctx.error_id;
				memcpy(p->message, w->ctx.error, sizeof(p->message));
			}
			pthread_mutex_unlock(&p->lock);
			atomic_store(&p->failed, 1);
		}
	}
	return NULL;
}

unsigned int og_pool_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : (unsigned int)n;
}

int og_pool_run(og_ctx *ctx, size_t count, unsigned int workers,
	og_pool_job_cb cb, void *payload)
{
	worker *ws = NULL;
	pool p;
	unsigned int i, started = 0;

	if (count == 0)
		return 0;
	if (workers < 1)
		workers = 1;
	if (workers > count)
		workers = (unsigned int)count;
	memset(&p, 0, sizeof(p));
	p.count = count;
	p.cb = cb;
	p.payload = payload;
	p.parent = ctx;
	atomic_init(&p.next, 0);
	atomic_init(&p.failed, 0);
	pthread_mutex_init(&p.lock, NULL);
	if ((ws = calloc(workers, sizeof(*ws))) == NULL) {
		pthread_mutex_destroy(&p.lock);
		return og_error_oom(ctx);
	}
	for (i = 0; i < workers; i++) {
		ws[i].p = &p;
		ws[i].ctx.limits = ctx->limits;
	}
	/* Worker 0 is the calling thread. */
	for (i = 1; i < workers; i++) {
		if (pthread_create(&ws[i].thread, NULL, work, &ws[i]) != 0)
			break;
		started++;
	}
	work(&ws[0]);
	for (i = 1; i <= started; i++)
		pthread_join(ws[i].thread, NULL);
	if (p.error)
		og_error_set_id(ctx, p.error, p.error_id, "%s", p.message);
	pthread_mutex_destroy(&p.lock);
	free(ws);
	return p.error;
}
