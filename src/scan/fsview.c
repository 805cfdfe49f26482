#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "oci/arena.h"
#include "fsview.h"
#include "pathbuf.h"

/*
 * Files whose content is kept (read by the checks), with their caps. With
 * `siblings`, every file of the same directory whose name starts with the
 * same name is kept too ("status" -> "status.real"): a symlinked database
 * is only followed inside the root, and its target must have been kept
 * when its layer went by, before any symlink to it is known.
 */
static const struct kept { const char *path; uint64_t cap; int siblings; } kept_files[] = {
	{ "etc/passwd", (uint64_t)1 << 20, 0 },
	{ "etc/os-release", OG_FSVIEW_KEEP_MAX, 1 },
	{ "usr/lib/os-release", OG_FSVIEW_KEEP_MAX, 1 },
	{ "var/lib/dpkg/status", OG_FSVIEW_KEEP_MAX, 1 },
	{ "lib/apk/db/installed", OG_FSVIEW_KEEP_MAX, 1 },
};
/* Every file directly under this directory is kept too. */
#define KEEP_DIR "var/lib/dpkg/status.d/"
#define MAX_HOPS 40

typedef enum { REC_ENTRY = 0, REC_WHITEOUT, REC_OPAQUE } rec_kind;

typedef struct record {
	rec_kind kind;
	og_entry_type_t type;
	char *path;        /* normalized; for whiteouts: the path removed;
	                    * for opaque: the directory emptied (in the arena) */
	char *link;        /* symlink target as stored, or NULL (in the arena) */
	char *data;        /* kept content, or NULL */
	size_t len;
	uint64_t size;     /* a regular file's size */
	int too_large;     /* a kept file over its cap */
} record;

struct og_fs_layer {
	record *recs;
	size_t count, cap;
	og_arena arena;    /* the records' paths and links */
	size_t *kept;      /* the indexes of the entries at kept paths (any
	                    * type), so og_fs_layer_file need not scan them all */
	size_t kept_count, kept_cap;
};

typedef struct fv_state {
	og_fs_layer *layer;
	og_pathbuf path;
	record *filling;   /* the record whose data is coming */
	uint64_t filling_max;
} fv_state;

void og_fs_layer_free(og_fs_layer *layer)
{
	size_t i;

	if (!layer)
		return;
	for (i = 0; i < layer->count; i++)
		free(layer->recs[i].data);
	og_arena_dispose(&layer->arena);
	free(layer->recs);
	free(layer->kept);
	free(layer);
}

static record *add_record(og_fs_layer *l, rec_kind kind, const char *path, size_t len)
{
	record *r;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		record *grown = realloc(l->recs, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		l->recs = grown;
		l->cap = cap;
	}
	r = &l->recs[l->count];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	if ((r->path = og_arena_strndup(&l->arena, path, len)) == NULL)
		return NULL;
	l->count++;
	return r;
}

static int add_kept(og_fs_layer *l, size_t index)
{
	if (l->kept_count == l->kept_cap) {
		size_t cap = l->kept_cap ? l->kept_cap * 2 : 16;
		size_t *grown = realloc(l->kept, cap * sizeof(*grown));

		if (!grown)
			return OG_ENOMEM;
		l->kept = grown;
		l->kept_cap = cap;
	}
	l->kept[l->kept_count++] = index;
	return 0;
}

static int fv_begin(void **state, og_ctx *ctx, const og_layer_info *layer, void *payload)
{
	fv_state *st = calloc(1, sizeof(*st));

	(void)ctx;
	(void)layer;
	(void)payload;
	if (!st || (st->layer = calloc(1, sizeof(*st->layer))) == NULL) {
		free(st);
		return OG_ENOMEM;
	}
	*state = st;
	return 0;
}

