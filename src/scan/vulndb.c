/*
 * The offline OSV vulnerability database (see vulndb.h).
 *
 * Layout: every string lives in an arena; version strings, ecosystems and
 * package names are interned (OSV "versions" lists repeat the same strings
 * across many advisories of a package). Advisories, affected entries,
 * ranges, events and version lists are flat arrays that refer to each
 * other by index; a chained hash table maps (ecosystem, package) to its
 * entries. Events are sorted once at load time with the ecosystem's
 * version ordering, so a match is a short walk.
 *
 * The brief for this module places the zip reading (libarchive) here,
 * next to the only user of OSV zips, rather than in oci/tar*.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include "scan/version.h"
#include "scan/vulndb.h"

#define MAX_DEPTH 32
#define MAX_ITEMS ((size_t)1 << 28) /* indexes stay in uint32_t */
#define ARENA_CHUNK ((size_t)256 << 10)

enum { EV_INTRODUCED, EV_LAST_AFFECTED, EV_FIXED };
enum { ORD_DPKG, ORD_APK };

typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	char data[];
} arena_chunk;

typedef struct adv {
	const char *id, *aliases, *summary;
	int64_t modified;
	double cvss;
	signed char sev; /* database_specific.severity or -1 */
} adv;

typedef struct entry {
	const char *eco, *pkg; /* interned */
	uint32_t hash;
	uint32_t adv;
	uint32_t next;          /* next entry in the bucket + 1, 0 = end */
	uint32_t rng_first, rng_count;
	uint32_t ver_first, ver_count;
	signed char sev;        /* ecosystem_specific.severity or -1 */
	unsigned char ord;      /* ORD_DPKG or ORD_APK */
} entry;

typedef struct range {
	uint32_t ev_first, ev_count;
} range;

typedef struct event {
	const char *ver; /* interned */
	int kind;
} event;

/* A growable array of fixed-size items, capped at MAX_ITEMS. */
typedef struct vec {
	void *p;
	size_t n, cap;
} vec;

/* ---- JSON ----
 *
 * A small JSON reader for OSV records: jansson builds a tree of malloc'd
 * values per record, which made it most of the load time (50,000 records).
 * This one parses a whole record in one pass into an array of nodes reused
 * from record to record, decoding strings in place in the record's buffer
 * (a decoded string is never longer than its JSON form). It checks the full
 * JSON grammar, UTF-8 and escapes; it rejects "\u0000" (ids and versions
 * are C strings). Nodes refer to each other by index; 0 is "none".
 */

enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jnode {
	const char *key; /* the member name, inside an object */
	const char *s;   /* J_STR: the decoded string */
	uint32_t child, next;
	int type;
} jnode;

typedef struct jparser {
	jnode *n;
	size_t nn, cap;
	char *start, *p, *end;
	const char *err;  /* what is wrong (static string), NULL if fine */
	const char *errpos;
	unsigned depth;
} jparser;

#define JMAX_DEPTH 64
#define JN(j, i) ((j)->n[i])

static uint32_t jfail(jparser *j, const char *msg)
{
	if (!j->err) {
		j->err = msg;
		j->errpos = j->p;
	}
	return 0;
}

static uint32_t jnew(jparser *j, int type)
{
	if (j->nn >= j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 1024;
		jnode *n;

		if (cap > MAX_ITEMS)
			return jfail(j, "too many JSON values");
		n = realloc(j->n, cap * sizeof(*n));
		if (!n)
			return jfail(j, "out of memory");
		j->n = n;
		j->cap = cap;
	}
	JN(j, j->nn).type = type;
	JN(j, j->nn).key = NULL;
	JN(j, j->nn).s = NULL;
	JN(j, j->nn).child = 0;
	JN(j, j->nn).next = 0;
	return (uint32_t)j->nn++;
}

static void jws(jparser *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p (p + 4 <= end checked by the caller). */
static long hex4(const char *p)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int h = hexval((unsigned char)p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* The string at j->p (on its opening quote), decoded in place. */
static const char *jstring(jparser *j)
{
	char *w = ++j->p; /* the buffer is ours and writable */
	char *out = w;

	for (;;) {
		unsigned char c;

		if (j->p >= j->end)
			return jfail(j, "unterminated string"), NULL;
		c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			break;
		}
		if (c < 0x20)
			return jfail(j, "control character in a string"), NULL;
		if (c >= 0x80) {
			size_t n = utf8_len((const unsigned char *)j->p, (const unsigned char *)j->end);

			if (!n)
				return jfail(j, "invalid UTF-8"), NULL;
			memmove(w, j->p, n);
			w += n;
			j->p += n;
			continue;
		}
		if (c != '\\') {
			*w++ = (char)c;
			j->p++;
			continue;
		}
		if (j->end - j->p < 2)
			return jfail(j, "unterminated string"), NULL;
		c = (unsigned char)j->p[1];
		j->p += 2;
		switch (c) {
		case '"': case '\\': case '/':
			*w++ = (char)c;
			break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'u': {
			long cp;

			if (j->end - j->p < 4 || (cp = hex4(j->p)) < 0)
				return jfail(j, "invalid \\u escape"), NULL;
			j->p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				long lo;

				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
				    (lo = hex4(j->p + 2)) < 0xDC00 || lo > 0xDFFF)
					return jfail(j, "invalid surrogate pair"), NULL;
				j->p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return jfail(j, "invalid surrogate pair"), NULL;
			}
			if (cp == 0)
				return jfail(j, "\\u0000 in a string"), NULL;
			if (cp < 0x80) {
				*w++ = (char)cp;
			} else if (cp < 0x800) {
				*w++ = (char)(0xC0 | (cp >> 6));
				*w++ = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				*w++ = (char)(0xE0 | (cp >> 12));
				*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*w++ = (char)(0x80 | (cp & 0x3F));
			} else {
				*w++ = (char)(0xF0 | (cp >> 18));
				*w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
				*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*w++ = (char)(0x80 | (cp & 0x3F));
			}
			break;
		}
		default:
			return jfail(j, "invalid escape"), NULL;
		}
	}
	*w = '\0'; /* at most where the closing quote was */
	return out;
}

