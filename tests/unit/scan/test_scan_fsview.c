#include <stdio.h>
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
	lb_add(&b, "implied/sub/x", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "implied2/y", OG_ENTRY_FILE, NULL, NULL);
	l[0] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "d", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "implied/sub", OG_ENTRY_SYMLINK, "elsewhere", NULL);
	l[1] = lb_take(&b);
	assert_int_equal(og_fsview_build(&fs, l, 2), 0);
	assert_true(og_fsview_exists(fs, "d"));
	assert_false(og_fsview_exists(fs, "d/inner"));
	/* directories no entry made: they exist, and a file over one hides
	 * what was under it */
	assert_true(og_fsview_exists(fs, "implied2"));
	assert_true(og_fsview_exists(fs, "implied"));
	assert_false(og_fsview_exists(fs, "implied/sub/x"));
	og_fsview_free(fs);
	og_fs_layer_free(l[0]);
	og_fs_layer_free(l[1]);
}

static int sum_sizes(const char *path, uint64_t size, int survives, void *payload)
{
	uint64_t *acc = payload;

	(void)path;
	acc[0] += size;
	if (survives)
		acc[1] += size;
	return 0;
}

static void test_scan_fsview__sizes(void **state)
{
	layer_b b;
	og_fs_layer *l[2];
	og_fsview *fs = NULL;
	og_fs_stat st;
	uint64_t acc[2];

	(void)state;
	lb_begin(&b);
	lb_add(&b, "a", OG_ENTRY_FILE, NULL, "12345");
	lb_add(&b, "b", OG_ENTRY_FILE, NULL, "1234567");
	lb_add(&b, "d", OG_ENTRY_DIR, NULL, NULL);
	l[0] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "a", OG_ENTRY_FILE, NULL, "xyz");
	l[1] = lb_take(&b);
	assert_int_equal(og_fsview_build(&fs, l, 2), 0);
	assert_int_equal(og_fsview_stat(&st, fs, "/b", 0, NULL), 1);
	assert_int_equal(st.size, 7);
	assert_int_equal(st.type, OG_ENTRY_FILE);
	assert_string_equal(st.path, "b");
	assert_int_equal(og_fsview_stat(&st, fs, "/a", 0, NULL), 1);
	assert_int_equal(st.size, 3);
	assert_int_equal(og_fsview_stat(&st, fs, "/nope", 0, NULL), 0);
	acc[0] = acc[1] = 0;
	assert_int_equal(og_fsview_each_file(fs, l[0], sum_sizes, acc), 0);
	assert_int_equal(acc[0], 12);
	assert_int_equal(acc[1], 7); /* a was overwritten */
	acc[0] = acc[1] = 0;
	assert_int_equal(og_fsview_each_file(fs, l[1], sum_sizes, acc), 0);
	assert_int_equal(acc[0], 3);
	assert_int_equal(acc[1], 3);
	og_fsview_free(fs);
	og_fs_layer_free(l[0]);
	og_fs_layer_free(l[1]);
}

typedef struct names_acc {
	char buf[256];
	int stop_at;
	int seen;
} names_acc;

static int add_name(const char *name, void *p)
{
	names_acc *a = p;

	strcat(a->buf, name);
	strcat(a->buf, ",");
	if (++a->seen == a->stop_at)
		return 7;
	return 0;
}

