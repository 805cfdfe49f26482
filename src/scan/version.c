/*
 * Version ordering: dpkg's and apk's. Written from the documented
 * behaviour of `dpkg --compare-versions` (deb-version(7)) and apk's
 * version format (apk-package(5)); see version.h.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include "scan/version.h"

/* Locale-independent character classes: versions are ASCII. */
static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/*
 * dpkg's weight of a character in a non-digit run: '~' before the end of
 * the string (weight 0) and the end before everything else, letters before
 * the remaining punctuation. Digits end a run and weigh 0 like the end.
 */
static int dpkg_order(int c)
{
	if (is_digit(c))
		return 0;
	if (is_alpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/*
 * Compare the parts [a, ae) and [b, be): alternately a non-digit run
 * (character by character with dpkg_order) and a digit run (numerically:
 * leading zeros skipped, then the longer run is larger, else the first
 * differing digit decides). Never converts to an integer, so any length
 * works.
 */
static int dpkg_part_cmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;

		while ((a < ae && !is_digit((unsigned char)*a)) ||
		       (b < be && !is_digit((unsigned char)*b))) {
			int ac = a < ae ? dpkg_order((unsigned char)*a) : 0;
			int bc = b < be ? dpkg_order((unsigned char)*b) : 0;

			if (ac != bc)
				return sign(ac - bc);
			/* Equal weights here mean both are non-digits inside
			 * their strings (the end and digits weigh 0 and no
			 * other character does), so both can advance. */
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && is_digit((unsigned char)*a) &&
		       b < be && is_digit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && is_digit((unsigned char)*a))
			return 1;
		if (b < be && is_digit((unsigned char)*b))
			return -1;
		if (first_diff)
			return sign(first_diff);
	}
	return 0;
}

/* The three parts of a Debian version, as [begin, end) pointers. */
typedef struct dpkg_parts {
	const char *ep, *epe;   /* epoch ("" when absent) */
	const char *up, *upe;   /* upstream */
	const char *rev, *reve; /* revision ("" when absent) */
} dpkg_parts;

static void dpkg_split(dpkg_parts *p, const char *v)
{
	const char *colon = strchr(v, ':');
	const char *end = v + strlen(v);
	const char *hyphen;

	if (colon) {
		p->ep = v;
		p->epe = colon;
		p->up = colon + 1;
	} else {
		p->ep = p->epe = v;
		p->up = v;
	}
	hyphen = strrchr(p->up, '-');
	if (hyphen) {
		p->upe = hyphen;
		p->rev = hyphen + 1;
		p->reve = end;
	} else {
		p->upe = end;
		p->rev = p->reve = end;
	}
}

int og_version_cmp_dpkg(const char *a, const char *b)
{
	dpkg_parts pa, pb;
	int c;

	dpkg_split(&pa, a);
	dpkg_split(&pb, b);
	/* Epochs are digit strings: the digit-run rule compares them as
	 * numbers of any size. */
	c = dpkg_part_cmp(pa.ep, pa.epe, pb.ep, pb.epe);
	if (c)
		return c;
	c = dpkg_part_cmp(pa.up, pa.upe, pb.up, pb.upe);
	if (c)
		return c;
	return dpkg_part_cmp(pa.rev, pa.reve, pb.rev, pb.reve);
}

int og_version_valid_dpkg(const char *v)
{
	dpkg_parts p;
	const char *s;
	size_t n;

	if (!v || !*v)
		return 0;
	dpkg_split(&p, v);
	if (p.epe != p.ep || strchr(v, ':')) {
		if (p.epe == p.ep)
			return 0; /* ":1.0": empty epoch */
		for (s = p.ep; s < p.epe && *s == '0'; s++)
			;
		n = (size_t)(p.epe - s);
		if (n > 10)
			return 0;
		for (; s < p.epe; s++)
			if (!is_digit((unsigned char)*s))
				return 0;
		if (n == 10 && memcmp(p.epe - 10, "2147483647", 10) > 0)
			return 0;
	}
	if (p.up == p.upe || !is_digit((unsigned char)*p.up))
		return 0;
	for (s = p.up; s < p.upe; s++) {
		int c = (unsigned char)*s;

		if (!is_digit(c) && !is_alpha(c) && !strchr(".+~-:", c))
			return 0;
	}
	if (p.rev != p.reve || strrchr(p.up, '-')) {
		if (p.rev == p.reve)
			return 0; /* "1.0-": empty revision */
		for (s = p.rev; s < p.reve; s++) {
			int c = (unsigned char)*s;

			if (!is_digit(c) && !is_alpha(c) && !strchr(".+~", c))
				return 0;
		}
	}
	return 1;
}

/*
 * apk: a version is read as a stream of tokens. Token kinds are ordered:
 * when two versions agree up to a point and then continue with different
 * kinds, the one whose token kind comes FIRST in this list is newer
 * (1.0.1 > 1.0a > 1.0_p1 > 1.0-r1 > 1.0), except that a pre-release
 * suffix (_alpha.._rc) is always older than whatever the other side has.
 */
enum { T_DIGIT, T_LETTER, T_SUFFIX, T_SUFFIX_NO, T_REV, T_END, T_INVALID, T_START, T_ZEROS };

