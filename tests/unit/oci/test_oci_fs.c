/* Trees of files: a directory (og_fs_open_dir) and a tar archive read in
 * place (og_fs_open_tar). The archives are made by python3's tarfile. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "helpers.h"
#include "oci/fs.h"

/* The archive generator: writes the archives into argv[1], and expect.txt
 * with lines "ARCHIVE<TAB>PATH<TAB>FILE", FILE holding the content expected
 * at PATH, or "-" when PATH must not be found. */
static const char *const gen_py[] = {
	"import gzip, io, os, random, sys, tarfile",
	"d = sys.argv[1]",
	"rnd = random.Random(42)",
	"exp = open(os.path.join(d, 'expect.txt'), 'w', encoding='utf-8')",
	"n = [0]",
	"",
	"def want(tar, path, data):",
	"    n[0] += 1",
	"    name = 'exp%d' % n[0]",
	"    with open(os.path.join(d, name), 'wb') as f:",
	"        f.write(data)",
	"    exp.write('%s\\t%s\\t%s\\n' % (tar, path, name))",
	"",
	"def gone(tar, path):",
	"    exp.write('%s\\t%s\\t-\\n' % (tar, path))",
	"",
	"def reg(tf, name, data):",
	"    ti = tarfile.TarInfo(name)",
	"    ti.size = len(data)",
	"    ti.mode = 0o644",
	"    tf.addfile(ti, io.BytesIO(data))",
	"",
	"def link(tf, name, target, kind):",
	"    ti = tarfile.TarInfo(name)",
	"    ti.type = kind",
	"    ti.linkname = target",
	"    tf.addfile(ti)",
	"",
	"def adir(tf, name):",
	"    ti = tarfile.TarInfo(name)",
	"    ti.type = tarfile.DIRTYPE",
	"    ti.mode = 0o755",
	"    tf.addfile(ti)",
	"",
	"def path(name):",
	"    return os.path.join(d, name)",
	"",
	"# plain ustar, and the same gzip-compressed",
	"big = rnd.randbytes(100000)",
	"with tarfile.open(path('plain.tar'), 'w', format=tarfile.USTAR_FORMAT) as tf:",
	"    reg(tf, 'a.txt', b'hello\\n')",
	"    reg(tf, './b.txt', b'bee\\n')",
	"    adir(tf, 'dir/')",
	"    reg(tf, 'dir/c.bin', big)",
	"    reg(tf, 'empty', b'')",
	"    reg(tf, 'dir//d.txt', b'dee')",
	"    reg(tf, 'e512', b'e' * 512)",
	"with open(path('plain.tar'), 'rb') as f:",
	"    raw = f.read()",
	"with open(path('plain.tar.gz'), 'wb') as f:",
	"    f.write(gzip.compress(raw, 6))",
	"with open(path('trunc.tar.gz'), 'wb') as f:",
	"    f.write(gzip.compress(raw, 6)[:4000])",
	"for t in ('plain.tar', 'plain.tar.gz'):",
	"    want(t, 'a.txt', b'hello\\n')",
	"    want(t, 'b.txt', b'bee\\n')",
	"    want(t, './b.txt', b'bee\\n')",
	"    want(t, 'dir/c.bin', big)",
	"    want(t, 'dir/./c.bin', big)",
	"    want(t, 'empty', b'')",
	"    want(t, 'dir/d.txt', b'dee')",
	"    want(t, 'e512', b'e' * 512)",
	"    gone(t, 'dir')",
	"    gone(t, 'nope')",
	"    gone(t, 'dir/nope')",
	"    gone(t, '../a.txt')",
	"    gone(t, 'a.txt/x')",
	"",
	"# pax: long names, non-ASCII names, big extended headers",
	"longp = 'p/' + 'x' * 150 + '/' + 'y' * 120 + '.bin'",
	"uni = '\\u00fcn\\u00efcode/\\u0444\\u0430\\u0439\\u043b.txt'",
	"with tarfile.open(path('pax.tar'), 'w', format=tarfile.PAX_FORMAT) as tf:",
	"    reg(tf, longp, rnd.randbytes(3000))",
	"    reg(tf, uni, b'unicode')",
	"    ti = tarfile.TarInfo('commented')",
	"    ti.pax_headers = {'comment': 'c' * 3000}",
	"    ti.mtime = 1234567890.5",
	"    data = rnd.randbytes(777)",
	"    ti.size = len(data)",
	"    tf.addfile(ti, io.BytesIO(data))",
	"    link(tf, 'longlink', longp, tarfile.SYMTYPE)",
	"with tarfile.open(path('pax.tar')) as tf:",
	"    for m in tf.getmembers():",
	"        if m.isfile():",
	"            want('pax.tar', m.name, tf.extractfile(m).read())",
	"    want('pax.tar', 'longlink', tf.extractfile(longp).read())",
	"",
	"# GNU: long names and long link names",
	"gl = 'g/' + 'z' * 200",
	"with tarfile.open(path('gnu.tar'), 'w', format=tarfile.GNU_FORMAT) as tf:",
	"    reg(tf, 'short', b'short')",
	"    reg(tf, gl, rnd.randbytes(5000))",
	"    link(tf, 'g/' + 'l' * 150, 'z' * 200, tarfile.SYMTYPE)",
	"    link(tf, 'g/hard' + 'h' * 150, gl, tarfile.LNKTYPE)",
	"    reg(tf, 'after', b'after')",
	"with tarfile.open(path('gnu.tar')) as tf:",
	"    gdata = tf.extractfile(gl).read()",
	"want('gnu.tar', 'short', b'short')",
	"want('gnu.tar', gl, gdata)",
	"want('gnu.tar', 'g/' + 'l' * 150, gdata)",
	"want('gnu.tar', 'g/hard' + 'h' * 150, gdata)",
	"want('gnu.tar', 'after', b'after')",
	"",
	"# links: docker save legacy layout and friends",
	"layer = rnd.randbytes(20000)",
	"with tarfile.open(path('links.tar'), 'w', format=tarfile.USTAR_FORMAT) as tf:",
	"    adir(tf, 'abc')",
	"    reg(tf, 'abc/layer.tar', layer)",
	"    adir(tf, 'def')",
	"    link(tf, 'def/layer.tar', '../abc/layer.tar', tarfile.SYMTYPE)",
	"    link(tf, 'hl.txt', 'abc/layer.tar', tarfile.LNKTYPE)",
	"    link(tf, 'hl2', './def/layer.tar', tarfile.LNKTYPE)",
	"    link(tf, 'abs', '/abc/layer.tar', tarfile.SYMTYPE)",
	"    link(tf, 'esc', '../../etc/passwd', tarfile.SYMTYPE)",
	"    link(tf, 'esc2', '../abc/layer.tar', tarfile.SYMTYPE)",
	"    link(tf, 'loop1', 'loop2', tarfile.SYMTYPE)",
	"    link(tf, 'loop2', 'loop1', tarfile.SYMTYPE)",
	"    link(tf, 'dirlink', 'abc', tarfile.SYMTYPE)",
	"    link(tf, 'dangling', 'nothere', tarfile.SYMTYPE)",
	"    link(tf, 'todir', 'abc', tarfile.SYMTYPE)",
	"    link(tf, 'hldir', 'abc', tarfile.LNKTYPE)",
	"    for i in range(15):",
	"        link(tf, 'c%d' % i, 'c%d' % (i + 1), tarfile.SYMTYPE)",
	"    link(tf, 'c15', 'abc/layer.tar', tarfile.SYMTYPE)",
	"    link(tf, 'cx', 'c0', tarfile.SYMTYPE)",
	"t = 'links.tar'",
	"want(t, 'abc/layer.tar', layer)",
	"want(t, 'def/layer.tar', layer)",
	"want(t, 'hl.txt', layer)",
	"want(t, 'hl2', layer)",
	"want(t, 'abs', layer)",
	"want(t, 'dirlink/layer.tar', layer)",
	"want(t, 'dirlink/../abc/layer.tar', layer)",
	"want(t, 'c0', layer)",
	"gone(t, 'cx')",
	"gone(t, 'esc')",
	"gone(t, 'esc2')",
	"gone(t, 'loop1')",
	"gone(t, 'dangling')",
	"gone(t, 'todir')",
	"gone(t, 'hldir')",
	"gone(t, 'def/../../abc/layer.tar')",
	"",
	"# duplicates: the later entry wins",
	"with tarfile.open(path('dup.tar'), 'w', format=tarfile.USTAR_FORMAT) as tf:",
	"    reg(tf, 'x.txt', b'first')",
	"    reg(tf, 'y', b'file then dir')",
	"    reg(tf, './x.txt', b'second')",
	"    adir(tf, 'y')",
	"    adir(tf, 'z')",
	"    reg(tf, 'z', b'dir then file')",
	"    reg(tf, 'w', b'file then link')",
	"    link(tf, 'w', 'x.txt', tarfile.SYMTYPE)",
	"want('dup.tar', 'x.txt', b'second')",
	"want('dup.tar', 'z', b'dir then file')",
	"want('dup.tar', 'w', b'second')",
	"gone('dup.tar', 'y')",
	"",
	"# truncated archives",
	"f1, f2, f3 = rnd.randbytes(1000), rnd.randbytes(100000), rnd.randbytes(1000)",
	"with tarfile.open(path('base.tar'), 'w', format=tarfile.USTAR_FORMAT) as tf:",
	"    reg(tf, 'f1', f1)",
	"    reg(tf, 'f2', f2)",
	"    reg(tf, 'f3', f3)",
	"with tarfile.open(path('base.tar')) as tf:",
	"    off = {m.name: (m.offset, m.offset_data) for m in tf.getmembers()}",
	"with open(path('base.tar'), 'rb') as f:",
	"    raw = f.read()",
	"def cut(name, at):",
	"    with open(path(name), 'wb') as f:",
	"        f.write(raw[:at])",
	"cut('trunc_data.tar', off['f2'][1] + 50000)",
	"want('trunc_data.tar', 'f1', f1)",
	"gone('trunc_data.tar', 'f2')",
	"gone('trunc_data.tar', 'f3')",
	"cut('trunc_hdr.tar', off['f3'][0] + 100)",
	"want('trunc_hdr.tar', 'f1', f1)",
	"want('trunc_hdr.tar', 'f2', f2)",
	"gone('trunc_hdr.tar', 'f3')",
	"cut('trunc_end.tar', off['f3'][1] + 1000)",
	"want('trunc_end.tar', 'f3', f3)",
	"cut('trunc_first_hdr.tar', 300)",
	"cut('trunc_first_data.tar', off['f1'][1] + 500)",
	"",
	"# not tars",
	"with tarfile.open(path('empty.tar'), 'w') as tf:",
	"    pass",
	"open(path('zero.bin'), 'wb').close()",
	"with open(path('random.bin'), 'wb') as f:",
	"    f.write(rnd.randbytes(10000))",
	"with open(path('text.txt'), 'w') as f:",
	"    f.write('this is not a tar archive\\n' * 100)",
	"with tarfile.open(path('many.tar'), 'w') as tf:",
	"    for i in range(5):",
	"        reg(tf, 'm%d' % i, b'm')",
	"exp.close()",
	NULL
};

