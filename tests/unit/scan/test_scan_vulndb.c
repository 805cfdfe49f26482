/* The OSV vulnerability database: loading (dir, zip, file), matching, severity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "scan/vulndb.h"

typedef struct fixture {
	og_ctx *ctx;
	og_vulndb *db;
	char *tmp;
	char osv[4096];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	const char *td = getenv("OG_TESTDATA");

	assert_non_null(f);
	assert_int_equal(og_ctx_new(&f->ctx), 0);
	snprintf(f->osv, sizeof(f->osv), "%s/osv", td ? td : "testdata");
	f->tmp = og_test_tmpdir();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	og_vulndb_free(f->db);
	og_ctx_free(f->ctx);
	og_test_tmpdir_done(f->tmp, 0);
	free(f);
	return 0;
}

static const char *sev_name(og_severity_t s)
{
	static const char *const n[] = { "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

	return (unsigned)s < 5 ? n[s] : "?";
}

typedef struct collect {
	char buf[2048];
	size_t n;
	int stop_with;
} collect;

static int collect_cb(const og_vuln_match *m, void *p)
{
	collect *c = p;
	int w = snprintf(c->buf + c->n, sizeof(c->buf) - c->n, "%s%s fixed=%s %s %.1f",
		c->n ? "; " : "", m->id, m->fixed ? m->fixed : "-", sev_name(m->severity), m->cvss);

	assert_true(w > 0 && (size_t)w < sizeof(c->buf) - c->n);
	c->n += (size_t)w;
	return c->stop_with;
}

/* "ID fixed=F SEV cvss; ..." for one query ("" when nothing matches). */
static char *query(const og_vulndb *db, const char *eco, const char *pkg, const char *ver)
{
	static collect c;

	memset(&c, 0, sizeof(c));
	assert_int_equal(og_vulndb_match(db, eco, pkg, ver, collect_cb, &c), 0);
	return c.buf;
}

static void expect(const og_vulndb *db, const char *eco, const char *pkg, const char *ver,
	const char *want)
{
	const char *got = query(db, eco, pkg, ver);

	if (strcmp(got, want))
		fail_msg("%s %s %s:\n got  \"%s\"\n want \"%s\"", eco, pkg, ver, got, want);
}

static void write_str(const char *dir, const char *rel, const char *s)
{
	og_test_write(dir, rel, s, strlen(s));
}

static void load(fixture *f, const char *path)
{
	int rc = og_vulndb_load(&f->db, f->ctx, path);

	if (rc != 0)
		fail_msg("load %s: %d %s", path, rc, og_ctx_error(f->ctx));
}

static void test_scan_vulndb__load_dir(void **state)
{
	fixture *f = *state;

	load(f, f->osv);
	assert_int_equal(og_vulndb_count(f->db), 9);
	assert_int_equal(og_vulndb_skipped(f->db), 1);   /* npm / bare "Debian" only */
	assert_int_equal(og_vulndb_withdrawn(f->db), 1);
	/* ALPINE-CVE-2022-3996 2024-01-15T10:30:00Z; the newer withdrawn and
	 * skipped records do not count. */
	assert_int_equal(og_vulndb_newest_modified(f->db), 1705314600);
}

