/* og_tar_walk over tars built by python3 tarfile or by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "helpers.h"
#include "oci/tar.h"

/* ---------------------------------------------------------- test readers */

/* A memory reader that can hand out at most `step` bytes per read and fail
 * with `fail_code` once `fail_at` bytes were read. */
typedef struct mem_reader {
	og_reader base;
	const unsigned char *data;
	size_t len, pos;
	size_t step;      /* 0: as much as asked */
	size_t fail_at;   /* SIZE_MAX: never */
	int fail_code;
	og_ctx *ctx;
	size_t reads;
	size_t eof_reads; /* reads after the end of data */
} mem_reader;

static ssize_t mem_read(og_reader *r, void *buf, size_t len)
{
	mem_reader *m = (mem_reader *)r;
	size_t n = m->len - m->pos;

	m->reads++;
	if (m->pos >= m->fail_at)
		return og_error_set(m->ctx, m->fail_code, "test reader: injected failure at %zu",
			m->pos);
	if (n > len)
		n = len;
	if (m->step && n > m->step)
		n = m->step;
	if (m->fail_at != SIZE_MAX && m->pos + n > m->fail_at)
		n = m->fail_at - m->pos;
	if (n == 0) {
		m->eof_reads++;
		return 0;
	}
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static void mem_close(og_reader *r)
{
	(void)r;
}

static void mem_init(mem_reader *m, const void *data, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->base.read = mem_read;
	m->base.close = mem_close;
	m->data = data;
	m->len = len;
	m->fail_at = SIZE_MAX;
}

/* ------------------------------------------------------------- recording */

typedef struct rec_entry {
	char *path, *link, *uname, *gname;
	og_entry_type_t type;
	unsigned int mode;
	int64_t uid, gid;
	uint64_t size, index;
} rec_entry;

typedef struct rec {
	rec_entry items[64];
	size_t count;
	size_t abort_at;   /* abort when this many entries were seen (0: never) */
	int abort_code;
} rec;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int rec_cb(const og_entry *e, void *payload)
{
	rec *r = payload;
	rec_entry *it;

	if (r->count < 64) {
		it = &r->items[r->count];
		it->path = dup_or_null(e->path);
		it->link = dup_or_null(e->link);
		it->uname = dup_or_null(e->uname);
		it->gname = dup_or_null(e->gname);
		it->type = e->type;
		it->mode = e->mode;
		it->uid = e->uid;
		it->gid = e->gid;
		it->size = e->size;
		it->index = e->index;
	}
	r->count++;
	if (r->abort_at && r->count == r->abort_at)
		return r->abort_code;
	return 0;
}

static void rec_dispose(rec *r)
{
	size_t i;

	for (i = 0; i < r->count && i < 64; i++) {
		free(r->items[i].path);
		free(r->items[i].link);
		free(r->items[i].uname);
		free(r->items[i].gname);
	}
	memset(r, 0, sizeof(*r));
}

static const rec_entry *rec_find(const rec *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->count && i < 64; i++)
		if (r->items[i].path && strcmp(r->items[i].path, path) == 0)
			return &r->items[i];
	fail_msg("entry %s not seen", path);
	return NULL;
}

/* ------------------------------------------------------------ fixtures */

