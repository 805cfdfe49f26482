/*
 * Path safety: path.traversal, path.absolute, link.escape. See
 * path_safety.h for the rules.
 *
 * Entry names come from hostile layers, so the sets here are hash maps
 * keyed with SipHash-2-4 under a random key per layer: colliding names
 * cannot turn a walk quadratic. Nothing is reported in hash order (findings
 * follow entry order, the cross pass sorts), so output stays deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include "path_safety.h"
#include "pathbuf.h"

#define NONE UINT64_MAX

/* ------------------------------------------------------------ SipHash */

typedef struct sip {
	uint64_t v0, v1, v2, v3;
	uint64_t tail; /* pending bytes, little-endian */
	size_t len;    /* bytes fed */
} sip;

static uint64_t rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

static void sip_round(sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

static void sip_init(sip *s, const uint64_t key[2])
{
	s->v0 = key[0] ^ UINT64_C(0x736f6d6570736575);
	s->v1 = key[1] ^ UINT64_C(0x646f72616e646f6d);
	s->v2 = key[0] ^ UINT64_C(0x6c7967656e657261);
	s->v3 = key[1] ^ UINT64_C(0x7465646279746573);
	s->tail = 0;
	s->len = 0;
}

static void sip_byte(sip *s, unsigned char c)
{
	s->tail |= (uint64_t)c << (8 * (s->len & 7));
	s->len++;
	if ((s->len & 7) == 0) {
		s->v3 ^= s->tail;
		sip_round(s);
		sip_round(s);
		s->v0 ^= s->tail;
		s->tail = 0;
	}
}

/* The hash of the bytes fed so far; s is left as is (more may follow). */
static uint64_t sip_final(const sip *s)
{
	sip t = *s;
	uint64_t b = ((uint64_t)(t.len & 0xff) << 56) | t.tail;

	t.v3 ^= b;
	sip_round(&t);
	sip_round(&t);
	t.v0 ^= b;
	t.v2 ^= 0xff;
	sip_round(&t);
	sip_round(&t);
	sip_round(&t);
	sip_round(&t);
	return t.v0 ^ t.v1 ^ t.v2 ^ t.v3;
}

static uint64_t hash_str(const uint64_t key[2], const char *s, size_t len)
{
	sip st;
	size_t i;

	sip_init(&st, key);
	for (i = 0; i < len; i++)
		sip_byte(&st, (unsigned char)s[i]);
	return sip_final(&st);
}

/*
 * The prefixes of a normalized path, shortest first: every prefix ending
 * before a '/', then the whole path, each with its hash, in one pass.
 */
typedef struct prefix_it {
	sip st;
	const char *s;
	size_t n, i;
} prefix_it;

static void prefix_init(prefix_it *it, const uint64_t key[2], const char *s,
	size_t n)
{
	sip_init(&it->st, key);
	it->s = s;
	it->n = n;
	it->i = 0;
}

static int prefix_next(prefix_it *it, size_t *end, uint64_t *hash)
{
	while (it->i < it->n) {
		unsigned char c = (unsigned char)it->s[it->i];

		if (c == '/') {
			*end = it->i;
			*hash = sip_final(&it->st);
			sip_byte(&it->st, c);
			it->i++;
			return 1;
		}
		sip_byte(&it->st, c);
		it->i++;
	}
	if (it->i == it->n) {
		*end = it->n;
		*hash = sip_final(&it->st);
		it->i++;
		return 1;
	}
	return 0;
}

static void random_key(uint64_t key[2], const void *salt)
{
	struct timespec ts;

	if (getrandom(key, 2 * sizeof(uint64_t), GRND_NONBLOCK) ==
	    (ssize_t)(2 * sizeof(uint64_t)))
		return;
	/* No entropy yet: weaker, still not guessable from the layer alone. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	key[0] = (uint64_t)ts.tv_nsec * UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)(uintptr_t)salt;
	key[1] = (uint64_t)ts.tv_sec ^ rotl(key[0], 29) ^ UINT64_C(0x243f6a8885a308d3);
}

/* ----------------------------------------------------------- hash maps */

/* The head of every map node; the key is stored right after the node. */
typedef struct node {
	char *key;
	size_t len;
	uint64_t hash;
} node;

typedef struct map {
	node **slots;
	size_t cap;   /* a power of two, or 0 */
	size_t count;
} map;

static node *map_find(const map *m, const char *key, size_t len, uint64_t hash)
{
	size_t i, mask;
	node *n;

	if (!m->cap)
		return NULL;
	mask = m->cap - 1;
	for (i = (size_t)hash & mask; (n = m->slots[i]) != NULL; i = (i + 1) & mask)
		if (n->hash == hash && n->len == len && memcmp(n->key, key, len) == 0)
			return n;
	return NULL;
}

static void map_place(node **slots, size_t cap, node *n)
{
	size_t i, mask = cap - 1;

	for (i = (size_t)n->hash & mask; slots[i]; i = (i + 1) & mask)
		;
	slots[i] = n;
}

static int map_grow(map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16, i;
	node **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return OG_ENOMEM;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i])
			map_place(slots, cap, m->slots[i]);
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

/*
 * Find the node for key, or add a zeroed node of `size` bytes (a struct
 * starting with `node`) with a copy of the key. *created says which.
 */
static node *map_get(map *m, size_t size, const char *key, size_t len,
	uint64_t hash, int *created)
{
	node *n = map_find(m, key, len, hash);

	*created = 0;
	if (n)
		return n;
	if ((m->count + 1) * 2 > m->cap && map_grow(m) < 0)
		return NULL;
	n = calloc(1, size + len + 1);
	if (!n)
		return NULL;
	n->key = (char *)n + size;
	memcpy(n->key, key, len);
	n->key[len] = '\0';
	n->len = len;
	n->hash = hash;
	map_place(m->slots, m->cap, n);
	m->count++;
	*created = 1;
	return n;
}

static void map_dispose(map *m, void (*dispose)(node *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i])
			continue;
		if (dispose)
			dispose(m->slots[i]);
		free(m->slots[i]);
	}
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* --------------------------------------------------------- the summary */

