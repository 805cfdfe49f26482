/*
 * Fuzz target: dpkg and apk version ordering. Two versions split at the
 * first newline; the orderings must be antisymmetric and reflexive.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "scan/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	char *a, *b;
	size_t alen;

	if (!nl || memchr(data, '\0', size))
		return 0;
	alen = (size_t)(nl - data);
	a = malloc(alen + 1);
	b = malloc(size - alen);
	if (a && b) {
		memcpy(a, data, alen);
		a[alen] = '\0';
		memcpy(b, nl + 1, size - alen - 1);
		b[size - alen - 1] = '\0';
		(void)og_version_valid_dpkg(a);
		if (og_version_cmp_dpkg(a, a) != 0 ||
		    sign(og_version_cmp_dpkg(a, b)) != -sign(og_version_cmp_dpkg(b, a)))
			abort();
		if (og_version_cmp_apk(a, a) != 0 ||
		    sign(og_version_cmp_apk(a, b)) != -sign(og_version_cmp_apk(b, a)))
			abort();
	}
	free(a);
	free(b);
	return 0;
}
