#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "packages.h"

typedef enum { DB_DPKG = 0, DB_APK } db_kind;

/* A field value inside the database text (not NUL-terminated). */
typedef struct span {
	const char *s;
	size_t n;
} span;

/* One stanza while it is read. */
typedef struct stanza {
	span name, version, arch, source, status;
	int fields;    /* fields seen */
	size_t bad;    /* the first unparsable line in it, or 0 */
	size_t first_line;
} stanza;

/* How a parse went: unparsable stanzas and the first bad line. */
typedef struct parse_stats {
	size_t bad_stanzas;
	size_t bad_line;
} parse_stats;

void og_inventory_dispose(og_inventory *inv)
{
	size_t i;

	if (!inv)
		return;
	for (i = 0; i < inv->count; i++) {
		free(inv->items[i].name);
		free(inv->items[i].version);
		free(inv->items[i].source);
		free(inv->items[i].source_version);
		free(inv->items[i].arch);
	}
	free(inv->items);
	free(inv->os.id);
	free(inv->os.version_id);
	free(inv->os.pretty_name);
	free(inv->os.version_codename);
	memset(inv, 0, sizeof(*inv));
}

static char *span_dup(span v)
{
	return v.s ? strndup(v.s, v.n) : strdup("");
}

static span trim(const char *s, size_t n)
{
	span v;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	v.s = s;
	v.n = n;
	return v;
}

static int span_is(span v, const char *lit)
{
	return v.s && v.n == strlen(lit) && memcmp(v.s, lit, v.n) == 0;
}

static int inv_grow(og_inventory *inv)
{
	size_t cap;
	og_package *grown;

	if (inv->count < inv->cap)
		return 0;
	cap = inv->cap ? inv->cap * 2 : 64;
	if ((grown = realloc(inv->items, cap * sizeof(*grown))) == NULL)
		return OG_ENOMEM;
	inv->items = grown;
	inv->cap = cap;
	return 0;
}

/* Split "name (version)" into its parts. */
static void split_source(span *name, span *version, span src)
{
	size_t i;

	for (i = 0; i < src.n && src.s[i] != ' ' && src.s[i] != '\t' && src.s[i] != '('; i++)
		;
	*name = trim(src.s, i);
	version->s = NULL;
	version->n = 0;
	for (; i < src.n && src.s[i] != '('; i++)
		;
	if (i < src.n) {
		size_t j;

		for (j = i + 1; j < src.n && src.s[j] != ')'; j++)
			;
		*version = trim(src.s + i + 1, j - i - 1);
	}
}

/* "install ok installed" / "hold ok installed", words apart by blanks. */
static int dpkg_installed(span st)
{
	const char *want[2] = { "install", "hold" };
	span w[3];
	size_t i = 0, k, j;

	if (!st.s)
		return 1; /* status.d stanzas (distroless) carry no Status */
	for (k = 0; k < 3; k++) {
		while (i < st.n && (st.s[i] == ' ' || st.s[i] == '\t'))
			i++;
		for (j = i; j < st.n && st.s[j] != ' ' && st.s[j] != '\t'; j++)
			;
		w[k].s = st.s + i;
		w[k].n = j - i;
		i = j;
	}
	while (i < st.n && (st.s[i] == ' ' || st.s[i] == '\t'))
		i++;
	if (i != st.n || !span_is(w[1], "ok") || !span_is(w[2], "installed"))
		return 0;
	for (k = 0; k < 2; k++)
		if (span_is(w[0], want[k]))
			return 1;
	return 0;
}

