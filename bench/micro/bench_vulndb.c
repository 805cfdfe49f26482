/*
 * bench_vulndb: load an OSV database with og_vulndb_load and time matches.
 *
 *   python3 bench/vulndb/gen_osv.py /tmp/osv 50000
 *   cmake --build build --target bench_vulndb
 *   build/bench/bench_vulndb /tmp/osv/osv.zip /tmp/osv/queries.txt
 *   build/bench/bench_vulndb /tmp/osv/dir /tmp/osv/queries.txt
 *
 * Prints the advisories kept, the load time, the peak RSS of the process
 * (getrusage ru_maxrss, so it includes the program itself) and the time of
 * 10,000 matches (the queries file's lines "ECOSYSTEM PACKAGE VERSION",
 * repeated or cut to 10,000; without a file, generated package names).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include "oci/ctx.h"
#include "scan/vulndb.h"

#define NQUERIES 10000

typedef struct query {
	char eco[32], pkg[64], ver[64];
} query;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_cb(const og_vuln_match *m, void *p)
{
	(void)m;
	(*(size_t *)p)++;
	return 0;
}

static size_t read_queries(query *q, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t n = 0;

	if (!f) {
		perror(path);
		return 0;
	}
	while (n < NQUERIES && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %63s %63s", q[n].eco, q[n].pkg, q[n].ver) == 3)
			n++;
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	og_ctx *ctx = NULL;
	og_vulndb *db = NULL;
	query *q = NULL;
	struct rusage ru;
	size_t nq = 0, i, hits = 0;
	double t0, t1;
	int rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH [QUERIES]\n", argv[0]);
		return 2;
	}
	q = calloc(NQUERIES, sizeof(*q));
	if (!q || og_ctx_new(&ctx) != 0)
		goto done;
	if (argc > 2)
		nq = read_queries(q, argv[2]);
	if (!nq) {
		for (i = 0; i < NQUERIES; i++) {
			snprintf(q[i].eco, sizeof(q[i].eco), "Debian:12");
			snprintf(q[i].pkg, sizeof(q[i].pkg), "pkg%05zu", i % 3000);
			snprintf(q[i].ver, sizeof(q[i].ver), "1.%zu-1", i % 40);
		}
		nq = NQUERIES;
	}
	t0 = now();
	if (og_vulndb_load(&db, ctx, argv[1]) != 0) {
		fprintf(stderr, "bench_vulndb: %s\n", og_ctx_error(ctx));
		goto done;
	}
	t1 = now();
	getrusage(RUSAGE_SELF, &ru);
	printf("advisories %zu (skipped %zu, withdrawn %zu)\n", og_vulndb_count(db),
		og_vulndb_skipped(db), og_vulndb_withdrawn(db));
	printf("load       %.3f s\n", t1 - t0);
	printf("peak RSS   %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	t0 = now();
	for (i = 0; i < NQUERIES; i++) {
		const query *x = &q[i % nq];

		og_vulndb_match(db, x->eco, x->pkg, x->ver, count_cb, &hits);
	}
	t1 = now();
	printf("match      %d queries in %.3f s (%.2f us/query), %zu hits\n", NQUERIES,
		t1 - t0, (t1 - t0) * 1e6 / NQUERIES, hits);
	rc = 0;
done:
	og_vulndb_free(db);
	og_ctx_free(ctx);
	free(q);
	return rc;
}
