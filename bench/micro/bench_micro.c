/*
 * bench_micro: in-process micro-benchmarks of the one-pass stages (STYLE.md
 * section 8): SHA-256 through og_hash, gzip and zstd decoding through
 * og_decoder_new, the tar walk (og_tar_walk) and manifest parsing
 * (og_json_parse + og_manifest_parse).
 *
 * Every input is made in memory from a seeded generator, so two runs on the
 * same machine measure the same bytes. After a warm-up, each benchmark takes
 * timed samples (each of enough operations to last ~10 ms) and reports the
 * best and the median ns/op; MB/s (10^6 bytes per second) comes from the
 * median. The compressed inputs are made with zlib and libzstd directly:
 * they are fixtures, not the code under test.
 *
 *   cmake --build build --target bench_micro && build/bench/bench_micro [NAME...]
 *
 * `bench_micro --stage decode|sha256|walk FILE...` instead times one stage, once,
 * over whole files (bench/run gives it the benchmark's own layers): the
 * files are read as ocigate reads blobs (a mapped og_reader_new_fd_range),
 * decoded through og_decoder into 1 MiB reads (the split pipeline's slot
 * size), hashed through og_hash, or walked as a tar (og_tar_walk, no
 * callback work), on one thread. It prints one line:
 * "stage NAME files N in BYTES out BYTES seconds S".
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>
#include "oci/ctx.h"
#include "oci/decode.h"
#include "oci/digest.h"
#include "oci/io.h"
#include "oci/model.h"
#include "oci/tar.h"

#define MIB ((size_t)1 << 20)
#define DATA_SIZE (8 * MIB)         /* uncompressed input of the decode benchmarks */
#define READ_BUF ((size_t)256 << 10) /* the pipeline's stage buffer size */
#define TAR_ENTRIES 2000
#define MANIFEST_LAYERS 16

#define WARMUP_NS 250000000.0       /* 0.25 s */
#define SAMPLE_NS 10000000.0        /* one sample lasts about 10 ms */
#define BUDGET_NS 1500000000.0      /* warm-up + samples stop after ~1.5 s */
#define MAX_SAMPLES 101
#define MIN_SAMPLES 3

/* ------------------------------------------------------------- generator */

/* splitmix64: small, seeded, the same bytes on every machine. */
typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static size_t rng_below(rng *r, size_t n)
{
	return (size_t)(rng_next(r) % (uint64_t)n);
}

/* Skewed towards 0 (roughly Zipf-like): the cube of a uniform in [0, 1). */
static size_t rng_skewed(rng *r, size_t n)
{
	double u = (double)(rng_next(r) >> 11) / 9007199254740992.0;

	return (size_t)(u * u * u * (double)n);
}

#define VOCAB 512
#define TEXT_PERCENT 65 /* share of text-like segments */

typedef struct gen {
	rng r;
	char words[VOCAB][12];
	unsigned char ops[48][8];
	size_t op_len[48];
} gen;

static void gen_init(gen *g, uint64_t seed)
{
	static const char letters[] = "etaoinshrdlcumwfgypbvkjxqz_";
	size_t i, j, len;

	g->r.s = seed;
	for (i = 0; i < VOCAB; i++) {
		len = 2 + rng_below(&g->r, 9);
		for (j = 0; j < len; j++)
			g->words[i][j] = letters[rng_skewed(&g->r, sizeof(letters) - 1)];
		g->words[i][len] = '\0';
	}
	for (i = 0; i < 48; i++) {
		g->op_len[i] = 1 + rng_below(&g->r, 6);
		for (j = 0; j < g->op_len[i]; j++)
			g->ops[i][j] = (unsigned char)rng_next(&g->r);
	}
}

/* Text-like: indented lines of words from a skewed vocabulary, some
 * "key = value" lines and numbers, like config files and scripts. Exactly
 * cap bytes (the last line is cut). */
