/*
 * The registry client (distribution API v2) over libcurl.
 *
 * Every request is one "transfer" driven by a curl multi handle, so the same
 * code serves whole responses (manifests, tokens) and streamed blobs: a blob
 * reader pumps its own multi handle from read()/read_block(), and the write
 * callback pauses the transfer (CURL_WRITEFUNC_PAUSE) once the fixed buffer is
 * full. libcurl does not support sharing a connection cache between
 * concurrent threads, so each transfer borrows a multi handle (which owns a
 * connection cache) from the registry's pool of idle ones and gives it back
 * when done: connections are reused by whichever thread takes that handle
 * next, and a handle is only ever used by one thread at a time. DNS and TLS
 * sessions are shared through a CURLSH with locks.
 *
 * Redirects are followed here, not by libcurl: a hop to another host (blob
 * storage) drops the Authorization header.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <curl/curl.h>
#include <jansson.h>
#include "auth.h"
#include "registry.h"
#include "registry_internal.h"

#define STREAM_BUF ((size_t)1 << 20)
#define CURL_BUF 131072L
#define ERR_BODY 1024
#define MAX_REDIRECTS 5
#define MAX_AUTH_ROUNDS 2
#define TOKEN_CAP ((size_t)1 << 20)
#define DEFAULT_RETRIES 4u
#define DEFAULT_DELAY_MS 500u
#define DEFAULT_MAX_DELAY_MS 30000u
#define DEFAULT_TIMEOUT_S 600u
#define DEFAULT_LOW_SPEED_S 30u
#define DEFAULT_CHUNK ((uint64_t)64 << 20)
#define HUB_HOST "registry-1.docker.io"
#define MAX_IDLE 16

/* ------------------------------------------------------------ references */

void og_image_ref_dispose(og_image_ref *ref)
{
	if (!ref)
		return;
	free(ref->host);
	free(ref->repo);
	free(ref->tag);
	free(ref->digest);
	memset(ref, 0, sizeof(*ref));
}

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component: [a-z0-9]+ ((.|_|__|-+) [a-z0-9]+)* */
static int repo_ok(const char *s, size_t n)
{
	size_t i, start = 0;

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		/* component [start, i) */
		if (i == start || !is_lower_alnum(s[start]) || !is_lower_alnum(s[i - 1]))
			return 0;
		for (size_t k = start; k < i; k++) {
			char c = s[k];

			if (is_lower_alnum(c) || c == '-')
				continue;
			if (c == '.' && is_lower_alnum(s[k + 1]))
				continue;
			if (c == '_' && (is_lower_alnum(s[k + 1]) ||
					(s[k + 1] == '_' && is_lower_alnum(s[k + 2]))) &&
			    is_lower_alnum(s[k - 1]))
				continue;
			if (c == '_' && s[k - 1] == '_')
				continue;
			return 0;
		}
		start = i + 1;
	}
	return 1;
}

/* [A-Za-z0-9_][A-Za-z0-9._-]{0,127} */
static int tag_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* host[:port], or [v6]:port */
static int host_ok(const char *s, size_t n)
{
	size_t i = 0, end = n;
	const char *colon;

	if (n == 0 || n > 255)
		return 0;
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', n);
		if (!rb || rb == s + 1)
			return 0;
		for (i = 1; s + i < rb; i++)
			if (!(strchr("0123456789abcdefABCDEF:.", s[i])))
				return 0;
		i = (size_t)(rb - s) + 1;
		if (i == n)
			return 1;
		if (s[i] != ':')
			return 0;
		colon = s + i;
	} else {
		colon = memchr(s, ':', n);
		end = colon ? (size_t)(colon - s) : n;
		if (end == 0)
			return 0;
		for (i = 0; i < end; i++) {
			char c = s[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '.' || c == '-'))
				return 0;
		}
		if (s[0] == '.' || s[0] == '-' || s[end - 1] == '.' || s[end - 1] == '-')
			return 0;
	}
	if (colon) {
		size_t p = (size_t)(colon - s) + 1;
		if (p == n || n - p > 5)
			return 0;
		for (; p < n; p++)
			if (s[p] < '0' || s[p] > '9')
				return 0;
	}
	return 1;
}

static int first_is_host(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) || s[0] == '[' ||
		(n == 9 && strncmp(s, "localhost", 9) == 0);
}

int og_image_ref_is_registry(const char *s)
{
	const char *slash;
	size_t n;

	if (!s)
		return 0;
	if (strncmp(s, "docker://", 9) == 0)
		return 1;
	if ((slash = strchr(s, '/')) == NULL)
		return 0;
	n = (size_t)(slash - s);
	if ((n == 1 && s[0] == '.') || (n == 2 && strncmp(s, "..", 2) == 0) || n == 0)
		return 0;
	return first_is_host(s, n) && host_ok(s, n);
}

int og_image_ref_parse(og_image_ref *out, og_ctx *ctx, const char *ref)
{
	const char *s, *slash, *at, *name, *colon, *last_slash;
	size_t hn, nn;
	og_digest_alg_t alg;
	char why[128];
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (!ref || !*ref)
		return og_error_set(ctx, OG_EINVALID, "empty image reference");
	s = strncmp(ref, "docker://", 9) == 0 ? ref + 9 : ref;
	slash = strchr(s, '/');
	if (slash && first_is_host(s, (size_t)(slash - s))) {
		hn = (size_t)(slash - s);
		if (!host_ok(s, hn)) {
			error = og_error_set(ctx, OG_EINVALID, "%s: bad registry host \"%.*s\"",
				ref, (int)(hn > 64 ? 64 : hn), s);
			goto done;
		}
		if (hn == 9 && strncmp(s, "docker.io", 9) == 0)
			out->host = og__strdup(HUB_HOST);
		else
			out->host = og__strndup(s, hn);
		name = slash + 1;
	} else {
		out->host = og__strdup(HUB_HOST);
		name = s;
	}
	if (!out->host)
		goto oom;
	at = strchr(name, '@');
	if (at) {
		if (og_digest_parse(&alg, at + 1, why, sizeof(why)) < 0) {
			error = og_error_set(ctx, OG_EINVALID, "%s: bad digest: %s", ref, why);
			goto done;
		}
		if ((out->digest = og__strdup(at + 1)) == NULL)
			goto oom;
	}
	nn = at ? (size_t)(at - name) : strlen(name);
	last_slash = NULL;
	for (const char *p = name; p < name + nn; p++)
		if (*p == '/')
			last_slash = p;
	colon = memchr(last_slash ? last_slash : name, ':',
		nn - (size_t)((last_slash ? last_slash : name) - name));
	if (colon) {
		if ((out->tag = og__strndup(colon + 1, (size_t)(name + nn - colon - 1))) == NULL)
			goto oom;
		if (!tag_ok(out->tag)) {
			error = og_error_set(ctx, OG_EINVALID, "%s: bad tag \"%.64s\"", ref, out->tag);
			goto done;
		}
		nn = (size_t)(colon - name);
	}
	if (!repo_ok(name, nn)) {
		error = og_error_set(ctx, OG_EINVALID,
			"%s: bad repository name \"%.*s\" (lowercase letters, digits, "
			"separators . _ - and /)", ref, (int)(nn > 128 ? 128 : nn), name);
		goto done;
	}
	if (strcmp(out->host, HUB_HOST) == 0 && !memchr(name, '/', nn))
		out->repo = og__asprintf("library/%.*s", (int)nn, name);
	else
		out->repo = og__strndup(name, nn);
	if (!out->repo)
		goto oom;
	if (!out->tag && !out->digest && (out->tag = og__strdup("latest")) == NULL)
		goto oom;
	goto done;
oom:
	error = og_error_oom(ctx);
done:
	if (error < 0)
		og_image_ref_dispose(out);
	return error;
}

/* ------------------------------------------------------ pure helpers */

int og_registry__retry_after(uint64_t *out_ms, const char *value, time_t now)
{
	const char *p = value;
	unsigned long long secs = 0;
	time_t t;

	if (!value)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p >= '0' && *p <= '9') {
		for (; *p >= '0' && *p <= '9'; p++) {
			if (secs > 1000000000ull)
				return -1;
			secs = secs * 10 + (unsigned long long)(*p - '0');
		}
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p)
			return -1;
		*out_ms = secs * 1000;
		return 0;
	}
	if ((t = curl_getdate(p, NULL)) == -1)
		return -1;
	*out_ms = t > now ? (uint64_t)(t - now) * 1000 : 0;
	return 0;
}

uint64_t og_registry__backoff_ms(unsigned int attempt, unsigned int base_ms,
	unsigned int max_ms, uint64_t rnd)
{
	uint64_t cap = base_ms;
	unsigned int i;

	for (i = 0; i < attempt && cap < max_ms; i++)
		cap *= 2;
	if (cap > max_ms)
		cap = max_ms;
	return rnd % (cap + 1);
}