static int jliteral(jparser *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
		return -1;
	j->p += n;
	return 0;
}

static int is_dig(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static uint32_t jvalue(jparser *j)
{
	uint32_t node = 0, last = 0, child;

	jws(j);
	if (j->p >= j->end)
		return jfail(j, "unexpected end of input");
	switch (*j->p) {
	case '{':
	case '[': {
		int obj = *j->p == '{';
		char close = obj ? '}' : ']';

		if (++j->depth > JMAX_DEPTH)
			return jfail(j, "nested too deep");
		node = jnew(j, obj ? J_OBJ : J_ARR);
		if (!node)
			return 0;
		j->p++;
		jws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			break;
		}
		for (;;) {
			const char *key = NULL;

			if (obj) {
				jws(j);
				if (j->p >= j->end || *j->p != '"')
					return jfail(j, "expected a member name");
				key = jstring(j);
				if (!key)
					return 0;
				jws(j);
				if (j->p >= j->end || *j->p != ':')
					return jfail(j, "expected ':'");
				j->p++;
			}
			child = jvalue(j);
			if (!child)
				return 0;
			JN(j, child).key = key;
			if (last)
				JN(j, last).next = child;
			else
				JN(j, node).child = child;
			last = child;
			jws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == close) {
				j->p++;
				break;
			}
			return jfail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		}
		j->depth--;
		break;
	}
	case '"': {
		const char *s;

		node = jnew(j, J_STR);
		if (!node)
			return 0;
		s = jstring(j);
		if (!s)
			return 0;
		JN(j, node).s = s;
		break;
	}
	case 't':
		if (jliteral(j, "true"))
			return jfail(j, "invalid literal");
		node = jnew(j, J_TRUE);
		break;
	case 'f':
		if (jliteral(j, "false"))
			return jfail(j, "invalid literal");
		node = jnew(j, J_FALSE);
		break;
	case 'n':
		if (jliteral(j, "null"))
			return jfail(j, "invalid literal");
		node = jnew(j, J_NULL);
		break;
	default:
		/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
		if (*j->p == '-')
			j->p++;
		if (!is_dig(j->p, j->end))
			return jfail(j, "unexpected character");
		if (*j->p == '0')
			j->p++;
		else
			while (is_dig(j->p, j->end))
				j->p++;
		if (j->p < j->end && *j->p == '.') {
			j->p++;
			if (!is_dig(j->p, j->end))
				return jfail(j, "invalid number");
			while (is_dig(j->p, j->end))
				j->p++;
		}
		if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
			j->p++;
			if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
				j->p++;
			if (!is_dig(j->p, j->end))
				return jfail(j, "invalid number");
			while (is_dig(j->p, j->end))
				j->p++;
		}
		node = jnew(j, J_NUM);
		break;
	}
	return node;
}

/* Parse buf[0..len) (writable: strings are decoded in place). The root, or
 * 0 with j->err set. */
static uint32_t jparse(jparser *j, char *buf, size_t len)
{
	uint32_t root;

	j->nn = 1; /* index 0 is "none" */
	j->start = j->p = buf;
	j->end = buf + len;
	j->err = NULL;
	j->depth = 0;
	root = jvalue(j);
	if (!root)
		return 0;
	jws(j);
	if (j->p != j->end)
		return jfail(j, "text after the JSON value");
	return root;
}

static size_t jline(const jparser *j)
{
	const char *p;
	size_t line = 1;

	for (p = j->start; p < j->errpos && p < j->end; p++)
		line += *p == '\n';
	return line;
}

/* Member key of object o, or 0. */
static uint32_t jget(const jparser *j, uint32_t o, const char *key)
{
	uint32_t c;

	if (!o || JN(j, o).type != J_OBJ)
		return 0;
	for (c = JN(j, o).child; c; c = JN(j, c).next)
		if (!strcmp(JN(j, c).key, key))
			return c;
	return 0;
}

static const char *jstr(const jparser *j, uint32_t n)
{
	return (n && JN(j, n).type == J_STR) ? JN(j, n).s : NULL;
}

static int jis(const jparser *j, uint32_t n, int type)
{
	return n && JN(j, n).type == type;
}

/* First element of an array (0 if none or not an array); then JN().next. */
static uint32_t jfirst(const jparser *j, uint32_t a)
{
	return jis(j, a, J_ARR) ? JN(j, a).child : 0;
}

struct og_vulndb {
	arena_chunk *arena;
	const char **intern; /* open addressing, power-of-two size */
	size_t intern_n, intern_cap;
	vec advs, ents, rngs, evs, vers;
	uint32_t *buckets;   /* entry index + 1, 0 = empty */
	size_t nbuckets;
	size_t skipped, withdrawn;
	int64_t newest;
	jparser jp;          /* scratch nodes while loading */
};

/* ---- memory ---- */

