/*
 * The tar walk of a layer: libarchive's tar reader (ustar, pax, GNU, v7)
 * over an og_reader, no filters (the stream is already decoded).
 *
 * Data flows from the reader into one fixed buffer per walk and libarchive
 * reads its headers from that buffer in place; entry data is skipped by
 * consuming those same buffers (no seek or skip callback), so every byte of
 * the layer passes through the reader exactly once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include "tar.h"

/* Large blocks: few callback round trips, and a header rarely straddles two
 * blocks (which would make libarchive copy it). */
#define TAR_BUF_SIZE ((size_t)512 << 10)

typedef struct walk {
	og_reader *r;
	unsigned char *buf;
	size_t cap;
	uint64_t total;  /* bytes handed to libarchive */
	int rerr;        /* the reader's negative code, 0 if it never failed */
	int eof;         /* the reader said end of stream */
} walk;

/*
 * Hand libarchive the next block. The buffer is filled as far as the reader
 * allows so a reader that returns small pieces (down to one byte) still
 * gives libarchive large blocks. A reader failure is remembered and
 * reported to libarchive on the next call.
 */
static la_ssize_t read_cb(struct archive *a, void *client, const void **out)
{
	walk *w = client;
	size_t got = 0;
	ssize_t n;

	if (w->r->read_block) {
		/* Zero copy: hand libarchive the reader's own block. */
		n = w->eof || w->rerr ? 0 : w->r->read_block(w->r, out);
		if (n < 0) {
			w->rerr = (int)n;
			archive_set_error(a, EIO, "read error");
			return ARCHIVE_FATAL;
		}
		if (n == 0)
			w->eof = 1;
		w->total += (size_t)n;
		return (la_ssize_t)n;
	}
	*out = w->buf;
	while (!w->rerr && !w->eof && got < w->cap) {
		n = og_reader_read(w->r, w->buf + got, w->cap - got);
		if (n < 0)
			w->rerr = (int)n;
		else if (n == 0)
			w->eof = 1;
		else
			got += (size_t)n;
	}
	/* What came before a failure goes first, so its entries are seen. */
	if (got == 0 && w->rerr) {
		archive_set_error(a, EIO, "read error");
		return ARCHIVE_FATAL;
	}
	w->total += got;
	return (la_ssize_t)got;
}

static og_entry_type_t entry_type(struct archive_entry *ae)
{
	if (archive_entry_hardlink(ae) || archive_entry_hardlink_utf8(ae))
		return OG_ENTRY_HARDLINK;
	switch (archive_entry_filetype(ae)) {
	case AE_IFREG:
		return OG_ENTRY_FILE;
	case AE_IFDIR:
		return OG_ENTRY_DIR;
	case AE_IFLNK:
		return OG_ENTRY_SYMLINK;
	case AE_IFCHR:
		return OG_ENTRY_CHAR;
	case AE_IFBLK:
		return OG_ENTRY_BLOCK;
	case AE_IFIFO:
		return OG_ENTRY_FIFO;
	default:
		return OG_ENTRY_OTHER;
	}
}

/* The locale form when libarchive has one, else the UTF-8 form (asked only
 * then: each _utf8 call may open an iconv conversion). */
