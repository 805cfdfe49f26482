/* Registry credentials (--creds, auth.json, Docker config.json, credential
 * helpers), WWW-Authenticate challenges and base64 (src/oci/auth.c).
 * Each test runs with HOME, XDG_RUNTIME_DIR, DOCKER_CONFIG and
 * REGISTRY_AUTH_FILE pointed into (or cleared for) a fresh temp dir, and
 * with TMP/bin (the fake docker-credential-* helpers) first on PATH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "helpers.h"
#include "oci/auth.h"

#define SECRET "Pa55-w0rd-XYZZY"

typedef struct fixture {
	char *dir;
	char *old_path;
	og_ctx *ctx;
} fixture;

/* The fake helpers. ogtest answers for 127.0.0.1:5000 (user/password),
 * tok.example (an identity token) and says "not found" otherwise; it logs
 * what it read on stdin to $DIR/stdin.log. */
static const char helper_ok[] =
	"#!/bin/sh\n"
	"[ \"$1\" = get ] || exit 9\n"
	"IFS= read -r host\n"
	"printf '%s\\n' \"$host\" >> \"$(dirname \"$0\")/../stdin.log\"\n"
	"case \"$host\" in\n"
	"127.0.0.1:5000) printf '{\"ServerURL\":\"%s\",\"Username\":\"helperuser\",\"Secret\":\"" SECRET "\"}\\n' \"$host\" ;;\n"
	"tok.example) printf '{\"ServerURL\":\"%s\",\"Username\":\"<token>\",\"Secret\":\"idtok-" SECRET "\"}\\n' \"$host\" ;;\n"
	"https://index.docker.io/v1/) printf '{\"Username\":\"hubuser\",\"Secret\":\"" SECRET "\"}' ;;\n"
	"*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
	"esac\n";
static const char helper_garbage[] =
	"#!/bin/sh\ncat >/dev/null\necho 'this is not json " SECRET "'\n";
static const char helper_fail[] =
	"#!/bin/sh\ncat >/dev/null\necho 'boom " SECRET "'\necho 'err " SECRET "' >&2\nexit 3\n";
static const char helper_noread[] =
	"#!/bin/sh\nexit 1\n";
static const char helper_big[] =
	"#!/bin/sh\ncat >/dev/null\n"
	"i=0; while [ $i -lt 5000 ]; do echo '" SECRET SECRET "'; i=$((i+1)); done\n";
static const char helper_badtype[] =
	"#!/bin/sh\ncat >/dev/null\necho '{\"Username\":7,\"Secret\":\"" SECRET "\"}'\n";

static char *path_in(const fixture *f, const char *rel)
{
	size_t n = strlen(f->dir) + strlen(rel) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", f->dir, rel);
	return p;
}

static void write_text(const fixture *f, const char *rel, const char *text)
{
	og_test_write(f->dir, rel, text, strlen(text));
}

static void write_script(const fixture *f, const char *name, const char *text)
{
	char rel[256];
	char *p;

	snprintf(rel, sizeof(rel), "bin/%s", name);
	write_text(f, rel, text);
	p = path_in(f, rel);
	assert_int_equal(chmod(p, 0755), 0);
	free(p);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	const char *path = getenv("PATH");
	char *bin, *newpath;
	size_t n;

	assert_non_null(f);
	f->dir = og_test_tmpdir();
	f->old_path = strdup(path ? path : "/usr/bin:/bin");
	assert_int_equal(og_ctx_new(&f->ctx), 0);
	bin = path_in(f, "bin");
	n = strlen(bin) + strlen(f->old_path) + 2;
	newpath = malloc(n);
	assert_non_null(newpath);
	snprintf(newpath, n, "%s:%s", bin, f->old_path);
	setenv("PATH", newpath, 1);
	free(newpath);
	free(bin);
	setenv("HOME", f->dir, 1);
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("DOCKER_CONFIG");
	unsetenv("REGISTRY_AUTH_FILE");
	write_script(f, "docker-credential-ogtest", helper_ok);
	write_script(f, "docker-credential-ogtest-garbage", helper_garbage);
	write_script(f, "docker-credential-ogtest-fail", helper_fail);
	write_script(f, "docker-credential-ogtest-noread", helper_noread);
	write_script(f, "docker-credential-ogtest-big", helper_big);
	write_script(f, "docker-credential-ogtest-badtype", helper_badtype);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	setenv("PATH", f->old_path, 1);
	free(f->old_path);
	og_ctx_free(f->ctx);
	og_test_tmpdir_done(f->dir, 0);
	free(f);
	return 0;
}

