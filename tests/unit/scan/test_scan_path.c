/* The path safety visitor and its cross-layer pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "oci/tar.h"
#include "scan/path_safety.h"

/* One layer being fed to the visitor by hand. */
typedef struct layer {
	void *state;
	og_findings f;
	uint64_t n;
} layer;

typedef struct fixture {
	og_ctx *ctx;
	layer l[8];
	og_path_summary *sum[8];
	og_findings cross;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(og_ctx_new(&f->ctx), 0);
	og_findings_init(&f->cross);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	size_t i;

	for (i = 0; i < 8; i++) {
		if (f->l[i].state)
			og_scan_path_safety.free(f->l[i].state);
		og_findings_dispose(&f->l[i].f);
		og_path_summary_free(f->sum[i]);
	}
	og_findings_dispose(&f->cross);
	og_ctx_free(f->ctx);
	free(f);
	return 0;
}

static layer *begin(fixture *f, size_t i)
{
	og_layer_info info = { i, "sha256:test" };
	layer *l = &f->l[i];

	og_findings_init(&l->f);
	l->n = 0;
	assert_int_equal(og_scan_path_safety.begin(&l->state, f->ctx, &info,
		og_scan_path_safety.payload), 0);
	assert_non_null(l->state);
	return l;
}

static void put(layer *l, og_entry_type_t type, const char *path, const char *link,
	unsigned int mode)
{
	og_entry e;

	memset(&e, 0, sizeof(e));
	e.path = path;
	e.link = link;
	e.type = type;
	e.mode = mode;
	e.index = l->n++;
	assert_int_equal(og_scan_path_safety.entry(l->state, &e, &l->f), 0);
}

#define FILE_(l, p) put((l), OG_ENTRY_FILE, (p), NULL, 0644)
#define DIR_(l, p) put((l), OG_ENTRY_DIR, (p), NULL, 0755)
#define SYM_(l, p, t) put((l), OG_ENTRY_SYMLINK, (p), (t), 0777)
#define HARD_(l, p, t) put((l), OG_ENTRY_HARDLINK, (p), (t), 0644)

/* End the layer's walk, keep its summary in f->sum[i], free the state. */
static void finish(fixture *f, size_t i)
{
	layer *l = &f->l[i];

	assert_int_equal(og_scan_path_safety.end(l->state, &l->f), 0);
	assert_int_equal(og_path_safety_take(&f->sum[i], l->state), 0);
	assert_non_null(f->sum[i]);
	og_scan_path_safety.free(l->state);
	l->state = NULL;
}

static size_t count_id(const og_findings *fs, const char *id)
{
	size_t i, n = 0;

	for (i = 0; i < fs->count; i++)
		if (strcmp(fs->items[i].id, id) == 0)
			n++;
	return n;
}

static const og_finding *find(const og_findings *fs, const char *id, const char *subject)
{
	size_t i;

	for (i = 0; i < fs->count; i++)
		if (strcmp(fs->items[i].id, id) == 0 && strcmp(fs->items[i].subject, subject) == 0)
			return &fs->items[i];
	fail_msg("no %s finding for %s", id, subject);
	return NULL;
}

static void dump(const og_findings *fs)
{
	size_t i;

	for (i = 0; i < fs->count; i++)
		fprintf(stderr, "  %s [%s] %s\n", fs->items[i].id, fs->items[i].subject,
			fs->items[i].message);
}

static void cross(fixture *f, size_t count)
{
	assert_int_equal(og_path_safety_cross(&f->cross, f->sum, count), 0);
}

/* ------------------------------------------------------ per-entry checks */