typedef struct apk_tok {
	int type;       /* T_DIGIT .. T_INVALID */
	int small;      /* letter, suffix rank, or -(leading zeros) */
	const char *num; /* digits without leading zeros (number tokens) */
	size_t nlen;
	const char *at; /* where the token starts (for malformed tails) */
} apk_tok;

typedef struct apk_scan {
	const char *p;
	int prev; /* the previous token's kind, T_START or T_ZEROS */
} apk_scan;

static const char *const apk_pre[] = { "alpha", "beta", "pre", "rc" };
static const char *const apk_post[] = { "cvs", "svn", "git", "hg", "p" };

static const char *take_num(apk_tok *t, const char *p)
{
	while (*p == '0')
		p++;
	t->num = p;
	while (is_digit((unsigned char)*p))
		p++;
	t->nlen = (size_t)(p - t->num);
	return p;
}

/* Rank of suffix name [p, p+n): -4.. -1 before a release, 1..5 after, 0 unknown. */
static int suffix_rank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(apk_pre) / sizeof(apk_pre[0]); i++)
		if (strlen(apk_pre[i]) == n && !memcmp(apk_pre[i], p, n))
			return (int)i - 4;
	for (i = 0; i < sizeof(apk_post) / sizeof(apk_post[0]); i++)
		if (strlen(apk_post[i]) == n && !memcmp(apk_post[i], p, n))
			return (int)i + 1;
	return 0;
}

static void apk_next(apk_scan *s, apk_tok *t)
{
	const char *p = s->p;
	int prev = s->prev;

	t->type = T_INVALID;
	t->small = 0;
	t->num = p;
	t->nlen = 0;
	t->at = p;
	if (prev == T_START || prev == T_ZEROS) {
		/* The first component, or the digits after a run of leading
		 * zeros: a plain number. */
		if (is_digit((unsigned char)*p)) {
			t->type = T_DIGIT;
			p = take_num(t, p);
		}
	} else if (*p == '\0') {
		t->type = T_END;
	} else if (*p == '.' && (prev == T_DIGIT || prev == T_LETTER) &&
		   is_digit((unsigned char)p[1])) {
		p++;
		t->type = T_DIGIT;
		if (*p == '0') {
			/* apk: after the first component, leading zeros make
			 * the component sort lower the more there are, and
			 * the digits after them follow as their own token. */
			const char *z = p;

			while (*p == '0')
				p++;
			t->small = -(int)(p - z > 1000 ? 1000 : p - z);
			t->num = p;
			if (is_digit((unsigned char)*p)) {
				s->p = p;
				s->prev = T_ZEROS;
				return;
			}
		} else {
			p = take_num(t, p);
		}
	} else if (prev == T_DIGIT && is_lower((unsigned char)*p) &&
		   !is_lower((unsigned char)p[1])) {
		t->type = T_LETTER;
		t->small = (unsigned char)*p;
		p++;
	} else if (*p == '_' && prev != T_REV) {
		const char *name = ++p;
		int rank;

		while (is_lower((unsigned char)*p))
			p++;
		rank = suffix_rank(name, (size_t)(p - name));
		if (rank) {
			t->type = T_SUFFIX;
			t->small = rank;
		}
	} else if (prev == T_SUFFIX && is_digit((unsigned char)*p)) {
		t->type = T_SUFFIX_NO;
		p = take_num(t, p);
	} else if (*p == '-' && p[1] == 'r' && is_digit((unsigned char)p[2]) && prev != T_REV) {
		t->type = T_REV;
		p = take_num(t, p + 2);
	}
	if (t->type == T_INVALID)
		return;
	s->p = p;
	s->prev = t->type;
}

/* Compare two numbers given as digit strings without leading zeros. */
static int num_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c;

	if (an != bn)
		return an < bn ? -1 : 1;
	c = memcmp(a, b, an);
	return sign(c);
}

static int apk_value_cmp(const apk_tok *a, const apk_tok *b)
{
	switch (a->type) {
	case T_DIGIT:
		/* A run of leading zeros (small < 0) is below any number. */
		if (a->small < 0 || b->small < 0) {
			if (a->small < 0 && b->small < 0)
				return sign(a->small - b->small);
			return a->small < 0 ? -1 : 1;
		}
		return num_cmp(a->num, a->nlen, b->num, b->nlen);
	case T_LETTER:
	case T_SUFFIX:
		return sign(a->small - b->small);
	case T_SUFFIX_NO:
	case T_REV:
		return num_cmp(a->num, a->nlen, b->num, b->nlen);
	default:
		return 0;
	}
}

int og_version_cmp_apk(const char *a, const char *b)
{
	apk_scan sa = { a, T_START }, sb = { b, T_START };
	apk_tok ta, tb;
	int c;

	for (;;) {
		apk_next(&sa, &ta);
		apk_next(&sb, &tb);
		if (ta.type == T_INVALID || tb.type == T_INVALID)
			return sign(strcmp(ta.at, tb.at));
		if (ta.type != tb.type)
			break;
		if (ta.type == T_END)
			return 0;
		c = apk_value_cmp(&ta, &tb);
		if (c)
			return c;
	}
	if (ta.type == T_SUFFIX && ta.small < 0)
		return -1;
	if (tb.type == T_SUFFIX && tb.small < 0)
		return 1;
	return ta.type < tb.type ? 1 : -1;
}
