/*
 * Secrets: private keys, cloud credentials and tokens in file data. See
 * secrets.h for the detectors.
 *
 * How a block is scanned:
 *  1. an open PEM block (the one unbounded detector, a state machine) eats
 *     the block's bytes until it ends;
 *  2. anchors waiting for more bytes are decided when the data now reaches
 *     their window's end;
 *  3. anchors that straddle the previous block and this one are found in a
 *     small stitch of the carried tail and the block's head;
 *  4. the prefilter (SSE2: 16 positions per step, a pair of bytes per anchor
 *     family) finds the anchors inside the block; each is decided at once
 *     when its window is inside the data, or waits;
 *  5. the block's last bytes go to the carried ring.
 * Bounded detectors (tokens, AWS keys) are decided on a copy of their
 * window taken from the ring and the block, never from a whole file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "secrets.h"
#include "pathbuf.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define OG_SECRETS_AVX2 1 /* a runtime choice: the CPU is asked */
#endif

#define RING 2048          /* carried bytes: >= the widest look-back */
#define ANCHOR_MAX 11      /* "github_pat_" */
#define MAX_PENDING 128
#define FILE_HITS 64
#define LAYER_HITS 4096
#define PEM_MIN_BODY 64
#define PEM_MAX_LINE 16384
#define AWS_NEAR 512
#define AWS_SECRET 40
#define AWS_BACK (AWS_NEAR + AWS_SECRET + 48)
#define SLACK_MIN 20
#define SLACK_MAX 250
#define SCRATCH 1280

typedef enum {
	A_NONE = 0,
	A_PEM,   /* -----BEGIN */
	A_AWS,   /* AKIA, ASIA */
	A_GH,    /* gh[pousr]_ */
	A_GHPAT, /* github_pat_ */
	A_GLPAT, /* glpat- */
	A_SLACK  /* xox */
} anchor_t;

/* Per bounded anchor kind: the bytes needed before and from the anchor. */
static size_t window_back(anchor_t a)
{
	return a == A_AWS ? AWS_BACK : 1;
}

static size_t window_ahead(anchor_t a)
{
	switch (a) {
	case A_AWS:
		return 20 + AWS_NEAR + AWS_SECRET + 1;
	case A_GH:
		return 4 + 36 + 1;
	case A_GHPAT:
		return 11 + 82 + 1;
	case A_GLPAT:
		return 6 + 20 + 1;
	default:
		return 5 + SLACK_MAX + 1;
	}
}

/* ------------------------------------------------------------ classes */

static int is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		(c >= 'a' && c <= 'z');
}

static int is_upnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

static int is_b64(int c)
{
	return is_alnum(c) || c == '+' || c == '/' || c == '=';
}

static int is_aws_secret(int c)
{
	return is_alnum(c) || c == '+' || c == '/';
}

static int is_word_(int c)
{
	return is_alnum(c) || c == '_';
}