static void test_scan_path__traversal(void **state)
{
	fixture *f = *state;
	layer *l = begin(f, 0);

	FILE_(l, "../x");
	FILE_(l, "a/../../x");
	FILE_(l, "./../etc/passwd");
	FILE_(l, "a/./b/../../../c");
	DIR_(l, "..");
	DIR_(l, "../");
	/* Not flagged: stays at or under the root. */
	FILE_(l, "a/../b");
	FILE_(l, "./a/b/../c");
	FILE_(l, "a/b/..");
	FILE_(l, "x/..");
	FILE_(l, "a..b/..c/d..");
	FILE_(l, "...");
	finish(f, 0);
	if (l->f.count != 6)
		dump(&l->f);
	assert_int_equal(count_id(&l->f, "path.traversal"), 6);
	assert_int_equal(l->f.count, 6);
	assert_true(og_findings_has(&l->f, "path.traversal", "../x"));
	assert_true(og_findings_has(&l->f, "path.traversal", "a/../../x"));
	assert_true(og_findings_has(&l->f, "path.traversal", "./../etc/passwd"));
	assert_true(og_findings_has(&l->f, "path.traversal", "a/./b/../../../c"));
	assert_true(og_findings_has(&l->f, "path.traversal", ".."));
	assert_non_null(strstr(find(&l->f, "path.traversal", "../x")->message, "../x"));
}

static void test_scan_path__absolute(void **state)
{
	fixture *f = *state;
	layer *l = begin(f, 0);

	FILE_(l, "/etc/passwd");
	DIR_(l, "//usr/");
	FILE_(l, "/../etc/shadow");
	FILE_(l, "./etc/passwd");
	FILE_(l, "etc/group");
	DIR_(l, "./");
	finish(f, 0);
	assert_int_equal(count_id(&l->f, "path.absolute"), 3);
	assert_true(og_findings_has(&l->f, "path.absolute", "/etc/passwd"));
	assert_true(og_findings_has(&l->f, "path.absolute", "//usr/"));
	assert_true(og_findings_has(&l->f, "path.absolute", "/../etc/shadow"));
	assert_true(og_findings_has(&l->f, "path.traversal", "/../etc/shadow"));
	assert_int_equal(l->f.count, 4);
}

static void test_scan_path__symlink_escape(void **state)
{
	fixture *f = *state;
	layer *l = begin(f, 0);
	const og_finding *it;

	SYM_(l, "a/evil", "../../etc");
	SYM_(l, "evil", "../../../");
	SYM_(l, "root", "..");
	SYM_(l, "l1", "/../x");
	SYM_(l, "l2", "a/../../x");
	SYM_(l, "./deep/er/l3", "../../../../x");
	/* Not flagged. */
	SYM_(l, "usr/lib/current", "../app");
	SYM_(l, "etc/alternatives/x", "/usr/bin/x");
	SYM_(l, "usr/bin/x", "/etc/alternatives/x");
	SYM_(l, "bin", "usr/bin");
	SYM_(l, "./a/b/c", "../../d");
	SYM_(l, "/abs/dir/l", "../../x");
	SYM_(l, "self", ".");
	SYM_(l, "a/b/up", "..");
	SYM_(l, "e", "");
	SYM_(l, "usr/lib/x/y", "../../../bin/sh");
	finish(f, 0);
	if (count_id(&l->f, "link.escape") != 6)
		dump(&l->f);
	assert_int_equal(count_id(&l->f, "link.escape"), 6);
	assert_true(og_findings_has(&l->f, "link.escape", "a/evil"));
	assert_true(og_findings_has(&l->f, "link.escape", "evil"));
	assert_true(og_findings_has(&l->f, "link.escape", "root"));
	assert_true(og_findings_has(&l->f, "link.escape", "l1"));
	assert_true(og_findings_has(&l->f, "link.escape", "l2"));
	assert_true(og_findings_has(&l->f, "link.escape", "./deep/er/l3"));
	it = find(&l->f, "link.escape", "a/evil");
	assert_non_null(strstr(it->message, "../../etc"));
	/* The only other finding: the absolute entry name. */
	assert_int_equal(l->f.count, 7);
	assert_true(og_findings_has(&l->f, "path.absolute", "/abs/dir/l"));
}

