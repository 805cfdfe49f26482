/* The CI formats: markdown, GitHub workflow commands, JUnit, SARIF, errorlog. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "helpers.h"
#include "oci/digest.h"
#include "validate/report_internal.h"

/* ------------------------------------------------------------- helpers */

/*
 * An image with two platforms and two layers; five findings in mixed order,
 * two of them of one id; one suppressed finding whose check found nothing
 * else; checks that ran include two that found nothing.
 */
static og_report *sample_report(void)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "oci-archive:img.tar:v1");
	og_report_layer l;

	assert_non_null(r);
	assert_int_equal(og_report__set_image(r, "sha256:aaaa",
		"application/vnd.oci.image.index.v1+json"), 0);
	assert_int_equal(og_report__add_platform(r, "linux/amd64"), 0);
	assert_int_equal(og_report__add_platform(r, "linux/arm64/v8"), 0);
	memset(&l, 0, sizeof(l));
	l.digest = (char *)"sha256:1111";
	l.size = 1536;
	l.uncompressed_size = 3u << 20;
	l.walked = 1;
	assert_int_equal(og_report__add_layer(r, &l), 0);
	memset(&l, 0, sizeof(l));
	l.digest = (char *)"sha256:3333";
	l.size = 512;
	assert_int_equal(og_report__add_layer(r, &l), 0);

	assert_int_equal(og_findings_add(&r->findings, "annotations.missing", NULL,
		"no org.opencontainers.image.title"), 0);
	assert_int_equal(og_findings_add(&r->findings, "path.absolute", "/etc/passwd",
		"absolute entry name"), 0);
	assert_int_equal(og_findings_add(&r->findings, "blob.digest_mismatch", "sha256:1111",
		"layer bytes hash to sha256:9999"), 0);
	assert_int_equal(og_findings_add(&r->findings, "user.root", "", "no User in the config"), 0);
	assert_int_equal(og_findings_add(&r->findings, "path.absolute", "/usr/bin/x",
		"absolute entry name"), 0);
	assert_int_equal(og_findings_add(&r->suppressed, "labels.missing",
		"org.opencontainers.image.revision",
		"required label absent [ignored: tracked in TICKET-12]"), 0);
	assert_int_equal(og_report__add_check(r, "blob.digest_mismatch"), 0);
	assert_int_equal(og_report__add_check(r, "path.absolute"), 0);
	assert_int_equal(og_report__add_check(r, "user.root"), 0);
	assert_int_equal(og_report__add_check(r, "annotations.missing"), 0);
	assert_int_equal(og_report__add_check(r, "labels.missing"), 0);
	assert_int_equal(og_report__add_check(r, "layer.diffid_mismatch"), 0);
	assert_int_equal(og_report__add_check(r, "entrypoint.missing"), 0);
	r->policy_path = strdup("ci/policy.json");
	r->policy_digest = strdup("sha256:5555");
	assert_non_null(r->policy_path);
	assert_non_null(r->policy_digest);
	return r;
}

static char *render(const og_report *r, og_format_t format, og_severity_t fail_on)
{
	og_render_options opts = OG_RENDER_OPTIONS_INIT;
	char *out = NULL;

	opts.format = format;
	opts.fail_on = fail_on;
	assert_int_equal(og_report_render(&out, r, &opts), 0);
	assert_non_null(out);
	return out;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += len;
	}
	return n;
}

static void assert_contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("expected '%s' in:\n%.4000s", needle, text);
}

static void assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("did not expect '%s' in:\n%.4000s", needle, text);
}

/* Every line of text is valid UTF-8 and holds no control byte but TAB. */
static void assert_clean_lines(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text), i = 0;

	while (i < n) {
		uint32_t cp;
		size_t bad, len = og_report__utf8_next(p + i, n - i, &cp, &bad);

		if (!len)
			fail_msg("ill-formed UTF-8 at %zu", i);
		if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F)
			fail_msg("control 0x%02x at %zu in:\n%.4000s", (unsigned)cp, i, text);
		i += len;
	}
}

/* A finding with an id outside the catalogue (ids are borrowed, never freed),
 * so that hostile text can reach every field. */
static void add_raw(og_findings *list, const char *id, og_severity_t sev,
	const char *subject, const char *message)
{
	assert_int_equal(og_findings_add(list, "user.root", subject, "%s", message), 0);
	list->items[list->count - 1].id = id;
	list->items[list->count - 1].severity = sev;
}

static const char hostile[] = "a|b <script>x</script> `c` [l](http://e.invalid) *s* _u_ @team "
	"&amp; \\ ~ \"q\" 'q' line1\nline2\r\nline3\x01\x1b[31m\x7f \xFF \xEF\xBF\xBE end";

