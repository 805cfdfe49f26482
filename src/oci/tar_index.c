/*
 * A tar archive as an og_fs, read in place. libarchive walks the headers
 * once (entry data is skipped, never read); each regular entry's data offset
 * and size go into a table, and opening an entry is a pread() window on the
 * archive's one fd, so several entries can stream at once from several
 * threads. A gzip (or zstd) compressed archive is first inflated once into
 * an unlinked temporary file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include "arena.h"
#include "decode.h"
#include "fs.h"

#define TAR_MAX_HOPS 16          /* links followed in one lookup */
#define TAR_PATH_MAX 8192        /* longest path a lookup handles */
#define TAR_READ_BLOCK ((size_t)64 * 1024)
#define TAR_COPY_BUF ((size_t)1 << 20)

typedef enum {
	TE_FILE = 0,
	TE_DIR,
	TE_SYMLINK,
	TE_HARDLINK,
	TE_OTHER
} te_type_t;

typedef struct {
	const char *path;   /* normalised; in the arena */
	const char *target; /* symlink: as stored; hardlink: normalised */
	uint64_t off;       /* data offset in the (inflated) file */
	uint64_t size;
	uint32_t hash;
	uint32_t path_len;
	te_type_t type;
} tar_entry;

typedef struct {
	og_fs base;
	int fd;
	char *name;
	uint64_t file_size;
	tar_entry *entries;
	size_t n_entries, cap_entries;
	uint32_t *slots;    /* open addressing: entry index + 1, 0 = empty */
	size_t n_slots;     /* a power of two */
	og_arena arena;     /* the paths */
} tar_fs;

/* ------------------------------------------------------------ strings */

static uint32_t path_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * Normalise an archive path into out (size cap): drop leading "/", empty and
 * "." components, resolve ".." lexically. Returns the length, 0 for the
 * root itself, or -1 when the path climbs above the root or is too long.
 */
static long normalize(char *out, size_t cap, const char *path)
{
	const char *p = path, *q;
	size_t len = 0, n;

	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		for (q = p; *q && *q != '/'; q++)
			;
		n = (size_t)(q - p);
		if (n == 1 && p[0] == '.') {
			p = q;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (len == 0)
				return -1;
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			p = q;
			continue;
		}
		if (len + n + 2 > cap)
			return -1;
		if (len > 0)
			out[len++] = '/';
		memcpy(out + len, p, n);
		len += n;
		p = q;
	}
	out[len] = '\0';
	return (long)len;
}

/* ------------------------------------------------------------ lookup */

static const tar_entry *lookup(const tar_fs *t, const char *path, size_t len)
{
	uint32_t h = path_hash(path, len);
	size_t mask = t->n_slots - 1, i;
	const tar_entry *e;

	if (!t->n_slots)
		return NULL;
	for (i = h & mask; t->slots[i]; i = (i + 1) & mask) {
		e = &t->entries[t->slots[i] - 1];
		if (e->hash == h && e->path_len == len &&
		    memcmp(e->path, path, len) == 0)
			return e;
	}
	return NULL;
}

static int build_table(tar_fs *t)
{
	size_t n = 16, i, j, mask;
	const tar_entry *e, *o;

	while (n < t->n_entries * 2)
		n *= 2;
	t->slots = calloc(n, sizeof(*t->slots));
	if (!t->slots)
		return OG_ENOMEM;
	t->n_slots = n;
	mask = n - 1;
	/* In archive order, so a later entry with the same path replaces an
	 * earlier one, as extraction would. */
	for (i = 0; i < t->n_entries; i++) {
		e = &t->entries[i];
		for (j = e->hash & mask; t->slots[j]; j = (j + 1) & mask) {
			o = &t->entries[t->slots[j] - 1];
			if (o->hash == e->hash && o->path_len == e->path_len &&
			    memcmp(o->path, e->path, e->path_len) == 0)
				break;
		}
		t->slots[j] = (uint32_t)(i + 1);
	}
	return 0;
}

