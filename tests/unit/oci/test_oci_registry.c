/* The registry client's pure parts (src/oci/registry.c): references,
 * Retry-After, backoff bounds, error mapping, the Accept header, the
 * plain-HTTP rule. The network parts run in tests/integration/test_registry.sh
 * and test_faults.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "helpers.h"
#include "oci/registry.h"
#include "oci/registry_internal.h"

#define D64 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void ref_ok(const char *s, const char *host, const char *repo, const char *tag,
	const char *digest)
{
	og_ctx ctx;
	og_image_ref r;

	memset(&ctx, 0, sizeof(ctx));
	if (og_image_ref_parse(&r, &ctx, s) != 0) {
		print_error("%s: %s\n", s, ctx.error);
		fail();
	}
	assert_string_equal(r.host, host);
	assert_string_equal(r.repo, repo);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	og_image_ref_dispose(&r);
}

static void ref_bad(const char *s, const char *in_message)
{
	og_ctx ctx;
	og_image_ref r;

	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(og_image_ref_parse(&r, &ctx, s), OG_EINVALID);
	assert_null(r.host);
	assert_null(r.repo);
	if (in_message && !strstr(ctx.error, in_message)) {
		print_error("'%s' not in '%s'\n", in_message, ctx.error);
		fail();
	}
}

static void test_oci_registry_ref__forms(void **state)
{
	(void)state;
	ref_ok("docker://127.0.0.1:5000/team/app:1.0", "127.0.0.1:5000", "team/app", "1.0", NULL);
	ref_ok("127.0.0.1:5000/app:1.0", "127.0.0.1:5000", "app", "1.0", NULL);
	ref_ok("docker://localhost/app", "localhost", "app", "latest", NULL);
	ref_ok("localhost:5000/a/b/c", "localhost:5000", "a/b/c", "latest", NULL);
	ref_ok("docker://registry.example.com/x/y@" D64, "registry.example.com", "x/y", NULL, D64);
	/* both: the digest wins, the tag is kept */
	ref_ok("docker://reg.example/app:1@" D64, "reg.example", "app", "1", D64);
	/* Docker Hub short names */
	ref_ok("docker://alpine:3.19", "registry-1.docker.io", "library/alpine", "3.19", NULL);
	ref_ok("docker://alpine", "registry-1.docker.io", "library/alpine", "latest", NULL);
	ref_ok("docker://bitnami/redis:7", "registry-1.docker.io", "bitnami/redis", "7", NULL);
	ref_ok("docker://docker.io/alpine", "registry-1.docker.io", "library/alpine", "latest", NULL);
	ref_ok("docker://[::1]:5000/app:x", "[::1]:5000", "app", "x", NULL);
	ref_ok("docker://reg.example/a_b/c__d/e-f.g:V_1.2-rc", "reg.example", "a_b/c__d/e-f.g",
		"V_1.2-rc", NULL);
}

static void test_oci_registry_ref__bad(void **state)
{
	(void)state;
	ref_bad("", NULL);
	ref_bad("docker://", NULL);
	ref_bad("docker://127.0.0.1:5000/", "repository");
	ref_bad("docker://127.0.0.1:5000/App:1", "repository");
	ref_bad("docker://127.0.0.1:5000/app:", "tag");
	ref_bad("docker://127.0.0.1:5000/app:-x", "tag");
	ref_bad("docker://127.0.0.1:5000/app:a/b", "repository");
	ref_bad("docker://127.0.0.1:5000/a//b:1", "repository");
	ref_bad("docker://127.0.0.1:5000/-a:1", "repository");
	ref_bad("docker://127.0.0.1:5000/a-:1", "repository");
	ref_bad("docker://127.0.0.1:5000/a..b:1", "repository");
	ref_bad("docker://127.0.0.1:5000/app@sha256:1234", "digest");
	ref_bad("docker://127.0.0.1:5000/app@md5", "digest");
	ref_bad("docker://127.0.0.1:99999999/app", "host");
	ref_bad("docker://bad_host.example/app", "host");
	ref_bad("docker://127.0.0.1:5000/app:1 2", "tag");
}

static void test_oci_registry_ref__is_registry(void **state)
{
	(void)state;
	assert_true(og_image_ref_is_registry("docker://anything"));
	assert_true(og_image_ref_is_registry("127.0.0.1:5000/app:1"));
	assert_true(og_image_ref_is_registry("localhost/app"));
	assert_true(og_image_ref_is_registry("reg.example.com/team/app:1"));
	assert_false(og_image_ref_is_registry("app:1"));
	assert_false(og_image_ref_is_registry("./x.y/app"));
	assert_false(og_image_ref_is_registry("../x.y/app"));
	assert_false(og_image_ref_is_registry("dir/image.tar"));
	assert_false(og_image_ref_is_registry("/abs/path.tar"));
	assert_false(og_image_ref_is_registry("oci:dir"));
}