typedef struct fixture {
	char *dir;
	og_ctx *ctx;
	unsigned char *data;
	size_t len;
	rec rec;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = og_test_tmpdir();
	assert_int_equal(og_ctx_new(&f->ctx), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	rec_dispose(&f->rec);
	og_test_tmpdir_done(f->dir, 0);
	og_ctx_free(f->ctx);
	free(f->data);
	free(f);
	return 0;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/*
 * Run a python3 tarfile script writing the tar `out.tar` in the fixture dir;
 * the script gets `tarfile`, `io`, `T` (the output path) and `add(t, name,
 * data=b"", **attrs)` predefined.
 */
static void make_tar(fixture *f, const char *body)
{
	static const char prelude[] =
		"import io, sys, tarfile\n"
		"T = sys.argv[1]\n"
		"def add(t, name, data=b'', **kw):\n"
		"    ti = tarfile.TarInfo(name)\n"
		"    ti.size = len(data)\n"
		"    ti.mtime = 1700000000\n"
		"    for k, v in kw.items():\n"
		"        setattr(ti, k, v)\n"
		"    t.addfile(ti, io.BytesIO(data) if ti.isreg() else None)\n";
	char cmd[8192];
	char *script;
	size_t n = strlen(prelude) + strlen(body) + 1;

	script = malloc(n);
	assert_non_null(script);
	snprintf(script, n, "%s%s", prelude, body);
	og_test_write(f->dir, "mk.py", script, strlen(script));
	free(script);
	snprintf(cmd, sizeof(cmd), "python3 '%s/mk.py' '%s/out.tar'", f->dir, f->dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/out.tar", f->dir);
	free(f->data);
	f->data = read_file(cmd, &f->len);
}

static int walk_mem(fixture *f, const void *data, size_t len, uint64_t *n)
{
	mem_reader m;

	mem_init(&m, data, len);
	return og_tar_walk(n, f->ctx, &m.base, rec_cb, &f->rec, "layer0");
}

/* --------------------------------------------------------------- tests */

static void test_oci_tar__ustar_types(void **state)
{
	fixture *f = *state;
	const rec_entry *e;
	uint64_t n = 99;

	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.USTAR_FORMAT) as t:\n"
		"    add(t, 'etc/', type=tarfile.DIRTYPE, mode=0o755)\n"
		"    add(t, 'etc/passwd', b'root:x:0:0\\n', mode=0o644, uid=0, gid=0, uname='root', gname='root')\n"
		"    add(t, 'bin/su', b'ELF', mode=0o4755, uid=0, gid=0)\n"
		"    add(t, 'bin/wall', b'ELF2', mode=0o2755, uid=0, gid=5, gname='tty')\n"
		"    add(t, 'tmp/', type=tarfile.DIRTYPE, mode=0o1777)\n"
		"    add(t, 'lib', type=tarfile.SYMTYPE, linkname='usr/lib', mode=0o777)\n"
		"    add(t, 'etc/passwd.bak', type=tarfile.LNKTYPE, linkname='etc/passwd')\n"
		"    add(t, 'dev/null', type=tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)\n"
		"    add(t, 'dev/sda', type=tarfile.BLKTYPE, devmajor=8, devminor=0, mode=0o660)\n"
		"    add(t, 'run/fifo', type=tarfile.FIFOTYPE, mode=0o600)\n"
		"    add(t, './x', b'y' * 700, mode=0o600, uid=1000, gid=1000, uname='app', gname='app')\n");
	assert_int_equal(walk_mem(f, f->data, f->len, &n), 0);
	assert_int_equal(n, 11);
	assert_int_equal(f->rec.count, 11);

	e = rec_find(&f->rec, "etc/");
	assert_int_equal(e->type, OG_ENTRY_DIR);
	assert_int_equal(e->mode, 0755);
	assert_int_equal(e->index, 0);
	assert_null(e->link);

	e = rec_find(&f->rec, "etc/passwd");
	assert_int_equal(e->type, OG_ENTRY_FILE);
	assert_int_equal(e->size, 11);
	assert_string_equal(e->uname, "root");
	assert_int_equal(e->index, 1);

	e = rec_find(&f->rec, "bin/su");
	assert_int_equal(e->mode, 04755);
	e = rec_find(&f->rec, "bin/wall");
	assert_int_equal(e->mode, 02755);
	assert_int_equal(e->gid, 5);
	assert_string_equal(e->gname, "tty");
	e = rec_find(&f->rec, "tmp/");
	assert_int_equal(e->mode, 01777);

	e = rec_find(&f->rec, "lib");
	assert_int_equal(e->type, OG_ENTRY_SYMLINK);
	assert_string_equal(e->link, "usr/lib");
	assert_int_equal(e->size, 0);

	e = rec_find(&f->rec, "etc/passwd.bak");
	assert_int_equal(e->type, OG_ENTRY_HARDLINK);
	assert_string_equal(e->link, "etc/passwd");

	assert_int_equal(rec_find(&f->rec, "dev/null")->type, OG_ENTRY_CHAR);
	assert_int_equal(rec_find(&f->rec, "dev/null")->mode, 0666);
	assert_int_equal(rec_find(&f->rec, "dev/sda")->type, OG_ENTRY_BLOCK);
	assert_int_equal(rec_find(&f->rec, "run/fifo")->type, OG_ENTRY_FIFO);

	e = rec_find(&f->rec, "./x");
	assert_int_equal(e->size, 700);
	assert_int_equal(e->uid, 1000);
	assert_int_equal(e->gid, 1000);
	assert_string_equal(e->uname, "app");
	assert_int_equal(e->index, 10);
}

static void test_oci_tar__pax_long_names(void **state)
{
	fixture *f = *state;
	const rec_entry *e;
	char longname[256], longlink[256];
	uint64_t n;

	/* 'd' * 150 + '/' + 'f' * 60 */
	memset(longname, 'd', 150);
	longname[150] = '/';
	memset(longname + 151, 'f', 60);
	longname[211] = '\0';
	memset(longlink, 't', 180);
	longlink[180] = '\0';
	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.PAX_FORMAT) as t:\n"
		"    add(t, 'd' * 150 + '/' + 'f' * 60, b'hello', mode=0o644)\n"
		"    add(t, 'ln', type=tarfile.SYMTYPE, linkname='t' * 180)\n"
		"    add(t, 'big', b'z' * 3, uid=10000000, gid=20000000, uname='u' * 40,\n"
		"        pax_headers={'comment': 'hi', 'SCHILY.xattr.user.k': 'v'})\n"
		"    add(t, 'h' * 120, type=tarfile.LNKTYPE, linkname='d' * 150 + '/' + 'f' * 60)\n"
		"    add(t, 'caf\\u00e9/na\\u00efve', b'utf8')\n");
	assert_int_equal(walk_mem(f, f->data, f->len, &n), 0);
	assert_int_equal(n, 5);

	e = rec_find(&f->rec, longname);
	assert_int_equal(e->type, OG_ENTRY_FILE);
	assert_int_equal(e->size, 5);
	e = rec_find(&f->rec, "ln");
	assert_string_equal(e->link, longlink);
	e = rec_find(&f->rec, "big");
	assert_int_equal(e->uid, 10000000);
	assert_int_equal(e->gid, 20000000);
	assert_int_equal(e->size, 3);
	assert_int_equal(strlen(e->uname), 40);
	e = &f->rec.items[3];
	assert_int_equal(strlen(e->path), 120);
	assert_int_equal(e->type, OG_ENTRY_HARDLINK);
	assert_string_equal(e->link, longname);
	/* A name the C locale cannot convert still comes through (raw or UTF-8). */
	e = &f->rec.items[4];
	assert_non_null(e->path);
	assert_string_equal(e->path, "caf\xc3\xa9/na\xc3\xafve");
}

