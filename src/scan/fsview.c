#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fsview.h"
#include "pathbuf.h"

/* Files whose content is kept (small, read by the checks). */
static const char *const kept_files[] = { "etc/passwd" };
#define KEEP_MAX ((uint64_t)1 << 20)
#define MAX_HOPS 40

typedef enum { REC_ENTRY = 0, REC_WHITEOUT, REC_OPAQUE } rec_kind;

typedef struct record {
	rec_kind kind;
	og_entry_type_t type;
	char *path;        /* normalized; for whiteouts: the path removed;
	                    * for opaque: the directory emptied */
	char *link;        /* symlink target as stored, or NULL */
	char *data;        /* kept content, or NULL */
	size_t len;
} record;

struct og_fs_layer {
	record *recs;
	size_t count, cap;
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
	for (i = 0; i < layer->count; i++) {
		free(layer->recs[i].path);
		free(layer->recs[i].link);
		free(layer->recs[i].data);
	}
	free(layer->recs);
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
	if ((r->path = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(r->path, path, len);
	r->path[len] = '\0';
	l->count++;
	return r;
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

static int keep(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(kept_files) / sizeof(kept_files[0]); i++)
		if (strcmp(path, kept_files[i]) == 0)
			return 1;
	return 0;
}

static int fv_entry(void *state, const og_entry *e, og_findings *out)
{
	fv_state *st = state;
	const char *base;
	size_t dlen;
	record *r;
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
	if (e->link && e->type == OG_ENTRY_SYMLINK && (r->link = strdup(e->link)) == NULL)
		return OG_ENOMEM;
	if (e->type == OG_ENTRY_FILE && e->size <= KEEP_MAX && keep(st->path.s)) {
		if ((r->data = malloc((size_t)e->size + 1)) == NULL)
			return OG_ENOMEM;
		r->data[0] = '\0';
		st->filling = r;
		st->filling_max = e->size;
		return OG_VISIT_DATA;
	}
	return 0;
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

typedef struct node {
	struct node *next;     /* bucket chain */
	const record *rec;     /* borrowed from a layer */
	char *key;             /* the path (owned) */
} node;

struct og_fsview {
	node **buckets;
	size_t nbuckets, count;
};

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
		if (strlen(n->key) == len && memcmp(n->key, key, len) == 0)
			return n;
	return NULL;
}

static int grow(og_fsview *fs)
{
	size_t nb = fs->nbuckets * 2, i;
	node **b = calloc(nb, sizeof(*b)), *n, *next;

	if (!b)
		return OG_ENOMEM;
	for (i = 0; i < fs->nbuckets; i++) {
		for (n = fs->buckets[i]; n; n = next) {
			next = n->next;
			n->next = b[hash(n->key, strlen(n->key)) % nb];
			b[hash(n->key, strlen(n->key)) % nb] = n;
		}
	}
	free(fs->buckets);
	fs->buckets = b;
	fs->nbuckets = nb;
	return 0;
}

static int put(og_fsview *fs, const record *r)
{
	size_t len = strlen(r->path);
	node *n = lookup(fs, r->path, len);
	size_t b;

	if (n) {
		n->rec = r;
		return 0;
	}
	if (fs->count >= fs->nbuckets && grow(fs) < 0)
		return OG_ENOMEM;
	if ((n = calloc(1, sizeof(*n))) == NULL || (n->key = strdup(r->path)) == NULL) {
		free(n);
		return OG_ENOMEM;
	}
	n->rec = r;
	b = hash(n->key, len) % fs->nbuckets;
	n->next = fs->buckets[b];
	fs->buckets[b] = n;
	fs->count++;
	return 0;
}

/* Remove path and everything under it (self = 0: only what is under it). */
static void remove_tree(og_fsview *fs, const char *path, int self)
{
	size_t plen = strlen(path), i;
	node **pp, *n;

	for (i = 0; i < fs->nbuckets; i++) {
		for (pp = &fs->buckets[i]; (n = *pp) != NULL;) {
			int under = plen == 0 ? n->key[0] != '\0' :
				strncmp(n->key, path, plen) == 0 && n->key[plen] == '/';
			int it = self && strcmp(n->key, path) == 0;

			if (under || it) {
				*pp = n->next;
				free(n->key);
				free(n);
				fs->count--;
			} else {
				pp = &n->next;
			}
		}
	}
}

void og_fsview_free(og_fsview *fs)
{
	size_t i;
	node *n, *next;

	if (!fs)
		return;
	for (i = 0; i < fs->nbuckets; i++)
		for (n = fs->buckets[i]; n; n = next) {
			next = n->next;
			free(n->key);
			free(n);
		}
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
				const node *was = lookup(fs, l->recs[k].path, strlen(l->recs[k].path));

				if (was && was->rec->type == OG_ENTRY_DIR)
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
 * Resolve path in the final fs, following symlinks in every component.
 * Returns the final node, or NULL when the path does not exist.
 */
static const node *resolve(const og_fsview *fs, const char *path)
{
	og_pathbuf cur = { NULL, 0, 0 }, rest = { NULL, 0, 0 }, tmp = { NULL, 0, 0 };
	const node *n = NULL, *found = NULL;
	unsigned int hops = 0;
	int above = 0;
	size_t i, j;

	if (og_pathbuf_set(&rest, "", 0) < 0 || og_pathbuf_apply(&rest, path, &above) < 0 ||
	    og_pathbuf_set(&cur, "", 0) < 0)
		goto done;
	i = 0;
	while (i <= rest.len) {
		for (j = i; j < rest.len && rest.s[j] != '/'; j++)
			;
		if (j == i)
			break; /* the root itself: no node */
		/* cur/component */
		if (og_pathbuf_reserve(&cur, cur.len + (j - i) + 2) < 0)
			goto done;
		if (cur.len)
			cur.s[cur.len++] = '/';
		memcpy(cur.s + cur.len, rest.s + i, j - i);
		cur.len += j - i;
		cur.s[cur.len] = '\0';
		n = lookup(fs, cur.s, cur.len);
		if (n && n->rec->type == OG_ENTRY_SYMLINK && n->rec->link) {
			if (++hops > MAX_HOPS)
				goto done;
			/* target (from the link's dir, or the root) + the rest */
			{
				size_t dl = cur.len - (j - i);
				if (og_pathbuf_set(&tmp, cur.s, n->rec->link[0] == '/' ? 0 :
						(dl ? dl - 1 : 0)) < 0 ||
				    og_pathbuf_apply(&tmp, n->rec->link, &above) < 0 ||
				    og_pathbuf_apply(&tmp, rest.s + j, &above) < 0 ||
				    og_pathbuf_set(&rest, tmp.s, tmp.len) < 0 ||
				    og_pathbuf_set(&cur, "", 0) < 0)
					goto done;
			}
			i = 0;
			n = NULL;
			continue;
		}
		if (j == rest.len) {
			found = n;
			break;
		}
		i = j + 1;
	}
done:
	og_pathbuf_dispose(&cur);
	og_pathbuf_dispose(&rest);
	og_pathbuf_dispose(&tmp);
	return found;
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