static void test_oci_registry_retry_after__seconds(void **state)
{
	uint64_t ms = 99;

	(void)state;
	assert_int_equal(og_registry__retry_after(&ms, "1", 1000), 0);
	assert_int_equal(ms, 1000);
	assert_int_equal(og_registry__retry_after(&ms, " 120 ", 1000), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(og_registry__retry_after(&ms, "0", 1000), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(og_registry__retry_after(&ms, "-1", 1000), -1);
	assert_int_equal(og_registry__retry_after(&ms, "1.5", 1000), -1);
	assert_int_equal(og_registry__retry_after(&ms, "soon", 1000), -1);
	assert_int_equal(og_registry__retry_after(&ms, "", 1000), -1);
	assert_int_equal(og_registry__retry_after(&ms, NULL, 1000), -1);
	assert_int_equal(og_registry__retry_after(&ms, "99999999999999999999", 1000), -1);
}

static void test_oci_registry_retry_after__date(void **state)
{
	/* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 */
	const time_t t = 1445412480;
	uint64_t ms = 0;

	(void)state;
	assert_int_equal(og_registry__retry_after(&ms, "Wed, 21 Oct 2015 07:28:00 GMT", t - 5), 0);
	assert_int_equal(ms, 5000);
	/* in the past: now */
	assert_int_equal(og_registry__retry_after(&ms, "Wed, 21 Oct 2015 07:28:00 GMT", t + 60), 0);
	assert_int_equal(ms, 0);
	/* the obsolete RFC 850 form is an HTTP-date too */
	assert_int_equal(og_registry__retry_after(&ms, "Wednesday, 21-Oct-15 07:28:02 GMT", t), 0);
	assert_int_equal(ms, 2000);
}

static void test_oci_registry_backoff__bounds(void **state)
{
	uint64_t r, d;
	unsigned int a;

	(void)state;
	/* full jitter: 0 .. min(max, base * 2^attempt) inclusive */
	for (a = 0; a < 40; a++) {
		uint64_t cap = 500ull << (a < 20 ? a : 20);

		if (cap > 30000)
			cap = 30000;
		for (r = 0; r < 2000; r += 7) {
			d = og_registry__backoff_ms(a, 500, 30000, r * 0x9e3779b97f4a7c15ull);
			assert_true(d <= cap);
		}
		assert_int_equal(og_registry__backoff_ms(a, 500, 30000, cap), cap);
		assert_int_equal(og_registry__backoff_ms(a, 500, 30000, cap + 1), 0);
	}
	assert_int_equal(og_registry__backoff_ms(0, 500, 30000, 500), 500);
	assert_int_equal(og_registry__backoff_ms(3, 500, 30000, 4000), 4000);
	assert_int_equal(og_registry__backoff_ms(3, 500, 30000, 4001), 0);
	assert_int_equal(og_registry__backoff_ms(10, 500, 30000, 30000), 30000);
	assert_int_equal(og_registry__backoff_ms(1000, 500, 30000, 30000), 30000);
	assert_int_equal(og_registry__backoff_ms(2, 0, 30000, 12345), 0);
}

static void map(long status, const char *body, int want_rc, const char *want_id,
	const char *in_message)
{
	const char *id = NULL;
	char msg[300];
	int rc = og_registry__map_status(&id, msg, sizeof(msg), status, body,
		body ? strlen(body) : 0);

	assert_int_equal(rc, want_rc);
	assert_string_equal(id, want_id);
	if (in_message && !strstr(msg, in_message)) {
		print_error("'%s' not in '%s'\n", in_message, msg);
		fail();
	}
	assert_null(strchr(msg, '\n'));
}

static void test_oci_registry_errors__mapping(void **state)
{
	(void)state;
	map(404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}",
		OG_ENOTFOUND, "registry.not_found", "HTTP 404 MANIFEST_UNKNOWN: manifest unknown");
	map(404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}",
		OG_ENOTFOUND, "registry.not_found", "BLOB_UNKNOWN");
	map(404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\"}]}", OG_ENOTFOUND,
		"registry.not_found", "NAME_UNKNOWN");
	map(404, "not found", OG_ENOTFOUND, "registry.not_found", "HTTP 404: not found");
	map(401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}",
		OG_EAUTH, "registry.auth", "UNAUTHORIZED");
	map(401, NULL, OG_EAUTH, "registry.auth", "HTTP 401");
	map(403, "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}",
		OG_EAUTH, "registry.denied", "DENIED");
	map(403, "<html>Forbidden</html>", OG_EAUTH, "registry.denied", "Forbidden");
	map(429, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}",
		OG_ENETWORK, "registry.rate_limited", "TOOMANYREQUESTS");
	map(429, "", OG_ENETWORK, "registry.rate_limited", "HTTP 429");
	map(500, "boom", OG_ENETWORK, "registry.server_error", "HTTP 500: boom");
	map(503, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"down\"}]}",
		OG_ENETWORK, "registry.server_error", "HTTP 503 UNAVAILABLE: down");
	map(408, NULL, OG_ENETWORK, "registry.timeout", "HTTP 408");
	/* the code in the body wins over the status */
	map(400, "{\"errors\":[{\"code\":\"DENIED\"}]}", OG_EAUTH, "registry.denied", "DENIED");
	/* non-JSON bodies: printable bytes only, on one line */
	map(502, "<html>\r\n<body>\x01\x02 Bad\tGateway\x7f</body>\n</html>", OG_ENETWORK,
		"registry.server_error", "<html> <body> Bad Gateway</body> </html>");
}