/* 1 if cmd (a shell command) exits 0. */
static int shell_ok(const char *cmd)
{
	return system(cmd) == 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* ------------------------------------------------------------- markdown */

static void test_validate_formats__markdown_structure(void **state)
{
	og_report *r = sample_report();
	const char *crit, *high1, *high2, *med, *low, *details;
	char *md;

	(void)state;
	md = render(r, OG_FORMAT_MARKDOWN, OG_SEV_NONE);
	assert_clean_lines(md);
	assert_true(strncmp(md, "## \xE2\x9D\x8C ocigate: FAIL \xE2\x80\x94 oci-archive:img.tar:v1\n\n",
		strlen("## \xE2\x9D\x8C ocigate: FAIL \xE2\x80\x94 oci-archive:img.tar:v1\n\n")) == 0);
	assert_contains(md, "| Image | Digest | Platforms | Layers | Compressed | Uncompressed |\n"
		"| --- | --- | --- | --- | --- | --- |\n"
		"| oci-archive:img.tar:v1 | sha256:aaaa | linux/amd64, linux/arm64/v8 | 2 (1 walked) | "
		"2.0 KiB | 3.0 MiB |\n");
	assert_contains(md, "**1 critical, 2 high, 1 medium, 1 low** \xC2\xB7 fails at HIGH or above "
		"\xC2\xB7 policy: ci/policy.json (sha256:5555)\n");
	assert_contains(md, "### Findings\n\n| Severity | ID | Subject | Message |\n"
		"| --- | --- | --- | --- |\n");
	/* Most severe first, report order within a severity; ids are escaped
	 * text ('_' is a character reference). */
	crit = strstr(md, "| CRITICAL | blob.digest&#95;mismatch | sha256:1111 | layer bytes hash to sha256:9999 |\n");
	high1 = strstr(md, "| HIGH | path.absolute | /etc/passwd | absolute entry name |\n");
	high2 = strstr(md, "| HIGH | path.absolute | /usr/bin/x | absolute entry name |\n");
	med = strstr(md, "| MEDIUM | user.root |  | no User in the config |\n");
	low = strstr(md, "| LOW | annotations.missing |  | no org.opencontainers.image.title |\n");
	details = strstr(md, "<details><summary>1 suppressed finding</summary>\n\n");
	assert_true(crit && high1 && high2 && med && low && details);
	assert_true(crit < high1 && high1 < high2 && high2 < med && med < low && low < details);
	assert_contains(details, "| HIGH | labels.missing | org.opencontainers.image.revision | "
		"required label absent &#91;ignored: tracked in TICKET-12&#93; |\n\n</details>\n");
	assert_lacks(md, "more findings not shown");
	assert_int_equal(md[strlen(md) - 1], '\n');
	og_free(md);

	/* --fail-on CRITICAL: the same findings only warn; built-in policy. */
	free(r->policy_path);
	free(r->policy_digest);
	r->policy_path = r->policy_digest = NULL;
	md = render(r, OG_FORMAT_MARKDOWN, OG_SEV_CRITICAL);
	assert_contains(md, "\xE2\x9D\x8C ocigate: FAIL");
	assert_contains(md, "fails at CRITICAL or above \xC2\xB7 policy: built-in default\n");
	og_free(md);
	og_report_free(r);
}

static void test_validate_formats__markdown_verdicts(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "oci:dir");
	char *md;

	(void)state;
	assert_non_null(r);
	md = render(r, OG_FORMAT_MARKDOWN, OG_SEV_HIGH);
	assert_contains(md, "## \xE2\x9C\x85 ocigate: PASS \xE2\x80\x94 oci:dir\n");
	assert_contains(md, "| oci:dir | - | - | 0 | 0 B | 0 B |\n");
	assert_contains(md, "### Findings\n\nNo findings.\n");
	assert_lacks(md, "<details>");
	og_free(md);
	assert_int_equal(og_findings_add(&r->findings, "user.root", NULL, "root"), 0);
	md = render(r, OG_FORMAT_MARKDOWN, OG_SEV_HIGH);
	assert_contains(md, "## \xE2\x9A\xA0\xEF\xB8\x8F ocigate: WARN");
	og_free(md);
	md = render(r, OG_FORMAT_MARKDOWN, OG_SEV_MEDIUM);
	assert_contains(md, "## \xE2\x9D\x8C ocigate: FAIL");
	og_free(md);
	og_report_free(r);

	r = og_report__new(OG_REPORT_DOCUMENT, "manifest.json");
	assert_non_null(r);
	r->document_type = strdup("manifest");
	md = render(r, OG_FORMAT_MARKDOWN, OG_SEV_HIGH);
	assert_contains(md, "| Document | Type |\n| --- | --- |\n| manifest.json | manifest |\n");
	assert_lacks(md, "| Image |");
	og_free(md);
	og_report_free(r);
}

static void test_validate_formats__markdown_escaping(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "ref|<b>`x`");
	const char *row, *end;
	char *md;
	size_t pipes = 0;

	(void)state;
	assert_non_null(r);
	add_raw(&r->findings, "user.root", OG_SEV_HIGH, "sub|ject\nx", hostile);
	md = render(r, OG_FORMAT_MARKDOWN, OG_SEV_HIGH);
	assert_clean_lines(md);
	assert_contains(md, "ref&#124;&#60;b&#62;&#96;x&#96;");
	row = strstr(md, "| HIGH | ");
	assert_non_null(row);
	end = strchr(row, '\n');
	assert_non_null(end);
	/* The row is one line with exactly its five cell separators. */
	for (; row < end; row++)
		pipes += *row == '|';
	assert_int_equal(pipes, 5);
	assert_contains(md, "| HIGH | user.root | sub&#124;ject<br>x | a&#124;b &#60;script&#62;x&#60;/script&#62; "
		"&#96;c&#96; &#91;l&#93;(http://e.invalid) &#42;s&#42; &#95;u&#95; &#64;team "
		"&#38;amp; &#92; &#126; \"q\" 'q' line1<br>line2<br>line3\xEF\xBF\xBD\xEF\xBF\xBD&#91;31m"
		"\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBE end |\n");
	assert_lacks(md, "<script>");
	og_free(md);
	og_report_free(r);
}