int og_registry__is_loopback(const char *host)
{
	size_t n;
	const char *colon;

	if (!host)
		return 0;
	if (strncmp(host, "[::1]", 5) == 0)
		return host[5] == '\0' || host[5] == ':';
	colon = strchr(host, ':');
	n = colon ? (size_t)(colon - host) : strlen(host);
	if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
		return 1;
	if (n >= 4 && strncmp(host, "127.", 4) == 0) {
		/* 127.a.b.c, digits and dots only */
		for (size_t i = 4; i < n; i++)
			if (!((host[i] >= '0' && host[i] <= '9') || host[i] == '.'))
				return 0;
		return 1;
	}
	return 0;
}

/* The first max printable bytes of a body, on one line. */
static void printable(char *out, size_t out_len, const char *body, size_t len, size_t max)
{
	size_t i, o = 0;
	int space = 0;

	for (i = 0; i < len && o < max && o + 1 < out_len; i++) {
		unsigned char c = (unsigned char)body[i];
		if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
			space = o > 0;
			continue;
		}
		if (c < 0x20 || c >= 0x7f)
			continue;
		if (space && o + 2 < out_len) {
			out[o++] = ' ';
			space = 0;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
}

int og_registry__map_status(const char **id, char *msg, size_t msg_len,
	long status, const char *body, size_t body_len)
{
	const char *code = NULL, *text = NULL;
	json_t *j = body && body_len ? json_loadb(body, body_len, 0, NULL) : NULL;
	json_t *e = json_array_get(json_object_get(j, "errors"), 0);
	char raw[256];
	int rc;

	if (json_is_object(e)) {
		code = json_string_value(json_object_get(e, "code"));
		text = json_string_value(json_object_get(e, "message"));
	}
	raw[0] = '\0';
	if (!code && body)
		printable(raw, sizeof(raw), body, body_len, 200);
	if (code && (strcmp(code, "BLOB_UNKNOWN") == 0 || strcmp(code, "MANIFEST_UNKNOWN") == 0 ||
		     strcmp(code, "NAME_UNKNOWN") == 0)) {
		*id = "registry.not_found";
		rc = OG_ENOTFOUND;
	} else if (code && strcmp(code, "UNAUTHORIZED") == 0) {
		*id = "registry.auth";
		rc = OG_EAUTH;
	} else if (code && strcmp(code, "DENIED") == 0) {
		*id = "registry.denied";
		rc = OG_EAUTH;
	} else if (code && strcmp(code, "TOOMANYREQUESTS") == 0) {
		*id = "registry.rate_limited";
		rc = OG_ENETWORK;
	} else if (status == 404) {
		*id = "registry.not_found";
		rc = OG_ENOTFOUND;
	} else if (status == 401) {
		*id = "registry.auth";
		rc = OG_EAUTH;
	} else if (status == 403) {
		*id = "registry.denied";
		rc = OG_EAUTH;
	} else if (status == 429) {
		*id = "registry.rate_limited";
		rc = OG_ENETWORK;
	} else if (status == 408) {
		*id = "registry.timeout";
		rc = OG_ENETWORK;
	} else if (status >= 500) {
		*id = "registry.server_error";
		rc = OG_ENETWORK;
	} else {
		/* other 4xx: the registry refused the request as made */
		*id = "registry.server_error";
		rc = OG_ENETWORK;
	}
	if (code)
		snprintf(msg, msg_len, "HTTP %ld %s%s%.200s", status, code,
			text && *text ? ": " : "", text ? text : "");
	else
		snprintf(msg, msg_len, "HTTP %ld%s%s", status, raw[0] ? ": " : "", raw);
	json_decref(j);
	return rc;
}

/* ------------------------------------------------------------ the client */

typedef struct token {
	char *scope;
	char *value;
	uint64_t expires_ms;  /* monotonic */
} token;

struct og_registry {
	char *host;
	og_transport_options opts;
	char *creds_arg, *auth_file, *cacert;
	int may_plain;            /* loopback, or --tls-verify=false */
	int insecure;             /* no certificate verification */
	pthread_mutex_t lock;     /* everything below up to the counters */
	int scheme;               /* 0: unknown (https first), 1 https, 2 http */
	int creds_loaded;
	og_creds creds;
	int basic;                /* the registry asked for Basic */
	char *realm, *service;    /* its Bearer challenge */
	token *tokens;
	size_t token_count;
	uint64_t rng;
	CURLM *idle[MAX_IDLE];    /* multi handles with their connections */
	size_t idle_count;
	CURLSH *share;
	pthread_mutex_t share_lock[CURL_LOCK_DATA_LAST];
	_Atomic uint64_t requests, retries, bytes_in, bytes_out;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t next_rand(og_registry *reg)
{
	uint64_t x;

	pthread_mutex_lock(&reg->lock);
	x = reg->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	reg->rng = x;
	pthread_mutex_unlock(&reg->lock);
	return x * 2685821657736338717ull;
}

static void reg_log(og_registry *reg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reg_log(og_registry *reg, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!reg->opts.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	reg->opts.log(line, reg->opts.log_payload);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a, void *p)
{
	og_registry *reg = p;

	(void)h;
	(void)a;
	pthread_mutex_lock(&reg->share_lock[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *p)
{
	og_registry *reg = p;

	(void)h;
	pthread_mutex_unlock(&reg->share_lock[data]);
}

void og_registry_free(og_registry *reg)
{
	size_t i;

	if (!reg)
		return;
	for (i = 0; i < reg->idle_count; i++)
		curl_multi_cleanup(reg->idle[i]);
	if (reg->share)
		curl_share_cleanup(reg->share);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&reg->share_lock[i]);
	pthread_mutex_destroy(&reg->lock);
	for (i = 0; i < reg->token_count; i++) {
		free(reg->tokens[i].scope);
		if (reg->tokens[i].value) {
			memset(reg->tokens[i].value, 0, strlen(reg->tokens[i].value));
			free(reg->tokens[i].value);
		}
	}
	free(reg->tokens);
	og_creds_dispose(&reg->creds);
	if (reg->creds_arg) {
		memset(reg->creds_arg, 0, strlen(reg->creds_arg));
		free(reg->creds_arg);
	}
	free(reg->auth_file);
	free(reg->cacert);
	free(reg->realm);
	free(reg->service);
	free(reg->host);
	free(reg);
}

int og_registry_new(og_registry **out, og_ctx *ctx, const char *host,
	const og_transport_options *opts)
{
	og_transport_options defaults = OG_TRANSPORT_OPTIONS_INIT;
	og_registry *reg = NULL;
	size_t i;
	int error = 0;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return og_error_set(ctx, OG_ERROR, "cannot initialise libcurl");
	if ((reg = calloc(1, sizeof(*reg))) == NULL)
		return og_error_oom(ctx);
	pthread_mutex_init(&reg->lock, NULL);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&reg->share_lock[i], NULL);
	reg->opts = *opts;
	reg->opts.creds = reg->opts.auth_file = reg->opts.cacert = NULL;
	if (!reg->opts.retries)
		reg->opts.retries = DEFAULT_RETRIES;
	else if (reg->opts.retries == OG_TRANSPORT_NO_RETRIES)
		reg->opts.retries = 0;
	if (!reg->opts.retry_delay_ms)
		reg->opts.retry_delay_ms = DEFAULT_DELAY_MS;
	if (!reg->opts.retry_max_delay_ms)
		reg->opts.retry_max_delay_ms = DEFAULT_MAX_DELAY_MS;
	if (!reg->opts.timeout_s)
		reg->opts.timeout_s = DEFAULT_TIMEOUT_S;
	if (!reg->opts.low_speed_s)
		reg->opts.low_speed_s = DEFAULT_LOW_SPEED_S;
	reg->insecure = opts->tls_verify < 0;
	reg->may_plain = reg->insecure || og_registry__is_loopback(host);
	reg->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
		(uint64_t)(uintptr_t)reg ^ now_ms();
	if (!reg->rng)
		reg->rng = 0x9e3779b97f4a7c15ull;
	if ((reg->host = og__strdup(host)) == NULL ||
	    (opts->creds && (reg->creds_arg = og__strdup(opts->creds)) == NULL) ||
	    (opts->auth_file && (reg->auth_file = og__strdup(opts->auth_file)) == NULL) ||
	    (opts->cacert && (reg->cacert = og__strdup(opts->cacert)) == NULL) ||
	    (reg->share = curl_share_init()) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	curl_share_setopt(reg->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(reg->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(reg->share, CURLSHOPT_USERDATA, reg);
	curl_share_setopt(reg->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(reg->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	*out = reg;
	reg = NULL;
done:
	og_registry_free(reg);
	return error;
}

void og_registry_stats_get(const og_registry *reg, og_registry_stats *out)
{
	out->requests = atomic_load(&reg->requests);
	out->retries = atomic_load(&reg->retries);
	out->bytes_in = atomic_load(&reg->bytes_in);
	out->bytes_out = atomic_load(&reg->bytes_out);
}

/* ------------------------------------------------------------- transfers */

enum { MODE_COLLECT = 0, MODE_STREAM = 1 };

typedef struct request {
	const char *method;       /* GET HEAD PUT POST PATCH */
	const char *repo;         /* for messages */
	const char *scope;        /* token scope(s), space separated; NULL: none */
	const char *accept;
	const char *content_type;
	const char *extra;        /* one more header line, or NULL */
	const unsigned char *body; /* replayable body */
	size_t body_len;
	og_reader *upload;        /* streamed body (not replayable: no retry) */
	uint64_t upload_len;
	og_hash *upload_hash;
	int mode;
	size_t cap;               /* MODE_COLLECT: body cap */
	int token_request;        /* Basic creds only, no 401 handling */
	int no_retry;
} request;

typedef struct xfer {
	og_reader base;           /* as a blob reader (MODE_STREAM) */
	og_registry *reg;
	og_ctx *ctx;
	request rq;
	char *path;               /* "/v2/..." or an absolute URL (upload sessions) */
	char *url;                /* the URL of this hop */
	int cross_host;           /* redirected to another host: no Authorization */
	char *range;              /* "Range: bytes=N-" on a resumed blob */
	CURLM *multi;
	CURL *easy;
	struct curl_slist *headers;
	char curl_err[CURL_ERROR_SIZE];
	/* the response */
	long status;
	int headers_done, done, over_cap, paused;
	CURLcode result;
	char *content_type, *docker_digest, *www_auth, *retry_after, *location, *content_range;
	int64_t content_length;
	unsigned char *buf;
	size_t buf_cap, pos, len;
	char err_body[ERR_BODY];
	size_t err_len;
	/* retries and streaming */
	unsigned int attempt, auth_rounds, redirects;
	uint64_t deadline;        /* monotonic ms */
	uint64_t skip;            /* bytes of a 200 answer to a Range request to drop */
	uint64_t received;        /* blob bytes handed to the consumer */
	int64_t total;            /* blob size, -1 unknown */
	int upload_error;
	char *own_repo, *own_scope; /* a blob reader's copies of rq.repo, rq.scope */
	/* upload */
	size_t up_off;
} xfer;

static void clear_headers(xfer *x)
{
	free(x->content_type);
	free(x->docker_digest);
	free(x->www_auth);
	free(x->retry_after);
	free(x->location);
	free(x->content_range);
	x->content_type = x->docker_digest = x->www_auth = x->retry_after = NULL;
	x->location = x->content_range = NULL;
	x->content_length = -1;
	x->status = 0;
	x->headers_done = 0;
	x->err_len = 0;
}

/* A multi handle from the pool (its connections come with it), or a new one. */
static CURLM *multi_get(og_registry *reg)
{
	CURLM *m = NULL;

	pthread_mutex_lock(&reg->lock);
	if (reg->idle_count)
		m = reg->idle[--reg->idle_count];
	pthread_mutex_unlock(&reg->lock);
	return m ? m : curl_multi_init();
}

static void multi_put(og_registry *reg, CURLM *m)
{
	pthread_mutex_lock(&reg->lock);
	if (reg->idle_count < MAX_IDLE) {
		reg->idle[reg->idle_count++] = m;
		m = NULL;
	}
	pthread_mutex_unlock(&reg->lock);
	if (m)
		curl_multi_cleanup(m);
}

static void xfer_dispose(xfer *x)
{
	if (x->easy) {
		if (x->multi)
			curl_multi_remove_handle(x->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	if (x->multi)
		multi_put(x->reg, x->multi);
	curl_slist_free_all(x->headers);
	clear_headers(x);
	free(x->path);
	free(x->url);
	free(x->range);
	free(x->buf);
	x->easy = NULL;
	x->multi = NULL;
	x->headers = NULL;
	x->path = x->url = x->range = NULL;
	x->buf = NULL;
}

/* The message prefix: "docker://HOST/REPO: GET /v2/...". */
static void what(char *out, size_t len, const xfer *x)
{
	const char *p = x->path;

	if (strncmp(p, "http", 4) == 0) {
		/* an upload session URL: only its path, never its query */
		const char *s = strstr(p, "://");
		p = s ? strchr(s + 3, '/') : NULL;
		if (!p)
			p = "/";
	}
	snprintf(out, len, "docker://%s%s%s: %s %.*s", x->reg->host,
		x->rq.repo ? "/" : "", x->rq.repo ? x->rq.repo : "", x->rq.method,
		(int)strcspn(p, "?"), p);
}

static char *dup_value(const char *v, size_t n)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return og__strndup(v, n);
}

static size_t header_cb(char *b, size_t size, size_t nitems, void *p)
{
	xfer *x = p;
	size_t len = size * nitems, nl;
	const char *colon;
	char **slot = NULL;

	if (len >= 5 && strncmp(b, "HTTP/", 5) == 0) {
		const char *sp = memchr(b, ' ', len);
		clear_headers(x);
		if (sp)
			x->status = strtol(sp + 1, NULL, 10);
		return len;
	}
	if (len <= 2 && (b[0] == '\r' || b[0] == '\n')) {
		if (x->status >= 200)
			x->headers_done = 1;
		return len;
	}
	if ((colon = memchr(b, ':', len)) == NULL)
		return len;
	nl = (size_t)(colon - b);
#define IS(name) (nl == sizeof(name) - 1 && strncasecmp(b, name, nl) == 0)
	if (IS("Content-Type"))
		slot = &x->content_type;
	else if (IS("Docker-Content-Digest"))
		slot = &x->docker_digest;
	else if (IS("WWW-Authenticate"))
		slot = &x->www_auth;
	else if (IS("Retry-After"))
		slot = &x->retry_after;
	else if (IS("Location"))
		slot = &x->location;
	else if (IS("Content-Range"))
		slot = &x->content_range;
	else if (IS("Content-Length"))
		x->content_length = strtoll(colon + 1, NULL, 10);
#undef IS
	if (slot && !*slot)
		*slot = dup_value(colon + 1, len - nl - 1);
	return len;
}

static size_t write_cb(char *data, size_t size, size_t nitems, void *p)
{
	xfer *x = p;
	size_t len = size * nitems, take;

	atomic_fetch_add(&x->reg->bytes_in, len);
	if (x->status < 200 || x->status >= 300) {
		take = len < sizeof(x->err_body) - x->err_len ? len : sizeof(x->err_body) - x->err_len;
		memcpy(x->err_body + x->err_len, data, take);
		x->err_len += take;
		return len;
	}
	if (x->rq.mode == MODE_STREAM) {
		size_t drop = x->skip < len ? (size_t)x->skip : len;

		if (len - drop > x->buf_cap - x->len && x->len == 0) {
			/* one chunk bigger than the whole buffer (libcurl hands
			 * over at most its buffer size; never expected): grow,
			 * or pausing would never end */
			unsigned char *nb = realloc(x->buf, len - drop);

			if (!nb)
				return 0;
			x->buf = nb;
			x->buf_cap = len - drop;
		}
		if (len - drop > x->buf_cap - x->len) {
			x->paused = 1;
			return CURL_WRITEFUNC_PAUSE;
		}
		x->skip -= drop;
		memcpy(x->buf + x->len, data + drop, len - drop);
		x->len += len - drop;
		return len;
	}
	if (x->len + len > x->rq.cap) {
		x->over_cap = 1;
		return 0;
	}
	if (x->len + len + 1 > x->buf_cap) {
		size_t cap = x->buf_cap ? x->buf_cap : 16384;
		unsigned char *nb;

		while (cap < x->len + len + 1)
			cap *= 2;
		if ((nb = realloc(x->buf, cap)) == NULL)
			return 0;
		x->buf = nb;
		x->buf_cap = cap;
	}
	memcpy(x->buf + x->len, data, len);
	x->len += len;
	x->buf[x->len] = '\0';
	return len;
}

static size_t read_cb(char *out, size_t size, size_t nitems, void *p)
{
	xfer *x = p;
	size_t len = size * nitems;
	ssize_t n;

	if (x->rq.body) {
		size_t left = x->rq.body_len - x->up_off;
		if (len > left)
			len = left;
		memcpy(out, x->rq.body + x->up_off, len);
		x->up_off += len;
		atomic_fetch_add(&x->reg->bytes_out, len);
		return len;
	}
	if (!x->rq.upload)
		return 0;
	if ((uint64_t)len > x->rq.upload_len - x->up_off)
		len = (size_t)(x->rq.upload_len - x->up_off);
	if (len == 0)
		return 0;
	n = og_reader_read(x->rq.upload, out, len);
	if (n <= 0) {
		x->upload_error = n < 0 ? (int)n : og_error_set(x->ctx, OG_EINVALID,
			"the blob ended %llu bytes early",
			(unsigned long long)(x->rq.upload_len - x->up_off));
		return CURL_READFUNC_ABORT;
	}
	if (x->rq.upload_hash)
		og_hash_update(x->rq.upload_hash, out, (size_t)n);
	x->up_off += (size_t)n;
	atomic_fetch_add(&x->reg->bytes_out, (uint64_t)n);
	return (size_t)n;
}

/* Credentials, looked up once. */
static int load_creds(og_registry *reg, og_ctx *ctx)
{
	int error = 0;

	pthread_mutex_lock(&reg->lock);
	if (!reg->creds_loaded) {
		error = og_creds_lookup(&reg->creds, ctx, reg->host, reg->creds_arg,
			reg->auth_file);
		reg->creds_loaded = error == 0;
	}
	pthread_mutex_unlock(&reg->lock);
	return error;
}

static int have_creds(og_registry *reg)
{
	return reg->creds.username != NULL || reg->creds.identity_token != NULL;
}

static char *basic_header(og_registry *reg)
{
	char *up, *b64, *h;

	if (!reg->creds.username || reg->creds.identity_token)
		return NULL;
	up = og__asprintf("%s:%s", reg->creds.username,
		reg->creds.password ? reg->creds.password : "");
	if (!up)
		return NULL;
	b64 = og_base64_encode(up, strlen(up));
	memset(up, 0, strlen(up));
	free(up);
	if (!b64)
		return NULL;
	h = og__asprintf("Authorization: Basic %s", b64);
	memset(b64, 0, strlen(b64));
	free(b64);
	return h;
}

static int fetch_token(og_registry *reg, og_ctx *ctx, const char *scope);

/* The Authorization header line for this hop (NULL: none). Under no lock:
 * takes it itself. Fetches a token when a Bearer challenge is known. */
static int auth_header(char **out, xfer *x)
{
	og_registry *reg = x->reg;
	const char *scope = x->rq.scope;
	uint64_t now = now_ms();
	size_t i;
	int need_token = 0, error = 0;

	*out = NULL;
	if (x->cross_host)
		return 0;
	if (x->rq.token_request) {
		pthread_mutex_lock(&reg->lock);
		*out = basic_header(reg);
		pthread_mutex_unlock(&reg->lock);
		return 0;
	}
	pthread_mutex_lock(&reg->lock);
	if (reg->realm && scope) {
		need_token = 1;
		for (i = 0; i < reg->token_count; i++) {
			if (strcmp(reg->tokens[i].scope, scope) == 0 &&
			    reg->tokens[i].expires_ms > now) {
				*out = og__asprintf("Authorization: Bearer %s", reg->tokens[i].value);
				need_token = 0;
				break;
			}
		}
	} else if (reg->basic) {
		*out = basic_header(reg);
	}
	pthread_mutex_unlock(&reg->lock);
	if (need_token) {
		if ((error = fetch_token(reg, x->ctx, scope)) < 0)
			return error;
		return auth_header(out, x);
	}
	return 0;
}

static char *make_url(og_registry *reg, const char *path)
{
	int scheme;

	if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0)
		return og__strdup(path);
	pthread_mutex_lock(&reg->lock);
	scheme = reg->scheme;
	pthread_mutex_unlock(&reg->lock);
	return og__asprintf("%s://%s%s", scheme == 2 ? "http" : "https", reg->host, path);
}

static int add_header(xfer *x, const char *line)
{
	struct curl_slist *l = curl_slist_append(x->headers, line);

	if (!l)
		return og_error_oom(x->ctx);
	x->headers = l;
	return 0;
}

/* Set up one hop of the request at x->url. */
static int xfer_start(xfer *x)
{
	og_registry *reg = x->reg;
	og_ctx *ctx = x->ctx;
	uint64_t now = now_ms(), left = x->deadline > now ? x->deadline - now : 1;
	char *auth = NULL, line[256];
	int error = 0;

	if (x->easy && x->multi)
		curl_multi_remove_handle(x->multi, x->easy);
	if (!x->multi && (x->multi = multi_get(reg)) == NULL)
		return og_error_oom(ctx);
	if (!x->easy && (x->easy = curl_easy_init()) == NULL)
		return og_error_oom(ctx);
	curl_easy_reset(x->easy);
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	clear_headers(x);
	x->done = x->over_cap = x->paused = 0;
	x->result = CURLE_OK;
	x->pos = x->len = 0;
	x->up_off = 0;
	x->curl_err[0] = '\0';
	if ((error = auth_header(&auth, x)) < 0)
		goto done;
	if (x->rq.accept) {
		snprintf(line, sizeof(line), "Accept: %s", x->rq.accept);
		if ((error = add_header(x, line)) < 0)
			goto done;
	}
	if (x->rq.content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", x->rq.content_type);
		if ((error = add_header(x, line)) < 0)
			goto done;
	}
	if ((x->rq.extra && (error = add_header(x, x->rq.extra)) < 0) ||
	    (x->range && (error = add_header(x, x->range)) < 0) ||
	    (auth && (error = add_header(x, auth)) < 0) ||
	    (error = add_header(x, "Expect:")) < 0)
		goto done;
	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	curl_easy_setopt(x->easy, CURLOPT_SHARE, reg->share);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "ocigate/" OG_VERSION);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->curl_err);
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->easy, CURLOPT_BUFFERSIZE, CURL_BUF);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)(left < 30000 ? left : 30000));
	curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_TIME, (long)reg->opts.low_speed_s);
	if (x->rq.mode != MODE_STREAM)
		curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYPEER, reg->insecure ? 0L : 1L);
	curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYHOST, reg->insecure ? 0L : 2L);
	if (reg->cacert)
		curl_easy_setopt(x->easy, CURLOPT_CAINFO, reg->cacert);
	if (strcmp(x->rq.method, "HEAD") == 0) {
		curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
	} else if (strcmp(x->rq.method, "POST") == 0) {
		curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->rq.body_len);
		curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
	} else if (strcmp(x->rq.method, "PUT") == 0 || strcmp(x->rq.method, "PATCH") == 0) {
		curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(x->rq.upload ?
			x->rq.upload_len : x->rq.body_len));
		curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
		if (strcmp(x->rq.method, "PATCH") == 0)
			curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, "PATCH");
	}
	if (curl_multi_add_handle(x->multi, x->easy) != CURLM_OK) {
		error = og_error_set(ctx, OG_ERROR, "libcurl refused a transfer");
		goto done;
	}
	atomic_fetch_add(&reg->requests, 1);
