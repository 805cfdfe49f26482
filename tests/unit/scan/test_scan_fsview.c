#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "scan/fsview.h"

typedef struct layer_b {
	void *state;
	og_findings f;
} layer_b;

static void lb_begin(layer_b *b)
{
	og_layer_info info = { 0, "sha256:x" };

	og_findings_init(&b->f);
	assert_int_equal(og_scan_fsview.begin(&b->state, NULL, &info, NULL), 0);
}

static void lb_add(layer_b *b, const char *path, og_entry_type_t type, const char *link,
	const char *data)
{
	og_entry e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.path = path;
	e.type = type;
	e.link = link;
	e.size = data ? strlen(data) : 0;
	rc = og_scan_fsview.entry(b->state, &e, &b->f);
	assert_true(rc >= 0);
	if (rc == OG_VISIT_DATA) {
		assert_non_null(data);
		/* in two blocks */
		assert_int_equal(og_scan_fsview.data(b->state, data, 3, &b->f), 0);
		assert_int_equal(og_scan_fsview.data(b->state, data + 3, strlen(data) - 3, &b->f), 0);
	}
}

static og_fs_layer *lb_take(layer_b *b)
{
	og_fs_layer *l = NULL;

	assert_int_equal(og_scan_fsview.end(b->state, &b->f), 0);
	assert_int_equal(og_fsview_take(&l, b->state), 0);
	og_scan_fsview.free(b->state);
	assert_int_equal(b->f.count, 0);
	og_findings_dispose(&b->f);
	return l;
}

static void test_scan_fsview__layers(void **state)
{
	layer_b b;
	og_fs_layer *l[3];
	og_fsview *fs = NULL;
	const char *passwd;
	size_t len = 0;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "./usr/", OG_ENTRY_DIR, NULL, NULL);
	lb_add(&b, "usr/bin/app", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "bin", OG_ENTRY_SYMLINK, "usr/bin", NULL);
	lb_add(&b, "etc/passwd", OG_ENTRY_FILE, NULL, "root:x:0:0::/root:/bin/sh\napp:x:0:0::/:/bin/sh\n");
	lb_add(&b, "opt/x/a", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "gone/file", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "sbin", OG_ENTRY_SYMLINK, "/usr/bin", NULL);
	lb_add(&b, "loop", OG_ENTRY_SYMLINK, "loop", NULL);
	lb_add(&b, "up", OG_ENTRY_SYMLINK, "../../../usr", NULL);
	l[0] = lb_take(&b);

	lb_begin(&b);
	lb_add(&b, "gone/.wh.file", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "opt/x/.wh..wh..opq", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "opt/x/b", OG_ENTRY_FILE, NULL, NULL);
	l[1] = lb_take(&b);

	lb_begin(&b);
	lb_add(&b, "etc/passwd", OG_ENTRY_FILE, NULL, "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n");
	l[2] = lb_take(&b);

	assert_int_equal(og_fsview_build(&fs, l, 3), 0);
	assert_true(og_fsview_exists(fs, "/usr/bin/app"));
	assert_true(og_fsview_exists(fs, "/bin/app"));        /* through a relative symlink */
	assert_true(og_fsview_exists(fs, "/sbin/app"));       /* through an absolute one */
	assert_true(og_fsview_exists(fs, "/up/bin/app"));     /* clamped at the root */
	assert_false(og_fsview_exists(fs, "/bin/nope"));
	assert_false(og_fsview_exists(fs, "/gone/file"));     /* whiteout */
	assert_false(og_fsview_exists(fs, "/opt/x/a"));       /* opaque dir */
	assert_true(og_fsview_exists(fs, "/opt/x/b"));        /* same layer as the opaque */
	assert_false(og_fsview_exists(fs, "/loop"));          /* a loop ends */
	assert_false(og_fsview_exists(fs, "/"));
	passwd = og_fsview_file(fs, "/etc/passwd", &len);
	assert_non_null(passwd);
	assert_non_null(strstr(passwd, "app:x:1000")); /* the last writer wins */
	assert_int_equal(len, strlen(passwd));
	assert_null(og_fsview_file(fs, "/usr/bin/app", &len)); /* not kept */
	og_fsview_free(fs);

	/* Without the top layer: the first passwd; without the middle one,
	 * the whiteouts never happened. */
	og_fs_layer_free(l[1]);
	l[1] = NULL;
	og_fs_layer_free(l[2]);
	assert_int_equal(og_fsview_build(&fs, l, 2), 0);
	passwd = og_fsview_file(fs, "etc/passwd", &len);
	assert_non_null(strstr(passwd, "app:x:0:0"));
	og_fsview_free(fs);
	og_fs_layer_free(l[0]);
}

static void test_scan_fsview__file_over_dir(void **state)
{
	layer_b b;
	og_fs_layer *l[2];
	og_fsview *fs = NULL;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "d/inner", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "d", OG_ENTRY_DIR, NULL, NULL);
	l[0] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "d", OG_ENTRY_FILE, NULL, NULL);
	l[1] = lb_take(&b);
	assert_int_equal(og_fsview_build(&fs, l, 2), 0);
	assert_true(og_fsview_exists(fs, "d"));
	assert_false(og_fsview_exists(fs, "d/inner"));
	og_fsview_free(fs);
	og_fs_layer_free(l[0]);
	og_fs_layer_free(l[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_fsview__layers),
		cmocka_unit_test(test_scan_fsview__file_over_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