static void gen_text(gen *g, unsigned char *out, size_t cap)
{
	char line[512];
	size_t n = 0, len, words, i, wl;
	const char *w;

	while (n < cap) {
		len = rng_below(&g->r, 4) * 4;
		memset(line, ' ', len);
		words = 2 + rng_below(&g->r, 10);
		for (i = 0; i < words; i++) {
			w = g->words[rng_skewed(&g->r, VOCAB)];
			wl = strlen(w);
			memcpy(line + len, w, wl);
			len += wl;
			switch (rng_below(&g->r, 16)) {
			case 0:
				memcpy(line + len, " = ", 3);
				len += 3;
				break;
			case 1:
				len += (size_t)snprintf(line + len, sizeof(line) - len, " %u ",
					(unsigned int)rng_below(&g->r, 100000));
				break;
			case 2:
				line[len++] = ',';
				line[len++] = ' ';
				break;
			default:
				line[len++] = i + 1 < words ? ' ' : ';';
			}
		}
		line[len++] = '\n';
		if (len > cap - n)
			len = cap - n;
		memcpy(out + n, line, len);
		n += len;
	}
}

/* Binary-like: opcodes from a small skewed table, each with no operand, a
 * small little-endian integer, or 4 random bytes; now and then zero padding.
 * Exactly cap bytes. */
static void gen_binary(gen *g, unsigned char *out, size_t cap)
{
	unsigned char ins[96];
	size_t n = 0, len, k, pad;
	uint64_t v;

	while (n < cap) {
		k = rng_skewed(&g->r, 48);
		memcpy(ins, g->ops[k], g->op_len[k]);
		len = g->op_len[k];
		switch (rng_below(&g->r, 10)) {
		case 0: case 1: case 2: case 3: case 4:
			break;
		case 5: case 6: case 7:
			v = rng_below(&g->r, 4096);
			ins[len++] = (unsigned char)v;
			ins[len++] = (unsigned char)(v >> 8);
			ins[len++] = 0;
			ins[len++] = 0;
			break;
		default:
			v = rng_next(&g->r);
			memcpy(ins + len, &v, 4);
			len += 4;
		}
		if (rng_below(&g->r, 64) == 0) {
			pad = 8 + rng_below(&g->r, 56);
			memset(ins + len, 0, pad);
			len += pad;
		}
		if (len > cap - n)
			len = cap - n;
		memcpy(out + n, ins, len);
		n += len;
	}
}

/* Fill buf with segments of 4-64 KiB (file-sized), text-like or binary-like. */
static void gen_fill(gen *g, unsigned char *buf, size_t len)
{
	size_t n = 0, seg;

	while (n < len) {
		seg = 4096 + rng_below(&g->r, 61440);
		if (seg > len - n)
			seg = len - n;
		if (rng_below(&g->r, 100) < TEXT_PERCENT)
			gen_text(g, buf + n, seg);
		else
			gen_binary(g, buf + n, seg);
		n += seg;
	}
}

/* ------------------------------------------------------------- harness */

typedef int (*bench_fn)(void *payload);

typedef struct bench {
	const char *name;
	size_t bytes_in;   /* input bytes of one op */
	size_t bytes_out;  /* output bytes of one op (decoders), else 0 */
	bench_fn fn;
	void *payload;
} bench;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void print_header(void)
{
	printf("%-22s %12s %14s %14s %10s %10s %8s\n", "name", "bytes/op",
		"best ns/op", "median ns/op", "in MB/s", "out MB/s", "ops");
}