static void *arena_alloc(og_vulndb *db, size_t n)
{
	arena_chunk *c = db->arena;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = db->arena;
		db->arena = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

static const char *arena_strndup(og_vulndb *db, const char *s, size_t n)
{
	char *d = arena_alloc(db, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static uint32_t hash_bytes(uint32_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

#define HASH_INIT 2166136261u

static int intern_grow(og_vulndb *db)
{
	size_t cap = db->intern_cap ? db->intern_cap * 2 : 4096, i;
	const char **t = calloc(cap, sizeof(*t));

	if (!t)
		return OG_ENOMEM;
	for (i = 0; i < db->intern_cap; i++) {
		const char *s = db->intern[i];
		size_t j;

		if (!s)
			continue;
		j = hash_bytes(HASH_INIT, s, strlen(s)) & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = s;
	}
	free(db->intern);
	db->intern = t;
	db->intern_cap = cap;
	return 0;
}

/* The one stored copy of s; NULL on OOM. */
static const char *intern(og_vulndb *db, const char *s)
{
	size_t n = strlen(s), j;
	const char *d;

	if ((db->intern_n + 1) * 2 > db->intern_cap && intern_grow(db) < 0)
		return NULL;
	j = hash_bytes(HASH_INIT, s, n) & (db->intern_cap - 1);
	while (db->intern[j]) {
		if (!strcmp(db->intern[j], s))
			return db->intern[j];
		j = (j + 1) & (db->intern_cap - 1);
	}
	d = arena_strndup(db, s, n);
	if (!d)
		return NULL;
	db->intern[j] = d;
	db->intern_n++;
	return d;
}

/* Room for one more item of size sz; returns it (zeroed) or NULL. */
static void *vec_push(vec *v, size_t sz)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		void *p;

		if (v->n >= MAX_ITEMS)
			return NULL;
		p = realloc(v->p, cap * sz);
		if (!p)
			return NULL;
		v->p = p;
		v->cap = cap;
	}
	memset((char *)v->p + v->n * sz, 0, sz);
	return (char *)v->p + v->n++ * sz;
}

#define ADV(db, i) (((adv *)(db)->advs.p)[i])
#define ENT(db, i) (((entry *)(db)->ents.p)[i])
#define RNG(db, i) (((range *)(db)->rngs.p)[i])
#define EVT(db, i) (((event *)(db)->evs.p)[i])
#define VER(db, i) (((const char **)(db)->vers.p)[i])

/* Sets the message for a push that failed: the cap, or memory. */
static int push_failed(og_ctx *ctx, const vec *v, const char *name)
{
	if (v->n >= MAX_ITEMS)
		return og_error_set(ctx, OG_ELIMIT, "%s: more than %zu items in the vulnerability database",
			name, MAX_ITEMS);
	return og_error_oom(ctx);
}

/* ---- severity ---- */

static int severity_word(const char *s)
{
	static const struct { const char *w; og_severity_t sev; } map[] = {
		{ "critical", OG_SEV_CRITICAL },
		{ "high", OG_SEV_HIGH }, { "important", OG_SEV_HIGH },
		{ "medium", OG_SEV_MEDIUM }, { "moderate", OG_SEV_MEDIUM },
		{ "low", OG_SEV_LOW }, { "unimportant", OG_SEV_LOW }, { "negligible", OG_SEV_LOW },
	};
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(s, map[i].w))
			return (int)map[i].sev;
	return -1;
}

static og_severity_t severity_of_score(double score)
{
	if (score >= 9.0)
		return OG_SEV_CRITICAL;
	if (score >= 7.0)
		return OG_SEV_HIGH;
	if (score >= 4.0)
		return OG_SEV_MEDIUM;
	/* 0.0 ("none") has no finding of its own: report it as LOW. */
	return OG_SEV_LOW;
}

/* CVSS v3.1 Roundup: the smallest one-decimal number >= x, computed on
 * integers so that 4.000000001 does not become 4.1. */
static double cvss_roundup(double x)
{
	/* x >= 0 here: adding 0.5 and truncating rounds to nearest. */
	long long i = (long long)(x * 100000.0 + 0.5);

	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

/* x to the 15th, without libm. */
static double pow15(double x)
{
	double x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;

	return x8 * x4 * x2 * x;
}

static double min10(double x)
{
	return x < 10.0 ? x : 10.0;
}

/* Value of metric letter c among the pairs "X=v". -1 if not listed. */
static double metric(const char *letters, const double *vals, char c)
{
	const char *p = strchr(letters, c);

	return (c && p) ? vals[p - letters] : -1.0;
}

double og_vulndb__cvss3_score(const char *vector)
{
	/* Base metric values from the CVSS v3.1 specification, section 7.4. */
	static const double av_v[] = { 0.85, 0.62, 0.55, 0.2 };
	static const double ac_v[] = { 0.77, 0.44 };
	static const double ui_v[] = { 0.85, 0.62 };
	static const double cia_v[] = { 0.56, 0.22, 0.0 };
	char av = 0, ac = 0, pr = 0, ui = 0, s = 0, c = 0, i = 0, a = 0;
	const char *p;
	double vav, vac, vpr, vui, vc, vi, va, iss, impact, expl;

	if (!vector || (strncmp(vector, "CVSS:3.0/", 9) && strncmp(vector, "CVSS:3.1/", 9)))
		return -1.0;
	for (p = vector + 8; *p == '/'; ) {
		const char *name = ++p, *colon = strchr(p, ':');
		char *slot = NULL;
		size_t n;

		if (!colon)
			return -1.0;
		n = (size_t)(colon - name);
		if (n == 2 && !memcmp(name, "AV", 2))
			slot = &av;
		else if (n == 2 && !memcmp(name, "AC", 2))
			slot = &ac;
		else if (n == 2 && !memcmp(name, "PR", 2))
			slot = &pr;
		else if (n == 2 && !memcmp(name, "UI", 2))
			slot = &ui;
		else if (n == 1 && *name == 'S')
			slot = &s;
		else if (n == 1 && *name == 'C')
			slot = &c;
		else if (n == 1 && *name == 'I')
			slot = &i;
		else if (n == 1 && *name == 'A')
			slot = &a;
		p = colon + 1;
		if (!*p || *p == '/')
			return -1.0;
		if (slot) {
			if (*slot || (p[1] && p[1] != '/'))
				return -1.0; /* repeated metric, or a long value */
			*slot = *p;
		}
		while (*p && *p != '/')
			p++;
	}
	if (*p)
		return -1.0;
	vav = metric("NALP", av_v, av);
	vac = metric("LH", ac_v, ac);
	vui = metric("NR", ui_v, ui);
	vc = metric("HLN", cia_v, c);
	vi = metric("HLN", cia_v, i);
	va = metric("HLN", cia_v, a);
	if (s != 'U' && s != 'C')
		return -1.0;
	if (pr == 'N')
		vpr = 0.85;
	else if (pr == 'L')
		vpr = s == 'C' ? 0.68 : 0.62;
	else if (pr == 'H')
		vpr = s == 'C' ? 0.5 : 0.27;
	else
		return -1.0;
	if (vav < 0 || vac < 0 || vui < 0 || vc < 0 || vi < 0 || va < 0)
		return -1.0;
	iss = 1.0 - (1.0 - vc) * (1.0 - vi) * (1.0 - va);
	if (s == 'U')
		impact = 6.42 * iss;
	else
		impact = 7.52 * (iss - 0.029) - 3.25 * pow15(iss - 0.02);
	expl = 8.22 * vav * vac * vpr * vui;
	if (impact <= 0)
		return 0.0;
	if (s == 'U')
		return cvss_roundup(min10(impact + expl));
	return cvss_roundup(min10(1.08 * (impact + expl)));
}

/* ---- time ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int take_digits(const char **p, size_t n, unsigned *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*out = *out * 10 + (unsigned)((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* RFC 3339 "2023-10-03T15:00:00[.frac](Z|+hh:mm|-hh:mm)" to unix seconds. */
static int parse_rfc3339(const char *s, int64_t *out)
{
	unsigned y, mo, d, h, mi, se, oh = 0, om = 0;
	int sign = 0;
	const char *p = s;

	if (take_digits(&p, 4, &y) || *p++ != '-' || take_digits(&p, 2, &mo) || *p++ != '-' ||
	    take_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (take_digits(&p, 2, &h) || *p++ != ':' || take_digits(&p, 2, &mi) || *p++ != ':' ||
	    take_digits(&p, 2, &se))
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (take_digits(&p, 2, &oh) || *p++ != ':' || take_digits(&p, 2, &om))
			return -1;
	} else {
		return -1;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
		sign * (int64_t)(oh * 3600 + om * 60);
	return 0;
}

/* ---- records ---- */

static int ecosystem_order(const char *eco)
{
	const char *p;

	if (!strncmp(eco, "Debian:", 7)) {
		for (p = eco + 7; *p >= '0' && *p <= '9'; p++)
			;
		return (p > eco + 7 && !*p) ? ORD_DPKG : -1;
	}
	if (!strncmp(eco, "Alpine:v", 8)) {
		p = eco + 8;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p; p++)
			if ((*p < '0' || *p > '9') && *p != '.')
				return -1;
		return ORD_APK;
	}
	return -1;
}

static int version_cmp(int ord, const char *a, const char *b)
{
	return ord == ORD_DPKG ? og_version_cmp_dpkg(a, b) : og_version_cmp_apk(a, b);
}

/* Events in OSV order: "introduced": "0" first, then by version; on equal
 * versions introduced < last_affected < fixed. Lists are short: insertion. */
static int event_before(int ord, const event *a, const event *b)
{
	int za = a->kind == EV_INTRODUCED && !strcmp(a->ver, "0");
	int zb = b->kind == EV_INTRODUCED && !strcmp(b->ver, "0");
	int c;

	if (za || zb)
		return za && !zb;
	c = version_cmp(ord, a->ver, b->ver);
	return c < 0 || (c == 0 && a->kind < b->kind);
}

static void sort_events(event *ev, size_t n, int ord)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		event t = ev[i];

		for (j = i; j > 0 && event_before(ord, &t, &ev[j - 1]); j--)
			ev[j] = ev[j - 1];
		ev[j] = t;
	}
}