/* An auth entry {"auth": base64(userpass)}. */
static char *auth_entry(const char *userpass)
{
	char *b64 = og_base64_encode(userpass, strlen(userpass));
	char *s;
	size_t n;

	assert_non_null(b64);
	n = strlen(b64) + 32;
	s = malloc(n);
	assert_non_null(s);
	snprintf(s, n, "{\"auth\":\"%s\"}", b64);
	free(b64);
	return s;
}

/* Write {"auths":{KEY: {"auth": base64(USERPASS)}}} to rel. */
static void write_auths(const fixture *f, const char *rel, const char *key,
	const char *userpass)
{
	char *entry = auth_entry(userpass);
	char text[2048];

	snprintf(text, sizeof(text), "{\"auths\":{\"%s\":%s}}", key, entry);
	write_text(f, rel, text);
	free(entry);
}

static void setenv_in(const fixture *f, const char *name, const char *rel)
{
	char *p = path_in(f, rel);

	setenv(name, p, 1);
	free(p);
}

static void assert_creds(const og_creds *c, const char *user, const char *pass,
	const char *token, const char *origin)
{
	if (user)
		assert_string_equal(c->username, user);
	else
		assert_null(c->username);
	if (pass)
		assert_string_equal(c->password, pass);
	else
		assert_null(c->password);
	if (token)
		assert_string_equal(c->identity_token, token);
	else
		assert_null(c->identity_token);
	if (origin)
		assert_string_equal(c->origin, origin);
	else
		assert_null(c->origin);
}

/* ---------------------------------------------------------------- base64 */

static void test_oci_auth__base64_vectors(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	unsigned char *dec;
	size_t i, len;

	(void)state;
	for (i = 0; i < 7; i++) {
		char *e = og_base64_encode(plain[i], strlen(plain[i]));

		assert_non_null(e);
		assert_string_equal(e, enc[i]);
		free(e);
		assert_int_equal(og_base64_decode(&dec, &len, enc[i]), 0);
		assert_int_equal(len, strlen(plain[i]));
		assert_memory_equal(dec, plain[i], len);
		assert_int_equal(dec[len], '\0');
		free(dec);
	}
	/* Padding may be left out. */
	assert_int_equal(og_base64_decode(&dec, &len, "Zm9vYg"), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(dec, "foob", 4);
	free(dec);
	assert_int_equal(og_base64_decode(&dec, &len, "Zm8"), 0);
	assert_int_equal(len, 2);
	free(dec);
}

static void test_oci_auth__base64_roundtrip(void **state)
{
	unsigned char data[300], *dec;
	size_t n, len;
	unsigned int seed = 12345;

	(void)state;
	for (n = 0; n < sizeof(data); n++) {
		seed = seed * 1103515245u + 12345u;
		data[n] = (unsigned char)(seed >> 16);
	}
	for (n = 0; n <= sizeof(data); n++) {
		char *e = og_base64_encode(data, n);

		assert_non_null(e);
		assert_int_equal(strlen(e), (n + 2) / 3 * 4);
		assert_int_equal(og_base64_decode(&dec, &len, e), 0);
		assert_int_equal(len, n);
		if (n)
			assert_memory_equal(dec, data, n);
		free(dec);
		free(e);
	}
}

static void test_oci_auth__base64_invalid(void **state)
{
	static const char *const bad[] = {
		"Z", "Zg=", "Zm9v!", "Zm=9", "=Zg=", "Zh==", "Zm9vY===", "Zm9v Zg==",
		"Zm9v\n", "Zm9-", "Zm9_", "Zg===", "Zm9vYmFy=", "====",
	};
	unsigned char *dec = (unsigned char *)"x";
	size_t i, len = 7;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (og_base64_decode(&dec, &len, bad[i]) != OG_EINVALID)
			fail_msg("accepted invalid base64 \"%s\"", bad[i]);
		assert_null(dec);
		assert_int_equal(len, 0);
	}
	assert_int_equal(og_base64_decode(&dec, &len, NULL), OG_EINVALID);
}

/* ---------------------------------------------------------------- creds */

