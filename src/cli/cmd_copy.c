/* `ocigate copy SRC DST`: copy an image by digest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

int og_cli__copy(og_ctx *ctx, int argc, char **argv);

static const char *const cmd = "copy";

/* Retry lines and other transport events go to stderr. */
static void log_line(const char *line, void *payload)
{
	(void)payload;
	fprintf(stderr, "ocigate: %s\n", line);
}

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

/* A duration: N (milliseconds with ms_default, else seconds), Nms, Ns. */
static int parse_duration(unsigned int *ms, const char *name, const char *v, int ms_default)
{
	char *end = NULL;
	unsigned long n;

	if (!*v || *v == '-' || *v == '+')
		return og_cli__usage_error(cmd, "invalid %s '%s'", name, v);
	n = strtoul(v, &end, 10);
	if (end == v || n > 86400000ul)
		return og_cli__usage_error(cmd, "invalid %s '%s'", name, v);
	if (strcmp(end, "ms") == 0 || (!*end && ms_default))
		*ms = (unsigned int)n;
	else if (strcmp(end, "s") == 0 || (!*end && !ms_default))
		*ms = (unsigned int)(n * 1000ul);
	else
		return og_cli__usage_error(cmd, "invalid %s '%s' (N, Nms or Ns)", name, v);
	return 0;
}

/*
 * The transport options (the same flags as inspect/validate): 1 consumed,
 * 0 not one of them, OG_EXIT_USAGE (printed).
 */
static int transport_flag(og_transport_options *t, char **creds_buf, int argc, char **argv,
	int *i)
{
	const char *v = NULL;
	char *end = NULL;
	unsigned long n;
	unsigned int ms;
	int r;

	if ((r = opt_value(&v, "--creds", argc, argv, i)) != 0) {
		if (r == 1) {
			if (!strchr(v, ':') || v[0] == ':')
				return og_cli__usage_error(cmd, "invalid --creds (USER:PASSWORD)");
			t->creds = v;
		}
		return r;
	}
	if (strcmp(argv[*i], "--creds-stdin") == 0) {
		char line[4096];
		size_t len;

		if (!fgets(line, sizeof(line), stdin))
			return og_cli__usage_error(cmd, "--creds-stdin: no line on standard input");
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (!strchr(line, ':') || line[0] == ':')
			return og_cli__usage_error(cmd, "--creds-stdin: not USER:PASSWORD");
		free(*creds_buf);
		if ((*creds_buf = malloc(len + 1)) == NULL) {
			og_cli__error("out of memory");
			return OG_EXIT_INTERNAL;
		}
		memcpy(*creds_buf, line, len + 1);
		memset(line, 0, sizeof(line));
		t->creds = *creds_buf;
		return 1;
	}
	if ((r = opt_value(&v, "--authfile", argc, argv, i)) != 0) {
		if (r == 1)
			t->auth_file = v;
		return r;
	}
	if ((r = opt_value(&v, "--cacert", argc, argv, i)) != 0) {
		if (r == 1)
			t->cacert = v;
		return r;
	}
	if (strcmp(argv[*i], "--tls-verify") == 0) {
		t->tls_verify = 1;
		return 1;
	}
	if (strncmp(argv[*i], "--tls-verify=", 13) == 0) {
		v = argv[*i] + 13;
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			t->tls_verify = 1;
		else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			t->tls_verify = -1;
		else
			return og_cli__usage_error(cmd, "invalid --tls-verify '%s' (true or false)", v);
		return 1;
	}
	if ((r = opt_value(&v, "--retries", argc, argv, i)) != 0) {
		if (r != 1)
			return r;
		n = strtoul(v, &end, 10);
		if (!*v || *v == '-' || *end || n > 100)
			return og_cli__usage_error(cmd, "invalid --retries '%s' (0 to 100)", v);
		t->retries = (unsigned int)n; /* 0: the default */
		return 1;
	}
	if ((r = opt_value(&v, "--retry-delay", argc, argv, i)) != 0) {
		if (r != 1)
			return r;
		if ((r = parse_duration(&ms, "--retry-delay", v, 1)) != 0)
			return r;
		t->retry_delay_ms = ms ? ms : 1;
		return 1;
	}
	if ((r = opt_value(&v, "--timeout", argc, argv, i)) != 0) {
		if (r != 1)
			return r;
		if ((r = parse_duration(&ms, "--timeout", v, 0)) != 0)
			return r;
		t->timeout_s = ms < 1000 ? 1 : ms / 1000;
		return 1;
	}
	return 0;
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
		if ((r = transport_flag(&t, &creds_buf, argc, argv, &i)) != 0) {
			if (r != 1) {
				status = r;
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
	t.log = log_line;
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
	if (creds_buf) {
		memset(creds_buf, 0, strlen(creds_buf));
		free(creds_buf);
	}
	free(line);
	og_copy_result_dispose(&res);
	return status;
}
