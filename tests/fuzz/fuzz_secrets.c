/*
 * Fuzz target: the secrets scanner's state machine, on one file fed in
 * blocks of the size the first byte gives, and on the same bytes as text.
 * A hit's fields must never hold more than the redacted prefix.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "scan/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	og_layer_info info = { 0, "sha256:fuzz" };
	og_secret_hits hits;
	og_findings f;
	og_entry e;
	og_ctx ctx;
	void *state = NULL;
	size_t off, blk, step, i;
	int rc;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	memset(&ctx, 0, sizeof(ctx));
	memset(&hits, 0, sizeof(hits));
	og_findings_init(&f);
	if (og_scan_secrets.begin(&state, &ctx, &info, NULL) < 0)
		return 0;
	memset(&e, 0, sizeof(e));
	e.path = "app/config";
	e.type = OG_ENTRY_FILE;
	e.mode = 0644;
	e.size = size - 1;
	rc = og_scan_secrets.entry(state, &e, &f);
	if (rc == OG_VISIT_DATA) {
		for (off = 1; off < size; off += blk) {
			blk = size - off < step ? size - off : step;
			if (og_scan_secrets.data(state, data + off, blk, &f) < 0)
				break;
		}
	}
	if (og_scan_secrets.end(state, &f) == 0)
		(void)og_secrets_take(&hits, state);
	og_scan_secrets.free(state);
	(void)og_secrets_scan_text(&hits, (const char *)data + 1, size - 1, "config Env");
	for (i = 0; i < hits.count; i++)
		(void)og_secret_finding(&f, &hits.items[i], 0, "sha256:fuzz", SIZE_MAX);
	og_secret_hits_dispose(&hits);
	og_findings_dispose(&f);
	return 0;
}