static void test_oci_auth__creds_parse(void **state)
{
	fixture *f = *state;
	og_creds c;

	assert_int_equal(og_creds_parse(&c, f->ctx, "alice:pa:ss"), 0);
	assert_creds(&c, "alice", "pa:ss", NULL, "--creds");
	og_creds_dispose(&c);
	assert_null(c.username);
	assert_null(c.password);

	assert_int_equal(og_creds_parse(&c, f->ctx, "bob:"), 0);
	assert_creds(&c, "bob", "", NULL, "--creds");
	og_creds_dispose(&c);

	assert_int_equal(og_creds_parse(&c, f->ctx, ":secret"), OG_EINVALID);
	assert_non_null(strstr(f->ctx->error, "--creds"));
	assert_creds(&c, NULL, NULL, NULL, NULL);
	assert_int_equal(og_creds_parse(&c, f->ctx, "nocolon"), OG_EINVALID);
	assert_non_null(strstr(f->ctx->error, "USER:PASSWORD"));
	assert_creds(&c, NULL, NULL, NULL, NULL);
	og_creds_dispose(&c); /* idempotent on an empty struct */
}

static void test_oci_auth__lookup_explicit_wins(void **state)
{
	fixture *f = *state;
	og_creds c;
	char *p;

	write_auths(f, "auth.json", "127.0.0.1:5000", "fileuser:filepass");
	p = path_in(f, "auth.json");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", "cli:clipass", p), 0);
	assert_creds(&c, "cli", "clipass", NULL, "--creds");
	og_creds_dispose(&c);
	free(p);
}

static void test_oci_auth__lookup_registry_auth_file(void **state)
{
	fixture *f = *state;
	og_creds c;

	write_text(f, "ra/auth.json",
		"{\"auths\":{"
		"\"127.0.0.1:5000\":{\"auth\":\"dXNlcjE6cGFzczE=\"},"
		"\"https://reg.example:8443/v1/\":{\"auth\":\"dXNlcjI6cGFzczI=\"},"
		"\"http://plain.example\":{\"auth\":\"dXNlcjM6cGFzczM\"},"
		"\"repo.example/team/app\":{\"auth\":\"dXNlcjE6cGFzczE=\"}"
		"}}");
	setenv_in(f, "REGISTRY_AUTH_FILE", "ra/auth.json");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, NULL), 0);
	assert_creds(&c, "user1", "pass1", NULL, "auth.json");
	og_creds_dispose(&c);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "reg.example:8443", NULL, NULL), 0);
	assert_creds(&c, "user2", "pass2", NULL, "auth.json");
	og_creds_dispose(&c);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "PLAIN.example", NULL, NULL), 0);
	assert_creds(&c, "user3", "pass3", NULL, "auth.json");
	og_creds_dispose(&c);
	/* A per-repository key does not match by host alone; a host with
	 * another port is another host. */
	assert_int_equal(og_creds_lookup(&c, f->ctx, "repo.example", NULL, NULL), 0);
	assert_creds(&c, NULL, NULL, NULL, NULL);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5001", NULL, NULL), 0);
	assert_creds(&c, NULL, NULL, NULL, NULL);

	/* A REGISTRY_AUTH_FILE that does not exist is no credentials... */
	setenv_in(f, "REGISTRY_AUTH_FILE", "nope/auth.json");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, NULL), 0);
	assert_creds(&c, NULL, NULL, NULL, NULL);
}

static void test_oci_auth__lookup_auth_file_param(void **state)
{
	fixture *f = *state;
	og_creds c;
	char *p, *missing;

	write_auths(f, "given.json", "127.0.0.1:5000", "given:gpass");
	write_auths(f, "env.json", "127.0.0.1:5000", "env:epass");
	setenv_in(f, "REGISTRY_AUTH_FILE", "env.json");
	p = path_in(f, "given.json");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, p), 0);
	assert_creds(&c, "given", "gpass", NULL, "auth.json");
	og_creds_dispose(&c);
	/* ...but a file given explicitly must exist. */
	missing = path_in(f, "missing.json");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, missing),
		OG_ENOTFOUND);
	assert_non_null(strstr(f->ctx->error, missing));
	assert_creds(&c, NULL, NULL, NULL, NULL);
	free(missing);
	free(p);
}

