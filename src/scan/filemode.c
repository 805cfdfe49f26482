/*
 * File modes: file.setuid, file.world_writable, file.device. See
 * filemode.h for the rules.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "filemode.h"
#include "pathbuf.h"

/* An allow list, normalised once per layer: "/a/b" strings. */
typedef struct allow_list {
	char **items;
	size_t count;
} allow_list;

typedef struct fm_state {
	og_ctx *ctx;
	size_t layer;
	allow_list setuid;
	allow_list writable;
	og_pathbuf path;   /* scratch for normalising */
	char *abs;         /* "/" + the entry's normalised path */
} fm_state;

static void allow_dispose(allow_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

/* "/" + the normalised form of p, in a new string; NULL on OOM. */
static char *normalise_abs(og_pathbuf *pb, const char *p)
{
	int above = 0;
	char *s;

	pb->len = 0;
	if (og_pathbuf_apply(pb, p, &above) < 0)
		return NULL;
	s = malloc(pb->len + 2);
	if (!s)
		return NULL;
	s[0] = '/';
	memcpy(s + 1, pb->s, pb->len + 1);
	return s;
}

static int allow_init(allow_list *l, og_pathbuf *pb, const char *const *items,
	size_t count)
{
	size_t i;

	if (!count || !items)
		return 0;
	l->items = calloc(count, sizeof(*l->items));
	if (!l->items)
		return OG_ENOMEM;
	for (i = 0; i < count; i++) {
		if (!items[i])
			continue;
		if (!(l->items[l->count++] = normalise_abs(pb, items[i])))
			return OG_ENOMEM;
	}
	return 0;
}

static int allowed(const allow_list *l, const char *abs)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->items[i] && strcmp(l->items[i], abs) == 0)
			return 1;
	return 0;
}

static void fm_free(void *state)
{
	fm_state *st = state;

	if (!st)
		return;
	allow_dispose(&st->setuid);
	allow_dispose(&st->writable);
	og_pathbuf_dispose(&st->path);
	free(st->abs);
	free(st);
}

static int fm_begin(void **state, og_ctx *ctx, const og_layer_info *layer,
	void *payload)
{
	const og_filemode_options *opts = payload;
	fm_state *st = calloc(1, sizeof(*st));
	int error = 0;

	*state = NULL;
	if (!st)
		goto oom;
	st->ctx = ctx;
	st->layer = layer ? layer->index : 0;
	if (opts && (allow_init(&st->setuid, &st->path, opts->setuid_allowed,
			opts->setuid_allowed_count) < 0 ||
		     allow_init(&st->writable, &st->path, opts->writable_allowed,
			opts->writable_allowed_count) < 0))
		goto oom;
	*state = st;
	st = NULL;
	goto done;
oom:
	error = og_error_oom(ctx);
done:
	fm_free(st);
	return error;
}

/*
 * A copy of s fit for a one-line message (control bytes become '?'), or s
 * itself when it is clean. *owned gets the copy to free.
 */
static const char *printable(const char *s, char **owned)
{
	const unsigned char *p;
	char *c;
	size_t i;

	*owned = NULL;
	if (!s)
		return "";
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			break;
	if (!*p)
		return s;
	if (!(c = og__strdup(s)))
		return NULL;
	for (i = 0; c[i]; i++)
		if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
			c[i] = '?';
	*owned = c;
	return c;
}

/* "root (uid 0)" or "uid 1000" into buf. */
static int owner_text(char *buf, size_t cap, const char *uname, int64_t uid)
{
	char *owned = NULL;
	const char *n = printable(uname, &owned);
	int error = 0;

	if (!n) {
		error = OG_ENOMEM;
		goto done;
	}
	if (uname && uname[0])
		snprintf(buf, cap, "%s (uid %" PRId64 ")", n, uid);
	else
		snprintf(buf, cap, "uid %" PRId64, uid);
done:
	free(owned);
	return error;
}