static void test_scan_path__hardlink_escape(void **state)
{
	fixture *f = *state;
	layer *l = begin(f, 0);

	FILE_(l, "etc/passwd");
	HARD_(l, "h1", "../etc/passwd");
	HARD_(l, "h2", "/../../etc/shadow");
	HARD_(l, "a/h3", "a/../../x");
	/* Not flagged: in-layer links to earlier files. */
	HARD_(l, "h4", "etc/passwd");
	HARD_(l, "h5", "./etc/passwd");
	HARD_(l, "h6", "etc/../etc/passwd");
	HARD_(l, "h7", "/etc/passwd");
	finish(f, 0);
	if (l->f.count != 3)
		dump(&l->f);
	assert_int_equal(l->f.count, 3);
	assert_true(og_findings_has(&l->f, "link.escape", "h1"));
	assert_true(og_findings_has(&l->f, "link.escape", "h2"));
	assert_true(og_findings_has(&l->f, "link.escape", "a/h3"));
	assert_non_null(strstr(find(&l->f, "link.escape", "h2")->message, "/../../etc/shadow"));
}

static void test_scan_path__write_through(void **state)
{
	fixture *f = *state;
	layer *l = begin(f, 0);
	const og_finding *it;

	FILE_(l, "evil/before");        /* before the symlink: not through it */
	SYM_(l, "evil", "../../../");
	FILE_(l, "evil/etc/passwd");
	DIR_(l, "./evil/root/");
	FILE_(l, "evil//root/.ssh/authorized_keys");
	SYM_(l, "good", "usr/lib");
	FILE_(l, "good/libc.so");
	SYM_(l, "x//evil2/", "../../..");
	FILE_(l, "x/evil2//etc/shadow");
	FILE_(l, "x/evil2"); /* the path itself is not "through" */
	FILE_(l, "x/evil2/after-replace");
	finish(f, 0);
	if (l->f.count != 6)
		dump(&l->f);
	assert_int_equal(count_id(&l->f, "link.escape"), 6);
	assert_int_equal(l->f.count, 6);
	assert_true(og_findings_has(&l->f, "link.escape", "evil"));
	assert_true(og_findings_has(&l->f, "link.escape", "x//evil2/"));
	it = find(&l->f, "link.escape", "evil/etc/passwd");
	assert_non_null(strstr(it->message, "evil -> ../../../"));
	assert_true(og_findings_has(&l->f, "link.escape", "./evil/root/"));
	assert_true(og_findings_has(&l->f, "link.escape", "evil//root/.ssh/authorized_keys"));
	assert_true(og_findings_has(&l->f, "link.escape", "x/evil2//etc/shadow"));
}

static void test_scan_path__replaced_in_layer(void **state)
{
	fixture *f = *state;
	layer *l = begin(f, 0);

	SYM_(l, "a", "../..");
	DIR_(l, "a/");
	FILE_(l, "a/x");
	SYM_(l, "b", "../..");
	SYM_(l, "b", "inside");
	FILE_(l, "b/y");
	SYM_(l, "c", "../..");
	FILE_(l, "c");
	FILE_(l, "c/z");
	finish(f, 0);
	if (l->f.count != 3)
		dump(&l->f);
	assert_int_equal(l->f.count, 3);
	assert_int_equal(count_id(&l->f, "link.escape"), 3);
	assert_false(og_findings_has(&l->f, "link.escape", "a/x"));
	assert_false(og_findings_has(&l->f, "link.escape", "b/y"));
	assert_false(og_findings_has(&l->f, "link.escape", "c/z"));
}

