#include <stdlib.h>
#include <string.h>
#include "ocigate/ocigate.h"
#include "efficiency.h"

/* One wasted copy (the path is borrowed from its layer). */
typedef struct wcopy {
	const char *path;
	uint64_t bytes;
	size_t layer;
} wcopy;

typedef struct acc {
	wcopy *items;
	size_t count, cap, layer;
	uint64_t total, wasted;
} acc;

static int on_file(const char *path, uint64_t size, int survives, void *payload)
{
	acc *a = payload;

	a->total += size;
	if (survives || size == 0)
		return 0;
	a->wasted += size;
	if (a->count == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		wcopy *grown = realloc(a->items, cap * sizeof(*grown));

		if (!grown)
			return OG_ENOMEM;
		a->items = grown;
		a->cap = cap;
	}
	a->items[a->count].path = path;
	a->items[a->count].bytes = size;
	a->items[a->count].layer = a->layer;
	a->count++;
	return 0;
}

static int cmp_path(const void *x, const void *y)
{
	const wcopy *a = x, *b = y;
	int c = strcmp(a->path, b->path);

	if (c)
		return c;
	return a->layer < b->layer ? -1 : a->layer > b->layer;
}

static int cmp_bytes(const void *x, const void *y)
{
	const wcopy *a = x, *b = y;

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return strcmp(a->path, b->path);
}

void og_efficiency_dispose(og_efficiency *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->top_count; i++)
		free(e->top[i].path);
	free(e->top);
	memset(e, 0, sizeof(*e));
}

int og_efficiency_compute(og_efficiency *out, og_fs_layer *const *layers, size_t count,
	size_t top_n)
{
	og_fsview *fs = NULL;
	acc a;
	size_t i, n = 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	out->score = 1.0;
	if ((error = og_fsview_build(&fs, layers, count)) < 0)
		goto done;
	for (i = 0; i < count; i++) {
		a.layer = i;
		if ((error = og_fsview_each_file(fs, layers[i], on_file, &a)) < 0)
			goto done;
	}
	out->total_bytes = a.total;
	out->wasted_bytes = a.wasted;
	if (a.total)
		out->score = 1.0 - (double)a.wasted / (double)a.total;
	if (!a.count || !top_n)
		goto done;
	/* sum the copies of each path (the lowest layer first) */
	qsort(a.items, a.count, sizeof(*a.items), cmp_path);
	for (i = 0; i < a.count; i++) {
		if (n && strcmp(a.items[n - 1].path, a.items[i].path) == 0)
			a.items[n - 1].bytes += a.items[i].bytes;
		else
			a.items[n++] = a.items[i];
	}
	qsort(a.items, n, sizeof(*a.items), cmp_bytes);
	if (n > top_n)
		n = top_n;
	if ((out->top = calloc(n, sizeof(*out->top))) == NULL) {
		error = OG_ENOMEM;
		goto done;
	}
	for (i = 0; i < n; i++) {
		og_waste *w = &out->top[i];

		if ((w->path = strdup(a.items[i].path)) == NULL) {
			error = OG_ENOMEM;
			goto done;
		}
		out->top_count++;
		w->bytes = a.items[i].bytes;
		w->layer = a.items[i].layer;
		if ((error = og_fsview_hidden_by(&w->by, layers, count, w->layer, w->path)) < 0)
			goto done;
		if (w->by == SIZE_MAX)
			w->by = w->layer; /* written again by the same layer */
	}
done:
	og_fsview_free(fs);
	free(a.items);
	return error;
}
