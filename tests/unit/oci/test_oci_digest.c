#include <string.h>
#include "helpers.h"
#include "oci/digest.h"

#define EMPTY_SHA256 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void test_oci_digest__grammar(void **state)
{
	static const char *const good[] = {
		EMPTY_SHA256,
		"sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
		"multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
		"sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
		"a.b-c_d:x=",
	};
	static const char *const bad[] = {
		"", "sha256", "sha256:", ":abc", "SHA256:abc", "sha256:E3B0",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855a",
		"sha256:XYZ", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85G",
		"a..b:x", "+a:x", "a+:x", "a:x y", "sha512:abc",
	};
	og_digest_alg_t alg;
	char why[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(og_digest_parse(&alg, good[i], why, sizeof(why)), 0);
	assert_int_equal(og_digest_parse(&alg, good[0], why, sizeof(why)), 0);
	assert_int_equal(alg, OG_DIGEST_SHA256);
	assert_int_equal(og_digest_parse(&alg, good[1], why, sizeof(why)), 0);
	assert_int_equal(alg, OG_DIGEST_SHA512);
	assert_int_equal(og_digest_parse(&alg, good[2], why, sizeof(why)), 0);
	assert_int_equal(alg, OG_DIGEST_UNKNOWN);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(og_digest_parse(&alg, bad[i], why, sizeof(why)), OG_EINVALID);
		assert_true(why[0] != '\0');
	}
	assert_int_equal(og_digest_parse(&alg, NULL, NULL, 0), OG_EINVALID);
}

static void test_oci_digest__hash(void **state)
{
	char out[OG_DIGEST_MAX];
	og_hash *h = NULL;
	og_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(og_ctx_new(&ctx), 0);
	assert_int_equal(og_digest_buf(out, ctx, OG_DIGEST_SHA256, "", 0), 0);
	assert_string_equal(out, EMPTY_SHA256);
	assert_int_equal(og_hash_new(&h, ctx, OG_DIGEST_SHA256), 0);
	og_hash_update(h, "a", 1);
	og_hash_update(h, "bc", 2);
	og_hash_final(h, out);
	assert_string_equal(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	og_hash_reset(h);
	og_hash_final(h, out);
	assert_string_equal(out, EMPTY_SHA256);
	og_hash_free(h);
	assert_int_equal(og_digest_buf(out, ctx, OG_DIGEST_SHA512, "abc", 3), 0);
	assert_string_equal(out, "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	assert_int_equal(og_hash_new(&h, ctx, OG_DIGEST_UNKNOWN), OG_EINVALID);
	assert_null(h);
	assert_string_equal(og_digest_encoded("sha256:abc"), "abc");
	assert_null(og_digest_encoded("nocolon"));
	og_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci_digest__grammar),
		cmocka_unit_test(test_oci_digest__hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
