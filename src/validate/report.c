/*
 * The report: what one run checked and what it found, and its two renderings
 * (text for people, JSON with a stable schema for machines).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "oci/layer.h"
#include "report.h"

/* ------------------------------------------------------------ building */

og_report *og_report__new(og_report_kind_t kind, const char *ref)
{
	og_report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->kind = kind;
	r->fail_on = OG_SEV_HIGH;
	og_findings_init(&r->findings);
	og_findings_init(&r->suppressed);
	if (ref && !(r->ref = og__strdup(ref))) {
		free(r);
		return NULL;
	}
	return r;
}

int og_report__set_image(og_report *r, const char *digest, const char *media_type)
{
	char *d = NULL, *m = NULL;
	int error = OG_ENOMEM;

	if (digest && !(d = og__strdup(digest)))
		goto done;
	if (media_type && !(m = og__strdup(media_type)))
		goto done;
	free(r->digest);
	free(r->media_type);
	r->digest = d;
	r->media_type = m;
	d = m = NULL;
	error = 0;
done:
	free(d);
	free(m);
	return error;
}

int og_report__add_platform(og_report *r, const char *platform)
{
	char **grown;
	char *copy;
	size_t i;

	if (!platform)
		return 0;
	for (i = 0; i < r->platform_count; i++)
		if (strcmp(r->platforms[i], platform) == 0)
			return 0;
	if (!(copy = og__strdup(platform)))
		return OG_ENOMEM;
	grown = realloc(r->platforms, (r->platform_count + 1) * sizeof(*grown));
	if (!grown) {
		free(copy);
		return OG_ENOMEM;
	}
	r->platforms = grown;
	r->platforms[r->platform_count++] = copy;
	return 0;
}

static void layer_dispose(og_report_layer *l)
{
	free(l->digest);
	free(l->media_type);
	free(l->compression);
	free(l->diff_id);
}

int og_report__add_layer(og_report *r, const og_report_layer *layer)
{
	og_report_layer copy = *layer;
	og_report_layer *grown;
	int error = OG_ENOMEM;

	copy.digest = copy.media_type = copy.compression = copy.diff_id = NULL;
	if ((layer->digest && !(copy.digest = og__strdup(layer->digest))) ||
	    (layer->media_type && !(copy.media_type = og__strdup(layer->media_type))) ||
	    (layer->compression && !(copy.compression = og__strdup(layer->compression))) ||
	    (layer->diff_id && !(copy.diff_id = og__strdup(layer->diff_id))))
		goto done;
	grown = realloc(r->layers, (r->layer_count + 1) * sizeof(*grown));
	if (!grown)
		goto done;
	r->layers = grown;
	r->layers[r->layer_count++] = copy;
	memset(&copy, 0, sizeof(copy));
	error = 0;
done:
	layer_dispose(&copy);
	return error;
}

void og_report_free(og_report *report)
{
	size_t i;

	if (!report)
		return;
	free(report->ref);
	free(report->digest);
	free(report->media_type);
	free(report->document_type);
	for (i = 0; i < report->platform_count; i++)
		free(report->platforms[i]);
	free(report->platforms);
	for (i = 0; i < report->layer_count; i++)
		layer_dispose(&report->layers[i]);
	free(report->layers);
	og_findings_dispose(&report->findings);
	og_findings_dispose(&report->suppressed);
	for (i = 0; i < report->check_count; i++)
		free(report->checks[i]);
	free(report->checks);
	free(report->policy_path);
	free(report->policy_digest);
	free(report);
}

int og_report__add_check(og_report *r, const char *id)
{
	char **grown, *copy;
	size_t lo = 0, hi = r->check_count, mid;
	int c;

	/* Kept sorted: find the place, or the id already there. */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(r->checks[mid], id)) == 0)
			return 0;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!(copy = og__strdup(id)))
		return OG_ENOMEM;
	if (!(grown = realloc(r->checks, (r->check_count + 1) * sizeof(*grown)))) {
		free(copy);
		return OG_ENOMEM;
	}
	r->checks = grown;
	memmove(&r->checks[lo + 1], &r->checks[lo], (r->check_count - lo) * sizeof(*grown));
	r->checks[lo] = copy;
	r->check_count++;
	return 0;
}

/* ------------------------------------------------------------- queries */