static void test_oci_tar__gnu_long_names(void **state)
{
	fixture *f = *state;
	const rec_entry *e;
	char longname[256], longlink[256];
	uint64_t n;

	memset(longname, 'g', 230);
	longname[230] = '\0';
	memset(longlink, 'k', 140);
	longlink[140] = '\0';
	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.GNU_FORMAT) as t:\n"
		"    add(t, 'g' * 230, b'gnu', mode=0o755)\n"
		"    add(t, 's', type=tarfile.SYMTYPE, linkname='k' * 140)\n"
		"    add(t, 'hl', type=tarfile.LNKTYPE, linkname='g' * 230)\n"
		"    add(t, 'q' * 101 + '/', type=tarfile.DIRTYPE, mode=0o700)\n");
	assert_int_equal(walk_mem(f, f->data, f->len, &n), 0);
	assert_int_equal(n, 4);
	e = rec_find(&f->rec, longname);
	assert_int_equal(e->size, 3);
	assert_int_equal(e->mode, 0755);
	assert_string_equal(rec_find(&f->rec, "s")->link, longlink);
	e = rec_find(&f->rec, "hl");
	assert_int_equal(e->type, OG_ENTRY_HARDLINK);
	assert_string_equal(e->link, longname);
	e = &f->rec.items[3];
	assert_int_equal(e->type, OG_ENTRY_DIR);
	assert_int_equal(strlen(e->path), 102);
}

