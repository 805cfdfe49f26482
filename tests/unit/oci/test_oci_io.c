/* Readers: fd windows, memory, read_all with a cap. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helpers.h"
#include "oci/io.h"

typedef struct {
	og_ctx *ctx;
	char *dir;
	char path[4200];
	unsigned char data[100000];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	size_t i;

	assert_non_null(f);
	assert_int_equal(og_ctx_new(&f->ctx), 0);
	f->dir = og_test_tmpdir();
	for (i = 0; i < sizeof(f->data); i++)
		f->data[i] = (unsigned char)(i * 7 + i / 251);
	og_test_write(f->dir, "data.bin", f->data, sizeof(f->data));
	snprintf(f->path, sizeof(f->path), "%s/data.bin", f->dir);
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

/* Read r to its end in chunks of `chunk` bytes. */
static size_t drain(og_reader *r, unsigned char *out, size_t cap, size_t chunk)
{
	size_t used = 0;
	ssize_t n;

	for (;;) {
		size_t want = chunk;

		if (want > cap - used)
			want = cap - used;
		n = og_reader_read(r, out + used, want);
		assert_true(n >= 0);
		if (n == 0)
			break;
		used += (size_t)n;
		if (used == cap) {
			unsigned char extra;

			assert_int_equal(og_reader_read(r, &extra, 1), 0);
			break;
		}
	}
	return used;
}

static void test_oci_io__fd_range_windows(void **state)
{
	fixture *f = *state;
	static const struct { uint64_t off, len; } win[] = {
		{ 0, 100000 }, { 0, 1 }, { 99999, 1 }, { 1234, 5678 },
		{ 50000, 0 }, { 100000, 0 }, { 65535, 34465 }
	};
	unsigned char *out = malloc(100000);
	og_reader *r;
	size_t i, n, chunks[] = { 1, 7, 4096, 1 << 20 }, c;
	int fd = open(f->path, O_RDONLY);

	assert_true(fd >= 0);
	assert_non_null(out);
	for (i = 0; i < sizeof(win) / sizeof(win[0]); i++) {
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			assert_int_equal(og_reader_new_fd_range(&r, f->ctx, fd,
				win[i].off, win[i].len, "data.bin"), 0);
			n = drain(r, out, (size_t)win[i].len, chunks[c]);
			assert_int_equal(n, win[i].len);
			if (n)
				assert_memory_equal(out, f->data + win[i].off, n);
			og_reader_close(r);
		}
	}
	/* The fd stays open and usable: the readers did not close it. */
	assert_int_equal(pread(fd, out, 1, 0), 1);
	close(fd);
	free(out);
}

