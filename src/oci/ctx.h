/* The context: last error, limits. One per thread. */
#ifndef OG_OCI_CTX_H
#define OG_OCI_CTX_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include "ocigate/ocigate.h"

/* Caps on everything read whole or counted; crossing one is OG_ELIMIT. */
typedef struct og_limits {
	size_t max_json;          /* manifest, index, config, index.json */
	size_t max_entries;       /* tar entries per layer */
	size_t max_path;          /* bytes in one tar entry name */
	unsigned int max_depth;   /* nested indexes */
	size_t max_archive_entries; /* entries in an outer archive */
} og_limits;

#define OG_LIMITS_DEFAULT { (size_t)4 << 20, (size_t)4 << 20, 4096, 8, 1u << 20 }

struct og_ctx {
	og_limits limits;
	int error_code;
	const char *error_id;     /* a catalogue id (static string) or NULL */
	char error[512];
};

/*
 * Record a failure on ctx and return code, so a detecting function can say
 * `return og_error_set(ctx, OG_EINVALID, "...")`. NULL ctx is allowed.
 */
int og_error_set(og_ctx *ctx, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, naming the finding id (a static catalogue string) too. */
int og_error_set_id(og_ctx *ctx, int code, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void og_error_clear(og_ctx *ctx);

/* Out-of-memory helper: sets "out of memory" and returns OG_ENOMEM. */
int og_error_oom(og_ctx *ctx);

#ifdef NDEBUG
#define OG_ASSERT_ARG(ctx, expr) do { if (!(expr)) \
	return og_error_set((ctx), OG_EINVALID, "invalid argument: %s", #expr); } while (0)
#else
#include <assert.h>
#define OG_ASSERT_ARG(ctx, expr) do { (void)(ctx); assert(expr); } while (0)
#endif

/* Small allocation helpers that never return NULL silently. */
char *og__strdup(const char *s);
char *og__strndup(const char *s, size_t n);
/* printf into a new string; NULL on OOM. */
char *og__asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
