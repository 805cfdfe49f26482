/* The file mode visitor: setuid/setgid, world-writable, devices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "oci/tar.h"
#include "scan/filemode.h"

typedef struct fixture {
	og_ctx *ctx;
	void *state;
	og_findings f;
	uint64_t n;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(og_ctx_new(&f->ctx), 0);
	og_findings_init(&f->f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	if (f->state)
		og_scan_filemode.free(f->state);
	og_findings_dispose(&f->f);
	og_ctx_free(f->ctx);
	free(f);
	return 0;
}

static void begin(fixture *f, size_t layer, const og_filemode_options *opts)
{
	og_layer_info info = { layer, "sha256:test" };

	assert_int_equal(og_scan_filemode.begin(&f->state, f->ctx, &info,
		(void *)(uintptr_t)opts), 0);
	assert_non_null(f->state);
}

static void put(fixture *f, og_entry_type_t type, const char *path,
	unsigned int mode, int64_t uid, const char *uname, int64_t gid,
	const char *gname)
{
	og_entry e;

	memset(&e, 0, sizeof(e));
	e.path = path;
	e.type = type;
	e.mode = mode;
	e.uid = uid;
	e.gid = gid;
	e.uname = uname;
	e.gname = gname;
	e.index = f->n++;
	if (type == OG_ENTRY_SYMLINK || type == OG_ENTRY_HARDLINK)
		e.link = "target";
	assert_int_equal(og_scan_filemode.entry(f->state, &e, &f->f), 0);
}

static void end(fixture *f)
{
	assert_int_equal(og_scan_filemode.end(f->state, &f->f), 0);
}

static const og_finding *find(const fixture *f, const char *id, const char *subject)
{
	size_t i;

	for (i = 0; i < f->f.count; i++)
		if (strcmp(f->f.items[i].id, id) == 0 &&
		    strcmp(f->f.items[i].subject, subject) == 0)
			return &f->f.items[i];
	return NULL;
}

static void test_scan_filemode__setuid_root(void **state)
{
	fixture *f = *state;
	const og_finding *it;

	begin(f, 2, NULL);
	put(f, OG_ENTRY_FILE, "./usr/bin/su", 04755, 0, "root", 0, "root");
	put(f, OG_ENTRY_FILE, "usr/bin/ls", 0755, 0, "root", 0, "root");
	end(f);
	assert_int_equal(f->f.count, 1);
	it = find(f, "file.setuid", "/usr/bin/su");
	assert_non_null(it);
	assert_string_equal(it->message,
		"layer 2: /usr/bin/su is setuid root (uid 0), mode 04755");
}

static void test_scan_filemode__setgid(void **state)
{
	fixture *f = *state;
	const og_finding *it;

	begin(f, 0, NULL);
	put(f, OG_ENTRY_FILE, "/usr/bin/chage", 02755, 0, "root", 42, "shadow");
	put(f, OG_ENTRY_FILE, "usr/bin/both", 06711, 0, NULL, 5, NULL);
	end(f);
	assert_int_equal(f->f.count, 2);
	it = find(f, "file.setuid", "/usr/bin/chage");
	assert_non_null(it);
	assert_non_null(strstr(it->message, "setgid (gid 42 shadow)"));
	assert_non_null(strstr(it->message, "mode 02755"));
	assert_non_null(strstr(it->message, "layer 0"));
	it = find(f, "file.setuid", "/usr/bin/both");
	assert_non_null(it);
	assert_non_null(strstr(it->message, "setuid uid 0 and setgid (gid 5)"));
	assert_non_null(strstr(it->message, "mode 06711"));
}

static void test_scan_filemode__allow_listed_silent(void **state)
{
	fixture *f = *state;
	static const char *const suid[] = { "/usr/bin/passwd", "usr//bin/./chsh/" };
	static const char *const ww[] = { "/var/spool/drop" };
	og_filemode_options o = { suid, 2, ww, 1 };

	begin(f, 1, &o);
	put(f, OG_ENTRY_FILE, "usr/bin/passwd", 04755, 0, "root", 0, "root");
	put(f, OG_ENTRY_FILE, "./usr/bin/chsh", 04755, 0, "root", 0, "root");
	put(f, OG_ENTRY_DIR, "var/spool/drop/", 0777, 0, "root", 0, "root");
	/* Allow lists are per kind: a setuid path is not writable-allowed. */
	put(f, OG_ENTRY_FILE, "usr/bin/passwd2", 04755, 0, "root", 0, "root");
	end(f);
	assert_int_equal(f->f.count, 1);
	assert_non_null(find(f, "file.setuid", "/usr/bin/passwd2"));
}