typedef struct {
	og_ctx *ctx;
	char *dir;
} fixture;

static char *join(const char *a, const char *b)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", a, b) > 0);
	return p;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(og_ctx_new(&f->ctx), 0);
	f->dir = og_test_tmpdir();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	og_test_tmpdir_done(f->dir, 0);
	og_ctx_free(f->ctx);
	free(f);
	return 0;
}

/* Read a whole file of the host into memory. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return p;
}

/* Open path in fs, read it whole in odd-sized chunks, compare. */
static void expect_file(og_fs *fs, og_ctx *ctx, const char *path,
	const unsigned char *want, size_t want_len)
{
	og_reader *r = NULL;
	uint64_t size = 0;
	unsigned char *got = malloc(want_len + 1);
	size_t used = 0;
	ssize_t n;

	assert_non_null(got);
	if (fs->stat(fs, path, &size) != 0)
		fail_msg("%s: stat %s failed", fs->name, path);
	assert_int_equal(size, want_len);
	size = 0;
	if (fs->open(&r, &size, fs, ctx, path) != 0)
		fail_msg("%s: open %s: %s", fs->name, path, og_ctx_error(ctx));
	assert_int_equal(size, want_len);
	for (;;) {
		n = og_reader_read(r, got + used, want_len + 1 - used < 777 ?
			want_len + 1 - used : 777);
		assert_true(n >= 0);
		if (n == 0)
			break;
		used += (size_t)n;
		assert_true(used <= want_len);
	}
	assert_int_equal(used, want_len);
	if (want_len && memcmp(got, want, want_len) != 0)
		fail_msg("%s: %s: content differs", fs->name, path);
	og_reader_close(r);
	free(got);
}