static void test_oci_registry_errors__long_body(void **state)
{
	char body[1000], msg[512];
	const char *id = NULL;

	(void)state;
	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	og_registry__map_status(&id, msg, sizeof(msg), 500, body, strlen(body));
	/* "HTTP 500: " + the first 200 printable bytes */
	assert_int_equal(strlen(msg), strlen("HTTP 500: ") + 200);
}

static void test_oci_registry_accept__header(void **state)
{
	(void)state;
	assert_non_null(strstr(OG_MANIFEST_ACCEPT, "application/vnd.oci.image.index.v1+json"));
	assert_non_null(strstr(OG_MANIFEST_ACCEPT, "application/vnd.oci.image.manifest.v1+json"));
	assert_non_null(strstr(OG_MANIFEST_ACCEPT,
		"application/vnd.docker.distribution.manifest.list.v2+json"));
	assert_non_null(strstr(OG_MANIFEST_ACCEPT,
		"application/vnd.docker.distribution.manifest.v2+json"));
	assert_null(strchr(OG_MANIFEST_ACCEPT, '\n'));
}

static void test_oci_registry_loopback__rule(void **state)
{
	(void)state;
	assert_true(og_registry__is_loopback("localhost"));
	assert_true(og_registry__is_loopback("localhost:5000"));
	assert_true(og_registry__is_loopback("127.0.0.1:5000"));
	assert_true(og_registry__is_loopback("127.1.2.3"));
	assert_true(og_registry__is_loopback("[::1]:5000"));
	assert_true(og_registry__is_loopback("[::1]"));
	assert_false(og_registry__is_loopback("127.example.com"));
	assert_false(og_registry__is_loopback("localhost.example.com"));
	assert_false(og_registry__is_loopback("10.0.0.1:5000"));
	assert_false(og_registry__is_loopback("registry-1.docker.io"));
	assert_false(og_registry__is_loopback("[::2]:5000"));
}

static void test_oci_registry_client__new_free(void **state)
{
	og_transport_options o = OG_TRANSPORT_OPTIONS_INIT;
	og_registry_stats st;
	og_registry *reg = NULL;
	og_ctx ctx;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	o.creds = "user:secret";
	o.cacert = "/nonexistent.pem";
	assert_int_equal(og_registry_new(&reg, &ctx, "127.0.0.1:1", &o), 0);
	og_registry_stats_get(reg, &st);
	assert_int_equal(st.requests, 0);
	assert_int_equal(st.retries, 0);
	og_registry_free(reg);
	og_registry_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci_registry_ref__forms),
		cmocka_unit_test(test_oci_registry_ref__bad),
		cmocka_unit_test(test_oci_registry_ref__is_registry),
		cmocka_unit_test(test_oci_registry_retry_after__seconds),
		cmocka_unit_test(test_oci_registry_retry_after__date),
		cmocka_unit_test(test_oci_registry_backoff__bounds),
		cmocka_unit_test(test_oci_registry_errors__mapping),
		cmocka_unit_test(test_oci_registry_errors__long_body),
		cmocka_unit_test(test_oci_registry_accept__header),
		cmocka_unit_test(test_oci_registry_loopback__rule),
		cmocka_unit_test(test_oci_registry_client__new_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
