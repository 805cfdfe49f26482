/*
 * Fuzz target: what a registry or a user sends the client as text. The
 * first byte picks the parser: image references, WWW-Authenticate
 * challenges, Retry-After values, error responses, base64.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "oci/auth.h"
#include "oci/registry.h"
#include "oci/registry_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	og_ctx ctx;
	char *text;
	unsigned int kind;

	if (size < 1)
		return 0;
	kind = data[0] % 5;
	/* NUL-terminated copy: these parsers take C strings. */
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(&ctx, 0, sizeof(ctx));
	if (kind == 0) {
		og_image_ref ref;

		(void)og_image_ref_is_registry(text);
		if (og_image_ref_parse(&ref, &ctx, text) == 0)
			og_image_ref_dispose(&ref);
	} else if (kind == 1) {
		og_challenge ch;

		if (og_challenge_parse(&ch, &ctx, text) == 0)
			og_challenge_dispose(&ch);
	} else if (kind == 2) {
		uint64_t ms;

		(void)og_registry__retry_after(&ms, text, (time_t)1764547200);
		(void)og_registry__is_loopback(text);
	} else if (kind == 3) {
		const char *id = NULL;
		char msg[256];

		(void)og_registry__map_status(&id, msg, sizeof(msg), 400 + (long)(data[0] % 200),
			(const char *)data + 1, size - 1);
	} else {
		unsigned char *out = NULL;
		size_t len = 0;
		char *back;

		if (og_base64_decode(&out, &len, text) == 0) {
			/* what decodes encodes back to something that decodes the same */
			if ((back = og_base64_encode(out, len)) != NULL) {
				unsigned char *again = NULL;
				size_t again_len = 0;

				if (og_base64_decode(&again, &again_len, back) != 0 ||
				    again_len != len || memcmp(again, out, len) != 0)
					abort();
				free(again);
				free(back);
			}
			free(out);
		}
	}
	free(text);
	return 0;
}