static void expect_missing(og_fs *fs, og_ctx *ctx, const char *path)
{
	og_reader *r = (og_reader *)1;
	uint64_t size = 7;

	if (fs->stat(fs, path, &size) != OG_ENOTFOUND)
		fail_msg("%s: stat %s should fail", fs->name, path);
	og_error_clear(ctx);
	if (fs->open(&r, &size, fs, ctx, path) >= 0)
		fail_msg("%s: open %s should fail", fs->name, path);
	assert_null(r);
	assert_true(og_ctx_error(ctx)[0] != '\0');
}

/* ------------------------------------------------------------ dir */

static void test_oci_fs__dir_open_stat(void **state)
{
	fixture *f = *state;
	og_fs *fs = NULL;
	char *root = join(f->dir, "layout"), *p;
	unsigned char big[70000];
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 31);
	og_test_write(root, "oci-layout", "{}", 2);
	og_test_write(root, "blobs/sha256/abc", big, sizeof(big));
	og_test_write(root, "empty", "", 0);
	og_test_write(f->dir, "outside.txt", "secret", 6);
	p = join(root, "link");
	assert_int_equal(symlink("blobs/sha256/abc", p), 0);
	free(p);
	p = join(root, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	free(p);

	assert_int_equal(og_fs_open_dir(&fs, f->ctx, root), 0);
	assert_string_equal(fs->name, root);
	expect_file(fs, f->ctx, "oci-layout", (const unsigned char *)"{}", 2);
	expect_file(fs, f->ctx, "blobs/sha256/abc", big, sizeof(big));
	expect_file(fs, f->ctx, "empty", (const unsigned char *)"", 0);
	expect_file(fs, f->ctx, "link", big, sizeof(big));

	/* Not there, not a regular file, or outside the tree. */
	expect_missing(fs, f->ctx, "nope");
	expect_missing(fs, f->ctx, "blobs/sha256/nope");
	expect_missing(fs, f->ctx, "blobs");
	expect_missing(fs, f->ctx, "blobs/sha256");
	expect_missing(fs, f->ctx, "oci-layout/x");
	expect_missing(fs, f->ctx, "fifo"); /* must not hang */
	expect_missing(fs, f->ctx, "../outside.txt");
	expect_missing(fs, f->ctx, "blobs/../../outside.txt");
	expect_missing(fs, f->ctx, "..");
	expect_missing(fs, f->ctx, "/etc/passwd");
	expect_missing(fs, f->ctx, "");
	og_fs_free(fs);
	og_fs_free(NULL);
	free(root);
}