static void test_oci_tar__v7(void **state)
{
	fixture *f = *state;
	uint64_t n;

	/* tarfile has no v7 writer: strip the ustar magic from a ustar tar. */
	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.USTAR_FORMAT) as t:\n"
		"    add(t, 'a', b'1')\n"
		"    add(t, 'b', b'22')\n"
		"d = bytearray(open(T, 'rb').read())\n"
		"for off in (0, 1024):\n"
		"    d[off + 257:off + 265] = bytes(8)\n"
		"    d[off + 148:off + 156] = b'        '\n"
		"    s = sum(d[off:off + 512])\n"
		"    d[off + 148:off + 156] = b'%06o\\x00 ' % s\n"
		"open(T, 'wb').write(bytes(d))\n");
	assert_int_equal(walk_mem(f, f->data, f->len, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rec_find(&f->rec, "b")->size, 2);
}

static void test_oci_tar__empty_stream(void **state)
{
	fixture *f = *state;
	uint64_t n = 99;
	mem_reader m;

	mem_init(&m, "", 0);
	assert_int_equal(og_tar_walk(&n, f->ctx, &m.base, rec_cb, &f->rec, "empty"), 0);
	assert_int_equal(n, 0);
	assert_int_equal(f->rec.count, 0);
}

static void test_oci_tar__zero_blocks(void **state)
{
	fixture *f = *state;
	static const unsigned char zeros[10240];
	uint64_t n = 99;

	assert_int_equal(walk_mem(f, zeros, 1024, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(walk_mem(f, zeros, 512, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(walk_mem(f, zeros, sizeof(zeros), &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(f->rec.count, 0);
	/* Less than a block of zeros is not a tar. */
	assert_int_equal(walk_mem(f, zeros, 100, &n), OG_ETAR);
}

static void test_oci_tar__random_bytes(void **state)
{
	fixture *f = *state;
	unsigned char buf[4096];
	uint32_t x = 0x12345678u;
	uint64_t n = 99;
	size_t i;

	for (i = 0; i < sizeof(buf); i++) {
		x = x * 1664525u + 1013904223u;
		buf[i] = (unsigned char)(x >> 24);
	}
	assert_int_equal(walk_mem(f, buf, sizeof(buf), &n), OG_ETAR);
	assert_int_equal(n, 0);
	assert_non_null(strstr(og_ctx_error(f->ctx), "layer0: not a valid tar: "));
}

static void test_oci_tar__json_text(void **state)
{
	fixture *f = *state;
	char buf[2048];
	uint64_t n;
	size_t len = 0;

	len += (size_t)snprintf(buf, sizeof(buf),
		"{\"schemaVersion\": 2, \"mediaType\": "
		"\"application/vnd.oci.image.manifest.v1+json\", \"layers\": [");
	while (len < 1500)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			"{\"digest\": \"sha256:0000\"},");
	assert_int_equal(walk_mem(f, buf, len, &n), OG_ETAR);
	assert_non_null(strstr(og_ctx_error(f->ctx), "not a valid tar"));
	/* Short text too. */
	assert_int_equal(walk_mem(f, "{}\n", 3, &n), OG_ETAR);
}

static void test_oci_tar__truncated(void **state)
{
	fixture *f = *state;
	uint64_t n;

	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.USTAR_FORMAT) as t:\n"
		"    add(t, 'a', b'A' * 100)\n"
		"    add(t, 'b', b'B' * 5000)\n");
	/* In the middle of b's data. */
	assert_int_equal(walk_mem(f, f->data, 1024 + 512 + 2000, &n), OG_ETAR);
	assert_int_equal(n, 2);
	assert_non_null(strstr(og_ctx_error(f->ctx), "layer0: not a valid tar: "));
	rec_dispose(&f->rec);
	/* In the middle of b's header. */
	assert_int_equal(walk_mem(f, f->data, 1024 + 300, &n), OG_ETAR);
	assert_int_equal(n, 1);
	rec_dispose(&f->rec);
	/* In the middle of a's data, one byte at a time. */
	{
		mem_reader m;

		mem_init(&m, f->data, 512 + 50);
		m.step = 1;
		assert_int_equal(og_tar_walk(&n, f->ctx, &m.base, rec_cb, &f->rec, "l"), OG_ETAR);
		assert_int_equal(n, 1);
	}
	rec_dispose(&f->rec);
	/* Right after the last entry, without the end marker: valid. */
	assert_int_equal(walk_mem(f, f->data, 1024 + 512 + 5120, &n), 0);
	assert_int_equal(n, 2);
}

static void test_oci_tar__corrupt_header(void **state)
{
	fixture *f = *state;
	uint64_t n;

	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.USTAR_FORMAT) as t:\n"
		"    add(t, 'a', b'A' * 10)\n"
		"    add(t, 'b', b'B' * 10)\n"
		"d = bytearray(open(T, 'rb').read())\n"
		"d[1024 + 100] = ord('7') if d[1024 + 100] != ord('7') else ord('6')\n"
		"open(T, 'wb').write(bytes(d))\n");
	assert_int_equal(walk_mem(f, f->data, f->len, &n), OG_ETAR);
	assert_int_equal(n, 1);
	rec_dispose(&f->rec);
	/* Garbage after a valid entry. */
	memset(f->data + 1024, 'A', f->len - 1024);
	assert_int_equal(walk_mem(f, f->data, f->len, &n), OG_ETAR);
	assert_int_equal(n, 1);
}

static void test_oci_tar__one_byte_reader(void **state)
{
	fixture *f = *state;
	mem_reader m;
	rec whole;
	uint64_t n, n1;
	size_t i;

	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.PAX_FORMAT) as t:\n"
		"    add(t, 'p' * 150, b'x' * 3000)\n"
		"    add(t, 's', type=tarfile.SYMTYPE, linkname='l' * 200)\n"
		"    add(t, 'e', b'')\n"
		"    add(t, 'f', b'y' * 70000)\n");
	memset(&whole, 0, sizeof(whole));
	mem_init(&m, f->data, f->len);
	assert_int_equal(og_tar_walk(&n, f->ctx, &m.base, rec_cb, &whole, "l"), 0);
	mem_init(&m, f->data, f->len);
	m.step = 1;
	assert_int_equal(og_tar_walk(&n1, f->ctx, &m.base, rec_cb, &f->rec, "l"), 0);
	assert_int_equal(n, 4);
	assert_int_equal(n1, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(whole.items[i].path, f->rec.items[i].path);
		assert_int_equal(whole.items[i].size, f->rec.items[i].size);
		assert_int_equal(whole.items[i].type, f->rec.items[i].type);
	}
	assert_string_equal(f->rec.items[1].link, whole.items[1].link);
	assert_int_equal(f->rec.items[3].size, 70000);
	/* Every data byte went through the reader. */
	assert_true(m.pos >= 512 * 6 + 3072 + 70144);
	rec_dispose(&whole);
}