/* Load one ECOSYSTEM range's events. */
static int load_range(og_vulndb *db, og_ctx *ctx, const char *name, uint32_t jr, int ord)
{
	const jparser *j = &db->jp;
	uint32_t events = jget(j, jr, "events"), ev;
	range *r;
	size_t first = db->evs.n;
	int error = 0;

	if (!jis(j, events, J_ARR)) {
		error = og_error_set(ctx, OG_EINVALID, "%s: a range has no \"events\" array", name);
		goto done;
	}
	for (ev = jfirst(j, events); ev; ev = JN(j, ev).next) {
		static const struct { const char *key; int kind; } keys[] = {
			{ "introduced", EV_INTRODUCED }, { "fixed", EV_FIXED },
			{ "last_affected", EV_LAST_AFFECTED },
		};
		size_t k;

		if (!jis(j, ev, J_OBJ)) {
			error = og_error_set(ctx, OG_EINVALID, "%s: an event is not an object", name);
			goto done;
		}
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			uint32_t v = jget(j, ev, keys[k].key);
			event *e;

			if (!v)
				continue;
			if (!jis(j, v, J_STR)) {
				error = og_error_set(ctx, OG_EINVALID, "%s: event \"%s\" is not a string",
					name, keys[k].key);
				goto done;
			}
			e = vec_push(&db->evs, sizeof(event));
			if (!e) {
				error = push_failed(ctx, &db->evs, name);
				goto done;
			}
			e->kind = keys[k].kind;
			e->ver = intern(db, jstr(j, v));
			if (!e->ver) {
				error = og_error_oom(ctx);
				goto done;
			}
		}
	}
	if (db->evs.n == first)
		goto done;
	sort_events(&EVT(db, first), db->evs.n - first, ord);
	r = vec_push(&db->rngs, sizeof(range));
	if (!r) {
		error = push_failed(ctx, &db->rngs, name);
		goto done;
	}
	r->ev_first = (uint32_t)first;
	r->ev_count = (uint32_t)(db->evs.n - first);