static void test_oci_fs__dir_errors(void **state)
{
	fixture *f = *state;
	og_fs *fs = (og_fs *)1;
	char *missing = join(f->dir, "missing"), *file = join(f->dir, "file");

	og_test_write(f->dir, "file", "x", 1);
	assert_int_equal(og_fs_open_dir(&fs, f->ctx, missing), OG_ENOTFOUND);
	assert_null(fs);
	assert_non_null(strstr(og_ctx_error(f->ctx), missing));
	assert_int_equal(og_fs_open_dir(&fs, f->ctx, file), OG_EINVALID);
	assert_non_null(strstr(og_ctx_error(f->ctx), file));

	assert_int_equal(og_fs_kind(f->dir), 1);
	assert_int_equal(og_fs_kind(file), 2);
	assert_int_equal(og_fs_kind(missing), OG_ENOTFOUND);
	free(missing);
	free(file);
}

/* ------------------------------------------------------------ tar */

static void make_archives(const char *dir)
{
	char *script = join(dir, "gen.py"), *cmd = NULL;
	FILE *fp = fopen(script, "w");
	size_t i;

	assert_non_null(fp);
	for (i = 0; gen_py[i]; i++)
		assert_true(fprintf(fp, "%s\n", gen_py[i]) > 0);
	assert_int_equal(fclose(fp), 0);
	assert_true(asprintf(&cmd, "python3 '%s' '%s'", script, dir) > 0);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	free(cmd);
	free(script);
}

