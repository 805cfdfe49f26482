/* `ocigate copy SRC DST`: copy an image by digest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static const char *const cmd = "copy";

/* "--name=value" or "--name value": 1 and *value set when argv[*i] is the
 * option, 0 when it is not, OG_EXIT_USAGE (printed) when its value is missing. */
static int opt_value(const char **value, const char *name, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*value = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		og_cli__usage_error(cmd, "option '%s' needs an argument", name);
		return OG_EXIT_USAGE;
	}
	*value = argv[++*i];
	return 1;
}

/* The plan's "platform ..." line, said on stderr: another digest, never silently. */
static void say_platform(const char *plan)
{
	const char *p = strstr(plan, "\nplatform ");
	size_t n;

	if (!p)
		return;
	p++;
	n = strcspn(p, "\n");
	fprintf(stderr, "ocigate: note: --%.*s\n", (int)n, p);
}

int og_cli__copy(og_ctx *ctx, int argc, char **argv)
{
	og_copy_options co = OG_COPY_OPTIONS_INIT;
	og_transport_options t = OG_TRANSPORT_OPTIONS_INIT;
	og_copy_result res;
	const char *operands[2] = { NULL, NULL }, *digestfile = NULL, *v = NULL;
	const char *id;
	char *creds_buf = NULL, *line = NULL;
	int i, r, status = OG_EXIT_OK, nops = 0, error, only_operands = 0;

	memset(&res, 0, sizeof(res));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (only_operands || a[0] != '-' || a[1] == '\0') {
			if (nops == 2) {
				status = og_cli__usage_error(cmd, "copy: unexpected argument '%s'", a);
				goto done;
			}
			operands[nops++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_operands = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			og_cli__usage(stdout, cmd);
			status = og_cli__write_stdout(NULL, 0, 0);
			goto done;
		}
		if (strcmp(a, "--dry-run") == 0) {
			co.dry_run = 1;
			continue;
		}
		if ((r = opt_value(&v, "--platform", argc, argv, &i)) != 0 ||
		    (strcmp(a, "-p") == 0 && (r = opt_value(&v, "-p", argc, argv, &i)) != 0)) {
			if (r != 1 || (status = og_cli__parse_platform(cmd, v)) != 0) {
				status = r != 1 ? r : status;
				goto done;
			}
			co.platform = v;
			continue;
		}
		if ((r = opt_value(&v, "--digestfile", argc, argv, &i)) != 0) {
			if (r != 1 || (status = og_cli__check_output(cmd, v)) != 0) {
				status = r != 1 ? r : status;
				goto done;
			}
			digestfile = v;
			continue;
		}
		if ((r = opt_value(&v, "--jobs", argc, argv, &i)) != 0 ||
		    (strcmp(a, "-j") == 0 && (r = opt_value(&v, "-j", argc, argv, &i)) != 0)) {
			if (r != 1 || (status = og_cli__parse_jobs(&co.jobs, cmd, v)) != 0) {
				status = r != 1 ? r : status;
				goto done;
			}
			continue;
		}
		if ((r = og_cli__transport_flag(&t, argc, argv, &i)) != 0) {
			if (r != 1) {
				status = OG_EXIT_USAGE;
				goto done;
			}
			continue;
		}
		status = og_cli__usage_error(cmd, "unknown option '%s'", a);
		goto done;
	}
	if (nops < 2) {
		status = og_cli__usage_error(cmd, "copy: missing %s", nops ? "DST" : "SRC and DST");
		goto done;
	}
	if (og_cli__transport_finish(&t, &creds_buf) < 0) {
		status = OG_EXIT_USAGE;
		goto done;
	}
	co.transport = &t;
	co.progress = isatty(2);
	error = og_copy(&res, ctx, operands[0], operands[1], &co);
	if (error < 0) {
		id = og_ctx_error_id(ctx);
		if (id && strcmp(id, "promote.digest_changed") == 0) {
			og_cli__error("%s: %s", id, og_ctx_error(ctx));
			status = OG_EXIT_FINDINGS;
		} else {
			status = og_cli__library_error(ctx, error);
		}
		goto done;
	}
	if (res.plan)
		say_platform(res.plan);
	if (co.dry_run) {
		status = og_cli__write_stdout(res.plan, res.plan ? strlen(res.plan) : 0, 1);
		goto done;
	}
	if (digestfile && (line = malloc(strlen(res.digest) + 2)) != NULL) {
		snprintf(line, strlen(res.digest) + 2, "%s\n", res.digest);
		if ((status = og_cli__write_file(digestfile, line, strlen(line))) != 0)
			goto done;
	} else if (digestfile) {
		og_cli__error("out of memory");
		status = OG_EXIT_INTERNAL;
		goto done;
	}
	printf("copied %s to %s\ndigest %s\nblobs %llu copied, %llu mounted, %llu skipped; "
		"%llu bytes copied\n", operands[0], operands[1], res.digest, res.blobs_copied,
		res.blobs_mounted, res.blobs_skipped, res.bytes_copied);
	status = og_cli__write_stdout(NULL, 0, 0);
done:
	og_cli__transport_secret_free(creds_buf);
	free(line);
	og_copy_result_dispose(&res);
	return status;
}