static int is_word_dash(int c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

static int is_alnum_dash(int c)
{
	return is_alnum(c) || c == '-';
}

/* ------------------------------------------------------------- the PEM */

typedef struct pem_label {
	const char *label;
	const char *kind;
} pem_label;

static const pem_label pem_labels[] = {
	{ "PRIVATE KEY", "PKCS#8 private key" },
	{ "RSA PRIVATE KEY", "RSA private key" },
	{ "EC PRIVATE KEY", "EC private key" },
	{ "DSA PRIVATE KEY", "DSA private key" },
	{ "ENCRYPTED PRIVATE KEY", "encrypted private key" },
	{ "OPENSSH PRIVATE KEY", "OpenSSH private key" },
};

#define PEM_NLABELS (sizeof(pem_labels) / sizeof(pem_labels[0]))

enum { PEM_OFF = 0, PEM_BEGIN, PEM_LINE };
enum { SEC_START = 0, SEC_HDR, SEC_BLANK, SEC_BODY };

typedef struct pem_sm {
	int state;
	uint64_t start;       /* offset of "-----BEGIN" */
	uint64_t pos;         /* bytes eaten from start */
	char line[48];        /* the BEGIN line's rest */
	size_t line_len;
	size_t label;         /* index in pem_labels */
	char end[48];         /* "-----END <label>-----" */
	size_t end_len;
	int section;
	/* the current line */
	size_t len;           /* bytes after leading blanks */
	int lead, indented, cr;
	int b64, name, hdr, endok;
	int esc;              /* a backslash was seen */
	uint64_t body;        /* base64 bytes of body */
} pem_sm;

/* ------------------------------------------------------------ scanner */

typedef struct pending {
	uint64_t start;
	anchor_t kind;
} pending;

/* The streaming scanner of one file (or text) at a time. */
typedef struct scanner {
	og_secret_hits *hits;  /* where hits go */
	const char *path;      /* copied into each hit */
	size_t file_first;     /* index of the file's first hit in hits */
	uint64_t base;         /* offset of the current block */
	const unsigned char *buf;
	size_t n;
	unsigned char ring[RING]; /* the bytes just before base, circular */
	size_t ring_head;      /* next write index */
	size_t ring_len;       /* bytes held (<= RING) */
	pending pend[MAX_PENDING];
	size_t npend;
	pem_sm pem;
	unsigned char magic[4]; /* the file's first bytes */
	int avx2;              /* the CPU has AVX2 (looked up per file) */
	int oom;
} scanner;

static void scanner_reset(scanner *s, og_secret_hits *hits, const char *path)
{
	s->hits = hits;
	s->path = path;
	s->file_first = hits->count;
	s->base = 0;
	s->buf = NULL;
	s->n = 0;
	s->ring_head = 0;
	s->ring_len = 0;
	s->npend = 0;
	s->pem.state = PEM_OFF;
	memset(s->magic, 0, sizeof(s->magic));
#if defined(OG_SECRETS_AVX2)
	s->avx2 = __builtin_cpu_supports("avx2");
#endif
}

static void add_hit(scanner *s, const char *id, const char *kind,
	const char *prefix, size_t length, uint64_t offset)
{
	og_secret_hits *h = s->hits;
	og_secret_hit *it;
	size_t cap, plen;

	if (h->count - s->file_first >= FILE_HITS || h->count >= LAYER_HITS)
		return;
	if (h->count == h->cap) {
		cap = h->cap ? h->cap * 2 : 8;
		it = realloc(h->items, cap * sizeof(*it));
		if (!it) {
			s->oom = 1;
			return;
		}
		h->items = it;
		h->cap = cap;
	}
	it = &h->items[h->count];
	memset(it, 0, sizeof(*it));
	if (!(it->path = og__strdup(s->path ? s->path : ""))) {
		s->oom = 1;
		return;
	}
	it->id = id;
	it->kind = kind;
	/* Only the public prefix of the format, never a byte of the value. */
	for (plen = 0; plen < 4 && prefix[plen]; plen++)
		it->redacted[plen] = prefix[plen];
	memcpy(it->redacted + plen, "****", 5);
	it->length = length;
	it->offset = offset;
	h->count++;
}

/* The byte at file offset off, or -1 when it is not held. */
static int byte_at(const scanner *s, uint64_t off)
{
	uint64_t back;

	if (off >= s->base) {
		if (off - s->base < s->n)
			return s->buf[off - s->base];
		return -1;
	}
	back = s->base - off;
	if (back > s->ring_len)
		return -1;
	return s->ring[(s->ring_head + RING - (size_t)back) % RING];
}

/* Copy file bytes [lo, lo + n) (all held) to dst. */
static void copy_out(const scanner *s, unsigned char *dst, uint64_t lo,
	size_t n)
{
	size_t k, idx, first;

	if (lo < s->base) {
		k = (size_t)(s->base - lo);
		idx = (s->ring_head + RING - k) % RING;
		if (k > n)
			k = n;
		first = RING - idx < k ? RING - idx : k;
		memcpy(dst, s->ring + idx, first);
		memcpy(dst + first, s->ring, k - first);
		dst += k;
		n -= k;
		lo += k;
	}
	if (n)
		memcpy(dst, s->buf + (size_t)(lo - s->base), n);
}

/* ------------------------------------------------------ the PEM machine */

static void pem_start(scanner *s, uint64_t start)
{
	pem_sm *p = &s->pem;

	memset(p, 0, sizeof(*p));
	p->state = PEM_BEGIN;
	p->start = start;
	p->pos = 10;
}

static void pem_line_reset(pem_sm *p)
{
	p->len = 0;
	p->lead = 1;
	p->indented = 0;
	p->cr = 0;
	p->b64 = 1;
	p->name = 1;
	p->hdr = 0;
	p->endok = 1;
}

/* The BEGIN line is over: " <label>-----". 0 or -1 (not a key). */
static int pem_begin_done(pem_sm *p)
{
	size_t i, n = p->line_len, ll;

	if (n && p->line[n - 1] == '\r')
		n--;
	if (n < 7 || p->line[0] != ' ' || memcmp(p->line + n - 5, "-----", 5) != 0)
		return -1;
	ll = n - 6;
	for (i = 0; i < PEM_NLABELS; i++) {
		if (strlen(pem_labels[i].label) == ll &&
		    memcmp(pem_labels[i].label, p->line + 1, ll) == 0)
			break;
	}
	if (i == PEM_NLABELS)
		return -1;
	p->label = i;
	p->end_len = (size_t)snprintf(p->end, sizeof(p->end), "-----END %s-----",
		pem_labels[i].label);
	p->section = SEC_START;
	p->state = PEM_LINE;
	pem_line_reset(p);
	return 0;
}

/* A line of the block ended. 0 or -1 (not a key). */
static int pem_line_done(pem_sm *p)
{
	if (p->len == 0) {
		if (p->section != SEC_HDR)
			return -1;
		p->section = SEC_BLANK;
	} else if (p->section == SEC_HDR && p->indented) {
		/* a header's continuation */
	} else if (p->hdr) {
		if (p->section != SEC_START && p->section != SEC_HDR)
			return -1;
		p->section = SEC_HDR;
	} else if (p->b64) {
		if (p->section == SEC_HDR)
			return -1;
		p->section = SEC_BODY;
		p->body += p->len;
	} else {
		return -1;
	}
	pem_line_reset(p);
	return 0;
}

/* One byte of a line. 1 when the END line is complete, 0 to go on, -1 when
 * this is no key. */
static int pem_line_byte(pem_sm *p, int c)
{
	if (c == '\n')
		return pem_line_done(p);
	if (p->cr)
		return -1;
	if (c == '\r') {
		p->cr = 1;
		return 0;
	}
	if (p->lead && (c == ' ' || c == '\t')) {
		p->indented = 1;
		return 0;
	}
	p->lead = 0;
	if (++p->len > PEM_MAX_LINE)
		return -1;
	if (p->b64)
		p->b64 = is_b64(c);
	if (p->endok)
		p->endok = p->len <= p->end_len && p->end[p->len - 1] == c;
	if (p->endok && p->len == p->end_len)
		return p->section == SEC_BODY && p->body >= PEM_MIN_BODY ? 1 : -1;
	if (!p->hdr && p->name) {
		if (c == ':' && p->len > 1)
			p->hdr = 1;
		else if (!is_alnum(c) && c != '-')
			p->name = 0;
	} else if (p->hdr && (c < 0x20 || c == 0x7f) && c != '\t') {
		return -1;
	}
	if (p->section == SEC_HDR && p->indented)
		return (c < 0x20 || c == 0x7f) && c != '\t' ? -1 : 0;
	if (!p->b64 && !p->endok && !p->hdr && !p->name)
		return -1;
	return 0;
}

/* Feed the open PEM block bytes; it closes on a verdict. */
static void pem_feed(scanner *s, const unsigned char *buf, size_t n)
{
	pem_sm *p = &s->pem;
	size_t i;
	int r = 0;

	for (i = 0; i < n && p->state != PEM_OFF; i++) {
		int c = buf[i];

		p->pos++;
		if (p->esc) {
			/* "\n" written as an escape: a key in a JSON string (a
			 * cloud service account file) or a shell variable; JSON
			 * may escape "/" too. */
			p->esc = 0;
			c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == '/' ? '/' : -1;
		} else if (c == '\\') {
			p->esc = 1;
			continue;
		}
		if (c < 0) {
			r = -1;
		} else if (p->state == PEM_BEGIN) {
			if (c == '\n') {
				r = pem_begin_done(p);
			} else if (p->line_len >= sizeof(p->line) ||
				   (c < 0x20 && c != '\r') || c >= 0x7f) {
				r = -1;
			} else {
				p->line[p->line_len++] = (char)c;
			}
		} else {
			r = pem_line_byte(p, c);
		}
		if (r < 0) {
			p->state = PEM_OFF;
		} else if (r > 0) {
			add_hit(s, "secret.private_key", pem_labels[p->label].kind, "",
				(size_t)p->pos, p->start);
			p->state = PEM_OFF;
		}
	}
}

/* --------------------------------------------------- bounded detectors */

/* Length of the run of class bytes in p[from, to). */
static size_t run(const unsigned char *p, size_t from, size_t to,
	int (*cls)(int))
{
	size_t i = from;

	while (i < to && cls(p[i]))
		i++;
	return i - from;
}

/* A run of exactly want class bytes at p[from]: the next byte (if seen) is
 * not in the class and not a letter or digit. */
static int exact_run(const unsigned char *p, size_t from, size_t to,
	size_t want, int (*cls)(int))
{
	size_t r = run(p, from, to, cls);

	if (r != want)
		return 0;
	return from + r >= to || !is_alnum(p[from + r]);
}

/* A secret key candidate: exactly 40 bytes, both cases. */
static int aws_secret_ok(const unsigned char *p, size_t from, size_t len)
{
	size_t i;
	int up = 0, low = 0;

	if (len != AWS_SECRET)
		return 0;
	for (i = from; i < from + len; i++) {
		up |= p[i] >= 'A' && p[i] <= 'Z';
		low |= p[i] >= 'a' && p[i] <= 'z';
	}
	return up && low;
}

/* A secret key near the key id at p[at, at + 20). lo_is_start: p[0] is the
 * file's first byte (a run there is whole). */
static int aws_secret_near(const unsigned char *p, size_t at, size_t hi,
	int lo_is_start, int eof)
{
	size_t i, j, kend = at + 20;

	/* Before: maximal runs in [0, at); the one at 0 may be cut. */
	for (i = 0; i < at; i = j) {
		if (!is_aws_secret(p[i])) {
			j = i + 1;
			continue;
		}
		j = i + run(p, i, at, is_aws_secret);
		if ((i > 0 || lo_is_start) && at - j <= AWS_NEAR &&
		    aws_secret_ok(p, i, j - i))
			return 1;
	}
	/* After: runs starting at most AWS_NEAR past the key id. */
	for (i = kend; i < hi && i - kend <= AWS_NEAR; i = j) {
		if (!is_aws_secret(p[i])) {
			j = i + 1;
			continue;
		}
		j = i + run(p, i, hi, is_aws_secret);
		if ((j < hi || eof) && aws_secret_ok(p, i, j - i))
			return 1;
	}
	return 0;
}

/*
 * Decide the anchor of kind a at file offset k with the bytes now held:
 * eof says no more will come. p holds [lo, hi) of the file.
 */
static void decide(scanner *s, anchor_t a, uint64_t k, int eof)
{
	unsigned char p[SCRATCH];
	uint64_t lo, hi, end = s->base + s->n, held = s->base - s->ring_len;
	size_t at, n, r;
	char prefix[8];
	int c;

	/* The key id's shape first: most "AKIA"s are words, not keys, and the
	 * window is large. */
	if (a == A_AWS) {
		for (r = 4; r < 20; r++)
			if ((c = byte_at(s, k + r)) < 0 || !is_upnum(c))
				return;
		if ((c = byte_at(s, k + 20)) >= 0 && is_alnum(c))
			return;
	}
	lo = k >= window_back(a) ? k - window_back(a) : 0;
	if (lo < held)
		lo = held;
	hi = k + window_ahead(a);
	if (hi > end)
		hi = end;
	n = (size_t)(hi - lo);
	at = (size_t)(k - lo);
	copy_out(s, p, lo, n);
	/* Not glued to a letter or digit before. */
	if (at > 0 && is_alnum(p[at - 1]))
		goto done;
	switch (a) {
	case A_AWS:
		if (n - at < 20 || run(p, at + 4, n, is_upnum) < 16 ||
		    (at + 20 < n && is_alnum(p[at + 20])))
			goto done;
		/* AWS's documented placeholder keys end in EXAMPLE. */
		if (memcmp(p + at + 13, "EXAMPLE", 7) == 0)
			goto done;
		if (aws_secret_near(p, at, n, lo == 0, eof)) {
			memcpy(prefix, p + at, 4);
			prefix[4] = '\0';
			add_hit(s, "secret.cloud_credential",
				p[at + 1] == 'S' ? "AWS temporary access key" : "AWS access key",
				prefix, 20, k);
		}
		break;
	case A_GH:
		if (exact_run(p, at + 4, n, 36, is_alnum)) {
			memcpy(prefix, p + at, 4);
			prefix[4] = '\0';
			add_hit(s, "secret.token", "GitHub token", prefix, 40, k);
		}
		break;
	case A_GHPAT:
		if (exact_run(p, at + 11, n, 82, is_word_))
			add_hit(s, "secret.token", "GitHub fine-grained token", "gith",
				93, k);
		break;
	case A_GLPAT:
		if (exact_run(p, at + 6, n, 20, is_word_dash))
			add_hit(s, "secret.token", "GitLab token", "glpa", 26, k);
		break;
	case A_SLACK:
		if (n - at < 5 || !strchr("baprs", p[at + 3]) || p[at + 3] == 0 ||
		    p[at + 4] != '-')
			goto done;
		r = run(p, at + 5, n, is_alnum_dash);
		if (r < SLACK_MIN || r > SLACK_MAX || (at + 5 + r >= n && !eof))
			goto done;
		memcpy(prefix, p + at, 4);
		prefix[4] = '\0';
		add_hit(s, "secret.token", "Slack token", prefix, 5 + r, k);
		break;
	default:
		break;
	}
done:
	/* The window held file bytes: do not leave them on the stack. */
	memset(p, 0, n);
}

/* An anchor of kind a at file offset k; its bytes after the anchor start at
 * buf[next] (next may be s->n). */
static void on_anchor(scanner *s, anchor_t a, uint64_t k, size_t next)
{
	int prev;

	if (a == A_PEM) {
		/* Keys inside executables are library self-test vectors
		 * (libgnutls ships whole PEM keys as C strings), not leaks. The
		 * magic is known: an ELF file or an ar archive of objects
		 * cannot start with the anchor. */
		if (k >= 4 && (memcmp(s->magic, "\x7f" "ELF", 4) == 0 ||
			       memcmp(s->magic, "!<ar", 4) == 0))
			return;
		/* An open block has seen this BEGIN already and failed on it. */
		pem_start(s, k);
		pem_feed(s, s->buf + next, s->n - next);
		return;
	}
	/* Cheap check first: glued to a letter or digit before. */
	prev = k ? byte_at(s, k - 1) : -1;
	if (prev >= 0 && is_alnum(prev))
		return;
	if (k + window_ahead(a) <= s->base + s->n) {
		decide(s, a, k, 0);
		return;
	}
	if (s->npend == MAX_PENDING)
		return; /* pathological density: dropped */
	s->pend[s->npend].start = k;
	s->pend[s->npend].kind = a;
	s->npend++;
}

/* The anchor at p[0] (r bytes readable), and its length in *len. */
static anchor_t anchor_at(const unsigned char *p, size_t r, size_t *len)
{
	switch (p[0]) {
	case '-':
		*len = 10;
		return r >= 10 && memcmp(p, "-----BEGIN", 10) == 0 ? A_PEM : A_NONE;
	case 'A':
		*len = 4;
		return r >= 4 && (p[1] == 'K' || p[1] == 'S') && p[2] == 'I' &&
			p[3] == 'A' ? A_AWS : A_NONE;
	case 'g':
		if (r < 4 || p[1] == 'i') {
			*len = 11;
			return r >= 11 && memcmp(p, "github_pat_", 11) == 0 ? A_GHPAT : A_NONE;
		}
		if (p[1] == 'l') {
			*len = 6;
			return r >= 6 && memcmp(p, "glpat-", 6) == 0 ? A_GLPAT : A_NONE;
		}
		*len = 4;
		return p[1] == 'h' && p[3] == '_' && p[2] && strchr("pousr", p[2]) ?
			A_GH : A_NONE;
	case 'x':
		*len = 3;
		return r >= 3 && p[1] == 'o' && p[2] == 'x' ? A_SLACK : A_NONE;
	default:
		*len = 0;
		return A_NONE;
	}
}

/* Anchors starting before the block and ending in it. */
static void scan_stitch(scanner *s)
{
	unsigned char st[2 * ANCHOR_MAX];
	size_t tl = s->ring_len < ANCHOR_MAX - 1 ? s->ring_len : ANCHOR_MAX - 1;
	size_t hl = s->n < ANCHOR_MAX - 1 ? s->n : ANCHOR_MAX - 1;
	size_t i, len;
	anchor_t a;

	if (!tl || !hl)
		return;
	for (i = 0; i < tl; i++)
		st[i] = (unsigned char)byte_at(s, s->base - tl + i);
	memcpy(st + tl, s->buf, hl);
	for (i = 0; i < tl; i++) {
		a = anchor_at(st + i, tl + hl - i, &len);
		if (a != A_NONE && i + len > tl)
			on_anchor(s, a, s->base - tl + i, i + len - tl);
	}
}

/* The candidates of a prefilter step at p[i + bit] for each bit set. */
static void candidates(scanner *s, size_t i, uint64_t bits)
{
	size_t q, len;
	anchor_t a;

	while (bits) {
		q = i + (size_t)__builtin_ctzll(bits);
		bits &= bits - 1;
		a = anchor_at(s->buf + q, s->n - q, &len);
		if (a != A_NONE)
			on_anchor(s, a, s->base + q, q + len);
	}
}

/*
 * The prefilter: for every position, a pair of bytes per anchor family,
 * "-????B" "A?I" "g??_" "g????b" "g????-" "x?x", checked 16 or 32 positions
 * at a time; the rare positions that pass are checked in full. It reads up
 * to 5 bytes past a position, so it stops 5 + width bytes before the end.
 * Returns where it stopped.
 */
#if defined(__SSE2__)
static __m128i load16(const unsigned char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

static size_t prefilter_sse2(scanner *s, size_t i)
{
	const unsigned char *p = s->buf;
	const __m128i dash = _mm_set1_epi8('-'), B = _mm_set1_epi8('B');
	const __m128i A = _mm_set1_epi8('A'), I = _mm_set1_epi8('I');
	const __m128i g = _mm_set1_epi8('g'), us = _mm_set1_epi8('_');
	const __m128i b = _mm_set1_epi8('b'), x = _mm_set1_epi8('x');

	for (; i + 16 + 5 <= s->n; i += 16) {
		const __m128i v0 = load16(p + i);
		const __m128i v2 = load16(p + i + 2);
		const __m128i v3 = load16(p + i + 3);
		const __m128i v5 = load16(p + i + 5);
		__m128i m = _mm_and_si128(_mm_cmpeq_epi8(v0, dash), _mm_cmpeq_epi8(v5, B));

		m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v0, A),
			_mm_cmpeq_epi8(v2, I)));
		m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v0, g),
			_mm_or_si128(_mm_cmpeq_epi8(v3, us),
				_mm_or_si128(_mm_cmpeq_epi8(v5, b), _mm_cmpeq_epi8(v5, dash)))));
		m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v0, x),
			_mm_cmpeq_epi8(v2, x)));
		if (_mm_movemask_epi8(m))
			candidates(s, i, (unsigned int)_mm_movemask_epi8(m));
	}
	return i;
}
#endif