/* Warm up, then time samples of `loops` ops until the budget is spent. */
static int bench_run(const bench *b)
{
	double samples[MAX_SAMPLES], start, t0, t, per_op, best, median;
	size_t nsamples = 0, loops, i, ops = 0, warm = 0;
	char out_rate[32];

	start = now_ns();
	do {
		if (b->fn(b->payload) < 0)
			goto fail;
		warm++;
	} while (now_ns() - start < WARMUP_NS);
	per_op = (now_ns() - start) / (double)warm;
	loops = per_op >= SAMPLE_NS ? 1 : (size_t)(SAMPLE_NS / per_op);

	while (nsamples < MAX_SAMPLES) {
		t0 = now_ns();
		for (i = 0; i < loops; i++)
			if (b->fn(b->payload) < 0)
				goto fail;
		t = now_ns();
		samples[nsamples++] = (t - t0) / (double)loops;
		ops += loops;
		/* Stop when the next sample would go past the budget. */
		if (nsamples >= MIN_SAMPLES && t + (t - t0) - start > BUDGET_NS)
			break;
	}
	qsort(samples, nsamples, sizeof(samples[0]), cmp_double);
	best = samples[0];
	median = nsamples % 2 ? samples[nsamples / 2] :
		(samples[nsamples / 2 - 1] + samples[nsamples / 2]) / 2;
	if (b->bytes_out)
		snprintf(out_rate, sizeof(out_rate), "%.1f",
			(double)b->bytes_out * 1e3 / median);
	else
		snprintf(out_rate, sizeof(out_rate), "-");
	printf("%-22s %12zu %14.0f %14.0f %10.1f %10s %8zu\n", b->name, b->bytes_in,
		best, median, (double)b->bytes_in * 1e3 / median, out_rate, ops);
	fflush(stdout);
	return 0;
fail:
	fprintf(stderr, "bench_micro: %s failed\n", b->name);
	return -1;
}

/* ------------------------------------------------------------- SHA-256 */

typedef struct sha_payload {
	og_hash *h;
	const unsigned char *data;
	size_t len;
	char out[OG_DIGEST_MAX];
} sha_payload;

static int op_sha256(void *payload)
{
	sha_payload *p = payload;

	og_hash_reset(p->h);
	og_hash_update(p->h, p->data, p->len);
	og_hash_final(p->h, p->out);
	return 0;
}

/* -------------------------------------------------------------- decode */

typedef struct decode_payload {
	og_ctx *ctx;
	const unsigned char *data;  /* compressed */
	size_t len;
	size_t want;                /* uncompressed size */
	unsigned char *buf;         /* READ_BUF bytes */
	const char *name;
} decode_payload;

static int op_decode(void *payload)
{
	decode_payload *p = payload;
	og_reader *mem = NULL, *dec = NULL;
	size_t total = 0;
	ssize_t n;
	int error;

	if ((error = og_reader_new_mem(&mem, p->data, p->len)) < 0)
		goto done;
	if ((error = og_decoder_new(&dec, p->ctx, mem, p->name)) < 0)
		goto done;
	while ((n = og_reader_read(dec, p->buf, READ_BUF)) > 0)
		total += (size_t)n;
	if (n < 0) {
		error = (int)n;
		fprintf(stderr, "bench_micro: %s: %s\n", p->name, og_ctx_error(p->ctx));
		goto done;
	}
	if (total != p->want) {
		fprintf(stderr, "bench_micro: %s: decoded %zu bytes, want %zu\n",
			p->name, total, p->want);
		error = OG_ERROR;
	}
done:
	og_reader_close(dec);
	og_reader_close(mem);
	return error;
}

/* Compress data as one gzip member (zlib, level 6: what `gzip` does). */
static int make_gzip(unsigned char **out, size_t *out_len, const unsigned char *data,
	size_t len)
{
	z_stream z;
	unsigned char *buf = NULL;
	size_t cap;
	int error = OG_ERROR;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return OG_ERROR;
	cap = (size_t)deflateBound(&z, (uLong)len);
	if ((buf = malloc(cap)) == NULL)
		goto done;
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		goto done;
	*out = buf;
	*out_len = (size_t)z.total_out;
	buf = NULL;
	error = 0;
done:
	deflateEnd(&z);
	free(buf);
	return error;
}

/* Compress data as one zstd frame (level 3: the zstd CLI's default). */
static int make_zstd(unsigned char **out, size_t *out_len, const unsigned char *data,
	size_t len)
{
	size_t cap = ZSTD_compressBound(len), n;
	unsigned char *buf = malloc(cap);

	if (!buf)
		return OG_ENOMEM;
	n = ZSTD_compress(buf, cap, data, len, 3);
	if (ZSTD_isError(n)) {
		free(buf);
		return OG_ERROR;
	}
	*out = buf;
	*out_len = n;
	return 0;
}

