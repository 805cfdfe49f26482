/*
 * Lexical path normalization from the image root, shared by the scanners:
 * "./" and "/" prefixes, repeated slashes, "." and trailing slashes vanish,
 * ".." removes the previous component (and is noted when it would climb
 * above the root).
 */
#ifndef OG_SCAN_PATHBUF_H
#define OG_SCAN_PATHBUF_H

#include <stddef.h>

typedef struct og_pathbuf {
	char *s;       /* NUL-terminated, normalized, no leading '/' */
	size_t len, cap;
} og_pathbuf;

/* Room for need bytes. 0 or OG_ENOMEM. */
int og_pathbuf_reserve(og_pathbuf *pb, size_t need);
/* Set the buffer to s[0..len) as is. 0 or OG_ENOMEM. */
int og_pathbuf_set(og_pathbuf *pb, const char *s, size_t len);
/*
 * Walk path p from the normalized directory in pb (a leading "/" does not
 * reset it: start from "" for paths from the root). *above is set when a
 * ".." goes above the root; the walk then goes on from the root.
 */
int og_pathbuf_apply(og_pathbuf *pb, const char *p, int *above);
void og_pathbuf_dispose(og_pathbuf *pb);

#endif