#if defined(OG_SECRETS_AVX2)
__attribute__((target("avx2")))
static __m256i load32(const unsigned char *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

__attribute__((target("avx2")))
static size_t prefilter_avx2(scanner *s, size_t i)
{
	const unsigned char *p = s->buf;
	const __m256i dash = _mm256_set1_epi8('-'), B = _mm256_set1_epi8('B');
	const __m256i A = _mm256_set1_epi8('A'), I = _mm256_set1_epi8('I');
	const __m256i g = _mm256_set1_epi8('g'), us = _mm256_set1_epi8('_');
	const __m256i b = _mm256_set1_epi8('b'), x = _mm256_set1_epi8('x');

	for (; i + 32 + 5 <= s->n; i += 32) {
		const __m256i v0 = load32(p + i);
		const __m256i v2 = load32(p + i + 2);
		const __m256i v3 = load32(p + i + 3);
		const __m256i v5 = load32(p + i + 5);
		__m256i m = _mm256_and_si256(_mm256_cmpeq_epi8(v0, dash),
			_mm256_cmpeq_epi8(v5, B));

		m = _mm256_or_si256(m, _mm256_and_si256(_mm256_cmpeq_epi8(v0, A),
			_mm256_cmpeq_epi8(v2, I)));
		m = _mm256_or_si256(m, _mm256_and_si256(_mm256_cmpeq_epi8(v0, g),
			_mm256_or_si256(_mm256_cmpeq_epi8(v3, us),
				_mm256_or_si256(_mm256_cmpeq_epi8(v5, b),
					_mm256_cmpeq_epi8(v5, dash)))));
		m = _mm256_or_si256(m, _mm256_and_si256(_mm256_cmpeq_epi8(v0, x),
			_mm256_cmpeq_epi8(v2, x)));
		if (!_mm256_testz_si256(m, m))
			candidates(s, i, (uint32_t)_mm256_movemask_epi8(m));
	}
	return i;
}
#endif

/* Anchors inside the block (the whole anchor in it). */
static void scan_block(scanner *s)
{
	size_t i = 0, len;
	anchor_t a;

#if defined(OG_SECRETS_AVX2)
	if (s->avx2)
		i = prefilter_avx2(s, i);
#endif
#if defined(__SSE2__)
	i = prefilter_sse2(s, i);
#endif
	for (; i < s->n; i++) {
		a = anchor_at(s->buf + i, s->n - i, &len);
		if (a != A_NONE)
			on_anchor(s, a, s->base + i, i + len);
	}
}

/* Decide the waiting anchors whose window is now held (all at eof). */
static void decide_pending(scanner *s, int eof)
{
	size_t i, j = 0;
	uint64_t end = s->base + s->n;

	for (i = 0; i < s->npend; i++) {
		pending *w = &s->pend[i];

		if (eof || w->start + window_ahead(w->kind) <= end)
			decide(s, w->kind, w->start, eof);
		else
			s->pend[j++] = *w;
	}
	s->npend = j;
}

static void ring_push(scanner *s, const unsigned char *buf, size_t n)
{
	size_t take = n < RING ? n : RING, first;

	buf += n - take;
	first = RING - s->ring_head;
	if (first > take)
		first = take;
	memcpy(s->ring + s->ring_head, buf, first);
	memcpy(s->ring, buf + first, take - first);
	s->ring_head = (s->ring_head + take) % RING;
	s->ring_len = s->ring_len + take > RING ? RING : s->ring_len + take;
}

static void scanner_feed(scanner *s, const void *data, size_t n)
{
	if (!n)
		return;
	s->buf = data;
	s->n = n;
	if (s->base < sizeof(s->magic))
		memcpy(s->magic + s->base, s->buf, sizeof(s->magic) - (size_t)s->base < n ?
			sizeof(s->magic) - (size_t)s->base : n);
	if (s->pem.state != PEM_OFF)
		pem_feed(s, s->buf, n);
	if (s->npend)
		decide_pending(s, 0);
	scan_stitch(s);
	scan_block(s);
	ring_push(s, s->buf, n);
	s->base += n;
	s->buf = NULL;
	s->n = 0;
}

static int hit_cmp(const void *a, const void *b)
{
	const og_secret_hit *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The file is over: decide what waits, order the file's hits. */
static void scanner_finish(scanner *s)
{
	s->buf = NULL;
	s->n = 0;
	decide_pending(s, 1);
	s->pem.state = PEM_OFF;
	if (s->hits->count - s->file_first > 1)
		qsort(s->hits->items + s->file_first, s->hits->count - s->file_first,
			sizeof(og_secret_hit), hit_cmp);
	memset(s->ring, 0, sizeof(s->ring));
	s->ring_len = 0;
}

/* ------------------------------------------------------------ the hits */

void og_secret_hits_dispose(og_secret_hits *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->count; i++)
		free(h->items[i].path);
	free(h->items);
	memset(h, 0, sizeof(*h));
}

int og_secrets_scan_text(og_secret_hits *out, const char *text, size_t len,
	const char *where)
{
	scanner *s = NULL;
	size_t first = out->count, i;
	int error = 0;

	if (!len)
		goto done;
	if (!(s = calloc(1, sizeof(*s)))) {
		error = OG_ENOMEM;
		goto done;
	}
	scanner_reset(s, out, where);
	scanner_feed(s, text, len);
	scanner_finish(s);
	if (s->oom) {
		for (i = first; i < out->count; i++)
			free(out->items[i].path);
		out->count = first;
		error = OG_ENOMEM;
	}
done:
	free(s);
	return error;
}

/* ---------------------------------------------------------- the visitor */

typedef struct sc_state {
	og_ctx *ctx;
	uint64_t max;
	og_secret_hits hits;
	og_pathbuf pb;
	char *path;        /* "/" + the current file's normalised path */
	int in_file;
	scanner sc;
} sc_state;

static int sc_begin(void **state, og_ctx *ctx, const og_layer_info *layer,
	void *payload)
{
	const og_secrets_options *opts = payload;
	sc_state *st = calloc(1, sizeof(*st));

	(void)layer;
	*state = NULL;
	if (!st)
		return og_error_oom(ctx);
	st->ctx = ctx;
	st->max = opts && opts->max_file_size ? opts->max_file_size :
		OG_SECRETS_DEFAULT_MAX;
	*state = st;
	return 0;
}

static int file_done(sc_state *st)
{
	if (!st->in_file)
		return 0;
	st->in_file = 0;
	scanner_finish(&st->sc);
	if (st->sc.oom)
		return og_error_set(st->ctx, OG_ENOMEM,
			"out of memory recording secrets of %s", st->path);
	return 0;
}

static int sc_entry(void *state, const og_entry *e, og_findings *out)
{
	sc_state *st = state;
	const char *base;
	char *abs = NULL;
	int above = 0, error;

	(void)out;
	if ((error = file_done(st)) < 0)
		goto done;
	if (e->type != OG_ENTRY_FILE || !e->path || e->size == 0)
		goto done;
	st->pb.len = 0;
	if (og_pathbuf_apply(&st->pb, e->path, &above) < 0 ||
	    !(abs = malloc(st->pb.len + 2))) {
		error = og_error_oom(st->ctx);
		goto done;
	}
	abs[0] = '/';
	memcpy(abs + 1, st->pb.s, st->pb.len + 1);
	base = strrchr(abs, '/') + 1;
	if (strncmp(base, ".wh.", 4) == 0)
		goto done;
	if (e->size > st->max) {
		st->hits.skipped_files++;
		st->hits.skipped_bytes += e->size;
		goto done;
	}
	free(st->path);
	st->path = abs;
	abs = NULL;
	scanner_reset(&st->sc, &st->hits, st->path);
	st->in_file = 1;
	st->hits.scanned_files++;
	error = OG_VISIT_DATA;
done:
	free(abs);
	return error;
}

static int sc_data(void *state, const void *buf, size_t len, og_findings *out)
{
	sc_state *st = state;

	(void)out;
	if (!st->in_file)
		return 0;
	st->hits.scanned_bytes += len;
	scanner_feed(&st->sc, buf, len);
	if (st->sc.oom)
		return og_error_set(st->ctx, OG_ENOMEM,
			"out of memory recording secrets of %s", st->path);
	return 0;
}

static int sc_end(void *state, og_findings *out)
{
	sc_state *st = state;
	int error = file_done(st);

	(void)out;
	og_pathbuf_dispose(&st->pb);
	return error;
}

static void sc_free(void *state)
{
	sc_state *st = state;

	if (!st)
		return;
	og_secret_hits_dispose(&st->hits);
	og_pathbuf_dispose(&st->pb);
	free(st->path);
	/* The ring held file bytes. */
	memset(&st->sc, 0, sizeof(st->sc));
	free(st);
}

const og_visitor_class og_scan_secrets = {
	"secrets", sc_begin, sc_entry, sc_end, sc_free, NULL, sc_data
};

int og_secrets_take(og_secret_hits *out, void *state)
{
	sc_state *st = state;
	og_secret_hits *h;
	og_secret_hit *items;
	size_t need;

	if (!st)
		return OG_EINVALID;
	h = &st->hits;
	need = out->count + h->count;
	if (need > out->cap) {
		items = realloc(out->items, need * sizeof(*items));
		if (!items)
			return OG_ENOMEM;
		out->items = items;
		out->cap = need;
	}
	if (h->count)
		memcpy(out->items + out->count, h->items, h->count * sizeof(*items));
	out->count = need;
	out->skipped_files += h->skipped_files;
	out->skipped_bytes += h->skipped_bytes;
	out->scanned_files += h->scanned_files;
	out->scanned_bytes += h->scanned_bytes;
	free(h->items);
	memset(h, 0, sizeof(*h));
	return 0;
}

/* ---------------------------------------------------------- the finding */

/* s with control bytes as '?', in a new string; NULL on OOM. */
static char *printable_dup(const char *s)
{
	char *c = og__strdup(s ? s : "");
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; c[i]; i++)
		if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
			c[i] = '?';
	return c;
}