done:
	return error;
}

/* One affected[] item; *kept is set when it is a Debian/Alpine entry. */
static int load_affected(og_vulndb *db, og_ctx *ctx, const char *name, uint32_t ja,
	uint32_t adv_index, int *kept)
{
	const jparser *j = &db->jp;
	uint32_t pkg, ranges, versions, it;
	const char *eco, *pname;
	entry *e;
	size_t rng_first = db->rngs.n, ver_first = db->vers.n;
	int ord, error = 0;

	*kept = 0;
	if (!jis(j, ja, J_OBJ)) {
		error = og_error_set(ctx, OG_EINVALID, "%s: an \"affected\" item is not an object", name);
		goto done;
	}
	pkg = jget(j, ja, "package");
	if (!pkg)
		goto done; /* e.g. a GIT-only entry */
	eco = jstr(j, jget(j, pkg, "ecosystem"));
	pname = jstr(j, jget(j, pkg, "name"));
	if (!eco || !pname) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: affected[].package needs string \"ecosystem\" and \"name\"", name);
		goto done;
	}
	ord = ecosystem_order(eco);
	if (ord < 0)
		goto done;
	ranges = jget(j, ja, "ranges");
	if (ranges && !jis(j, ranges, J_ARR)) {
		error = og_error_set(ctx, OG_EINVALID, "%s: \"ranges\" is not an array", name);
		goto done;
	}
	for (it = jfirst(j, ranges); it; it = JN(j, it).next) {
		const char *type = jstr(j, jget(j, it, "type"));

		if (!type) {
			error = og_error_set(ctx, OG_EINVALID, "%s: a range has no \"type\"", name);
			goto done;
		}
		if (strcmp(type, "ECOSYSTEM"))
			continue;
		error = load_range(db, ctx, name, it, ord);
		if (error < 0)
			goto done;
	}
	versions = jget(j, ja, "versions");
	if (versions && !jis(j, versions, J_ARR)) {
		error = og_error_set(ctx, OG_EINVALID, "%s: \"versions\" is not an array", name);
		goto done;
	}
	for (it = jfirst(j, versions); it; it = JN(j, it).next) {
		const char **v;

		if (!jis(j, it, J_STR)) {
			error = og_error_set(ctx, OG_EINVALID, "%s: a \"versions\" item is not a string", name);
			goto done;
		}
		v = vec_push(&db->vers, sizeof(const char *));
		if (!v) {
			error = push_failed(ctx, &db->vers, name);
			goto done;
		}
		*v = intern(db, jstr(j, it));
		if (!*v) {
			error = og_error_oom(ctx);
			goto done;
		}
	}
	e = vec_push(&db->ents, sizeof(entry));
	if (!e) {
		error = push_failed(ctx, &db->ents, name);
		goto done;
	}
	e->eco = intern(db, eco);
	e->pkg = intern(db, pname);
	if (!e->eco || !e->pkg) {
		error = og_error_oom(ctx);
		goto done;
	}
	e->adv = adv_index;
	e->ord = (unsigned char)ord;
	e->rng_first = (uint32_t)rng_first;
	e->rng_count = (uint32_t)(db->rngs.n - rng_first);
	e->ver_first = (uint32_t)ver_first;
	e->ver_count = (uint32_t)(db->vers.n - ver_first);
	e->sev = (signed char)severity_word(jstr(j,
		jget(j, jget(j, ja, "ecosystem_specific"), "severity")));
	*kept = 1;
done:
	return error;
}

/* The strings of arrays "aliases", "upstream", "related", comma-separated,
 * without repeats, copied to the arena; *out NULL when there are none. */
static int join_aliases(og_vulndb *db, og_ctx *ctx, uint32_t root, const char **out)
{
	static const char *const keys[] = { "aliases", "upstream", "related" };
	const jparser *j = &db->jp;
	char *buf = NULL;
	size_t len = 0, k;
	int error = 0;

	*out = NULL;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		uint32_t it;

		for (it = jfirst(j, jget(j, root, keys[k])); it; it = JN(j, it).next) {
			const char *s = jstr(j, it), *q = buf;
			size_t n;
			char *nb;
			int dup = 0;

			if (!s || !*s || strchr(s, ','))
				continue;
			n = strlen(s);
			while (q && *q) {
				const char *end = strchr(q, ',');
				size_t qn = end ? (size_t)(end - q) : strlen(q);

				if (qn == n && !memcmp(q, s, n)) {
					dup = 1;
					break;
				}
				q = end ? end + 1 : NULL;
			}
			if (dup)
				continue;
			nb = realloc(buf, len + n + 2);
			if (!nb) {
				error = og_error_oom(ctx);
				goto done;
			}
			buf = nb;
			if (len)
				buf[len++] = ',';
			memcpy(buf + len, s, n);
			len += n;
			buf[len] = '\0';
		}
	}
	if (buf) {
		*out = arena_strndup(db, buf, len);
		if (!*out)
			error = og_error_oom(ctx);
	}