size_t og_report_finding_count(const og_report *report)
{
	return report ? report->findings.count : 0;
}

const og_finding *og_report_finding(const og_report *report, size_t i)
{
	if (!report || i >= report->findings.count)
		return NULL;
	return &report->findings.items[i];
}

size_t og_report_count(const og_report *report, og_severity_t sev)
{
	size_t i, n = 0;

	if (!report)
		return 0;
	for (i = 0; i < report->findings.count; i++)
		if (report->findings.items[i].severity == sev)
			n++;
	return n;
}

og_verdict_t og_report_verdict(const og_report *report, og_severity_t fail_on)
{
	og_verdict_t verdict = OG_VERDICT_PASS;
	size_t i;

	if (!report)
		return OG_VERDICT_PASS;
	if (fail_on == OG_SEV_NONE)
		fail_on = report->fail_on;
	for (i = 0; i < report->findings.count; i++) {
		og_severity_t sev = report->findings.items[i].severity;

		if (sev >= fail_on)
			return OG_VERDICT_FAIL;
		if (sev >= OG_SEV_MEDIUM)
			verdict = OG_VERDICT_WARN;
	}
	return verdict;
}

og_severity_t og_report_fail_on(const og_report *report)
{
	return report ? report->fail_on : OG_SEV_HIGH;
}

static const char *verdict_name(og_verdict_t v)
{
	switch (v) {
	case OG_VERDICT_FAIL: return "fail";
	case OG_VERDICT_WARN: return "warn";
	default: return "pass";
	}
}

/* --------------------------------------------------------- text buffer */

/* A growable string; `failed` sticks after the first allocation failure so
 * callers may append freely and check once at the end. */
typedef struct sbuf {
	char *data;
	size_t len;
	size_t cap;
	int failed;
} sbuf;

static int sbuf_reserve(sbuf *b, size_t more)
{
	size_t cap;
	char *data;

	if (b->failed)
		return -1;
	if (more >= SIZE_MAX - b->len - 1) {
		b->failed = 1;
		return -1;
	}
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap = cap > SIZE_MAX / 2 ? b->len + more + 1 : cap * 2;
	if (!(data = realloc(b->data, cap))) {
		b->failed = 1;
		return -1;
	}
	b->data = data;
	b->cap = cap;
	b->data[b->len] = '\0';
	return 0;
}