static void test_scan_fsview__list(void **state)
{
	layer_b b;
	og_fs_layer *l[2];
	og_fsview *fs = NULL;
	names_acc a;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "var/lib/dpkg/status.d/", OG_ENTRY_DIR, NULL, NULL);
	lb_add(&b, "var/lib/dpkg/status.d/zlib", OG_ENTRY_FILE, NULL, "Package: zlib\n");
	lb_add(&b, "var/lib/dpkg/status.d/base", OG_ENTRY_FILE, NULL, "Package: base\n");
	lb_add(&b, "var/lib/dpkg/status.d/gone", OG_ENTRY_FILE, NULL, "Package: gone\n");
	lb_add(&b, "var/lib/dpkg/status.d/sub/deep", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "dlink", OG_ENTRY_SYMLINK, "var/lib/dpkg", NULL);
	l[0] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "var/lib/dpkg/status.d/.wh.gone", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "var/lib/dpkg/status.d/libc", OG_ENTRY_FILE, NULL, "Package: libc\n");
	l[1] = lb_take(&b);
	assert_int_equal(og_fsview_build(&fs, l, 2), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(og_fsview_list(fs, "/var/lib/dpkg/status.d", add_name, &a), 0);
	assert_string_equal(a.buf, "base,libc,sub,zlib,");
	memset(&a, 0, sizeof(a));
	assert_int_equal(og_fsview_list(fs, "dlink/status.d/", add_name, &a), 0);
	assert_string_equal(a.buf, "base,libc,sub,zlib,");
	memset(&a, 0, sizeof(a));
	assert_int_equal(og_fsview_list(fs, "/var", add_name, &a), 0); /* implied dirs */
	assert_string_equal(a.buf, "lib,");
	memset(&a, 0, sizeof(a));
	assert_int_equal(og_fsview_list(fs, "/", add_name, &a), 0);
	assert_string_equal(a.buf, "dlink,var,");
	memset(&a, 0, sizeof(a));
	a.stop_at = 2;
	assert_int_equal(og_fsview_list(fs, "/var/lib/dpkg/status.d", add_name, &a), 7);
	assert_string_equal(a.buf, "base,libc,");
	memset(&a, 0, sizeof(a));
	assert_int_equal(og_fsview_list(fs, "/var/lib/dpkg/status.d/base", add_name, &a), 0);
	assert_int_equal(og_fsview_list(fs, "/nothing", add_name, &a), 0);
	assert_string_equal(a.buf, "");
	/* status.d files are kept, deeper ones are not */
	assert_non_null(og_fs_layer_file(l[1], "/var/lib/dpkg/status.d/libc", &(size_t){ 0 }));
	assert_null(og_fs_layer_file(l[0], "var/lib/dpkg/status.d/sub/deep", &(size_t){ 0 }));
	assert_null(og_fs_layer_file(l[0], "var/lib/dpkg/status.d/libc", &(size_t){ 0 }));
	og_fsview_free(fs);
	og_fs_layer_free(l[0]);
	og_fs_layer_free(l[1]);
}

static void test_scan_fsview__hidden_by(void **state)
{
	layer_b b;
	og_fs_layer *l[5];
	size_t by = 0;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "secret/key.pem", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "opt/cache/blob", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "etc/conf", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "keep/me", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "usr", OG_ENTRY_DIR, NULL, NULL);
	lb_add(&b, "data/x", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "tree/a/b", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "rootop", OG_ENTRY_FILE, NULL, NULL);
	l[0] = lb_take(&b);
	l[1] = NULL; /* not walked */
	lb_begin(&b);
	lb_add(&b, "secret/.wh.key.pem", OG_ENTRY_FILE, NULL, NULL);  /* whiteout */
	lb_add(&b, "usr", OG_ENTRY_DIR, NULL, NULL);                 /* dir over dir */
	lb_add(&b, "opt/cache/.wh..wh..opq", OG_ENTRY_FILE, NULL, NULL); /* opaque */
	lb_add(&b, "tree/.wh.a", OG_ENTRY_FILE, NULL, NULL);          /* parent removed */
	l[2] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "etc/conf", OG_ENTRY_FILE, NULL, NULL);            /* overwrite */
	lb_add(&b, "data", OG_ENTRY_SYMLINK, "elsewhere", NULL);      /* parent replaced */
	lb_add(&b, "keep/other", OG_ENTRY_FILE, NULL, NULL);
	l[3] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, ".wh..wh..opq", OG_ENTRY_FILE, NULL, NULL);        /* the root emptied */
	lb_add(&b, "keep/me", OG_ENTRY_FILE, NULL, NULL);
	l[4] = lb_take(&b);

	assert_int_equal(og_fsview_hidden_by(&by, l, 5, 0, "/secret/key.pem"), 0);
	assert_int_equal(by, 2);
	assert_int_equal(og_fsview_hidden_by(&by, l, 5, 0, "opt/cache/blob"), 0);
	assert_int_equal(by, 2);
	assert_int_equal(og_fsview_hidden_by(&by, l, 5, 0, "tree/a/b"), 0);
	assert_int_equal(by, 2);
	assert_int_equal(og_fsview_hidden_by(&by, l, 5, 0, "./etc/conf"), 0);
	assert_int_equal(by, 3);
	assert_int_equal(og_fsview_hidden_by(&by, l, 5, 0, "data/x"), 0);
	assert_int_equal(by, 3);
	assert_int_equal(og_fsview_hidden_by(&by, l, 5, 0, "rootop"), 0);
	assert_int_equal(by, 4);
	assert_int_equal(og_fsview_hidden_by(&by, l, 4, 0, "rootop"), 0);
	assert_int_equal(by, SIZE_MAX); /* survives without the top layer */
	assert_int_equal(og_fsview_hidden_by(&by, l, 4, 0, "usr"), 0);
	assert_int_equal(by, SIZE_MAX); /* a directory over a directory */
	assert_int_equal(og_fsview_hidden_by(&by, l, 4, 0, "keep/me"), 0);
	assert_int_equal(by, SIZE_MAX);
	assert_int_equal(og_fsview_hidden_by(&by, l, 5, 3, "etc/conf"), 0);
	assert_int_equal(by, 4);
	assert_int_equal(og_fsview_hidden_by(&by, l, 5, 4, "keep/me"), 0);
	assert_int_equal(by, SIZE_MAX); /* the top layer's own file survives */
	for (by = 0; by < 5; by++)
		og_fs_layer_free(l[by]);
}

