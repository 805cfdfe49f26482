/*
 * Fuzz target: a whole input file as the user would give it: written to a
 * temporary file and validated as a bare path (sniffed: oci-archive,
 * docker-archive, gzip-compressed), end to end through the public API.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "ocigate/ocigate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	og_validate_options opts = OG_VALIDATE_OPTIONS_INIT;
	char path[] = "/tmp/ocigate-fuzz-XXXXXX";
	og_report *report = NULL;
	og_ctx *ctx = NULL;
	int fd;

	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	opts.jobs = 1;
	opts.max_uncompressed = 64ull << 20;
	if (og_global_init() == 0 && og_ctx_new(&ctx) == 0) {
		if (og_validate(&report, ctx, path, &opts) == 0)
			og_report_free(report);
		og_ctx_free(ctx);
	}
	unlink(path);
	return 0;
}