static void test_scan_path__chains(void **state)
{
	fixture *f = *state;
	layer *l = begin(f, 0);

	SYM_(l, "evil", "../../..");
	SYM_(l, "b", "evil/etc");
	SYM_(l, "c", "/evil");
	SYM_(l, "d", "./evil");
	HARD_(l, "h", "evil/etc/passwd");
	SYM_(l, "ok", "evil-not/etc");
	HARD_(l, "h2", "evil-not/x");
	FILE_(l, "b/x"); /* b escapes too, so this is written through it */
	finish(f, 0);
	if (l->f.count != 6)
		dump(&l->f);
	assert_int_equal(l->f.count, 6);
	assert_true(og_findings_has(&l->f, "link.escape", "evil"));
	assert_true(og_findings_has(&l->f, "link.escape", "b"));
	assert_true(og_findings_has(&l->f, "link.escape", "c"));
	assert_true(og_findings_has(&l->f, "link.escape", "d"));
	assert_true(og_findings_has(&l->f, "link.escape", "h"));
	assert_true(og_findings_has(&l->f, "link.escape", "b/x"));
	assert_non_null(strstr(find(&l->f, "link.escape", "b")->message, "evil -> ../../.."));
}

static void test_scan_path__not_flagged(void **state)
{
	fixture *f = *state;
	layer *l = begin(f, 0);

	DIR_(l, "./");
	DIR_(l, "./etc/");
	FILE_(l, "./etc/hosts");
	put(l, OG_ENTRY_DIR, "tmp/", NULL, 01777);
	put(l, OG_ENTRY_DIR, "./var/tmp", NULL, 01777);
	FILE_(l, ".wh.removed");
	FILE_(l, "etc/.wh..wh..opq");
	FILE_(l, "usr/.wh.share");
	FILE_(l, "./usr/lib/.wh.libfoo.so");
	SYM_(l, "usr/bin/python", "/usr/bin/python3");
	SYM_(l, "usr/lib/x86_64-linux-gnu/libz.so", "libz.so.1.2.13");
	SYM_(l, "etc/localtime", "/usr/share/zoneinfo/Etc/UTC");
	SYM_(l, "usr/share/doc/a/changelog", "../../../../usr/share/doc/b/changelog");
	FILE_(l, "usr/bin/python3");
	HARD_(l, "usr/bin/python3.11", "usr/bin/python3");
	put(l, OG_ENTRY_CHAR, "dev/null", NULL, 0666);
	put(l, OG_ENTRY_FIFO, "run/fifo", NULL, 0600);
	put(l, OG_ENTRY_FILE, "usr/bin/su", NULL, 04755);
	FILE_(l, "a//b///c/");
	FILE_(l, "a/./b/./c");
	finish(f, 0);
	if (l->f.count)
		dump(&l->f);
	assert_int_equal(l->f.count, 0);
}

static void test_scan_path__long_paths(void **state)
{
	fixture *f = *state;
	layer *l = begin(f, 0);
	char *deep = malloc(8200), *link = malloc(8200);
	size_t i;

	assert_non_null(deep);
	assert_non_null(link);
	/* 2000 components "d/" and a symlink that climbs back 2000 + 1. */
	for (i = 0; i < 2000; i++)
		memcpy(deep + 2 * i, "d/", 2);
	memcpy(deep + 4000, "lnk", 4);
	for (i = 0; i < 2001; i++)
		memcpy(link + 3 * i, "../", 3);
	link[3 * 2001] = '\0';
	SYM_(l, deep, link);
	link[3 * 2000] = '\0';
	SYM_(l, "d/ok", link + 3 * 1999);
	/* Climbing exactly back to the root is fine (and replaces the first). */
	SYM_(l, deep, link);
	finish(f, 0);
	if (l->f.count != 1)
		dump(&l->f);
	assert_int_equal(l->f.count, 1);
	assert_int_equal(count_id(&l->f, "link.escape"), 1);
	free(deep);
	free(link);
}

/* -------------------------------------------------------- across layers */