/* A directory of the layer: the parent of some entries, a directory entry
 * itself, or both. */
typedef struct dirnode {
	node n;
	uint64_t child_index; /* first entry directly in it, NONE if none */
	char *child;          /* that entry's name as stored */
	uint64_t dir_index;   /* first directory entry at this path, NONE if none */
} dirnode;

/* An escaping symlink of the layer (alive), or one that a later entry of the
 * same layer replaced (dead; kept as a replacement mark for lower layers). */
typedef struct linknode {
	node n;
	char *target;         /* of the newest escaping symlink at this path */
	uint64_t index;       /* its entry index */
	uint64_t first_index; /* first escaping symlink at this path */
	int alive;
} linknode;

/* A path removed from lower layers: ".wh.NAME" (the path and below) or an
 * opaque directory (below it; "" is the root). */
typedef struct wonode {
	node n;
	uint64_t index;       /* first such whiteout */
} wonode;

struct og_path_summary {
	uint64_t key[2];
	map dirs;      /* dirnode */
	map links;     /* linknode */
	map whiteouts; /* wonode */
	size_t alive_links;
};

static void dirnode_dispose(node *n)
{
	free(((dirnode *)n)->child);
}

static void linknode_dispose(node *n)
{
	free(((linknode *)n)->target);
}

void og_path_summary_free(og_path_summary *s)
{
	if (!s)
		return;
	map_dispose(&s->dirs, dirnode_dispose);
	map_dispose(&s->links, linknode_dispose);
	map_dispose(&s->whiteouts, NULL);
	free(s);
}

