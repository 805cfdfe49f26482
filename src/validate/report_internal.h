/*
 * What report.c (the core, text and JSON) shares with report_formats.c (the
 * CI formats: markdown, GitHub workflow commands, JUnit, SARIF, JSON Lines):
 * a growable string, UTF-8 checking, jansson helpers, and the renderers.
 * Internal to src/validate/report*.c.
 */
#ifndef OG_VALIDATE_REPORT_INTERNAL_H
#define OG_VALIDATE_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "report.h"

/* A growable string; `failed` sticks after the first allocation failure so
 * callers may append freely and check once at the end. */
typedef struct og_sbuf {
	char *data;
	size_t len;
	size_t cap;
	int failed;
} og_sbuf;

#define OG_SBUF_INIT { NULL, 0, 0, 0 }

/* Room for `more` bytes and a NUL. 0, or -1 (and `failed` set). */
int og_sbuf__reserve(og_sbuf *b, size_t more);
void og_sbuf__putn(og_sbuf *b, const char *s, size_t n);
void og_sbuf__puts(og_sbuf *b, const char *s);
void og_sbuf__putc(og_sbuf *b, char c);
void og_sbuf__printf(og_sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hand the string to the caller (an empty string if nothing was written):
 * 0, or OG_ENOMEM if any append failed (the buffer is freed either way). */
int og_sbuf__finish(char **out, og_sbuf *b);

/* "512 B", "1.5 KiB", "12.3 MiB" ... */
void og_report__put_size(og_sbuf *b, uint64_t n);

#define OG_UTF8_REPLACEMENT "\xEF\xBF\xBD"

/*
 * Length of the well-formed UTF-8 sequence at s (n > 0 bytes available), or 0
 * if it is ill-formed; *bad is then the length of its maximal ill-formed
 * subpart (at least 1), the bytes one U+FFFD replaces. *cp is the decoded
 * code point on success. Overlongs, surrogates and values past U+10FFFF are
 * ill-formed.
 */
size_t og_report__utf8_next(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad);
/* A copy of s with every ill-formed subpart replaced by U+FFFD; NULL on OOM. */
char *og_report__utf8_sanitize(const char *s);

/* jansson helpers: a JSON string of s (sanitized; JSON null for NULL), an
 * integer clamped to INT64_MAX; set/append stealing v, -1 if v is NULL or on
 * failure (v is released). */
json_t *og_report__jstr(const char *s);
json_t *og_report__jint(uint64_t n);
int og_report__jset(json_t *obj, const char *key, json_t *v);
int og_report__jappend(json_t *arr, json_t *v);
/* Dump root (json_dumps flags) into a string for og_free, plus a newline. */
int og_report__json_text(char **out, const json_t *root, size_t flags);

/* The threshold a rendering uses: fail_on, or the report's own for NONE
 * (exactly what og_report_verdict compares against). */
og_severity_t og_report__threshold(const og_report *r, og_severity_t fail_on);
/* The reason of a suppressed finding (what follows " [ignored: " at the end
 * of its message), into a new string; "" if absent. NULL on OOM. */
char *og_report__ignore_reason(const og_finding *f);
/* The message of a suppressed finding without its " [ignored: ...]" tail,
 * into a new string. NULL on OOM. */
char *og_report__ignore_message(const og_finding *f);

/* The renderers of report_formats.c; each sets *out to a string to og_free. */
int og_report__render_markdown(char **out, const og_report *r, og_severity_t fail_on);
int og_report__render_github(char **out, const og_report *r, og_severity_t fail_on);
int og_report__render_junit(char **out, const og_report *r, og_severity_t fail_on);
int og_report__render_sarif(char **out, const og_report *r, og_severity_t fail_on);
/* errorlog stamps every line with `now` (a parameter, so tests can fix it). */
int og_report__render_errorlog(char **out, const og_report *r, time_t now);

#endif