static void test_validate_formats__markdown_truncation(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "big");
	char note[128], *md, *big;
	size_t i, rows, len;
	const char *at;
	unsigned long left;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < 100000; i++)
		assert_int_equal(og_findings_add(&r->findings, "file.world_writable", NULL,
			"/srv/data/file-%06zu is writable by everyone", i), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(og_findings_add(&r->suppressed, "file.setuid", NULL,
			"s %zu [ignored: ok]", i), 0);
	md = render(r, OG_FORMAT_MARKDOWN, OG_SEV_HIGH);
	len = strlen(md);
	assert_true(len < 1000000);
	assert_true(len > 900000); /* the budget is used, not wasted */
	rows = count_of(md, "| MEDIUM | file.world&#95;writable |");
	at = strstr(md, "\n\xE2\x80\xA6 ");
	assert_non_null(at);
	assert_int_equal(sscanf(at + 5, "%lu", &left), 1);
	assert_int_equal(rows + left, 100000);
	snprintf(note, sizeof(note), "\n\xE2\x80\xA6 %lu more findings not shown "
		"(GitHub's 1 MiB summary limit)\n", left);
	assert_contains(md, note);
	/* The suppressed block is there, closed, its rows cut by the budget. */
	assert_contains(md, "<details><summary>10 suppressed findings</summary>");
	assert_contains(md, "\xE2\x80\xA6 10 more suppressed findings not shown "
		"(GitHub's 1 MiB summary limit)\n\n</details>\n");
	/* The most severe rows survive a cut: rows go in severity order. */
	assert_true(rows > 1000);
	og_free(md);
	og_report_free(r);

	/* One huge message is cut inside its cell. */
	r = og_report__new(OG_REPORT_IMAGE, "big");
	assert_non_null(r);
	big = malloc(3u << 20);
	assert_non_null(big);
	memset(big, '<', (3u << 20) - 1);
	big[(3u << 20) - 1] = '\0';
	assert_int_equal(og_findings_add(&r->findings, "user.root", big, "%s", big), 0);
	free(big);
	md = render(r, OG_FORMAT_MARKDOWN, OG_SEV_HIGH);
	assert_true(strlen(md) < 10000);
	assert_contains(md, "&#60;\xE2\x80\xA6 | &#60;");
	assert_contains(md, "&#60;\xE2\x80\xA6 |\n");
	assert_lacks(md, "more findings not shown");
	og_free(md);
	og_report_free(r);
}

/* --------------------------------------------------------------- github */

static void test_validate_formats__github_levels(void **state)
{
	og_report *r = sample_report();
	char *gh;

	(void)state;
	gh = render(r, OG_FORMAT_GITHUB, OG_SEV_NONE);
	assert_clean_lines(gh);
	assert_string_equal(gh,
		"::error title=blob.digest_mismatch::sha256:1111: layer bytes hash to sha256:9999\n"
		"::error title=path.absolute::/etc/passwd: absolute entry name\n"
		"::error title=path.absolute::/usr/bin/x: absolute entry name\n"
		"::warning title=user.root::no User in the config\n"
		"::notice title=annotations.missing::no org.opencontainers.image.title\n");
	og_free(gh);
	/* Fail on CRITICAL: HIGH findings are warnings. */
	gh = render(r, OG_FORMAT_GITHUB, OG_SEV_CRITICAL);
	assert_int_equal(count_of(gh, "::error "), 1);
	assert_int_equal(count_of(gh, "::warning "), 3);
	assert_int_equal(count_of(gh, "::notice "), 1);
	og_free(gh);
	/* Fail on LOW: everything is an error. */
	gh = render(r, OG_FORMAT_GITHUB, OG_SEV_LOW);
	assert_int_equal(count_of(gh, "::error "), 5);
	assert_int_equal(count_of(gh, "\n"), 5);
	og_free(gh);
	og_report_free(r);

	r = og_report__new(OG_REPORT_IMAGE, "x");
	assert_non_null(r);
	gh = render(r, OG_FORMAT_GITHUB, OG_SEV_HIGH);
	assert_string_equal(gh, "");
	og_free(gh);
	og_report_free(r);
}

static void test_validate_formats__github_limits(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "x");
	char *gh;
	size_t i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < 25; i++)
		assert_int_equal(og_findings_add(&r->findings, "link.escape", "l", "e%zu", i), 0);
	for (i = 0; i < 13; i++)
		assert_int_equal(og_findings_add(&r->findings, "file.setuid", "s", "w%zu", i), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(og_findings_add(&r->findings, "efficiency.wasted", "", "n%zu", i), 0);
	gh = render(r, OG_FORMAT_GITHUB, OG_SEV_HIGH);
	assert_int_equal(count_of(gh, "::error title="), 10);
	assert_int_equal(count_of(gh, "::warning title="), 10);
	assert_int_equal(count_of(gh, "::notice title="), 3);
	assert_contains(gh, "::error title=link.escape::l: e0\n");
	assert_contains(gh, "::error title=link.escape::l: e9\n");
	assert_lacks(gh, "l: e10\n");
	assert_contains(gh, "::warning::ocigate: 15 more errors not shown\n");
	assert_contains(gh, "::warning::ocigate: 3 more warnings not shown\n");
	assert_lacks(gh, "more notices");
	assert_int_equal(count_of(gh, "\n"), 25);
	og_free(gh);
	og_report_free(r);
}

static void test_validate_formats__github_injection(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "x");
	const char *line;
	char *gh;

	(void)state;
	assert_non_null(r);
	add_raw(&r->findings, "evil:id,x\n::add-mask::y", OG_SEV_CRITICAL,
		"a:b,c\n::error::pwned",
		"x\n::set-env name=PATH::/tmp\r\n::stop-commands::t 100% %0A\x1b[2J \xC3");
	gh = render(r, OG_FORMAT_GITHUB, OG_SEV_HIGH);
	assert_clean_lines(gh);
	assert_string_equal(gh,
		"::error title=evil%3Aid%2Cx%0A%3A%3Aadd-mask%3A%3Ay::a:b,c%0A::error::pwned: "
		"x%0A::set-env name=PATH::/tmp%0D%0A::stop-commands::t 100%25 %250A"
		"\xEF\xBF\xBD[2J \xEF\xBF\xBD\n");
	/* One line, which starts with the one command. */
	assert_int_equal(count_of(gh, "\n"), 1);
	for (line = gh; *line; line = strchr(line, '\n') + 1)
		assert_true(strncmp(line, "::error title=", 14) == 0);
	og_free(gh);
	og_report_free(r);
}

/* ---------------------------------------------------------------- JUnit */