static dirnode *dir_get(og_path_summary *s, const char *key, size_t len,
	uint64_t hash)
{
	int created;
	dirnode *d = (dirnode *)map_get(&s->dirs, sizeof(dirnode), key, len, hash,
		&created);

	if (d && created) {
		d->child_index = NONE;
		d->dir_index = NONE;
	}
	return d;
}

/* ------------------------------------------------------- normalization */

/* ------------------------------------------------------ the layer walk */

typedef struct ps_state {
	og_ctx *ctx;
	og_path_summary *sum;
	og_pathbuf path;   /* the entry's normalized path */
	og_pathbuf tmp;    /* a resolved link target, a whiteout's path */
} ps_state;

static int ps_begin(void **state, og_ctx *ctx, const og_layer_info *layer,
	void *payload)
{
	ps_state *st = calloc(1, sizeof(*st));
	int error = 0;

	(void)layer;
	(void)payload;
	*state = NULL;
	if (!st || !(st->sum = calloc(1, sizeof(*st->sum)))) {
		error = og_error_oom(ctx);
		goto done;
	}
	st->ctx = ctx;
	random_key(st->sum->key, st);
	*state = st;
	st = NULL;
done:
	free(st);
	return error;
}

static void link_kill(og_path_summary *s, linknode *l)
{
	if (l && l->alive) {
		l->alive = 0;
		s->alive_links--;
	}
}

/*
 * The first alive escaping symlink at a prefix of the normalized path p
 * (the path itself too when `whole`), or NULL.
 */
static linknode *links_through(const og_path_summary *s, const char *p,
	size_t len, int whole)
{
	prefix_it it;
	size_t end;
	uint64_t h;
	linknode *l;

	if (!s->alive_links)
		return NULL;
	prefix_init(&it, s->key, p, len);
	while (prefix_next(&it, &end, &h)) {
		if (end == len && !whole)
			break;
		l = (linknode *)map_find(&s->links, p, end, h);
		if (l && l->alive)
			return l;
	}
	return NULL;
}

static int add_link(ps_state *st, const og_entry *e, const char *p, size_t len,
	uint64_t hash)
{
	int created, error = 0;
	linknode *l = (linknode *)map_get(&st->sum->links, sizeof(linknode), p, len,
		hash, &created);
	char *target = og__strdup(e->link);

	if (!l || !target) {
		error = og_error_oom(st->ctx);
		goto done;
	}
	free(l->target);
	l->target = target;
	target = NULL;
	l->index = e->index;
	if (created)
		l->first_index = e->index;
	if (!l->alive) {
		l->alive = 1;
		st->sum->alive_links++;
	}
done:
	free(target);
	return error;
}

static int check_symlink(ps_state *st, const og_entry *e, og_findings *out,
	size_t dlen, uint64_t phash)
{
	const char *p = st->path.s;
	linknode *via = NULL;
	int above = 0, error = 0;

	if (!e->link || !e->link[0])
		goto done;
	/* Relative: from the symlink's directory; absolute: from the root. */
	if (og_pathbuf_set(&st->tmp, p, e->link[0] == '/' ? 0 : dlen) < 0 ||
	    og_pathbuf_apply(&st->tmp, e->link, &above) < 0)
		goto oom;
	if (!above)
		via = links_through(st->sum, st->tmp.s, st->tmp.len, 1);
	if (!above && !via)
		goto done;
	if (above)
		error = og_findings_add(out, "link.escape", e->path,
			"symlink %s -> %s resolves outside the root", e->path, e->link);
	else
		error = og_findings_add(out, "link.escape", e->path,
			"symlink %s -> %s resolves through symlink %s -> %s, which leaves the root",
			e->path, e->link, via->n.key, via->target);
	if (error < 0)
		goto oom;
	error = add_link(st, e, p, st->path.len, phash);
	goto done;
oom:
	error = og_error_oom(st->ctx);
done:
	return error;
}

