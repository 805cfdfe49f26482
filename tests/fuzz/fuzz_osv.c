/*
 * Fuzz target: one OSV advisory file as --vuln-db reads it (its own JSON
 * reader, ranges, severities, CVSS vectors), then a match against it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scan/vulndb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_match(const og_vuln_match *m, void *p)
{
	(void)m;
	(void)p;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const og_limits limits = OG_LIMITS_DEFAULT;
	char dir[] = "/tmp/ocigate-fuzz-osv-XXXXXX";
	char path[64];
	og_vulndb *db = NULL;
	og_ctx ctx;
	FILE *fp;

	if (!mkdtemp(dir))
		return 0;
	snprintf(path, sizeof(path), "%s/a.json", dir);
	if ((fp = fopen(path, "wb")) != NULL) {
		if (fwrite(data, 1, size, fp) == size && fclose(fp) == 0) {
			memset(&ctx, 0, sizeof(ctx));
			ctx.limits = limits;
			if (og_vulndb_load(&db, &ctx, dir) == 0) {
				(void)og_vulndb_match(db, "Debian:12", "glibc", "2.36-9", on_match, NULL);
				(void)og_vulndb_match(db, "Alpine:v3.19", "openssl", "3.1.4-r0", on_match, NULL);
				og_vulndb_free(db);
			}
		} else {
			fclose(fp);
		}
		unlink(path);
	}
	rmdir(dir);
	/* and the bytes as a CVSS vector */
	if (size < 256) {
		char v[256];

		memcpy(v, data, size);
		v[size] = '\0';
		(void)og_vulndb__cvss3_score(v);
	}
	return 0;
}