static void test_oci_auth__lookup_docker_config(void **state)
{
	fixture *f = *state;
	og_creds c;
	char *entry = auth_entry("dockuser:dockpass");
	char text[2048];

	snprintf(text, sizeof(text),
		"{\"auths\":{"
		"\"127.0.0.1:5000\":%s,"
		"\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1YnBhc3M=\"},"
		"\"id.example\":{\"auth\":\"aWR1c2VyOg==\",\"identitytoken\":\"refresh-tok\"},"
		"\"idonly.example\":{\"identitytoken\":\"only-tok\"},"
		"\"empty.example\":{}"
		"}}", entry);
	free(entry);
	write_text(f, "dc/config.json", text);
	setenv_in(f, "DOCKER_CONFIG", "dc");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, NULL), 0);
	assert_creds(&c, "dockuser", "dockpass", NULL, "config.json");
	og_creds_dispose(&c);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "registry-1.docker.io", NULL, NULL), 0);
	assert_creds(&c, "hub", "hubpass", NULL, "config.json");
	og_creds_dispose(&c);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "docker.io", NULL, NULL), 0);
	assert_creds(&c, "hub", "hubpass", NULL, "config.json");
	og_creds_dispose(&c);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "id.example", NULL, NULL), 0);
	assert_creds(&c, "iduser", NULL, "refresh-tok", "config.json");
	og_creds_dispose(&c);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "idonly.example", NULL, NULL), 0);
	assert_creds(&c, NULL, NULL, "only-tok", "config.json");
	og_creds_dispose(&c);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "empty.example", NULL, NULL), 0);
	assert_creds(&c, NULL, NULL, NULL, NULL);

	/* Without DOCKER_CONFIG: ~/.docker/config.json. */
	unsetenv("DOCKER_CONFIG");
	write_auths(f, ".docker/config.json", "127.0.0.1:5000", "homedock:hp");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, NULL), 0);
	assert_creds(&c, "homedock", "hp", NULL, "config.json");
	og_creds_dispose(&c);
}

static void test_oci_auth__lookup_precedence(void **state)
{
	fixture *f = *state;
	og_creds c;
	const char *h = "127.0.0.1:5000";

	write_auths(f, "ra.json", h, "ra:1");
	write_auths(f, "run/containers/auth.json", h, "xdg:2");
	write_auths(f, ".config/containers/auth.json", h, "homecfg:3");
	write_auths(f, "dc/config.json", h, "docker:4");
	write_auths(f, ".docker/config.json", h, "homedocker:5");
	setenv_in(f, "REGISTRY_AUTH_FILE", "ra.json");
	setenv_in(f, "XDG_RUNTIME_DIR", "run");
	setenv_in(f, "DOCKER_CONFIG", "dc");

	assert_int_equal(og_creds_lookup(&c, f->ctx, h, NULL, NULL), 0);
	assert_creds(&c, "ra", "1", NULL, "auth.json");
	og_creds_dispose(&c);
	unsetenv("REGISTRY_AUTH_FILE");
	assert_int_equal(og_creds_lookup(&c, f->ctx, h, NULL, NULL), 0);
	assert_creds(&c, "xdg", "2", NULL, "auth.json");
	og_creds_dispose(&c);
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(og_creds_lookup(&c, f->ctx, h, NULL, NULL), 0);
	assert_creds(&c, "homecfg", "3", NULL, "auth.json");
	og_creds_dispose(&c);
	/* A host missing from the earlier files falls through to Docker's. */
	write_auths(f, ".config/containers/auth.json", "other.example", "o:o");
	assert_int_equal(og_creds_lookup(&c, f->ctx, h, NULL, NULL), 0);
	assert_creds(&c, "docker", "4", NULL, "config.json");
	og_creds_dispose(&c);
	unsetenv("DOCKER_CONFIG");
	assert_int_equal(og_creds_lookup(&c, f->ctx, h, NULL, NULL), 0);
	assert_creds(&c, "homedocker", "5", NULL, "config.json");
	og_creds_dispose(&c);
	/* REGISTRY_AUTH_FILE replaces the containers defaults, not Docker's. */
	write_auths(f, "ra.json", "other.example", "o:o");
	setenv_in(f, "REGISTRY_AUTH_FILE", "ra.json");
	setenv_in(f, "XDG_RUNTIME_DIR", "run");
	assert_int_equal(og_creds_lookup(&c, f->ctx, h, NULL, NULL), 0);
	assert_creds(&c, "homedocker", "5", NULL, "config.json");
	og_creds_dispose(&c);
}