/* ------------------------------------------------------------ tar walk */

static void put_octal(char *dst, size_t width, uint64_t v)
{
	size_t i = width - 1;

	dst[i] = '\0';
	while (i-- > 0) {
		dst[i] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

/* One ustar header at out (512 bytes, zeroed by the caller). */
static void tar_header(unsigned char *out, const char *path, char type,
	unsigned int mode, uint64_t size, const char *link)
{
	char *h = (char *)out;
	unsigned int sum = 0;
	size_t i;

	memcpy(h, path, strlen(path));            /* name: < 100 bytes here */
	put_octal(h + 100, 8, mode);
	put_octal(h + 108, 8, 0);
	put_octal(h + 116, 8, 0);
	put_octal(h + 124, 12, size);
	put_octal(h + 136, 12, 1700000000);
	h[156] = type;
	if (link)
		memcpy(h + 157, link, strlen(link));
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += out[i];
	put_octal(h + 148, 7, sum);
	h[155] = ' ';
}

/*
 * A tar of TAR_ENTRIES entries, like a small layer: directories, files of
 * mostly small sizes (some of 16-64 KiB) cut from the generated data,
 * symlinks and hardlinks. *entries gets the number written.
 */
static int make_tar(unsigned char **out, size_t *out_len, size_t *entries,
	gen *g, const unsigned char *data, size_t data_len)
{
	unsigned char *buf = NULL, *tmp;
	size_t cap = 4 * MIB, n = 0, i, size, need, off, dir = 0;
	char path[100], link[100], last_file[100] = "";
	int error = OG_ENOMEM;

	if ((buf = calloc(1, cap)) == NULL)
		goto done;
	for (i = 0; i < TAR_ENTRIES; i++) {
		size = 0;
		if (i % 50 == 0) {
			dir = i / 50;
			snprintf(path, sizeof(path), "usr/share/pkg%02zu/", dir);
		} else if (i % 17 == 0) {
			snprintf(path, sizeof(path), "usr/share/pkg%02zu/link%04zu", dir, i);
		} else if (i % 97 == 0 && last_file[0]) {
			snprintf(path, sizeof(path), "usr/share/pkg%02zu/hard%04zu", dir, i);
		} else {
			snprintf(path, sizeof(path), "usr/share/pkg%02zu/file%04zu.dat", dir, i);
			size = rng_below(&g->r, 10) == 0 ? 16384 + rng_below(&g->r, 49152) :
				rng_below(&g->r, 4096);
		}
		need = n + 512 + (size + 511) / 512 * 512 + 1024;
		if (need > cap) {
			while (need > cap)
				cap *= 2;
			if ((tmp = realloc(buf, cap)) == NULL)
				goto done;
			buf = tmp;
			memset(buf + n, 0, cap - n);
		}
		if (i % 50 == 0) {
			tar_header(buf + n, path, '5', 0755, 0, NULL);
		} else if (i % 17 == 0) {
			snprintf(link, sizeof(link), "../pkg%02zu/file%04zu.dat",
				dir ? dir - 1 : 0, i + 1);
			tar_header(buf + n, path, '2', 0777, 0, link);
		} else if (i % 97 == 0 && last_file[0]) {
			tar_header(buf + n, path, '1', 0644, 0, last_file);
		} else {
			tar_header(buf + n, path, '0', 0644, size, NULL);
			off = rng_below(&g->r, data_len - size);
			memcpy(buf + n + 512, data + off, size);
			memcpy(last_file, path, sizeof(path));
		}
		n += 512 + (size + 511) / 512 * 512;
	}
	n += 1024; /* the end marker: two zero blocks */
	*out = buf;
	*out_len = n;
	*entries = TAR_ENTRIES;
	buf = NULL;
	error = 0;
done:
	free(buf);
	return error;
}

typedef struct tar_payload {
	og_ctx *ctx;
	const unsigned char *data;
	size_t len;
	size_t want;           /* entries */
	uint64_t sink;         /* sizes seen, so the callback does some work */
} tar_payload;

static int on_entry(const og_entry *e, void *payload)
{
	tar_payload *p = payload;

	p->sink += e->size + strlen(e->path);
	return 0;
}

static int op_tar(void *payload)
{
	tar_payload *p = payload;
	og_reader *mem = NULL;
	uint64_t entries = 0;
	int error;

	if ((error = og_reader_new_mem(&mem, p->data, p->len)) < 0)
		goto done;
	if ((error = og_tar_walk(&entries, p->ctx, mem, on_entry, p, "bench.tar")) < 0) {
		fprintf(stderr, "bench_micro: tar: %s\n", og_ctx_error(p->ctx));
		goto done;
	}
	if (entries != p->want) {
		fprintf(stderr, "bench_micro: tar: %llu entries, want %zu\n",
			(unsigned long long)entries, p->want);
		error = OG_ERROR;
	}
done:
	og_reader_close(mem);
	return error;
}

/* ---------------------------------------------------------------- JSON */

static void hex_digest(char *out, gen *g)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	memcpy(out, "sha256:", 7);
	for (i = 0; i < 64; i++)
		out[7 + i] = hex[rng_below(&g->r, 16)];
	out[71] = '\0';
}

/* Append to a fixed buffer; 0 or OG_ELIMIT. */
static int append(char *buf, size_t cap, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int append(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= cap - *n)
		return OG_ELIMIT;
	*n += (size_t)w;
	return 0;
}

/* An OCI image manifest like a registry serves: a config, MANIFEST_LAYERS
 * gzip layers, annotations; pretty-printed. */
static int make_manifest(char *buf, size_t cap, size_t *len, gen *g)
{
	char digest[OG_DIGEST_MAX];
	size_t n = 0, i;
	int error;

	hex_digest(digest, g);
	if ((error = append(buf, cap, &n,
		"{\n  \"schemaVersion\": 2,\n"
		"  \"mediaType\": \"" OG_MT_OCI_MANIFEST "\",\n"
		"  \"config\": {\n    \"mediaType\": \"" OG_MT_OCI_CONFIG "\",\n"
		"    \"digest\": \"%s\",\n    \"size\": %zu\n  },\n  \"layers\": [",
		digest, 1000 + rng_below(&g->r, 9000))) < 0)
		return error;
	for (i = 0; i < MANIFEST_LAYERS; i++) {
		hex_digest(digest, g);
		if ((error = append(buf, cap, &n,
			"%s\n    {\n      \"mediaType\": \"" OG_MT_OCI_LAYER_GZIP "\",\n"
			"      \"digest\": \"%s\",\n      \"size\": %zu\n    }",
			i ? "," : "", digest, 1000 + rng_below(&g->r, 90000000))) < 0)
			return error;
	}
	hex_digest(digest, g);
	if ((error = append(buf, cap, &n,
		"\n  ],\n  \"annotations\": {\n"
		"    \"org.opencontainers.image.created\": \"2024-05-01T12:00:00Z\",\n"
		"    \"org.opencontainers.image.source\": \"https://example.com/app.git\",\n"
		"    \"org.opencontainers.image.revision\": \"%.40s\",\n"
		"    \"org.opencontainers.image.version\": \"1.4.2\",\n"
		"    \"org.opencontainers.image.base.name\": \"docker.io/library/debian:12\"\n"
		"  }\n}\n", digest + 7)) < 0)
		return error;
	*len = n;
	return 0;
}

typedef struct json_payload {
	const char *data;
	size_t len;
	size_t layers;
} json_payload;

static int op_json(void *payload)
{
	json_payload *p = payload;
	og_findings f;
	og_where w = { &f, "bench-manifest" };
	og_manifest m;
	json_t *j = NULL;
	int error = 0;

	og_findings_init(&f);
	memset(&m, 0, sizeof(m));
	if ((j = og_json_parse(&w, (const unsigned char *)p->data, p->len,
		"manifest.schema")) == NULL) {
		error = OG_EINVALID;
		goto done;
	}
	if ((error = og_manifest_parse(&m, &w, j)) < 0)
		goto done;
	if (!m.usable || m.layer_count != p->layers || f.count) {
		fprintf(stderr, "bench_micro: json: manifest not parsed cleanly "
			"(%zu layers, %zu findings%s%s)\n", m.layer_count, f.count,
			f.count ? ": " : "", f.count ? f.items[0].message : "");
		error = OG_ERROR;
	}
done:
	og_manifest_dispose(&m);
	json_decref(j);
	og_findings_dispose(&f);
	return error;
}

/* ------------------------------------------------------ one stage, files */

/* Decode (or hash) one file; adds to *in and *out. */
static int count_entry(const og_entry *e, void *payload)
{
	(void)e;
	(void)payload;
	return 0;
}

enum { STAGE_DECODE, STAGE_SHA256, STAGE_WALK };

static int stage_file(og_ctx *ctx, const char *path, int stage, og_hash *h,
	unsigned char *buf, uint64_t *in, uint64_t *out)
{
	og_reader *fr = NULL, *dec = NULL;
	const void *blk;
	struct stat st;
	ssize_t n;
	int fd, error = OG_ERROR;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		perror(path);
		goto done;
	}
	if ((error = og_reader_new_fd_range(&fr, ctx, fd, 0, (uint64_t)st.st_size, path)) < 0)
		goto done;
	if (stage == STAGE_WALK) {
		uint64_t entries = 0;

		n = og_tar_walk(&entries, ctx, fr, count_entry, NULL, path);
		*out += entries;
	} else if (stage == STAGE_DECODE) {
		if ((error = og_decoder_new(&dec, ctx, fr, path)) < 0)
			goto done;
		while ((n = og_reader_read(dec, buf, MIB)) > 0)
			*out += (uint64_t)n;
	} else if (fr->read_block) {
		og_hash_reset(h);
		while ((n = fr->read_block(fr, &blk)) > 0) {
			og_hash_update(h, blk, (size_t)n);
			*out += (uint64_t)n;
		}
	} else {
		og_hash_reset(h);
		while ((n = og_reader_read(fr, buf, MIB)) > 0) {
			og_hash_update(h, buf, (size_t)n);
			*out += (uint64_t)n;
		}
	}
	error = (int)n;
	if (error < 0)
		fprintf(stderr, "bench_micro: %s: %s\n", path, og_ctx_error(ctx));
	*in += (uint64_t)st.st_size;
done:
	og_reader_close(dec);
	og_reader_close(fr);
	if (fd >= 0)
		close(fd);
	return error;
}