static void test_scan_vulndb__debian_glibc(void **state)
{
	fixture *f = *state;
	collect c;

	load(f, f->osv);
	/* below the fix: the DSA hits (and the unfixed test advisory), by id */
	expect(f->db, "Debian:12", "glibc", "2.36-9+deb12u2",
		"DSA-5514-1 fixed=2.36-9+deb12u3 HIGH 7.8; OGTEST-GLIBC-1 fixed=- CRITICAL 9.8");
	expect(f->db, "Debian:12", "glibc", "2.31-13",
		"DSA-5514-1 fixed=2.36-9+deb12u3 HIGH 7.8; OGTEST-GLIBC-1 fixed=- CRITICAL 9.8");
	/* at the fixed version and above: miss */
	expect(f->db, "Debian:12", "glibc", "2.36-9+deb12u3", "OGTEST-GLIBC-1 fixed=- CRITICAL 9.8");
	expect(f->db, "Debian:12", "glibc", "2.36-9+deb12u4", "OGTEST-GLIBC-1 fixed=- CRITICAL 9.8");
	expect(f->db, "Debian:12", "glibc", "2.37-1", "OGTEST-GLIBC-1 fixed=- CRITICAL 9.8");
	/* other releases, bare "Debian", binary package names: nothing */
	expect(f->db, "Debian:11", "glibc", "2.31-13", "");
	expect(f->db, "Debian", "glibc", "2.31-13", "");
	expect(f->db, "Debian:12", "libc6", "2.36-9", "");

	/* aliases and summary come through */
	memset(&c, 0, sizeof(c));
	assert_int_equal(og_vulndb_match(f->db, "Debian:12", "glibc", "2.36-9", collect_cb, &c), 0);
	c.stop_with = 7;
	c.n = 0;
	assert_int_equal(og_vulndb_match(f->db, "Debian:12", "glibc", "2.36-9", collect_cb, &c), 7);
	assert_string_equal(c.buf, "DSA-5514-1 fixed=2.36-9+deb12u3 HIGH 7.8");
}

static int check_strings_cb(const og_vuln_match *m, void *p)
{
	(void)p;
	if (!strcmp(m->id, "DSA-5514-1")) {
		assert_string_equal(m->aliases, "CVE-2023-4527,CVE-2023-4911");
		assert_string_equal(m->summary, "glibc - security update");
	} else if (!strcmp(m->id, "ALPINE-CVE-2022-3996")) {
		assert_string_equal(m->aliases, "CVE-2022-3996");
	} else {
		assert_null(m->aliases);
	}
	return 0;
}

static void test_scan_vulndb__strings(void **state)
{
	fixture *f = *state;

	load(f, f->osv);
	assert_int_equal(og_vulndb_match(f->db, "Debian:12", "glibc", "2.36-9",
		check_strings_cb, NULL), 0);
	assert_int_equal(og_vulndb_match(f->db, "Alpine:v3.17", "openssl", "3.0.7-r0",
		check_strings_cb, NULL), 0);
}

static void test_scan_vulndb__debian_openssl_tilde(void **state)
{
	fixture *f = *state;

	load(f, f->osv);
	expect(f->db, "Debian:9", "openssl1.0", "1.0.2u-1~deb9u6",
		"DLA-2953-1 fixed=1.0.2u-1~deb9u7 HIGH 7.5");
	expect(f->db, "Debian:9", "openssl1.0", "1.0.2u-1~deb9u7", "");
	expect(f->db, "Debian:9", "openssl1.0", "1.0.2u-1", "");
	/* test advisory: fixed "1.0", 1.0~rc1 is before it */
	expect(f->db, "Debian:12", "ogtest-tilde", "1.0~rc1", "OGTEST-TILDE-1 fixed=1.0 CRITICAL 6.1");
	expect(f->db, "Debian:12", "ogtest-tilde", "0.9", "OGTEST-TILDE-1 fixed=1.0 CRITICAL 6.1");
	expect(f->db, "Debian:12", "ogtest-tilde", "1.0", "");
	expect(f->db, "Debian:12", "ogtest-tilde", "1.0+b1", "");
}

static void test_scan_vulndb__epoch(void **state)
{
	fixture *f = *state;

	load(f, f->osv);
	expect(f->db, "Debian:12", "ogtest-epoch", "2.5-1", "OGTEST-EPOCH-1 fixed=1:2.0-1 MEDIUM -1.0");
	expect(f->db, "Debian:12", "ogtest-epoch", "1:1.9-1", "OGTEST-EPOCH-1 fixed=1:2.0-1 MEDIUM -1.0");
	expect(f->db, "Debian:12", "ogtest-epoch", "1:2.0-1", "");
	expect(f->db, "Debian:12", "ogtest-epoch", "2:0.1", "");
}

static void test_scan_vulndb__last_affected(void **state)
{
	fixture *f = *state;

	load(f, f->osv);
	expect(f->db, "Debian:12", "ogtest-last", "1.1-1", "");
	expect(f->db, "Debian:12", "ogtest-last", "1.2-1", "OGTEST-LAST-1 fixed=- HIGH 3.3");
	expect(f->db, "Debian:12", "ogtest-last", "1.4-2", "OGTEST-LAST-1 fixed=- HIGH 3.3");
	expect(f->db, "Debian:12", "ogtest-last", "1.4-2+b1", "");
	expect(f->db, "Debian:12", "ogtest-last", "1.4-3", "");
}