static void test_oci_auth__lookup_cred_helper(void **state)
{
	fixture *f = *state;
	og_creds c;
	char *log, buf[512];
	FILE *fp;
	size_t n;

	write_text(f, "dc/config.json",
		"{\"credHelpers\":{\"127.0.0.1:5000\":\"ogtest\",\"tok.example\":\"ogtest\","
		"\"nf.example\":\"ogtest\",\"https://index.docker.io/v1/\":\"ogtest\"},"
		"\"auths\":{\"nf.example\":{\"auth\":\"bmY6bmZwYXNz\"}}}");
	setenv_in(f, "DOCKER_CONFIG", "dc");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, NULL), 0);
	assert_creds(&c, "helperuser", SECRET, NULL, "credential helper");
	og_creds_dispose(&c);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "tok.example", NULL, NULL), 0);
	assert_creds(&c, NULL, NULL, "idtok-" SECRET, "credential helper");
	og_creds_dispose(&c);
	/* Docker Hub: the helper is asked for Docker's v1 URL. */
	assert_int_equal(og_creds_lookup(&c, f->ctx, "registry-1.docker.io", NULL, NULL), 0);
	assert_creds(&c, "hubuser", SECRET, NULL, "credential helper");
	og_creds_dispose(&c);
	/* "credentials not found": fall back to auths. */
	assert_int_equal(og_creds_lookup(&c, f->ctx, "nf.example", NULL, NULL), 0);
	assert_creds(&c, "nf", "nfpass", NULL, "config.json");
	og_creds_dispose(&c);
	/* No helper entry for this host, nothing in auths. */
	assert_int_equal(og_creds_lookup(&c, f->ctx, "none.example", NULL, NULL), 0);
	assert_creds(&c, NULL, NULL, NULL, NULL);

	/* The helper read exactly the host and a newline each time. */
	log = path_in(f, "stdin.log");
	fp = fopen(log, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	free(log);
	assert_string_equal(buf, "127.0.0.1:5000\ntok.example\nhttps://index.docker.io/v1/\nnf.example\n");
}

static void test_oci_auth__lookup_creds_store(void **state)
{
	fixture *f = *state;
	og_creds c;

	write_text(f, ".docker/config.json",
		"{\"credsStore\":\"ogtest\",\"auths\":{\"127.0.0.1:5000\":{},"
		"\"fb.example\":{\"auth\":\"ZmI6ZmJw\"}}}");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, NULL), 0);
	assert_creds(&c, "helperuser", SECRET, NULL, "credential helper");
	og_creds_dispose(&c);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "fb.example", NULL, NULL), 0);
	assert_creds(&c, "fb", "fbp", NULL, "config.json");
	og_creds_dispose(&c);
	/* credHelpers[host] wins over credsStore. */
	write_text(f, ".docker/config.json",
		"{\"credsStore\":\"ogtest\",\"credHelpers\":{\"127.0.0.1:5000\":\"ogtest-garbage\"}}");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, NULL), OG_EAUTH);
	assert_non_null(strstr(f->ctx->error, "docker-credential-ogtest-garbage"));
}

/* A config naming helper for 127.0.0.1:5000; the lookup must fail with
 * OG_EAUTH / registry.auth naming the helper. */
static void expect_helper_failure(fixture *f, const char *helper)
{
	og_creds c;
	char text[512], prog[128];

	snprintf(text, sizeof(text), "{\"credHelpers\":{\"127.0.0.1:5000\":\"%s\"}}", helper);
	write_text(f, "dc/config.json", text);
	setenv_in(f, "DOCKER_CONFIG", "dc");
	og_error_clear(f->ctx);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, NULL), OG_EAUTH);
	assert_creds(&c, NULL, NULL, NULL, NULL);
	assert_non_null(f->ctx->error_id);
	assert_string_equal(f->ctx->error_id, "registry.auth");
	snprintf(prog, sizeof(prog), "docker-credential-%s", helper);
	if (!strstr(f->ctx->error, prog))
		fail_msg("message does not name %s: %s", prog, f->ctx->error);
	if (strstr(f->ctx->error, SECRET))
		fail_msg("secret in message: %s", f->ctx->error);
}

static void test_oci_auth__lookup_helper_failures(void **state)
{
	fixture *f = *state;

	expect_helper_failure(f, "ogtest-garbage");
	expect_helper_failure(f, "ogtest-fail");
	assert_non_null(strstr(f->ctx->error, "exit status 3"));
	expect_helper_failure(f, "ogtest-noread");
	expect_helper_failure(f, "ogtest-big");
	expect_helper_failure(f, "ogtest-badtype");
	expect_helper_failure(f, "ogtest-missing");
}