done:
	free(buf);
	return error;
}

/* The first CVSS_V3 score in an OSV severity[] array, or -1. */
static double cvss_of(const jparser *j, uint32_t sevs)
{
	uint32_t it;

	for (it = jfirst(j, sevs); it; it = JN(j, it).next) {
		const char *type = jstr(j, jget(j, it, "type"));
		const char *score = jstr(j, jget(j, it, "score"));
		double v;

		if (!type || !score || strcmp(type, "CVSS_V3"))
			continue;
		v = og_vulndb__cvss3_score(score);
		if (v >= 0)
			return v;
	}
	return -1.0;
}

/* Add one parsed OSV record; name is the file (or zip:member) for messages. */
static int load_record(og_vulndb *db, og_ctx *ctx, const char *name, uint32_t root)
{
	const jparser *j = &db->jp;
	uint32_t affected, ja, withdrawn, jmod;
	const char *id, *summary;
	uint32_t adv_index = (uint32_t)db->advs.n;
	size_t nkept = 0;
	int64_t modified = -1;
	adv *a;
	int error = 0;

	if (!jis(j, root, J_OBJ)) {
		error = og_error_set(ctx, OG_EINVALID, "%s: not a JSON object", name);
		goto done;
	}
	id = jstr(j, jget(j, root, "id"));
	if (!id || !*id) {
		error = og_error_set(ctx, OG_EINVALID, "%s: no string \"id\"", name);
		goto done;
	}
	withdrawn = jget(j, root, "withdrawn");
	if (withdrawn && !jis(j, withdrawn, J_NULL)) {
		db->withdrawn++;
		goto done;
	}
	jmod = jget(j, root, "modified");
	if (jmod && (!jis(j, jmod, J_STR) || parse_rfc3339(jstr(j, jmod), &modified) < 0)) {
		error = og_error_set(ctx, OG_EINVALID, "%s: \"modified\" is not an RFC 3339 time", name);
		goto done;
	}
	affected = jget(j, root, "affected");
	if (affected && !jis(j, affected, J_ARR)) {
		error = og_error_set(ctx, OG_EINVALID, "%s: \"affected\" is not an array", name);
		goto done;
	}
	if (db->advs.n >= MAX_ITEMS) {
		error = push_failed(ctx, &db->advs, name);
		goto done;
	}
	for (ja = jfirst(j, affected); ja; ja = JN(j, ja).next) {
		int kept;

		error = load_affected(db, ctx, name, ja, adv_index, &kept);
		if (error < 0)
			goto done;
		nkept += (size_t)kept;
	}
	if (!nkept) {
		db->skipped++;
		goto done;
	}
	a = vec_push(&db->advs, sizeof(adv));
	if (!a) {
		error = push_failed(ctx, &db->advs, name);
		goto done;
	}
	a->id = arena_strndup(db, id, strlen(id));
	summary = jstr(j, jget(j, root, "summary"));
	a->summary = summary ? arena_strndup(db, summary, strlen(summary)) : NULL;
	if (!a->id || (summary && !a->summary)) {
		error = og_error_oom(ctx);
		goto done;
	}
	error = join_aliases(db, ctx, root, &a->aliases);
	if (error < 0)
		goto done;
	a->modified = modified;
	a->sev = (signed char)severity_word(jstr(j,
		jget(j, jget(j, root, "database_specific"), "severity")));
	a->cvss = cvss_of(j, jget(j, root, "severity"));
	/* OSV also allows severity[] per affected package. */
	for (ja = jfirst(j, affected); ja && a->cvss < 0; ja = JN(j, ja).next)
		a->cvss = cvss_of(j, jget(j, ja, "severity"));
	if (modified > db->newest)
		db->newest = modified;
done:
	return error;
}