/* Every line of expect.txt: open the archive once, check each path. */
static void test_oci_fs__tar_contents(void **state)
{
	fixture *f = *state;
	char *list = NULL, *line, *next, *tab1, *tab2, *cur = NULL, *p;
	og_fs *fs = NULL;
	size_t len, checked = 0;

	make_archives(f->dir);
	p = join(f->dir, "expect.txt");
	list = (char *)slurp(p, &len);
	list[len] = '\0';
	free(p);

	for (line = list; *line; line = next) {
		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		tab1 = strchr(line, '\t');
		assert_non_null(tab1);
		*tab1++ = '\0';
		tab2 = strchr(tab1, '\t');
		assert_non_null(tab2);
		*tab2++ = '\0';

		if (!cur || strcmp(cur, line) != 0) {
			og_fs_free(fs);
			free(cur);
			cur = join(f->dir, line);
			if (og_fs_open_tar(&fs, f->ctx, cur) != 0)
				fail_msg("open %s: %s", cur, og_ctx_error(f->ctx));
			assert_string_equal(fs->name, cur);
		}
		if (strcmp(tab2, "-") == 0) {
			expect_missing(fs, f->ctx, tab1);
		} else {
			unsigned char *want;
			size_t want_len;

			p = join(f->dir, tab2);
			want = slurp(p, &want_len);
			expect_file(fs, f->ctx, tab1, want, want_len);
			free(want);
			free(p);
		}
		checked++;
	}
	assert_true(checked > 50);
	og_fs_free(fs);
	free(cur);
	free(list);
}

static void expect_open_fails(fixture *f, const char *name, int code,
	const char *msg)
{
	char *path = join(f->dir, name);
	og_fs *fs = (og_fs *)1;

	og_error_clear(f->ctx);
	assert_int_equal(og_fs_open_tar(&fs, f->ctx, path), code);
	assert_null(fs);
	if (!strstr(og_ctx_error(f->ctx), path))
		fail_msg("\"%s\" does not name %s", og_ctx_error(f->ctx), path);
	if (msg && !strstr(og_ctx_error(f->ctx), msg))
		fail_msg("\"%s\" lacks \"%s\"", og_ctx_error(f->ctx), msg);
	free(path);
}

static void test_oci_fs__tar_not_a_tar(void **state)
{
	fixture *f = *state;

	make_archives(f->dir);
	expect_open_fails(f, "zero.bin", OG_EINVALID, "not a tar archive");
	expect_open_fails(f, "random.bin", OG_EINVALID, "not a tar archive");
	expect_open_fails(f, "text.txt", OG_EINVALID, "not a tar archive");
	expect_open_fails(f, "trunc_first_hdr.tar", OG_EINVALID, NULL);
	expect_open_fails(f, "trunc_first_data.tar", OG_EINVALID, NULL);
	expect_open_fails(f, "trunc.tar.gz", OG_EINVALID, "gzip");
	expect_open_fails(f, "missing.tar", OG_ENOTFOUND, "no such file");
	expect_open_fails(f, "", OG_EINVALID, "directory");
}

static void test_oci_fs__tar_empty(void **state)
{
	fixture *f = *state;
	char *path;
	og_fs *fs = NULL;

	make_archives(f->dir);
	path = join(f->dir, "empty.tar");
	assert_int_equal(og_fs_open_tar(&fs, f->ctx, path), 0);
	expect_missing(fs, f->ctx, "anything");
	og_fs_free(fs);
	free(path);
}

static void test_oci_fs__tar_entry_limit(void **state)
{
	fixture *f = *state;
	char *path;
	og_fs *fs = NULL;

	make_archives(f->dir);
	path = join(f->dir, "many.tar");
	f->ctx->limits.max_archive_entries = 4;
	assert_int_equal(og_fs_open_tar(&fs, f->ctx, path), OG_ELIMIT);
	assert_null(fs);
	assert_non_null(strstr(og_ctx_error(f->ctx), path));
	f->ctx->limits.max_archive_entries = 5;
	assert_int_equal(og_fs_open_tar(&fs, f->ctx, path), 0);
	expect_file(fs, f->ctx, "m4", (const unsigned char *)"m", 1);
	og_fs_free(fs);
	free(path);
}