/* Malformed files: OG_EINVALID naming the file (and key). */
static void expect_malformed(fixture *f, const char *text, const char *want)
{
	og_creds c;
	char *p;

	write_text(f, "bad/auth.json", text);
	setenv_in(f, "REGISTRY_AUTH_FILE", "bad/auth.json");
	p = path_in(f, "bad/auth.json");
	og_error_clear(f->ctx);
	if (og_creds_lookup(&c, f->ctx, "127.0.0.1:5000", NULL, NULL) != OG_EINVALID)
		fail_msg("accepted %s", text);
	assert_creds(&c, NULL, NULL, NULL, NULL);
	if (!strstr(f->ctx->error, p) || !strstr(f->ctx->error, want))
		fail_msg("for %s: message lacks the file or \"%s\": %s", text, want,
			f->ctx->error);
	if (strstr(f->ctx->error, SECRET))
		fail_msg("secret in message: %s", f->ctx->error);
	free(p);
}

static void test_oci_auth__lookup_malformed(void **state)
{
	fixture *f = *state;

	expect_malformed(f, "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" SECRET, "line");
	expect_malformed(f, "[\"" SECRET "\"]", "not a JSON object");
	expect_malformed(f, "", "not valid JSON");
	expect_malformed(f, "{\"auths\":[]}", "\"auths\" is not an object");
	expect_malformed(f, "{\"auths\":{\"127.0.0.1:5000\":\"" SECRET "\"}}",
		"auths[\"127.0.0.1:5000\"] is not an object");
	expect_malformed(f, "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":5}}}",
		"auths[\"127.0.0.1:5000\"].auth is not a string");
	expect_malformed(f, "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" SECRET "!\"}}}",
		"auths[\"127.0.0.1:5000\"].auth is not valid base64");
	/* base64 of SECRET: no ':' in it */
	expect_malformed(f, "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"UGE1NS13MHJkLVhZWlpZ\"}}}",
		"USER:PASSWORD");
	expect_malformed(f, "{\"auths\":{\"127.0.0.1:5000\":{\"identitytoken\":[]}}}",
		"identitytoken is not a string");
	expect_malformed(f, "{\"credHelpers\":[]}", "\"credHelpers\" is not an object");
	expect_malformed(f, "{\"credHelpers\":{\"https://127.0.0.1:5000\":\"../" SECRET "\"}}",
		"credHelpers[\"https://127.0.0.1:5000\"] is not a helper name");
	expect_malformed(f, "{\"credsStore\":\"a/b\"}", "credsStore");
}

/* ------------------------------------------------------------ challenges */

static void parse_ok(og_ctx *ctx, const char *header, const char *scheme,
	const char *realm, const char *service, const char *scope, const char *err)
{
	og_challenge c;
	int rc = og_challenge_parse(&c, ctx, header);

	if (rc != 0)
		fail_msg("rejected %s: %s", header, ctx->error);
	assert_string_equal(c.scheme, scheme);
#define CHECK(field, want) do { if (want) assert_string_equal(c.field, want); \
	else assert_null(c.field); } while (0)
	CHECK(realm, realm);
	CHECK(service, service);
	CHECK(scope, scope);
	CHECK(error, err);
#undef CHECK
	og_challenge_dispose(&c);
	assert_null(c.scheme);
}