/* xmllint --noout on text, when xmllint is installed: 1 ok, 0 missing. */
static int xmllint_ok(const char *text)
{
	char *dir, path[4200], cmd[8600];
	int ok;

	if (!shell_ok("command -v xmllint >/dev/null 2>&1"))
		return 0;
	dir = og_test_tmpdir();
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	write_file(path, text);
	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	ok = shell_ok(cmd);
	og_test_tmpdir_done(dir, !ok);
	if (!ok)
		fail_msg("xmllint rejects:\n%.4000s", text);
	return 1;
}

static void test_validate_formats__junit_structure(void **state)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
		"name=\"ocigate\" tests=\"7\" failures=\"2\" errors=\"0\" skipped=\"1\"";
	og_report *r = sample_report();
	char *xml;

	(void)state;
	xml = render(r, OG_FORMAT_JUNIT, OG_SEV_NONE);
	assert_clean_lines(xml);
	assert_true(strncmp(xml, head, strlen(head)) == 0);
	assert_int_equal(count_of(xml, "<testsuite "), 1);
	assert_contains(xml, "<testsuite name=\"oci-archive:img.tar:v1 [linux/amd64, linux/arm64/v8]\" "
		"tests=\"7\" failures=\"2\" errors=\"0\" skipped=\"1\"");
	assert_contains(xml, "<property name=\"digest\" value=\"sha256:aaaa\"/>");
	assert_contains(xml, "<property name=\"verdict\" value=\"FAIL\"/>");
	assert_contains(xml, "<property name=\"fail_on\" value=\"HIGH\"/>");
	assert_contains(xml, "<property name=\"policy\" value=\"ci/policy.json\"/>");
	/* One testcase per check, passing ones too, sorted by id. */
	assert_int_equal(count_of(xml, "<testcase "), 7);
	assert_contains(xml, "<testcase classname=\"ocigate\" name=\"entrypoint.missing\"/>\n");
	assert_contains(xml, "<testcase classname=\"ocigate\" name=\"layer.diffid_mismatch\"/>\n");
	assert_true(strstr(xml, "name=\"annotations.missing\"") < strstr(xml, "name=\"blob.digest_mismatch\""));
	assert_true(strstr(xml, "name=\"path.absolute\"") < strstr(xml, "name=\"user.root\""));
	/* Two findings of one id: one testcase, one failure listing both. */
	assert_contains(xml, "<testcase classname=\"ocigate\" name=\"path.absolute\">\n"
		"      <failure message=\"/etc/passwd: absolute entry name (and 1 more)\" type=\"HIGH\">"
		"HIGH /etc/passwd: absolute entry name\nHIGH /usr/bin/x: absolute entry name\n"
		"</failure>\n    </testcase>\n");
	assert_contains(xml, "<testcase classname=\"ocigate\" name=\"blob.digest_mismatch\">\n"
		"      <failure message=\"sha256:1111: layer bytes hash to sha256:9999\" type=\"CRITICAL\">"
		"CRITICAL sha256:1111: layer bytes hash to sha256:9999\n</failure>\n    </testcase>\n");
	/* Under the threshold: system-out, no failure. */
	assert_contains(xml, "<testcase classname=\"ocigate\" name=\"user.root\">\n"
		"      <system-out>MEDIUM no User in the config\n</system-out>\n    </testcase>\n");
	assert_contains(xml, "<testcase classname=\"ocigate\" name=\"annotations.missing\">\n"
		"      <system-out>LOW no org.opencontainers.image.title\n</system-out>\n");
	/* All suppressed: skipped, with the reason. */
	assert_contains(xml, "<testcase classname=\"ocigate\" name=\"labels.missing\">\n"
		"      <skipped message=\"ignored: tracked in TICKET-12\"/>\n      <system-out>HIGH "
		"org.opencontainers.image.revision: required label absent [ignored: tracked in TICKET-12]\n"
		"</system-out>\n");
	assert_true(xml[strlen(xml) - 1] == '\n');
	assert_contains(xml, "  </testsuite>\n</testsuites>\n");
	xmllint_ok(xml);
	og_free(xml);

	/* The run's wall time, in seconds with a dot. */
	r->seconds = 12.3456;
	xml = render(r, OG_FORMAT_JUNIT, OG_SEV_NONE);
	assert_contains(xml, "skipped=\"1\" time=\"12.346\">\n  <testsuite ");
	og_free(xml);

	/* Fail on CRITICAL: one failure; LOW: four. */
	xml = render(r, OG_FORMAT_JUNIT, OG_SEV_CRITICAL);
	assert_contains(xml, "tests=\"7\" failures=\"1\" errors=\"0\" skipped=\"1\"");
	assert_contains(xml, "<system-out>HIGH /etc/passwd: absolute entry name\nHIGH /usr/bin/x");
	og_free(xml);
	xml = render(r, OG_FORMAT_JUNIT, OG_SEV_LOW);
	assert_contains(xml, "tests=\"7\" failures=\"4\" errors=\"0\" skipped=\"1\"");
	og_free(xml);
	og_report_free(r);
}

static void test_validate_formats__junit_ids_without_checks(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, NULL);
	char *xml;

	(void)state;
	assert_non_null(r);
	/* A finding whose check is not in report->checks still gets its testcase. */
	assert_int_equal(og_findings_add(&r->findings, "link.escape", "a", "m"), 0);
	xml = render(r, OG_FORMAT_JUNIT, OG_SEV_HIGH);
	assert_contains(xml, "<testsuite name=\"image\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\"");
	assert_contains(xml, "name=\"link.escape\">\n      <failure message=\"a: m\" type=\"CRITICAL\">");
	xmllint_ok(xml);
	og_free(xml);
	og_report_free(r);

	/* Nothing ran, nothing found: a well-formed, empty suite. */
	r = og_report__new(OG_REPORT_DOCUMENT, "m.json");
	assert_non_null(r);
	r->document_type = strdup("manifest");
	xml = render(r, OG_FORMAT_JUNIT, OG_SEV_HIGH);
	assert_contains(xml, "<testsuite name=\"m.json [manifest]\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\"");
	xmllint_ok(xml);
	og_free(xml);
	og_report_free(r);
}

