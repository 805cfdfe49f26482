/*
 * The report: what one run checked and what it found, and its two core
 * renderings (text for people, JSON with a stable schema for machines). The
 * CI formats are in report_formats.c.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "oci/layer.h"
#include "report_internal.h"

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

static void image_dispose(og_report_image *im)
{
	size_t i;

	free(im->platform);
	free(im->manifest_digest);
	for (i = 0; i < im->digest_count; i++)
		free(im->digests[i]);
	free(im->digests);
	json_decref(im->scan);
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
	for (i = 0; i < report->image_count; i++)
		image_dispose(&report->images[i]);
	free(report->images);
	for (i = 0; i < report->check_count; i++)
		free(report->checks[i]);
	free(report->checks);
	free(report->policy_path);
	free(report->policy_digest);
	free(report);
}

int og_report__add_image(og_report *r, const char *platform, const char *manifest,
	const char *const *digests, size_t count)
{
	og_report_image im, *grown;
	size_t i;

	memset(&im, 0, sizeof(im));
	if (!(im.platform = og__strdup(platform ? platform : "")) ||
	    !(im.manifest_digest = og__strdup(manifest ? manifest : "")) ||
	    (count && !(im.digests = calloc(count, sizeof(char *)))))
		goto oom;
	for (i = 0; i < count; i++, im.digest_count++)
		if (!(im.digests[i] = og__strdup(digests[i] ? digests[i] : "")))
			goto oom;
	if (!(grown = realloc(r->images, (r->image_count + 1) * sizeof(*grown))))
		goto oom;
	r->images = grown;
	r->images[r->image_count++] = im;
	return 0;
oom:
	image_dispose(&im);
	return OG_ENOMEM;
}

int og_report__set_scan(og_report *r, json_t *scan)
{
	if (!scan)
		return 0;
	if (r->image_count == 0) {
		json_decref(scan);
		return OG_EINVALID;
	}
	json_decref(r->images[r->image_count - 1].scan);
	r->images[r->image_count - 1].scan = scan;
	return 0;
}

const og_report_image *og_report__image_of(const og_report *r, const og_finding *f)
{
	size_t i, k;

	for (i = 0; f->origin && i < r->image_count; i++)
		for (k = 0; k < r->images[i].digest_count; k++)
			if (strcmp(r->images[i].digests[k], f->origin) == 0)
				return &r->images[i];
	return NULL;
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

og_severity_t og_report__threshold(const og_report *r, og_severity_t fail_on)
{
	return fail_on == OG_SEV_NONE ? r->fail_on : fail_on;
}

#define IGNORED_TAG " [ignored: "

/* Where the " [ignored: REASON]" tail starts in a suppressed finding's
 * message (policy.c appends it last), or NULL. */
static const char *ignore_tail(const char *msg)
{
	const char *at = NULL, *p = msg;
	size_t len = strlen(msg);

	if (len == 0 || msg[len - 1] != ']')
		return NULL;
	while ((p = strstr(p, IGNORED_TAG)) != NULL)
		at = p++;
	return at;
}

char *og_report__ignore_reason(const og_finding *f)
{
	const char *msg = f->message ? f->message : "", *tail = ignore_tail(msg);
	size_t start;

	if (!tail)
		return og__strdup("");
	start = (size_t)(tail - msg) + strlen(IGNORED_TAG);
	return og__strndup(msg + start, strlen(msg) - start - 1);
}