static void test_scan_vulndb__alpine(void **state)
{
	fixture *f = *state;

	load(f, f->osv);
	expect(f->db, "Alpine:v3.17", "openssl", "3.0.7-r1",
		"ALPINE-CVE-2022-3996 fixed=3.0.7-r2 MEDIUM -1.0");
	expect(f->db, "Alpine:v3.17", "openssl", "1.1.1k-r0",
		"ALPINE-CVE-2022-3996 fixed=3.0.7-r2 MEDIUM -1.0");
	expect(f->db, "Alpine:v3.17", "openssl", "3.0.7-r2", "");
	expect(f->db, "Alpine:v3.17", "openssl", "3.0.8-r0", "");
	expect(f->db, "Alpine:v3.18", "openssl", "3.0.5-r0",
		"ALPINE-CVE-2022-3996 fixed=3.0.7-r2 MEDIUM -1.0");
	expect(f->db, "Alpine:v3.19", "openssl", "3.0.5-r0", "");
	/* the explicit versions list (no ranges) */
	expect(f->db, "Alpine:v3.19", "ogtest-vers", "1.2.4-r1", "OGTEST-VERS-1 fixed=- LOW -1.0");
	expect(f->db, "Alpine:v3.19", "ogtest-vers", "1.2.4_git20230717-r4",
		"OGTEST-VERS-1 fixed=- LOW -1.0");
	expect(f->db, "Alpine:v3.19", "ogtest-vers", "1.2.4-r2", "");
	/* events given out of order, two introduced: [1.0, 2.0) and [3.0, ...) */
	expect(f->db, "Alpine:v3.19", "ogtest-multi", "0.9-r0", "");
	expect(f->db, "Alpine:v3.19", "ogtest-multi", "1.0-r0", "OGTEST-MULTI-1 fixed=2.0-r0 MEDIUM 6.1");
	expect(f->db, "Alpine:v3.19", "ogtest-multi", "1.5-r3", "OGTEST-MULTI-1 fixed=2.0-r0 MEDIUM 6.1");
	expect(f->db, "Alpine:v3.19", "ogtest-multi", "2.0-r0", "");
	expect(f->db, "Alpine:v3.19", "ogtest-multi", "2.5-r0", "");
	expect(f->db, "Alpine:v3.19", "ogtest-multi", "3.0-r0", "OGTEST-MULTI-1 fixed=- MEDIUM 6.1");
	expect(f->db, "Alpine:v3.19", "ogtest-multi", "4.0_rc1-r0", "OGTEST-MULTI-1 fixed=- MEDIUM 6.1");
}

