#include <string.h>
#include "helpers.h"
#include "oci/model.h"

#define D1 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	assert_non_null(j);
	return j;
}

static int has(const og_findings *f, const char *id)
{
	return og_findings_has(f, id, NULL);
}

static void test_oci_model__manifest_ok(void **state)
{
	og_findings f;
	og_where w = { &f, "m" };
	og_manifest m;
	json_t *j = parse("{\"schemaVersion\":2,\"mediaType\":\"" OG_MT_OCI_MANIFEST "\","
		"\"config\":{\"mediaType\":\"" OG_MT_OCI_CONFIG "\",\"digest\":\"" D1 "\",\"size\":0},"
		"\"layers\":[{\"mediaType\":\"" OG_MT_OCI_LAYER_GZIP "\",\"digest\":\"" D1 "\",\"size\":5,"
		"\"annotations\":{\"a\":\"b\"}}]}");

	(void)state;
	og_findings_init(&f);
	assert_int_equal(og_manifest_parse(&m, &w, j), 0);
	assert_int_equal(f.count, 0);
	assert_true(m.usable);
	assert_int_equal(m.layer_count, 1);
	assert_int_equal(m.layers[0].size, 5);
	assert_true(m.layers[0].verifiable);
	assert_string_equal(og_descriptor_annotation(&m.layers[0], "a"), "b");
	og_manifest_dispose(&m);
	og_findings_dispose(&f);
	json_decref(j);
}

static void expect_manifest(const char *doc, const char *id)
{
	og_findings f;
	og_where w = { &f, "m" };
	og_manifest m;
	json_t *j = parse(doc);

	og_findings_init(&f);
	assert_int_equal(og_manifest_parse(&m, &w, j), 0);
	if (!has(&f, id))
		fail_msg("expected %s for %s", id, doc);
	og_manifest_dispose(&m);
	og_findings_dispose(&f);
	json_decref(j);
}

static void test_oci_model__manifest_schema(void **state)
{
	(void)state;
	expect_manifest("{\"schemaVersion\":3,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}", "manifest.schema");
	expect_manifest("{\"schemaVersion\":\"2\",\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}", "manifest.schema");
	expect_manifest("{\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}", "manifest.schema");
	expect_manifest("{\"schemaVersion\":2,\"layers\":[]}", "manifest.schema");
	expect_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1}}", "manifest.schema");
	expect_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}", "manifest.schema");
	expect_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1.5},\"layers\":[]}", "manifest.schema");
	expect_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"ab\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}", "manifest.schema");
	expect_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"sha256:XYZ\",\"size\":1},\"layers\":[]}", "digest.invalid");
	expect_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[1]}", "manifest.schema");
	expect_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[],\"annotations\":{\"a\":1}}", "manifest.schema");
	expect_manifest("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\",\"size\":1,\"urls\":[3]},\"layers\":[]}", "manifest.schema");
}

static void test_oci_model__config(void **state)
{
	og_findings f;
	og_where w = { &f, "c" };
	og_config c;
	json_t *j;

	(void)state;
	og_findings_init(&f);
	j = parse("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]},"
		"\"config\":{\"Env\":[\"A=1\"],\"Entrypoint\":null,\"Labels\":{\"x\":\"y\"}},\"history\":[{\"empty_layer\":true}]}");
	assert_int_equal(og_config_parse(&c, &w, j), 0);
	assert_int_equal(f.count, 0);
	assert_true(c.rootfs_ok);
	assert_int_equal(c.diff_id_count, 1);
	assert_string_equal(c.architecture, "amd64");
	og_config_dispose(&c);
	json_decref(j);

	j = parse("{\"os\":\"linux\",\"rootfs\":{\"type\":\"foo\",\"diff_ids\":[]}}");
	assert_int_equal(og_config_parse(&c, &w, j), 0);
	assert_true(has(&f, "manifest.schema"));
	assert_false(c.rootfs_ok);
	assert_int_equal(f.count, 2); /* architecture, rootfs.type */
	og_config_dispose(&c);
	json_decref(j);
	og_findings_dispose(&f);

	og_findings_init(&f);
	j = parse("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"bad\"]},\"config\":{\"Env\":\"x\"}}");
	assert_int_equal(og_config_parse(&c, &w, j), 0);
	assert_true(has(&f, "digest.invalid"));
	assert_true(has(&f, "manifest.schema"));
	og_config_dispose(&c);
	json_decref(j);
	og_findings_dispose(&f);
}