/* Close a stanza: add its package, or count it as unparsable. */
static int end_stanza(og_inventory *inv, stanza *sz, db_kind kind, parse_stats *ps)
{
	og_package *p;
	span sname, sver;
	int error = 0;

	if (!sz->fields && !sz->bad)
		goto done;
	if (sz->bad || !sz->name.s || !sz->name.n) {
		if (ps->bad_stanzas++ == 0)
			ps->bad_line = sz->bad ? sz->bad : sz->first_line;
		goto done;
	}
	if (kind == DB_DPKG && !dpkg_installed(sz->status))
		goto done;
	if (!sz->version.s || !sz->version.n) {
		if (ps->bad_stanzas++ == 0)
			ps->bad_line = sz->first_line;
		goto done;
	}
	if ((error = inv_grow(inv)) < 0)
		goto done;
	p = &inv->items[inv->count];
	memset(p, 0, sizeof(*p));
	p->type = kind == DB_DPKG ? "deb" : "apk";
	if (kind == DB_DPKG && sz->source.s) {
		split_source(&sname, &sver, sz->source);
		if (!sname.n)
			sname = sz->name;
		if (!sver.s || !sver.n)
			sver = sz->version;
	} else {
		sname = sz->source.s && sz->source.n ? sz->source : sz->name;
		sver = sz->version;
	}
	p->name = span_dup(sz->name);
	p->version = span_dup(sz->version);
	p->arch = span_dup(sz->arch);
	p->source = span_dup(sname);
	p->source_version = span_dup(sver);
	inv->count++; /* counted first, so dispose frees what was made */
	if (!p->name || !p->version || !p->arch || !p->source || !p->source_version)
		error = OG_ENOMEM;
done:
	memset(sz, 0, sizeof(*sz));
	return error;
}

/*
 * Parse a dpkg status (RFC 822-like stanzas, "Field: value", continuation
 * lines start with a blank) or an apk installed database ("K:value" lines)
 * into inv. Only the fields needed are kept; the rest are checked for form.
 */