static void test_validate_formats__junit_escaping(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "r&f<\"'>\x02");
	char *xml;

	(void)state;
	assert_non_null(r);
	assert_int_equal(og_report__add_platform(r, "linux/\xFF"), 0);
	add_raw(&r->findings, "id<&>\"'", OG_SEV_CRITICAL, "s\x01ub]]>", hostile);
	add_raw(&r->findings, "id<&>\"'", OG_SEV_LOW, "low", "tab\there");
	xml = render(r, OG_FORMAT_JUNIT, OG_SEV_HIGH);
	assert_clean_lines(xml);
	assert_contains(xml, "<testsuite name=\"r&amp;f&lt;&quot;&apos;&gt; [linux/\xEF\xBF\xBD]\"");
	assert_contains(xml, "<testcase classname=\"ocigate\" name=\"id&lt;&amp;&gt;&quot;&apos;\">");
	/* Attribute: newlines as references; body: newlines kept. Controls,
	 * ESC, DEL, U+FFFE gone; \xFF is U+FFFD. */
	assert_contains(xml, "<failure message=\"sub]]&gt;: a|b &lt;script&gt;x&lt;/script&gt; `c` "
		"[l](http://e.invalid) *s* _u_ @team &amp;amp; \\ ~ &quot;q&quot; &apos;q&apos; "
		"line1&#10;line2&#13;&#10;line3[31m \xEF\xBF\xBD  end\" type=\"CRITICAL\">");
	assert_contains(xml, "line1\nline2&#13;\nline3[31m \xEF\xBF\xBD  end\n</failure>");
	assert_contains(xml, "<system-out>LOW low: tab\there\n</system-out>");
	assert_lacks(xml, "\xEF\xBF\xBE");
	assert_lacks(xml, "]]>");
	xmllint_ok(xml);
	og_free(xml);
	og_report_free(r);
}

/* ---------------------------------------------------------------- SARIF */

static json_t *render_sarif(const og_report *r, og_severity_t fail_on)
{
	char *text = render(r, OG_FORMAT_SARIF, fail_on);
	json_error_t err;
	json_t *root = json_loads(text, 0, &err);

	if (!root)
		fail_msg("SARIF does not parse: %s\n%.2000s", err.text, text);
	og_free(text);
	return root;
}

static const char *jstr_at(json_t *v, const char *path)
{
	json_t *cur = v;
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		if (tok[0] >= '0' && tok[0] <= '9')
			cur = json_array_get(cur, strtoul(tok, NULL, 10));
		else
			cur = json_object_get(cur, tok);
	}
	if (!json_is_string(cur))
		fail_msg("%s is not a string", path);
	return json_string_value(cur);
}

static json_t *jat(json_t *v, const char *path)
{
	json_t *cur = v;
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		if (tok[0] >= '0' && tok[0] <= '9')
			cur = json_array_get(cur, strtoul(tok, NULL, 10));
		else
			cur = json_object_get(cur, tok);
	}
	return cur;
}