/* Pop the last component of cur[0..*len). */
static void pop_component(char *cur, size_t *len)
{
	while (*len > 0 && cur[*len - 1] != '/')
		(*len)--;
	if (*len > 0)
		(*len)--;
	cur[*len] = '\0';
}

/*
 * Find the regular file at path, following symlinks (relative to the link's
 * directory; absolute ones from the archive root) and hardlinks (archive
 * paths) in every component, at most TAR_MAX_HOPS times, never above the
 * root. NULL if there is none.
 */
static const tar_entry *resolve(const tar_fs *t, const char *path)
{
	char cur[TAR_PATH_MAX], rest[TAR_PATH_MAX], next[TAR_PATH_MAX];
	const char *p, *q;
	const tar_entry *e;
	size_t cur_len = 0, n, tl, pl;
	unsigned int hops = 0;

	if (!path || strlen(path) >= sizeof(rest))
		return NULL;
	memcpy(rest, path, strlen(path) + 1);
	cur[0] = '\0';
	p = rest;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		for (q = p; *q && *q != '/'; q++)
			;
		n = (size_t)(q - p);
		if (n == 1 && p[0] == '.') {
			p = q;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (cur_len == 0)
				return NULL;
			pop_component(cur, &cur_len);
			p = q;
			continue;
		}
		if (cur_len + n + 2 > sizeof(cur))
			return NULL;
		if (cur_len > 0)
			cur[cur_len++] = '/';
		memcpy(cur + cur_len, p, n);
		cur_len += n;
		cur[cur_len] = '\0';
		p = q;

		e = lookup(t, cur, cur_len);
		if (!e || (e->type != TE_SYMLINK && e->type != TE_HARDLINK))
			continue;
		if (++hops > TAR_MAX_HOPS)
			return NULL;
		/* Walk the link target, then what was left of the path. */
		tl = strlen(e->target);
		pl = strlen(p);
		if (tl + pl + 2 > sizeof(next))
			return NULL;
		memcpy(next, e->target, tl);
		next[tl] = '/';
		memcpy(next + tl + 1, p, pl + 1);
		memcpy(rest, next, tl + pl + 2);
		p = rest;
		if (e->type == TE_HARDLINK || e->target[0] == '/') {
			cur_len = 0;
			cur[0] = '\0';
		} else {
			pop_component(cur, &cur_len);
		}
	}

	if (cur_len == 0)
		return NULL;
	e = lookup(t, cur, cur_len);
	return e && e->type == TE_FILE ? e : NULL;
}

/* ------------------------------------------------------------ og_fs */

static int tar_stat(og_fs *fs, const char *path, uint64_t *size)
{
	const tar_entry *e = resolve((const tar_fs *)fs, path);

	if (!e)
		return OG_ENOTFOUND;
	if (size)
		*size = e->size;
	return 0;
}

static int tar_open(og_reader **out, uint64_t *size, og_fs *fs, og_ctx *ctx,
	const char *path)
{
	tar_fs *t = (tar_fs *)fs;
	const tar_entry *e;
	char *name = NULL;
	int error = 0;

	*out = NULL;
	e = resolve(t, path);
	if (!e) {
		error = og_error_set(ctx, OG_ENOTFOUND, "%s:%s: no such file",
			t->name, path ? path : "");
		goto done;
	}
	name = og__asprintf("%s:%s", t->name, path);
	if (!name) {
		error = og_error_oom(ctx);
		goto done;
	}
	if ((error = og_reader_new_fd_range(out, ctx, t->fd, e->off, e->size,
	    name)) < 0)
		goto done;
	if (size)
		*size = e->size;

done:
	free(name);
	return error;
}

static void tar_free(og_fs *fs)
{
	tar_fs *t = (tar_fs *)fs;

	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	og_arena_dispose(&t->arena);
	free(t->entries);
	free(t->slots);
	free(t->name);
	free(t);
}

/* ------------------------------------------------------------ indexing */

/* The archive as libarchive sees it: positioned reads, and skips that only
 * move the cursor (clamped to the end of the file, never read past it). */