static void test_scan_path__cross_write_through(void **state)
{
	fixture *f = *state;
	layer *l;
	const og_finding *it;

	l = begin(f, 0);
	DIR_(l, "etc/");
	SYM_(l, "evil", "../../..");
	finish(f, 0);
	assert_int_equal(f->l[0].f.count, 1);

	l = begin(f, 1);
	FILE_(l, "etc/hosts");
	FILE_(l, "evil/etc/passwd");
	FILE_(l, "evil/etc/shadow");
	FILE_(l, "./evil/root/.ssh/authorized_keys");
	finish(f, 1);
	/* Layer 1 alone cannot know. */
	assert_int_equal(f->l[1].f.count, 0);

	cross(f, 2);
	if (f->cross.count != 2)
		dump(&f->cross);
	assert_int_equal(f->cross.count, 2);
	it = &f->cross.items[0];
	assert_string_equal(it->id, "link.escape");
	assert_string_equal(it->subject, "evil/etc/passwd");
	assert_non_null(strstr(it->message, "evil -> ../../.."));
	assert_non_null(strstr(it->message, "layer 0"));
	assert_string_equal(f->cross.items[1].subject, "./evil/root/.ssh/authorized_keys");
}

static void test_scan_path__cross_inside_symlink(void **state)
{
	fixture *f = *state;
	layer *l;

	l = begin(f, 0);
	SYM_(l, "lib", "usr/lib");
	SYM_(l, "usr/lib/current", "../app");
	SYM_(l, "alt", "/etc/alternatives");
	finish(f, 0);
	l = begin(f, 1);
	FILE_(l, "lib/libc.so");
	FILE_(l, "usr/lib/current/x");
	FILE_(l, "alt/python");
	finish(f, 1);
	cross(f, 2);
	assert_int_equal(f->l[0].f.count, 0);
	assert_int_equal(f->cross.count, 0);
}

static void test_scan_path__cross_replaced(void **state)
{
	fixture *f = *state;
	layer *l;

	/* Layer 0: escaping symlinks a..g. */
	l = begin(f, 0);
	SYM_(l, "a", "../..");
	SYM_(l, "b", "../..");
	SYM_(l, "p/c", "../../..");
	SYM_(l, "q/d", "../../..");
	SYM_(l, "e", "../..");
	SYM_(l, "g", "../..");
	SYM_(l, "h", "../..");
	finish(f, 0);
	assert_int_equal(f->l[0].f.count, 7);

	/* Layer 1 removes or replaces most of them. */
	l = begin(f, 1);
	FILE_(l, ".wh.a");              /* whiteout of the path */
	DIR_(l, "b");                   /* a directory there */
	FILE_(l, "p/.wh..wh..opq");     /* opaque parent */
	FILE_(l, ".wh.q");              /* whiteout of the parent */
	FILE_(l, "e/.wh..wh..opq");     /* opaque at the path: a directory now */
	FILE_(l, "h");                  /* a file: not tracked across layers */
	finish(f, 1);

	/* Layer 2 writes under all of them: only g (untouched) and h count. */
	l = begin(f, 2);
	FILE_(l, "a/x");
	FILE_(l, "b/x");
	FILE_(l, "p/c/x");
	FILE_(l, "q/d/x");
	FILE_(l, "e/x");
	FILE_(l, "g/x");
	FILE_(l, "h/x");
	finish(f, 2);

	cross(f, 3);
	if (f->cross.count != 2)
		dump(&f->cross);
	assert_int_equal(f->cross.count, 2);
	assert_string_equal(f->cross.items[0].subject, "g/x");
	assert_string_equal(f->cross.items[1].subject, "h/x");
}