done:
	if (auth) {
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	return error;
}

/* Run libcurl a little: until something happened or 200 ms passed. */
static int xfer_pump(xfer *x)
{
	int running = 0, left;
	CURLMsg *m;
	CURLMcode mc = curl_multi_perform(x->multi, &running);

	if (mc != CURLM_OK)
		return og_error_set(x->ctx, OG_ERROR, "libcurl: %s", curl_multi_strerror(mc));
	while ((m = curl_multi_info_read(x->multi, &left)) != NULL) {
		if (m->msg == CURLMSG_DONE) {
			x->done = 1;
			x->result = m->data.result;
		}
	}
	if (!x->done && !x->paused && (x->rq.mode != MODE_STREAM || x->len == 0) &&
	    !(x->rq.mode == MODE_STREAM && x->headers_done && x->status >= 200 && x->status < 300 && x->len))
		curl_multi_poll(x->multi, NULL, 0, 200, NULL);
	return 0;
}

/* Until the transfer ends, or (streaming a 2xx) its headers are in. */
static int xfer_wait(xfer *x)
{
	int error;

	while (!x->done) {
		if (x->rq.mode == MODE_STREAM && x->headers_done &&
		    x->status >= 200 && x->status < 300)
			return 0;
		if (x->paused)
			return 0;
		if ((error = xfer_pump(x)) < 0)
			return error;
	}
	return 0;
}