#define PICK(ae, field) \
	(archive_entry_##field(ae) ? archive_entry_##field(ae) : \
	 archive_entry_##field##_utf8(ae))

/* The failure of a libarchive call: the reader's code if the reader broke
 * (its message stays), else OG_ETAR. */
static int tar_error(og_ctx *ctx, const walk *w, struct archive *a,
	const char *name)
{
	const char *msg;

	if (w->rerr)
		return w->rerr;
	msg = archive_error_string(a);
	return og_error_set(ctx, OG_ETAR, "%s: not a valid tar: %s", name,
		msg ? msg : "unreadable header");
}

static int fill_entry(og_entry *e, og_ctx *ctx, struct archive_entry *ae,
	uint64_t index, const char *name)
{
	size_t max_path = ctx ? ctx->limits.max_path : 0;
	la_int64_t size;
	int error = 0;

	memset(e, 0, sizeof(*e));
	e->index = index;
	e->type = entry_type(ae);
	e->path = PICK(ae, pathname);
	if (!e->path) {
		error = og_error_set(ctx, OG_ETAR,
			"%s: not a valid tar: entry %" PRIu64 " has no name", name, index);
		goto done;
	}
	if (e->type == OG_ENTRY_HARDLINK)
		e->link = PICK(ae, hardlink);
	else if (e->type == OG_ENTRY_SYMLINK)
		e->link = PICK(ae, symlink);
	if (e->type == OG_ENTRY_SYMLINK && !e->link)
		e->link = "";
	if (max_path && strlen(e->path) > max_path) {
		error = og_error_set(ctx, OG_ELIMIT,
			"%s: entry %" PRIu64 " has a name longer than the limit of %zu bytes",
			name, index, max_path);
		goto done;
	}
	/* A link target is a path too; the scanners resolve it. */
	if (max_path && e->link && strlen(e->link) > max_path) {
		error = og_error_set(ctx, OG_ELIMIT,
			"%s: entry %" PRIu64 " (%.64s) has a link target longer than the limit of %zu bytes",
			name, index, e->path, max_path);
		goto done;
	}
	e->mode = (unsigned int)archive_entry_mode(ae) & 07777u;
	e->uid = archive_entry_uid(ae);
	e->gid = archive_entry_gid(ae);
	e->uname = PICK(ae, uname);
	e->gname = PICK(ae, gname);
	size = archive_entry_size(ae);
	if ((e->type == OG_ENTRY_FILE || e->type == OG_ENTRY_HARDLINK) && size > 0)
		e->size = (uint64_t)size;
	e->sparse = archive_entry_sparse_count(ae) > 0;
done:
	return error;
}

int og_tar_walk(uint64_t *entries, og_ctx *ctx, og_reader *r,
	og_entry_cb cb, void *payload, const char *name)
{
	return og_tar_walk_data(entries, ctx, r, cb, NULL, payload, name);
}

int og_tar_walk_data(uint64_t *entries, og_ctx *ctx, og_reader *r,
	og_entry_cb cb, og_data_cb data_cb, void *payload, const char *name)
{
	struct archive *a = NULL;
	struct archive_entry *ae;
	walk w;
	og_entry e;
	uint64_t count = 0;
	size_t max_entries;
	int error = 0, ar;

	OG_ASSERT_ARG(ctx, r != NULL);
	if (!name)
		name = "layer";
	max_entries = ctx ? ctx->limits.max_entries : 0;
	memset(&w, 0, sizeof(w));
	w.r = r;
	w.cap = TAR_BUF_SIZE;
	w.buf = r->read_block ? NULL : malloc(w.cap); /* blocks need no buffer */
	a = archive_read_new();
	if ((!w.buf && !r->read_block) || !a) {
		error = og_error_oom(ctx);
		goto done;
	}
	if (archive_read_support_format_tar(a) != ARCHIVE_OK) {
		error = og_error_set(ctx, OG_ERROR, "%s: libarchive: %s", name,
			archive_error_string(a));
		goto done;
	}
	/* The format is detected here, from the first block. */
	if (archive_read_open(a, &w, NULL, read_cb, NULL) != ARCHIVE_OK) {
		/* Zero bytes is an empty layer; libarchive cannot bid on it. */
		if (!w.rerr && w.eof && w.total == 0)
			goto done;
		error = tar_error(ctx, &w, a, name);
		goto done;
	}
	for (;;) {
		ar = archive_read_next_header(a, &ae);
		if (ar == ARCHIVE_EOF) {
			/* An end that only came from a failed read is the reader's. */
			error = w.rerr;
			break;
		}
		/* WARN: the entry is usable (e.g. a name not convertible to the
		 * locale); RETRY/FAILED/FATAL: a damaged or truncated header. */
		if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN) {
			error = tar_error(ctx, &w, a, name);
			goto done;
		}
		if (max_entries && count >= max_entries) {
			error = og_error_set(ctx, OG_ELIMIT,
				"%s: more than the limit of %zu tar entries", name, max_entries);
			goto done;
		}
		if ((error = fill_entry(&e, ctx, ae, count, name)) < 0)
			goto done;
		count++;
		if (cb && (error = cb(&e, payload)) < 0)
			goto done;
		if (error > 0 && data_cb && e.type == OG_ENTRY_FILE) {
			/* A visitor asked for the data: hand it over block by block
			 * (libarchive's own buffers, no copy). */
			const void *block;
			size_t blen;
			la_int64_t off;

			while ((ar = archive_read_data_block(a, &block, &blen, &off)) == ARCHIVE_OK)
				if (blen && (error = data_cb(block, blen, payload)) < 0)
					goto done;
			if (ar != ARCHIVE_EOF) {
				error = tar_error(ctx, &w, a, name);
				goto done;
			}
			error = 0;
			continue;
		}
		error = 0;
		if (archive_read_data_skip(a) != ARCHIVE_OK) {
			error = tar_error(ctx, &w, a, name);
			goto done;
		}
	}

done:
	if (a)
		archive_read_free(a);
	free(w.buf);
	if (entries)
		*entries = count;
	return error;
}