static void test_scan_path__cross_replaced_order(void **state)
{
	fixture *f = *state;
	layer *l;

	l = begin(f, 0);
	SYM_(l, "a", "../..");
	SYM_(l, "b", "../..");
	SYM_(l, "c", "../..");
	finish(f, 0);

	/* In layer 1 itself: before the replacement counts, after it not. */
	l = begin(f, 1);
	FILE_(l, "a/early");
	FILE_(l, ".wh.a");
	FILE_(l, "a/late");
	FILE_(l, ".wh.b");
	FILE_(l, "b/late");
	FILE_(l, "c/early");
	DIR_(l, "c/");
	FILE_(l, "c/late");
	finish(f, 1);

	cross(f, 2);
	if (f->cross.count != 2)
		dump(&f->cross);
	assert_int_equal(f->cross.count, 2);
	assert_string_equal(f->cross.items[0].subject, "a/early");
	assert_string_equal(f->cross.items[1].subject, "c/early");
}

static void test_scan_path__cross_newer_symlink(void **state)
{
	fixture *f = *state;
	layer *l;

	l = begin(f, 0);
	SYM_(l, "x", "../../one");
	SYM_(l, "y", "../..");
	SYM_(l, "z", "../..");
	finish(f, 0);
	/* Layer 1: x replaced by another escaping symlink (which takes over),
	 * z by a symlink that stays inside and then a directory; y untouched. */
	l = begin(f, 1);
	SYM_(l, "x", "../../two");
	SYM_(l, "z", "inside");
	DIR_(l, "z");
	finish(f, 1);
	l = begin(f, 2);
	FILE_(l, "x/f");
	FILE_(l, "y/f");
	FILE_(l, "z/f");
	finish(f, 2);
	cross(f, 3);
	if (f->cross.count != 2)
		dump(&f->cross);
	assert_int_equal(f->cross.count, 2);
	assert_string_equal(f->cross.items[0].subject, "x/f");
	assert_non_null(strstr(f->cross.items[0].message, "../../two"));
	assert_non_null(strstr(f->cross.items[0].message, "layer 1"));
	assert_string_equal(f->cross.items[1].subject, "y/f");
	assert_non_null(strstr(f->cross.items[1].message, "layer 0"));
}

static void test_scan_path__cross_killed_in_own_layer(void **state)
{
	fixture *f = *state;
	layer *l;

	l = begin(f, 0);
	SYM_(l, "a", "../..");
	DIR_(l, "a");
	SYM_(l, "b", "../..");
	SYM_(l, "b", "usr");
	finish(f, 0);
	l = begin(f, 1);
	FILE_(l, "a/x");
	FILE_(l, "b/x");
	finish(f, 1);
	cross(f, 2);
	assert_int_equal(f->cross.count, 0);
}

static void test_scan_path__cross_null_layers(void **state)
{
	fixture *f = *state;
	layer *l;

	l = begin(f, 0);
	SYM_(l, "evil", "../../..");
	finish(f, 0);
	l = begin(f, 2);
	FILE_(l, "evil/x");
	finish(f, 2);
	og_path_summary_free(f->sum[1]);
	f->sum[1] = NULL;
	cross(f, 4);
	assert_int_equal(f->cross.count, 1);
	assert_string_equal(f->cross.items[0].subject, "evil/x");
	/* Nothing at all. */
	og_findings_dispose(&f->cross);
	assert_int_equal(og_path_safety_cross(&f->cross, f->sum, 0), 0);
	assert_int_equal(f->cross.count, 0);
}

static void test_scan_path__cross_deep_and_whiteouts(void **state)
{
	fixture *f = *state;
	layer *l;

	l = begin(f, 0);
	SYM_(l, "usr/local/evil", "../../../../../");
	finish(f, 0);
	l = begin(f, 1);
	FILE_(l, "usr/local/evil/.wh.x");  /* a whiteout written through it */
	FILE_(l, "usr/local/other");
	finish(f, 1);
	l = begin(f, 2);
	FILE_(l, "usr/local/evil/.wh..wh..opq"); /* the path is a directory now */
	FILE_(l, "usr/local/evil/y");
	finish(f, 2);
	l = begin(f, 3);
	FILE_(l, "usr/local/evil/z");
	finish(f, 3);
	cross(f, 4);
	if (f->cross.count != 1)
		dump(&f->cross);
	assert_int_equal(f->cross.count, 1);
	assert_string_equal(f->cross.items[0].subject, "usr/local/evil/.wh.x");
}

