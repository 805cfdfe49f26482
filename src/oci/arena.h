/*
 * An arena: many small allocations that live and die together (paths of a
 * tar index, the records and nodes of a filesystem view), carved out of
 * large chunks and freed all at once. Not thread-safe.
 */
#ifndef OG_OCI_ARENA_H
#define OG_OCI_ARENA_H

#include <stddef.h>

typedef struct og_arena_chunk og_arena_chunk;

typedef struct og_arena {
	og_arena_chunk *head;   /* the chunk being carved; older ones follow */
	size_t chunk_size;      /* 0: the default (64 KiB) */
} og_arena;

/* An empty arena is all zeros: { NULL, 0 } (or set chunk_size). */

/* n bytes aligned for any object; NULL when out of memory. */
void *og_arena_alloc(og_arena *a, size_t n);
/* s[0..n) and a NUL, unaligned (packed); NULL when out of memory. */
char *og_arena_strndup(og_arena *a, const char *s, size_t n);
/* Free every allocation; the arena is empty again. */
void og_arena_dispose(og_arena *a);

#endif