/* The cap of a kept file, 0 if its content is not kept. */
static uint64_t keep_cap(const char *path)
{
	size_t i, n = strlen(KEEP_DIR);

	for (i = 0; i < sizeof(kept_files) / sizeof(kept_files[0]); i++) {
		const struct kept *k = &kept_files[i];
		size_t kl = strlen(k->path);

		size_t pl = strlen(path);

		if (strcmp(path, k->path) == 0)
			return k->cap;
		/* a sibling; not dpkg's backup copy (status-old), which only
		 * doubles the memory */
		if (k->siblings && strncmp(path, k->path, kl) == 0 && !strchr(path + kl, '/') &&
		    !(pl >= kl + 4 && strcmp(path + pl - 4, "-old") == 0))
			return k->cap;
	}
	if (strncmp(path, KEEP_DIR, n) == 0 && path[n] && !strchr(path + n, '/'))
		return OG_FSVIEW_KEEP_MAX;
	return 0;
}

static int fv_entry(void *state, const og_entry *e, og_findings *out)
{
	fv_state *st = state;
	const char *base;
	size_t dlen;
	record *r;
	uint64_t cap;
	int above = 0;

	(void)out;
	st->filling = NULL;
	if (og_pathbuf_set(&st->path, "", 0) < 0 ||
	    og_pathbuf_apply(&st->path, e->path, &above) < 0)
		return OG_ENOMEM;
	if (above || st->path.len == 0)
		return 0; /* outside the root (path safety reports it), or "." */
	base = strrchr(st->path.s, '/');
	base = base ? base + 1 : st->path.s;
	dlen = (size_t)(base - st->path.s);
	if (strncmp(base, ".wh.", 4) == 0) {
		if (strcmp(base, ".wh..wh..opq") == 0)
			r = add_record(st->layer, REC_OPAQUE, st->path.s, dlen ? dlen - 1 : 0);
		else {
			/* "dir/.wh.name" removes "dir/name" */
			memmove(st->path.s + dlen, base + 4, strlen(base + 4) + 1);
			r = add_record(st->layer, REC_WHITEOUT, st->path.s, strlen(st->path.s));
		}
		return r ? 0 : OG_ENOMEM;
	}
	if ((r = add_record(st->layer, REC_ENTRY, st->path.s, st->path.len)) == NULL)
		return OG_ENOMEM;
	r->type = e->type;
	if (e->link && e->type == OG_ENTRY_SYMLINK &&
	    (r->link = og_arena_strndup(&st->layer->arena, e->link, strlen(e->link))) == NULL)
		return OG_ENOMEM;
	if (e->type == OG_ENTRY_FILE)
		r->size = e->size;
	if ((cap = keep_cap(st->path.s)) == 0)
		return 0;
	if (add_kept(st->layer, st->layer->count - 1) < 0)
		return OG_ENOMEM;
	if (e->type != OG_ENTRY_FILE)
		return 0;
	if (e->size > cap) {
		r->too_large = 1;
		return 0;
	}
	if ((r->data = malloc((size_t)e->size + 1)) == NULL)
		return OG_ENOMEM;
	r->data[0] = '\0';
	st->filling = r;
	st->filling_max = e->size;
	return OG_VISIT_DATA;
}

static int fv_data(void *state, const void *buf, size_t len, og_findings *out)
{
	fv_state *st = state;
	record *r = st->filling;

	(void)out;
	if (!r)
		return 0;
	if (r->len + len > st->filling_max)
		len = (size_t)(st->filling_max - r->len);
	memcpy(r->data + r->len, buf, len);
	r->len += len;
	r->data[r->len] = '\0';
	return 0;
}

static int fv_end(void *state, og_findings *out)
{
	fv_state *st = state;

	(void)out;
	st->filling = NULL;
	return 0;
}

static void fv_free(void *state)
{
	fv_state *st = state;

	if (!st)
		return;
	og_fs_layer_free(st->layer);
	og_pathbuf_dispose(&st->path);
	free(st);
}

const og_visitor_class og_scan_fsview = {
	"fsview", fv_begin, fv_entry, fv_end, fv_free, NULL, fv_data
};

int og_fsview_take(og_fs_layer **out, void *state)
{
	fv_state *st = state;

	*out = st->layer;
	st->layer = NULL;
	return 0;
}