static void test_scan_filemode__world_writable_file(void **state)
{
	fixture *f = *state;
	const og_finding *it;

	begin(f, 3, NULL);
	put(f, OG_ENTRY_FILE, "etc/app.conf", 0666, 1000, "app", 1000, "app");
	put(f, OG_ENTRY_FILE, "etc/ok.conf", 0664, 0, "root", 0, "root");
	end(f);
	assert_int_equal(f->f.count, 1);
	it = find(f, "file.world_writable", "/etc/app.conf");
	assert_non_null(it);
	assert_string_equal(it->message,
		"layer 3: /etc/app.conf is world-writable, mode 0666, owner app (uid 1000)");
}

static void test_scan_filemode__dir_0777_flagged_tmp_not(void **state)
{
	fixture *f = *state;

	begin(f, 0, NULL);
	put(f, OG_ENTRY_DIR, "./data/", 0777, 0, "root", 0, "root");
	put(f, OG_ENTRY_DIR, "./tmp/", 01777, 0, "root", 0, "root");
	put(f, OG_ENTRY_DIR, "./var/tmp", 01777, 0, "root", 0, "root");
	put(f, OG_ENTRY_DIR, "./", 0755, 0, "root", 0, "root");
	end(f);
	assert_int_equal(f->f.count, 1);
	assert_non_null(find(f, "file.world_writable", "/data"));
	assert_non_null(strstr(f->f.items[0].message, "without the sticky bit"));
	assert_non_null(strstr(f->f.items[0].message, "mode 0777"));
}

static void test_scan_filemode__root_dir_writable(void **state)
{
	fixture *f = *state;

	begin(f, 0, NULL);
	put(f, OG_ENTRY_DIR, "./", 0777, 0, NULL, 0, NULL);
	end(f);
	assert_int_equal(f->f.count, 1);
	assert_non_null(find(f, "file.world_writable", "/"));
}

static void test_scan_filemode__symlink_never(void **state)
{
	fixture *f = *state;

	begin(f, 0, NULL);
	put(f, OG_ENTRY_SYMLINK, "usr/bin/sh", 0777, 0, "root", 0, "root");
	put(f, OG_ENTRY_SYMLINK, "usr/bin/sx", 07777, 0, "root", 0, "root");
	put(f, OG_ENTRY_HARDLINK, "usr/bin/hl", 04777, 0, "root", 0, "root");
	put(f, OG_ENTRY_FIFO, "run/fifo", 0666, 0, "root", 0, "root");
	end(f);
	assert_int_equal(f->f.count, 0);
}

static void test_scan_filemode__devices(void **state)
{
	fixture *f = *state;
	const og_finding *it;

	begin(f, 4, NULL);
	put(f, OG_ENTRY_CHAR, "dev/null", 0666, 0, "root", 0, "root");
	put(f, OG_ENTRY_BLOCK, "dev/sda", 0660, 0, "root", 6, "disk");
	end(f);
	/* /dev/null is also world-writable, but a device is reported once,
	 * as a device. */
	assert_int_equal(f->f.count, 2);
	it = find(f, "file.device", "/dev/null");
	assert_non_null(it);
	assert_string_equal(it->message,
		"layer 4: /dev/null is a character device, mode 0666, owner root (uid 0)");
	it = find(f, "file.device", "/dev/sda");
	assert_non_null(it);
	assert_non_null(strstr(it->message, "block device"));
}

static void test_scan_filemode__whiteout_skipped(void **state)
{
	fixture *f = *state;

	begin(f, 1, NULL);
	put(f, OG_ENTRY_FILE, "etc/.wh.shadow", 06777, 0, "root", 0, "root");
	put(f, OG_ENTRY_FILE, "etc/.wh..wh..opq", 0777, 0, "root", 0, "root");
	put(f, OG_ENTRY_CHAR, "dev/.wh.null", 0666, 0, "root", 0, "root");
	end(f);
	assert_int_equal(f->f.count, 0);
}

static void test_scan_filemode__control_bytes_one_line(void **state)
{
	fixture *f = *state;

	begin(f, 0, NULL);
	put(f, OG_ENTRY_FILE, "bin/evil\nname", 04755, 0, "ro\not", 0, "root");
	end(f);
	assert_int_equal(f->f.count, 1);
	assert_null(strchr(f->f.items[0].message, '\n'));
	assert_string_equal(f->f.items[0].subject, "/bin/evil\nname");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scan_filemode__setuid_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_filemode__setgid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_filemode__allow_listed_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_filemode__world_writable_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_filemode__dir_0777_flagged_tmp_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_filemode__root_dir_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_filemode__symlink_never, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_filemode__devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_filemode__whiteout_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_filemode__control_bytes_one_line, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