static void test_oci_io__fd_range_short_file(void **state)
{
	fixture *f = *state;
	unsigned char buf[4096];
	og_reader *r;
	ssize_t n;
	size_t total = 0;
	int fd = open(f->path, O_RDONLY);

	assert_true(fd >= 0);
	/* The window claims 100 bytes past the end of the file. */
	assert_int_equal(og_reader_new_fd_range(&r, f->ctx, fd, 99000, 1100,
		"blob X"), 0);
	while ((n = og_reader_read(r, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	assert_int_equal(n, OG_ERROR);
	assert_int_equal(total, 1000);
	assert_non_null(strstr(og_ctx_error(f->ctx),
		"unexpected end of file reading blob X"));
	og_reader_close(r);

	/* Entirely past the end. */
	og_error_clear(f->ctx);
	assert_int_equal(og_reader_new_fd_range(&r, f->ctx, fd, 200000, 10,
		"late"), 0);
	assert_int_equal(og_reader_read(r, buf, sizeof(buf)), OG_ERROR);
	og_reader_close(r);
	close(fd);
}

static void test_oci_io__fd_range_bad_window(void **state)
{
	fixture *f = *state;
	og_reader *r = (og_reader *)1;

	assert_int_equal(og_reader_new_fd_range(&r, f->ctx, 0, UINT64_MAX - 5,
		10, "x"), OG_EINVALID);
	assert_null(r);
}

typedef struct {
	int fd;
	uint64_t off, len;
	const unsigned char *expect;
	int ok;
} thread_job;

static void *read_job(void *arg)
{
	thread_job *j = arg;
	og_ctx *ctx = NULL;
	og_reader *r = NULL;
	unsigned char buf[333];
	uint64_t pos = 0;
	ssize_t n;
	int round;

	j->ok = 0;
	if (og_ctx_new(&ctx) != 0)
		return NULL;
	for (round = 0; round < 50; round++) {
		pos = 0;
		if (og_reader_new_fd_range(&r, ctx, j->fd, j->off, j->len, "t") != 0)
			goto out;
		while ((n = og_reader_read(r, buf, sizeof(buf))) > 0) {
			if (memcmp(buf, j->expect + j->off + pos, (size_t)n) != 0)
				goto out;
			pos += (uint64_t)n;
		}
		og_reader_close(r);
		r = NULL;
		if (n != 0 || pos != j->len)
			goto out;
	}
	j->ok = 1;
out:
	og_reader_close(r);
	og_ctx_free(ctx);
	return NULL;
}

static void test_oci_io__fd_range_threads(void **state)
{
	fixture *f = *state;
	pthread_t th[4];
	thread_job jobs[4];
	int fd = open(f->path, O_RDONLY), i;

	assert_true(fd >= 0);
	for (i = 0; i < 4; i++) {
		jobs[i].fd = fd;
		jobs[i].off = (uint64_t)i * 20000 + 13;
		jobs[i].len = 30000;
		jobs[i].expect = f->data;
		assert_int_equal(pthread_create(&th[i], NULL, read_job, &jobs[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(jobs[i].ok);
	}
	close(fd);
}

static void test_oci_io__mem(void **state)
{
	fixture *f = *state;
	unsigned char *out = malloc(100000);
	og_reader *r;
	size_t n;

	assert_non_null(out);
	assert_int_equal(og_reader_new_mem(&r, f->data, sizeof(f->data)), 0);
	n = drain(r, out, sizeof(f->data), 999);
	assert_int_equal(n, sizeof(f->data));
	assert_memory_equal(out, f->data, n);
	assert_int_equal(og_reader_read(r, out, 10), 0);
	og_reader_close(r);

	assert_int_equal(og_reader_new_mem(&r, NULL, 0), 0);
	assert_int_equal(og_reader_read(r, out, 10), 0);
	og_reader_close(r);
	og_reader_close(NULL);
	free(out);
}

static void test_oci_io__read_all(void **state)
{
	fixture *f = *state;
	unsigned char *out = NULL;
	size_t len = 0;
	og_reader *r;
	static const char text[] = "{\"schemaVersion\":2}";

	/* Under the cap, and exactly at it. */
	assert_int_equal(og_reader_new_mem(&r, f->data, sizeof(f->data)), 0);
	assert_int_equal(og_reader_read_all(&out, &len, f->ctx, r,
		sizeof(f->data), "big.json"), 0);
	assert_int_equal(len, sizeof(f->data));
	assert_memory_equal(out, f->data, len);
	assert_int_equal(out[len], 0);
	free(out);
	og_reader_close(r);

	assert_int_equal(og_reader_new_mem(&r, text, strlen(text)), 0);
	assert_int_equal(og_reader_read_all(&out, &len, f->ctx, r, 1 << 20,
		"index.json"), 0);
	assert_int_equal(len, strlen(text));
	assert_string_equal((char *)out, text);
	free(out);
	og_reader_close(r);

	/* Empty. */
	assert_int_equal(og_reader_new_mem(&r, NULL, 0), 0);
	assert_int_equal(og_reader_read_all(&out, &len, f->ctx, r, 10, "e"), 0);
	assert_int_equal(len, 0);
	assert_int_equal(out[0], 0);
	free(out);
	og_reader_close(r);

	/* One byte over the cap. */
	assert_int_equal(og_reader_new_mem(&r, f->data, sizeof(f->data)), 0);
	out = (unsigned char *)1;
	assert_int_equal(og_reader_read_all(&out, &len, f->ctx, r,
		sizeof(f->data) - 1, "manifest sha256:abc"), OG_ELIMIT);
	assert_null(out);
	assert_non_null(strstr(og_ctx_error(f->ctx), "manifest sha256:abc"));
	assert_non_null(strstr(og_ctx_error(f->ctx), "99999"));
	og_reader_close(r);

	/* Cap 0. */
	assert_int_equal(og_reader_new_mem(&r, text, 1), 0);
	assert_int_equal(og_reader_read_all(&out, &len, f->ctx, r, 0, "z"),
		OG_ELIMIT);
	og_reader_close(r);
}

/* A reader that fails: read_all passes its code on. */
static ssize_t fail_read(og_reader *r, void *buf, size_t len)
{
	(void)r;
	(void)buf;
	(void)len;
	return OG_ENOTFOUND;
}

static void fail_close(og_reader *r)
{
	(void)r;
}

static void test_oci_io__read_all_error(void **state)
{
	fixture *f = *state;
	og_reader r = { fail_read, fail_close, NULL, 0 };
	unsigned char *out = NULL;
	size_t len = 7;

	assert_int_equal(og_reader_read_all(&out, &len, f->ctx, &r, 100, "x"),
		OG_ENOTFOUND);
	assert_null(out);
	assert_int_equal(len, 0);
}

/* A window of a file of at least OG_IO_MAP_MIN bytes is mapped: read_block
 * lends stable blocks, equal to the file; a block lent early still reads
 * the same after the reader moved past it (its pages were given back). */
static void test_oci_io__fd_range_mapped(void **state)
{
	fixture *f = *state;
	size_t size = (size_t)24 << 20, i, used = 0, nblocks = 0;
	unsigned char *big = malloc(size), *out = malloc(size);
	const unsigned char *first = NULL;
	const void *blk;
	char path[4300];
	og_reader *r;
	ssize_t n;
	int fd;

	assert_non_null(big);
	assert_non_null(out);
	for (i = 0; i < size; i++)
		big[i] = (unsigned char)(i * 131 + i / 4093);
	og_test_write(f->dir, "big.bin", big, size);
	snprintf(path, sizeof(path), "%s/big.bin", f->dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);

	/* At an offset that is not page-aligned, to the end of the file. */
	assert_int_equal(og_reader_new_fd_range(&r, f->ctx, fd, 12345, size - 12345,
		"big"), 0);
	assert_non_null(r->read_block);
	assert_true(r->blocks_stable);
	while ((n = r->read_block(r, &blk)) > 0) {
		if (!first)
			first = blk;
		memcpy(out + used, blk, (size_t)n);
		used += (size_t)n;
		nblocks++;
	}
	assert_int_equal(n, 0);
	assert_int_equal(used, size - 12345);
	assert_true(nblocks > 1);
	assert_memory_equal(out, big + 12345, used);
	assert_memory_equal(first, big + 12345, (size_t)1 << 20);
	og_reader_close(r);

	/* read() still works on a mapped window (pread). */
	assert_int_equal(og_reader_new_fd_range(&r, f->ctx, fd, 0, size, "big"), 0);
	assert_int_equal(drain(r, out, size, (size_t)3 << 20), size);
	assert_memory_equal(out, big, size);
	og_reader_close(r);

	/* A small window is not mapped. */
	assert_int_equal(og_reader_new_fd_range(&r, f->ctx, fd, 0, 4096, "small"), 0);
	assert_null(r->read_block);
	og_reader_close(r);

	/* The file shrinks under a mapped reader: the next block is refused
	 * (a page past the end would fault), with the file named. */
	assert_int_equal(og_reader_new_fd_range(&r, f->ctx, fd, 0, size, "shrinking"), 0);
	assert_int_equal(r->read_block(r, &blk), (ssize_t)1 << 20);
	assert_memory_equal(blk, big, (size_t)1 << 20);
	assert_int_equal(ftruncate(fd, (off_t)3 << 20), -1); /* read-only fd */
	{
		int wfd = open(path, O_WRONLY);

		assert_true(wfd >= 0);
		assert_int_equal(ftruncate(wfd, (off_t)(3 << 20) / 2), 0);
		close(wfd);
	}
	assert_int_equal(r->read_block(r, &blk), OG_ERROR);
	assert_non_null(strstr(og_ctx_error(f->ctx), "shrinking: the file shrank"));
	og_reader_close(r);
	og_test_write(f->dir, "big.bin", big, size);

	/* A window past the end of the file is not mapped (no fault): reads
	 * fail as for any short file. */
	assert_int_equal(og_reader_new_fd_range(&r, f->ctx, fd, 0, size + 4096,
		"longer"), 0);
	assert_null(r->read_block);
	og_reader_close(r);
	close(fd);
	free(big);
	free(out);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_oci_io__fd_range_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_io__fd_range_short_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_io__fd_range_bad_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_io__fd_range_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_io__fd_range_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_io__mem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_io__read_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oci_io__read_all_error, setup, teardown),
	};

	/* -s NAME runs only the tests matching NAME. */
	if (argc > 2 && strcmp(argv[1], "-s") == 0)
		cmocka_set_test_filter(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