static int stage_main(int argc, char **argv)
{
	og_ctx *ctx = NULL;
	og_hash *h = NULL;
	unsigned char *buf = NULL;
	char digest[OG_DIGEST_MAX];
	uint64_t in = 0, out = 0;
	double t0, t;
	int stage, i, rc = 1;

	if (argc < 4 || (strcmp(argv[2], "decode") && strcmp(argv[2], "sha256") &&
	    strcmp(argv[2], "walk"))) {
		fprintf(stderr, "usage: %s --stage decode|sha256|walk FILE...\n", argv[0]);
		return 2;
	}
	stage = !strcmp(argv[2], "decode") ? STAGE_DECODE :
		!strcmp(argv[2], "sha256") ? STAGE_SHA256 : STAGE_WALK;
	if (og_global_init() < 0 || og_ctx_new(&ctx) < 0 ||
	    og_hash_new(&h, ctx, OG_DIGEST_SHA256) < 0 || (buf = malloc(MIB)) == NULL)
		goto done;
	t0 = now_ns();
	for (i = 3; i < argc; i++) {
		if (stage_file(ctx, argv[i], stage, h, buf, &in, &out) < 0)
			goto done;
		if (stage == STAGE_SHA256)
			og_hash_final(h, digest);
	}
	t = (now_ns() - t0) * 1e-9;
	printf("stage %s files %d in %llu out %llu seconds %.6f\n", argv[2], argc - 3,
		(unsigned long long)in, (unsigned long long)out, t);
	rc = 0;
done:
	free(buf);
	og_hash_free(h);
	og_ctx_free(ctx);
	return rc;
}