/* A gzip archive is inflated into an unlinked temporary file. */
static void test_oci_fs__tar_gzip_no_temp_left(void **state)
{
	fixture *f = *state;
	char *path, *tmp, *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	og_fs *fs = NULL;
	DIR *dir;
	struct dirent *de;
	int entries = 0;

	make_archives(f->dir);
	path = join(f->dir, "plain.tar.gz");
	tmp = join(f->dir, "tmp");
	assert_int_equal(mkdir(tmp, 0700), 0);
	setenv("TMPDIR", tmp, 1);
	assert_int_equal(og_fs_open_tar(&fs, f->ctx, path), 0);
	expect_file(fs, f->ctx, "a.txt", (const unsigned char *)"hello\n", 6);
	dir = opendir(tmp);
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
			entries++;
	closedir(dir);
	assert_int_equal(entries, 0);
	og_fs_free(fs);

	/* An unusable TMPDIR is an error, not a crash. */
	setenv("TMPDIR", "/nonexistent/dir", 1);
	assert_int_equal(og_fs_open_tar(&fs, f->ctx, path), OG_ERROR);
	assert_null(fs);
	if (old)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	free(old);
	free(tmp);
	free(path);
}

typedef struct {
	og_fs *fs;
	const char *path;
	const unsigned char *want;
	size_t want_len;
	int ok;
} tar_job;

static void *tar_job_run(void *arg)
{
	tar_job *j = arg;
	og_ctx *ctx = NULL;
	unsigned char buf[4096];
	int round;

	j->ok = 0;
	if (og_ctx_new(&ctx) != 0)
		return NULL;
	for (round = 0; round < 30; round++) {
		og_reader *r = NULL;
		uint64_t size;
		size_t pos = 0;
		ssize_t n;

		if (j->fs->open(&r, &size, j->fs, ctx, j->path) != 0)
			goto out;
		while ((n = og_reader_read(r, buf, sizeof(buf))) > 0) {
			if (pos + (size_t)n > j->want_len ||
			    memcmp(buf, j->want + pos, (size_t)n) != 0) {
				og_reader_close(r);
				goto out;
			}
			pos += (size_t)n;
		}
		og_reader_close(r);
		if (n != 0 || pos != j->want_len)
			goto out;
	}
	j->ok = 1;
out:
	og_ctx_free(ctx);
	return NULL;
}

