/*
 * Readers: a pread() window on a shared fd, memory, and read-whole with a cap.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io.h"

/* One read never asks for more than this, so the count fits ssize_t and
 * off_t arithmetic never overflows. */
#define IO_MAX_CHUNK ((size_t)1 << 30)

/* ------------------------------------------------------------ fd range */

/* Blocks lent from a mapping, and how much of it stays resident behind
 * the reading position (pages further back are dropped in DROP_STEP
 * pieces; touched again, they fault back in from the page cache). */
#define MAP_BLOCK ((size_t)1 << 20)
#define MAP_KEEP ((uint64_t)6 << 20)
#define MAP_DROP_STEP ((uint64_t)2 << 20)

typedef struct {
	og_reader base;
	og_ctx *ctx;
	int fd;
	uint64_t pos; /* absolute offset of the next byte */
	uint64_t end; /* absolute offset one past the window */
	char *name;
	unsigned char *map;   /* the window's pages, or NULL */
	size_t map_len;
	uint64_t map_off;     /* file offset of map[0] (page-aligned) */
	uint64_t dropped;     /* map[0, dropped) was given back */
} fd_reader;

static ssize_t fd_read(og_reader *r, void *buf, size_t len)
{
	fd_reader *fr = (fd_reader *)r;
	uint64_t left = fr->end - fr->pos;
	ssize_t n;

	if (left == 0 || len == 0)
		return 0;
	if (len > IO_MAX_CHUNK)
		len = IO_MAX_CHUNK;
	if ((uint64_t)len > left)
		len = (size_t)left;

	/* pread leaves the shared file offset alone, so readers on one fd
	 * from several threads do not disturb each other. */
	do {
		n = pread(fr->fd, buf, len, (off_t)fr->pos);
	} while (n < 0 && errno == EINTR);

	if (n < 0)
		return og_error_set(fr->ctx, OG_ERROR, "%s: read failed: %s",
			fr->name, strerror(errno));
	if (n == 0)
		return og_error_set(fr->ctx, OG_ERROR,
			"unexpected end of file reading %s", fr->name);
	fr->pos += (uint64_t)n;
	return n;
}

static ssize_t fd_read_block(og_reader *r, const void **out)
{
	fd_reader *fr = (fd_reader *)r;
	uint64_t left = fr->end - fr->pos, rel = fr->pos - fr->map_off, upto;
	size_t n = left < MAP_BLOCK ? (size_t)left : MAP_BLOCK;
	struct stat st;

	if (n == 0)
		return 0;
	/* A page past the end of a file that shrank would fault: the size is
	 * checked before each block is lent (a truncation racing with this
	 * still faults; the CLI reports that SIGBUS). */
	if (fstat(fr->fd, &st) != 0 || (uint64_t)st.st_size < fr->pos + n)
		return og_error_set(fr->ctx, OG_ERROR,
			"%s: the file shrank while it was being read", fr->name);
	*out = fr->map + rel;
	fr->pos += n;
	if (rel > fr->dropped + MAP_KEEP + MAP_DROP_STEP) {
		upto = rel - MAP_KEEP; /* page-aligned: MAP_KEEP and map_off are */
		upto -= upto % MAP_DROP_STEP;
		(void)madvise(fr->map + fr->dropped, (size_t)(upto - fr->dropped),
			MADV_DONTNEED);
		fr->dropped = upto;
	}
	return (ssize_t)n;
}

/* Map [off, off+len) when it is worth it and the file holds it all; a
 * failure leaves the reader on pread alone. */
static void fd_map(fd_reader *fr, uint64_t off, uint64_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stat st;
	uint64_t start;
	void *m;

	if (len < OG_IO_MAP_MIN || page <= 0 || fstat(fr->fd, &st) != 0 ||
	    !S_ISREG(st.st_mode) || (uint64_t)st.st_size < off + len)
		return;
	start = off - off % (uint64_t)page;
	if (off + len - start > (uint64_t)SIZE_MAX)
		return;
	m = mmap(NULL, (size_t)(off + len - start), PROT_READ, MAP_SHARED,
		fr->fd, (off_t)start);
	if (m == MAP_FAILED)
		return;
	(void)madvise(m, (size_t)(off + len - start), MADV_SEQUENTIAL);
	fr->map = m;
	fr->map_len = (size_t)(off + len - start);
	fr->map_off = start;
	fr->base.read_block = fd_read_block;
	fr->base.blocks_stable = 1;
}