/* "(gid 42 shadow)" or "(gid 42)" into buf. */
static int group_text(char *buf, size_t cap, const char *gname, int64_t gid)
{
	char *owned = NULL;
	const char *n = printable(gname, &owned);

	if (!n)
		return OG_ENOMEM;
	if (gname && gname[0])
		snprintf(buf, cap, "(gid %" PRId64 " %s)", gid, n);
	else
		snprintf(buf, cap, "(gid %" PRId64 ")", gid);
	free(owned);
	return 0;
}

static int check_setuid(fm_state *st, const og_entry *e, const char *shown,
	const char *owner, og_findings *out)
{
	unsigned int mode = e->mode & 07777;
	char group[192], what[512];

	if (!(mode & 06000) || allowed(&st->setuid, st->abs))
		return 0;
	if (group_text(group, sizeof(group), e->gname, e->gid) < 0)
		return OG_ENOMEM;
	if ((mode & 04000) && (mode & 02000))
		snprintf(what, sizeof(what), "setuid %s and setgid %s", owner, group);
	else if (mode & 04000)
		snprintf(what, sizeof(what), "setuid %s", owner);
	else
		snprintf(what, sizeof(what), "setgid %s, owner %s", group, owner);
	return og_findings_add(out, "file.setuid", st->abs,
		"layer %zu: %s is %s, mode 0%o", st->layer, shown, what, mode);
}

static int fm_entry(void *state, const og_entry *e, og_findings *out)
{
	fm_state *st = state;
	unsigned int mode = e->mode & 07777;
	const char *base, *shown;
	char *owned = NULL, *abs = NULL;
	char owner[192];
	int error = 0;

	if (!e->path)
		goto done;
	switch (e->type) {
	case OG_ENTRY_FILE:
	case OG_ENTRY_DIR:
	case OG_ENTRY_CHAR:
	case OG_ENTRY_BLOCK:
		break;
	default:
		goto done; /* symlinks, hardlinks, fifos: nothing to say */
	}
	if (!(abs = normalise_abs(&st->path, e->path)))
		goto oom;
	free(st->abs);
	st->abs = abs;
	base = strrchr(abs, '/') + 1;
	if (strncmp(base, ".wh.", 4) == 0)
		goto done;
	if (!(shown = printable(abs, &owned)) ||
	    owner_text(owner, sizeof(owner), e->uname, e->uid) < 0)
		goto oom;

	switch (e->type) {
	case OG_ENTRY_FILE:
		if ((error = check_setuid(st, e, shown, owner, out)) < 0)
			goto oom;
		if ((mode & 0002) && !allowed(&st->writable, abs) &&
		    og_findings_add(out, "file.world_writable", abs,
			"layer %zu: %s is world-writable, mode 0%o, owner %s",
			st->layer, shown, mode, owner) < 0)
			goto oom;
		break;
	case OG_ENTRY_DIR:
		if ((mode & 0002) && !(mode & 01000) && !allowed(&st->writable, abs) &&
		    og_findings_add(out, "file.world_writable", abs,
			"layer %zu: directory %s is world-writable without the sticky bit, mode 0%o, owner %s",
			st->layer, shown, mode, owner) < 0)
			goto oom;
		break;
	default:
		if (og_findings_add(out, "file.device", abs,
			"layer %zu: %s is a %s device, mode 0%o, owner %s",
			st->layer, shown,
			e->type == OG_ENTRY_CHAR ? "character" : "block",
			mode, owner) < 0)
			goto oom;
		break;
	}
	goto done;
oom:
	error = og_error_oom(st->ctx);
done:
	free(owned);
	return error;
}

static int fm_end(void *state, og_findings *out)
{
	fm_state *st = state;

	(void)out;
	og_pathbuf_dispose(&st->path);
	free(st->abs);
	st->abs = NULL;
	return 0;
}

const og_visitor_class og_scan_filemode = {
	"filemode", fm_begin, fm_entry, fm_end, fm_free, NULL, NULL
};