static void test_oci_auth__challenge_parse(void **state)
{
	fixture *f = *state;

	parse_ok(f->ctx, "Bearer realm=\"https://auth.example/token\",service=\"reg\","
		"scope=\"repository:a/b:pull,push\"", "Bearer",
		"https://auth.example/token", "reg", "repository:a/b:pull,push", NULL);
	/* case-insensitive scheme and params, token values, spaces */
	parse_ok(f->ctx, "bEaReR  REALM = abc.def , Service=svc,ScOpE=\"x\"",
		"bEaReR", "abc.def", "svc", "x", NULL);
	parse_ok(f->ctx, "Bearer realm=\"r\",error=\"insufficient_scope\",scope=\"s\"",
		"Bearer", "r", NULL, "s", "insufficient_scope");
	/* escapes in quoted strings */
	parse_ok(f->ctx, "Bearer realm=\"a\\\"b\\\\c\\d\",service=\"\"", "Bearer",
		"a\"b\\cd", "", NULL, NULL);
	/* several challenges: Bearer wins wherever it is */
	parse_ok(f->ctx, "Basic realm=\"basic, realm\", Bearer realm=\"tok\",scope=\"q\"",
		"Bearer", "tok", NULL, "q", NULL);
	parse_ok(f->ctx, "Negotiate, Basic realm=\"b\"", "Basic", "b", NULL, NULL, NULL);
	parse_ok(f->ctx, "Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
		"Basic realm=\"simple\"", "Basic", "simple", NULL, NULL, NULL);
	parse_ok(f->ctx, "Negotiate YIIBhg==, Basic realm=\"x\", Bearer realm=\"y\"",
		"Bearer", "y", NULL, NULL, NULL);
	parse_ok(f->ctx, ", , Basic", "Basic", NULL, NULL, NULL, NULL);
	parse_ok(f->ctx, "Basic realm=\"a\", Basic realm=\"second\"", "Basic", "a", NULL, NULL, NULL);
	/* a duplicate param: the first wins; unknown params are ignored */
	parse_ok(f->ctx, "Bearer realm=\"1\", realm=\"2\", foo=bar, charset=\"UTF-8\"",
		"Bearer", "1", NULL, NULL, NULL);
	/* a Bearer without realm is skipped when a Basic one is there */
	parse_ok(f->ctx, "Bearer service=\"s\", Basic realm=\"b\"", "Basic", "b", NULL, NULL, NULL);
}

static void parse_bad(og_ctx *ctx, const char *header, const char *want)
{
	og_challenge c;

	og_error_clear(ctx);
	if (og_challenge_parse(&c, ctx, header) != OG_EINVALID)
		fail_msg("accepted %s", header ? header : "(null)");
	assert_null(c.scheme);
	assert_null(c.realm);
	if (!strstr(ctx->error, "WWW-Authenticate") || !strstr(ctx->error, want))
		fail_msg("for %s: message lacks \"%s\": %s", header, want, ctx->error);
}

static void test_oci_auth__challenge_invalid(void **state)
{
	fixture *f = *state;

	parse_bad(f->ctx, NULL, "no header");
	parse_bad(f->ctx, "", "no Bearer or Basic");
	parse_bad(f->ctx, "Negotiate abc==", "no Bearer or Basic");
	parse_bad(f->ctx, "Bearer service=\"s\",scope=\"x\"", "without a realm");
	parse_bad(f->ctx, "Bearer", "without a realm");
	parse_bad(f->ctx, "Bearer realm=\"unterminated", "malformed");
	parse_bad(f->ctx, "Bearer realm=\"a\\", "malformed");
	parse_bad(f->ctx, "Bearer realm=\"a\x01\"", "malformed");
	parse_bad(f->ctx, "Bearer realm=\"a\" junk", "malformed");
	parse_bad(f->ctx, "Bearer realm=", "without a realm");
	parse_bad(f->ctx, "\"Bearer\" realm=x", "malformed");
	parse_bad(f->ctx, "Bearer realm=a b", "malformed");
	parse_bad(f->ctx, "Bearer realm=\"r\", =x", "malformed");
	parse_bad(f->ctx, "Bearer@ realm=x", "malformed");
	parse_bad(f->ctx, "{}", "malformed");
}

/* Mutated headers (seeded): every result is 0 with a scheme or OG_EINVALID
 * with a message, never a crash (the ASan build runs this too). */
static void test_oci_auth__challenge_mutations(void **state)
{
	static const char *const seeds[] = {
		"Bearer realm=\"https://a.example/token\",service=\"reg\",scope=\"repository:x:pull\"",
		"Basic realm=\"r\", Bearer realm=\"t\", error=\"insufficient_scope\"",
		"Negotiate YIIBhg==, Basic realm=\"a\\\"b\"",
	};
	static const char alphabet[] = "=\",\\ \tBearBasicrealm:/";
	fixture *f = *state;
	char buf[256];
	unsigned int seed = 7;
	int i, j, ok = 0;

	for (i = 0; i < 30000; i++) {
		const char *s = seeds[i % 3];
		size_t n = strlen(s);
		og_challenge c;
		int rc;

		memcpy(buf, s, n + 1);
		for (j = 0; j < 1 + i % 4; j++) {
			size_t at;

			seed = seed * 1103515245u + 12345u;
			at = (seed >> 8) % n;
			seed = seed * 1103515245u + 12345u;
			switch ((seed >> 16) % 3) {
			case 0: /* replace */
				buf[at] = alphabet[(seed >> 4) % (sizeof(alphabet) - 1)];
				break;
			case 1: /* truncate */
				buf[at] = '\0';
				n = at > 0 ? at : 1;
				break;
			default: /* any byte but NUL */
				buf[at] = (char)(1 + (seed >> 4) % 255);
				break;
			}
			if (!buf[0])
				buf[0] = 'B';
			n = strlen(buf);
		}
		og_error_clear(f->ctx);
		rc = og_challenge_parse(&c, f->ctx, buf);
		if (rc == 0) {
			assert_non_null(c.scheme);
			ok++;
		} else {
			assert_int_equal(rc, OG_EINVALID);
			assert_true(f->ctx->error[0] != '\0');
			assert_null(c.scheme);
		}
		og_challenge_dispose(&c);
	}
	assert_true(ok > 0);
}

