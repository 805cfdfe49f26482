#include <stdlib.h>
#include <string.h>
#include "ocigate/ocigate.h"
#include "pathbuf.h"

int og_pathbuf_reserve(og_pathbuf *pb, size_t need)
{
	char *s;
	size_t cap;

	if (need <= pb->cap)
		return 0;
	cap = pb->cap ? pb->cap : 256;
	while (cap < need)
		cap *= 2;
	s = realloc(pb->s, cap);
	if (!s)
		return OG_ENOMEM;
	pb->s = s;
	pb->cap = cap;
	return 0;
}

int og_pathbuf_set(og_pathbuf *pb, const char *s, size_t len)
{
	if (og_pathbuf_reserve(pb, len + 1) < 0)
		return OG_ENOMEM;
	memcpy(pb->s, s, len);
	pb->len = len;
	pb->s[len] = '\0';
	return 0;
}

int og_pathbuf_apply(og_pathbuf *pb, const char *p, int *above)
{
	size_t plen = strlen(p), i = 0, j, n;

	if (og_pathbuf_reserve(pb, pb->len + plen + 2) < 0)
		return OG_ENOMEM;
	while (i < plen) {
		while (i < plen && p[i] == '/')
			i++;
		for (j = i; j < plen && p[j] != '/'; j++)
			;
		n = j - i;
		if (n == 0)
			break;
		if (n == 2 && p[i] == '.' && p[i + 1] == '.') {
			if (pb->len == 0)
				*above = 1;
			while (pb->len > 0 && pb->s[pb->len - 1] != '/')
				pb->len--;
			if (pb->len > 0)
				pb->len--;
		} else if (!(n == 1 && p[i] == '.')) {
			if (pb->len)
				pb->s[pb->len++] = '/';
			memcpy(pb->s + pb->len, p + i, n);
			pb->len += n;
		}
		i = j;
	}
	pb->s[pb->len] = '\0';
	return 0;
}

void og_pathbuf_dispose(og_pathbuf *pb)
{
	free(pb->s);
	pb->s = NULL;
	pb->len = pb->cap = 0;
}
