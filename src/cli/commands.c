/* The subcommands: inspect, validate, schema, policy, sbom. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* Values of the long-only options. */
enum {
	OPT_RAW = 256,
	OPT_CONFIG,
	OPT_FAIL_ON,
	OPT_TIMINGS,
	OPT_POLICY,
	OPT_REPORT,
	OPT_ERROR_LOG,
	OPT_VULN_DB,
	OPT_IGNORE_UNFIXED,
	OPT_NO_SCAN
};

/* Short options start with ':' so that a missing argument is ':' not '?';
 * errors are printed here, in ocigate's format, not by getopt. */
static int option_error(const char *command, int c, char **argv,
	const struct option *longopts)
{
	const struct option *o;

	if (c == ':') {
		for (o = longopts; o->name; o++)
			if (o->val == optopt)
				return og_cli__usage_error(command,
					"option '--%s' needs an argument", o->name);
		return og_cli__usage_error(command, "option '-%c' needs an argument", optopt);
	}
	if (optopt != 0 && strncmp(argv[optind - 1], "--", 2) == 0 &&
	    strchr(argv[optind - 1], '=')) {
		for (o = longopts; o->name; o++)
			if (o->val == optopt)
				return og_cli__usage_error(command,
					"option '--%s' takes no argument", o->name);
	}
	if (optopt > 0 && optopt < 256)
		return og_cli__usage_error(command, "unknown option '-%c'", optopt);
	return og_cli__usage_error(command, "unknown option '%s'", argv[optind - 1]);
}

/* Exactly one operand after the options. */
static int one_operand(const char **out, const char *command, const char *what,
	int argc, char **argv)
{
	if (optind >= argc)
		return og_cli__usage_error(command, "%s: missing %s", command, what);
	if (optind + 1 < argc)
		return og_cli__usage_error(command, "%s: unexpected argument '%s'",
			command, argv[optind + 1]);
	*out = argv[optind];
	return 0;
}