static void fd_close(og_reader *r)
{
	fd_reader *fr = (fd_reader *)r;

	if (fr->map)
		munmap(fr->map, fr->map_len);
	free(fr->name);
	free(fr);
}

int og_reader_new_fd_range(og_reader **out, og_ctx *ctx, int fd,
	uint64_t off, uint64_t len, const char *name)
{
	fd_reader *fr = NULL;
	int error = 0;

	OG_ASSERT_ARG(ctx, out != NULL);
	OG_ASSERT_ARG(ctx, fd >= 0);
	*out = NULL;
	if (!name)
		name = "(file)";

	/* The window must be addressable with off_t. */
	if (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: window %llu+%llu out of range", name,
			(unsigned long long)off, (unsigned long long)len);
		goto done;
	}

	fr = calloc(1, sizeof(*fr));
	if (!fr || !(fr->name = og__strdup(name))) {
		error = og_error_oom(ctx);
		goto done;
	}
	fr->base.read = fd_read;
	fr->base.close = fd_close;
	fr->ctx = ctx;
	fr->fd = fd;
	fr->pos = off;
	fr->end = off + len;

	/* A hint only: a failure (e.g. on a pipe) changes nothing. */
	if (len > 0)
		(void)posix_fadvise(fd, (off_t)off, (off_t)len,
			POSIX_FADV_SEQUENTIAL);
	fd_map(fr, off, len);

	*out = &fr->base;
	fr = NULL;

done:
	if (fr) {
		free(fr->name);
		free(fr);
	}
	return error;
}

/* ------------------------------------------------------------ memory */

typedef struct {
	og_reader base;
	const unsigned char *data;
	size_t len;
	size_t pos;
} mem_reader;

static ssize_t mem_read(og_reader *r, void *buf, size_t len)
{
	mem_reader *mr = (mem_reader *)r;
	size_t left = mr->len - mr->pos;

	if (len > IO_MAX_CHUNK)
		len = IO_MAX_CHUNK;
	if (len > left)
		len = left;
	if (len == 0)
		return 0;
	memcpy(buf, mr->data + mr->pos, len);
	mr->pos += len;
	return (ssize_t)len;
}

static void mem_close(og_reader *r)
{
	free(r);
}

int og_reader_new_mem(og_reader **out, const void *data, size_t len)
{
	mem_reader *mr;

	*out = NULL;
	if (!data && len > 0)
		return OG_EINVALID;
	mr = calloc(1, sizeof(*mr));
	if (!mr)
		return OG_ENOMEM;
	mr->base.read = mem_read;
	mr->base.close = mem_close;
	mr->data = data;
	mr->len = len;
	*out = &mr->base;
	return 0;
}

/* ------------------------------------------------------------ read all */

int og_reader_read_all(unsigned char **out, size_t *out_len, og_ctx *ctx,
	og_reader *r, size_t cap, const char *name)
{
	unsigned char *buf = NULL, *grown;
	size_t size = 0, used = 0, want, limit;
	ssize_t n;
	int error = 0;

	OG_ASSERT_ARG(ctx, out != NULL && out_len != NULL && r != NULL);
	*out = NULL;
	*out_len = 0;
	if (!name)
		name = "(stream)";

	/* Room for cap bytes, one more to see that the stream is longer than
	 * cap, and the NUL. */
	if (cap > SIZE_MAX - 2)
		cap = SIZE_MAX - 2;
	limit = cap + 2;

	for (;;) {
		if (used + 1 >= size) {
			if (size >= limit) {
				error = og_error_set(ctx, OG_ELIMIT,
					"%s: longer than the limit of %zu bytes",
					name, cap);
				goto done;
			}
			want = size ? (size > limit / 2 ? limit : size * 2)
				: (limit < 65536 ? limit : 65536);
			grown = realloc(buf, want);
			if (!grown) {
				error = og_error_oom(ctx);
				goto done;
			}
			buf = grown;
			size = want;
		}
		/* Never read past cap + 1 bytes. */
		n = og_reader_read(r, buf + used, size - 1 - used);
		if (n < 0) {
			error = (int)n;
			goto done;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > cap) {
			error = og_error_set(ctx, OG_ELIMIT,
				"%s: longer than the limit of %zu bytes", name, cap);
			goto done;
		}
	}

	if (!buf) {
		buf = malloc(1);
		if (!buf) {
			error = og_error_oom(ctx);
			goto done;
		}
	}
	buf[used] = '\0';
	*out = buf;
	*out_len = used;
	buf = NULL;

done:
	free(buf);
	return error;
}