static void test_scan_path__cross_root_opaque(void **state)
{
	fixture *f = *state;
	layer *l;

	l = begin(f, 0);
	SYM_(l, "a/evil", "../../..");
	finish(f, 0);
	l = begin(f, 1);
	FILE_(l, "./.wh..wh..opq");
	finish(f, 1);
	l = begin(f, 2);
	FILE_(l, "a/evil/x");
	finish(f, 2);
	cross(f, 3);
	assert_int_equal(f->cross.count, 0);
}

/* Same input, same findings in the same order, whatever the hash keys. */
static void run_scenario(fixture *f, og_findings *all)
{
	char path[64];
	size_t i, k;
	layer *l;

	l = begin(f, 0);
	for (i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "e%zu", i);
		SYM_(l, path, "../../../");
	}
	FILE_(l, "e3/in-layer");
	finish(f, 0);
	l = begin(f, 1);
	for (i = 40; i-- > 0;) {
		for (k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "e%zu/d%zu/f", i, k);
			FILE_(l, path);
		}
	}
	FILE_(l, "../trav");
	finish(f, 1);
	assert_int_equal(og_path_safety_cross(all, f->sum, 2), 0);
	assert_int_equal(og_findings_append(all, &f->l[0].f), 0);
	assert_int_equal(og_findings_append(all, &f->l[1].f), 0);
	for (i = 0; i < 2; i++) {
		og_path_summary_free(f->sum[i]);
		f->sum[i] = NULL;
	}
}

static void test_scan_path__deterministic(void **state)
{
	fixture *f = *state;
	og_findings a, b;
	size_t i;

	og_findings_init(&a);
	og_findings_init(&b);
	run_scenario(f, &a);
	run_scenario(f, &b);
	assert_int_equal(a.count, 120 + 41 + 1);
	assert_int_equal(a.count, b.count);
	for (i = 0; i < a.count; i++) {
		assert_string_equal(a.items[i].id, b.items[i].id);
		assert_string_equal(a.items[i].subject, b.items[i].subject);
		assert_string_equal(a.items[i].message, b.items[i].message);
	}
	/* Cross findings in entry order of the later layer. */
	assert_string_equal(a.items[0].subject, "e39/d0/f");
	assert_string_equal(a.items[1].subject, "e39/d1/f");
	assert_string_equal(a.items[119].subject, "e0/d2/f");
	og_findings_dispose(&a);
	og_findings_dispose(&b);
}

static void test_scan_path__take(void **state)
{
	fixture *f = *state;
	og_path_summary *s = NULL;
	layer *l = begin(f, 0);

	SYM_(l, "evil", "../..");
	/* Free without taking: the summary goes with the state. */
	assert_int_equal(og_scan_path_safety.end(l->state, &l->f), 0);
	og_scan_path_safety.free(l->state);
	l->state = NULL;

	l = begin(f, 1);
	assert_int_equal(og_scan_path_safety.end(l->state, &l->f), 0);
	assert_int_equal(og_path_safety_take(&s, l->state), 0);
	assert_non_null(s);
	assert_int_equal(og_path_safety_take(&f->sum[1], l->state), OG_EINVALID);
	assert_null(f->sum[1]);
	og_path_summary_free(s);
	og_path_summary_free(NULL);
	assert_string_equal(og_scan_path_safety.name, "path_safety");
}

/* ----------------------------------------------- through a real tar walk */

typedef struct feed {
	void *state;
	og_findings *out;
} feed;

static int feed_cb(const og_entry *e, void *payload)
{
	feed *fd = payload;

	return og_scan_path_safety.entry(fd->state, e, fd->out);
}

typedef struct buf_reader {
	og_reader base;
	const unsigned char *data;
	size_t len, pos;
} buf_reader;

