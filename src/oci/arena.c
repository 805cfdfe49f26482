/* The arena: a list of chunks, the newest first, each carved from its start. */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"

#define ARENA_CHUNK ((size_t)64 * 1024)
#define ARENA_ALIGN alignof(max_align_t)

struct og_arena_chunk {
	og_arena_chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

/* n bytes at an offset that is a multiple of align (a power of two). */
static void *carve(og_arena *a, size_t n, size_t align)
{
	og_arena_chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0, size;

	if (!c || at > c->size || c->size - at < n) {
		size = a->chunk_size ? a->chunk_size : ARENA_CHUNK;
		if (n > size)
			size = n;
		if (size > SIZE_MAX - sizeof(*c) || (c = malloc(sizeof(*c) + size)) == NULL)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
		at = 0;
	}
	c->used = at + n;
	return c->data + at;
}

void *og_arena_alloc(og_arena *a, size_t n)
{
	return carve(a, n ? n : 1, ARENA_ALIGN);
}

char *og_arena_strndup(og_arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || (p = carve(a, n + 1, 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void og_arena_dispose(og_arena *a)
{
	og_arena_chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}