static int check_hardlink(ps_state *st, const og_entry *e, og_findings *out)
{
	linknode *via = NULL;
	int above = 0, error = 0;

	if (!e->link || !e->link[0])
		goto done;
	st->tmp.len = 0;
	if (og_pathbuf_apply(&st->tmp, e->link, &above) < 0)
		goto oom;
	if (!above)
		via = links_through(st->sum, st->tmp.s, st->tmp.len, 0);
	if (above)
		error = og_findings_add(out, "link.escape", e->path,
			"hardlink %s -> %s points outside the root", e->path, e->link);
	else if (via)
		error = og_findings_add(out, "link.escape", e->path,
			"hardlink %s -> %s goes through symlink %s -> %s, which leaves the root",
			e->path, e->link, via->n.key, via->target);
	if (error < 0)
		goto oom;
	goto done;
oom:
	error = og_error_oom(st->ctx);
done:
	return error;
}

/* ".wh.NAME" removes dir/NAME from lower layers, ".wh..wh..opq" empties dir;
 * other ".wh..wh." names are aufs bookkeeping. */
static int note_whiteout(ps_state *st, const og_entry *e, size_t dlen,
	uint64_t dhash, const char *base)
{
	const char *name = base + 4;
	size_t nlen = strlen(name);
	uint64_t hash = dhash;
	int created, error = 0;
	wonode *w;

	if (strncmp(base, ".wh..wh.", 8) == 0 && strcmp(base, ".wh..wh..opq") != 0)
		goto done;
	if (nlen == 0)
		goto done;
	if (og_pathbuf_set(&st->tmp, st->path.s, dlen) < 0)
		goto oom;
	if (strcmp(base, ".wh..wh..opq") != 0) {
		if (og_pathbuf_reserve(&st->tmp, dlen + nlen + 2) < 0)
			goto oom;
		if (dlen)
			st->tmp.s[st->tmp.len++] = '/';
		memcpy(st->tmp.s + st->tmp.len, name, nlen + 1);
		st->tmp.len += nlen;
		hash = hash_str(st->sum->key, st->tmp.s, st->tmp.len);
	}
	w = (wonode *)map_get(&st->sum->whiteouts, sizeof(wonode), st->tmp.s,
		st->tmp.len, hash, &created);
	if (!w)
		goto oom;
	if (created)
		w->index = e->index;
	goto done;
oom:
	error = og_error_oom(st->ctx);
done:
	return error;
}

static int ps_entry(void *state, const og_entry *e, og_findings *out)
{
	ps_state *st = state;
	og_path_summary *sum = st->sum;
	linknode *via = NULL, *self = NULL;
	prefix_it it;
	dirnode *d;
	const char *p, *base;
	size_t plen, dlen = 0, end;
	uint64_t h, phash = 0, dhash;
	int above = 0, error = 0;

	if (!sum || !e->path)
		goto done;
	if (e->path[0] == '/' &&
	    (error = og_findings_add(out, "path.absolute", e->path,
			"entry name %s is absolute", e->path)) < 0)
		goto oom;
	st->path.len = 0;
	if (og_pathbuf_apply(&st->path, e->path, &above) < 0)
		goto oom;
	if (above) {
		/* Nowhere in the image: nothing more to say about it. */
		if (og_findings_add(out, "path.traversal", e->path,
				"entry name %s climbs out of the root with ..", e->path) < 0)
			goto oom;
		goto done;
	}
	p = st->path.s;
	plen = st->path.len;
	if (plen == 0)
		goto done; /* the root itself */

	/* One pass over the prefixes: the parent directory and its hash, and
	 * the first escaping symlink the entry is written through. */
	dhash = hash_str(sum->key, "", 0);
	prefix_init(&it, sum->key, p, plen);
	while (prefix_next(&it, &end, &h)) {
		if (end == plen) {
			phash = h;
			break;
		}
		dlen = end;
		dhash = h;
		if (!via && sum->alive_links) {
			via = (linknode *)map_find(&sum->links, p, end, h);
			if (via && !via->alive)
				via = NULL;
		}
	}
	if (via && og_findings_add(out, "link.escape", e->path,
			"%s is written through symlink %s -> %s, which leaves the root",
			e->path, via->n.key, via->target) < 0)
		goto oom;

	base = p + (dlen ? dlen + 1 : 0);
	if (strncmp(base, ".wh.", 4) == 0 &&
	    (error = note_whiteout(st, e, dlen, dhash, base)) < 0)
		goto done;
	if (dlen) {
		if (!(d = dir_get(sum, p, dlen, dhash)))
			goto oom;
		if (d->child_index == NONE) {
			if (!(d->child = og__strdup(e->path)))
				goto oom;
			d->child_index = e->index;
		}
	}

	/* Written outside the root: it replaces nothing in the image. */
	if (via)
		goto done;

	/* Any entry at an escaping symlink's path replaces it. */
	if (sum->links.count)
		self = (linknode *)map_find(&sum->links, p, plen, phash);
	link_kill(sum, self);
	switch (e->type) {
	case OG_ENTRY_DIR:
		if (!(d = dir_get(sum, p, plen, phash)))
			goto oom;
		if (d->dir_index == NONE)
			d->dir_index = e->index;
		break;
	case OG_ENTRY_SYMLINK:
		error = check_symlink(st, e, out, dlen, phash);
		break;
	case OG_ENTRY_HARDLINK:
		error = check_hardlink(st, e, out);
		break;
	default:
		break;
	}
	goto done;

oom:
	error = og_error_oom(st->ctx);
done:
	return error;
}