static int curl_retryable(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static int status_retryable(long s)
{
	return s == 408 || s == 429 || (s >= 500 && s <= 599);
}

/* A failed transfer (no usable HTTP answer) as an error. */
static int curl_failure(xfer *x)
{
	char w[300];
	const char *why = x->curl_err[0] ? x->curl_err : curl_easy_strerror(x->result);

	if (x->upload_error)
		return x->upload_error;
	what(w, sizeof(w), x);
	if (x->over_cap)
		return og_error_set(x->ctx, OG_ELIMIT, "%s: the response is over the %zu-byte limit",
			w, x->rq.cap);
	switch (x->result) {
	case CURLE_OPERATION_TIMEDOUT:
		return og_error_set_id(x->ctx, OG_ENETWORK, "registry.timeout",
			"%s: %s", w, why);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return og_error_set_id(x->ctx, OG_ENETWORK, "registry.unreachable",
			"%s: TLS: %s (a private CA: --cacert FILE)", w, why);
	default:
		return og_error_set_id(x->ctx, OG_ENETWORK, "registry.unreachable",
			"%s: %s", w, why);
	}
}

/* An HTTP error answer as an error. */
static int status_failure(xfer *x)
{
	char w[300], m[300];
	const char *id = NULL;
	int rc = og_registry__map_status(&id, m, sizeof(m), x->status, x->err_body, x->err_len);

	what(w, sizeof(w), x);
	if (rc == OG_EAUTH && x->status == 401 && !have_creds(x->reg))
		return og_error_set_id(x->ctx, rc, id, "%s: %s (no credentials for %s: "
			"--creds, --creds-stdin or --authfile)", w, m, x->reg->host);
	if (x->status == 401 && x->www_auth && have_creds(x->reg)) {
		/* We were who we said (the token service took the credentials)
		 * but the token still lacks the scope: not allowed. */
		og_challenge ch;
		int insufficient;

		memset(&ch, 0, sizeof(ch));
		insufficient = og_challenge_parse(&ch, NULL, x->www_auth) == 0 && ch.error &&
			strcmp(ch.error, "insufficient_scope") == 0;
		og_challenge_dispose(&ch);
		if (insufficient)
			return og_error_set_id(x->ctx, OG_EAUTH, "registry.denied",
				"%s: %s (the credentials are not allowed this)", w, m);
	}
	return og_error_set_id(x->ctx, rc, id, "%s: %s", w, m);
}

/*
 * Wait before retrying. Returns 0 (go again), or 1 when out of attempts or
 * time (the caller reports the last failure).
 */
static int backoff(xfer *x, const char *reason)
{
	og_registry *reg = x->reg;
	uint64_t delay = 0, now = now_ms(), left;
	char w[300];
	int from_header = 0;

	if (x->rq.no_retry || x->attempt >= reg->opts.retries || now >= x->deadline)
		return 1;
	left = x->deadline - now;
	if (x->retry_after && og_registry__retry_after(&delay, x->retry_after, time(NULL)) == 0)
		from_header = 1;
	else
		delay = og_registry__backoff_ms(x->attempt, reg->opts.retry_delay_ms,
			reg->opts.retry_max_delay_ms, next_rand(reg));
	if (delay > left)
		delay = left;
	x->attempt++;
	atomic_fetch_add(&reg->retries, 1);
	what(w, sizeof(w), x);
	reg_log(reg, "retry %u/%u in %.2f s%s: %s: %s", x->attempt, reg->opts.retries,
		(double)delay / 1000.0, from_header ? " (Retry-After)" : "",
		strchr(w, ' ') ? strchr(w, ' ') + 1 : w, reason);
	sleep_ms(delay);
	return 0;
}

/* Back to the registry's own URL for this request (after a redirect). */
static int reset_url(xfer *x)
{
	free(x->url);
	x->cross_host = 0;
	x->redirects = 0;
	if ((x->url = make_url(x->reg, x->path)) == NULL)
		return og_error_oom(x->ctx);
	return 0;
}

static int same_host(const char *url, const char *host)
{
	CURLU *u = curl_url();
	char *h = NULL, *port = NULL;
	int same = 0;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		char *full;
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		full = port ? og__asprintf("%s:%s", h, port) : og__strdup(h);
		same = full && (strcasecmp(full, host) == 0 || strcasecmp(h, host) == 0);
		free(full);
	}
	curl_free(h);
	curl_free(port);
	curl_url_cleanup(u);
	return same;
}

