#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "scan/efficiency.h"

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

/* An entry of `size` bytes (its data is never asked for: not a kept file). */
static void lb_add(layer_b *b, const char *path, og_entry_type_t type, uint64_t size)
{
	og_entry e;

	memset(&e, 0, sizeof(e));
	e.path = path;
	e.type = type;
	e.size = size;
	e.link = type == OG_ENTRY_SYMLINK ? "elsewhere" : NULL;
	assert_int_equal(og_scan_fsview.entry(b->state, &e, &b->f), 0);
}

static og_fs_layer *lb_take(layer_b *b)
{
	og_fs_layer *l = NULL;

	assert_int_equal(og_scan_fsview.end(b->state, &b->f), 0);
	assert_int_equal(og_fsview_take(&l, b->state), 0);
	og_scan_fsview.free(b->state);
	og_findings_dispose(&b->f);
	return l;
}

static void test_scan_efficiency__wasted(void **state)
{
	layer_b b;
	og_fs_layer *l[4];
	og_efficiency e;
	size_t i;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "usr/bin/app", OG_ENTRY_FILE, 1000);     /* overwritten by 1 */
	lb_add(&b, "tmp/build.tar", OG_ENTRY_FILE, 5000);   /* whiteout in 1 */
	lb_add(&b, "var/cache/apt/a.deb", OG_ENTRY_FILE, 300); /* opaque in 2 */
	lb_add(&b, "var/cache/apt/b.deb", OG_ENTRY_FILE, 200);
	lb_add(&b, "data/x", OG_ENTRY_FILE, 50);            /* parent replaced in 2 */
	lb_add(&b, "etc/keep", OG_ENTRY_FILE, 1450);        /* survives */
	lb_add(&b, "dup", OG_ENTRY_FILE, 10);               /* written twice here */
	lb_add(&b, "dup", OG_ENTRY_FILE, 10);
	lb_add(&b, "empty", OG_ENTRY_FILE, 0);
	lb_add(&b, "usr", OG_ENTRY_DIR, 0);
	l[0] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "usr/bin/app", OG_ENTRY_FILE, 1100);     /* overwritten again by 3 */
	lb_add(&b, "tmp/.wh.build.tar", OG_ENTRY_FILE, 0);
	lb_add(&b, "usr", OG_ENTRY_DIR, 0);
	l[1] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "var/cache/apt/.wh..wh..opq", OG_ENTRY_FILE, 0);
	lb_add(&b, "data", OG_ENTRY_SYMLINK, 0);
	lb_add(&b, "empty", OG_ENTRY_FILE, 0);
	l[2] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "usr/bin/app", OG_ENTRY_FILE, 1200);
	l[3] = lb_take(&b);

	assert_int_equal(og_efficiency_compute(&e, l, 4, 3), 0);
	assert_int_equal(e.total_bytes, 1000 + 5000 + 300 + 200 + 50 + 1450 + 20 + 1100 + 1200);
	assert_int_equal(e.wasted_bytes, 1000 + 5000 + 300 + 200 + 50 + 10 + 1100);
	/* 2660 of 10320 bytes make the final fs */
	assert_true(e.score > 1.0 - 7660.0 / 10320.0 - 1e-9 && e.score < 1.0 - 7660.0 / 10320.0 + 1e-9);
	assert_int_equal(e.top_count, 3);
	assert_string_equal(e.top[0].path, "tmp/build.tar");
	assert_int_equal(e.top[0].bytes, 5000);
	assert_int_equal(e.top[0].layer, 0);
	assert_int_equal(e.top[0].by, 1);
	assert_string_equal(e.top[1].path, "usr/bin/app"); /* summed: 1000 + 1100 */
	assert_int_equal(e.top[1].bytes, 2100);
	assert_int_equal(e.top[1].layer, 0);
	assert_int_equal(e.top[1].by, 1);
	assert_string_equal(e.top[2].path, "var/cache/apt/a.deb");
	assert_int_equal(e.top[2].by, 2);
	og_efficiency_dispose(&e);

	assert_int_equal(og_efficiency_compute(&e, l, 4, 100), 0);
	assert_int_equal(e.top_count, 6);
	assert_string_equal(e.top[4].path, "data/x");
	assert_int_equal(e.top[4].by, 2);
	assert_string_equal(e.top[5].path, "dup");
	assert_int_equal(e.top[5].by, 0); /* the same layer */
	og_efficiency_dispose(&e);

	/* only the first layer: nothing wasted but the duplicate */
	assert_int_equal(og_efficiency_compute(&e, l, 1, 0), 0);
	assert_int_equal(e.wasted_bytes, 10);
	assert_int_equal(e.top_count, 0);
	og_efficiency_dispose(&e);
	for (i = 0; i < 4; i++)
		og_fs_layer_free(l[i]);
}

static void test_scan_efficiency__empty(void **state)
{
	og_fs_layer *l[2] = { NULL, NULL };
	og_efficiency e;

	(void)state;
	assert_int_equal(og_efficiency_compute(&e, l, 2, 5), 0);
	assert_int_equal(e.total_bytes, 0);
	assert_true(e.score == 1.0);
	assert_int_equal(e.top_count, 0);
	og_efficiency_dispose(&e);
	og_efficiency_dispose(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_efficiency__wasted),
		cmocka_unit_test(test_scan_efficiency__empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