/* Parse and add one record; buf is writable (decoded in place). */
static int load_buffer(og_vulndb *db, og_ctx *ctx, const char *name, char *buf, size_t len)
{
	uint32_t root = jparse(&db->jp, buf, len);
	int error;

	if (root)
		error = load_record(db, ctx, name, root);
	else if (!strcmp(db->jp.err, "out of memory"))
		error = og_error_oom(ctx);
	else
		error = og_error_set(ctx, OG_EINVALID, "%s: invalid JSON at line %zu: %s", name,
			jline(&db->jp), db->jp.err);
	return error;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int load_json_file(og_vulndb *db, og_ctx *ctx, const char *path)
{
	char *buf = NULL;
	size_t cap = ctx->limits.max_json, len = 0;
	struct stat st;
	int fd = -1, error = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		error = og_error_set(ctx, errno == ENOENT ? OG_ENOTFOUND : OG_ERROR, "%s: %s",
			path, strerror(errno));
		goto done;
	}
	if ((uint64_t)st.st_size > cap) {
		error = og_error_set(ctx, OG_ELIMIT, "%s: %lld bytes, over the JSON limit of %zu",
			path, (long long)st.st_size, cap);
		goto done;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		error = og_error_oom(ctx);
		goto done;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error = og_error_set(ctx, OG_ERROR, "%s: read: %s", path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	error = load_buffer(db, ctx, path, buf, len);
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	return error;
}

static int load_zip(og_vulndb *db, og_ctx *ctx, const char *path)
{
	struct archive *ar = NULL;
	struct archive_entry *ae;
	char *buf = NULL, *name = NULL;
	size_t cap = ctx->limits.max_json, bufcap = 0, members = 0;
	int error = 0, r;

	ar = archive_read_new();
	if (!ar) {
		error = og_error_oom(ctx);
		goto done;
	}
	archive_read_support_format_zip(ar);
	if (archive_read_open_filename(ar, path, 64 << 10) != ARCHIVE_OK) {
		error = og_error_set(ctx, access(path, F_OK) ? OG_ENOTFOUND : OG_EINVALID,
			"%s: not a readable zip: %s", path, archive_error_string(ar));
		goto done;
	}
	while ((r = archive_read_next_header(ar, &ae)) == ARCHIVE_OK) {
		const char *mname = archive_entry_pathname(ae);
		size_t len = 0;

		if (++members > ctx->limits.max_archive_entries) {
			error = og_error_set(ctx, OG_ELIMIT, "%s: more than %zu members", path,
				ctx->limits.max_archive_entries);
			goto done;
		}
		if (archive_entry_filetype(ae) != AE_IFREG || !mname || !has_suffix(mname, ".json"))
			continue;
		free(name);
		name = og__asprintf("%s:%s", path, mname);
		if (!name) {
			error = og_error_oom(ctx);
			goto done;
		}
		for (;;) {
			la_ssize_t n;

			if (bufcap - len < 16384) {
				size_t nc = bufcap ? bufcap * 2 : 65536;
				char *nb;

				if (nc > cap + 16384)
					nc = cap + 16384;
				if (nc <= bufcap) {
					error = og_error_set(ctx, OG_ELIMIT,
						"%s: member over the JSON limit of %zu bytes", name, cap);
					goto done;
				}
				nb = realloc(buf, nc);
				if (!nb) {
					error = og_error_oom(ctx);
					goto done;
				}
				buf = nb;
				bufcap = nc;
			}
			n = archive_read_data(ar, buf + len, bufcap - len);
			if (n < 0) {
				error = og_error_set(ctx, OG_EINVALID, "%s: %s", name,
					archive_error_string(ar));
				goto done;
			}
			if (n == 0)
				break;
			len += (size_t)n;
			if (len > cap) {
				error = og_error_set(ctx, OG_ELIMIT,
					"%s: member over the JSON limit of %zu bytes", name, cap);
				goto done;
			}
		}
		error = load_buffer(db, ctx, name, buf, len);
		if (error < 0)
			goto done;
	}
	if (r != ARCHIVE_EOF) {
		error = og_error_set(ctx, OG_EINVALID, "%s: bad zip: %s", path, archive_error_string(ar));
		goto done;
	}
done:
	free(name);
	free(buf);
	if (ar)
		archive_read_free(ar);
	return error;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_path(og_vulndb *db, og_ctx *ctx, const char *path, unsigned depth, int top);

/* Every *.json, *.zip and subdirectory of dir, in name order. */
static int load_dir(og_vulndb *db, og_ctx *ctx, const char *dir, unsigned depth)
{
	DIR *d = NULL;
	struct dirent *de;
	char **names = NULL, *child = NULL;
	size_t n = 0, cap = 0, i;
	int error = 0;

	if (depth > MAX_DEPTH) {
		error = og_error_set(ctx, OG_ELIMIT, "%s: directories nested over %d levels",
			dir, MAX_DEPTH);
		goto done;
	}
	d = opendir(dir);
	if (!d) {
		error = og_error_set(ctx, OG_ERROR, "%s: %s", dir, strerror(errno));
		goto done;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue; /* ".", "..", and hidden files */
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nn = realloc(names, nc * sizeof(*nn));

			if (!nn) {
				error = og_error_oom(ctx);
				goto done;
			}
			names = nn;
			cap = nc;
		}
		names[n] = og__strdup(de->d_name);
		if (!names[n]) {
			error = og_error_oom(ctx);
			goto done;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		free(child);
		child = og__asprintf("%s/%s", dir, names[i]);
		if (!child) {
			error = og_error_oom(ctx);
			goto done;
		}
		error = load_path(db, ctx, child, depth + 1, 0);
		if (error < 0)
			goto done;
	}
done:
	free(child);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d)
		closedir(d);
	return error;
}

static int load_path(og_vulndb *db, og_ctx *ctx, const char *path, unsigned depth, int top)
{
	struct stat st;
	int error = 0;

	if (stat(path, &st) < 0)
		error = og_error_set(ctx, errno == ENOENT ? OG_ENOTFOUND : OG_ERROR,
			"vulnerability database %s: %s", path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		error = load_dir(db, ctx, path, depth);
	else if (!S_ISREG(st.st_mode))
		error = top ? og_error_set(ctx, OG_EINVALID, "%s: not a file or directory", path) : 0;
	else if (has_suffix(path, ".zip"))
		error = load_zip(db, ctx, path);
	else if (top || has_suffix(path, ".json"))
		error = load_json_file(db, ctx, path);
	return error;
}

static uint32_t key_hash(const char *eco, const char *pkg)
{
	uint32_t h = hash_bytes(HASH_INIT, eco, strlen(eco) + 1);

	return hash_bytes(h, pkg, strlen(pkg));
}

static int build_index(og_vulndb *db, og_ctx *ctx)
{
	size_t i, nb = 64;

	while (nb < db->ents.n)
		nb *= 2;
	db->buckets = calloc(nb, sizeof(*db->buckets));
	if (!db->buckets)
		return og_error_oom(ctx);
	db->nbuckets = nb;
	/* Insert from the end so each chain keeps load order. */
	for (i = db->ents.n; i-- > 0; ) {
		entry *e = &ENT(db, i);
		size_t b;

		e->hash = key_hash(e->eco, e->pkg);
		b = e->hash & (nb - 1);
		e->next = db->buckets[b];
		db->buckets[b] = (uint32_t)(i + 1);
	}
	return 0;
}

int og_vulndb_load(og_vulndb **out, og_ctx *ctx, const char *path)
{
	og_vulndb *db = NULL;
	int error;

	OG_ASSERT_ARG(ctx, out && ctx && path);
	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (!db) {
		error = og_error_oom(ctx);
		goto done;
	}
	db->newest = -1;
	error = load_path(db, ctx, path, 0, 1);
	if (error < 0)
		goto done;
	error = build_index(db, ctx);
	if (error < 0)
		goto done;
	free(db->jp.n); /* parsing scratch */
	db->jp.n = NULL;
	db->jp.cap = db->jp.nn = 0;
	*out = db;
	db = NULL;
done:
	og_vulndb_free(db);
	return error;
}

void og_vulndb_free(og_vulndb *db)
{
	arena_chunk *c, *next;

	if (!db)
		return;
	for (c = db->arena; c; c = next) {
		next = c->next;
		free(c);
	}
	free(db->intern);
	free(db->advs.p);
	free(db->ents.p);
	free(db->rngs.p);
	free(db->evs.p);
	free(db->vers.p);
	free(db->buckets);
	free(db->jp.n);
	free(db);
}

size_t og_vulndb_count(const og_vulndb *db)
{
	return db ? db->advs.n : 0;
}

size_t og_vulndb_skipped(const og_vulndb *db)
{
	return db ? db->skipped : 0;
}

size_t og_vulndb_withdrawn(const og_vulndb *db)
{
	return db ? db->withdrawn : 0;
}

int64_t og_vulndb_newest_modified(const og_vulndb *db)
{
	return db ? db->newest : -1;
}

/* ---- matching ---- */

/*
 * Is version v inside the range? Walk the sorted events: introduced (or
 * "0") opens, fixed at or below v closes, last_affected below v closes.
 * *fixed is the first fixed event above v when v is affected.
 */
static int in_range(const og_vulndb *db, const range *r, int ord, const char *v,
	const char **fixed)
{
	size_t i;
	int affected = 0;

	*fixed = NULL;
	for (i = 0; i < r->ev_count; i++) {
		const event *e = &EVT(db, r->ev_first + i);

		switch (e->kind) {
		case EV_INTRODUCED:
			if (!strcmp(e->ver, "0") || version_cmp(ord, v, e->ver) >= 0)
				affected = 1;
			break;
		case EV_FIXED:
			if (version_cmp(ord, v, e->ver) >= 0)
				affected = 0;
			else if (affected && !*fixed)
				*fixed = e->ver;
			break;
		default:
			if (version_cmp(ord, v, e->ver) > 0)
				affected = 0;
			break;
		}
	}
	if (!affected)
		*fixed = NULL;
	return affected;
}

typedef struct hit {
	const adv *a;
	const char *fixed;
	uint32_t entry; /* breaks ties: the first entry of an id wins */
	signed char sev;
} hit;

static int cmp_hits(const void *x, const void *y)
{
	const hit *a = x, *b = y;
	int c = strcmp(a->a->id, b->a->id);

	if (c)
		return c;
	return (a->entry > b->entry) - (a->entry < b->entry);
}

int og_vulndb_match(const og_vulndb *db, const char *ecosystem, const char *package,
	const char *version, int (*cb)(const og_vuln_match *m, void *p), void *p)
{
	hit *hits = NULL;
	size_t nhits = 0, caphits = 0, i;
	uint32_t h, idx;
	int error = 0;

	if (!db || !ecosystem || !package || !version || !cb || !db->nbuckets)
		return 0;
	h = key_hash(ecosystem, package);
	for (idx = db->buckets[h & (db->nbuckets - 1)]; idx; idx = ENT(db, idx - 1).next) {
		const entry *e = &ENT(db, idx - 1);
		const char *fixed = NULL;
		int affected = 0;
		size_t k;

		if (e->hash != h || strcmp(e->eco, ecosystem) || strcmp(e->pkg, package))
			continue;
		for (k = 0; k < e->rng_count && !affected; k++)
			affected = in_range(db, &RNG(db, e->rng_first + k), e->ord, version, &fixed);
		for (k = 0; k < e->ver_count && !affected; k++)
			affected = version_cmp(e->ord, version, VER(db, e->ver_first + k)) == 0;
		if (!affected)
			continue;
		if (nhits == caphits) {
			size_t nc = caphits ? caphits * 2 : 16;
			hit *nh = realloc(hits, nc * sizeof(*nh));

			if (!nh) {
				error = OG_ENOMEM;
				goto done;
			}
			hits = nh;
			caphits = nc;
		}
		hits[nhits].a = &ADV(db, e->adv);
		hits[nhits].fixed = fixed;
		hits[nhits].sev = e->sev;
		hits[nhits].entry = idx;
		nhits++;
	}
	if (nhits > 1)
		qsort(hits, nhits, sizeof(*hits), cmp_hits);
	for (i = 0; i < nhits; i++) {
		const adv *a = hits[i].a;
		og_vuln_match m;

		if (i > 0 && !strcmp(hits[i - 1].a->id, a->id))
			continue; /* one match per advisory id */
		m.id = a->id;
		m.aliases = a->aliases;
		m.summary = a->summary;
		m.fixed = hits[i].fixed;
		m.cvss = a->cvss;
		if (hits[i].sev >= 0)
			m.severity = (og_severity_t)hits[i].sev;
		else if (a->sev >= 0)
			m.severity = (og_severity_t)a->sev;
		else if (a->cvss >= 0)
			m.severity = severity_of_score(a->cvss);
		else
			m.severity = OG_SEV_MEDIUM;
		error = cb(&m, p);
		if (error)
			goto done;
	}
done:
	free(hits);
	return error;
}