static void sbuf_putn(sbuf *b, const char *s, size_t n)
{
	if (sbuf_reserve(b, n) < 0)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void sbuf_puts(sbuf *b, const char *s)
{
	sbuf_putn(b, s, strlen(s));
}

static void sbuf_putc(sbuf *b, char c)
{
	sbuf_putn(b, &c, 1);
}

static void sbuf_printf(sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sbuf_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (sbuf_reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void sbuf_pad(sbuf *b, size_t n)
{
	while (n-- > 0)
		sbuf_putc(b, ' ');
}

/* ---------------------------------------------------------------- UTF-8 */

/*
 * Length of the well-formed UTF-8 sequence at s (n bytes available), or 0 if
 * it is ill-formed; *bad is then the length of its maximal ill-formed
 * subpart (at least 1), the bytes one U+FFFD replaces (Unicode 3.9, D93b).
 * Rejects overlongs, surrogates and values over U+10FFFF, as jansson does.
 * *cp is the decoded code point on success.
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need, i;
	uint32_t v;

	*bad = 1;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		v = c & 0x1Fu;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		v = c & 0x0Fu;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		v = c & 0x07u;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3Fu);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = v;
	return need;
}

#define REPLACEMENT "\xEF\xBF\xBD"

/* A copy of s with every ill-formed UTF-8 subpart replaced by U+FFFD, so
 * that jansson accepts it. NULL on OOM. */
static char *utf8_sanitize(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	sbuf b = { NULL, 0, 0, 0 };

	sbuf_reserve(&b, n);
	while (i < n) {
		uint32_t cp;
		size_t bad, len = utf8_next(p + i, n - i, &cp, &bad);

		if (len) {
			sbuf_putn(&b, s + i, len);
			i += len;
		} else {
			sbuf_puts(&b, REPLACEMENT);
			i += bad;
		}
	}
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	return b.data;
}

/*
 * Append s for a terminal: ill-formed UTF-8 becomes U+FFFD; C0 and C1
 * controls and DEL become visible escapes (\n, \t, \xHH, \u0085), so no
 * message can move the cursor or start an escape sequence.
 */
static void sbuf_put_safe(sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0, i = 0;

	while (i < n) {
		uint32_t cp;
		size_t bad, len = utf8_next(p + i, n - i, &cp, &bad);

		if (!len) {
			sbuf_puts(b, REPLACEMENT);
			i += bad;
		} else if (cp == '\n') {
			sbuf_puts(b, "\\n");
			i += len;
		} else if (cp == '\t') {
			sbuf_puts(b, "\\t");
			i += len;
		} else if (cp == '\r') {
			sbuf_puts(b, "\\r");
			i += len;
		} else if (cp < 0x20 || cp == 0x7F) {
			sbuf_printf(b, "\\x%02x", (unsigned)cp);
			i += len;
		} else if (cp >= 0x80 && cp <= 0x9F) {
			sbuf_printf(b, "\\u%04x", (unsigned)cp);
			i += len;
		} else {
			sbuf_putn(b, s + i, len);
			i += len;
		}
	}
}

/* ----------------------------------------------------------------- JSON */

/* A JSON string of s (sanitized), or JSON null for NULL; NULL on OOM. */
static json_t *jstr(const char *s)
{
	char *clean;
	json_t *v;

	if (!s)
		return json_null();
	if (!(clean = utf8_sanitize(s)))
		return NULL;
	v = json_string(clean);
	free(clean);
	return v;
}

static json_t *jint(uint64_t n)
{
	return json_integer(n > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)n);
}

/* Set key on obj to v (stolen). -1 if v is NULL or the set failed. */
static int jset(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(obj, key, v);
}

static int jappend(json_t *arr, json_t *v)
{
	if (!v)
		return -1;
	return json_array_append_new(arr, v);
}

static json_t *json_tool(void)
{
	json_t *tool = json_object();

	if (!tool)
		return NULL;
	if (jset(tool, "name", json_string("ocigate")) < 0 ||
	    jset(tool, "version", json_string(OG_VERSION)) < 0) {
		json_decref(tool);
		return NULL;
	}
	return tool;
}

static json_t *json_summary(const og_report *r)
{
	json_t *s = json_object();

	if (!s)
		return NULL;
	if (jset(s, "critical", jint(og_report_count(r, OG_SEV_CRITICAL))) < 0 ||
	    jset(s, "high", jint(og_report_count(r, OG_SEV_HIGH))) < 0 ||
	    jset(s, "medium", jint(og_report_count(r, OG_SEV_MEDIUM))) < 0 ||
	    jset(s, "low", jint(og_report_count(r, OG_SEV_LOW))) < 0) {
		json_decref(s);
		return NULL;
	}
	return s;
}

static json_t *json_finding(const og_finding *f)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (jset(o, "id", jstr(f->id)) < 0 ||
	    jset(o, "severity", json_string(og_severity_name(f->severity))) < 0 ||
	    jset(o, "category", json_string(og_category_name(f->category))) < 0 ||
	    jset(o, "message", jstr(f->message ? f->message : "")) < 0 ||
	    jset(o, "subject", jstr(f->subject ? f->subject : "")) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_findings(const og_report *r)
{
	json_t *arr = json_array();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < r->findings.count; i++) {
		if (jappend(arr, json_finding(&r->findings.items[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *json_image(const og_report *r)
{
	json_t *img = json_object(), *plats = json_array();
	size_t i;

	if (!img || !plats)
		goto fail;
	for (i = 0; i < r->platform_count; i++)
		if (jappend(plats, jstr(r->platforms[i])) < 0)
			goto fail;
	if (jset(img, "ref", jstr(r->ref)) < 0 ||
	    jset(img, "digest", jstr(r->digest)) < 0 ||
	    jset(img, "mediaType", jstr(r->media_type)) < 0)
		goto fail;
	if (json_object_set_new(img, "platforms", plats) < 0) {
		plats = NULL;
		goto fail;
	}
	return img;
fail:
	json_decref(img);
	json_decref(plats);
	return NULL;
}

static json_t *json_layer(const og_report_layer *l)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (jset(o, "digest", jstr(l->digest)) < 0 ||
	    jset(o, "mediaType", jstr(l->media_type)) < 0 ||
	    jset(o, "compression", jstr(l->compression)) < 0 ||
	    jset(o, "size", jint(l->size)) < 0 ||
	    jset(o, "uncompressedSize", l->walked ? jint(l->uncompressed_size) : json_null()) < 0 ||
	    jset(o, "diffId", jstr(l->diff_id)) < 0 ||
	    jset(o, "entries", l->walked ? jint(l->entries) : json_null()) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_stage(const og_report_stage *st)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (jset(o, "bytes", jint(st->bytes)) < 0 ||
	    jset(o, "seconds", json_real(st->seconds)) < 0 ||
	    jset(o, "mbps", json_real(st->seconds > 0 ? (double)st->bytes / 1e6 / st->seconds : 0)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* "timings": per layer and stage, bytes, seconds and MB/s; the run's wall. */
static json_t *json_timings(const og_report *r)
{
	json_t *t = json_object(), *layers = json_array(), *l, *stages;
	size_t i;
	unsigned int s;

	if (!t || !layers)
		goto fail;
	for (i = 0; i < r->layer_count; i++) {
		const og_report_layer *rl = &r->layers[i];

		if (!(l = json_object()) || jappend(layers, l) < 0)
			goto fail;
		if (jset(l, "digest", jstr(rl->digest)) < 0 ||
		    jset(l, "seconds", json_real(rl->seconds)) < 0 ||
		    jset(l, "split", json_boolean(rl->split)) < 0 ||
		    !(stages = json_object()) || jset(l, "stages", stages) < 0)
			goto fail;
		for (s = 0; s < OG_REPORT_STAGES; s++)
			if (jset(stages, og_stage_name((og_stage_t)s), json_stage(&rl->stages[s])) < 0)
				goto fail;
	}
	if (jset(t, "seconds", json_real(r->seconds)) < 0 ||
	    jset(t, "jobs", jint(r->jobs)) < 0)
		goto fail;
	if (json_object_set_new(t, "layers", layers) < 0) {
		layers = NULL;
		goto fail;
	}
	return t;
fail:
	json_decref(t);
	json_decref(layers);
	return NULL;
}

static json_t *json_layers(const og_report *r)
{
	json_t *arr = json_array();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < r->layer_count; i++) {
		if (jappend(arr, json_layer(&r->layers[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *json_document(const og_report *r)
{
	json_t *doc = json_object();

	if (!doc)
		return NULL;
	if (jset(doc, "path", jstr(r->ref)) < 0 ||
	    jset(doc, "type", jstr(r->document_type)) < 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static int render_json(char **out, const og_report *r, og_severity_t fail_on)
{
	json_t *root = NULL;
	char *dumped = NULL, *text = NULL;
	size_t len;
	int error = OG_ENOMEM;

	if (!(root = json_object()))
		goto done;
	if (jset(root, "schemaVersion", json_integer(1)) < 0 ||
	    jset(root, "tool", json_tool()) < 0)
		goto done;
	if (r->kind == OG_REPORT_DOCUMENT) {
		if (jset(root, "document", json_document(r)) < 0)
			goto done;
	} else if (jset(root, "image", json_image(r)) < 0) {
		goto done;
	}
	if (jset(root, "verdict", json_string(verdict_name(og_report_verdict(r, fail_on)))) < 0 ||
	    jset(root, "summary", json_summary(r)) < 0 ||
	    jset(root, "findings", json_findings(r)) < 0)
		goto done;
	if (r->kind != OG_REPORT_DOCUMENT && jset(root, "layers", json_layers(r)) < 0)
		goto done;
	if (r->kind != OG_REPORT_DOCUMENT && r->has_timings &&
	    jset(root, "timings", json_timings(r)) < 0)
		goto done;
	if (!(dumped = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
		goto done;
	/* Copied so that the caller frees it with og_free whatever allocator
	 * jansson was given, and to add the trailing newline. */
	len = strlen(dumped);
	if (!(text = malloc(len + 2)))
		goto done;
	memcpy(text, dumped, len);
	text[len] = '\n';
	text[len + 1] = '\0';
	*out = text;
	error = 0;
done:
	free(dumped);
	json_decref(root);
	return error;
}

/* ----------------------------------------------------------------- text */

#define ANSI_RESET "\033[0m"
#define ANSI_BOLD_RED "\033[1;31m"
#define ANSI_RED "\033[31m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_DIM "\033[2m"
#define ANSI_BOLD_YELLOW "\033[1;33m"
#define ANSI_BOLD_GREEN "\033[1;32m"

static const char *severity_color(og_severity_t sev)
{
	switch (sev) {
	case OG_SEV_CRITICAL: return ANSI_BOLD_RED;
	case OG_SEV_HIGH: return ANSI_RED;
	case OG_SEV_MEDIUM: return ANSI_YELLOW;
	case OG_SEV_LOW: return ANSI_DIM;
	default: return "";
	}
}

/* "512 B", "1.5 KiB", "12.3 MiB" ... */
static void sbuf_put_size(sbuf *b, uint64_t n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		sbuf_printf(b, "%u B", (unsigned)n);
		return;
	}
	v /= 1024.0;
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	sbuf_printf(b, "%.1f %s", v, units[u]);
}

static void text_field(sbuf *b, const char *label, const char *value)
{
	sbuf_printf(b, "%-11s ", label);
	if (value)
		sbuf_put_safe(b, value);
	else
		sbuf_puts(b, "-");
	sbuf_putc(b, '\n');
}

static void text_header(sbuf *b, const og_report *r)
{
	uint64_t size = 0, usize = 0;
	size_t i, walked = 0;

	if (r->kind == OG_REPORT_DOCUMENT) {
		text_field(b, "Document:", r->ref);
		text_field(b, "Type:", r->document_type);
		return;
	}
	text_field(b, "Image:", r->ref);
	text_field(b, "Digest:", r->digest);
	text_field(b, "Media type:", r->media_type);
	sbuf_printf(b, "%-11s ", "Platforms:");
	if (r->platform_count == 0)
		sbuf_puts(b, "-");
	for (i = 0; i < r->platform_count; i++) {
		if (i)
			sbuf_puts(b, ", ");
		sbuf_put_safe(b, r->platforms[i]);
	}
	sbuf_putc(b, '\n');
	for (i = 0; i < r->layer_count; i++) {
		size += r->layers[i].size;
		if (r->layers[i].walked) {
			usize += r->layers[i].uncompressed_size;
			walked++;
		}
	}
	sbuf_printf(b, "%-11s %zu checked", "Layers:", r->layer_count);
	if (walked != r->layer_count)
		sbuf_printf(b, " (%zu walked)", walked);
	sbuf_puts(b, ", ");
	sbuf_put_size(b, size);
	sbuf_puts(b, " compressed, ");
	sbuf_put_size(b, usize);
	sbuf_puts(b, " uncompressed\n");
}

static void text_finding(sbuf *b, const og_finding *f, size_t id_width, int color)
{
	const char *sev = og_severity_name(f->severity);
	size_t id_len = strlen(f->id);

	sbuf_puts(b, "  ");
	if (color)
		sbuf_puts(b, severity_color(f->severity));
	sbuf_puts(b, sev);
	if (color)
		sbuf_puts(b, ANSI_RESET);
	sbuf_pad(b, strlen(sev) < 8 ? 8 - strlen(sev) : 0);
	sbuf_putc(b, ' ');
	sbuf_put_safe(b, f->id);
	sbuf_pad(b, (id_len < id_width ? id_width - id_len : 0) + 2);
	if (f->subject && f->subject[0]) {
		sbuf_put_safe(b, f->subject);
		sbuf_puts(b, ": ");
	}
	sbuf_put_safe(b, f->message);
	sbuf_putc(b, '\n');
}

/* 1 if sev belongs to the group being printed; the last group (NONE) takes
 * any severity outside LOW..CRITICAL so that no finding is ever hidden. */
static int in_group(og_severity_t sev, og_severity_t group)
{
	if (group == OG_SEV_NONE)
		return sev < OG_SEV_LOW || sev > OG_SEV_CRITICAL;
	return sev == group;
}

static void text_findings(sbuf *b, const og_report *r, int color)
{
	size_t i, id_width = 0;
	int group, first = 1;

	for (i = 0; i < r->findings.count; i++) {
		size_t len = strlen(r->findings.items[i].id);

		if (len > id_width)
			id_width = len;
	}
	if (r->findings.count == 0) {
		sbuf_puts(b, "\nNo findings.\n");
		return;
	}
	sbuf_puts(b, "\nFindings:\n");
	for (group = OG_SEV_CRITICAL; group >= OG_SEV_NONE; group--) {
		int printed = 0;

		for (i = 0; i < r->findings.count; i++) {
			const og_finding *f = &r->findings.items[i];

			if (!in_group(f->severity, (og_severity_t)group))
				continue;
			if (!printed && !first)
				sbuf_putc(b, '\n');
			first = 0;
			printed = 1;
			text_finding(b, f, id_width, color);
		}
	}
}

static void text_summary(sbuf *b, const og_report *r, og_severity_t fail_on, int color)
{
	og_verdict_t v = og_report_verdict(r, fail_on);
	const char *name = v == OG_VERDICT_FAIL ? "FAIL" : v == OG_VERDICT_WARN ? "WARN" : "PASS";
	const char *c = v == OG_VERDICT_FAIL ? ANSI_BOLD_RED :
		v == OG_VERDICT_WARN ? ANSI_BOLD_YELLOW : ANSI_BOLD_GREEN;

	sbuf_printf(b, "\n%zu critical, %zu high, %zu medium, %zu low \xE2\x80\x94 verdict: ",
		og_report_count(r, OG_SEV_CRITICAL), og_report_count(r, OG_SEV_HIGH),
		og_report_count(r, OG_SEV_MEDIUM), og_report_count(r, OG_SEV_LOW));
	if (color)
		sbuf_puts(b, c);
	sbuf_puts(b, name);
	if (color)
		sbuf_puts(b, ANSI_RESET);
	sbuf_putc(b, '\n');
}

static double mbps(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes / 1e6 / seconds : 0;
}

/* Per layer: wall time, then each stage's seconds and MB/s. */
static void text_timings(sbuf *b, const og_report *r)
{
	const og_report_stage *st;
	size_t i;
	unsigned int s;

	sbuf_printf(b, "\nTimings (%u job%s, %.3f s wall):\n", r->jobs,
		r->jobs == 1 ? "" : "s", r->seconds);
	for (i = 0; i < r->layer_count; i++) {
		const og_report_layer *l = &r->layers[i];

		sbuf_printf(b, "  layer %zu %.19s  %.3f s%s\n", i, l->digest ? l->digest : "?",
			l->seconds, l->split ? "  (2 threads)" : "");
		for (s = 0; s < OG_REPORT_STAGES; s++) {
			st = &l->stages[s];
			if (s == OG_STAGE_SCANNERS)
				sbuf_printf(b, "    %-15s %12llu entries %9.3f s\n",
					og_stage_name((og_stage_t)s), (unsigned long long)st->bytes,
					st->seconds);
			else
				sbuf_printf(b, "    %-15s %12llu bytes   %9.3f s %9.1f MB/s\n",
					og_stage_name((og_stage_t)s), (unsigned long long)st->bytes,
					st->seconds, mbps(st->bytes, st->seconds));
		}
	}
}

static int render_text(char **out, const og_report *r, og_severity_t fail_on, int color)
{
	sbuf b = { NULL, 0, 0, 0 };

	text_header(&b, r);
	text_findings(&b, r, color);
	if (r->kind != OG_REPORT_DOCUMENT && r->has_timings)
		text_timings(&b, r);
	text_summary(&b, r, fail_on, color);
	if (b.failed || !b.data) {
		free(b.data);
		return OG_ENOMEM;
	}
	*out = b.data;
	return 0;
}

int og_report_render(char **out, const og_report *report, const og_render_options *opts)
{
	static const og_render_options defaults = OG_RENDER_OPTIONS_INIT;

	if (!out)
		return OG_EINVALID;
	*out = NULL;
	if (!report)
		return OG_EINVALID;
	if (!opts)
		opts = &defaults;
	if (opts->version != OG_RENDER_OPTIONS_VERSION)
		return OG_EINVALID;
	switch (opts->format) {
	case OG_FORMAT_JSON:
		return render_json(out, report, opts->fail_on);
	case OG_FORMAT_TEXT:
		return render_text(out, report, opts->fail_on, opts->color != 0);
	default:
		return OG_EINVALID;
	}
}