/* ------------------------------------------------------------ the tree */

/*
 * The final fs: a hash of paths for lookups, and a tree (every node's parent
 * exists, made as an implied directory when no entry made it) so that a
 * whiteout or an opaque directory removes a subtree in time proportional to
 * its size, not to the whole fs.
 */
typedef struct node {
	struct node *next;     /* bucket chain */
	struct node *parent;   /* NULL at the top level */
	struct node *child;    /* the first child */
	struct node *prev_sib, *next_sib;
	const record *rec;     /* borrowed from a layer (or implied_dir) */
	char *key;             /* the path (in the arena) */
	size_t len;
} node;

struct og_fsview {
	node **buckets;
	size_t nbuckets, count;
	node *top;             /* the top-level nodes */
	og_arena arena;        /* the nodes and their keys; a removed node's
	                        * memory is reclaimed with the view */
};

/* The record of a directory no entry made, implied by a path under it. */
static const record implied_dir = { REC_ENTRY, OG_ENTRY_DIR, NULL, NULL, NULL, 0, 0, 0 };

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static node *lookup(const og_fsview *fs, const char *key, size_t len)
{
	node *n = fs->buckets[hash(key, len) % fs->nbuckets];

	for (; n; n = n->next)
		if (n->len == len && memcmp(n->key, key, len) == 0)
			return n;
	return NULL;
}

static int grow(og_fsview *fs)
{
	size_t nb = fs->nbuckets * 2, i, b;
	node **nbk = calloc(nb, sizeof(*nbk)), *n, *next;

	if (!nbk)
		return OG_ENOMEM;
	for (i = 0; i < fs->nbuckets; i++) {
		for (n = fs->buckets[i]; n; n = next) {
			next = n->next;
			b = hash(n->key, n->len) % nb;
			n->next = nbk[b];
			nbk[b] = n;
		}
	}
	free(fs->buckets);
	fs->buckets = nbk;
	fs->nbuckets = nb;
	return 0;
}