int og_cli__inspect(og_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "config", no_argument, NULL, OPT_CONFIG },
		{ "format", required_argument, NULL, 'f' },
		{ "platform", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cmd = "inspect";
	og_inspect_options io = OG_INSPECT_OPTIONS_INIT;
	og_transport_options to = OG_TRANSPORT_OPTIONS_INIT;
	const char *ref = NULL;
	char *out = NULL, *secret = NULL;
	size_t out_len = 0;
	int c, error, status, raw = 0, config = 0;

	opterr = 0;
	optind = 1;
	if (og_cli__transport_take(&to, &argc, argv) < 0) {
		status = OG_EXIT_USAGE;
		goto done;
	}
	while ((c = getopt_long(argc, argv, ":f:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_RAW:
			raw = 1;
			break;
		case OPT_CONFIG:
			config = 1;
			break;
		case 'f':
			if ((status = og_cli__parse_format(&io.format, cmd, optarg, 0)) != 0)
				goto done;
			break;
		case 'p':
			if ((status = og_cli__parse_platform(cmd, optarg)) != 0)
				goto done;
			io.platform = optarg;
			break;
		case 'h':
			og_cli__usage(stdout, cmd);
			status = og_cli__write_stdout(NULL, 0, 0);
			goto done;
		default:
			status = option_error(cmd, c, argv, longopts);
			goto done;
		}
	}
	if (raw && config) {
		status = og_cli__usage_error(cmd, "--raw and --config cannot be combined");
		goto done;
	}
	if ((status = one_operand(&ref, cmd, "REF", argc, argv)) != 0)
		goto done;
	io.what = raw ? OG_INSPECT_RAW : config ? OG_INSPECT_CONFIG : OG_INSPECT_SUMMARY;
	if (og_cli__transport_finish(&to, &secret) < 0) {
		status = OG_EXIT_USAGE;
		goto done;
	}
	io.transport = &to;
	if ((error = og_inspect(&out, &out_len, ctx, ref, &io)) < 0) {
		status = og_cli__library_error(ctx, error);
		goto done;
	}
	/* Raw bytes go out unchanged; a summary ends with a newline. */
	status = og_cli__write_stdout(out, out_len, io.what == OG_INSPECT_SUMMARY);
done:
	og_cli__transport_secret_free(secret);
	og_free(out);
	return status;
}

/* Options validate and schema share. */
#define MAX_REPORTS 16

typedef struct report_args {
	og_format_t format;
	og_severity_t fail_on;   /* OG_SEV_NONE: the policy's */
	const char *output;
	og_format_t report_format[MAX_REPORTS]; /* --report FORMAT=PATH */
	const char *report_path[MAX_REPORTS];
	size_t report_count;
	const char *error_log;   /* --error-log PATH (appended) */
} report_args;

static int parse_report(report_args *ra, const char *cmd, char *arg)
{
	char *eq = strchr(arg, '=');
	og_format_t f;
	int status;

	if (!eq || eq == arg || !eq[1])
		return og_cli__usage_error(cmd, "invalid --report '%s' (FORMAT=PATH)", arg);
	if (ra->report_count == MAX_REPORTS)
		return og_cli__usage_error(cmd, "at most %d --report options", MAX_REPORTS);
	*eq = '\0';
	status = og_cli__parse_format(&f, cmd, arg, 1);
	*eq = '=';
	if (status != 0)
		return status;
	if ((status = og_cli__check_output(cmd, eq + 1)) != 0)
		return status;
	ra->report_format[ra->report_count] = f;
	ra->report_path[ra->report_count++] = eq + 1;
	return 0;
}

/* Render one format; *out to og_free. Returns an exit code. */
static int render(char **out, const og_report *report, og_format_t format,
	og_severity_t fail_on, int color)
{
	og_render_options ro = OG_RENDER_OPTIONS_INIT;
	int error;

	ro.format = format;
	ro.fail_on = fail_on;
	ro.color = color;
	if ((error = og_report_render(out, report, &ro)) < 0) {
		og_cli__error("cannot render the report: %s",
			error == OG_ENOMEM ? "out of memory" : "internal error");
		return OG_EXIT_INTERNAL;
	}
	return OG_EXIT_OK;
}

/* Every extra destination: --report files, --error-log, and on GitHub
 * Actions the annotations (stdout) and the step summary. */
static int emit_extras(const og_report *report, const report_args *ra)
{
	const char *gha = getenv("GITHUB_ACTIONS"), *summary = getenv("GITHUB_STEP_SUMMARY");
	char *text = NULL;
	size_t i;
	int status = OG_EXIT_OK;

	for (i = 0; i < ra->report_count && status == OG_EXIT_OK; i++) {
		if ((status = render(&text, report, ra->report_format[i], ra->fail_on, 0)) == OG_EXIT_OK)
			status = og_cli__write_file(ra->report_path[i], text, strlen(text));
		og_free(text);
		text = NULL;
	}
	if (status == OG_EXIT_OK && ra->error_log) {
		if ((status = render(&text, report, OG_FORMAT_ERRORLOG, ra->fail_on, 0)) == OG_EXIT_OK)
			status = og_cli__append_file(ra->error_log, text, strlen(text));
		og_free(text);
		text = NULL;
	}
	if (status == OG_EXIT_OK && gha && strcmp(gha, "true") == 0 && ra->format != OG_FORMAT_GITHUB) {
		/* The runner reads workflow commands from both streams: stdout
		 * when it carries text for people, else stderr, so that a JSON
		 * or SARIF report on stdout stays parseable. */
		int to_stdout = ra->output || ra->format == OG_FORMAT_TEXT ||
			ra->format == OG_FORMAT_MARKDOWN;

		if ((status = render(&text, report, OG_FORMAT_GITHUB, ra->fail_on, 0)) == OG_EXIT_OK) {
			if (to_stdout)
				status = og_cli__write_stdout(text, strlen(text), 0);
			else if (fputs(text, stderr) == EOF)
				status = OG_EXIT_INTERNAL;
		}
		og_free(text);
		text = NULL;
	}
	if (status == OG_EXIT_OK && summary && *summary) {
		if ((status = render(&text, report, OG_FORMAT_MARKDOWN, ra->fail_on, 0)) == OG_EXIT_OK)
			status = og_cli__append_file(summary, text, strlen(text));
		og_free(text);
	}
	return status;
}

/* Render a report and send it to stdout, or to the --output file, then to
 * the extra destinations. The exit code follows the verdict. */
static int emit_report(const og_report *report, const report_args *ra)
{
	char *text = NULL;
	int status;

	status = render(&text, report, ra->format, ra->fail_on,
		ra->format == OG_FORMAT_TEXT && !ra->output && og_cli__stdout_color());
	if (status != OG_EXIT_OK)
		goto done;
	if (ra->output)
		status = og_cli__write_file(ra->output, text, strlen(text));
	else
		status = og_cli__write_stdout(text, strlen(text), 0);
	if (status == OG_EXIT_OK)
		status = emit_extras(report, ra);
	if (status == OG_EXIT_OK && og_report_verdict(report, ra->fail_on) == OG_VERDICT_FAIL)
		status = OG_EXIT_FINDINGS;
done:
	og_free(text);
	return status;
}

int og_cli__validate(og_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "platform", required_argument, NULL, 'p' },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "output", required_argument, NULL, 'o' },
		{ "timings", no_argument, NULL, OPT_TIMINGS },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "error-log", required_argument, NULL, OPT_ERROR_LOG },
		{ "vuln-db", required_argument, NULL, OPT_VULN_DB },
		{ "ignore-unfixed", no_argument, NULL, OPT_IGNORE_UNFIXED },
		{ "no-scan", no_argument, NULL, OPT_NO_SCAN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cmd = "validate";
	og_validate_options vo = OG_VALIDATE_OPTIONS_INIT;
	og_transport_options to = OG_TRANSPORT_OPTIONS_INIT;
	report_args ra;
	og_report *report = NULL;
	const char *ref = NULL;
	char *secret = NULL;
	int c, error, status;

	memset(&ra, 0, sizeof(ra));
	ra.format = OG_FORMAT_TEXT;
	ra.fail_on = OG_SEV_NONE;
	opterr = 0;
	optind = 1;
	if (og_cli__transport_take(&to, &argc, argv) < 0) {
		status = OG_EXIT_USAGE;
		goto done;
	}
	while ((c = getopt_long(argc, argv, ":f:j:p:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((status = og_cli__parse_format(&ra.format, cmd, optarg, 1)) != 0)
				goto done;
			break;
		case 'j':
			if ((status = og_cli__parse_jobs(&vo.jobs, cmd, optarg)) != 0)
				goto done;
			break;
		case 'p':
			if ((status = og_cli__parse_platform(cmd, optarg)) != 0)
				goto done;
			vo.platform = optarg;
			break;
		case OPT_FAIL_ON:
			if ((status = og_cli__parse_fail_on(&ra.fail_on, cmd, optarg)) != 0)
				goto done;
			break;
		case 'o':
			ra.output = optarg;
			break;
		case OPT_TIMINGS:
			vo.timings = 1;
			break;
		case OPT_POLICY:
			vo.policy = optarg;
			break;
		case OPT_REPORT:
			if ((status = parse_report(&ra, cmd, optarg)) != 0)
				goto done;
			break;
		case OPT_ERROR_LOG:
			ra.error_log = optarg;
			break;
		case OPT_VULN_DB:
			if (!optarg[0]) {
				status = og_cli__usage_error(cmd, "invalid --vuln-db '' (a directory, "
					".zip or .json file)");
				goto done;
			}
			vo.vuln_db = optarg;
			break;
		case OPT_IGNORE_UNFIXED:
			vo.ignore_unfixed = 1;
			break;
		case OPT_NO_SCAN:
			vo.no_scan = 1;
			break;
		case 'h':
			og_cli__usage(stdout, cmd);
			status = og_cli__write_stdout(NULL, 0, 0);
			goto done;
		default:
			status = option_error(cmd, c, argv, longopts);
			goto done;
		}
	}
	if ((status = one_operand(&ref, cmd, "REF", argc, argv)) != 0)
		goto done;
	if (vo.no_scan && (vo.vuln_db || vo.ignore_unfixed)) {
		status = og_cli__usage_error(cmd, "--no-scan cannot be combined with %s",
			vo.vuln_db ? "--vuln-db" : "--ignore-unfixed");
		goto done;
	}
	if (vo.ignore_unfixed && !vo.vuln_db) {
		status = og_cli__usage_error(cmd, "--ignore-unfixed needs --vuln-db");
		goto done;
	}
	if (ra.output && (status = og_cli__check_output(cmd, ra.output)) != 0)
		goto done;
	if (og_cli__transport_finish(&to, &secret) < 0) {
		status = OG_EXIT_USAGE;
		goto done;
	}
	vo.transport = &to;
	if ((error = og_validate(&report, ctx, ref, &vo)) < 0) {
		status = og_cli__library_error(ctx, error);
		goto done;
	}
	status = emit_report(report, &ra);
done:
	og_cli__transport_secret_free(secret);
	og_report_free(report);
	return status;
}

int og_cli__schema(og_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cmd = "schema";
	report_args ra;
	og_schema_type_t type = OG_SCHEMA_MANIFEST;
	og_report *report = NULL;
	const char *path = NULL;
	int c, error, status, have_type = 0;

	memset(&ra, 0, sizeof(ra));
	ra.format = OG_FORMAT_TEXT;
	ra.fail_on = OG_SEV_NONE;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":t:f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (og_schema_type_parse(&type, optarg) < 0) {
				status = og_cli__usage_error(cmd, "invalid --type '%s' "
					"(manifest, index, config, descriptor or layout)", optarg);
				goto done;
			}
			have_type = 1;
			break;
		case 'f':
			if ((status = og_cli__parse_format(&ra.format, cmd, optarg, 1)) != 0)
				goto done;
			break;
		case OPT_FAIL_ON:
			if ((status = og_cli__parse_fail_on(&ra.fail_on, cmd, optarg)) != 0)
				goto done;
			break;
		case 'o':
			ra.output = optarg;
			break;
		case 'h':
			og_cli__usage(stdout, cmd);
			status = og_cli__write_stdout(NULL, 0, 0);
			goto done;
		default:
			status = option_error(cmd, c, argv, longopts);
			goto done;
		}
	}
	if (!have_type) {
		status = og_cli__usage_error(cmd, "schema: missing --type "
			"(manifest, index, config, descriptor or layout)");
		goto done;
	}
	if ((status = one_operand(&path, cmd, "FILE", argc, argv)) != 0)
		goto done;
	if (ra.output && (status = og_cli__check_output(cmd, ra.output)) != 0)
		goto done;
	if ((error = og_schema_check(&report, ctx, type, path)) < 0) {
		status = og_cli__library_error(ctx, error);
		goto done;
	}
	status = emit_report(report, &ra);