static ssize_t buf_read(og_reader *r, void *buf, size_t len)
{
	buf_reader *b = (buf_reader *)r;
	size_t n = b->len - b->pos;

	if (n > len)
		n = len;
	memcpy(buf, b->data + b->pos, n);
	b->pos += n;
	return (ssize_t)n;
}

static void buf_close(og_reader *r)
{
	(void)r;
}

static void test_scan_path__tar_traps(void **state)
{
	fixture *f = *state;
	static const char script[] =
		"import io, sys, tarfile\n"
		"def add(t, name, data=b'', **kw):\n"
		"    ti = tarfile.TarInfo(name)\n"
		"    ti.size = len(data)\n"
		"    for k, v in kw.items():\n"
		"        setattr(ti, k, v)\n"
		"    t.addfile(ti, io.BytesIO(data) if ti.isreg() else None)\n"
		"with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:\n"
		"    add(t, './', type=tarfile.DIRTYPE, mode=0o755)\n"
		"    add(t, './tmp/', type=tarfile.DIRTYPE, mode=0o1777)\n"
		"    add(t, '../escape', b'x')\n"
		"    add(t, '/etc/cron.d/x', b'x')\n"
		"    add(t, 'usr/lib/current', type=tarfile.SYMTYPE, linkname='../app')\n"
		"    add(t, 'usr/bin/vi', type=tarfile.SYMTYPE, linkname='/etc/alternatives/vi')\n"
		"    add(t, 'a/evil', type=tarfile.SYMTYPE, linkname='../../etc')\n"
		"    add(t, 'a/evil/passwd', b'x')\n"
		"    add(t, 'hl', type=tarfile.LNKTYPE, linkname='../../etc/shadow')\n"
		"    add(t, '.wh.gone', b'')\n"
		"    add(t, 'var/.wh..wh..opq', b'')\n";
	char *dir = og_test_tmpdir();
	char cmd[4300], tarpath[4200];
	unsigned char *data;
	buf_reader r;
	og_findings out;
	feed fd;
	uint64_t n;
	FILE *fp;
	long len;
	layer *l;

	og_test_write(dir, "mk.py", script, strlen(script));
	snprintf(tarpath, sizeof(tarpath), "%s/t.tar", dir);
	snprintf(cmd, sizeof(cmd), "python3 '%s/mk.py' '%s'", dir, tarpath);
	assert_int_equal(system(cmd), 0);
	fp = fopen(tarpath, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	data = malloc((size_t)len);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);

	og_findings_init(&out);
	l = begin(f, 0);
	fd.state = l->state;
	fd.out = &out;
	memset(&r, 0, sizeof(r));
	r.base.read = buf_read;
	r.base.close = buf_close;
	r.data = data;
	r.len = (size_t)len;
	assert_int_equal(og_tar_walk(&n, f->ctx, &r.base, feed_cb, &fd, "trap"), 0);
	assert_int_equal(n, 11);
	finish(f, 0);
	if (out.count != 5)
		dump(&out);
	assert_int_equal(out.count, 5);
	assert_true(og_findings_has(&out, "path.traversal", "../escape"));
	assert_true(og_findings_has(&out, "path.absolute", "/etc/cron.d/x"));
	assert_true(og_findings_has(&out, "link.escape", "a/evil"));
	assert_true(og_findings_has(&out, "link.escape", "a/evil/passwd"));
	assert_true(og_findings_has(&out, "link.escape", "hl"));
	og_findings_dispose(&out);
	free(data);
	og_test_tmpdir_done(dir, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scan_path__traversal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__symlink_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__hardlink_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__write_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__replaced_in_layer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__not_flagged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__long_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__cross_write_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__cross_inside_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__cross_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__cross_replaced_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__cross_newer_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__cross_killed_in_own_layer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__cross_null_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__cross_deep_and_whiteouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__cross_root_opaque, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__take, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path__tar_traps, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