/* ------------------------------------------------------------- secrets */

/* Every failure path with the password somewhere in its input: the
 * message never holds the password bytes. */
static void test_oci_auth__secret_absent(void **state)
{
	fixture *f = *state;
	og_creds c;
	char *p;

#define NO_SECRET() do { \
		if (strstr(f->ctx->error, SECRET)) \
			fail_msg("secret in message: %s", f->ctx->error); \
		assert_true(f->ctx->error[0] != '\0'); \
		og_error_clear(f->ctx); \
	} while (0)
	assert_int_equal(og_creds_parse(&c, f->ctx, SECRET), OG_EINVALID);
	NO_SECRET();
	assert_int_equal(og_creds_parse(&c, f->ctx, ":" SECRET), OG_EINVALID);
	NO_SECRET();
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", ":" SECRET, NULL), OG_EINVALID);
	NO_SECRET();
	/* an auth file given by a path that holds the secret is named, so the
	 * secret-looking part comes from the caller; the files' contents are
	 * never quoted: */
	write_text(f, "s.json", "{\"auths\":{\"h\":{\"auth\":\"" SECRET "\"}}}");
	p = path_in(f, "s.json");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EINVALID);
	NO_SECRET();
	write_text(f, "s.json", "{\"auths\":{\"h\":{\"auth\":\"" SECRET "\"");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EINVALID);
	NO_SECRET();
	write_text(f, "s.json", SECRET);
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EINVALID);
	NO_SECRET();
	write_text(f, "s.json", "{\"auths\":{\"h\":{\"auth\":\"UGE1NS13MHJkLVhZWlpZ\"}}}");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EINVALID);
	NO_SECRET();
	write_text(f, "s.json", "{\"auths\":{\"h\":{\"identitytoken\":{\"x\":\"" SECRET "\"}}}}");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EINVALID);
	NO_SECRET();
	write_text(f, "s.json", "{\"credHelpers\":{\"h\":\"" SECRET "/x\"}}");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EINVALID);
	NO_SECRET();
	write_text(f, "s.json", "{\"credsStore\":\"" SECRET "/x\"}");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EINVALID);
	NO_SECRET();
	write_text(f, "s.json", "{\"credHelpers\":{\"h\":\"ogtest-garbage\"}}");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EAUTH);
	NO_SECRET();
	write_text(f, "s.json", "{\"credHelpers\":{\"h\":\"ogtest-fail\"}}");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EAUTH);
	NO_SECRET();
	write_text(f, "s.json", "{\"credHelpers\":{\"h\":\"ogtest-big\"}}");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EAUTH);
	NO_SECRET();
	write_text(f, "s.json", "{\"credHelpers\":{\"h\":\"ogtest-badtype\"}}");
	assert_int_equal(og_creds_lookup(&c, f->ctx, "h", NULL, p), OG_EAUTH);
	NO_SECRET();
	free(p);
#undef NO_SECRET
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci_auth__base64_vectors),
		cmocka_unit_test(test_oci_auth__base64_roundtrip),
		cmocka_unit_test(test_oci_auth__base64_invalid),
		cmocka_unit_test_setup_teardown(test_oci_auth__creds_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__lookup_explicit_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__lookup_registry_auth_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__lookup_auth_file_param, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__lookup_docker_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__lookup_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__lookup_cred_helper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__lookup_creds_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__lookup_helper_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__lookup_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__challenge_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__challenge_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__challenge_mutations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_auth__secret_absent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