done:
	og_report_free(report);
	return status;
}

/* ocigate policy init | policy check FILE */
int og_cli__policy(og_ctx *ctx, int argc, char **argv)
{
	static const char *const cmd = "policy";
	char *text = NULL;
	int error, status;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		og_cli__usage(stdout, cmd);
		return og_cli__write_stdout(NULL, 0, 0);
	}
	if (argc == 2 && strcmp(argv[1], "init") == 0) {
		if ((error = og_policy_init_text(&text)) < 0)
			return og_cli__library_error(ctx, error);
		status = og_cli__write_stdout(text, strlen(text), 1);
		og_free(text);
		return status;
	}
	if (argc == 3 && strcmp(argv[1], "check") == 0) {
		error = og_policy_check_file(ctx, argv[2]);
		if (error == OG_EINVALID) {
			og_cli__error("%s", og_ctx_error(ctx));
			return OG_EXIT_FINDINGS;
		}
		if (error < 0)
			return og_cli__library_error(ctx, error);
		printf("%s: a valid policy\n", argv[2]);
		return og_cli__write_stdout(NULL, 0, 0);
	}
	return og_cli__usage_error(cmd, "expected 'policy init' or 'policy check FILE'");
}

/* ocigate sbom REF --format cyclonedx|spdx [--platform P] [--output F] */
int og_cli__sbom(og_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "platform", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cmd = "sbom";
	og_validate_options vo = OG_VALIDATE_OPTIONS_INIT;
	og_transport_options to = OG_TRANSPORT_OPTIONS_INIT;
	const char *ref = NULL, *format = NULL, *output = NULL;
	char *text = NULL, *secret = NULL;
	int c, error, status;

	opterr = 0;
	optind = 1;
	if (og_cli__transport_take(&to, &argc, argv) < 0) {
		status = OG_EXIT_USAGE;
		goto done;
	}
	while ((c = getopt_long(argc, argv, ":f:p:o:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "cyclonedx") != 0 && strcmp(optarg, "spdx") != 0) {
				status = og_cli__usage_error(cmd, "invalid --format '%s' (cyclonedx "
					"or spdx)", optarg);
				goto done;
			}
			format = optarg;
			break;
		case 'p':
			if ((status = og_cli__parse_platform(cmd, optarg)) != 0)
				goto done;
			vo.platform = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_POLICY:
			vo.policy = optarg;
			break;
		case 'j':
			if ((status = og_cli__parse_jobs(&vo.jobs, cmd, optarg)) != 0)
				goto done;
			break;
		case 'h':
			og_cli__usage(stdout, cmd);
			status = og_cli__write_stdout(NULL, 0, 0);
			goto done;
		default:
			status = option_error(cmd, c, argv, longopts);
			goto done;
		}
	}
	if (!format) {
		status = og_cli__usage_error(cmd, "sbom: missing --format (cyclonedx or spdx)");
		goto done;
	}
	if ((status = one_operand(&ref, cmd, "REF", argc, argv)) != 0)
		goto done;
	if (output && (status = og_cli__check_output(cmd, output)) != 0)
		goto done;
	if (og_cli__transport_finish(&to, &secret) < 0) {
		status = OG_EXIT_USAGE;
		goto done;
	}
	vo.transport = &to;
	if ((error = og_sbom(&text, ctx, ref, format, &vo)) < 0) {
		status = og_cli__library_error(ctx, error);
		goto done;
	}
	if (output)
		status = og_cli__write_file(output, text, strlen(text));
	else
		status = og_cli__write_stdout(text, strlen(text), 0);
done:
	og_cli__transport_secret_free(secret);
	og_free(text);
	return status;
}
