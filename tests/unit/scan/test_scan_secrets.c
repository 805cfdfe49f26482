/*
 * The secrets scanner: each detector, the traps, block boundaries, the size
 * cap, texts, and that no secret byte ever reaches a hit or a finding.
 * Every key and token here is made up at run time from a seeded generator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "oci/tar.h"
#include "scan/secrets.h"

/* ------------------------------------------------------------ helpers */

typedef struct rng {
	uint64_t s;
} rng;

static unsigned int rnd(rng *r, unsigned int n)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (unsigned int)(r->s % n);
}

static const char B64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char ALNUM[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
static const char UPNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static void add_s(og_test_buf *b, const char *s)
{
	og_test_buf_add(b, s, strlen(s));
}

static void add_rand(og_test_buf *b, rng *r, const char *set, size_t n)
{
	size_t i, m = strlen(set);
	char c;

	for (i = 0; i < n; i++) {
		c = set[rnd(r, (unsigned int)m)];
		og_test_buf_add(b, &c, 1);
	}
}

/* The secret values put in a test file, to look for in the output. */
typedef struct secrets {
	char *v[64];
	size_t n;
} secrets;

static void remember(secrets *s, const og_test_buf *b, size_t from)
{
	assert_true(s->n < 64);
	s->v[s->n] = malloc(b->len - from + 1);
	assert_non_null(s->v[s->n]);
	memcpy(s->v[s->n], b->p + from, b->len - from);
	s->v[s->n][b->len - from] = '\0';
	s->n++;
}

static void secrets_free(secrets *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

/* A PEM block with `chars` base64 body bytes in lines of `line`; returns
 * the offset of -----BEGIN. eol is "\n" or "\r\n"; indent prefixes lines. */
static size_t add_pem(og_test_buf *b, rng *r, secrets *sec, const char *label,
	size_t chars, size_t line, const char *eol, const char *indent,
	const char *headers)
{
	size_t at = b->len, from, k;

	add_s(b, indent);
	add_s(b, "-----BEGIN ");
	add_s(b, label);
	add_s(b, "-----");
	add_s(b, eol);
	if (headers) {
		add_s(b, headers);
		add_s(b, eol);
	}
	for (k = 0; k < chars; k += line) {
		add_s(b, indent);
		from = b->len;
		add_rand(b, r, B64, chars - k < line ? chars - k : line);
		if (sec)
			remember(sec, b, from);
		add_s(b, eol);
	}
	add_s(b, indent);
	add_s(b, "-----END ");
	add_s(b, label);
	add_s(b, "-----");
	return at + strlen(indent);
}

/* An AWS-shaped key id; the random part is remembered. */
static size_t add_key_id(og_test_buf *b, rng *r, secrets *sec, const char *pfx)
{
	size_t at = b->len;

	add_s(b, pfx);
	add_rand(b, r, UPNUM, 16);
	if (sec) {
		og_test_buf t = { NULL, 0, 0 };

		og_test_buf_add(&t, b->p + at + 4, 16);
		remember(sec, &t, 0);
		og_test_buf_free(&t);
	}
	return at;
}

/* A 40-byte secret key with both cases. */
static void add_aws_secret(og_test_buf *b, rng *r, secrets *sec)
{
	size_t from = b->len;

	add_s(b, "wJ");
	add_rand(b, r, B64, 38);
	if (sec)
		remember(sec, b, from);
}

/* prefix + n bytes of set; returns the offset. */
static size_t add_token(og_test_buf *b, rng *r, secrets *sec, const char *pfx,
	const char *set, size_t n)
{
	size_t at = b->len, from;

	add_s(b, pfx);
	from = b->len;
	add_rand(b, r, set, n);
	if (sec)
		remember(sec, b, from);
	return at;
}

/* Scan one file of the layer in blocks of bs bytes (0: one block) through
 * the visitor; hits go to out. */
static void scan_file(og_secret_hits *out, const void *data, size_t len,
	size_t bs, const char *path)
{
	og_ctx *ctx;
	og_layer_info info = { 1, "sha256:test" };
	og_findings f;
	og_entry e;
	void *st = NULL;
	size_t off, k;

	assert_int_equal(og_ctx_new(&ctx), 0);
	og_findings_init(&f);
	assert_int_equal(og_scan_secrets.begin(&st, ctx, &info, NULL), 0);
	memset(&e, 0, sizeof(e));
	e.path = path;
	e.type = OG_ENTRY_FILE;
	e.mode = 0644;
	e.size = len;
	assert_int_equal(og_scan_secrets.entry(st, &e, &f), OG_VISIT_DATA);
	for (off = 0; off < len; off += k) {
		k = bs && len - off > bs ? bs : len - off;
		assert_int_equal(og_scan_secrets.data(st,
			(const unsigned char *)data + off, k, &f), 0);
	}
	assert_int_equal(og_scan_secrets.end(st, &f), 0);
	assert_int_equal(og_secrets_take(out, st), 0);
	og_scan_secrets.free(st);
	assert_int_equal(f.count, 0);
	og_findings_dispose(&f);
	og_ctx_free(ctx);
}

/* Two blocks split at `split`. */
static void scan_split(og_secret_hits *out, const unsigned char *data, size_t len,
	size_t split)
{
	og_ctx *ctx;
	og_layer_info info = { 0, NULL };
	og_entry e;
	void *st = NULL;

	assert_int_equal(og_ctx_new(&ctx), 0);
	assert_int_equal(og_scan_secrets.begin(&st, ctx, &info, NULL), 0);
	memset(&e, 0, sizeof(e));
	e.path = "f";
	e.type = OG_ENTRY_FILE;
	e.size = len;
	assert_int_equal(og_scan_secrets.entry(st, &e, NULL), OG_VISIT_DATA);
	assert_int_equal(og_scan_secrets.data(st, data, split, NULL), 0);
	assert_int_equal(og_scan_secrets.data(st, data + split, len - split, NULL), 0);
	assert_int_equal(og_scan_secrets.end(st, NULL), 0);
	assert_int_equal(og_secrets_take(out, st), 0);
	og_scan_secrets.free(st);
	og_ctx_free(ctx);
}

static size_t count_hits(const og_test_buf *b, size_t bs)
{
	og_secret_hits h;
	size_t n;

	memset(&h, 0, sizeof(h));
	scan_file(&h, b->p, b->len, bs, "/f");
	n = h.count;
	og_secret_hits_dispose(&h);
	return n;
}

static const og_secret_hit *hit_at(const og_secret_hits *h, uint64_t offset)
{
	size_t i;

	for (i = 0; i < h->count; i++)
		if (h->items[i].offset == offset)
			return &h->items[i];
	return NULL;
}

static void assert_hit(const og_secret_hits *h, uint64_t offset,
	const char *id, const char *kind, const char *redacted, size_t length)
{
	const og_secret_hit *it = hit_at(h, offset);

	if (!it)
		fail_msg("no hit at offset %llu (%s)", (unsigned long long)offset, kind);
	assert_string_equal(it->id, id);
	assert_string_equal(it->kind, kind);
	assert_string_equal(it->redacted, redacted);
	assert_int_equal(it->length, length);
}

static void filler(og_test_buf *b, const char *text)
{
	add_s(b, "\n# ");
	add_s(b, text);
	add_s(b, "\n");
}

/* One file with every detector; offsets of the hits in at[]. */
static size_t build_all(og_test_buf *b, secrets *sec, uint64_t *at)
{
	rng r = { 0x9e3779b97f4a7c15u };
	size_t n = 0;

	filler(b, "config");
	at[n++] = add_pem(b, &r, sec, "RSA PRIVATE KEY", 1588, 64, "\n", "", NULL);
	filler(b, "an EC key, CRLF");
	at[n++] = add_pem(b, &r, sec, "EC PRIVATE KEY", 160, 64, "\r\n", "", NULL);
	filler(b, "openssh, indented as in YAML");
	add_s(b, "key: |\n");
	at[n++] = add_pem(b, &r, sec, "OPENSSH PRIVATE KEY", 400, 70, "\n", "  ", NULL);
	filler(b, "encrypted with headers");
	at[n++] = add_pem(b, &r, sec, "RSA PRIVATE KEY", 300, 64, "\n", "",
		"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n");
	filler(b, "pkcs8 in a JSON string");
	add_s(b, "{\"k\": \"");
	at[n++] = add_pem(b, &r, sec, "PRIVATE KEY", 128, 64, "\n", "", NULL);
	add_s(b, "\"}");
	filler(b, "a service account file: escaped newlines");
	add_s(b, "{\"type\": \"service_account\", \"private_key\": \"");
	at[n++] = add_pem(b, &r, sec, "PRIVATE KEY", 256, 64, "\\n", "", NULL);
	add_s(b, "\\n\", \"client_email\": \"x@y\"}");
	filler(b, "aws, secret after");
	add_s(b, "aws_access_key_id = ");
	at[n++] = add_key_id(b, &r, sec, "AKIA");
	add_s(b, "\naws_secret_access_key=");
	add_aws_secret(b, &r, sec);
	filler(b, "aws, secret before");
	add_s(b, "AWS_SECRET_ACCESS_KEY=");
	add_aws_secret(b, &r, sec);
	add_s(b, "\nAWS_ACCESS_KEY_ID=");
	at[n++] = add_key_id(b, &r, sec, "ASIA");
	filler(b, "tokens");
	add_s(b, "token: ");
	at[n++] = add_token(b, &r, sec, "ghp_", ALNUM, 36);
	add_s(b, "\n");
	at[n++] = add_token(b, &r, sec, "gho_", ALNUM, 36);
	add_s(b, " ");
	at[n++] = add_token(b, &r, sec, "github_pat_", "ABCDEFabcdef0123456789_", 82);
	add_s(b, "\"");
	at[n++] = add_token(b, &r, sec, "glpat-", "abcXYZ019_-", 20);
	add_s(b, "'");
	at[n++] = add_token(b, &r, sec, "xoxb-", "0123456789-abcdefXYZ", 40);
	filler(b, "end");
	return n;
}

static void check_all(const og_secret_hits *h, const uint64_t *at)
{
	assert_int_equal(h->count, 13);
	assert_hit(h, at[0], "secret.private_key", "RSA private key", "****",
		31 + 1 + 1588 + 25 + 29);
	assert_hit(h, at[1], "secret.private_key", "EC private key", "****",
		30 + 2 + 160 + 3 * 2 + 28);
	assert_hit(h, at[2], "secret.private_key", "OpenSSH private key", "****",
		35 + 1 + 6 * (2 + 1) + 400 + 2 + 33);
	assert_hit(h, at[3], "secret.private_key", "RSA private key", "****",
		31 + 1 + 23 + 55 + 1 + 300 + 5 + 29);
	assert_hit(h, at[4], "secret.private_key", "PKCS#8 private key", "****",
		27 + 1 + 128 + 2 + 25);
	assert_hit(h, at[5], "secret.private_key", "PKCS#8 private key", "****",
		27 + 2 + 256 + 4 * 2 + 25);
	assert_hit(h, at[6], "secret.cloud_credential", "AWS access key", "AKIA****", 20);
	assert_hit(h, at[7], "secret.cloud_credential", "AWS temporary access key",
		"ASIA****", 20);
	assert_hit(h, at[8], "secret.token", "GitHub token", "ghp_****", 40);
	assert_hit(h, at[9], "secret.token", "GitHub token", "gho_****", 40);
	assert_hit(h, at[10], "secret.token", "GitHub fine-grained token", "gith****", 93);
	assert_hit(h, at[11], "secret.token", "GitLab token", "glpa****", 26);
	assert_hit(h, at[12], "secret.token", "Slack token", "xoxb****", 45);
}

/* ---------------------------------------------------------- detectors */

static void test_scan_secrets__each_detector(void **state)
{
	og_test_buf b = { NULL, 0, 0 };
	secrets sec = { { NULL }, 0 };
	og_secret_hits h;
	uint64_t at[16];
	size_t i;

	(void)state;
	memset(&h, 0, sizeof(h));
	build_all(&b, &sec, at);
	scan_file(&h, b.p, b.len, 0, "./root//.ssh/../secrets.txt");
	check_all(&h, at);
	for (i = 0; i < h.count; i++)
		assert_string_equal(h.items[i].path, "/root/secrets.txt");
	for (i = 1; i < h.count; i++)
		assert_true(h.items[i - 1].offset < h.items[i].offset);
	assert_int_equal(h.scanned_files, 1);
	assert_int_equal(h.scanned_bytes, b.len);
	og_secret_hits_dispose(&h);
	secrets_free(&sec);
	og_test_buf_free(&b);
}

static void test_scan_secrets__blocks_same_hits(void **state)
{
	og_test_buf b = { NULL, 0, 0 };
	og_secret_hits h;
	uint64_t at[16];
	static const size_t sizes[] = { 1, 2, 3, 7, 16, 21, 100, 4096 };
	size_t i;

	(void)state;
	build_all(&b, NULL, at);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&h, 0, sizeof(h));
		scan_file(&h, b.p, b.len, sizes[i], "f");
		check_all(&h, at);
		og_secret_hits_dispose(&h);
	}
	og_test_buf_free(&b);
}