/* Answer a 401: learn the challenge, get a token or switch to Basic. */
static int authenticate(xfer *x)
{
	og_registry *reg = x->reg;
	og_challenge ch;
	char w[300];
	int error = 0, sent_basic;

	memset(&ch, 0, sizeof(ch));
	what(w, sizeof(w), x);
	if (!x->www_auth)
		return status_failure(x);
	if ((error = og_challenge_parse(&ch, x->ctx, x->www_auth)) < 0)
		goto done;
	if ((error = load_creds(reg, x->ctx)) < 0)
		goto done;
	if (strcasecmp(ch.scheme, "Basic") == 0) {
		pthread_mutex_lock(&reg->lock);
		sent_basic = reg->basic;
		reg->basic = 1;
		pthread_mutex_unlock(&reg->lock);
		if (!have_creds(reg) || sent_basic) {
			error = status_failure(x);
			goto done;
		}
		goto done;
	}
	if (!ch.realm) {
		error = og_error_set_id(x->ctx, OG_EAUTH, "registry.auth",
			"%s: a Bearer challenge without a realm", w);
		goto done;
	}
	pthread_mutex_lock(&reg->lock);
	if (!reg->realm || strcmp(reg->realm, ch.realm) != 0) {
		free(reg->realm);
		free(reg->service);
		reg->realm = og__strdup(ch.realm);
		reg->service = og__strdup(ch.service);
	}
	/* a cached token for this scope was refused (expired, revoked, not
	 * enough scope): forget it */
	for (size_t i = 0; i < reg->token_count; i++)
		if (x->rq.scope && strcmp(reg->tokens[i].scope, x->rq.scope) == 0)
			reg->tokens[i].expires_ms = 0;
	error = reg->realm ? 0 : OG_ENOMEM;
	pthread_mutex_unlock(&reg->lock);
	if (error < 0) {
		error = og_error_oom(x->ctx);
		goto done;
	}
	if (!x->rq.scope) {
		error = status_failure(x);
		goto done;
	}
	error = fetch_token(reg, x->ctx, x->rq.scope);
done:
	og_challenge_dispose(&ch);
	return error;
}

/*
 * Run the request to a final answer: redirects, authentication, scheme
 * fallback and retries. Returns 0 with x->status set (any status not retried
 * or handled here), or an error (transport failures; retries exhausted).
 */
static int exec(xfer *x)
{
	og_registry *reg = x->reg;
	char reason[300];
	int error, scheme;

	if (!x->url && (error = reset_url(x)) < 0)
		return error;
	for (;;) {
		if ((error = xfer_start(x)) < 0 || (error = xfer_wait(x)) < 0)
			return error;
		if (x->done && x->result != CURLE_OK && !(x->rq.mode == MODE_STREAM &&
				x->headers_done && x->status >= 200 && x->status < 300)) {
			if (x->over_cap || x->upload_error)
				return curl_failure(x);
			pthread_mutex_lock(&reg->lock);
			scheme = reg->scheme;
			if (scheme == 0 && reg->may_plain && x->result == CURLE_SSL_CONNECT_ERROR &&
			    !x->cross_host && strncmp(x->path, "http", 4) != 0)
				reg->scheme = 2;
			pthread_mutex_unlock(&reg->lock);
			if (scheme == 0 && reg->may_plain && x->result == CURLE_SSL_CONNECT_ERROR &&
			    !x->cross_host && strncmp(x->path, "http", 4) != 0) {
				if ((error = reset_url(x)) < 0)
					return error;
				continue;
			}
			if (curl_retryable(x->result)) {
				snprintf(reason, sizeof(reason), "%s",
					x->curl_err[0] ? x->curl_err : curl_easy_strerror(x->result));
				if (backoff(x, reason) == 0) {
					if ((error = reset_url(x)) < 0)
						return error;
					continue;
				}
			}
			return curl_failure(x);
		}
		pthread_mutex_lock(&reg->lock);
		if (reg->scheme == 0 && !x->cross_host)
			reg->scheme = strncmp(x->url, "http:", 5) == 0 ? 2 : 1;
		pthread_mutex_unlock(&reg->lock);
		if (x->status >= 300 && x->status < 400 && x->status != 304 && x->location) {
			char *next = NULL;

			if (++x->redirects > MAX_REDIRECTS)
				return og_error_set_id(x->ctx, OG_ENETWORK, "registry.server_error",
					"docker://%s: more than %d redirects", reg->host, MAX_REDIRECTS);
			curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &next);
			if (!next)
				return og_error_set_id(x->ctx, OG_ENETWORK, "registry.server_error",
					"docker://%s: a redirect to an unusable location", reg->host);
			free(x->url);
			if ((x->url = og__strdup(next)) == NULL)
				return og_error_oom(x->ctx);
			/* Authorization stays with the registry's host. */
			x->cross_host = x->cross_host || !same_host(x->url, reg->host);
			continue;
		}
		if (x->status == 401 && !x->rq.token_request && !x->cross_host &&
		    x->auth_rounds < MAX_AUTH_ROUNDS) {
			x->auth_rounds++;
			if ((error = authenticate(x)) < 0)
				return error;
			if ((error = reset_url(x)) < 0)
				return error;
			continue;
		}
		if (status_retryable(x->status)) {
			snprintf(reason, sizeof(reason), "HTTP %ld", x->status);
			if (backoff(x, reason) == 0) {
				if ((error = reset_url(x)) < 0)
					return error;
				continue;
			}
		}
		return 0;
	}
}