static void test_oci_tar__data_flows_through_reader(void **state)
{
	fixture *f = *state;
	mem_reader m;
	uint64_t n;

	/* Bigger than the walk's buffer, so several blocks are skipped. */
	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.USTAR_FORMAT) as t:\n"
		"    add(t, 'big', bytes(range(256)) * 8000)\n"
		"    add(t, 'tail', b'end')\n");
	mem_init(&m, f->data, f->len);
	m.step = 65536 + 7;
	assert_int_equal(og_tar_walk(&n, f->ctx, &m.base, rec_cb, &f->rec, "l"), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rec_find(&f->rec, "big")->size, 2048000);
	assert_int_equal(rec_find(&f->rec, "tail")->index, 1);
	assert_true(m.pos >= 512 + 2048000 + 1024);
}

static void test_oci_tar__failing_reader(void **state)
{
	fixture *f = *state;
	mem_reader m;
	uint64_t n;

	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.USTAR_FORMAT) as t:\n"
		"    add(t, 'a', b'A' * 100)\n"
		"    add(t, 'b', b'B' * 600000)\n"
		"    add(t, 'c', b'C')\n");
	/* Mid-way through b's data. */
	mem_init(&m, f->data, f->len);
	m.ctx = f->ctx;
	m.fail_at = 300000;
	m.fail_code = -17;
	assert_int_equal(og_tar_walk(&n, f->ctx, &m.base, rec_cb, &f->rec, "l"), -17);
	assert_int_equal(n, 2);
	assert_string_equal(og_ctx_error(f->ctx), "test reader: injected failure at 300000");
	rec_dispose(&f->rec);

	/* In a header, one byte at a time. */
	mem_init(&m, f->data, f->len);
	m.ctx = f->ctx;
	m.step = 1;
	m.fail_at = 1024 + 300;
	m.fail_code = OG_ERROR;
	assert_int_equal(og_tar_walk(&n, f->ctx, &m.base, rec_cb, &f->rec, "l"), OG_ERROR);
	assert_int_equal(n, 1);
	assert_non_null(strstr(og_ctx_error(f->ctx), "injected failure"));
	rec_dispose(&f->rec);

	/* At the very first read. */
	mem_init(&m, f->data, f->len);
	m.ctx = f->ctx;
	m.fail_at = 0;
	m.fail_code = -23;
	assert_int_equal(og_tar_walk(&n, f->ctx, &m.base, rec_cb, &f->rec, "l"), -23);
	assert_int_equal(n, 0);
	assert_int_equal(f->rec.count, 0);
}

