/*
 * The policy file: parsing (every key checked, every error naming its JSON
 * path), the built-in default, and applying severities and suppressions to
 * the findings of a run. docs/POLICY.md is the user-facing reference.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "oci/digest.h"
#include "oci/io.h"
#include "policy.h"

#define POLICY_MAX_BYTES ((size_t)1 << 20)
#define POLICY_PATH_LEN 256
#define DEFAULT_MAX_LAYERS 127u /* overlayfs stacks at most 128 lower dirs */

/*
 * The built-in default as a document. It must parse to exactly what
 * set_defaults() builds (a unit test checks the round trip): "64GiB" is
 * OG_DEFAULT_MAX_UNCOMPRESSED and 100 is OG_DEFAULT_MAX_RATIO. "ports" is
 * left out on purpose: "allowed": [] would forbid every port.
 */
static const char default_text[] =
	"{\n"
	"  \"version\": 1,\n"
	"  \"size\": {\n"
	"    \"max_compressed\": 0,\n"
	"    \"min_compressed\": 0,\n"
	"    \"max_layer\": 0,\n"
	"    \"max_uncompressed\": \"64GiB\",\n"
	"    \"max_compression_ratio\": 100,\n"
	"    \"max_layers\": 127\n"
	"  },\n"
	"  \"platforms\": {\"allowed\": [], \"required\": []},\n"
	"  \"labels\": {\"required\": [], \"match\": {}},\n"
	"  \"entrypoint\": {\"required\": true, \"exec_form\": false},\n"
	"  \"user\": {\"non_root\": false},\n"
	"  \"env\": {\"required\": [], \"forbidden\": []},\n"
	"  \"metadata\": {\"required\": []},\n"
	"  \"history\": {\"match_layers\": true},\n"
	"  \"annotations\": {\"recommended\": true},\n"
	"  \"scan\": {\"setuid_allowed\": [], \"writable_allowed\": [], \"secrets_max_file_size\": \"8MiB\"},\n"
	"  \"vulnerabilities\": {\"max_db_age\": \"7d\"},\n"
	"  \"efficiency\": {},\n"
	"  \"severity\": {},\n"
	"  \"ignore\": [],\n"
	"  \"fail_on\": \"HIGH\"\n"
	"}\n";

/* The keys each object may hold. */
static const char *const keys_top[] = { "version", "size", "platforms", "labels",
	"entrypoint", "user", "env", "ports", "metadata", "history", "annotations",
	"severity", "ignore", "fail_on", "scan", "vulnerabilities", "efficiency", NULL };
static const char *const keys_scan[] = { "setuid_allowed", "writable_allowed",
	"secrets_max_file_size", NULL };
static const char *const keys_vulns[] = { "max_db_age", NULL };
static const char *const keys_efficiency[] = { "max_wasted", "min_score", NULL };
static const char *const keys_size[] = { "max_compressed", "min_compressed",
	"max_layer", "max_uncompressed", "max_compression_ratio", "max_layers", NULL };
static const char *const keys_platforms[] = { "allowed", "required", NULL };
static const char *const keys_labels[] = { "required", "match", NULL };
static const char *const keys_entrypoint[] = { "required", "exec_form", NULL };
static const char *const keys_user[] = { "non_root", NULL };
static const char *const keys_env[] = { "required", "forbidden", NULL };
static const char *const keys_ports[] = { "allowed", NULL };
static const char *const keys_metadata[] = { "required", NULL };
static const char *const keys_history[] = { "match_layers", NULL };
static const char *const keys_annotations[] = { "recommended", NULL };
static const char *const keys_ignore[] = { "id", "subject", "reason", "expires", NULL };

/* The config fields "metadata.required" may name. */
static const char *const metadata_fields[] = { "created", "author", "architecture",
	"os", "config.Env", "config.WorkingDir", "config.User", "config.Labels",
	"config.Entrypoint", "config.Cmd", "config.ExposedPorts", "history", NULL };

typedef struct parser {
	og_ctx *ctx;
	const char *name;
	og_policy *p;
} parser;

/* ------------------------------------------------------------ messages */