/* A new node for key[0..len) under parent (NULL: the top level). */
static node *make_node(og_fsview *fs, const char *key, size_t len, const record *r,
	node *parent)
{
	node *n, **head;
	size_t b;

	if (fs->count >= fs->nbuckets && grow(fs) < 0)
		return NULL;
	if ((n = og_arena_alloc(&fs->arena, sizeof(*n))) == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	if ((n->key = og_arena_strndup(&fs->arena, key, len)) == NULL)
		return NULL;
	n->rec = r;
	n->len = len;
	b = hash(n->key, len) % fs->nbuckets;
	n->next = fs->buckets[b];
	fs->buckets[b] = n;
	fs->count++;
	n->parent = parent;
	head = parent ? &parent->child : &fs->top;
	n->next_sib = *head;
	if (*head)
		(*head)->prev_sib = n;
	*head = n;
	return n;
}

/*
 * Add r at its path, with implied directories for the missing parents (so
 * a later file over "dir" hides "dir/x" even when no entry made "dir").
 */
static int put(og_fsview *fs, const record *r)
{
	const char *path = r->path;
	size_t len = strlen(path), pl = len, q;
	node *n = lookup(fs, path, len), *parent = NULL;

	if (n) {
		n->rec = r;
		return 0;
	}
	/* the deepest existing ancestor */
	while (pl > 0) {
		while (pl > 0 && path[pl - 1] != '/')
			pl--;
		if (pl == 0)
			break;
		pl--; /* path[0..pl) is an ancestor */
		if ((parent = lookup(fs, path, pl)) != NULL)
			break;
	}
	/* then each missing one below it, and the path */
	q = parent ? pl + 1 : 0;
	for (;;) {
		while (q < len && path[q] != '/')
			q++;
		if ((parent = make_node(fs, path, q, q == len ? r : &implied_dir, parent)) == NULL)
			return OG_ENOMEM;
		if (q == len)
			return 0;
		q++;
	}
}

static void unlink_node(og_fsview *fs, node *n)
{
	node **pp = &fs->buckets[hash(n->key, n->len) % fs->nbuckets];

	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	if (n->prev_sib)
		n->prev_sib->next_sib = n->next_sib;
	else if (n->parent)
		n->parent->child = n->next_sib;
	else
		fs->top = n->next_sib;
	if (n->next_sib)
		n->next_sib->prev_sib = n->prev_sib;
	fs->count--;
}

/* Remove n and everything under it, leaves first (no recursion). */
static void drop_subtree(og_fsview *fs, node *n)
{
	node *cur = n, *up;

	for (;;) {
		while (cur->child)
			cur = cur->child;
		up = cur->parent;
		unlink_node(fs, cur);
		if (cur == n)
			break;
		cur = up;
	}
}

/* Remove path and everything under it (self = 0: only what is under it). */
static void remove_tree(og_fsview *fs, const char *path, int self)
{
	size_t len = strlen(path);
	node *n = len ? lookup(fs, path, len) : NULL;

	if (self) {
		if (n)
			drop_subtree(fs, n);
	} else if (len == 0) {
		while (fs->top)
			drop_subtree(fs, fs->top);
	} else if (n) {
		while (n->child)
			drop_subtree(fs, n->child);
	}
}

void og_fsview_free(og_fsview *fs)
{
	if (!fs)
		return;
	og_arena_dispose(&fs->arena);
	free(fs->buckets);
	free(fs);
}

int og_fsview_build(og_fsview **out, og_fs_layer *const *layers, size_t count)
{
	og_fsview *fs = calloc(1, sizeof(*fs));
	size_t i, k;

	*out = NULL;
	if (!fs || (fs->buckets = calloc(1024, sizeof(node *))) == NULL) {
		free(fs);
		return OG_ENOMEM;
	}
	fs->nbuckets = 1024;
	for (i = 0; i < count; i++) {
		const og_fs_layer *l = layers[i];

		if (!l)
			continue;
		/* A layer's whiteouts act on the layers below it only. */
		for (k = 0; k < l->count; k++) {
			if (l->recs[k].kind == REC_WHITEOUT)
				remove_tree(fs, l->recs[k].path, 1);
			else if (l->recs[k].kind == REC_OPAQUE)
				remove_tree(fs, l->recs[k].path, 0);
		}
		for (k = 0; k < l->count; k++) {
			if (l->recs[k].kind != REC_ENTRY)
				continue;
			if (l->recs[k].type != OG_ENTRY_DIR) {
				/* A file over a lower directory hides what was in it. */
				node *was = lookup(fs, l->recs[k].path, strlen(l->recs[k].path));

				if (was && was->child)
					remove_tree(fs, l->recs[k].path, 0);
			}
			if (put(fs, &l->recs[k]) < 0) {
				og_fsview_free(fs);
				return OG_ENOMEM;
			}
		}
	}
	*out = fs;
	return 0;
}

/*
 * Resolve path in the final fs, following symlinks in every component; the
 * resolved path is left in *cur (the caller disposes it). Returns 1 when
 * resolution ended (*found: the node, NULL when the path does not exist or
 * is an implied directory), 0 on a loop, out of memory, or (nofollow_out) a
 * symlink that leaves the root (*escaped = 1).
 */
static int resolve_path(const node **found, og_pathbuf *cur, const og_fsview *fs,
	const char *path, int nofollow_out, int *escaped)
{
	og_pathbuf rest = { NULL, 0, 0 }, tmp = { NULL, 0, 0 };
	const node *n = NULL;
	unsigned int hops = 0;
	int above = 0, ok = 0;
	size_t i, j;

	*found = NULL;
	if (og_pathbuf_set(&rest, "", 0) < 0 || og_pathbuf_apply(&rest, path, &above) < 0 ||
	    og_pathbuf_set(cur, "", 0) < 0)
		goto done;
	i = 0;
	while (i <= rest.len) {
		for (j = i; j < rest.len && rest.s[j] != '/'; j++)
			;
		if (j == i) {
			ok = 1;
			break; /* the root itself: no node */
		}
		/* cur/component */
		if (og_pathbuf_reserve(cur, cur->len + (j - i) + 2) < 0)
			goto done;
		if (cur->len)
			cur->s[cur->len++] = '/';
		memcpy(cur->s + cur->len, rest.s + i, j - i);
		cur->len += j - i;
		cur->s[cur->len] = '\0';
		n = lookup(fs, cur->s, cur->len);
		if (n && n->rec->type == OG_ENTRY_SYMLINK && n->rec->link) {
			size_t dl = cur->len - (j - i);
			int out = 0;

			if (++hops > MAX_HOPS)
				goto done;
			if (nofollow_out && n->rec->link[0] == '/') {
				*escaped = 1;
				goto done;
			}
			/* target (from the link's dir, or the root) + the rest */
			if (og_pathbuf_set(&tmp, cur->s, n->rec->link[0] == '/' ? 0 :
					(dl ? dl - 1 : 0)) < 0 ||
			    og_pathbuf_apply(&tmp, n->rec->link, &out) < 0)
				goto done;
			if (nofollow_out && out) {
				*escaped = 1;
				goto done;
			}
			if (og_pathbuf_apply(&tmp, rest.s + j, &above) < 0 ||
			    og_pathbuf_set(&rest, tmp.s, tmp.len) < 0 ||
			    og_pathbuf_set(cur, "", 0) < 0)
				goto done;
			i = 0;
			n = NULL;
			continue;
		}
		if (j == rest.len) {
			*found = n;
			ok = 1;
			break;
		}
		i = j + 1;
	}
done:
	og_pathbuf_dispose(&rest);
	og_pathbuf_dispose(&tmp);
	return ok;
}

static const node *resolve(const og_fsview *fs, const char *path)
{
	og_pathbuf cur = { NULL, 0, 0 };
	const node *n = NULL;
	int escaped = 0;

	if (!resolve_path(&n, &cur, fs, path, 0, &escaped))
		n = NULL;
	og_pathbuf_dispose(&cur);
	return n;
}

int og_fsview_exists(const og_fsview *fs, const char *path)
{
	return fs && resolve(fs, path) != NULL;
}

const char *og_fsview_file(const og_fsview *fs, const char *path, size_t *len)
{
	const node *n = fs ? resolve(fs, path) : NULL;

	if (!n || !n->rec->data)
		return NULL;
	*len = n->rec->len;
	return n->rec->data;
}

int og_fsview_stat(og_fs_stat *st, const og_fsview *fs, const char *path,
	int nofollow_out, int *escaped)
{
	og_pathbuf cur = { NULL, 0, 0 };
	const node *n = NULL;
	int esc = 0;

	memset(st, 0, sizeof(*st));
	if (fs && !resolve_path(&n, &cur, fs, path, nofollow_out, &esc))
		n = NULL;
	og_pathbuf_dispose(&cur);
	if (escaped)
		*escaped = esc;
	if (!n)
		return 0;
	st->path = n->key;
	st->type = n->rec->type;
	st->size = n->rec->size;
	st->data = n->rec->data;
	st->len = n->rec->len;
	st->too_large = n->rec->too_large;
	return 1;
}

const char *og_fsview_file_nofollow_out(const og_fsview *fs, const char *path,
	size_t *len, int *escaped)
{
	og_fs_stat st;

	if (!og_fsview_stat(&st, fs, path, 1, escaped) || !st.data)
		return NULL;
	*len = st.len;
	return st.data;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int og_fsview_list(const og_fsview *fs, const char *dir,
	int (*cb)(const char *name, void *p), void *p)
{
	og_pathbuf cur = { NULL, 0, 0 };
	const node *dn = NULL, *n;
	const char **names = NULL;
	size_t count = 0, i;
	int error = 0, esc = 0;

	if (!fs)
		return 0;
	if (!resolve_path(&dn, &cur, fs, dir, 0, &esc))
		goto done; /* a loop (or out of memory): nothing listed */
	if (cur.len && (!dn || dn->rec->type != OG_ENTRY_DIR))
		goto done; /* absent, or not a directory */
	for (n = cur.len ? dn->child : fs->top; n; n = n->next_sib)
		count++;
	if (!count)
		goto done;
	if ((names = malloc(count * sizeof(*names))) == NULL) {
		error = OG_ENOMEM;
		goto done;
	}
	i = 0;
	for (n = cur.len ? dn->child : fs->top; n; n = n->next_sib)
		names[i++] = n->key + (cur.len ? cur.len + 1 : 0);
	qsort(names, count, sizeof(*names), cmp_str);
	for (i = 0; i < count && !error; i++)
		error = cb(names[i], p);
done:
	free(names);
	og_pathbuf_dispose(&cur);
	return error;
}

/* 1 if a is a strict ancestor directory of path b ("" is the root). */
static int is_ancestor(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n == 0)
		return b[0] != '\0';
	return strncmp(a, b, n) == 0 && b[n] == '/';
}

int og_fsview_hidden_by(size_t *by, og_fs_layer *const *layers, size_t count,
	size_t layer, const char *path)
{
	og_pathbuf pb = { NULL, 0, 0 };
	int above = 0, is_dir = 0, error = 0;
	size_t i, k;

	*by = SIZE_MAX;
	if (og_pathbuf_set(&pb, "", 0) < 0 || og_pathbuf_apply(&pb, path, &above) < 0) {
		error = OG_ENOMEM;
		goto done;
	}
	if (layer < count && layers[layer]) {
		const og_fs_layer *l = layers[layer];

		for (k = l->count; k-- > 0;)
			if (l->recs[k].kind == REC_ENTRY && strcmp(l->recs[k].path, pb.s) == 0) {
				is_dir = l->recs[k].type == OG_ENTRY_DIR;
				break;
			}
	}
	for (i = layer + 1; i < count; i++) {
		const og_fs_layer *l = layers[i];

		if (!l)
			continue;
		for (k = 0; k < l->count; k++) {
			const record *r = &l->recs[k];
			int hit;

			if (r->kind == REC_WHITEOUT)
				hit = strcmp(r->path, pb.s) == 0 || is_ancestor(r->path, pb.s);
			else if (r->kind == REC_OPAQUE)
				hit = is_ancestor(r->path, pb.s);
			else if (strcmp(r->path, pb.s) == 0)
				hit = !(is_dir && r->type == OG_ENTRY_DIR);
			else
				hit = r->type != OG_ENTRY_DIR && is_ancestor(r->path, pb.s);
			if (hit) {
				*by = i;
				goto done;
			}
		}
	}
done:
	og_pathbuf_dispose(&pb);
	return error;
}

const char *og_fs_layer_file(const og_fs_layer *l, const char *path, size_t *len)
{
	og_pathbuf pb = { NULL, 0, 0 };
	const char *data = NULL;
	int above = 0;
	size_t k;

	if (!l || og_pathbuf_set(&pb, "", 0) < 0 || og_pathbuf_apply(&pb, path, &above) < 0)
		goto done;
	/* only kept paths have content: their entries are indexed */
	for (k = l->kept_count; k-- > 0;) {
		const record *r = &l->recs[l->kept[k]];

		if (strcmp(r->path, pb.s) == 0) {
			if (r->data && r->type == OG_ENTRY_FILE) {
				data = r->data;
				*len = r->len;
			}
			break;
		}
	}
done:
	og_pathbuf_dispose(&pb);
	return data;
}

int og_fsview_each_file(const og_fsview *fs, const og_fs_layer *l,
	og_fs_file_cb cb, void *payload)
{
	size_t k;
	int error = 0;

	if (!l)
		return 0;
	for (k = 0; k < l->count && !error; k++) {
		const record *r = &l->recs[k];
		const node *n;

		if (r->kind != REC_ENTRY || r->type != OG_ENTRY_FILE)
			continue;
		n = fs ? lookup(fs, r->path, strlen(r->path)) : NULL;
		error = cb(r->path, r->size, n && n->rec == r, payload);
	}
	return error;
}