int og_secret_finding(og_findings *f, const og_secret_hit *hit, size_t layer,
	const char *layer_digest, size_t hidden_by)
{
	char *path = printable_dup(hit->path), *dig = NULL;
	char hidden[96] = "";
	const char *colon;
	int error = 0;

	if (!path)
		goto oom;
	if (layer == SIZE_MAX) {
		error = og_findings_add(f, hit->id, hit->path, "config: %s: %s, %zu bytes, %s",
			path, hit->kind, hit->length, hit->redacted);
		goto done;
	}
	if (hidden_by != SIZE_MAX)
		snprintf(hidden, sizeof(hidden),
			"; deleted by layer %zu, still shipped in layer %zu's blob",
			hidden_by, layer);
	if (layer_digest) {
		/* "sha256:" and 12 hex digits are enough to tell layers apart. */
		colon = strchr(layer_digest, ':');
		if (colon && strlen(colon + 1) > 12)
			dig = og__asprintf(" (%.*s\xe2\x80\xa6)",
				(int)(colon - layer_digest + 1 + 12), layer_digest);
		else
			dig = og__asprintf(" (%s)", layer_digest);
		if (!dig)
			goto oom;
	}
	error = og_findings_add(f, hit->id, hit->path, "layer %zu%s %s: %s, %zu bytes, %s%s",
		layer, dig ? dig : "", path, hit->kind, hit->length, hit->redacted, hidden);
	goto done;
oom:
	error = OG_ENOMEM;
done:
	free(path);
	free(dig);
	return error;
}
