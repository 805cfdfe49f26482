/*
 * A directory as an og_fs: files are opened with openat() relative to the
 * directory's fd, so the tree keeps working if the process changes its
 * working directory, and each file is read with pread() through its own fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fs.h"

typedef struct {
	og_fs base;
	int dirfd;
	char *name;
} dir_fs;

/* A window reader over a file this reader opened itself: closing the
 * reader closes the file. */
typedef struct {
	og_reader base;
	og_reader *inner;
	int fd;
} dir_reader;

static ssize_t dir_reader_read(og_reader *r, void *buf, size_t len)
{
	dir_reader *dr = (dir_reader *)r;

	return og_reader_read(dr->inner, buf, len);
}

static ssize_t dir_reader_read_block(og_reader *r, const void **out)
{
	dir_reader *dr = (dir_reader *)r;

	return dr->inner->read_block(dr->inner, out);
}

static void dir_reader_close(og_reader *r)
{
	dir_reader *dr = (dir_reader *)r;

	og_reader_close(dr->inner);
	if (dr->fd >= 0)
		close(dr->fd);
	free(dr);
}

/*
 * Paths name files inside the tree: relative, "/"-separated. An absolute
 * path or a ".." component could reach outside, so they are refused.
 */
static int path_ok(const char *path)
{
	const char *p = path, *end;
	size_t n;

	if (!path || !*path || *path == '/')
		return 0;
	while (*p) {
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		if (*p == '/')
			p++;
	}
	return 1;
}

static int dir_stat(og_fs *fs, const char *path, uint64_t *size)
{
	dir_fs *d = (dir_fs *)fs;
	struct stat st;

	if (!path_ok(path))
		return OG_ENOTFOUND;
	if (fstatat(d->dirfd, path, &st, 0) != 0 || !S_ISREG(st.st_mode))
		return OG_ENOTFOUND;
	if (size)
		*size = (uint64_t)st.st_size;
	return 0;
}

static int dir_open(og_reader **out, uint64_t *size, og_fs *fs, og_ctx *ctx,
	const char *path)
{
	dir_fs *d = (dir_fs *)fs;
	dir_reader *dr = NULL;
	struct stat st;
	char *name = NULL;
	int fd = -1, error = 0, flags;

	*out = NULL;
	if (!path_ok(path)) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: path \"%s\" is not inside the directory", d->name,
			path ? path : "");
		goto done;
	}

	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	fd = openat(d->dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
		    errno == EISDIR)
			error = og_error_set(ctx, OG_ENOTFOUND,
				"%s/%s: no such file", d->name, path);
		else
			error = og_error_set(ctx, OG_ERROR, "%s/%s: %s", d->name,
				path, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) != 0) {
		error = og_error_set(ctx, OG_ERROR, "%s/%s: %s", d->name, path,
			strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		error = og_error_set(ctx, OG_ENOTFOUND,
			"%s/%s: not a regular file", d->name, path);
		goto done;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);

	name = og__asprintf("%s/%s", d->name, path);
	dr = calloc(1, sizeof(*dr));
	if (!name || !dr) {
		error = og_error_oom(ctx);
		goto done;
	}
	dr->fd = -1;
	error = og_reader_new_fd_range(&dr->inner, ctx, fd, 0,
		(uint64_t)st.st_size, name);
	if (error < 0)
		goto done;
	dr->base.read = dir_reader_read;
	if (dr->inner->read_block)
		dr->base.read_block = dir_reader_read_block;
	dr->base.blocks_stable = dr->inner->blocks_stable;
	dr->base.close = dir_reader_close;
	dr->fd = fd;
	fd = -1;
	if (size)
		*size = (uint64_t)st.st_size;
	*out = &dr->base;
	dr = NULL;

done:
	if (dr)
		dir_reader_close(&dr->base);
	if (fd >= 0)
		close(fd);
	free(name);
	return error;
}

static void dir_free(og_fs *fs)
{
	dir_fs *d = (dir_fs *)fs;

	if (!d)
		return;
	if (d->dirfd >= 0)
		close(d->dirfd);
	free(d->name);
	free(d);
}

int og_fs_open_dir(og_fs **out, og_ctx *ctx, const char *path)
{
	dir_fs *d = NULL;
	int error = 0;

	OG_ASSERT_ARG(ctx, out != NULL && path != NULL);
	*out = NULL;

	d = calloc(1, sizeof(*d));
	if (!d) {
		error = og_error_oom(ctx);
		goto done;
	}
	d->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0) {
		if (errno == ENOENT)
			error = og_error_set(ctx, OG_ENOTFOUND,
				"%s: no such directory", path);
		else if (errno == ENOTDIR)
			error = og_error_set(ctx, OG_EINVALID,
				"%s: not a directory", path);
		else
			error = og_error_set(ctx, OG_ERROR, "%s: %s", path,
				strerror(errno));
		goto done;
	}
	d->name = og__strdup(path);
	if (!d->name) {
		error = og_error_oom(ctx);
		goto done;
	}
	d->base.stat = dir_stat;
	d->base.open = dir_open;
	d->base.free = dir_free;
	d->base.name = d->name;
	*out = &d->base;
	d = NULL;

done:
	if (d) {
		if (d->dirfd >= 0)
			close(d->dirfd);
		free(d->name);
		free(d);
	}
	return error;
}

int og_fs_kind(const char *path)
{
	struct stat st;

	if (!path || stat(path, &st) != 0)
		return OG_ENOTFOUND;
	if (S_ISDIR(st.st_mode))
		return 1;
	if (S_ISREG(st.st_mode))
		return 2;
	return OG_ENOTFOUND;
}