static void test_validate_formats__sarif_structure(void **state)
{
	static const char *const rule_ids[] = { "blob.digest_mismatch", "layer.diffid_mismatch",
		"labels.missing", "entrypoint.missing", "user.root", "annotations.missing",
		"path.absolute" };
	static const struct {
		const char *id, *level, *uri, *logical;
	} results[] = {
		{ "annotations.missing", "note", "oci-archive%3Aimg.tar%3Av1", NULL },
		{ "path.absolute", "error", "oci-archive%3Aimg.tar%3Av1/etc/passwd", "/etc/passwd" },
		{ "blob.digest_mismatch", "error", "oci-archive%3Aimg.tar%3Av1", "sha256:1111" },
		{ "user.root", "warning", "oci-archive%3Aimg.tar%3Av1", NULL },
		{ "path.absolute", "error", "oci-archive%3Aimg.tar%3Av1/usr/bin/x", "/usr/bin/x" },
		{ "labels.missing", "error", "oci-archive%3Aimg.tar%3Av1", "org.opencontainers.image.revision" },
	};
	og_report *r = sample_report();
	json_t *root, *run, *rules, *res;
	size_t i;

	(void)state;
	root = render_sarif(r, OG_SEV_NONE);
	assert_string_equal(jstr_at(root, "$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
	assert_string_equal(jstr_at(root, "version"), "2.1.0");
	assert_int_equal(json_array_size(json_object_get(root, "runs")), 1);
	run = jat(root, "runs.0");
	assert_string_equal(jstr_at(run, "tool.driver.name"), "ocigate");
	assert_string_equal(jstr_at(run, "tool.driver.version"), OG_VERSION);
	assert_null(jat(run, "tool.driver.informationUri"));
	/* Rules: the checks that ran or found something, in catalogue order. */
	rules = jat(run, "tool.driver.rules");
	assert_int_equal(json_array_size(rules), sizeof(rule_ids) / sizeof(rule_ids[0]));
	for (i = 0; i < json_array_size(rules); i++) {
		json_t *rule = json_array_get(rules, i);

		assert_string_equal(jstr_at(rule, "id"), rule_ids[i]);
		assert_true(strlen(jstr_at(rule, "shortDescription.text")) > 5);
		assert_true(strlen(jstr_at(rule, "fullDescription.text")) > 20);
		assert_true(json_is_array(jat(rule, "properties.tags")));
		assert_string_equal(jstr_at(rule, "properties.tags.0"), "security");
	}
	assert_string_equal(jstr_at(rules, "0.name"), "BlobDigestMismatch");
	assert_string_equal(jstr_at(rules, "0.defaultConfiguration.level"), "error");
	assert_string_equal(jstr_at(rules, "0.properties.security-severity"), "9.5");
	assert_string_equal(jstr_at(rules, "0.properties.tags.2"), "integrity");
	assert_string_equal(jstr_at(rules, "4.properties.security-severity"), "5.5");
	assert_string_equal(jstr_at(rules, "4.defaultConfiguration.level"), "warning");
	assert_string_equal(jstr_at(rules, "5.properties.security-severity"), "3.0");
	assert_string_equal(jstr_at(rules, "5.defaultConfiguration.level"), "note");
	assert_string_equal(jstr_at(rules, "6.properties.security-severity"), "8.0");
	/* Results: findings, then the suppressed ones. */
	res = jat(run, "results");
	assert_int_equal(json_array_size(res), sizeof(results) / sizeof(results[0]));
	for (i = 0; i < json_array_size(res); i++) {
		json_t *x = json_array_get(res, i);
		json_int_t idx = json_integer_value(json_object_get(x, "ruleIndex"));

		assert_string_equal(jstr_at(x, "ruleId"), results[i].id);
		assert_string_equal(jstr_at(json_array_get(rules, (size_t)idx), "id"), results[i].id);
		assert_string_equal(jstr_at(x, "level"), results[i].level);
		assert_int_equal(json_array_size(json_object_get(x, "locations")), 1);
		assert_string_equal(jstr_at(x, "locations.0.physicalLocation.artifactLocation.uri"),
			results[i].uri);
		assert_null(jat(x, "locations.0.physicalLocation.artifactLocation.uriBaseId"));
		assert_string_equal(jstr_at(x, "locations.0.physicalLocation.artifactLocation.properties.digest"),
			"sha256:aaaa");
		assert_int_equal(json_integer_value(jat(x, "locations.0.physicalLocation.region.startLine")), 1);
		if (results[i].logical)
			assert_string_equal(jstr_at(x, "locations.0.logicalLocations.0.name"),
				results[i].logical);
		else
			assert_null(jat(x, "locations.0.logicalLocations"));
		assert_int_equal(strlen(jstr_at(x, "partialFingerprints.ocigate/v1")), 64);
		assert_null(jat(x, i < 5 ? "suppressions" : "nothing"));
	}
	assert_string_equal(jstr_at(res, "2.message.text"), "sha256:1111: layer bytes hash to sha256:9999");
	assert_string_equal(jstr_at(res, "0.message.text"), "no org.opencontainers.image.title");
	/* Suppressed: an external suppression with the reason; the message
	 * loses its " [ignored: ...]" tail. */
	assert_int_equal(json_array_size(jat(res, "5.suppressions")), 1);
	assert_string_equal(jstr_at(res, "5.suppressions.0.kind"), "external");
	assert_string_equal(jstr_at(res, "5.suppressions.0.justification"), "tracked in TICKET-12");
	assert_string_equal(jstr_at(res, "5.message.text"),
		"org.opencontainers.image.revision: required label absent");
	assert_string_equal(jstr_at(run, "properties.verdict"), "FAIL");
	assert_string_equal(jstr_at(run, "properties.failOn"), "HIGH");
	assert_string_equal(jstr_at(run, "properties.image.digest"), "sha256:aaaa");
	assert_string_equal(jstr_at(run, "properties.policy.path"), "ci/policy.json");
	json_decref(root);
	og_report_free(r);
}

static void test_validate_formats__sarif_levels_follow_findings(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "x");
	json_t *root;

	(void)state;
	assert_non_null(r);
	/* The policy raised user.root to CRITICAL: the result says error and the
	 * rule carries the severity the run gave it. */
	assert_int_equal(og_findings_add(&r->findings, "user.root", NULL, "root"), 0);
	r->findings.items[0].severity = OG_SEV_CRITICAL;
	root = render_sarif(r, OG_SEV_HIGH);
	assert_string_equal(jstr_at(root, "runs.0.results.0.level"), "error");
	assert_string_equal(jstr_at(root, "runs.0.tool.driver.rules.0.properties.security-severity"), "9.5");
	assert_string_equal(jstr_at(root, "runs.0.tool.driver.rules.0.defaultConfiguration.level"), "error");
	json_decref(root);
	og_report_free(r);
}

static void test_validate_formats__sarif_uris(void **state)
{
	static const struct {
		const char *ref, *id, *subject, *uri;
	} cases[] = {
		{ "oci:/tmp/img:latest", "path.traversal", "../../etc/shadow", "oci%3A/tmp/img:latest/etc/shadow" },
		{ "oci:/tmp/img:latest", "link.escape", "./a/./b/../c//d/", "oci%3A/tmp/img:latest/a/b/c/d" },
		{ "/abs/path/image.tar", "file.setuid", "usr/bin/su", "abs/path/image.tar/usr/bin/su" },
		{ "docker://reg.example:5000/app:1", "secret.token", "/app/.env",
		  "docker%3A/reg.example:5000/app:1/app/.env" },
		{ "oci:dir", "path.absolute", "sp ace/%/q?#h\xC3\xA9\xFF", "oci%3Adir/sp%20ace/%25/q%3F%23h%C3%A9%EF%BF%BD" },
		{ "oci:dir", "user.root", "root", "oci%3Adir" },
		{ "oci:dir", "blob.digest_mismatch", "sha256:1111", "oci%3Adir" },
		{ "..", "path.absolute", "..", "image" },
		{ NULL, "labels.missing", "k", "image" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		og_report *r = og_report__new(OG_REPORT_IMAGE, cases[i].ref);
		json_t *root;

		assert_non_null(r);
		assert_int_equal(og_findings_add(&r->findings, cases[i].id, cases[i].subject, "m"), 0);
		root = render_sarif(r, OG_SEV_HIGH);
		if (strcmp(jstr_at(root, "runs.0.results.0.locations.0.physicalLocation.artifactLocation.uri"),
			cases[i].uri) != 0)
			fail_msg("case %zu: uri %s, expected %s", i,
				jstr_at(root, "runs.0.results.0.locations.0.physicalLocation.artifactLocation.uri"),
				cases[i].uri);
		json_decref(root);
		og_report_free(r);
	}
}

static const char *fingerprint(const og_report *r, size_t i)
{
	static char fp[128];
	json_t *root = render_sarif(r, OG_SEV_HIGH);
	char path[64];

	snprintf(path, sizeof(path), "runs.0.results.%zu.partialFingerprints.ocigate/v1", i);
	snprintf(fp, sizeof(fp), "%s", jstr_at(root, path));
	json_decref(root);
	return fp;
}

static void test_validate_formats__sarif_fingerprints(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "oci:dir");
	char first[128], expect[OG_DIGEST_MAX], fps[4][128];
	static const char input[] = "path.absolute\0/etc/passwd\0sha256:aaaa";
	size_t i, j;

	(void)state;
	assert_non_null(r);
	assert_int_equal(og_report__set_image(r, "sha256:aaaa", NULL), 0);
	assert_int_equal(og_findings_add(&r->findings, "path.absolute", "/etc/passwd", "one"), 0);
	assert_int_equal(og_findings_add(&r->findings, "path.absolute", "/etc/shadow", "one"), 0);
	assert_int_equal(og_findings_add(&r->findings, "path.traversal", "/etc/passwd", "one"), 0);
	assert_int_equal(og_findings_add(&r->findings, "path.absolute", "/etc/passwd", "other text"), 0);
	snprintf(first, sizeof(first), "%s", fingerprint(r, 0));
	/* sha256 of id NUL subject NUL image digest. */
	assert_int_equal(og_digest_buf(expect, NULL, OG_DIGEST_SHA256, input, sizeof(input) - 1), 0);
	assert_string_equal(first, expect + strlen("sha256:"));
	/* Stable: again, and whatever the message, severity or ref. */
	assert_string_equal(fingerprint(r, 0), first);
	assert_string_equal(fingerprint(r, 3), first);
	r->findings.items[0].severity = OG_SEV_LOW;
	free(r->ref);
	r->ref = strdup("oci:elsewhere");
	assert_string_equal(fingerprint(r, 0), first);
	/* Distinct for another subject, another id, another image. */
	for (i = 0; i < 3; i++)
		snprintf(fps[i], sizeof(fps[i]), "%s", fingerprint(r, i));
	assert_int_equal(og_report__set_image(r, "sha256:bbbb", NULL), 0);
	snprintf(fps[3], sizeof(fps[3]), "%s", fingerprint(r, 0));
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			if (strcmp(fps[i], fps[j]) == 0)
				fail_msg("fingerprints %zu and %zu collide", i, j);
	og_report_free(r);
}

static void test_validate_formats__sarif_every_rule_described(void **state)
{
	og_report *r = og_report__new(OG_REPORT_IMAGE, "x");
	const og_check *all;
	json_t *root, *rules;
	size_t count, i;

	(void)state;
	assert_non_null(r);
	all = og_check_all(&count);
	for (i = 0; i < count; i++)
		assert_int_equal(og_report__add_check(r, all[i].id), 0);
	root = render_sarif(r, OG_SEV_HIGH);
	rules = jat(root, "runs.0.tool.driver.rules");
	assert_int_equal(json_array_size(rules), count);
	for (i = 0; i < count; i++) {
		json_t *rule = json_array_get(rules, i);
		static const char *const sev[] = { "3.0", "3.0", "5.5", "8.0", "9.5" };

		assert_string_equal(jstr_at(rule, "id"), all[i].id);
		if (strcmp(jstr_at(rule, "fullDescription.text"), "A check outside ocigate's catalogue.") == 0)
			fail_msg("no description for %s", all[i].id);
		if (strcmp(jstr_at(rule, "shortDescription.text"), all[i].id) == 0)
			fail_msg("no short description for %s", all[i].id);
		assert_string_equal(jstr_at(rule, "properties.security-severity"), sev[all[i].severity]);
		assert_int_equal(json_array_size(jat(rule, "properties.tags")), 3);
	}
	assert_int_equal(json_array_size(jat(root, "runs.0.results")), 0);
	json_decref(root);
	og_report_free(r);
}

/* The vendored SARIF 2.1.0 schema accepts what we write (when a python3
 * with the jsonschema module is at hand). */
static void test_validate_formats__sarif_schema(void **state)
{
	static const char script[] =
		"import json, sys\n"
		"import jsonschema\n"
		"schema = json.load(open(sys.argv[1]))\n"
		"doc = json.load(open(sys.argv[2]))\n"
		"jsonschema.Draft7Validator(schema).validate(doc)\n";
	const char *testdata = getenv("OG_TESTDATA");
	const char *pythons[] = { "python3", "/usr/bin/python3" };
	char *dir, *text, path[4200], cmd[16000];
	const char *python = NULL;
	og_report *r = sample_report();
	size_t i;
	int ok;

	(void)state;
	if (!testdata)
		skip();
	for (i = 0; i < 2 && !python; i++) {
		snprintf(cmd, sizeof(cmd), "%s -c 'import jsonschema' >/dev/null 2>&1", pythons[i]);
		if (shell_ok(cmd))
			python = pythons[i];
	}
	if (!python) {
		og_report_free(r);
		skip();
	}
	dir = og_test_tmpdir();
	add_raw(&r->findings, "user.root", OG_SEV_LOW, "sub/../x\xFF", hostile);
	add_raw(&r->findings, "not.in.catalogue", OG_SEV_MEDIUM, "", "m");
	text = render(r, OG_FORMAT_SARIF, OG_SEV_HIGH);
	snprintf(path, sizeof(path), "%s/report.sarif", dir);
	write_file(path, text);
	og_free(text);
	snprintf(path, sizeof(path), "%s/check.py", dir);
	write_file(path, script);
	snprintf(cmd, sizeof(cmd), "%s '%s/check.py' '%s/sarif/sarif-schema-2.1.0.json' '%s/report.sarif'",
		python, dir, testdata, dir);
	ok = shell_ok(cmd);
	og_test_tmpdir_done(dir, !ok);
	if (!ok)
		fail_msg("the SARIF schema rejects the report: %s", cmd);
	og_report_free(r);
}

/* ------------------------------------------------------------- errorlog */

static void test_validate_formats__errorlog_lines(void **state)
{
	og_report *r = sample_report();
	char *text = NULL, *line, *save = NULL;
	size_t n = 0;

	(void)state;
	add_raw(&r->findings, "user.root", OG_SEV_MEDIUM, "a\nb", "two\nlines\r\n{\"x\":1}\n\xFF");
	assert_int_equal(og_report__render_errorlog(&text, r, (time_t)1796072400), 0);
	assert_clean_lines(text);
	/* 6 findings and 1 suppressed: 7 lines, each one JSON object. */
	assert_int_equal(count_of(text, "\n"), 7);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		json_error_t err;
		json_t *o = json_loads(line, 0, &err), *ctx;
		const char *key;
		char keys[256] = "";
		json_t *v;

		if (!o)
			fail_msg("line %zu is not JSON: %s", n, err.text);
		json_object_foreach(o, key, v) {
			(void)v;
			if (keys[0])
				strncat(keys, ",", sizeof(keys) - strlen(keys) - 1);
			strncat(keys, key, sizeof(keys) - strlen(keys) - 1);
		}
		assert_string_equal(keys, n < 6 ? "time,id,category,severity,subject,message,context"
			: "time,id,category,severity,subject,message,context,suppressed");
		assert_string_equal(jstr_at(o, "time"), "2026-11-30T21:00:00Z");
		ctx = json_object_get(o, "context");
		assert_string_equal(jstr_at(ctx, "ref"), "oci-archive:img.tar:v1");
		assert_string_equal(jstr_at(ctx, "digest"), "sha256:aaaa");
		assert_int_equal(json_array_size(json_object_get(ctx, "platforms")), 2);
		assert_string_equal(jstr_at(ctx, "platforms.1"), "linux/arm64/v8");
		if (n == 2) {
			assert_string_equal(jstr_at(o, "id"), "blob.digest_mismatch");
			assert_string_equal(jstr_at(o, "severity"), "CRITICAL");
			assert_string_equal(jstr_at(o, "category"), "VALIDATION");
			assert_string_equal(jstr_at(o, "subject"), "sha256:1111");
		}
		if (n == 5) {
			assert_string_equal(jstr_at(o, "subject"), "a\nb");
			assert_string_equal(jstr_at(o, "message"), "two\nlines\r\n{\"x\":1}\n\xEF\xBF\xBD");
		}
		if (n == 6) {
			assert_string_equal(jstr_at(o, "id"), "labels.missing");
			assert_true(json_is_true(json_object_get(o, "suppressed")));
		}
		json_decref(o);
	}
	assert_int_equal(n, 7);
	free(text);
	og_report_free(r);
}

