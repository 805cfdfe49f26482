/*
 * The ocigate command line: shared pieces of the subcommands.
 * The CLI uses only the public API (ocigate/ocigate.h) and libc.
 */
#ifndef OG_CLI_H
#define OG_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <ocigate/ocigate.h>

/* Exit codes, as DESIGN.md lists them. */
enum {
	OG_EXIT_OK = 0,        /* passed (warnings allowed) */
	OG_EXIT_FINDINGS = 1,  /* findings at or above the fail threshold */
	OG_EXIT_USAGE = 2,     /* usage error, or the input is not an image */
	OG_EXIT_NETWORK = 3,   /* network or registry failure, or a timeout */
	OG_EXIT_AUTH = 4,      /* authentication or permission refused */
	OG_EXIT_INTERNAL = 70  /* internal error */
};

/*
 * A subcommand. argv[0] is the subcommand's name and argv[1..] its
 * arguments. Returns an exit code; every error has been printed.
 */
typedef int (*og_cli_command_cb)(og_ctx *ctx, int argc, char **argv);

int og_cli__inspect(og_ctx *ctx, int argc, char **argv);
int og_cli__validate(og_ctx *ctx, int argc, char **argv);
int og_cli__schema(og_ctx *ctx, int argc, char **argv);
int og_cli__policy(og_ctx *ctx, int argc, char **argv);
int og_cli__sbom(og_ctx *ctx, int argc, char **argv);
int og_cli__copy(og_ctx *ctx, int argc, char **argv); /* cmd_copy.c */

/* Usage texts (usage.c). NULL name: the top-level usage. */
void og_cli__usage(FILE *fp, const char *command);

/*
 * Print "ocigate: <message>" and "Try 'ocigate [COMMAND ]--help'." to stderr
 * and return OG_EXIT_USAGE. command may be NULL.
 */
int og_cli__usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "ocigate: <message>" to stderr. */
void og_cli__error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Report a failed library call (its message from og_ctx_error) and return the
 * exit code for its return code: 2 when the input is not an image, else 70.
 */
int og_cli__library_error(const og_ctx *ctx, int code);

/* Exit code for a library return code (0 for code >= 0). */
int og_cli__exit_code(int code);

/* Option values. Each returns 0, or prints a usage error and returns
 * OG_EXIT_USAGE. */
/* reports: every report format; else only text and json. */
int og_cli__parse_format(og_format_t *out, const char *command, const char *arg,
	int reports);
int og_cli__parse_fail_on(og_severity_t *out, const char *command, const char *arg);
int og_cli__parse_jobs(unsigned int *out, const char *command, const char *arg);
int og_cli__parse_platform(const char *command, const char *arg);

/*
 * Registry options (src/cli/transport.c): --creds USER:PASS, --creds-stdin,
 * --authfile FILE, --tls-verify[=BOOL], --cacert FILE, --retries N,
 * --retry-delay DURATION, --timeout DURATION, --stall-timeout DURATION (a
 * transfer under 1 KiB/s this long is cut and retried) (DURATION: 500ms, 2s,
 * 1.5m, or a bare number: milliseconds for --retry-delay, seconds for the
 * others). Each takes "--opt VALUE" or "--opt=VALUE".
 *
 * og_cli__transport_flag consumes the option at argv[*i]: returns 1 (*i then
 * indexes the last argument it used), 0 when argv[*i] is not one of them, or
 * -1 after printing a usage error (exit OG_EXIT_USAGE). Values are borrowed
 * from argv. Secrets are never printed.
 */
int og_cli__transport_flag(og_transport_options *t, int argc, char **argv, int *i);
/* Remove every registry option from argv (before getopt), up to "--".
 * Returns 0, or -1 after printing a usage error. */
int og_cli__transport_take(og_transport_options *t, int *argc, char **argv);
/*
 * After parsing: sets t->log to print retry lines to stderr, and for
 * --creds-stdin reads one line USER:PASS from stdin into *secret (t->creds
 * points at it; free it with og_cli__transport_secret_free after the
 * library call). Returns 0, or -1 after printing a usage error.
 */
int og_cli__transport_finish(og_transport_options *t, char **secret);
void og_cli__transport_secret_free(char *secret);

/* 1 if ANSI colour may be written to stdout: a TTY and NO_COLOR unset or empty. */
int og_cli__stdout_color(void);

/*
 * Write len bytes to stdout, then a newline when add_newline is set and the
 * data does not end with one. Returns an exit code (0, or 70 after printing
 * the error).
 */
int og_cli__write_stdout(const char *data, size_t len, int add_newline);

/*
 * Check early that path can be written: its directory exists and is
 * writable, and path is not a directory. Returns 0 or OG_EXIT_USAGE after
 * printing the error.
 */
int og_cli__check_output(const char *command, const char *path);

/*
 * Write data to path atomically: a temp file in the same directory, fsync,
 * rename. Nothing is left behind on failure. Returns an exit code (0, or 70
 * after printing the error).
 */
int og_cli__write_file(const char *path, const char *data, size_t len);

/* Append data to path (created if absent). Returns an exit code. */
int og_cli__append_file(const char *path, const char *data, size_t len);

#endif
