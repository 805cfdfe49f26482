/* The registry options every command that reaches a registry takes. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* t->creds while --creds-stdin waits for og_cli__transport_finish. */
static const char creds_stdin_marker[] = "\n--creds-stdin\n";

/* "500ms", "2s", "1.5s", "3m", or a bare number of bare_ms milliseconds
 * (1 for --retry-delay, 1000 for the timeouts): milliseconds. */
static int parse_duration(unsigned long long *out_ms, const char *arg, double bare_ms)
{
	char *end = NULL;
	double v;

	if (!arg || !*arg || *arg == '-' || *arg == '+')
		return -1;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || v < 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		;
	else if (*end == '\0')
		v *= bare_ms;
	else if (strcmp(end, "s") == 0)
		v *= 1000.0;
	else if (strcmp(end, "m") == 0)
		v *= 60000.0;
	else
		return -1;
	if (v > 86400000.0)
		return -1;
	*out_ms = (unsigned long long)(v + 0.5);
	return 0;
}

static int parse_bool(int *out, const char *arg)
{
	if (strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0 || strcmp(arg, "yes") == 0)
		*out = 1;
	else if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0 || strcmp(arg, "no") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* The option's value: "--name=VALUE" or the next argument. NULL after
 * printing the error when it has none. */
static const char *value_of(const char *name, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *eq = strchr(a, '=');

	if (eq)
		return eq + 1;
	if (*i + 1 >= argc) {
		og_cli__usage_error(NULL, "option '%s' needs an argument", name);
		return NULL;
	}
	(*i)++;
	return argv[*i];
}

/* argv[*i] is "--name" or "--name=..." */
static int is_opt(const char *a, const char *name)
{
	size_t n = strlen(name);

	return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

int og_cli__transport_flag(og_transport_options *t, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	unsigned long long ms;
	char *end = NULL;
	unsigned long n;
	int b;

	if (is_opt(a, "--creds")) {
		if ((v = value_of("--creds", argc, argv, i)) == NULL)
			return -1;
		if (!strchr(v, ':') || v[0] == ':') {
			/* never echo the value: it holds a password */
			og_cli__usage_error(NULL, "invalid --creds (USERNAME:PASSWORD)");
			return -1;
		}
		t->creds = v;
		return 1;
	}
	if (strcmp(a, "--creds-stdin") == 0) {
		t->creds = creds_stdin_marker;
		return 1;
	}
	if (is_opt(a, "--authfile")) {
		if ((v = value_of("--authfile", argc, argv, i)) == NULL)
			return -1;
		if (!*v) {
			og_cli__usage_error(NULL, "--authfile: empty path");
			return -1;
		}
		t->auth_file = v;
		return 1;
	}
	if (is_opt(a, "--tls-verify")) {
		v = strchr(a, '=');
		if (v && parse_bool(&b, v + 1) < 0) {
			og_cli__usage_error(NULL, "invalid --tls-verify '%s' (true or false)", v + 1);
			return -1;
		}
		t->tls_verify = !v || b ? 1 : -1;
		return 1;
	}
	if (is_opt(a, "--cacert")) {
		if ((v = value_of("--cacert", argc, argv, i)) == NULL)
			return -1;
		if (!*v) {
			og_cli__usage_error(NULL, "--cacert: empty path");
			return -1;
		}
		t->cacert = v;
		return 1;
	}
	if (is_opt(a, "--retries")) {
		if ((v = value_of("--retries", argc, argv, i)) == NULL)
			return -1;
		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno || end == v || *end || v[0] == '-' || n > 100) {
			og_cli__usage_error(NULL, "invalid --retries '%s' (0 to 100)", v);
			return -1;
		}
		t->retries = n == 0 ? OG_TRANSPORT_NO_RETRIES : (unsigned int)n;
		return 1;
	}
	if (is_opt(a, "--retry-delay")) {
		if ((v = value_of("--retry-delay", argc, argv, i)) == NULL)
			return -1;
		if (parse_duration(&ms, v, 1.0) < 0 || ms < 1 || ms > 600000) {
			og_cli__usage_error(NULL, "invalid --retry-delay '%s' (e.g. 500ms or 2s, "
				"up to 10 minutes)", v);
			return -1;
		}
		t->retry_delay_ms = (unsigned int)ms;
		if (t->retry_max_delay_ms && t->retry_max_delay_ms < ms)
			t->retry_max_delay_ms = (unsigned int)ms;
		return 1;
	}
	if (is_opt(a, "--stall-timeout")) {
		if ((v = value_of("--stall-timeout", argc, argv, i)) == NULL)
			return -1;
		if (parse_duration(&ms, v, 1000.0) < 0 || ms < 1000) {
			og_cli__usage_error(NULL, "invalid --stall-timeout '%s' (at least 1s)", v);
			return -1;
		}
		t->low_speed_s = (unsigned int)((ms + 999) / 1000);
		return 1;
	}
	if (is_opt(a, "--timeout")) {
		if ((v = value_of("--timeout", argc, argv, i)) == NULL)
			return -1;
		if (parse_duration(&ms, v, 1000.0) < 0 || ms < 1) {
			og_cli__usage_error(NULL, "invalid --timeout '%s' (e.g. 90s or 10m)", v);
			return -1;
		}
		t->timeout_s = (unsigned int)((ms + 999) / 1000);
		return 1;
	}
	return 0;
}

static void log_stderr(const char *line, void *payload)
{
	(void)payload;
	fprintf(stderr, "ocigate: %s\n", line);
}

int og_cli__transport_finish(og_transport_options *t, char **secret)
{
	char buf[4096];
	size_t n;

	*secret = NULL;
	t->log = log_stderr;
	t->log_payload = NULL;
	if (t->creds != creds_stdin_marker)
		return 0;
	t->creds = NULL;
	if (!fgets(buf, sizeof(buf), stdin)) {
		og_cli__usage_error(NULL, "--creds-stdin: nothing on standard input");
		return -1;
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (!strchr(buf, ':') || buf[0] == ':') {
		memset(buf, 0, sizeof(buf));
		og_cli__usage_error(NULL, "--creds-stdin: expected one line USERNAME:PASSWORD");
		return -1;
	}
	if ((*secret = strdup(buf)) == NULL) {
		memset(buf, 0, sizeof(buf));
		og_cli__error("out of memory");
		return -1;
	}
	memset(buf, 0, sizeof(buf));
	t->creds = *secret;
	return 0;
}

void og_cli__transport_secret_free(char *secret)
{
	if (!secret)
		return;
	memset(secret, 0, strlen(secret));
	free(secret);
}

int og_cli__transport_take(og_transport_options *t, int *argc, char **argv)
{
	int i, o = 1, r;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[o++] = argv[i++];
			break;
		}
		r = argv[i][0] == '-' ? og_cli__transport_flag(t, *argc, argv, &i) : 0;
		if (r < 0)
			return -1;
		if (r == 0)
			argv[o++] = argv[i];
	}
	*argc = o;
	argv[o] = NULL;
	return 0;
}