static int xfer_init(xfer *x, og_registry *reg, og_ctx *ctx, const request *rq,
	const char *path)
{
	memset(x, 0, sizeof(*x));
	x->reg = reg;
	x->ctx = ctx;
	x->rq = *rq;
	x->total = -1;
	x->content_length = -1;
	x->deadline = now_ms() + (uint64_t)reg->opts.timeout_s * 1000u;
	if ((x->path = og__strdup(path)) == NULL)
		return og_error_oom(ctx);
	return 0;
}

/* One whole request and its answer, in x (xfer_dispose it). */
static int run(xfer *x, og_registry *reg, og_ctx *ctx, const request *rq,
	const char *path)
{
	int error = xfer_init(x, reg, ctx, rq, path);

	return error < 0 ? error : exec(x);
}

static int fetch_token(og_registry *reg, og_ctx *ctx, const char *scope)
{
	request rq;
	xfer x;
	char *url = NULL, *realm = NULL, *service = NULL, *tmp, *form = NULL;
	const char *s, *sp;
	json_t *j = NULL;
	const char *tok;
	json_int_t expires = 60;
	token *t;
	int error;

	memset(&rq, 0, sizeof(rq));
	memset(&x, 0, sizeof(x));
	if ((error = load_creds(reg, ctx)) < 0)
		return error;
	pthread_mutex_lock(&reg->lock);
	realm = og__strdup(reg->realm);
	service = og__strdup(reg->service);
	pthread_mutex_unlock(&reg->lock);
	if (!realm || (url = og__asprintf("%s%s", realm, strchr(realm, '?') ? "" : "?")) == NULL)
		goto oom;
	if (service) {
		char *e = curl_easy_escape(NULL, service, 0);
		tmp = e ? og__asprintf("%s&service=%s", url, e) : NULL;
		curl_free(e);
		free(url);
		if ((url = tmp) == NULL)
			goto oom;
	}
	for (s = scope; s && *s; s = sp ? sp + 1 : s + strlen(s)) {
		char *one, *e;

		sp = strchr(s, ' ');
		one = og__strndup(s, sp ? (size_t)(sp - s) : strlen(s));
		e = one ? curl_easy_escape(NULL, one, 0) : NULL;
		free(one);
		tmp = e ? og__asprintf("%s&scope=%s", url, e) : NULL;
		curl_free(e);
		free(url);
		if ((url = tmp) == NULL)
			goto oom;
	}
	rq.token_request = 1;
	rq.cap = TOKEN_CAP;
	rq.accept = "application/json";
	if (reg->creds.identity_token) {
		/* An identity token is an OAuth2 refresh token: POST it as a form
		 * (the query built above becomes the body). */
		char *q = strchr(url, '?'), *e = curl_easy_escape(NULL, reg->creds.identity_token, 0);

		form = e ? og__asprintf("grant_type=refresh_token&client_id=ocigate&"
			"refresh_token=%s%s", e, q && q[1] ? q + 1 : "") : NULL;
		if (e) {
			memset(e, 0, strlen(e));
			curl_free(e);
		}
		if (!form)
			goto oom;
		if (q)
			*q = '\0';
		rq.method = "POST";
		rq.content_type = "application/x-www-form-urlencoded";
		rq.body = (const unsigned char *)form;
		rq.body_len = strlen(form);
	} else {
		rq.method = "GET";
	}
	if ((error = run(&x, reg, ctx, &rq, url)) < 0)
		goto done;
	if (x.status != 200) {
		char m[300];
		const char *id = NULL;

		og_registry__map_status(&id, m, sizeof(m), x.status, x.err_body, x.err_len);
		if (x.status == 401 || x.status == 403)
			error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
				"docker://%s: the token service refused %s (%s)", reg->host,
				have_creds(reg) ? "the credentials" : "an anonymous request", m);
		else
			error = og_error_set_id(ctx, x.status == 404 ? OG_ENETWORK :
				og_registry__map_status(&id, m, sizeof(m), x.status, x.err_body, x.err_len),
				id, "docker://%s: token service: %s", reg->host, m);
		goto done;
	}
	j = json_loadb((const char *)x.buf, x.len, 0, NULL);
	tok = json_string_value(json_object_get(j, "token"));
	if (!tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (!tok || !*tok) {
		error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
			"docker://%s: the token service answered without a token", reg->host);
		goto done;
	}
	if (json_is_integer(json_object_get(j, "expires_in")) &&
	    json_integer_value(json_object_get(j, "expires_in")) > 0)
		expires = json_integer_value(json_object_get(j, "expires_in"));
	pthread_mutex_lock(&reg->lock);
	t = NULL;
	for (size_t i = 0; i < reg->token_count; i++)
		if (strcmp(reg->tokens[i].scope, scope) == 0)
			t = &reg->tokens[i];
	if (!t) {
		token *nt = realloc(reg->tokens, (reg->token_count + 1) * sizeof(*nt));
		if (nt) {
			reg->tokens = nt;
			t = &nt[reg->token_count];
			memset(t, 0, sizeof(*t));
			if ((t->scope = og__strdup(scope)) != NULL)
				reg->token_count++;
			else
				t = NULL;
		}
	}
	if (t) {
		if (t->value) {
			memset(t->value, 0, strlen(t->value));
			free(t->value);
		}
		t->value = og__strdup(tok);
		/* renewed a little before it runs out: 10 s early, or at half
		 * its life when that is short */
		t->expires_ms = t->value ? now_ms() + (expires > 20 ?
			(uint64_t)(expires - 10) * 1000u : (uint64_t)expires * 500u) : 0;
	}
	pthread_mutex_unlock(&reg->lock);
	if (!t || !t->value)
		goto oom;
	goto done;
oom:
	error = og_error_oom(ctx);
done:
	if (form) {
		memset(form, 0, strlen(form));
		free(form);
	}
	json_decref(j);
	xfer_dispose(&x);
	free(url);
	free(realm);
	free(service);
	return error;
}

/* ------------------------------------------------------------- manifests */

static char *scope_for(const char *repo, const char *actions)
{
	return og__asprintf("repository:%s:%s", repo, actions);
}

static char *strip_params(const char *mt)
{
	return mt ? og__strndup(mt, strcspn(mt, "; ")) : NULL;
}

/* Run a request on REPO's KIND endpoint ("manifests", "blobs") for REF, with a
 * token scope for ACTIONS ("pull", "pull,push"); rq carries the rest. The
 * scope and path only live through the request. */
static int repo_run(xfer *x, og_registry *reg, og_ctx *ctx, request *rq,
	const char *repo, const char *actions, const char *kind, const char *ref)
{
	char *scope = scope_for(repo, actions);
	char *path = og__asprintf("/v2/%s/%s/%s", repo, kind, ref);
	int error;

	if (!scope || !path) {
		error = og_error_oom(ctx);
	} else {
		rq->repo = repo;
		rq->scope = scope;
		error = run(x, reg, ctx, rq, path);
	}
	x->rq.scope = NULL;
	free(scope);
	free(path);
	return error;
}

int og_registry_get_manifest(unsigned char **out, size_t *len, char **media_type,
	char digest[OG_DIGEST_MAX], og_registry *reg, og_ctx *ctx,
	const char *repo, const char *reference, size_t cap)
{
	request rq;
	xfer x;
	char got[OG_DIGEST_MAX];
	og_digest_alg_t alg;
	int error;

	*out = NULL;
	*len = 0;
	if (media_type)
		*media_type = NULL;
	memset(&rq, 0, sizeof(rq));
	memset(&x, 0, sizeof(x));
	rq.method = "GET";
	rq.accept = OG_MANIFEST_ACCEPT;
	rq.cap = cap;
	if ((error = repo_run(&x, reg, ctx, &rq, repo, "pull", "manifests", reference)) < 0)
		goto done;
	if (x.status != 200) {
		error = status_failure(&x);
		goto done;
	}
	if (!x.buf && (x.buf = calloc(1, 1)) == NULL) {
		error = og_error_oom(ctx);
		goto done;
	}
	if ((error = og_digest_buf(digest, ctx, OG_DIGEST_SHA256, x.buf, x.len)) < 0)
		goto done;
	/* The bytes must be what was asked for, and what the registry says. */
	for (int i = 0; i < 2; i++) {
		const char *want = i == 0 ? reference : x.docker_digest;

		if (!want || og_digest_parse(&alg, want, NULL, 0) < 0 || alg == OG_DIGEST_UNKNOWN)
			continue;
		if ((error = og_digest_buf(got, ctx, alg, x.buf, x.len)) < 0)
			goto done;
		if (strcmp(got, want) != 0) {
			error = og_error_set_id(ctx, OG_EINVALID, "blob.digest_mismatch",
				"docker://%s/%s: manifest %s: the bytes hash to %s (%s)", reg->host,
				repo, reference, got, i == 0 ? "asked for by digest" :
				"Docker-Content-Digest disagrees");
			goto done;
		}
	}
	if (media_type) {
		*media_type = strip_params(x.content_type);
		if (!*media_type || !**media_type || strcmp(*media_type, "application/json") == 0 ||
		    strcmp(*media_type, "text/plain") == 0) {
			json_t *j = json_loadb((const char *)x.buf, x.len, 0, NULL);
			const char *m = json_string_value(json_object_get(j, "mediaType"));

			free(*media_type);
			*media_type = m ? og__strdup(m) : NULL;
			json_decref(j);
		}
	}
	*out = x.buf;
	*len = x.len;
	x.buf = NULL;
done:
	xfer_dispose(&x);
	return error;
}