static int fail(const parser *ps, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(const parser *ps, const char *path, const char *fmt, ...)
{
	char what[400], msg[512];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: %s: %s", ps->name, path[0] ? path : "/", what);
	/* keys and values from the document are echoed: keep it one line */
	for (i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	return og_error_set(ps->ctx, OG_EINVALID, "%s", msg);
}

/* Append one JSON pointer segment (RFC 6901: '~' -> "~0", '/' -> "~1"),
 * truncating quietly if out is full. */
static void path_append(char *out, size_t n, const char *seg, size_t seg_len)
{
	size_t len = strlen(out), i;

	if (len + 1 >= n)
		return;
	out[len++] = '/';
	for (i = 0; i < seg_len && len + 2 < n; i++) {
		if (seg[i] == '~' || seg[i] == '/') {
			out[len++] = '~';
			out[len++] = seg[i] == '~' ? '0' : '1';
		} else {
			out[len++] = seg[i];
		}
	}
	out[len] = '\0';
}

static void path_key(char *out, size_t n, const char *parent, const char *key)
{
	snprintf(out, n, "%s", parent);
	path_append(out, n, key, strlen(key));
}

static void path_index(char *out, size_t n, const char *parent, size_t i)
{
	char num[24];

	snprintf(num, sizeof(num), "%zu", i);
	snprintf(out, n, "%s", parent);
	path_append(out, n, num, strlen(num));
}

/*
 * The JSON pointer of the place a load error happened: replay the text up to
 * the error offset keeping the open containers and, for each, its current
 * key or index. jansson read that prefix, so it is well-formed as far as it
 * goes (a duplicate key is reported just after the key's closing quote).
 */
#define TRACK_DEPTH 32

static void track_path(char *out, size_t n, const char *text, size_t end)
{
	struct frame {
		int object;
		int expect_key;
		size_t key, key_len, index;
	} st[TRACK_DEPTH];
	size_t depth = 0, i = 0, j, k;

	out[0] = '\0';
	while (i < end) {
		char c = text[i];

		if (c == '{' || c == '[') {
			if (depth < TRACK_DEPTH) {
				st[depth].object = c == '{';
				st[depth].expect_key = c == '{';
				st[depth].key = st[depth].key_len = st[depth].index = 0;
			}
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth > 0)
				depth--;
		} else if (c == ',' && depth > 0 && depth <= TRACK_DEPTH) {
			if (st[depth - 1].object)
				st[depth - 1].expect_key = 1;
			else
				st[depth - 1].index++;
		} else if (c == '"') {
			for (j = i + 1; j < end && text[j] != '"'; j++)
				if (text[j] == '\\')
					j++;
			if (depth > 0 && depth <= TRACK_DEPTH && st[depth - 1].expect_key) {
				st[depth - 1].key = i + 1;
				st[depth - 1].key_len = (j < end ? j : end) - (i + 1);
				st[depth - 1].expect_key = 0;
			}
			i = j;
		}
		i++;
	}
	for (k = 0; k < depth && k < TRACK_DEPTH; k++) {
		if (!st[k].object) {
			char num[24];

			snprintf(num, sizeof(num), "%zu", st[k].index);
			path_append(out, n, num, strlen(num));
		} else {
			if (st[k].expect_key)
				break;
			path_append(out, n, text + st[k].key, st[k].key_len);
		}
	}
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Edit distance ignoring case, for "did you mean" (short strings only;
 * else SIZE_MAX). */
static size_t distance(const char *a, const char *b)
{
	size_t row[65], la = strlen(a), lb = strlen(b), i, j, diag, up;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = diag + (lower(a[i - 1]) != lower(b[j - 1]));

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The closest candidate within a typo's reach, or NULL. */
static const char *closest(const char *word, const char *const *list, size_t count)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, i, d, reach = strlen(word) / 3 + 1;

	if (reach > 3)
		reach = 3;
	for (i = 0; i < count; i++) {
		d = distance(word, list[i]);
		if (d <= reach && d < best_d) {
			best = list[i];
			best_d = d;
		}
	}
	return best;
}

static size_t list_len(const char *const *list)
{
	size_t n = 0;

	while (list[n])
		n++;
	return n;
}

static int in_list(const char *s, const char *const *list)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ defaults */

static void set_defaults(og_policy *p)
{
	p->version = 1;
	p->max_compressed = 0;
	p->min_compressed = 0;
	p->max_layer = 0;
	p->max_uncompressed = OG_DEFAULT_MAX_UNCOMPRESSED;
	p->max_compression_ratio = OG_DEFAULT_MAX_RATIO;
	p->max_layers = DEFAULT_MAX_LAYERS;
	p->entrypoint_required = 1;
	p->entrypoint_exec_form = 0;
	p->user_non_root = 0;
	p->ports_set = 0;
	p->history_match_layers = 1;
	p->annotations_recommended = 1;
	p->secrets_max_file_size = OG_POLICY_DEFAULT_SECRETS_MAX;
	p->max_db_age = OG_POLICY_DEFAULT_DB_AGE;
	p->fail_on = OG_SEV_HIGH;
}

static void strlist_dispose(og_strlist *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

void og_policy_free(og_policy *p)
{
	size_t i;

	if (!p)
		return;
	free(p->path);
	strlist_dispose(&p->platforms_allowed);
	strlist_dispose(&p->platforms_required);
	strlist_dispose(&p->labels_required);
	for (i = 0; i < p->label_match_count; i++) {
		free(p->label_match[i].key);
		free(p->label_match[i].pattern);
		regfree(&p->label_match[i].re);
	}
	free(p->label_match);
	strlist_dispose(&p->env_required);
	strlist_dispose(&p->env_forbidden);
	free(p->ports_allowed);
	strlist_dispose(&p->metadata_required);
	strlist_dispose(&p->setuid_allowed);
	strlist_dispose(&p->writable_allowed);
	for (i = 0; i < p->severity_count; i++)
		free(p->severity[i].id);
	free(p->severity);
	for (i = 0; i < p->ignore_count; i++) {
		free(p->ignore[i].id);
		free(p->ignore[i].subject);
		free(p->ignore[i].reason);
		free(p->ignore[i].expires);
	}
	free(p->ignore);
	free(p);
}

static og_policy *policy_new(void)
{
	og_policy *p = calloc(1, sizeof(*p));

	if (p)
		set_defaults(p);
	return p;
}

int og_policy_default(og_policy **out, og_ctx *ctx)
{
	og_policy *p;

	*out = NULL;
	if (!(p = policy_new()))
		return og_error_oom(ctx);
	*out = p;
	return 0;
}

char *og_policy_default_text(void)
{
	return og__strdup(default_text);
}

int og_policy_init_text(char **out)
{
	if (!out)
		return OG_EINVALID;
	*out = og_policy_default_text();
	return *out ? 0 : OG_ENOMEM;
}

/* --------------------------------------------------------------- sizes */

static int mul_ok(uint64_t *out, uint64_t a, uint64_t b)
{
	if (b != 0 && a > UINT64_MAX / b)
		return 0;
	*out = a * b;
	return 1;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int og_policy_parse_size(uint64_t *out, const char *text)
{
	const char *s = text;
	uint64_t whole = 0, frac = 0, scale = 1, mult = 1, base, v, f;
	unsigned int power = 0, i;
	size_t digits = 0, frac_digits = 0;

	*out = 0;
	if (!s)
		return OG_EINVALID;
	for (; is_digit(*s); s++, digits++)
		if (!mul_ok(&whole, whole, 10) || whole > UINT64_MAX - (uint64_t)(*s - '0'))
			return OG_EINVALID;
		else
			whole += (uint64_t)(*s - '0');
	if (digits == 0)
		return OG_EINVALID;
	if (*s == '.') {
		for (s++; is_digit(*s); s++, frac_digits++) {
			if (frac_digits == 18) /* scale stays within uint64 */
				return OG_EINVALID;
			frac = frac * 10 + (uint64_t)(*s - '0');
			scale *= 10;
		}
		if (frac_digits == 0)
			return OG_EINVALID;
	}
	if (*s == ' ' && s[1] != '\0')
		s++;
	if (*s != '\0' && strcmp(s, "B") != 0) {
		switch (*s) {
		case 'k': case 'K': power = 1; break;
		case 'm': case 'M': power = 2; break;
		case 'g': case 'G': power = 3; break;
		case 't': case 'T': power = 4; break;
		default: return OG_EINVALID;
		}
		if (strcmp(s + 1, "B") == 0)
			base = 1000;
		else if (strcmp(s + 1, "iB") == 0)
			base = 1024;
		else
			return OG_EINVALID;
		for (i = 0; i < power; i++)
			mult *= base;
	}
	/* whole * mult + frac * mult / scale, in whole bytes only */
	if (!mul_ok(&v, whole, mult) || !mul_ok(&f, frac, mult) || f % scale != 0)
		return OG_EINVALID;
	f /= scale;
	if (v > UINT64_MAX - f)
		return OG_EINVALID;
	*out = v + f;
	return 0;
}

int og_policy_parse_duration(int64_t *out, const char *text)
{
	int64_t v = 0, mult;
	const char *s = text;

	if (!s || !is_digit(*s))
		return OG_EINVALID;
	for (; is_digit(*s); s++) {
		if (v > (INT64_MAX - 9) / 10)
			return OG_EINVALID;
		v = v * 10 + (*s - '0');
	}
	switch (*s) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: return OG_EINVALID;
	}
	if (s[1] != '\0' || v > INT64_MAX / mult)
		return OG_EINVALID;
	*out = v * mult;
	return 0;
}

/* --------------------------------------------------------- value types */

static int get_object(const parser *ps, json_t **out, json_t *parent,
	const char *path, const char *key, const char *const *allowed);

/* Every key of obj must be in allowed. */
static int check_keys(const parser *ps, json_t *obj, const char *path,
	const char *const *allowed)
{
	char kp[POLICY_PATH_LEN];
	const char *key, *near;
	void *it;

	for (it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
		key = json_object_iter_key(it);
		if (in_list(key, allowed))
			continue;
		path_key(kp, sizeof(kp), path, key);
		near = closest(key, allowed, list_len(allowed));
		if (near)
			return fail(ps, kp, "unknown key (did you mean \"%s\"?)", near);
		return fail(ps, kp, "unknown key");
	}
	return 0;
}

/* A member object (NULL in *out when absent), its keys checked. */
static int get_object(const parser *ps, json_t **out, json_t *parent,
	const char *path, const char *key, const char *const *allowed)
{
	char kp[POLICY_PATH_LEN];
	json_t *v = json_object_get(parent, key);

	*out = NULL;
	if (!v)
		return 0;
	path_key(kp, sizeof(kp), path, key);
	if (!json_is_object(v))
		return fail(ps, kp, "expected an object");
	*out = v;
	return allowed ? check_keys(ps, v, kp, allowed) : 0;
}

static int get_bool(const parser *ps, int *out, json_t *obj, const char *path,
	const char *key)
{
	char kp[POLICY_PATH_LEN];
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		path_key(kp, sizeof(kp), path, key);
		return fail(ps, kp, "expected true or false");
	}
	*out = json_is_true(v);
	return 0;
}

static int get_uint(const parser *ps, unsigned int *out, json_t *obj,
	const char *path, const char *key, unsigned int min)
{
	char kp[POLICY_PATH_LEN];
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	json_int_t n;

	if (!v)
		return 0;
	path_key(kp, sizeof(kp), path, key);
	if (!json_is_integer(v))
		return fail(ps, kp, "expected an integer");
	n = json_integer_value(v);
	if (n < (json_int_t)min || (unsigned long long)n > UINT_MAX)
		return fail(ps, kp, "%lld is out of range (%u to %u)", (long long)n, min,
			UINT_MAX);
	*out = (unsigned int)n;
	return 0;
}

static int get_size(const parser *ps, uint64_t *out, json_t *obj,
	const char *path, const char *key)
{
	char kp[POLICY_PATH_LEN];
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	if (!v)
		return 0;
	path_key(kp, sizeof(kp), path, key);
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return fail(ps, kp, "a size cannot be negative");
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return fail(ps, kp, "expected a number of bytes or a size string such as \"500MiB\"");
	if (og_policy_parse_size(out, json_string_value(v)) < 0)
		return fail(ps, kp, "bad size \"%s\" (a whole number of bytes, or a number "
			"with B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)", json_string_value(v));
	return 0;
}

/* Checks one list element; NULL when fine, else what is wrong. */
typedef const char *(*item_check_fn)(const char *s);

static const char *check_nonempty(const char *s)
{
	return s[0] ? NULL : "must not be empty";
}

static const char *check_platform(const char *s)
{
	size_t parts = 1, run = 0;

	for (; *s; s++) {
		if (*s == '/') {
			if (run == 0)
				return "expected \"os/arch\" or \"os/arch/variant\"";
			parts++;
			run = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		           is_digit(*s) || *s == '.' || *s == '_' || *s == '-') {
			run++;
		} else {
			return "expected \"os/arch\" or \"os/arch/variant\"";
		}
	}
	if (run == 0 || parts < 2 || parts > 3)
		return "expected \"os/arch\" or \"os/arch/variant\"";
	return NULL;
}

static const char *check_env_name(const char *s)
{
	if (!s[0])
		return "must not be empty";
	if (strchr(s, '='))
		return "a variable name cannot contain '='";
	return NULL;
}

static const char *check_metadata_field(const char *s)
{
	return in_list(s, metadata_fields) ? NULL : "unknown config field (one of created, "
		"author, architecture, os, config.Env, config.WorkingDir, config.User, "
		"config.Labels, config.Entrypoint, config.Cmd, config.ExposedPorts, history)";
}

/* An array of strings, each passing check, into a list (replacing it). */
static int get_strlist(const parser *ps, og_strlist *out, json_t *obj,
	const char *path, const char *key, item_check_fn check)
{
	char kp[POLICY_PATH_LEN], ip[POLICY_PATH_LEN];
	json_t *v = obj ? json_object_get(obj, key) : NULL, *item;
	const char *why;
	size_t i, n;

	if (!v)
		return 0;
	path_key(kp, sizeof(kp), path, key);
	if (!json_is_array(v))
		return fail(ps, kp, "expected an array of strings");
	n = json_array_size(v);
	for (i = 0; i < n; i++) {
		item = json_array_get(v, i);
		path_index(ip, sizeof(ip), kp, i);
		if (!json_is_string(item))
			return fail(ps, ip, "expected a string");
		if ((why = check(json_string_value(item))) != NULL)
			return fail(ps, ip, "\"%s\": %s", json_string_value(item), why);
	}
	strlist_dispose(out);
	if (n == 0)
		return 0;
	if (!(out->items = calloc(n, sizeof(*out->items))))
		return og_error_oom(ps->ctx);
	for (i = 0; i < n; i++) {
		if (!(out->items[i] = og__strdup(json_string_value(json_array_get(v, i)))))
			return og_error_oom(ps->ctx);
		out->count++;
	}
	return 0;
}

static int strlist_has(const og_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

static int get_severity(const parser *ps, og_severity_t *out, json_t *v, const char *path)
{
	if (!json_is_string(v) || (*out = og_severity_parse(json_string_value(v))) == OG_SEV_NONE)
		return fail(ps, path, "expected \"LOW\", \"MEDIUM\", \"HIGH\" or \"CRITICAL\"");
	return 0;
}

/* ------------------------------------------------------------- check ids */

/* Checks a policy may neither re-severity nor ignore: integrity, and the
 * finding that says nothing was checked (a run that checked nothing must
 * never pass). */
static int is_locked(const og_check *c)
{
	return c->integrity || strcmp(c->id, "run.nothing_checked") == 0;
}

static int unknown_id(const parser *ps, const char *path, const char *id)
{
	const og_check *all;
	const char *ids[128];
	const char *near;
	size_t count, i;

	all = og_check_all(&count);
	if (count > sizeof(ids) / sizeof(ids[0]))
		count = sizeof(ids) / sizeof(ids[0]);
	for (i = 0; i < count; i++)
		ids[i] = all[i].id;
	near = closest(id, ids, count);
	if (near)
		return fail(ps, path, "unknown check id \"%s\" (did you mean \"%s\"?)", id, near);
	return fail(ps, path, "unknown check id \"%s\"", id);
}

/* ------------------------------------------------------------ sections */

static const char *check_abs_path(const char *s)
{
	return s[0] == '/' ? NULL : "expected an absolute path";
}

static int parse_scan(const parser *ps, json_t *root)
{
	og_policy *p = ps->p;
	json_t *o, *v;
	char kp[POLICY_PATH_LEN];
	int error;

	if ((error = get_object(ps, &o, root, "", "scan", keys_scan)) < 0 ||
	    (error = get_strlist(ps, &p->setuid_allowed, o, "/scan", "setuid_allowed",
	                         check_abs_path)) < 0 ||
	    (error = get_strlist(ps, &p->writable_allowed, o, "/scan", "writable_allowed",
	                         check_abs_path)) < 0 ||
	    (error = get_size(ps, &p->secrets_max_file_size, o, "/scan",
	                      "secrets_max_file_size")) < 0)
		return error;
	if ((error = get_object(ps, &o, root, "", "vulnerabilities", keys_vulns)) < 0)
		return error;
	if (o && (v = json_object_get(o, "max_db_age")) != NULL) {
		path_key(kp, sizeof(kp), "/vulnerabilities", "max_db_age");
		if (!json_is_string(v) ||
		    og_policy_parse_duration(&p->max_db_age, json_string_value(v)) < 0)
			return fail(ps, kp, "expected a duration such as \"7d\", \"12h\", "
				"\"30m\" or \"3600s\"");
	}
	if ((error = get_object(ps, &o, root, "", "efficiency", keys_efficiency)) < 0 || !o)
		return error;
	if (json_object_get(o, "max_wasted")) {
		if ((error = get_size(ps, &p->max_wasted, o, "/efficiency", "max_wasted")) < 0)
			return error;
		p->max_wasted_set = 1;
	}
	if ((v = json_object_get(o, "min_score")) != NULL) {
		path_key(kp, sizeof(kp), "/efficiency", "min_score");
		if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
			return fail(ps, kp, "expected a number from 0 to 1");
		p->min_score = json_number_value(v);
		p->min_score_set = 1;
	}
	return 0;
}

static int parse_size_section(const parser *ps, json_t *root)
{
	og_policy *p = ps->p;
	json_t *o;
	char kp[POLICY_PATH_LEN];
	int error;

	if ((error = get_object(ps, &o, root, "", "size", keys_size)) < 0 || !o)
		return error;
	if ((error = get_size(ps, &p->max_compressed, o, "/size", "max_compressed")) < 0 ||
	    (error = get_size(ps, &p->min_compressed, o, "/size", "min_compressed")) < 0 ||
	    (error = get_size(ps, &p->max_layer, o, "/size", "max_layer")) < 0 ||
	    (error = get_size(ps, &p->max_uncompressed, o, "/size", "max_uncompressed")) < 0 ||
	    (error = get_uint(ps, &p->max_compression_ratio, o, "/size",
	                      "max_compression_ratio", 1)) < 0 ||
	    (error = get_uint(ps, &p->max_layers, o, "/size", "max_layers", 0)) < 0)
		return error;
	if (p->max_compressed && p->min_compressed > p->max_compressed) {
		path_key(kp, sizeof(kp), "/size", "min_compressed");
		return fail(ps, kp, "larger than /size/max_compressed");
	}
	return 0;
}

static int parse_labels(const parser *ps, json_t *root)
{
	og_policy *p = ps->p;
	json_t *o, *match, *v;
	char kp[POLICY_PATH_LEN], why[160];
	const char *key;
	void *it;
	og_policy_match *m;
	int error, rc;

	if ((error = get_object(ps, &o, root, "", "labels", keys_labels)) < 0 || !o)
		return error;
	if ((error = get_strlist(ps, &p->labels_required, o, "/labels", "required",
	                         check_nonempty)) < 0)
		return error;
	if ((error = get_object(ps, &match, o, "/labels", "match", NULL)) < 0 || !match)
		return error;
	if (json_object_size(match) == 0)
		return 0;
	p->label_match = calloc(json_object_size(match), sizeof(*p->label_match));
	if (!p->label_match)
		return og_error_oom(ps->ctx);
	for (it = json_object_iter(match); it; it = json_object_iter_next(match, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		path_key(kp, sizeof(kp), "/labels/match", key);
		if (!key[0])
			return fail(ps, kp, "a label key must not be empty");
		if (!json_is_string(v))
			return fail(ps, kp, "expected a regular expression string");
		m = &p->label_match[p->label_match_count];
		if ((rc = regcomp(&m->re, json_string_value(v), REG_EXTENDED | REG_NOSUB)) != 0) {
			/* a failed regcomp leaves nothing to regfree */
			regerror(rc, &m->re, why, sizeof(why));
			return fail(ps, kp, "bad regular expression \"%s\": %s",
				json_string_value(v), why);
		}
		m->key = og__strdup(key);
		m->pattern = og__strdup(json_string_value(v));
		/* counted now so og_policy_free releases the compiled regex */
		p->label_match_count++;
		if (!m->key || !m->pattern)
			return og_error_oom(ps->ctx);
	}
	return 0;
}

static int parse_env(const parser *ps, json_t *root)
{
	og_policy *p = ps->p;
	json_t *o;
	char kp[POLICY_PATH_LEN];
	size_t i;
	int error;

	if ((error = get_object(ps, &o, root, "", "env", keys_env)) < 0 || !o)
		return error;
	if ((error = get_strlist(ps, &p->env_required, o, "/env", "required",
	                         check_env_name)) < 0 ||
	    (error = get_strlist(ps, &p->env_forbidden, o, "/env", "forbidden",
	                         check_env_name)) < 0)
		return error;
	for (i = 0; i < p->env_forbidden.count; i++) {
		if (strlist_has(&p->env_required, p->env_forbidden.items[i])) {
			path_index(kp, sizeof(kp), "/env/forbidden", i);
			return fail(ps, kp, "%s is also in /env/required",
				p->env_forbidden.items[i]);
		}
	}
	return 0;
}

static int parse_ports(const parser *ps, json_t *root)
{
	og_policy *p = ps->p;
	json_t *o, *v, *item;
	char ip[POLICY_PATH_LEN];
	size_t i, n;
	json_int_t port;
	int error;

	if ((error = get_object(ps, &o, root, "", "ports", keys_ports)) < 0 || !o)
		return error;
	if (!(v = json_object_get(o, "allowed")))
		return 0;
	if (!json_is_array(v))
		return fail(ps, "/ports/allowed", "expected an array of port numbers");
	n = json_array_size(v);
	if (n && !(p->ports_allowed = calloc(n, sizeof(*p->ports_allowed))))
		return og_error_oom(ps->ctx);
	for (i = 0; i < n; i++) {
		item = json_array_get(v, i);
		path_index(ip, sizeof(ip), "/ports/allowed", i);
		if (!json_is_integer(item))
			return fail(ps, ip, "expected a port number (1 to 65535)");
		port = json_integer_value(item);
		if (port < 1 || port > 65535)
			return fail(ps, ip, "port %lld is out of range (1 to 65535)", (long long)port);
		p->ports_allowed[p->ports_allowed_count++] = (unsigned int)port;
	}
	p->ports_set = 1;
	return 0;
}

static int parse_severity(const parser *ps, json_t *root)
{
	og_policy *p = ps->p;
	json_t *o, *v;
	char kp[POLICY_PATH_LEN];
	const char *id;
	const og_check *c;
	og_severity_t sev = OG_SEV_NONE;
	void *it;
	int error;

	if ((error = get_object(ps, &o, root, "", "severity", NULL)) < 0 || !o)
		return error;
	if (json_object_size(o) &&
	    !(p->severity = calloc(json_object_size(o), sizeof(*p->severity))))
		return og_error_oom(ps->ctx);
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
		id = json_object_iter_key(it);
		v = json_object_iter_value(it);
		path_key(kp, sizeof(kp), "/severity", id);
		if (!(c = og_check_lookup(id)))
			return unknown_id(ps, kp, id);
		if (c->integrity)
			return fail(ps, kp, "%s is an integrity check: its severity cannot be changed", id);
		if (is_locked(c))
			return fail(ps, kp, "the severity of %s cannot be changed", id);
		if ((error = get_severity(ps, &sev, v, kp)) < 0)
			return error;
		if (!(p->severity[p->severity_count].id = og__strdup(id)))
			return og_error_oom(ps->ctx);
		p->severity[p->severity_count++].severity = sev;
	}
	return 0;
}

static int is_leap(unsigned int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (y >= 1970, a valid date). */
static int64_t days_since_epoch(unsigned int y, unsigned int m, unsigned int d)
{
	static const unsigned int before[12] = { 0, 31, 59, 90, 120, 151, 181, 212,
		243, 273, 304, 334 };
	unsigned int py = y - 1;
	int64_t leaps = (int64_t)(py / 4 - py / 100 + py / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400);

	return (int64_t)(y - 1970) * 365 + leaps + before[m - 1] +
		(m > 2 && is_leap(y)) + (d - 1);
}

/* "YYYY-MM-DD", a real date from 1970 on; *out is the first second after
 * that day (UTC). 0 or -1. */
static int parse_date(time_t *out, const char *s)
{
	static const unsigned int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned int y, m, d, dim;
	size_t i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			return -1;
	y = (unsigned int)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
	m = (unsigned int)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned int)((s[8] - '0') * 10 + (s[9] - '0'));
	if (y < 1970 || m < 1 || m > 12)
		return -1;
	dim = mdays[m - 1] + (m == 2 && is_leap(y));
	if (d < 1 || d > dim)
		return -1;
	*out = (time_t)((days_since_epoch(y, m, d) + 1) * 86400);
	return 0;
}

static int parse_ignore_entry(const parser *ps, og_policy_ignore *ig, json_t *e,
	const char *path)
{
	char kp[POLICY_PATH_LEN];
	json_t *v;
	const og_check *c;
	const char *s;
	int error;

	if (!json_is_object(e))
		return fail(ps, path, "expected an object with \"id\" and \"reason\"");
	if ((error = check_keys(ps, e, path, keys_ignore)) < 0)
		return error;

	path_key(kp, sizeof(kp), path, "id");
	if (!(v = json_object_get(e, "id")))
		return fail(ps, kp, "missing (the check id to ignore)");
	if (!json_is_string(v))
		return fail(ps, kp, "expected a check id string");
	s = json_string_value(v);
	if (!(c = og_check_lookup(s)))
		return unknown_id(ps, kp, s);
	if (c->integrity)
		return fail(ps, kp, "%s is an integrity check: it cannot be ignored", s);
	if (is_locked(c))
		return fail(ps, kp, "%s cannot be ignored", s);
	if (strncmp(s, "policy.", 7) == 0)
		return fail(ps, kp, "%s cannot be ignored (fix the ignore entry, or lower its "
			"severity)", s);
	if (!(ig->id = og__strdup(s)))
		return og_error_oom(ps->ctx);

	if ((v = json_object_get(e, "subject")) != NULL) {
		path_key(kp, sizeof(kp), path, "subject");
		if (!json_is_string(v) || !json_string_value(v)[0])
			return fail(ps, kp, "expected a non-empty string (leave it out to match any subject)");
		if (has_control(json_string_value(v)))
			return fail(ps, kp, "must be one line of text");
		if (!(ig->subject = og__strdup(json_string_value(v))))
			return og_error_oom(ps->ctx);
	}

	path_key(kp, sizeof(kp), path, "reason");
	if (!(v = json_object_get(e, "reason")))
		return fail(ps, kp, "missing (every ignore entry needs a reason)");
	if (!json_is_string(v))
		return fail(ps, kp, "expected a string");
	s = json_string_value(v);
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (!*s)
		return fail(ps, kp, "must not be empty");
	if (has_control(s))
		return fail(ps, kp, "must be one line of text");
	if (!(ig->reason = og__strdup(json_string_value(v))))
		return og_error_oom(ps->ctx);

	if ((v = json_object_get(e, "expires")) != NULL) {
		path_key(kp, sizeof(kp), path, "expires");
		if (!json_is_string(v) || parse_date(&ig->expires_at, json_string_value(v)) < 0)
			return fail(ps, kp, "expected a date \"YYYY-MM-DD\" (1970 or later)");
		if (!(ig->expires = og__strdup(json_string_value(v))))
			return og_error_oom(ps->ctx);
	}
	return 0;
}

static int parse_ignore(const parser *ps, json_t *root)
{
	og_policy *p = ps->p;
	json_t *v = json_object_get(root, "ignore");
	char ip[POLICY_PATH_LEN];
	size_t i, n;
	int error;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return fail(ps, "/ignore", "expected an array of {\"id\", \"subject\", \"reason\", \"expires\"}");
	n = json_array_size(v);
	if (n && !(p->ignore = calloc(n, sizeof(*p->ignore))))
		return og_error_oom(ps->ctx);
	for (i = 0; i < n; i++) {
		path_index(ip, sizeof(ip), "/ignore", i);
		/* counted first so og_policy_free releases a half-filled entry */
		p->ignore_count++;
		if ((error = parse_ignore_entry(ps, &p->ignore[i], json_array_get(v, i), ip)) < 0)
			return error;
	}
	return 0;
}

static int parse_root(const parser *ps, json_t *root)
{
	og_policy *p = ps->p;
	json_t *o, *v;
	int error;

	if (!json_is_object(root))
		return fail(ps, "", "expected a JSON object");
	if ((error = check_keys(ps, root, "", keys_top)) < 0)
		return error;

	if (!(v = json_object_get(root, "version")))
		return fail(ps, "/version", "missing (must be 1)");
	if (!json_is_integer(v))
		return fail(ps, "/version", "expected the integer 1");
	if (json_integer_value(v) != 1)
		return fail(ps, "/version", "unsupported version %lld (this ocigate reads version 1)",
			(long long)json_integer_value(v));
	p->version = 1;

	if ((error = parse_size_section(ps, root)) < 0)
		return error;

	if ((error = get_object(ps, &o, root, "", "platforms", keys_platforms)) < 0 ||
	    (error = get_strlist(ps, &p->platforms_allowed, o, "/platforms", "allowed",
	                         check_platform)) < 0 ||
	    (error = get_strlist(ps, &p->platforms_required, o, "/platforms", "required",
	                         check_platform)) < 0)
		return error;

	if ((error = parse_labels(ps, root)) < 0)
		return error;

	if ((error = get_object(ps, &o, root, "", "entrypoint", keys_entrypoint)) < 0 ||
	    (error = get_bool(ps, &p->entrypoint_required, o, "/entrypoint", "required")) < 0 ||
	    (error = get_bool(ps, &p->entrypoint_exec_form, o, "/entrypoint", "exec_form")) < 0)
		return error;
	if ((error = get_object(ps, &o, root, "", "user", keys_user)) < 0 ||
	    (error = get_bool(ps, &p->user_non_root, o, "/user", "non_root")) < 0)
		return error;

	if ((error = parse_env(ps, root)) < 0 || (error = parse_ports(ps, root)) < 0)
		return error;

	if ((error = get_object(ps, &o, root, "", "metadata", keys_metadata)) < 0 ||
	    (error = get_strlist(ps, &p->metadata_required, o, "/metadata", "required",
	                         check_metadata_field)) < 0)
		return error;
	if ((error = get_object(ps, &o, root, "", "history", keys_history)) < 0 ||
	    (error = get_bool(ps, &p->history_match_layers, o, "/history", "match_layers")) < 0)
		return error;
	if ((error = get_object(ps, &o, root, "", "annotations", keys_annotations)) < 0 ||
	    (error = get_bool(ps, &p->annotations_recommended, o, "/annotations",
	                      "recommended")) < 0)
		return error;

	if ((error = parse_scan(ps, root)) < 0)
		return error;

	if ((error = parse_severity(ps, root)) < 0 || (error = parse_ignore(ps, root)) < 0)
		return error;

	if ((v = json_object_get(root, "fail_on")) != NULL &&
	    (error = get_severity(ps, &p->fail_on, v, "/fail_on")) < 0)
		return error;
	return 0;
}

int og_policy_parse(og_policy **out, og_ctx *ctx, const char *json, size_t len,
	const char *name)
{
	parser ps;
	json_t *root = NULL;
	json_error_t jerr;
	char where[POLICY_PATH_LEN], digest[OG_DIGEST_MAX];
	size_t pos;
	int error = 0;

	*out = NULL;
	ps.ctx = ctx;
	ps.name = name ? name : "policy";
	if (!(ps.p = policy_new()))
		return og_error_oom(ctx);
	if (name && !(ps.p->path = og__strdup(name))) {
		error = og_error_oom(ctx);
		goto done;
	}
	if (!json) {
		error = fail(&ps, "", "no document");
		goto done;
	}

	if (!(root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr))) {
		/* jansson's position is past the token it stopped at: for a
		 * duplicate that is the key (part of the path), for a syntax
		 * error the bad token (which must not close a container), or
		 * nothing at the end of the input. */
		pos = jerr.position > 0 ? (size_t)jerr.position : 0;
		if (pos > len)
			pos = len;
		if (json_error_code(&jerr) == json_error_duplicate_key) {
			track_path(where, sizeof(where), json, pos);
			error = fail(&ps, where, "duplicate key");
		} else {
			track_path(where, sizeof(where), json, pos && pos < len ? pos - 1 : pos);
			error = fail(&ps, where, "not valid JSON (line %d, column %d): %s",
				jerr.line, jerr.column, jerr.text);
		}
		goto done;
	}
	if ((error = parse_root(&ps, root)) < 0)
		goto done;

	if ((error = og_digest_buf(digest, ctx, OG_DIGEST_SHA256, json, len)) < 0)
		goto done;
	/* "sha256:" + 64 hex fits p->digest */
	memcpy(ps.p->digest, digest, strnlen(digest, sizeof(ps.p->digest) - 1));

	*out = ps.p;
	ps.p = NULL;
done:
	json_decref(root);
	og_policy_free(ps.p);
	return error;
}

static int read_file(unsigned char **out, size_t *len, og_ctx *ctx, const char *path)
{
	og_reader *r = NULL;
	struct stat st;
	int fd, error;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return og_error_set(ctx, errno == ENOENT ? OG_ENOTFOUND : OG_ERROR,
			"%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return og_error_set(ctx, OG_EINVALID, "%s: not a regular file", path);
	}
	if ((error = og_reader_new_fd_range(&r, ctx, fd, 0, (uint64_t)st.st_size, path)) == 0) {
		error = og_reader_read_all(out, len, ctx, r, POLICY_MAX_BYTES, path);
		og_reader_close(r);
	}
	close(fd);
	return error;
}

int og_policy_load(og_policy **out, og_ctx *ctx, const char *path)
{
	unsigned char *text = NULL;
	size_t len = 0;
	int error;

	*out = NULL;
	if (!path)
		return og_error_set(ctx, OG_EINVALID, "no policy file named");
	if ((error = read_file(&text, &len, ctx, path)) < 0)
		goto done;
	error = og_policy_parse(out, ctx, (const char *)text, len, path);
done:
	free(text);
	return error;
}

int og_policy_check_file(og_ctx *ctx, const char *path)
{
	og_policy *p = NULL;
	int error = og_policy_load(&p, ctx, path);

	og_policy_free(p);
	return error;
}

/* --------------------------------------------------------------- apply */

/* The policy's override for a check, if it has one (never for locked ones). */
static int override_of(og_severity_t *out, const og_policy *p, const og_check *c)
{
	size_t i;

	if (!p || is_locked(c))
		return 0;
	for (i = 0; i < p->severity_count; i++) {
		if (strcmp(p->severity[i].id, c->id) == 0) {
			*out = p->severity[i].severity;
			return 1;
		}
	}
	return 0;
}

og_severity_t og_policy_severity_of(const og_policy *p, const char *id)
{
	const og_check *c = id ? og_check_lookup(id) : NULL;
	og_severity_t sev;

	if (!c)
		return OG_SEV_NONE;
	return override_of(&sev, p, c) ? sev : c->severity;
}

static int ignore_live(const og_policy_ignore *ig, time_t now)
{
	return ig->expires_at == 0 || now < ig->expires_at;
}

static og_policy_ignore *find_ignore(const og_policy *p, const og_finding *f, time_t now)
{
	size_t i;

	for (i = 0; i < p->ignore_count; i++) {
		og_policy_ignore *ig = &p->ignore[i];

		if (ignore_live(ig, now) && strcmp(ig->id, f->id) == 0 &&
		    (!ig->subject || strcmp(ig->subject, f->subject ? f->subject : "") == 0))
			return ig;
	}
	return NULL;
}

/* Move *it to the end of dst, its message tagged with the reason. On
 * failure *it is unchanged and still owned by the caller's list. */
static int move_suppressed(og_findings *dst, og_finding *it, const char *reason)
{
	og_finding *items;
	size_t cap;
	char *msg;

	if (dst->count == dst->cap) {
		cap = dst->cap ? dst->cap * 2 : 8;
		if (!(items = realloc(dst->items, cap * sizeof(*items))))
			return OG_ENOMEM;
		dst->items = items;
		dst->cap = cap;
	}
	if (!(msg = og__asprintf("%s [ignored: %s]", it->message ? it->message : "", reason)))
		return OG_ENOMEM;
	free((char *)(uintptr_t)it->message);
	it->message = msg;
	dst->items[dst->count++] = *it;
	return 0;
}

static int add_policy_finding(og_findings *f, const og_policy *p, const char *id,
	const og_policy_ignore *ig)
{
	int error;

	if (strcmp(id, "policy.ignore_expired") == 0)
		error = og_findings_add(f, id, ig->id,
			"ignore entry for %s%s%s expired on %s and no longer suppresses (reason: %s)",
			ig->id, ig->subject ? " subject " : "", ig->subject ? ig->subject : "",
			ig->expires, ig->reason);
	else
		error = og_findings_add(f, id, ig->id,
			"ignore entry for %s%s%s matched no finding; remove it (reason: %s)",
			ig->id, ig->subject ? " subject " : "", ig->subject ? ig->subject : "",
			ig->reason);
	if (error == 0)
		f->items[f->count - 1].severity = og_policy_severity_of(p, id);
	return error;
}

int og_policy_apply(const og_policy *p, og_findings *findings,
	og_findings *suppressed, time_t now)
{
	const og_check *c;
	og_policy_ignore *ig;
	og_finding *it;
	size_t r, w = 0, i;
	int error = 0;

	if (!p || !findings || !suppressed)
		return OG_EINVALID;
	for (i = 0; i < p->ignore_count; i++)
		p->ignore[i].matched = 0;

	/* Compact in place: kept findings slide down, order unchanged. */
	for (r = 0; r < findings->count; r++) {
		it = &findings->items[r];
		c = og_check_lookup(it->id);
		if (c && !is_locked(c)) {
			/* no override: the severity the finding came with stays */
			override_of(&it->severity, p, c);
			ig = error == 0 ? find_ignore(p, it, now) : NULL;
			if (ig) {
				error = move_suppressed(suppressed, it, ig->reason);
				if (error == 0) {
					ig->matched++;
					continue;
				}
			}
		}
		if (w != r)
			findings->items[w] = *it;
		w++;
	}
	findings->count = w;
	if (error < 0)
		return error;

	for (i = 0; i < p->ignore_count; i++) {
		ig = &p->ignore[i];
		if (!ignore_live(ig, now))
			error = add_policy_finding(findings, p, "policy.ignore_expired", ig);
		else if (ig->matched == 0)
			error = add_policy_finding(findings, p, "policy.ignore_unused", ig);
		if (error < 0)
			return error;
	}
	return 0;
}
