/* ocigate: the entry point, subcommand dispatch, errors and exit codes. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

typedef struct command {
	const char *name;
	og_cli_command_cb run;
} command;


static const command commands[] = {
	{ "inspect", og_cli__inspect },
	{ "validate", og_cli__validate },
	{ "schema", og_cli__schema },
	{ "policy", og_cli__policy },
	{ "copy", og_cli__copy },
	{ "sbom", og_cli__sbom },
};

static const command *command_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void og_cli__error(const char *fmt, ...)
{
	va_list ap;

	fputs("ocigate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int og_cli__usage_error(const char *command_name, const char *fmt, ...)
{
	va_list ap;

	fputs("ocigate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (command_name)
		fprintf(stderr, "Try 'ocigate %s --help'.\n", command_name);
	else
		fputs("Try 'ocigate --help'.\n", stderr);
	return OG_EXIT_USAGE;
}

int og_cli__exit_code(int code)
{
	switch (code) {
	case OG_OK:
		return OG_EXIT_OK;
	case OG_ENOTFOUND:
	case OG_EINVALID:
	case OG_EAMBIGUOUS:
	case OG_ELIMIT:
		return OG_EXIT_USAGE;
	case OG_ENETWORK:
		return OG_EXIT_NETWORK;
	case OG_EAUTH:
		return OG_EXIT_AUTH;
	default:
		return code > 0 ? OG_EXIT_OK : OG_EXIT_INTERNAL;
	}
}

int og_cli__library_error(const og_ctx *ctx, int code)
{
	const char *msg = og_ctx_error(ctx);
	const char *id = og_ctx_error_id(ctx);

	if (msg && msg[0] && id)
		og_cli__error("%s: %s", id, msg);
	else if (msg && msg[0])
		og_cli__error("%s", msg);
	else if (code == OG_ENOMEM)
		og_cli__error("out of memory");
	else
		og_cli__error("internal error (code %d)", code);
	/* A registry that says "no such repository, tag or blob" is a registry
	 * failure (exit 3), not a usage error. */
	if (code == OG_ENOTFOUND && id && strncmp(id, "registry.", 9) == 0)
		return OG_EXIT_NETWORK;
	return og_cli__exit_code(code);
}

/* `ocigate help [COMMAND]` */
static int run_help(int argc, char **argv)
{
	if (argc > 2)
		return og_cli__usage_error(NULL, "help: unexpected argument '%s'", argv[2]);
	if (argc == 2 && strcmp(argv[1], "help") != 0 && strcmp(argv[1], "version") != 0 &&
	    !command_lookup(argv[1]))
		return og_cli__usage_error(NULL, "unknown command '%s'", argv[1]);
	og_cli__usage(stdout, argc == 2 ? argv[1] : NULL);
	return og_cli__write_stdout(NULL, 0, 0);
}

/* `ocigate version` */
static int run_version(int argc, char **argv)
{
	if (argc > 1)
		return og_cli__usage_error(NULL, "version: unexpected argument '%s'", argv[1]);
	fputs("ocigate " OG_VERSION "\n", stdout);
	return og_cli__write_stdout(NULL, 0, 0);
}

static int run(og_ctx *ctx, int argc, char **argv)
{
	const char *name = argv[1];
	const command *cmd;

	if (argc < 2) {
		fputs("ocigate: no command given\n", stderr);
		og_cli__usage(stderr, NULL);
		return OG_EXIT_USAGE;
	}
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return run_help(argc - 1, argv + 1);
	if (strcmp(name, "version") == 0 || strcmp(name, "--version") == 0)
		return run_version(argc - 1, argv + 1);
	if (!(cmd = command_lookup(name))) {
		if (name[0] == '-')
			return og_cli__usage_error(NULL, "unknown option '%s'", name);
		return og_cli__usage_error(NULL, "unknown command '%s'", name);
	}
	return cmd->run(ctx, argc - 1, argv + 1);
}

/* Blob files are mapped: one truncated by another process while ocigate
 * reads it faults on the next page. Say so, instead of dying unexplained. */
static void on_sigbus(int sig)
{
	static const char msg[] = "ocigate: an input file was truncated while it "
		"was being read (SIGBUS); no result\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(OG_EXIT_INTERNAL);
	_exit(OG_EXIT_INTERNAL);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	og_ctx *ctx = NULL;
	int error, status;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGBUS, &sa, NULL);

	/* ocigate prints only UTC times. Without TZ, glibc checks
	 * /etc/localtime again on every mktime() that libarchive makes per
	 * zip member: 100,000 stat()s for an OSV database. */
	if (!getenv("TZ"))
		(void)setenv("TZ", "UTC", 0);
	if ((error = og_global_init()) < 0) {
		og_cli__error("cannot initialise the library (code %d)", error);
		status = OG_EXIT_INTERNAL;
		goto done;
	}
	if ((error = og_ctx_new(&ctx)) < 0) {
		og_cli__error("out of memory");
		status = OG_EXIT_INTERNAL;
		goto done;
	}
	status = run(ctx, argc, argv);
done:
	og_ctx_free(ctx);
	return status;
}
