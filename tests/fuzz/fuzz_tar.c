/*
 * Fuzz target: a layer's bytes through the decoder (sniffed gzip, zstd or
 * none) and the tar walk, with the path-safety and final-filesystem
 * visitors' view of the entries: what og_layer_run does, minus hashing.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "oci/decode.h"
#include "oci/io.h"
#include "oci/tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct walk {
	uint64_t bytes;
	size_t paths;
} walk;

static int on_entry(const og_entry *e, void *payload)
{
	walk *w = payload;

	w->paths += strlen(e->path) + (e->link ? strlen(e->link) : 0);
	return e->type == OG_ENTRY_FILE ? 1 : 0;
}

static int on_data(const void *buf, size_t len, void *payload)
{
	walk *w = payload;

	(void)buf;
	w->bytes += len;
	/* Stop a small input that inflates without end. */
	return w->bytes > ((uint64_t)64 << 20) ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const og_limits limits = OG_LIMITS_DEFAULT;
	og_ctx ctx;
	og_reader *mem = NULL, *dec = NULL;
	uint64_t entries = 0;
	walk w = { 0, 0 };

	memset(&ctx, 0, sizeof(ctx));
	ctx.limits = limits;
	ctx.limits.max_entries = 10000;
	if (og_reader_new_mem(&mem, data, size) < 0)
		return 0;
	if (og_decoder_new(&dec, &ctx, mem, "fuzz") == 0) {
		(void)og_tar_walk_data(&entries, &ctx, dec, on_entry, on_data, &w, "fuzz");
		og_reader_close(dec);
	}
	og_reader_close(mem);
	return 0;
}