/* Several entries stream at once from one archive, from several threads. */
static void test_oci_fs__tar_threads(void **state)
{
	fixture *f = *state;
	static const char *const names[] = { "dir/c.bin", "a.txt", "e512",
		"dir/d.txt" };
	char *path, *list, *p;
	og_fs *fs = NULL;
	pthread_t th[4];
	tar_job jobs[4];
	unsigned char *want[4];
	size_t len, i;

	make_archives(f->dir);
	/* The expected contents, from the plain.tar lines of expect.txt. */
	p = join(f->dir, "expect.txt");
	list = (char *)slurp(p, &len);
	list[len] = '\0';
	free(p);
	for (i = 0; i < 4; i++) {
		char key[64], *hit, *end;

		snprintf(key, sizeof(key), "plain.tar\t%s\t", names[i]);
		hit = strstr(list, key);
		assert_non_null(hit);
		hit += strlen(key);
		end = strchr(hit, '\n');
		*end = '\0';
		p = join(f->dir, hit);
		*end = '\n';
		want[i] = slurp(p, &jobs[i].want_len);
		free(p);
	}
	free(list);

	path = join(f->dir, "plain.tar");
	assert_int_equal(og_fs_open_tar(&fs, f->ctx, path), 0);
	for (i = 0; i < 4; i++) {
		jobs[i].fs = fs;
		jobs[i].path = names[i];
		jobs[i].want = want[i];
		assert_int_equal(pthread_create(&th[i], NULL, tar_job_run, &jobs[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(jobs[i].ok);
		free(want[i]);
	}
	og_fs_free(fs);
	free(path);
}

/* Compare every entry `tar -tf` lists in archive `name` (made by skopeo)
 * through og_fs_open_tar with the same file extracted by GNU tar and read
 * through og_fs_open_dir. */
static void crosscheck(fixture *f, const char *name)
{
	char *archive = join(f->dir, name), *x = NULL, *cmd = NULL, *listf;
	char *list, *line, *next;
	og_fs *tfs = NULL, *dfs = NULL;
	size_t len, files = 0;

	assert_true(asprintf(&x, "%s/x-%s", f->dir, name) > 0);
	listf = join(x, "../list.txt");
	assert_true(asprintf(&cmd, "mkdir -p '%s' && tar -xf '%s' -C '%s' && "
		"tar -tf '%s' > '%s'", x, archive, x, archive, listf) > 0);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	list = (char *)slurp(listf, &len);
	list[len] = '\0';

	assert_int_equal(og_fs_open_tar(&tfs, f->ctx, archive), 0);
	assert_int_equal(og_fs_open_dir(&dfs, f->ctx, x), 0);
	for (line = list; *line; line = next) {
		og_reader *r = NULL;
		unsigned char *want = NULL;
		size_t want_len = 0;
		uint64_t size;
		ssize_t n;

		next = strchr(line, '\n');
		assert_non_null(next);
		*next++ = '\0';
		if (!*line || line[strlen(line) - 1] == '/')
			continue;
		if (dfs->stat(dfs, line, &size) != 0) {
			expect_missing(tfs, f->ctx, line);
			continue;
		}
		assert_int_equal(dfs->open(&r, &size, dfs, f->ctx, line), 0);
		want = malloc((size_t)size + 1);
		assert_non_null(want);
		while ((n = og_reader_read(r, want + want_len,
		    (size_t)size + 1 - want_len)) > 0)
			want_len += (size_t)n;
		assert_int_equal(n, 0);
		og_reader_close(r);
		expect_file(tfs, f->ctx, line, want, want_len);
		free(want);
		files++;
	}
	assert_true(files >= 3);
	og_fs_free(tfs);
	og_fs_free(dfs);
	free(list);
	free(listf);
	free(cmd);
	free(x);
	free(archive);
}

/* Archives as skopeo writes them: docker-archive (with the legacy
 * <id>/layer.tar symlinks), the same gzip-compressed, and oci-archive. */
static void test_oci_fs__tar_skopeo_crosscheck(void **state)
{
	fixture *f = *state;
	char *cmd = NULL;

	if (system("(command -v skopeo && command -v umoci && command -v tar && "
	    "command -v gzip) >/dev/null 2>&1") != 0)
		skip();
	assert_true(asprintf(&cmd, "cd '%s' && mkdir -p root/etc root/usr/bin && "
		"echo hello > root/etc/hello && head -c 300000 /dev/urandom > "
		"root/usr/bin/blob && umoci init --layout lay && "
		"umoci new --image lay:latest && "
		"umoci insert --rootless --image lay:latest root/etc /etc && "
		"umoci insert --rootless --image lay:latest root/usr /usr && "
		"skopeo copy -q oci:lay:latest docker-archive:da.tar:img:latest && "
		"skopeo copy -q oci:lay:latest oci-archive:oa.tar:latest && "
		"gzip -c da.tar > da.tar.gz", f->dir) > 0);
	if (system(cmd) != 0) {
		free(cmd);
		skip();
	}
	free(cmd);
	crosscheck(f, "da.tar");
	crosscheck(f, "oa.tar");

	/* The gzip one: same entries as da.tar. */
	{
		og_fs *a = NULL, *b = NULL;
		char *pa = join(f->dir, "da.tar"), *pb = join(f->dir, "da.tar.gz");
		uint64_t sa, sb;

		assert_int_equal(og_fs_open_tar(&a, f->ctx, pa), 0);
		assert_int_equal(og_fs_open_tar(&b, f->ctx, pb), 0);
		assert_int_equal(a->stat(a, "manifest.json", &sa), 0);
		assert_int_equal(b->stat(b, "manifest.json", &sb), 0);
		assert_int_equal(sa, sb);
		og_fs_free(a);
		og_fs_free(b);
		free(pa);
		free(pb);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_oci_fs__dir_open_stat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_fs__dir_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_fs__tar_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_fs__tar_not_a_tar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_fs__tar_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_fs__tar_entry_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_fs__tar_gzip_no_temp_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_fs__tar_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_fs__tar_skopeo_crosscheck, setup, teardown),
	};

	/* -s NAME runs only the tests matching NAME. */
	if (argc > 2 && strcmp(argv[1], "-s") == 0)
		cmocka_set_test_filter(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