static int ps_end(void *state, og_findings *out)
{
	ps_state *st = state;

	(void)out;
	/* The scratch buffers are not needed past the walk. */
	free(st->path.s);
	free(st->tmp.s);
	memset(&st->path, 0, sizeof(st->path));
	memset(&st->tmp, 0, sizeof(st->tmp));
	return 0;
}

static void ps_free(void *state)
{
	ps_state *st = state;

	if (!st)
		return;
	og_path_summary_free(st->sum);
	free(st->path.s);
	free(st->tmp.s);
	free(st);
}

const og_visitor_class og_scan_path_safety = {
	"path_safety", ps_begin, ps_entry, ps_end, ps_free, NULL, NULL
};

int og_path_safety_take(og_path_summary **out, void *state)
{
	ps_state *st = state;

	*out = NULL;
	if (!st || !st->sum)
		return OG_EINVALID;
	*out = st->sum;
	st->sum = NULL;
	return 0;
}

/* ---------------------------------------------------- across the layers */

/* An escaping symlink left by a lower layer, as seen from the layers above. */
typedef struct actnode {
	node n;
	const linknode *src;
	size_t layer;
	uint64_t replaced; /* in the layer being looked at, NONE if not */
	int alive;
} actnode;

typedef struct cand {
	const dirnode *dir;
	actnode *via;
} cand;

