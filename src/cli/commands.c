/* The subcommands: inspect, validate, schema. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

/* Values of the long-only options. */
enum {
	OPT_RAW = 256,
	OPT_CONFIG,
	OPT_FAIL_ON,
	OPT_TIMINGS
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

/* Render a report and send it to stdout, or to the --output file. */
static int emit_report(const og_report *report, og_format_t format,
	og_severity_t fail_on, const char *output)
{
	og_render_options ro = OG_RENDER_OPTIONS_INIT;
	char *text = NULL;
	int error, status;

	ro.format = format;
	ro.fail_on = fail_on;
	ro.color = format == OG_FORMAT_TEXT && !output && og_cli__stdout_color();
	if ((error = og_report_render(&text, report, &ro)) < 0) {
		og_cli__error("cannot render the report: %s",
			error == OG_ENOMEM ? "out of memory" : "internal error");
		status = OG_EXIT_INTERNAL;
		goto done;
	}
	if (output)
		status = og_cli__write_file(output, text, strlen(text));
	else
		status = og_cli__write_stdout(text, strlen(text), 0);
	if (status == OG_EXIT_OK && og_report_verdict(report, fail_on) == OG_VERDICT_FAIL)
		status = OG_EXIT_FINDINGS;
done:
	og_free(text);
	return status;
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
	const char *ref = NULL;
	char *out = NULL;
	size_t out_len = 0;
	int c, error, status, raw = 0, config = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_RAW:
			raw = 1;
			break;
		case OPT_CONFIG:
			config = 1;
			break;
		case 'f':
			if ((status = og_cli__parse_format(&io.format, cmd, optarg)) != 0)
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
	if ((error = og_inspect(&out, &out_len, ctx, ref, &io)) < 0) {
		status = og_cli__library_error(ctx, error);
		goto done;
	}
	/* Raw bytes go out unchanged; a summary ends with a newline. */
	status = og_cli__write_stdout(out, out_len, io.what == OG_INSPECT_SUMMARY);
done:
	og_free(out);
	return status;
}

/* Options validate and schema share. */
typedef struct report_args {
	og_format_t format;
	og_severity_t fail_on;
	const char *output;
} report_args;

int og_cli__validate(og_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "platform", required_argument, NULL, 'p' },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "output", required_argument, NULL, 'o' },
		{ "timings", no_argument, NULL, OPT_TIMINGS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cmd = "validate";
	og_validate_options vo = OG_VALIDATE_OPTIONS_INIT;
	report_args ra = { OG_FORMAT_TEXT, OG_SEV_HIGH, NULL };
	og_report *report = NULL;
	const char *ref = NULL;
	int c, error, status;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:j:p:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((status = og_cli__parse_format(&ra.format, cmd, optarg)) != 0)
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
	if (ra.output && (status = og_cli__check_output(cmd, ra.output)) != 0)
		goto done;
	if ((error = og_validate(&report, ctx, ref, &vo)) < 0) {
		status = og_cli__library_error(ctx, error);
		goto done;
	}
	status = emit_report(report, ra.format, ra.fail_on, ra.output);
done:
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
	report_args ra = { OG_FORMAT_TEXT, OG_SEV_HIGH, NULL };
	og_schema_type_t type = OG_SCHEMA_MANIFEST;
	og_report *report = NULL;
	const char *path = NULL;
	int c, error, status, have_type = 0;

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
			if ((status = og_cli__parse_format(&ra.format, cmd, optarg)) != 0)
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
	status = emit_report(report, ra.format, ra.fail_on, ra.output);
done:
	og_report_free(report);
	return status;
}