static void test_scan_fsview__nofollow_out(void **state)
{
	layer_b b;
	og_fs_layer *l[1];
	og_fsview *fs = NULL;
	const char *data;
	size_t len = 0;
	int escaped = 0;
	og_fs_stat st;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "var/lib/dpkg/status.real", OG_ENTRY_FILE, NULL, "Package: a\n");
	lb_add(&b, "var/lib/dpkg/status", OG_ENTRY_SYMLINK, "status.real", NULL);
	lb_add(&b, "var/lib/dpkg/status-old", OG_ENTRY_FILE, NULL, "Package: old\n");
	lb_add(&b, "var/lib/dpkg/status.d/up", OG_ENTRY_SYMLINK, "../../../../../host/status", NULL);
	lb_add(&b, "var/lib/dpkg/status.d/abs", OG_ENTRY_SYMLINK, "/var/lib/dpkg/status.real", NULL);
	lb_add(&b, "var/lib/dpkg/status.d/in", OG_ENTRY_SYMLINK, "../../dpkg/status.real", NULL);
	lb_add(&b, "var/lib/dpkg/status.d/root", OG_ENTRY_SYMLINK, "../../../../srv/x", NULL);
	lb_add(&b, "srv/x", OG_ENTRY_FILE, NULL, "y");
	lb_add(&b, "lib/apk", OG_ENTRY_SYMLINK, "../../../apk", NULL);
	lb_add(&b, "apk/db/installed", OG_ENTRY_FILE, NULL, "P:musl\n");
	lb_add(&b, "etc/os-release", OG_ENTRY_SYMLINK, "../usr/lib/os-release", NULL);
	lb_add(&b, "usr/lib/os-release", OG_ENTRY_FILE, NULL, "ID=debian\n");
	l[0] = lb_take(&b);
	assert_int_equal(og_fsview_build(&fs, l, 1), 0);

	data = og_fsview_file_nofollow_out(fs, "var/lib/dpkg/status", &len, &escaped);
	assert_non_null(data); /* inside: followed */
	assert_int_equal(escaped, 0);
	assert_string_equal(data, "Package: a\n");
	assert_int_equal(len, 11);
	assert_non_null(og_fsview_file_nofollow_out(fs, "var/lib/dpkg/status.d/in", &len, &escaped));
	assert_non_null(og_fsview_file_nofollow_out(fs, "/etc/os-release", &len, &escaped));
	assert_int_equal(escaped, 0);

	/* down to the root exactly, not above: followed (found, not kept) */
	assert_null(og_fsview_file_nofollow_out(fs, "var/lib/dpkg/status.d/root", &len, &escaped));
	assert_int_equal(escaped, 0);
	assert_int_equal(og_fsview_stat(&st, fs, "var/lib/dpkg/status.d/root", 1, &escaped), 1);
	assert_string_equal(st.path, "srv/x");
	assert_null(og_fsview_file_nofollow_out(fs, "var/lib/dpkg/status.d/up", &len, &escaped));
	assert_int_equal(escaped, 1);
	escaped = 0;
	assert_null(og_fsview_file_nofollow_out(fs, "var/lib/dpkg/status.d/abs", &len, &escaped));
	assert_int_equal(escaped, 1);
	escaped = 0;
	/* an escaping parent directory */
	assert_null(og_fsview_file_nofollow_out(fs, "lib/apk/db/installed", &len, &escaped));
	assert_int_equal(escaped, 1);
	/* the chroot-like resolution still follows them, clamped at the root */
	assert_true(og_fsview_exists(fs, "lib/apk/db/installed"));
	assert_non_null(og_fsview_file(fs, "var/lib/dpkg/status.d/abs", &len));
	assert_null(og_fs_layer_file(l[0], "var/lib/dpkg/status-old", &len)); /* not kept */
	assert_int_equal(og_fsview_stat(&st, fs, "var/lib/dpkg/status", 1, &escaped), 1);
	assert_int_equal(escaped, 0);
	assert_string_equal(st.path, "var/lib/dpkg/status.real");
	/* status.real is not a kept name, but "status" was resolved to it: the
	 * content was kept under the name it was written with */
	og_fsview_free(fs);
	og_fs_layer_free(l[0]);
}