/* ---------------------------------------------------------------- main */

static int selected(int argc, char **argv, const char *name)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	og_ctx *ctx = NULL;
	gen *g = NULL;
	unsigned char *data = NULL, *gz = NULL, *zst = NULL, *tar = NULL, *buf = NULL;
	size_t gz_len = 0, zst_len = 0, tar_len = 0, tar_entries = 0, man_len = 0, i;
	char manifest[16384];
	sha_payload sha = { NULL, NULL, MIB, "" };
	decode_payload dgz, dzst;
	tar_payload tp;
	json_payload jp;
	bench benches[5];
	int rc = 1;

	if (argc > 1 && !strcmp(argv[1], "--stage"))
		return stage_main(argc, argv);
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: %s [NAME...] | --stage decode|sha256|walk FILE...\n"
			"Runs the micro-benchmarks whose name contains one of NAME (all by default):\n"
			"sha256, decode.gzip, decode.zstd, tar.walk, json.manifest.\n", argv[0]);
		return 0;
	}
	if (og_global_init() < 0 || og_ctx_new(&ctx) < 0)
		goto done;
	if ((g = malloc(sizeof(*g))) == NULL || (data = malloc(DATA_SIZE)) == NULL ||
	    (buf = malloc(READ_BUF)) == NULL)
		goto done;
	gen_init(g, 0x6f63696761746521ULL);
	gen_fill(g, data, DATA_SIZE);
	if (make_gzip(&gz, &gz_len, data, DATA_SIZE) < 0 ||
	    make_zstd(&zst, &zst_len, data, DATA_SIZE) < 0) {
		fprintf(stderr, "bench_micro: cannot compress the input\n");
		goto done;
	}
	if (make_tar(&tar, &tar_len, &tar_entries, g, data, DATA_SIZE) < 0 ||
	    make_manifest(manifest, sizeof(manifest), &man_len, g) < 0) {
		fprintf(stderr, "bench_micro: cannot build the inputs\n");
		goto done;
	}
	if (og_hash_new(&sha.h, ctx, OG_DIGEST_SHA256) < 0)
		goto done;
	sha.data = data;

	dgz = (decode_payload){ ctx, gz, gz_len, DATA_SIZE, buf, "bench.gz" };
	dzst = (decode_payload){ ctx, zst, zst_len, DATA_SIZE, buf, "bench.zst" };
	tp = (tar_payload){ ctx, tar, tar_len, tar_entries, 0 };
	jp = (json_payload){ manifest, man_len, MANIFEST_LAYERS };
	benches[0] = (bench){ "sha256 (og_hash)", MIB, 0, op_sha256, &sha };
	benches[1] = (bench){ "decode.gzip", gz_len, DATA_SIZE, op_decode, &dgz };
	benches[2] = (bench){ "decode.zstd", zst_len, DATA_SIZE, op_decode, &dzst };
	benches[3] = (bench){ "tar.walk", tar_len, 0, op_tar, &tp };
	benches[4] = (bench){ "json.manifest", man_len, 0, op_json, &jp };

	printf("ocigate micro-benchmarks: decode input %zu bytes of generated text/binary, "
		"gzip -6 ratio %.2f, zstd -3 ratio %.2f;\n"
		"tar of %zu entries; manifest with %d layers. MB/s = 10^6 bytes/s at the median.\n\n",
		(size_t)DATA_SIZE, (double)DATA_SIZE / (double)gz_len,
		(double)DATA_SIZE / (double)zst_len, tar_entries, MANIFEST_LAYERS);
	print_header();
	rc = 0;
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (selected(argc, argv, benches[i].name) && bench_run(&benches[i]) < 0)
			rc = 1;
done:
	if (rc && ctx && og_ctx_error(ctx)[0])
		fprintf(stderr, "bench_micro: %s\n", og_ctx_error(ctx));
	og_hash_free(sha.h);
	free(buf);
	free(tar);
	free(zst);
	free(gz);
	free(data);
	free(g);
	og_ctx_free(ctx);
	return rc;
}