static void test_validate_formats__errorlog_now(void **state)
{
	og_report *r = sample_report();
	time_t before = time(NULL), after, t;
	struct tm tm;
	char *text;
	json_t *o;

	(void)state;
	text = render(r, OG_FORMAT_ERRORLOG, OG_SEV_NONE);
	after = time(NULL);
	*strchr(text, '\n') = '\0';
	o = json_loads(text, 0, NULL);
	assert_non_null(o);
	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(jstr_at(o, "time"), "%Y-%m-%dT%H:%M:%SZ", &tm));
	assert_int_equal(strlen(jstr_at(o, "time")), 20);
	t = timegm(&tm);
	assert_true(t >= before && t <= after);
	json_decref(o);
	og_free(text);
	og_report_free(r);

	/* Nothing found: no lines at all. */
	r = og_report__new(OG_REPORT_IMAGE, "x");
	assert_non_null(r);
	text = render(r, OG_FORMAT_ERRORLOG, OG_SEV_NONE);
	assert_string_equal(text, "");
	og_free(text);
	og_report_free(r);
}

/* Every format copes with an empty report and with NULL strings. */
static void test_validate_formats__empty_reports(void **state)
{
	static const og_format_t formats[] = { OG_FORMAT_MARKDOWN, OG_FORMAT_GITHUB,
		OG_FORMAT_JUNIT, OG_FORMAT_SARIF, OG_FORMAT_ERRORLOG };
	og_report *r = og_report__new(OG_REPORT_IMAGE, NULL);
	size_t i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char *out = render(r, formats[i], OG_SEV_NONE);

		assert_clean_lines(out);
		og_free(out);
	}
	og_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_formats__markdown_structure),
		cmocka_unit_test(test_validate_formats__markdown_verdicts),
		cmocka_unit_test(test_validate_formats__markdown_escaping),
		cmocka_unit_test(test_validate_formats__markdown_truncation),
		cmocka_unit_test(test_validate_formats__github_levels),
		cmocka_unit_test(test_validate_formats__github_limits),
		cmocka_unit_test(test_validate_formats__github_injection),
		cmocka_unit_test(test_validate_formats__junit_structure),
		cmocka_unit_test(test_validate_formats__junit_ids_without_checks),
		cmocka_unit_test(test_validate_formats__junit_escaping),
		cmocka_unit_test(test_validate_formats__sarif_structure),
		cmocka_unit_test(test_validate_formats__sarif_levels_follow_findings),
		cmocka_unit_test(test_validate_formats__sarif_uris),
		cmocka_unit_test(test_validate_formats__sarif_fingerprints),
		cmocka_unit_test(test_validate_formats__sarif_every_rule_described),
		cmocka_unit_test(test_validate_formats__sarif_schema),
		cmocka_unit_test(test_validate_formats__errorlog_lines),
		cmocka_unit_test(test_validate_formats__errorlog_now),
		cmocka_unit_test(test_validate_formats__empty_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