static void test_oci_model__index_platform(void **state)
{
	og_findings f;
	og_where w = { &f, "i" };
	og_index ix;
	og_platform want;
	json_t *j;

	(void)state;
	og_findings_init(&f);
	j = parse("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OG_MT_OCI_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,"
		"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
		"{\"mediaType\":\"" OG_MT_OCI_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}]}");
	assert_int_equal(og_index_parse(&ix, &w, j), 0);
	assert_int_equal(ix.count, 2);
	assert_int_equal(f.count, 1); /* the second platform lacks architecture */
	assert_int_equal(og_platform_parse(&want, "linux/arm64"), 0);
	assert_true(og_platform_match(&want, ix.manifests[0].platform));
	og_platform_dispose(&want);
	assert_int_equal(og_platform_parse(&want, "linux/arm64/v7"), 0);
	assert_false(og_platform_match(&want, ix.manifests[0].platform));
	og_platform_dispose(&want);
	assert_int_equal(og_platform_parse(&want, "linux"), OG_EINVALID);
	assert_int_equal(og_platform_parse(&want, "linux/"), OG_EINVALID);
	assert_int_equal(og_platform_parse(&want, "a/b/c/d"), OG_EINVALID);
	og_index_dispose(&ix);
	json_decref(j);
	og_findings_dispose(&f);
}

static void test_oci_model__json(void **state)
{
	og_findings f;
	og_where w = { &f, "doc" };
	char deep[200001];
	size_t i;

	(void)state;
	og_findings_init(&f);
	assert_null(og_json_parse(&w, (const unsigned char *)"{", 1, "layout.invalid"));
	assert_true(has(&f, "layout.invalid"));
	assert_null(og_json_parse(&w, (const unsigned char *)"[]", 2, "manifest.schema"));
	assert_true(has(&f, "manifest.schema"));
	assert_null(og_json_parse(&w, (const unsigned char *)"{\"a\":1,\"a\":2}", 13, "manifest.schema"));
	for (i = 0; i < 100000; i++) {
		deep[i] = '[';
		deep[200000 - 1 - i] = ']';
	}
	deep[200000] = '\0';
	assert_null(og_json_parse(&w, (const unsigned char *)deep, 200000, "manifest.schema"));
	og_findings_dispose(&f);
}

static void test_oci_model__layout(void **state)
{
	og_findings f;
	og_where w = { &f, "oci-layout" };
	json_t *j;

	(void)state;
	og_findings_init(&f);
	j = parse("{\"imageLayoutVersion\":\"1.0.0\"}");
	assert_int_equal(og_layout_check(&w, j), 0);
	assert_int_equal(f.count, 0);
	json_decref(j);
	j = parse("{\"imageLayoutVersion\":\"2.0.0\"}");
	og_layout_check(&w, j);
	assert_true(has(&f, "layout.invalid"));
	json_decref(j);
	og_findings_dispose(&f);
}

static void test_oci_model__media_types(void **state)
{
	og_media_type t;

	(void)state;
	assert_int_equal(og_media_type_lookup(&t, OG_MT_OCI_LAYER_ZSTD), 0);
	assert_int_equal(t.kind, OG_KIND_LAYER);
	assert_int_equal(t.compression, OG_COMP_ZSTD);
	assert_int_equal(og_media_type_lookup(&t, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"), 0);
	assert_true(t.nondistributable);
	assert_int_equal(og_media_type_lookup(&t, OG_MT_DOCKER_LIST), 0);
	assert_int_equal(t.kind, OG_KIND_INDEX);
	assert_int_equal(og_media_type_lookup(&t, "application/x-unknown"), OG_ENOTFOUND);
	assert_int_equal(og_media_type_lookup(&t, NULL), OG_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci_model__manifest_ok),
		cmocka_unit_test(test_oci_model__manifest_schema),
		cmocka_unit_test(test_oci_model__config),
		cmocka_unit_test(test_oci_model__index_platform),
		cmocka_unit_test(test_oci_model__json),
		cmocka_unit_test(test_oci_model__layout),
		cmocka_unit_test(test_oci_model__media_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