int og_registry_head_manifest(char digest[OG_DIGEST_MAX], uint64_t *size,
	char **media_type, og_registry *reg, og_ctx *ctx, const char *repo,
	const char *reference)
{
	request rq;
	xfer x;
	og_digest_alg_t alg;
	int error;

	if (media_type)
		*media_type = NULL;
	memset(&rq, 0, sizeof(rq));
	memset(&x, 0, sizeof(x));
	rq.method = "HEAD";
	rq.accept = OG_MANIFEST_ACCEPT;
	if ((error = repo_run(&x, reg, ctx, &rq, repo, "pull", "manifests", reference)) < 0)
		goto done;
	if (x.status != 200) {
		error = status_failure(&x);
		goto done;
	}
	if (!x.docker_digest || og_digest_parse(&alg, x.docker_digest, NULL, 0) < 0 ||
	    strlen(x.docker_digest) >= OG_DIGEST_MAX) {
		/* no usable digest header: hash the bytes */
		unsigned char *b = NULL;
		size_t n = 0;
		char *mt = NULL;

		error = og_registry_get_manifest(&b, &n, &mt, digest, reg, ctx, repo,
			reference, ctx->limits.max_json);
		if (error == 0) {
			if (size)
				*size = n;
			if (media_type)
				*media_type = mt;
			else
				free(mt);
		}
		free(b);
		goto done;
	}
	memcpy(digest, x.docker_digest, strlen(x.docker_digest) + 1);
	if (size)
		*size = x.content_length >= 0 ? (uint64_t)x.content_length : 0;
	if (media_type)
		*media_type = strip_params(x.content_type);
done:
	xfer_dispose(&x);
	return error;
}

int og_registry_put_manifest(og_registry *reg, og_ctx *ctx, const char *repo,
	const char *reference, const char *media_type, const unsigned char *bytes,
	size_t len)
{
	request rq;
	xfer x;
	int error;

	memset(&rq, 0, sizeof(rq));
	memset(&x, 0, sizeof(x));
	rq.method = "PUT";
	rq.content_type = media_type;
	rq.body = bytes ? bytes : (const unsigned char *)"";
	rq.body_len = len;
	rq.cap = 65536;
	if ((error = repo_run(&x, reg, ctx, &rq, repo, "pull,push", "manifests", reference)) < 0)
		goto done;
	if (x.status != 201 && x.status != 200)
		error = status_failure(&x);
done:
	xfer_dispose(&x);
	return error;
}

/* ----------------------------------------------------------------- blobs */

int og_registry_head_blob(uint64_t *size, og_registry *reg, og_ctx *ctx,
	const char *repo, const char *digest)
{
	request rq;
	xfer x;
	int error;

	memset(&rq, 0, sizeof(rq));
	memset(&x, 0, sizeof(x));
	rq.method = "HEAD";
	if ((error = repo_run(&x, reg, ctx, &rq, repo, "pull", "blobs", digest)) < 0)
		goto done;
	if (x.status == 404) {
		error = OG_ENOTFOUND;
		goto done;
	}
	if (x.status != 200) {
		error = status_failure(&x);
		goto done;
	}
	if (size)
		*size = x.content_length >= 0 ? (uint64_t)x.content_length : 0;
done:
	xfer_dispose(&x);
	return error;
}

/* Check a (re)started blob answer: 200 from the start, 206 from received. */
static int blob_answer(xfer *x)
{
	unsigned long long a = 0, b = 0, t = 0;

	if (x->status == 206 && x->received > 0) {
		if (!x->content_range ||
		    sscanf(x->content_range, "bytes %llu-%llu/%llu", &a, &b, &t) < 2 ||
		    a != x->received)
			return og_error_set_id(x->ctx, OG_ENETWORK, "registry.server_error",
				"docker://%s/%s: blob %s: a resumed download starts at the "
				"wrong byte (%s)", x->reg->host, x->rq.repo, strrchr(x->path, '/') + 1,
				x->content_range ? x->content_range : "no Content-Range");
		x->skip = 0;
		return 0;
	}
	if (x->status == 200) {
		x->skip = x->received;
		if (x->total < 0 && x->content_length >= 0)
			x->total = x->content_length;
		return 0;
	}
	return status_failure(x);
}

/* The transfer broke: resume it with a Range request, or give up. */
static int blob_resume(xfer *x)
{
	char reason[300], line[64];
	int error;

	snprintf(reason, sizeof(reason), "%s (resuming at byte %llu)",
		x->result != CURLE_OK ? (x->curl_err[0] ? x->curl_err : curl_easy_strerror(x->result)) :
		"the connection closed early", (unsigned long long)x->received);
	if (backoff(x, reason) != 0) {
		if (x->result == CURLE_OK)
			return og_error_set_id(x->ctx, OG_ENETWORK, "registry.unreachable",
				"docker://%s/%s: blob %s: the connection closed after %llu of %lld bytes",
				x->reg->host, x->rq.repo, strrchr(x->path, '/') + 1,
				(unsigned long long)x->received, (long long)x->total);
		return curl_failure(x);
	}
	free(x->range);
	x->range = NULL;
	if (x->received > 0) {
		snprintf(line, sizeof(line), "Range: bytes=%llu-", (unsigned long long)x->received);
		if ((x->range = og__strdup(line)) == NULL)
			return og_error_oom(x->ctx);
	}
	if ((error = reset_url(x)) < 0 || (error = exec(x)) < 0)
		return error;
	return blob_answer(x);
}

static ssize_t blob_read_block(og_reader *r, const void **out)
{
	xfer *x = (xfer *)r;
	size_t n;
	int error;

	for (;;) {
		if (x->len > x->pos) {
			n = x->len - x->pos;
			*out = x->buf + x->pos;
			x->pos = x->len;
			x->received += n;
			return (ssize_t)n;
		}
		x->pos = x->len = 0;
		if (x->paused) {
			x->paused = 0;
			curl_easy_pause(x->easy, CURLPAUSE_CONT);
			continue;
		}
		if (x->done) {
			if (x->result == CURLE_OK && (x->total < 0 || x->received >= (uint64_t)x->total))
				return 0;
			if (x->result != CURLE_OK && !curl_retryable(x->result))
				return curl_failure(x);
			if ((error = blob_resume(x)) < 0)
				return error;
			continue;
		}
		if ((error = xfer_pump(x)) < 0)
			return error;
	}
}

static ssize_t blob_read(og_reader *r, void *buf, size_t len)
{
	xfer *x = (xfer *)r;
	const void *blk;
	ssize_t n;

	if (x->len == x->pos) {
		if ((n = blob_read_block(r, &blk)) <= 0)
			return n;
		/* give the block back, to copy from it */
		x->pos -= (size_t)n;
		x->received -= (uint64_t)n;
	}
	n = (ssize_t)(x->len - x->pos < len ? x->len - x->pos : len);
	memcpy(buf, x->buf + x->pos, (size_t)n);
	x->pos += (size_t)n;
	x->received += (uint64_t)n;
	return n;
}

static void blob_close(og_reader *r)
{
	xfer *x = (xfer *)r;

	xfer_dispose(x);
	free(x->own_scope);
	free(x->own_repo);
	free(x);
}

int og_registry_open_blob(og_reader **out, uint64_t *size, og_registry *reg,
	og_ctx *ctx, const char *repo, const char *digest)
{
	request rq;
	xfer *x = NULL;
	char *path = NULL, *own_repo = og__strdup(repo), *own_scope = scope_for(repo, "pull");
	int error;

	*out = NULL;
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.mode = MODE_STREAM;
	rq.repo = own_repo;
	rq.scope = own_scope;
	if ((x = calloc(1, sizeof(*x))) == NULL || !own_repo || !own_scope ||
	    (path = og__asprintf("/v2/%s/blobs/%s", repo, digest)) == NULL) {
		free(own_repo);
		free(own_scope);
		free(x);
		free(path);
		return og_error_oom(ctx);
	}
	error = xfer_init(x, reg, ctx, &rq, path);
	x->own_repo = own_repo;
	x->own_scope = own_scope;
	free(path);
	if (error == 0 && (x->buf = malloc(STREAM_BUF)) == NULL)
		error = og_error_oom(ctx);
	x->buf_cap = STREAM_BUF;
	x->base.read = blob_read;
	x->base.read_block = blob_read_block;
	x->base.close = blob_close;
	if (error == 0)
		error = exec(x);
	if (error == 0)
		error = blob_answer(x);
	if (error < 0) {
		blob_close(&x->base);
		return error;
	}
	if (size)
		*size = x->total >= 0 ? (uint64_t)x->total : 0;
	*out = &x->base;
	return 0;
}