static int parse_db(og_inventory *inv, db_kind kind, const char *data, size_t len,
	parse_stats *ps)
{
	const char *p = data, *end = data + len;
	stanza sz;
	size_t line = 0;
	int error = 0;

	memset(&sz, 0, sizeof(sz));
	memset(ps, 0, sizeof(*ps));
	while (p < end && !error) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		span l = trim(p, (size_t)(le - p));
		const char *colon;

		line++;
		if (l.n == 0) {
			error = end_stanza(inv, &sz, kind, ps);
		} else if (kind == DB_DPKG && (*p == ' ' || *p == '\t')) {
			/* a continuation line (Description, Conffiles: fields not
			 * kept); with no field before it, the stanza is broken */
			if (!sz.fields && !sz.bad)
				sz.bad = line;
		} else {
			if (!sz.fields && !sz.bad)
				sz.first_line = line;
			colon = memchr(p, ':', (size_t)(le - p));
			if (!colon || colon == p || (kind == DB_APK && colon != p + 1) ||
			    (kind == DB_DPKG && memchr(p, ' ', (size_t)(colon - p)))) {
				if (!sz.bad)
					sz.bad = line;
			} else {
				span key = { p, (size_t)(colon - p) };
				span val = trim(colon + 1, (size_t)(le - colon - 1));
				span *last = NULL;

				sz.fields++;
				if (kind == DB_APK) {
					switch (*p) {
					case 'P': last = &sz.name; break;
					case 'V': last = &sz.version; break;
					case 'A': last = &sz.arch; break;
					case 'o': last = &sz.source; break;
					default: break;
					}
				} else if (key.n == 7 && strncasecmp(key.s, "Package", 7) == 0) {
					last = &sz.name;
				} else if (key.n == 7 && strncasecmp(key.s, "Version", 7) == 0) {
					last = &sz.version;
				} else if (key.n == 12 && strncasecmp(key.s, "Architecture", 12) == 0) {
					last = &sz.arch;
				} else if (key.n == 6 && strncasecmp(key.s, "Source", 6) == 0) {
					last = &sz.source;
				} else if (key.n == 6 && strncasecmp(key.s, "Status", 6) == 0) {
					last = &sz.status;
				}
				if (last)
					*last = val;
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (!error)
		error = end_stanza(inv, &sz, kind, ps);
	return error;
}

static int cmp_pkg(const void *a, const void *b)
{
	const og_package *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	if ((c = strcmp(x->version, y->version)) != 0)
		return c;
	return strcmp(x->arch, y->arch);
}

static void free_pkg(og_package *p)
{
	free(p->name);
	free(p->version);
	free(p->source);
	free(p->source_version);
	free(p->arch);
}

/* Sort and drop repeats (the same package in two database files). */
static void sort_unique(og_inventory *inv)
{
	size_t i, n = 0;

	if (inv->count < 2)
		return;
	qsort(inv->items, inv->count, sizeof(*inv->items), cmp_pkg);
	for (i = 0; i < inv->count; i++) {
		if (n && cmp_pkg(&inv->items[n - 1], &inv->items[i]) == 0) {
			if (inv->items[i].layer < inv->items[n - 1].layer)
				inv->items[n - 1].layer = inv->items[i].layer;
			free_pkg(&inv->items[i]);
			continue;
		}
		inv->items[n++] = inv->items[i];
	}
	inv->count = n;
}

/* ------------------------------------------------------------- os-release */

/* The value of an os-release assignment: quotes removed, "\x" -> "x". */
static char *os_value(span v)
{
	char *out = malloc(v.n + 1), q = 0;
	size_t i = 0, o = 0;

	if (!out)
		return NULL;
	if (v.n && (v.s[0] == '"' || v.s[0] == '\'')) {
		q = v.s[0];
		i = 1;
	}
	for (; i < v.n; i++) {
		if (q && v.s[i] == q)
			break;
		if (q == '"' && v.s[i] == '\\' && i + 1 < v.n)
			i++;
		out[o++] = v.s[i];
	}
	out[o] = '\0';
	return out;
}

static int parse_os(og_os *os, const char *data, size_t len)
{
	static const char *const keys[] = { "ID", "VERSION_ID", "PRETTY_NAME", "VERSION_CODENAME" };
	const char *p = data, *end = data + len;
	char **slots[4];
	size_t k;

	slots[0] = &os->id;
	slots[1] = &os->version_id;
	slots[2] = &os->pretty_name;
	slots[3] = &os->version_codename;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		span l = trim(p, (size_t)((nl ? nl : end) - p));
		const char *eq = l.n ? memchr(l.s, '=', l.n) : NULL;

		p = nl ? nl + 1 : end;
		if (!eq || l.s[0] == '#')
			continue;
		for (k = 0; k < 4; k++) {
			if ((size_t)(eq - l.s) == strlen(keys[k]) &&
			    memcmp(l.s, keys[k], (size_t)(eq - l.s)) == 0) {
				char *v = os_value(trim(eq + 1, l.n - (size_t)(eq - l.s) - 1));

				if (!v)
					return OG_ENOMEM;
				free(*slots[k]);
				*slots[k] = v; /* the last assignment wins */
			}
		}
	}
	return 0;
}

const char *og_inventory_ecosystem(const og_inventory *inv, char *buf, size_t len)
{
	const char *id = inv ? inv->os.id : NULL, *v = inv ? inv->os.version_id : NULL;
	const char *dot;
	int n = -1;

	if (!id || !v || !*v || !buf)
		return NULL;
	dot = strchr(v, '.');
	if (strcmp(id, "debian") == 0) {
		n = snprintf(buf, len, "Debian:%.*s", dot ? (int)(dot - v) : (int)strlen(v), v);
	} else if (strcmp(id, "alpine") == 0) {
		const char *dot2 = dot ? strchr(dot + 1, '.') : NULL;
		size_t vl = dot2 ? (size_t)(dot2 - v) : strlen(v);

		/* 3.21.0_alpha20240807: the minor stops at a non-digit */
		if (dot)
			for (vl = (size_t)(dot - v) + 1; v[vl] >= '0' && v[vl] <= '9'; vl++)
				;
		n = snprintf(buf, len, "Alpine:v%.*s", (int)vl, v);
	} else if (strcmp(id, "ubuntu") == 0) {
		n = snprintf(buf, len, "Ubuntu:%s", v);
	}
	if (n < 0 || (size_t)n >= len)
		return NULL;
	return buf;
}

/* --------------------------------------------------------------- the read */

typedef struct reader {
	og_inventory *out;
	og_ctx *ctx;
	const og_fsview *fs;
	og_fs_layer *const *layers;
	size_t count;
	og_findings *f;
	const char *dir;  /* status.d listing: the directory */
	int error;
} reader;

/* A packages.unsupported finding about /path. */
static int unsupported(reader *rd, const char *path, const char *what)
{
	char *subject = og__asprintf("/%s", path);
	int error = 0;

	if (!subject || og_findings_add(rd->f, "packages.unsupported", subject,
			"%s: %s", subject, what) < 0)
		error = og_error_oom(rd->ctx);
	free(subject);
	return error;
}

/*
 * The installing layer of each package of tmp (all read from the final
 * content of path, written by layer s): walk the lower layers that wrote
 * path; a package stays while each of them, in an unbroken chain of writes
 * (nothing deleted it in between), lists the same name, version and arch.
 */
static int installing_layers(reader *rd, og_inventory *tmp, const char *path,
	const char *final, db_kind kind)
{
	og_inventory lower;
	unsigned char *alive = NULL;
	size_t s = SIZE_MAX, k, i, j, left;
	parse_stats ps;
	int error = 0;

	memset(&lower, 0, sizeof(lower));
	for (i = rd->count; i-- > 0;) {
		size_t dl;

		if (og_fs_layer_file(rd->layers[i], path, &dl) == final) {
			s = i;
			break;
		}
	}
	if (s == SIZE_MAX) {
		s = 0; /* not found in a layer: cannot tell */
		for (j = 0; j < tmp->count; j++)
			tmp->items[j].layer = 0;
		goto done;
	}
	for (j = 0; j < tmp->count; j++)
		tmp->items[j].layer = s;
	if (!tmp->count || (alive = malloc(tmp->count)) == NULL) {
		error = tmp->count ? OG_ENOMEM : 0;
		goto done;
	}
	memset(alive, 1, tmp->count);
	left = tmp->count;
	k = s;
	for (i = s; i-- > 0 && left;) {
		const char *d;
		size_t dl = 0, by = 0;

		if ((d = og_fs_layer_file(rd->layers[i], path, &dl)) == NULL)
			continue;
		if ((error = og_fsview_hidden_by(&by, rd->layers, rd->count, i, path)) < 0)
			goto done;
		if (by != k)
			break; /* deleted or replaced by something else in between */
		og_inventory_dispose(&lower);
		if ((error = parse_db(&lower, kind, d, dl, &ps)) < 0)
			goto done;
		if (lower.count > 1)
			qsort(lower.items, lower.count, sizeof(*lower.items), cmp_pkg);
		for (j = 0; j < tmp->count; j++) {
			if (!alive[j])
				continue;
			if (lower.count && bsearch(&tmp->items[j], lower.items, lower.count,
					sizeof(*lower.items), cmp_pkg)) {
				tmp->items[j].layer = i;
			} else {
				alive[j] = 0;
				left--;
			}
		}
		k = i;
	}
done:
	og_inventory_dispose(&lower);
	free(alive);
	return error;
}

/* Read one database file of the final fs into rd->out. */
static int read_db(reader *rd, const char *path, db_kind kind)
{
	og_inventory tmp;
	og_fs_stat st;
	parse_stats ps;
	char note[160];
	int escaped = 0, error = 0;
	size_t i;

	memset(&tmp, 0, sizeof(tmp));
	if (!og_fsview_stat(&st, rd->fs, path, 1, &escaped)) {
		if (escaped)
			error = unsupported(rd, path, "a symlink that leaves the image "
				"root; the package database is not followed");
		goto done;
	}
	if (st.type != OG_ENTRY_FILE) {
		if (st.type != OG_ENTRY_DIR)
			error = unsupported(rd, path, "not a regular file; the package "
				"database is not read");
		goto done;
	}
	if (st.too_large) {
		snprintf(note, sizeof(note), "package database too large (%llu bytes, cap %llu)",
			(unsigned long long)st.size, (unsigned long long)OG_FSVIEW_KEEP_MAX);
		error = unsupported(rd, path, note);
		goto done;
	}
	if (!st.data) {
		snprintf(note, sizeof(note), "resolves to /%.100s, whose content was not kept; "
			"not read", st.path);
		error = unsupported(rd, path, note);
		goto done;
	}
	if ((error = parse_db(&tmp, kind, st.data, st.len, &ps)) < 0)
		goto oom;
	if (ps.bad_stanzas) {
		snprintf(note, sizeof(note), "%zu unparsable stanza%s (the first at line %zu) "
			"left out of the inventory", ps.bad_stanzas, ps.bad_stanzas == 1 ? "" : "s",
			ps.bad_line);
		if ((error = unsupported(rd, path, note)) < 0)
			goto done;
	}
	if ((error = installing_layers(rd, &tmp, st.path, st.data, kind)) < 0)
		goto oom;
	for (i = 0; i < tmp.count; i++) {
		if ((error = inv_grow(rd->out)) < 0)
			goto oom;
		rd->out->items[rd->out->count++] = tmp.items[i];
		memset(&tmp.items[i], 0, sizeof(tmp.items[i]));
	}
	goto done;
oom:
	error = og_error_oom(rd->ctx);
done:
	og_inventory_dispose(&tmp);
	return error;
}

static int status_d_entry(const char *name, void *p)
{
	reader *rd = p;
	size_t n = strlen(name);
	char *path;
	int error;

	/* distroless writes <pkg>.md5sums next to <pkg>: file lists, no stanzas */
	if (n >= 8 && strcmp(name + n - 8, ".md5sums") == 0)
		return 0;
	if ((path = og__asprintf("%s/%s", rd->dir, name)) == NULL)
		return og_error_oom(rd->ctx);
	error = read_db(rd, path, DB_DPKG);
	free(path);
	return error;
}

int og_inventory_read(og_inventory *out, og_ctx *ctx, const og_fsview *fs,
	og_fs_layer *const *layers, size_t count, og_findings *f)
{
	static const char *const rpm_dirs[] = { "var/lib/rpm", "usr/lib/sysimage/rpm" };
	static const char *const os_files[] = { "etc/os-release", "usr/lib/os-release" };
	reader rd;
	size_t i, len = 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	memset(&rd, 0, sizeof(rd));
	rd.out = out;
	rd.ctx = ctx;
	rd.fs = fs;
	rd.layers = layers;
	rd.count = count;
	rd.f = f;
	for (i = 0; i < 2; i++) {
		const char *os = og_fsview_file(fs, os_files[i], &len);

		if (os) {
			if (parse_os(&out->os, os, len) < 0) {
				error = og_error_oom(ctx);
				goto done;
			}
			break;
		}
	}
	for (i = 0; i < 2; i++)
		/* recorded, or implied by a path under it */
		if (og_fsview_exists(fs, rpm_dirs[i]) &&
		    (error = unsupported(&rd, rpm_dirs[i],
				"rpm database not supported; the inventory is incomplete")) < 0)
			goto done;
	if ((error = read_db(&rd, "var/lib/dpkg/status", DB_DPKG)) < 0)
		goto done;
	rd.dir = "var/lib/dpkg/status.d";
	if ((error = og_fsview_list(fs, rd.dir, status_d_entry, &rd)) < 0) {
		if (error == OG_ENOMEM)
			error = og_error_oom(ctx);
		goto done;
	}
	if ((error = read_db(&rd, "lib/apk/db/installed", DB_APK)) < 0)
		goto done;
	sort_unique(out);
done:
	return error;
}