static void test_scan_vulndb__cvss(void **state)
{
	static const struct { const char *v; double score; } t[] = {
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8 },
		{ "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1 },
		{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0 },
		{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9 },
		{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", 3.7 },
		{ "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", 3.3 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0 },
		/* order does not matter; temporal metrics are ignored */
		{ "CVSS:3.1/S:U/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/E:P/RL:O", 9.8 },
		/* not v3 base vectors */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", -1 },
		{ "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -1 },
		{ "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -1 },
		{ "CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", -1 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:", -1 },
		{ "AV:N/AC:L/Au:N/C:P/I:P/A:P", -1 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", -1 },
		{ "", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		double got = og_vulndb__cvss3_score(t[i].v);

		if (got < t[i].score - 1e-9 || got > t[i].score + 1e-9)
			fail_msg("%s: %.3f, want %.1f", t[i].v, got, t[i].score);
	}
	assert_true(og_vulndb__cvss3_score(NULL) < 0);
}

/* Zip a directory with python3's zipfile (member names relative to it). */
static void zip_dir(const char *dir, const char *zip)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd), "python3 -c 'import os,sys,zipfile\n"
		"z = zipfile.ZipFile(sys.argv[2], \"w\", zipfile.ZIP_DEFLATED)\n"
		"for r, ds, fs in sorted(os.walk(sys.argv[1])):\n"
		"    for n in sorted(fs):\n"
		"        p = os.path.join(r, n)\n"
		"        z.write(p, os.path.relpath(p, sys.argv[1]))\n"
		"z.close()' '%s' '%s'", dir, zip);
	assert_int_equal(system(cmd), 0);
}

static const char *const queries[][3] = {
	{ "Debian:12", "glibc", "2.36-9+deb12u2" }, { "Debian:12", "glibc", "2.36-9+deb12u3" },
	{ "Debian:9", "openssl1.0", "1.0.2u-1~deb9u6" }, { "Alpine:v3.17", "openssl", "3.0.7-r1" },
	{ "Alpine:v3.18", "openssl", "3.0.7-r2" }, { "Debian:12", "ogtest-last", "1.4-2" },
	{ "Alpine:v3.19", "ogtest-vers", "1.2.4-r1" }, { "Debian:12", "ogtest-epoch", "2.5-1" },
	{ "Debian:12", "ogtest-tilde", "1.0~rc1" }, { "Alpine:v3.19", "ogtest-multi", "3.0-r0" },
};

static void all_queries(const og_vulndb *db, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		int w = snprintf(out + n, cap - n, "[%s]",
			query(db, queries[i][0], queries[i][1], queries[i][2]));

		assert_true(w > 0 && (size_t)w < cap - n);
		n += (size_t)w;
	}
}

static void test_scan_vulndb__zip_same_as_dir(void **state)
{
	fixture *f = *state;
	char zip[4200], sub[4200], from_dir[8192], from_zip[8192];
	og_vulndb *zdb = NULL;

	load(f, f->osv);
	all_queries(f->db, from_dir, sizeof(from_dir));
	snprintf(zip, sizeof(zip), "%s/all.zip", f->tmp);
	zip_dir(f->osv, zip);
	assert_int_equal(og_vulndb_load(&zdb, f->ctx, zip), 0);
	assert_int_equal(og_vulndb_count(zdb), og_vulndb_count(f->db));
	assert_int_equal(og_vulndb_skipped(zdb), 1);
	assert_int_equal(og_vulndb_withdrawn(zdb), 1);
	assert_int_equal(og_vulndb_newest_modified(zdb), 1705314600);
	all_queries(zdb, from_zip, sizeof(from_zip));
	assert_string_equal(from_zip, from_dir);
	og_vulndb_free(zdb);
	zdb = NULL;

	/* a directory holding per-ecosystem zips, as OSV publishes them */
	snprintf(sub, sizeof(sub), "%s/db/Debian", f->tmp);
	og_test_write(f->tmp, "db/Debian/README", "x", 1);
	snprintf(zip, sizeof(zip), "%s/db/Debian/all.zip", f->tmp);
	zip_dir(f->osv, zip);
	snprintf(sub, sizeof(sub), "%s/db", f->tmp);
	assert_int_equal(og_vulndb_load(&zdb, f->ctx, sub), 0);
	all_queries(zdb, from_zip, sizeof(from_zip));
	assert_string_equal(from_zip, from_dir);
	og_vulndb_free(zdb);
	zdb = NULL;

	/* the same records twice (two zips): still one match per advisory id */
	snprintf(zip, sizeof(zip), "%s/db/Alpine/all.zip", f->tmp);
	og_test_write(f->tmp, "db/Alpine/README", "x", 1);
	zip_dir(f->osv, zip);
	assert_int_equal(og_vulndb_load(&zdb, f->ctx, sub), 0);
	assert_int_equal(og_vulndb_count(zdb), 2 * og_vulndb_count(f->db));
	all_queries(zdb, from_zip, sizeof(from_zip));
	assert_string_equal(from_zip, from_dir);
	og_vulndb_free(zdb);
}

static void test_scan_vulndb__single_file(void **state)
{
	fixture *f = *state;
	char path[4200];

	snprintf(path, sizeof(path), "%s/debian/DSA-5514-1.json", f->osv);
	load(f, path);
	assert_int_equal(og_vulndb_count(f->db), 1);
	assert_int_equal(og_vulndb_newest_modified(f->db), 1696356000);
	expect(f->db, "Debian:12", "glibc", "2.36-9+deb12u2", "DSA-5514-1 fixed=2.36-9+deb12u3 HIGH 7.8");
}

static void test_scan_vulndb__malformed_names_file(void **state)
{
	fixture *f = *state;
	static const char good[] = "{\"id\": \"X-1\", \"affected\": []}";
	static const char bad[] = "{\"id\": \"X-2\", \"affected\": [";
	char dir[4200], zip[4200];
	og_vulndb *db = NULL;

	og_test_write(f->tmp, "src/a-good.json", good, sizeof(good) - 1);
	og_test_write(f->tmp, "src/broken.json", bad, sizeof(bad) - 1);
	snprintf(dir, sizeof(dir), "%s/src", f->tmp);
	assert_int_equal(og_vulndb_load(&db, f->ctx, dir), OG_EINVALID);
	assert_null(db);
	assert_non_null(strstr(og_ctx_error(f->ctx), "src/broken.json"));
	assert_non_null(strstr(og_ctx_error(f->ctx), "invalid JSON"));

	snprintf(zip, sizeof(zip), "%s/all.zip", f->tmp);
	zip_dir(dir, zip);
	assert_int_equal(og_vulndb_load(&db, f->ctx, zip), OG_EINVALID);
	assert_null(db);
	assert_non_null(strstr(og_ctx_error(f->ctx), "all.zip:broken.json"));

	/* JSON, but not an OSV record */
	write_str(f->tmp, "bad2/x.json", "[1]");
	snprintf(dir, sizeof(dir), "%s/bad2", f->tmp);
	assert_int_equal(og_vulndb_load(&db, f->ctx, dir), OG_EINVALID);
	assert_non_null(strstr(og_ctx_error(f->ctx), "bad2/x.json: not a JSON object"));
	write_str(f->tmp, "bad3/x.json", "{\"id\":\"A\",\"modified\":\"yesterday\"}");
	snprintf(dir, sizeof(dir), "%s/bad3", f->tmp);
	assert_int_equal(og_vulndb_load(&db, f->ctx, dir), OG_EINVALID);
	assert_non_null(strstr(og_ctx_error(f->ctx), "bad3/x.json: \"modified\""));
	write_str(f->tmp, "bad4/x.json", "{\"id\":\"A\",\"affected\":[{\"package\":"
		"{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
		"\"events\":[{\"fixed\":1}]}]}]}");
	snprintf(dir, sizeof(dir), "%s/bad4", f->tmp);
	assert_int_equal(og_vulndb_load(&db, f->ctx, dir), OG_EINVALID);
	assert_non_null(strstr(og_ctx_error(f->ctx), "bad4/x.json: event \"fixed\""));

	/* not a zip at all */
	og_test_write(f->tmp, "fake.zip", "nope", 4);
	snprintf(zip, sizeof(zip), "%s/fake.zip", f->tmp);
	assert_int_equal(og_vulndb_load(&db, f->ctx, zip), OG_EINVALID);
	assert_non_null(strstr(og_ctx_error(f->ctx), "fake.zip"));
}

static void test_scan_vulndb__missing_path(void **state)
{
	fixture *f = *state;
	og_vulndb *db = NULL;
	char path[4200];

	snprintf(path, sizeof(path), "%s/no-such-db", f->tmp);
	assert_int_equal(og_vulndb_load(&db, f->ctx, path), OG_ENOTFOUND);
	assert_null(db);
	assert_non_null(strstr(og_ctx_error(f->ctx), "no-such-db"));
}

static void test_scan_vulndb__json_limit(void **state)
{
	fixture *f = *state;
	og_vulndb *db = NULL;
	char dir[4200];

	write_str(f->tmp, "big/x.json", "{\"id\":\"A\",\"summary\":\"0123456789\"}");
	snprintf(dir, sizeof(dir), "%s/big", f->tmp);
	f->ctx->limits.max_json = 16;
	assert_int_equal(og_vulndb_load(&db, f->ctx, dir), OG_ELIMIT);
	assert_non_null(strstr(og_ctx_error(f->ctx), "big/x.json"));
}

static int summary_cb(const og_vuln_match *m, void *p)
{
	snprintf(p, 256, "%s|%s", m->id, m->summary ? m->summary : "(null)");
	return 0;
}

/* The in-place JSON reader: escapes, UTF-8, numbers and literals. */
static void test_scan_vulndb__json_strings(void **state)
{
	fixture *f = *state;
	char dir[4200], got[256] = "";

	write_str(f->tmp, "j/x.json",
		"{\"id\": \"ESC-\\u0031\", \"n\": [-0.5e+3, 12, 0, true, false, null, {}, []],\n"
		" \"summary\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\t\xc3\xa9\",\n"
		" \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\", \"name\": \"p\"},\n"
		"  \"versions\": [\"1.0\"]}]}\n");
	snprintf(dir, sizeof(dir), "%s/j", f->tmp);
	load(f, dir);
	assert_int_equal(og_vulndb_match(f->db, "Debian:12", "p", "1.0", summary_cb, got), 0);
	assert_string_equal(got, "ESC-1|caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ / \t\xc3\xa9");
}

static void test_scan_vulndb__json_errors(void **state)
{
	static const struct { const char *text, *why; } t[] = {
		{ "{\"id\": \"A\"} x", "text after the JSON value" },
		{ "{\"id\": \"A\",\n\n \"s\": \"\xff\"}", "line 3: invalid UTF-8" },
		{ "{\"id\": \"A\", \"s\": \"\xc0\xaf\"}", "invalid UTF-8" },
		{ "{\"id\": \"A\", \"s\": \"\\u0000\"}", "\\u0000" },
		{ "{\"id\": \"A\", \"s\": \"\\udc00\"}", "surrogate" },
		{ "{\"id\": \"A\", \"s\": \"\\ud800x\"}", "surrogate" },
		{ "{\"id\": \"A\", \"s\": \"\\x\"}", "invalid escape" },
		{ "{\"id\": \"A\", \"s\": \"\\u12g4\"}", "\\u escape" },
		{ "{\"id\": \"A\", \"s\": \"a\tb\"}", "control character" },
		{ "{\"id\": \"A\", \"s\": \"abc", "unterminated" },
		{ "{\"id\": \"A\", \"n\": 01}", "expected ',' or '}'" },
		{ "{\"id\": \"A\", \"n\": 1.}", "invalid number" },
		{ "{\"id\": \"A\", \"n\": -}", "unexpected character" },
		{ "{\"id\": \"A\", \"n\": tru}", "invalid literal" },
		{ "{\"id\": \"A\", \"a\": [1 2]}", "expected ',' or ']'" },
		{ "{\"id\": \"A\", }", "expected a member name" },
		{ "{\"id\" \"A\"}", "expected ':'" },
		{ "", "unexpected end" },
		{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]"
		  "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "nested too deep" },
	};
	fixture *f = *state;
	char dir[4200], rel[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		og_vulndb *db = NULL;

		snprintf(rel, sizeof(rel), "e%zu/bad.json", i);
		write_str(f->tmp, rel, t[i].text);
		snprintf(dir, sizeof(dir), "%s/e%zu", f->tmp, i);
		assert_int_equal(og_vulndb_load(&db, f->ctx, dir), OG_EINVALID);
		assert_null(db);
		if (!strstr(og_ctx_error(f->ctx), t[i].why) ||
		    !strstr(og_ctx_error(f->ctx), "/bad.json: invalid JSON at line"))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, og_ctx_error(f->ctx), t[i].why);
	}
}

static void test_scan_vulndb__empty(void **state)
{
	fixture *f = *state;
	char dir[4200];

	og_test_write(f->tmp, "empty/notes.txt", "x", 1);
	snprintf(dir, sizeof(dir), "%s/empty", f->tmp);
	load(f, dir);
	assert_int_equal(og_vulndb_count(f->db), 0);
	assert_int_equal(og_vulndb_newest_modified(f->db), -1);
	expect(f->db, "Debian:12", "glibc", "1.0", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scan_vulndb__load_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__debian_glibc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__debian_openssl_tilde, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__epoch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__last_affected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__alpine, setup, teardown),
		cmocka_unit_test(test_scan_vulndb__cvss),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__zip_same_as_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__single_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__malformed_names_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__missing_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__json_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__json_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__json_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_vulndb__empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