static void test_scan_fsview__too_large(void **state)
{
	layer_b b;
	og_fs_layer *l[1];
	og_fsview *fs = NULL;
	og_fs_stat st;
	og_entry e;

	(void)state;
	lb_begin(&b);
	memset(&e, 0, sizeof(e));
	e.path = "var/lib/dpkg/status";
	e.type = OG_ENTRY_FILE;
	e.size = OG_FSVIEW_KEEP_MAX + 1;
	assert_int_equal(og_scan_fsview.entry(b.state, &e, &b.f), 0); /* no data asked */
	/* the last entry at a path is what the layer wrote there */
	lb_add(&b, "etc/os-release", OG_ENTRY_FILE, NULL, "ID=debian\n");
	lb_add(&b, "lib/apk/db/installed", OG_ENTRY_FILE, NULL, "P:a\n");
	lb_add(&b, "lib/apk/db/installed", OG_ENTRY_SYMLINK, "elsewhere", NULL);
	l[0] = lb_take(&b);
	assert_non_null(og_fs_layer_file(l[0], "etc/os-release", &(size_t){ 0 }));
	assert_null(og_fs_layer_file(l[0], "lib/apk/db/installed", &(size_t){ 0 }));
	assert_null(og_fs_layer_file(l[0], "var/lib/dpkg/status", &(size_t){ 0 }));
	assert_int_equal(og_fsview_build(&fs, l, 1), 0);
	assert_int_equal(og_fsview_stat(&st, fs, "var/lib/dpkg/status", 1, NULL), 1);
	assert_int_equal(st.too_large, 1);
	assert_null(st.data);
	assert_true(st.size == OG_FSVIEW_KEEP_MAX + 1);
	og_fsview_free(fs);
	og_fs_layer_free(l[0]);
}

static void test_scan_fsview__subtrees(void **state)
{
	layer_b b;
	og_fs_layer *l[4];
	og_fsview *fs = NULL;
	names_acc a;
	char p[64];
	int i;

	(void)state;
	lb_begin(&b);
	for (i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "t/d%d/e/f/file%d", i % 7, i);
		lb_add(&b, p, OG_ENTRY_FILE, NULL, NULL);
	}
	lb_add(&b, "s/a", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "s/b", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "s/c", OG_ENTRY_FILE, NULL, NULL);
	l[0] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "t/.wh.d3", OG_ENTRY_FILE, NULL, NULL);     /* a deep subtree */
	lb_add(&b, "t/d4/e/.wh..wh..opq", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "s/.wh.b", OG_ENTRY_FILE, NULL, NULL);       /* a middle sibling */
	lb_add(&b, "t/d4/e/new", OG_ENTRY_FILE, NULL, NULL);
	l[1] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "t/d3/again", OG_ENTRY_FILE, NULL, NULL);   /* re-added */
	l[2] = lb_take(&b);
	assert_int_equal(og_fsview_build(&fs, l, 3), 0);
	assert_false(og_fsview_exists(fs, "t/d3/e/f/file3"));
	assert_false(og_fsview_exists(fs, "t/d3/e"));
	assert_true(og_fsview_exists(fs, "t/d3/again"));
	assert_false(og_fsview_exists(fs, "t/d4/e/f/file4"));
	assert_true(og_fsview_exists(fs, "t/d4/e/new"));
	assert_true(og_fsview_exists(fs, "t/d5/e/f/file5"));
	memset(&a, 0, sizeof(a));
	assert_int_equal(og_fsview_list(fs, "s", add_name, &a), 0);
	assert_string_equal(a.buf, "a,c,");
	memset(&a, 0, sizeof(a));
	assert_int_equal(og_fsview_list(fs, "t/d3", add_name, &a), 0);
	assert_string_equal(a.buf, "again,");
	memset(&a, 0, sizeof(a));
	assert_int_equal(og_fsview_list(fs, "t/d4/e", add_name, &a), 0);
	assert_string_equal(a.buf, "new,");
	og_fsview_free(fs);

	lb_begin(&b); /* the root made opaque: only this layer's files stay */
	lb_add(&b, ".wh..wh..opq", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "only", OG_ENTRY_FILE, NULL, NULL);
	l[3] = lb_take(&b);
	assert_int_equal(og_fsview_build(&fs, l, 4), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(og_fsview_list(fs, "/", add_name, &a), 0);
	assert_string_equal(a.buf, "only,");
	assert_false(og_fsview_exists(fs, "s/a"));
	og_fsview_free(fs);
	for (i = 0; i < 4; i++)
		og_fs_layer_free(l[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_fsview__layers),
		cmocka_unit_test(test_scan_fsview__file_over_dir),
		cmocka_unit_test(test_scan_fsview__sizes),
		cmocka_unit_test(test_scan_fsview__list),
		cmocka_unit_test(test_scan_fsview__hidden_by),
		cmocka_unit_test(test_scan_fsview__nofollow_out),
		cmocka_unit_test(test_scan_fsview__too_large),
		cmocka_unit_test(test_scan_fsview__subtrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