static void test_oci_tar__max_entries(void **state)
{
	fixture *f = *state;
	uint64_t n;

	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.USTAR_FORMAT) as t:\n"
		"    for i in range(5):\n"
		"        add(t, 'f%d' % i, b'x')\n");
	f->ctx->limits.max_entries = 5;
	assert_int_equal(walk_mem(f, f->data, f->len, &n), 0);
	assert_int_equal(n, 5);
	rec_dispose(&f->rec);
	f->ctx->limits.max_entries = 4;
	assert_int_equal(walk_mem(f, f->data, f->len, &n), OG_ELIMIT);
	assert_int_equal(n, 4);
	assert_int_equal(f->rec.count, 4);
	assert_non_null(strstr(og_ctx_error(f->ctx), "layer0"));
	assert_non_null(strstr(og_ctx_error(f->ctx), "4"));
}

static void test_oci_tar__max_path(void **state)
{
	fixture *f = *state;
	uint64_t n;

	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.PAX_FORMAT) as t:\n"
		"    add(t, 'short', b'x')\n"
		"    add(t, 'a/' * 60 + 'z', b'x')\n");
	f->ctx->limits.max_path = 121;
	assert_int_equal(walk_mem(f, f->data, f->len, &n), 0);
	rec_dispose(&f->rec);
	f->ctx->limits.max_path = 120;
	assert_int_equal(walk_mem(f, f->data, f->len, &n), OG_ELIMIT);
	assert_int_equal(f->rec.count, 1);
	assert_non_null(strstr(og_ctx_error(f->ctx), "layer0"));
	assert_non_null(strstr(og_ctx_error(f->ctx), "120"));
	rec_dispose(&f->rec);

	/* Link targets are paths too. */
	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.PAX_FORMAT) as t:\n"
		"    add(t, 'l', type=tarfile.SYMTYPE, linkname='t' * 300)\n");
	f->ctx->limits.max_path = 200;
	assert_int_equal(walk_mem(f, f->data, f->len, &n), OG_ELIMIT);
	assert_int_equal(f->rec.count, 0);
}

static void test_oci_tar__callback_abort(void **state)
{
	fixture *f = *state;
	uint64_t n;

	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.USTAR_FORMAT) as t:\n"
		"    for i in range(4):\n"
		"        add(t, 'f%d' % i, b'x' * 10)\n");
	f->rec.abort_at = 2;
	f->rec.abort_code = -99;
	og_error_set(f->ctx, -99, "callback said stop");
	assert_int_equal(walk_mem(f, f->data, f->len, &n), -99);
	assert_int_equal(n, 2);
	assert_int_equal(f->rec.count, 2);
	assert_string_equal(og_ctx_error(f->ctx), "callback said stop");
}

static void test_oci_tar__no_callback(void **state)
{
	fixture *f = *state;
	mem_reader m;
	uint64_t n;

	make_tar(f,
		"with tarfile.open(T, 'w', format=tarfile.USTAR_FORMAT) as t:\n"
		"    add(t, 'a', b'x')\n"
		"    add(t, 'b', b'y')\n");
	mem_init(&m, f->data, f->len);
	assert_int_equal(og_tar_walk(&n, f->ctx, &m.base, NULL, NULL, NULL), 0);
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_oci_tar__ustar_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__pax_long_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__gnu_long_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__v7, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__empty_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__zero_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__random_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__json_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__corrupt_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__one_byte_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__data_flows_through_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__failing_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__max_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__max_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__callback_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_tar__no_callback, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