typedef struct {
	int fd;
	uint64_t size;
	uint64_t pos;
	unsigned char *buf;
	int io_errno;       /* a read failed: an error, not a damaged archive */
} tar_src;

static la_ssize_t src_read(struct archive *a, void *data, const void **buf)
{
	tar_src *s = data;
	size_t want = TAR_READ_BLOCK, got = 0;
	ssize_t n;

	if (s->size - s->pos < (uint64_t)want)
		want = (size_t)(s->size - s->pos);
	while (got < want) {
		n = pread(s->fd, s->buf + got, want - got,
			(off_t)(s->pos + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->io_errno = errno;
			archive_set_error(a, errno, "read failed");
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	s->pos += got;
	*buf = s->buf;
	return (la_ssize_t)got;
}

static la_int64_t src_skip(struct archive *a, void *data, la_int64_t request)
{
	tar_src *s = data;
	uint64_t left = s->size - s->pos;
	uint64_t n = request > 0 ? (uint64_t)request : 0;

	(void)a;
	if (n > left)
		n = left;
	s->pos += n;
	return (la_int64_t)n;
}

static int add_entry(tar_fs *t, og_ctx *ctx, const tar_entry *e)
{
	tar_entry *grown;
	size_t cap;

	if (t->n_entries == t->cap_entries) {
		cap = t->cap_entries ? t->cap_entries * 2 : 256;
		grown = realloc(t->entries, cap * sizeof(*grown));
		if (!grown)
			return og_error_oom(ctx);
		t->entries = grown;
		t->cap_entries = cap;
	}
	t->entries[t->n_entries++] = *e;
	return 0;
}

/*
 * Record one header. Returns 0, 1 when the entry's data runs past the end
 * of the file (the archive is truncated there), or a negative code.
 */
static int record(tar_fs *t, og_ctx *ctx, struct archive_entry *ae,
	uint64_t data_off, char *norm)
{
	tar_entry e;
	const char *path, *link;
	long len, tlen;

	memset(&e, 0, sizeof(e));
	path = archive_entry_pathname(ae);
	if (!path)
		path = archive_entry_pathname_utf8(ae);
	if (!path)
		return 0;
	len = normalize(norm, TAR_PATH_MAX, path);
	if (len <= 0)
		return 0; /* the root, or outside it: nothing can name it */

	if ((link = archive_entry_hardlink(ae)) != NULL ||
	    (link = archive_entry_hardlink_utf8(ae)) != NULL) {
		e.type = TE_HARDLINK;
	} else {
		switch (archive_entry_filetype(ae)) {
		case AE_IFREG:
			/* Sparse data is not stored contiguously. */
			e.type = archive_entry_sparse_count(ae) > 0 ?
				TE_OTHER : TE_FILE;
			break;
		case AE_IFDIR:
			e.type = TE_DIR;
			break;
		case AE_IFLNK:
			e.type = TE_SYMLINK;
			link = archive_entry_symlink(ae);
			if (!link)
				link = archive_entry_symlink_utf8(ae);
			if (!link || !*link)
				e.type = TE_OTHER;
			break;
		default:
			e.type = TE_OTHER;
			break;
		}
	}

	if (e.type == TE_FILE) {
		e.off = data_off;
		e.size = archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0 ?
			(uint64_t)archive_entry_size(ae) : 0;
		if (e.off > t->file_size || e.size > t->file_size - e.off)
			return 1;
	}

	/* Hardlink targets are archive paths: normalise them now. The path
	 * is copied first, since the target reuses the scratch buffer. */
	e.path = og_arena_strndup(&t->arena, norm, (size_t)len);
	if (!e.path)
		return og_error_oom(ctx);
	e.path_len = (uint32_t)len;
	e.hash = path_hash(norm, (size_t)len);
	if (e.type == TE_HARDLINK) {
		tlen = normalize(norm, TAR_PATH_MAX, link);
		if (tlen <= 0) {
			e.type = TE_OTHER;
		} else if (!(e.target = og_arena_strndup(&t->arena, norm, (size_t)tlen))) {
			return og_error_oom(ctx);
		}
	} else if (e.type == TE_SYMLINK) {
		if (!(e.target = og_arena_strndup(&t->arena, link, strlen(link))))
			return og_error_oom(ctx);
	}
	return add_entry(t, ctx, &e);
}

static int index_archive(tar_fs *t, og_ctx *ctx, const char *path)
{
	struct archive *a = NULL;
	struct archive_entry *ae;
	tar_src src;
	char *norm = NULL;
	size_t headers = 0, max = ctx ? ctx->limits.max_archive_entries : 1u << 20;
	int error = 0, r, clean_end = 0;

	memset(&src, 0, sizeof(src));
	src.fd = t->fd;
	src.size = t->file_size;
	src.buf = malloc(TAR_READ_BLOCK);
	norm = malloc(TAR_PATH_MAX);
	a = archive_read_new();
	if (!src.buf || !norm || !a) {
		error = og_error_oom(ctx);
		goto done;
	}
	if (max > UINT32_MAX - 1)
		max = UINT32_MAX - 1; /* the table stores 32-bit indexes */

	if (archive_read_support_format_tar(a) == ARCHIVE_OK &&
	    archive_read_open2(a, &src, NULL, src_read, src_skip, NULL) ==
	    ARCHIVE_OK) {
		for (;;) {
			r = archive_read_next_header(a, &ae);
			if (r == ARCHIVE_EOF) {
				clean_end = 1;
				break;
			}
			/* Damage: keep what was indexed before it. */
			if (r < ARCHIVE_WARN)
				break;
			if (++headers > max) {
				error = og_error_set(ctx, OG_ELIMIT,
					"%s: more than %zu entries", path, max);
				goto done;
			}
			/* Right after the header, the position of the first
			 * filter (the tar bytes) is the offset of the entry's
			 * data in the file. */
			r = record(t, ctx, ae,
				(uint64_t)archive_filter_bytes(a, 0), norm);
			if (r < 0) {
				error = r;
				goto done;
			}
			if (r > 0)
				break; /* data cut off: truncated here */
		}
	}

	if (src.io_errno) {
		error = og_error_set(ctx, OG_ERROR, "%s: %s", path,
			strerror(src.io_errno));
		goto done;
	}
	/* An archive that ends cleanly with no entries is an empty tar. */
	if (t->n_entries == 0 && !clean_end) {
		if (headers == 0)
			error = og_error_set(ctx, OG_EINVALID,
				"%s: not a tar archive", path);
		else
			error = og_error_set(ctx, OG_EINVALID,
				"%s: truncated tar archive (no complete entry)",
				path);
		goto done;
	}
	if (build_table(t) < 0)
		error = og_error_oom(ctx);

done:
	if (a)
		archive_read_free(a);
	free(src.buf);
	free(norm);
	return error;
}

/* ------------------------------------------------------------ gzip */

static int make_temp(int *out, og_ctx *ctx, const char *path)
{
	const char *dir = getenv("TMPDIR");
	char *tmpl = NULL;
	int fd, error = 0;

	if (!dir || !*dir)
		dir = "/tmp";
	/* Unnamed from the start: nothing is left behind, even on a crash. */
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		tmpl = og__asprintf("%s/ocigate-XXXXXX", dir);
		if (!tmpl) {
			error = og_error_oom(ctx);
			goto done;
		}
		fd = mkostemp(tmpl, O_CLOEXEC);
		if (fd >= 0)
			(void)unlink(tmpl);
	}
	if (fd < 0) {
		error = og_error_set(ctx, OG_ERROR,
			"%s: cannot create a temporary file in %s: %s", path, dir,
			strerror(errno));
		goto done;
	}
	*out = fd;

done:
	free(tmpl);
	return error;
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Inflate the compressed archive on t->fd into an unlinked temporary file,
 * which then replaces it. */
static int inflate_archive(tar_fs *t, og_ctx *ctx, const char *path)
{
	og_reader *raw = NULL, *dec = NULL;
	unsigned char *buf = NULL;
	uint64_t total = 0;
	ssize_t n;
	int tmp = -1, error = 0;

	if ((error = make_temp(&tmp, ctx, path)) < 0)
		goto done;
	if ((error = og_reader_new_fd_range(&raw, ctx, t->fd, 0, t->file_size,
	    path)) < 0 ||
	    (error = og_decoder_new(&dec, ctx, raw, path)) < 0)
		goto done;
	buf = malloc(TAR_COPY_BUF);
	if (!buf) {
		error = og_error_oom(ctx);
		goto done;
	}
	while ((n = og_reader_read(dec, buf, TAR_COPY_BUF)) > 0) {
		if (write_all(tmp, buf, (size_t)n) < 0) {
			error = og_error_set(ctx, OG_ERROR,
				"%s: cannot write the inflated archive: %s", path,
				strerror(errno));
			goto done;
		}
		total += (uint64_t)n;
		/* The temp file is bounded like a layer: a decompression bomb
		 * posing as `docker save | gzip` must not fill $TMPDIR. */
		if (total > OG_RATIO_FLOOR &&
		    (total / OG_DEFAULT_MAX_RATIO > t->file_size ||
		     total > OG_DEFAULT_MAX_UNCOMPRESSED)) {
			error = og_error_set(ctx, OG_ELIMIT,
				"%s: the compressed archive inflates past %llu bytes, over %u times "
				"its size of %llu bytes: not inflated further (a decompression bomb?)",
				path, (unsigned long long)total, OG_DEFAULT_MAX_RATIO,
				(unsigned long long)t->file_size);
			goto done;
		}
	}
	if (n < 0) {
		/* The raw reader's failure (an I/O error) is already on ctx. */
		error = n == OG_ESTREAM ?
			(ctx && ctx->error_code ? ctx->error_code : OG_ERROR) :
			(int)n;
		goto done;
	}

	close(t->fd);
	t->fd = tmp;
	t->file_size = total;
	tmp = -1;

done:
	og_reader_close(dec);
	og_reader_close(raw);
	free(buf);
	if (tmp >= 0)
		close(tmp);
	return error;
}

/* ------------------------------------------------------------ open */

int og_fs_open_tar(og_fs **out, og_ctx *ctx, const char *path)
{
	tar_fs *t = NULL;
	struct stat st;
	unsigned char magic[4];
	ssize_t n;
	int error = 0;

	OG_ASSERT_ARG(ctx, out != NULL && path != NULL);
	*out = NULL;

	t = calloc(1, sizeof(*t));
	if (!t) {
		error = og_error_oom(ctx);
		goto done;
	}
	t->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (t->fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			error = og_error_set(ctx, OG_ENOTFOUND,
				"%s: no such file", path);
		else
			error = og_error_set(ctx, OG_ERROR, "%s: %s", path,
				strerror(errno));
		goto done;
	}
	if (fstat(t->fd, &st) != 0) {
		error = og_error_set(ctx, OG_ERROR, "%s: %s", path,
			strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: is a directory, not a tar archive", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: not a regular file", path);
		goto done;
	}
	t->file_size = (uint64_t)st.st_size;
	t->name = og__strdup(path);
	if (!t->name) {
		error = og_error_oom(ctx);
		goto done;
	}
	t->base.stat = tar_stat;
	t->base.open = tar_open;
	t->base.free = tar_free;
	t->base.name = t->name;

	if (t->file_size == 0) {
		error = og_error_set(ctx, OG_EINVALID, "%s: not a tar archive",
			path);
		goto done;
	}

	do {
		n = pread(t->fd, magic, sizeof(magic), 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		error = og_error_set(ctx, OG_ERROR, "%s: %s", path,
			strerror(errno));
		goto done;
	}
	if (og_compression_sniff(magic, (size_t)n) != OG_COMP_NONE &&
	    (error = inflate_archive(t, ctx, path)) < 0)
		goto done;

	if ((error = index_archive(t, ctx, path)) < 0)
		goto done;

	*out = &t->base;
	t = NULL;

done:
	if (t)
		tar_free(&t->base);
	return error;
}
