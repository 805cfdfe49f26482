#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "ctx.h"

int og_error_set(og_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	if (!ctx)
		return code;
	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	ctx->error_code = code;
	ctx->error_id = NULL;
	return code;
}

int og_error_set_id(og_ctx *ctx, int code, const char *id, const char *fmt, ...)
{
	va_list ap;

	if (!ctx)
		return code;
	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	ctx->error_code = code;
	ctx->error_id = id;
	return code;
}

void og_error_clear(og_ctx *ctx)
{
	if (!ctx)
		return;
	ctx->error[0] = '\0';
	ctx->error_code = 0;
	ctx->error_id = NULL;
}

int og_error_oom(og_ctx *ctx)
{
	return og_error_set(ctx, OG_ENOMEM, "out of memory");
}

int og_ctx_new(og_ctx **out)
{
	static const og_limits defaults = OG_LIMITS_DEFAULT;
	og_ctx *ctx = calloc(1, sizeof(*ctx));

	*out = NULL;
	if (!ctx)
		return OG_ENOMEM;
	ctx->limits = defaults;
	*out = ctx;
	return 0;
}

void og_ctx_free(og_ctx *ctx)
{
	free(ctx);
}

const char *og_ctx_error(const og_ctx *ctx)
{
	return ctx ? ctx->error : "";
}

const char *og_ctx_error_id(const og_ctx *ctx)
{
	return ctx ? ctx->error_id : NULL;
}

void og_free(void *p)
{
	free(p);
}

char *og__strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *og__strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *og__asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

int og_global_init(void)
{
	/* OpenSSL 3, libarchive, jansson and zstd need no global set-up;
	 * libcurl does, once, before any thread uses it (the registry client
	 * also asks for it, reference-counted, for callers that skip this). */
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : OG_ERROR;
}