char *og_report__ignore_message(const og_finding *f)
{
	const char *msg = f->message ? f->message : "", *tail = ignore_tail(msg);

	return tail ? og__strndup(msg, (size_t)(tail - msg)) : og__strdup(msg);
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

int og_sbuf__reserve(og_sbuf *b, size_t more)
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

void og_sbuf__putn(og_sbuf *b, const char *s, size_t n)
{
	if (og_sbuf__reserve(b, n) < 0)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void og_sbuf__puts(og_sbuf *b, const char *s)
{
	og_sbuf__putn(b, s, strlen(s));
}

void og_sbuf__putc(og_sbuf *b, char c)
{
	og_sbuf__putn(b, &c, 1);
}

void og_sbuf__printf(og_sbuf *b, const char *fmt, ...)
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
	if (og_sbuf__reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void og_sbuf__pad(og_sbuf *b, size_t n)
{
	while (n-- > 0)
		og_sbuf__putc(b, ' ');
}

int og_sbuf__finish(char **out, og_sbuf *b)
{
	*out = NULL;
	if (!b->failed && !b->data)
		og_sbuf__reserve(b, 0);
	if (b->failed) {
		free(b->data);
		memset(b, 0, sizeof(*b));
		return OG_ENOMEM;
	}
	*out = b->data;
	memset(b, 0, sizeof(*b));
	return 0;
}

/* ---------------------------------------------------------------- UTF-8 */

/*
 * Length of the well-formed UTF-8 sequence at s (n bytes available), or 0 if
 * it is ill-formed; *bad is then the length of its maximal ill-formed
 * subpart (at least 1), the bytes one U+FFFD replaces (Unicode 3.9, D93b).
 * Rejects overlongs, surrogates and values over U+10FFFF, as jansson does.
 * *cp is the decoded code point on success.
 */
size_t og_report__utf8_next(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad)
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

/* A copy of s with every ill-formed UTF-8 subpart replaced by U+FFFD, so
 * that jansson accepts it. NULL on OOM. */
char *og_report__utf8_sanitize(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	og_sbuf b = OG_SBUF_INIT;

	og_sbuf__reserve(&b, n);
	while (i < n) {
		uint32_t cp;
		size_t bad, len = og_report__utf8_next(p + i, n - i, &cp, &bad);

		if (len) {
			og_sbuf__putn(&b, s + i, len);
			i += len;
		} else {
			og_sbuf__puts(&b, OG_UTF8_REPLACEMENT);
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
static void sbuf_put_safe(og_sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0, i = 0;

	while (i < n) {
		uint32_t cp;
		size_t bad, len = og_report__utf8_next(p + i, n - i, &cp, &bad);

		if (!len) {
			og_sbuf__puts(b, OG_UTF8_REPLACEMENT);
			i += bad;
		} else if (cp == '\n') {
			og_sbuf__puts(b, "\\n");
			i += len;
		} else if (cp == '\t') {
			og_sbuf__puts(b, "\\t");
			i += len;
		} else if (cp == '\r') {
			og_sbuf__puts(b, "\\r");
			i += len;
		} else if (cp < 0x20 || cp == 0x7F) {
			og_sbuf__printf(b, "\\x%02x", (unsigned)cp);
			i += len;
		} else if (cp >= 0x80 && cp <= 0x9F) {
			og_sbuf__printf(b, "\\u%04x", (unsigned)cp);
			i += len;
		} else {
			og_sbuf__putn(b, s + i, len);
			i += len;
		}
	}
}

/* ----------------------------------------------------------------- JSON */

/* A JSON string of s (sanitized), or JSON null for NULL; NULL on OOM. */
json_t *og_report__jstr(const char *s)
{
	char *clean;
	json_t *v;

	if (!s)
		return json_null();
	if (!(clean = og_report__utf8_sanitize(s)))
		return NULL;
	v = json_string(clean);
	free(clean);
	return v;
}

json_t *og_report__jint(uint64_t n)
{
	return json_integer(n > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)n);
}

/* Set key on obj to v (stolen). -1 if v is NULL or the set failed. */
int og_report__jset(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(obj, key, v);
}

int og_report__jappend(json_t *arr, json_t *v)
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
	if (og_report__jset(tool, "name", json_string("ocigate")) < 0 ||
	    og_report__jset(tool, "version", json_string(OG_VERSION)) < 0) {
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
	if (og_report__jset(s, "critical", og_report__jint(og_report_count(r, OG_SEV_CRITICAL))) < 0 ||
	    og_report__jset(s, "high", og_report__jint(og_report_count(r, OG_SEV_HIGH))) < 0 ||
	    og_report__jset(s, "medium", og_report__jint(og_report_count(r, OG_SEV_MEDIUM))) < 0 ||
	    og_report__jset(s, "low", og_report__jint(og_report_count(r, OG_SEV_LOW))) < 0) {
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
	if (og_report__jset(o, "id", og_report__jstr(f->id)) < 0 ||
	    og_report__jset(o, "severity", json_string(og_severity_name(f->severity))) < 0 ||
	    og_report__jset(o, "category", json_string(og_category_name(f->category))) < 0 ||
	    og_report__jset(o, "message", og_report__jstr(f->message ? f->message : "")) < 0 ||
	    og_report__jset(o, "subject", og_report__jstr(f->subject ? f->subject : "")) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_findings(const og_findings *list)
{
	json_t *arr = json_array();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < list->count; i++) {
		if (og_report__jappend(arr, json_finding(&list->items[i])) < 0) {
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
		if (og_report__jappend(plats, og_report__jstr(r->platforms[i])) < 0)
			goto fail;
	if (og_report__jset(img, "ref", og_report__jstr(r->ref)) < 0 ||
	    og_report__jset(img, "digest", og_report__jstr(r->digest)) < 0 ||
	    og_report__jset(img, "mediaType", og_report__jstr(r->media_type)) < 0)
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
	if (og_report__jset(o, "digest", og_report__jstr(l->digest)) < 0 ||
	    og_report__jset(o, "mediaType", og_report__jstr(l->media_type)) < 0 ||
	    og_report__jset(o, "compression", og_report__jstr(l->compression)) < 0 ||
	    og_report__jset(o, "size", og_report__jint(l->size)) < 0 ||
	    og_report__jset(o, "uncompressedSize", l->walked ? og_report__jint(l->uncompressed_size) : json_null()) < 0 ||
	    og_report__jset(o, "diffId", og_report__jstr(l->diff_id)) < 0 ||
	    og_report__jset(o, "entries", l->walked ? og_report__jint(l->entries) : json_null()) < 0) {
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
	if (og_report__jset(o, "bytes", og_report__jint(st->bytes)) < 0 ||
	    og_report__jset(o, "seconds", json_real(st->seconds)) < 0 ||
	    og_report__jset(o, "mbps", json_real(st->seconds > 0 ? (double)st->bytes / 1e6 / st->seconds : 0)) < 0) {
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

		if (!(l = json_object()) || og_report__jappend(layers, l) < 0)
			goto fail;
		if (og_report__jset(l, "digest", og_report__jstr(rl->digest)) < 0 ||
		    og_report__jset(l, "seconds", json_real(rl->seconds)) < 0 ||
		    og_report__jset(l, "split", json_boolean(rl->split != 0)) < 0 ||
		    !(stages = json_object()) || og_report__jset(l, "stages", stages) < 0)
			goto fail;
		for (s = 0; s < OG_REPORT_STAGES; s++)
			if (og_report__jset(stages, og_stage_name((og_stage_t)s), json_stage(&rl->stages[s])) < 0)
				goto fail;
	}
	if (og_report__jset(t, "seconds", json_real(r->seconds)) < 0 ||
	    og_report__jset(t, "jobs", og_report__jint(r->jobs)) < 0)
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
		if (og_report__jappend(arr, json_layer(&r->layers[i])) < 0) {
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
	if (og_report__jset(doc, "path", og_report__jstr(r->ref)) < 0 ||
	    og_report__jset(doc, "type", og_report__jstr(r->document_type)) < 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int og_report__json_text(char **out, const json_t *root, size_t flags)
{
	char *dumped, *text;
	size_t len;

	*out = NULL;
	if (!(dumped = json_dumps(root, flags)))
		return OG_ENOMEM;
	/* Copied so that the caller frees it with og_free whatever allocator
	 * jansson was given, and to add the trailing newline. */
	len = strlen(dumped);
	if (!(text = malloc(len + 2))) {
		free(dumped);
		return OG_ENOMEM;
	}
	memcpy(text, dumped, len);
	text[len] = '\n';
	text[len + 1] = '\0';
	free(dumped);
	*out = text;
	return 0;
}

/* "policy": where the policy came from (null, null: the built-in default). */
static json_t *json_policy(const og_report *r)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (og_report__jset(o, "path", og_report__jstr(r->policy_path)) < 0 ||
	    og_report__jset(o, "digest", og_report__jstr(r->policy_digest)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The scan sections: at the top for one image, else under "images", one
 * entry per image with its platform and manifest digest. */
static const char *const scan_keys[] = { "os", "packages", "vulnerabilities", "secrets",
	"secrets_scan", "efficiency" };

static int json_scan_into(json_t *dst, const json_t *scan)
{
	size_t k;
	json_t *v;

	for (k = 0; k < sizeof(scan_keys) / sizeof(scan_keys[0]); k++)
		if ((v = json_object_get(scan, scan_keys[k])) != NULL &&
		    json_object_set(dst, scan_keys[k], v) < 0)
			return -1;
	return 0;
}

static int json_scans(json_t *root, const og_report *r)
{
	json_t *arr, *o;
	size_t i, scanned = 0;

	for (i = 0; i < r->image_count; i++)
		scanned += r->images[i].scan != NULL;
	if (scanned == 0)
		return 0;
	if (r->image_count == 1)
		return json_scan_into(root, r->images[0].scan);
	if (!(arr = json_array()) || json_object_set_new(root, "images", arr) < 0)
		return -1;
	for (i = 0; i < r->image_count; i++) {
		if (!(o = json_object()) || og_report__jappend(arr, o) < 0 ||
		    og_report__jset(o, "platform", og_report__jstr(r->images[i].platform)) < 0 ||
		    og_report__jset(o, "manifest", og_report__jstr(r->images[i].manifest_digest)) < 0)
			return -1;
		if (r->images[i].scan && json_scan_into(o, r->images[i].scan) < 0)
			return -1;
	}
	return 0;
}

static int render_json(char **out, const og_report *r, og_severity_t fail_on)
{
	json_t *root = NULL;
	int error = OG_ENOMEM;

	if (!(root = json_object()))
		goto done;
	if (og_report__jset(root, "schemaVersion", json_integer(1)) < 0 ||
	    og_report__jset(root, "tool", json_tool()) < 0)
		goto done;
	if (r->kind == OG_REPORT_DOCUMENT) {
		if (og_report__jset(root, "document", json_document(r)) < 0)
			goto done;
	} else if (og_report__jset(root, "image", json_image(r)) < 0) {
		goto done;
	}
	if (og_report__jset(root, "verdict", json_string(verdict_name(og_report_verdict(r, fail_on)))) < 0 ||
	    og_report__jset(root, "summary", json_summary(r)) < 0 ||
	    og_report__jset(root, "findings", json_findings(&r->findings)) < 0)
		goto done;
	if (r->kind != OG_REPORT_DOCUMENT &&
	    (og_report__jset(root, "policy", json_policy(r)) < 0 ||
	     og_report__jset(root, "suppressed", json_findings(&r->suppressed)) < 0))
		goto done;
	if (r->kind != OG_REPORT_DOCUMENT && og_report__jset(root, "layers", json_layers(r)) < 0)
		goto done;
	if (r->kind != OG_REPORT_DOCUMENT && json_scans(root, r) < 0)
		goto done;
	if (r->kind != OG_REPORT_DOCUMENT && r->has_timings &&
	    og_report__jset(root, "timings", json_timings(r)) < 0)
		goto done;
	error = og_report__json_text(out, root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
done:
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
void og_report__put_size(og_sbuf *b, uint64_t n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		og_sbuf__printf(b, "%u B", (unsigned)n);
		return;
	}
	v /= 1024.0;
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	og_sbuf__printf(b, "%.1f %s", v, units[u]);
}

static void text_field(og_sbuf *b, const char *label, const char *value)
{
	og_sbuf__printf(b, "%-11s ", label);
	if (value)
		sbuf_put_safe(b, value);
	else
		og_sbuf__puts(b, "-");
	og_sbuf__putc(b, '\n');
}

static void text_header(og_sbuf *b, const og_report *r)
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
	og_sbuf__printf(b, "%-11s ", "Platforms:");
	if (r->platform_count == 0)
		og_sbuf__puts(b, "-");
	for (i = 0; i < r->platform_count; i++) {
		if (i)
			og_sbuf__puts(b, ", ");
		sbuf_put_safe(b, r->platforms[i]);
	}
	og_sbuf__putc(b, '\n');
	for (i = 0; i < r->layer_count; i++) {
		size += r->layers[i].size;
		if (r->layers[i].walked) {
			usize += r->layers[i].uncompressed_size;
			walked++;
		}
	}
	og_sbuf__printf(b, "%-11s %zu checked", "Layers:", r->layer_count);
	if (walked != r->layer_count)
		og_sbuf__printf(b, " (%zu walked)", walked);
	og_sbuf__puts(b, ", ");
	og_report__put_size(b, size);
	og_sbuf__puts(b, " compressed, ");
	og_report__put_size(b, usize);
	og_sbuf__puts(b, " uncompressed\n");
}

static void text_finding(og_sbuf *b, const og_finding *f, size_t id_width, int color)
{
	const char *sev = og_severity_name(f->severity);
	size_t id_len = strlen(f->id);

	og_sbuf__puts(b, "  ");
	if (color)
		og_sbuf__puts(b, severity_color(f->severity));
	og_sbuf__puts(b, sev);
	if (color)
		og_sbuf__puts(b, ANSI_RESET);
	og_sbuf__pad(b, strlen(sev) < 8 ? 8 - strlen(sev) : 0);
	og_sbuf__putc(b, ' ');
	sbuf_put_safe(b, f->id);
	og_sbuf__pad(b, (id_len < id_width ? id_width - id_len : 0) + 2);
	if (f->subject && f->subject[0]) {
		sbuf_put_safe(b, f->subject);
		og_sbuf__puts(b, ": ");
	}
	sbuf_put_safe(b, f->message);
	og_sbuf__putc(b, '\n');
}

/* 1 if sev belongs to the group being printed; the last group (NONE) takes
 * any severity outside LOW..CRITICAL so that no finding is ever hidden. */
static int in_group(og_severity_t sev, og_severity_t group)
{
	if (group == OG_SEV_NONE)
		return sev < OG_SEV_LOW || sev > OG_SEV_CRITICAL;
	return sev == group;
}

static void text_findings(og_sbuf *b, const og_report *r, int color)
{
	size_t i, id_width = 0;
	int group, first = 1;

	for (i = 0; i < r->findings.count; i++) {
		size_t len = strlen(r->findings.items[i].id);

		if (len > id_width)
			id_width = len;
	}
	if (r->findings.count == 0) {
		og_sbuf__puts(b, "\nNo findings.\n");
		return;
	}
	og_sbuf__puts(b, "\nFindings:\n");
	for (group = OG_SEV_CRITICAL; group >= OG_SEV_NONE; group--) {
		int printed = 0;

		for (i = 0; i < r->findings.count; i++) {
			const og_finding *f = &r->findings.items[i];

			if (!in_group(f->severity, (og_severity_t)group))
				continue;
			if (!printed && !first)
				og_sbuf__putc(b, '\n');
			first = 0;
			printed = 1;
			text_finding(b, f, id_width, color);
		}
	}
}

static void text_summary(og_sbuf *b, const og_report *r, og_severity_t fail_on, int color)
{
	og_verdict_t v = og_report_verdict(r, fail_on);
	const char *name = v == OG_VERDICT_FAIL ? "FAIL" : v == OG_VERDICT_WARN ? "WARN" : "PASS";
	const char *c = v == OG_VERDICT_FAIL ? ANSI_BOLD_RED :
		v == OG_VERDICT_WARN ? ANSI_BOLD_YELLOW : ANSI_BOLD_GREEN;

	og_sbuf__printf(b, "\n%zu critical, %zu high, %zu medium, %zu low \xE2\x80\x94 verdict: ",
		og_report_count(r, OG_SEV_CRITICAL), og_report_count(r, OG_SEV_HIGH),
		og_report_count(r, OG_SEV_MEDIUM), og_report_count(r, OG_SEV_LOW));
	if (color)
		og_sbuf__puts(b, c);
	og_sbuf__puts(b, name);
	if (color)
		og_sbuf__puts(b, ANSI_RESET);
	og_sbuf__putc(b, '\n');
}

static double mbps(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes / 1e6 / seconds : 0;
}

/* Per layer: wall time, then each stage's seconds and MB/s. */
static void text_timings(og_sbuf *b, const og_report *r)
{
	const og_report_stage *st;
	size_t i;
	unsigned int s;

	og_sbuf__printf(b, "\nTimings (%u job%s, %.3f s wall):\n", r->jobs,
		r->jobs == 1 ? "" : "s", r->seconds);
	for (i = 0; i < r->layer_count; i++) {
		const og_report_layer *l = &r->layers[i];

		og_sbuf__printf(b, "  layer %zu %.19s  %.3f s%s\n", i, l->digest ? l->digest : "?",
			l->seconds, l->split == 2 ? "  (split: 2 threads)" :
			l->split ? "  (split: 3 threads)" : "");
		for (s = 0; s < OG_REPORT_STAGES; s++) {
			st = &l->stages[s];
			if (s == OG_STAGE_SCANNERS)
				og_sbuf__printf(b, "    %-15s %12llu entries %9.3f s\n",
					og_stage_name((og_stage_t)s), (unsigned long long)st->bytes,
					st->seconds);
			else
				og_sbuf__printf(b, "    %-15s %12llu bytes   %9.3f s %9.1f MB/s\n",
					og_stage_name((og_stage_t)s), (unsigned long long)st->bytes,
					st->seconds, mbps(st->bytes, st->seconds));
		}
	}
}

static int render_text(char **out, const og_report *r, og_severity_t fail_on, int color)
{
	og_sbuf b = OG_SBUF_INIT;

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

int og_format_parse(og_format_t *out, const char *name)
{
	static const struct {
		const char *name;
		og_format_t format;
	} names[] = {
		{ "text", OG_FORMAT_TEXT },
		{ "json", OG_FORMAT_JSON },
		{ "markdown", OG_FORMAT_MARKDOWN },
		{ "github", OG_FORMAT_GITHUB },
		{ "junit", OG_FORMAT_JUNIT },
		{ "sarif", OG_FORMAT_SARIF },
		{ "errorlog", OG_FORMAT_ERRORLOG },
	};
	size_t i;

	if (!out || !name)
		return OG_EINVALID;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].format;
			return 0;
		}
	}
	return OG_EINVALID;
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
	case OG_FORMAT_MARKDOWN:
		return og_report__render_markdown(out, report, opts->fail_on);
	case OG_FORMAT_GITHUB:
		return og_report__render_github(out, report, opts->fail_on);
	case OG_FORMAT_JUNIT:
		return og_report__render_junit(out, report, opts->fail_on);
	case OG_FORMAT_SARIF:
		return og_report__render_sarif(out, report, opts->fail_on);
	case OG_FORMAT_ERRORLOG:
		return og_report__render_errorlog(out, report, time(NULL));
	default:
		return OG_EINVALID;
	}
}