static void test_scan_secrets__every_split_offset(void **state)
{
	og_test_buf b = { NULL, 0, 0 };
	og_secret_hits h;
	uint64_t at[16];
	size_t split;

	(void)state;
	build_all(&b, NULL, at);
	for (split = 0; split <= b.len; split++) {
		memset(&h, 0, sizeof(h));
		scan_split(&h, b.p, b.len, split);
		check_all(&h, at);
		og_secret_hits_dispose(&h);
	}
	og_test_buf_free(&b);
}

/* ------------------------------------------------------------- traps */

static void test_scan_secrets__pem_traps(void **state)
{
	rng r = { 42 };
	og_test_buf b = { NULL, 0, 0 };
	static const char nul = '\0';
	size_t bs;

	(void)state;
	/* The marker in a binary: NUL after the BEGIN line. */
	og_test_buf_add(&b, "\x7f" "ELF\x02\x01", 6);
	add_s(&b, "-----BEGIN RSA PRIVATE KEY-----");
	og_test_buf_add(&b, &nul, 1);
	add_s(&b, "-----END RSA PRIVATE KEY-----");
	og_test_buf_add(&b, &nul, 1);
	/* printf formats. */
	add_s(&b, "-----BEGIN %s PRIVATE KEY-----\n");
	og_test_buf_add(&b, &nul, 1);
	add_s(&b, "-----BEGIN %s PRIVATE KEY-----\n%s\n-----END %s PRIVATE KEY-----\n");
	og_test_buf_add(&b, &nul, 1);
	/* C source with escapes. */
	add_s(&b, "printf(\"-----BEGIN RSA PRIVATE KEY-----\\n%s\\n-----END RSA PRIVATE KEY-----\\n\", b64);\n");
	/* An escape that is not a newline. */
	add_s(&b, "-----BEGIN EC PRIVATE KEY-----\\t");
	add_rand(&b, &r, B64, 64);
	add_s(&b, "\\n");
	add_rand(&b, &r, B64, 64);
	add_s(&b, "\\n-----END EC PRIVATE KEY-----\n");
	/* A certificate is no key. */
	add_pem(&b, &r, NULL, "CERTIFICATE", 300, 64, "\n", "", NULL);
	add_s(&b, "\n");
	/* Mismatched END. */
	add_s(&b, "-----BEGIN RSA PRIVATE KEY-----\n");
	add_rand(&b, &r, B64, 64);
	add_s(&b, "\n");
	add_rand(&b, &r, B64, 64);
	add_s(&b, "\n-----END EC PRIVATE KEY-----\n");
	/* Body too short. */
	add_pem(&b, &r, NULL, "EC PRIVATE KEY", 40, 64, "\n", "", NULL);
	add_s(&b, "\n");
	/* Headers without the blank line. */
	add_s(&b, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n");
	add_rand(&b, &r, B64, 64);
	add_s(&b, "\n");
	add_rand(&b, &r, B64, 64);
	add_s(&b, "\n-----END RSA PRIVATE KEY-----\n");
	/* A binary byte in the body. */
	add_s(&b, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	add_rand(&b, &r, B64, 70);
	add_s(&b, "\n");
	add_rand(&b, &r, B64, 30);
	og_test_buf_add(&b, "\x01", 1);
	add_rand(&b, &r, B64, 39);
	add_s(&b, "\n-----END OPENSSH PRIVATE KEY-----\n");
	/* BEGIN without END, last in the file. */
	add_s(&b, "-----BEGIN PRIVATE KEY-----\n");
	add_rand(&b, &r, B64, 64);
	add_s(&b, "\n");
	add_rand(&b, &r, B64, 64);
	add_s(&b, "\n");
	for (bs = 0; bs < 9; bs += 4)
		assert_int_equal(count_hits(&b, bs), 0);
	og_test_buf_free(&b);
}

/* Far enough to keep the AWS cases apart. */
static void pad(og_test_buf *b)
{
	size_t i;

	for (i = 0; i < 700; i++)
		add_s(b, " ");
}

/* A body on one long line, a JSON body with "\/" escapes. */
static void test_scan_secrets__pem_variants(void **state)
{
	rng r = { 21 };
	og_test_buf b = { NULL, 0, 0 };
	og_secret_hits h;
	size_t i;

	(void)state;
	add_pem(&b, &r, NULL, "RSA PRIVATE KEY", 1600, 1600, "\n", "", NULL);
	add_s(&b, "\n{\"key\":\"");
	add_s(&b, "-----BEGIN EC PRIVATE KEY-----\\n");
	for (i = 0; i < 3; i++) {
		add_rand(&b, &r, ALNUM, 20);
		add_s(&b, "\\/");
		add_rand(&b, &r, ALNUM, 20);
		add_s(&b, "\\n");
	}
	add_s(&b, "-----END EC PRIVATE KEY-----\\n\"}\n");
	memset(&h, 0, sizeof(h));
	scan_file(&h, b.p, b.len, 5, "k.json");
	assert_int_equal(h.count, 2);
	assert_string_equal(h.items[0].kind, "RSA private key");
	assert_string_equal(h.items[1].kind, "EC private key");
	og_secret_hits_dispose(&h);
	og_test_buf_free(&b);
}

/* libgnutls carries whole PEM keys as C strings (self-test vectors): keys in
 * an ELF file are not reported; tokens in one are. */
static void test_scan_secrets__key_in_executable(void **state)
{
	rng r = { 3 };
	og_test_buf b = { NULL, 0, 0 };
	static const char nul = '\0';
	og_secret_hits h;
	size_t bs;

	(void)state;
	og_test_buf_add(&b, "\x7f" "ELF\x02\x01\x01", 7);
	og_test_buf_zero(&b, 100);
	add_pem(&b, &r, NULL, "RSA PRIVATE KEY", 900, 64, "\n", "", NULL);
	add_s(&b, "\n");
	og_test_buf_add(&b, &nul, 1);
	add_token(&b, &r, NULL, "ghr_", ALNUM, 36);
	og_test_buf_add(&b, &nul, 1);
	for (bs = 1; bs < 6; bs++) {
		memset(&h, 0, sizeof(h));
		scan_file(&h, b.p, b.len, bs, "usr/lib/libgnutls.so.30");
		assert_int_equal(h.count, 1);
		assert_string_equal(h.items[0].id, "secret.token");
		og_secret_hits_dispose(&h);
	}
	/* A static library (ar archive) neither. */
	memcpy(b.p, "!<arch>\n", 8);
	assert_int_equal(count_hits(&b, 0), 1);
	assert_int_equal(count_hits(&b, 3), 1);
	/* The same bytes in a text file: the key is reported. */
	b.p[0] = '#';
	assert_int_equal(count_hits(&b, 0), 2);
	assert_int_equal(count_hits(&b, 1), 2);
	og_test_buf_free(&b);
}

static void test_scan_secrets__aws_traps(void **state)
{
	rng r = { 7 };
	og_test_buf b = { NULL, 0, 0 };
	og_secret_hits h;
	size_t i;

	(void)state;
	/* A key id alone. */
	add_s(&b, "id=");
	add_key_id(&b, &r, NULL, "AKIA");
	add_s(&b, "\n");
	pad(&b);
	/* Near a hex digest (one case only): no secret key. */
	add_key_id(&b, &r, NULL, "AKIA");
	add_s(&b, " sha1=");
	add_rand(&b, &r, "0123456789abcdef", 40);
	add_s(&b, "\n");
	pad(&b);
	/* Glued to letters, before or after. */
	add_s(&b, "x");
	add_key_id(&b, &r, NULL, "AKIA");
	add_s(&b, " ");
	add_aws_secret(&b, &r, NULL);
	add_s(&b, "\n");
	pad(&b);
	add_key_id(&b, &r, NULL, "AKIA");
	add_s(&b, "Z ");
	add_aws_secret(&b, &r, NULL);
	add_s(&b, "\n");
	pad(&b);
	/* AWS's documented placeholder key id, with its placeholder secret. */
	add_s(&b, "AKIA");
	add_rand(&b, &r, UPNUM, 9);
	add_s(&b, "EXAMPLE ");
	add_aws_secret(&b, &r, NULL);
	add_s(&b, "\n");
	pad(&b);
	/* Lower case in the id. */
	add_s(&b, "AKIAabcdefghijklmnop ");
	add_aws_secret(&b, &r, NULL);
	/* A secret key of 41 bytes. */
	add_s(&b, "\n");
	pad(&b);
	add_key_id(&b, &r, NULL, "ASIA");
	add_s(&b, " ");
	add_aws_secret(&b, &r, NULL);
	add_s(&b, "Q\n");
	/* A secret key too far: 600 bytes away either side. */
	for (i = 0; i < 600; i++)
		add_s(&b, " ");
	add_key_id(&b, &r, NULL, "AKIA");
	for (i = 0; i < 600; i++)
		add_s(&b, ".");
	add_aws_secret(&b, &r, NULL);
	add_s(&b, "\n");
	assert_int_equal(count_hits(&b, 0), 0);
	assert_int_equal(count_hits(&b, 5), 0);
	/* The same key near enough (500 bytes): found. */
	og_test_buf_free(&b);
	add_key_id(&b, &r, NULL, "AKIA");
	for (i = 0; i < 500; i++)
		add_s(&b, ".");
	add_aws_secret(&b, &r, NULL);
	memset(&h, 0, sizeof(h));
	scan_file(&h, b.p, b.len, 3, "f");
	assert_int_equal(h.count, 1);
	assert_int_equal(h.items[0].offset, 0);
	og_secret_hits_dispose(&h);
	og_test_buf_free(&b);
}

static void test_scan_secrets__token_traps(void **state)
{
	rng r = { 99 };
	og_test_buf b = { NULL, 0, 0 };

	(void)state;
	/* Too few characters. */
	add_token(&b, &r, NULL, "ghp_", ALNUM, 35);
	add_s(&b, "\n");
	add_token(&b, &r, NULL, "github_pat_", ALNUM, 81);
	add_s(&b, "\n");
	add_token(&b, &r, NULL, "glpat-", ALNUM, 19);
	add_s(&b, "\n");
	add_token(&b, &r, NULL, "xoxb-", ALNUM, 19);
	add_s(&b, "\n");
	/* Too many. */
	add_token(&b, &r, NULL, "ghp_", ALNUM, 37);
	add_s(&b, "\n");
	add_token(&b, &r, NULL, "glpat-", ALNUM, 21);
	add_s(&b, "\n");
	/* Glued to letters or digits before. */
	add_token(&b, &r, NULL, "Xghp_", ALNUM, 36);
	add_s(&b, "\n");
	add_token(&b, &r, NULL, "9glpat-", ALNUM, 20);
	add_s(&b, "\n");
	add_token(&b, &r, NULL, "axoxp-", ALNUM, 30);
	add_s(&b, "\n");
	/* Unknown kinds. */
	add_token(&b, &r, NULL, "ghx_", ALNUM, 36);
	add_s(&b, "\n");
	add_token(&b, &r, NULL, "xoxz-", ALNUM, 30);
	add_s(&b, "\n");
	/* Cut by the end of the file. */
	add_token(&b, &r, NULL, "ghp_", ALNUM, 20);
	assert_int_equal(count_hits(&b, 0), 0);
	assert_int_equal(count_hits(&b, 1), 0);
	assert_int_equal(count_hits(&b, 13), 0);
	og_test_buf_free(&b);

	/* A whole token as the very last bytes is found. */
	add_token(&b, &r, NULL, "ghs_", ALNUM, 36);
	assert_int_equal(count_hits(&b, 0), 1);
	assert_int_equal(count_hits(&b, 1), 1);
	og_test_buf_free(&b);
}

/* --------------------------------------------------- files and texts */

static void test_scan_secrets__size_cap_and_entries(void **state)
{
	og_ctx *ctx;
	og_layer_info info = { 0, NULL };
	og_secrets_options o = { 100 };
	og_secret_hits h;
	og_entry e;
	void *st = NULL;
	rng r = { 5 };
	og_test_buf b = { NULL, 0, 0 };

	(void)state;
	add_token(&b, &r, NULL, "ghp_", ALNUM, 36);
	memset(&h, 0, sizeof(h));
	assert_int_equal(og_ctx_new(&ctx), 0);
	assert_int_equal(og_scan_secrets.begin(&st, ctx, &info, &o), 0);
	memset(&e, 0, sizeof(e));
	e.type = OG_ENTRY_FILE;
	/* Over the cap: skipped, counted. */
	e.path = "big";
	e.size = 101;
	assert_int_equal(og_scan_secrets.entry(st, &e, NULL), 0);
	e.path = "huge";
	e.size = (uint64_t)1 << 40;
	assert_int_equal(og_scan_secrets.entry(st, &e, NULL), 0);
	/* Empty files, whiteouts, other types: nothing asked. */
	e.path = "empty";
	e.size = 0;
	assert_int_equal(og_scan_secrets.entry(st, &e, NULL), 0);
	e.path = "etc/.wh.id_rsa";
	e.size = 10;
	assert_int_equal(og_scan_secrets.entry(st, &e, NULL), 0);
	e.path = "dir";
	e.type = OG_ENTRY_DIR;
	assert_int_equal(og_scan_secrets.entry(st, &e, NULL), 0);
	e.type = OG_ENTRY_SYMLINK;
	e.link = "x";
	assert_int_equal(og_scan_secrets.entry(st, &e, NULL), 0);
	/* Two files: no carry from one to the other. */
	e.type = OG_ENTRY_FILE;
	e.link = NULL;
	e.path = "a";
	e.size = 20;
	assert_int_equal(og_scan_secrets.entry(st, &e, NULL), OG_VISIT_DATA);
	assert_int_equal(og_scan_secrets.data(st, b.p, 20, NULL), 0);
	e.path = "b";
	e.size = b.len - 20;
	assert_int_equal(og_scan_secrets.entry(st, &e, NULL), OG_VISIT_DATA);
	assert_int_equal(og_scan_secrets.data(st, b.p + 20, b.len - 20, NULL), 0);
	e.path = "/home/u/.git-credentials";
	e.size = 100;
	assert_int_equal(og_scan_secrets.entry(st, &e, NULL), OG_VISIT_DATA);
	assert_int_equal(og_scan_secrets.data(st, "x ", 2, NULL), 0);
	assert_int_equal(og_scan_secrets.data(st, b.p, b.len, NULL), 0);
	assert_int_equal(og_scan_secrets.end(st, NULL), 0);
	assert_int_equal(og_secrets_take(&h, st), 0);
	og_scan_secrets.free(st);
	assert_int_equal(h.skipped_files, 2);
	assert_int_equal(h.skipped_bytes, 101 + ((uint64_t)1 << 40));
	assert_int_equal(h.scanned_files, 3);
	assert_int_equal(h.scanned_bytes, 2 * b.len + 2);
	assert_int_equal(h.count, 1);
	assert_string_equal(h.items[0].path, "/home/u/.git-credentials");
	assert_int_equal(h.items[0].offset, 2);
	og_secret_hits_dispose(&h);
	og_secret_hits_dispose(&h);
	assert_int_equal(og_secrets_take(&h, NULL), OG_EINVALID);
	og_ctx_free(ctx);
	og_test_buf_free(&b);
}

static void test_scan_secrets__scan_text_env(void **state)
{
	rng r = { 11 };
	og_test_buf b = { NULL, 0, 0 };
	secrets sec = { { NULL }, 0 };
	og_secret_hits h;
	og_findings f;

	(void)state;
	add_s(&b, "GITHUB_TOKEN=");
	add_token(&b, &r, &sec, "ghp_", ALNUM, 36);
	memset(&h, 0, sizeof(h));
	og_findings_init(&f);
	assert_int_equal(og_secrets_scan_text(&h, (const char *)b.p, b.len,
		"config Env GITHUB_TOKEN"), 0);
	assert_int_equal(og_secrets_scan_text(&h, "PATH=/usr/bin", 13,
		"config Env PATH"), 0);
	assert_int_equal(og_secrets_scan_text(&h, "", 0, "empty"), 0);
	assert_int_equal(h.count, 1);
	assert_string_equal(h.items[0].path, "config Env GITHUB_TOKEN");
	assert_int_equal(h.items[0].offset, 13);
	assert_int_equal(og_secret_finding(&f, &h.items[0], SIZE_MAX, NULL, SIZE_MAX), 0);
	assert_string_equal(f.items[0].id, "secret.token");
	assert_string_equal(f.items[0].subject, "config Env GITHUB_TOKEN");
	assert_string_equal(f.items[0].message,
		"config: config Env GITHUB_TOKEN: GitHub token, 40 bytes, ghp_****");
	assert_null(strstr(f.items[0].message, sec.v[0]));
	og_findings_dispose(&f);
	og_secret_hits_dispose(&h);
	secrets_free(&sec);
	og_test_buf_free(&b);
}

static void test_scan_secrets__finding_message(void **state)
{
	og_secret_hit hit;
	og_findings f;
	char path[] = "/root/.ssh/id_rsa";

	(void)state;
	memset(&hit, 0, sizeof(hit));
	hit.id = "secret.private_key";
	hit.kind = "RSA private key";
	hit.path = path;
	memcpy(hit.redacted, "****", 5);
	hit.length = 1679;
	og_findings_init(&f);
	assert_int_equal(og_secret_finding(&f, &hit, 2,
		"sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
		SIZE_MAX), 0);
	assert_int_equal(og_secret_finding(&f, &hit, 2, "sha256:abcdef0123456789",
		3), 0);
	assert_int_equal(og_secret_finding(&f, &hit, 0, NULL, SIZE_MAX), 0);
	assert_int_equal(f.count, 3);
	assert_string_equal(f.items[0].message,
		"layer 2 (sha256:abcdef012345\xe2\x80\xa6) /root/.ssh/id_rsa: RSA private key, 1679 bytes, ****");
	assert_string_equal(f.items[0].subject, "/root/.ssh/id_rsa");
	assert_string_equal(f.items[1].message,
		"layer 2 (sha256:abcdef012345\xe2\x80\xa6) /root/.ssh/id_rsa: RSA private key, 1679 bytes, ****"
		"; deleted by layer 3, still shipped in layer 2's blob");
	assert_string_equal(f.items[2].message,
		"layer 0 /root/.ssh/id_rsa: RSA private key, 1679 bytes, ****");
	og_findings_dispose(&f);
}

/* No secret byte in any hit field or finding text. */
static void assert_absent(const secrets *sec, const char *text)
{
	size_t i;
	char probe[9];

	for (i = 0; i < sec->n; i++) {
		if (strlen(sec->v[i]) < 8)
			continue;
		memcpy(probe, sec->v[i], 8);
		probe[8] = '\0';
		if (strstr(text, probe))
			fail_msg("secret bytes \"%s...\" leaked in \"%s\"", probe, text);
	}
}

static void test_scan_secrets__never_stores_secrets(void **state)
{
	og_test_buf b = { NULL, 0, 0 };
	secrets sec = { { NULL }, 0 };
	og_secret_hits h;
	og_findings f;
	uint64_t at[16];
	size_t i;

	(void)state;
	memset(&h, 0, sizeof(h));
	og_findings_init(&f);
	build_all(&b, &sec, at);
	assert_true(sec.n > 13);
	scan_file(&h, b.p, b.len, 7, "/srv/app/.env");
	assert_int_equal(og_secrets_scan_text(&h, (const char *)b.p, b.len,
		"history[3].created_by"), 0);
	assert_int_equal(h.count, 26);
	for (i = 0; i < h.count; i++) {
		assert_absent(&sec, h.items[i].path);
		assert_absent(&sec, h.items[i].kind);
		assert_absent(&sec, h.items[i].id);
		assert_true(strlen(h.items[i].redacted) <= 8);
		assert_string_equal(h.items[i].redacted + strlen(h.items[i].redacted) - 4,
			"****");
		assert_int_equal(og_secret_finding(&f, &h.items[i],
			i < 13 ? 4 : SIZE_MAX, "sha256:00112233445566778899", i % 2 ? 6 : SIZE_MAX), 0);
	}
	for (i = 0; i < f.count; i++) {
		assert_absent(&sec, f.items[i].message);
		assert_absent(&sec, f.items[i].subject);
	}
	og_findings_dispose(&f);
	og_secret_hits_dispose(&h);
	secrets_free(&sec);
	og_test_buf_free(&b);
}

/* Memory stays bounded: at most 64 hits per file. */
static void test_scan_secrets__file_hit_cap(void **state)
{
	rng r = { 77 };
	og_test_buf b = { NULL, 0, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		add_token(&b, &r, NULL, "glpat-", ALNUM, 20);
		add_s(&b, "\n");
	}
	assert_int_equal(count_hits(&b, 0), 64);
	assert_int_equal(count_hits(&b, 17), 64);
	og_test_buf_free(&b);
}

/* Random binary bytes sprinkled with anchor prefixes: no hits, no crash. */
static void test_scan_secrets__noise(void **state)
{
	rng r = { 1234 };
	og_test_buf b = { NULL, 0, 0 };
	static const char *const bits[] = { "-----BEGIN ", "AKIA", "ASIA", "ghp_",
		"github_pat_", "glpat-", "xoxb-", "\n", "-----END " };
	size_t i;
	unsigned char c;

	(void)state;
	for (i = 0; i < 200000; i++) {
		if (rnd(&r, 50) == 0) {
			add_s(&b, bits[rnd(&r, 9)]);
			continue;
		}
		c = (unsigned char)rnd(&r, 256);
		og_test_buf_add(&b, &c, 1);
	}
	assert_int_equal(count_hits(&b, 0), 0);
	assert_int_equal(count_hits(&b, 4093), 0);
	og_test_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_secrets__each_detector),
		cmocka_unit_test(test_scan_secrets__blocks_same_hits),
		cmocka_unit_test(test_scan_secrets__every_split_offset),
		cmocka_unit_test(test_scan_secrets__pem_traps),
		cmocka_unit_test(test_scan_secrets__pem_variants),
		cmocka_unit_test(test_scan_secrets__key_in_executable),
		cmocka_unit_test(test_scan_secrets__aws_traps),
		cmocka_unit_test(test_scan_secrets__token_traps),
		cmocka_unit_test(test_scan_secrets__size_cap_and_entries),
		cmocka_unit_test(test_scan_secrets__scan_text_env),
		cmocka_unit_test(test_scan_secrets__finding_message),
		cmocka_unit_test(test_scan_secrets__never_stores_secrets),
		cmocka_unit_test(test_scan_secrets__file_hit_cap),
		cmocka_unit_test(test_scan_secrets__noise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