/* --------------------------------------------------------------- uploads */

int og_registry_mount_blob(int *mounted, char **upload, og_registry *reg,
	og_ctx *ctx, const char *repo, const char *digest, const char *from_repo)
{
	request rq;
	xfer x;
	char *scope = NULL, *path = NULL;
	int error;

	*mounted = 0;
	if (upload)
		*upload = NULL;
	memset(&rq, 0, sizeof(rq));
	memset(&x, 0, sizeof(x));
	scope = og__asprintf("repository:%s:pull,push repository:%s:pull", repo, from_repo);
	path = og__asprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", repo, digest, from_repo);
	if (!scope || !path) {
		error = og_error_oom(ctx);
		goto done;
	}
	rq.method = "POST";
	rq.repo = repo;
	rq.scope = scope;
	rq.body = (const unsigned char *)"";
	rq.cap = 65536;
	if ((error = run(&x, reg, ctx, &rq, path)) < 0)
		goto done;
	if (x.status == 201) {
		*mounted = 1;
	} else if (x.status == 202 && x.location) {
		if (upload && (*upload = make_url(reg, x.location)) == NULL)
			error = og_error_oom(ctx);
	} else {
		error = status_failure(&x);
	}
done:
	xfer_dispose(&x);
	free(scope);
	free(path);
	return error;
}

/* POST for an upload session: its absolute URL in *out. */
static int start_upload(char **out, og_registry *reg, og_ctx *ctx, const char *repo,
	const char *scope)
{
	request rq;
	xfer x;
	char *path = og__asprintf("/v2/%s/blobs/uploads/", repo);
	int error;

	*out = NULL;
	memset(&rq, 0, sizeof(rq));
	memset(&x, 0, sizeof(x));
	if (!path)
		return og_error_oom(ctx);
	rq.method = "POST";
	rq.repo = repo;
	rq.scope = scope;
	rq.body = (const unsigned char *)"";
	rq.cap = 65536;
	if ((error = run(&x, reg, ctx, &rq, path)) < 0)
		goto done;
	if (x.status != 202 || !x.location) {
		error = status_failure(&x);
		goto done;
	}
	if ((*out = make_url(reg, x.location)) == NULL)
		error = og_error_oom(ctx);
done:
	xfer_dispose(&x);
	free(path);
	return error;
}

/* A request of an upload session: octet-stream, not retried alone (a
 * failed upload restarts in a new session). */
static void upload_request(request *rq, const char *method, const char *repo,
	const char *scope)
{
	memset(rq, 0, sizeof(*rq));
	rq->method = method;
	rq->repo = repo;
	rq->scope = scope;
	rq->content_type = "application/octet-stream";
	rq->no_retry = 1;
	rq->cap = 65536;
}

/* The URL that commits an upload session as `digest`. */
static char *commit_url(og_ctx *ctx, const char *session, const char *digest)
{
	char *url = og__asprintf("%s%sdigest=%s", session,
		strchr(session, '?') ? "&" : "?", digest);

	if (!url)
		(void)og_error_oom(ctx);
	return url;
}

/* The uploaded bytes (hashed in h on the way) must be `digest`'s. */
static int check_uploaded(og_ctx *ctx, og_hash *h, const char *digest)
{
	char got[OG_DIGEST_MAX];

	og_hash_final(h, got);
	if (strcmp(got, digest) != 0)
		return og_error_set_id(ctx, OG_EINVALID, "blob.digest_mismatch",
			"blob %s: the bytes hash to %s; not committed", digest, got);
	return 0;
}

/* One whole upload attempt. *retry set when a transient failure may be
 * retried from the start. */
static int push_once(og_registry *reg, og_ctx *ctx, const char *repo,
	const char *digest, uint64_t size, og_blob_opener open, void *payload,
	char **session, uint64_t chunk, const char *scope)
{
	request rq;
	xfer x;
	og_reader *r = NULL;
	og_hash *h = NULL;
	og_digest_alg_t alg;
	char range[96], *url = NULL;
	uint64_t off = 0;
	int error;

	memset(&x, 0, sizeof(x));
	if (og_digest_parse(&alg, digest, NULL, 0) < 0 || alg == OG_DIGEST_UNKNOWN)
		return og_error_set(ctx, OG_EINVALID, "blob %.80s: not a digest that can be verified",
			digest);
	if (!*session && (error = start_upload(session, reg, ctx, repo, scope)) < 0)
		return error;
	if ((error = og_hash_new(&h, ctx, alg)) < 0 || (error = open(&r, payload, ctx)) < 0)
		goto done;
	if (size > 0 && size <= chunk) {
		/* One monolithic PUT: the session URL with the digest, the bytes
		 * streamed and hashed on the way. A registry checks the digest
		 * before it commits, so bytes that do not match never land. */
		if ((url = commit_url(ctx, *session, digest)) == NULL) {
			error = OG_ENOMEM;
			goto done;
		}
		upload_request(&rq, "PUT", repo, scope);
		rq.upload = r;
		rq.upload_len = size;
		rq.upload_hash = h;
		if ((error = run(&x, reg, ctx, &rq, url)) == 0)
			error = check_uploaded(ctx, h, digest);
		if (error == 0 && x.status != 201 && x.status != 204)
			error = status_failure(&x);
		goto done;
	}
	while (off < size) {
		uint64_t n = size - off < chunk ? size - off : chunk;

		upload_request(&rq, "PATCH", repo, scope);
		snprintf(range, sizeof(range), "Content-Range: %llu-%llu",
			(unsigned long long)off, (unsigned long long)(off + n - 1));
		rq.extra = range;
		rq.upload = r;
		rq.upload_len = n;
		rq.upload_hash = h;
		if ((error = run(&x, reg, ctx, &rq, *session)) < 0)
			goto done;
		if (x.status != 202 && x.status != 204 && x.status != 201) {
			error = status_failure(&x);
			goto done;
		}
		free(*session);
		*session = make_url(reg, x.location ? x.location : x.path);
		xfer_dispose(&x);
		if (!*session) {
			error = og_error_oom(ctx);
			goto done;
		}
		off += n;
	}
	if ((error = check_uploaded(ctx, h, digest)) < 0)
		goto done;
	if ((url = commit_url(ctx, *session, digest)) == NULL) {
		error = OG_ENOMEM;
		goto done;
	}
	upload_request(&rq, "PUT", repo, scope);
	rq.body = (const unsigned char *)"";
	if ((error = run(&x, reg, ctx, &rq, url)) < 0)
		goto done;
	if (x.status != 201 && x.status != 204)
		error = status_failure(&x);
done:
	xfer_dispose(&x);
	og_reader_close(r);
	og_hash_free(h);
	free(url);
	return error;
}

int og_registry_push_blob(og_registry *reg, og_ctx *ctx, const char *repo,
	const char *digest, uint64_t size, og_blob_opener open, void *payload,
	const char *upload, uint64_t chunk_threshold)
{
	char *scope = scope_for(repo, "pull,push"), *session = NULL;
	xfer x;
	int error;

	memset(&x, 0, sizeof(x));
	if (!scope || (upload && (session = og__strdup(upload)) == NULL)) {
		free(scope);
		return og_error_oom(ctx);
	}
	if (chunk_threshold == 0)
		chunk_threshold = DEFAULT_CHUNK;
	/* x only carries the retry state (attempts, deadline, log line) */
	x.reg = reg;
	x.ctx = ctx;
	x.rq.method = "PUT";
	x.rq.repo = repo;
	x.path = og__asprintf("/v2/%s/blobs/%s", repo, digest);
	x.deadline = now_ms() + (uint64_t)reg->opts.timeout_s * 1000u;
	if (!x.path) {
		error = og_error_oom(ctx);
		goto done;
	}
	for (;;) {
		error = push_once(reg, ctx, repo, digest, size, open, payload, &session,
			chunk_threshold, scope);
		if (error != OG_ENETWORK)
			break;
		/* the upload session may be broken: start a new one */
		free(session);
		session = NULL;
		if (backoff(&x, ctx->error) != 0)
			break;
	}
done:
	free(x.path);
	free(session);
	free(scope);
	return error;
}