static int cand_cmp(const void *a, const void *b)
{
	const cand *x = a, *y = b;

	if (x->dir->child_index != y->dir->child_index)
		return x->dir->child_index < y->dir->child_index ? -1 : 1;
	if (x->via->layer != y->via->layer)
		return x->via->layer < y->via->layer ? -1 : 1;
	if (x->via->src->index != y->via->src->index)
		return x->via->src->index < y->via->src->index ? -1 : 1;
	return 0;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The first entry of layer s that removes or replaces path p, or NONE. */
static uint64_t replaced_at(const og_path_summary *s, const char *p, size_t len)
{
	uint64_t r = NONE, h;
	prefix_it it;
	size_t end;
	const wonode *w;
	const dirnode *d;
	const linknode *l;

	if (s->whiteouts.count) {
		w = (const wonode *)map_find(&s->whiteouts, "", 0, hash_str(s->key, "", 0));
		if (w)
			r = w->index;
	}
	prefix_init(&it, s->key, p, len);
	while (prefix_next(&it, &end, &h)) {
		if (s->whiteouts.count) {
			w = (const wonode *)map_find(&s->whiteouts, p, end, h);
			if (w)
				r = min64(r, w->index);
		}
		if (end != len)
			continue;
		d = (const dirnode *)map_find(&s->dirs, p, end, h);
		if (d)
			r = min64(r, d->dir_index);
		l = (const linknode *)map_find(&s->links, p, end, h);
		if (l)
			r = min64(r, l->first_index);
	}
	return r;
}

static int push_cand(cand **items, size_t *count, size_t *cap,
	const dirnode *d, actnode *a)
{
	cand *n;
	size_t c;

	if (*count == *cap) {
		c = *cap ? *cap * 2 : 16;
		n = realloc(*items, c * sizeof(*n));
		if (!n)
			return OG_ENOMEM;
		*items = n;
		*cap = c;
	}
	(*items)[*count].dir = d;
	(*items)[*count].via = a;
	(*count)++;
	return 0;
}

/* Report the entries of layer s written through an alive active symlink. */
static int cross_layer(og_findings *out, map *active, const uint64_t akey[2],
	const og_path_summary *s, cand **cands, size_t *ccap)
{
	size_t i, end, n = 0;
	uint64_t h;
	prefix_it it;
	const dirnode *d;
	actnode *a;
	int error = 0;

	for (i = 0; i < active->cap; i++) {
		a = (actnode *)active->slots[i];
		if (a && a->alive)
			a->replaced = replaced_at(s, a->n.key, a->n.len);
	}
	for (i = 0; i < s->dirs.cap; i++) {
		d = (const dirnode *)s->dirs.slots[i];
		if (!d || d->child_index == NONE)
			continue;
		prefix_init(&it, akey, d->n.key, d->n.len);
		while (prefix_next(&it, &end, &h)) {
			a = (actnode *)map_find(active, d->n.key, end, h);
			if (!a || !a->alive ||
			    (a->replaced != NONE && a->replaced <= d->child_index))
				continue;
			if ((error = push_cand(cands, &n, ccap, d, a)) < 0)
				goto done;
		}
	}
	if (n > 1)
		qsort(*cands, n, sizeof(**cands), cand_cmp);
	for (i = 0; i < n; i++) {
		d = (*cands)[i].dir;
		a = (*cands)[i].via;
		error = og_findings_add(out, "link.escape", d->child,
			"%s is written through symlink %s -> %s of layer %zu, which leaves the root",
			d->child, a->n.key, a->src->target, a->layer);
		if (error < 0)
			goto done;
	}
done:
	return error;
}

int og_path_safety_cross(og_findings *out, og_path_summary *const *layers,
	size_t count)
{
	map active;
	uint64_t akey[2];
	cand *cands = NULL;
	size_t ccap = 0, alive = 0, i, j;
	const og_path_summary *s;
	const linknode *l;
	actnode *a;
	int error = 0, created;

	memset(&active, 0, sizeof(active));
	random_key(akey, &active);
	for (j = 0; j < count; j++) {
		if (!(s = layers[j]))
			continue;
		if (alive) {
			if ((error = cross_layer(out, &active, akey, s, &cands, &ccap)) < 0)
				goto done;
			for (i = 0; i < active.cap; i++) {
				a = (actnode *)active.slots[i];
				if (a && a->alive && a->replaced != NONE) {
					a->alive = 0;
					alive--;
				}
			}
		}
		for (i = 0; i < s->links.cap; i++) {
			l = (const linknode *)s->links.slots[i];
			if (!l || !l->alive)
				continue;
			a = (actnode *)map_get(&active, sizeof(actnode), l->n.key, l->n.len,
				hash_str(akey, l->n.key, l->n.len), &created);
			if (!a) {
				error = OG_ENOMEM;
				goto done;
			}
			a->src = l;
			a->layer = j;
			if (!a->alive) {
				a->alive = 1;
				alive++;
			}
		}
	}
done:
	free(cands);
	map_dispose(&active, NULL);
	return error;
}
