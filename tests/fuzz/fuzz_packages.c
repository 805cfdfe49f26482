/*
 * Fuzz target: the package databases and os-release as a layer ships them.
 * The first byte picks the file (dpkg status, a status.d file, apk's
 * installed, os-release); the rest is its content, fed to the final
 * filesystem visitor in uneven blocks, then read as an inventory.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "scan/fsview.h"
#include "scan/packages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
	"var/lib/dpkg/status", "var/lib/dpkg/status.d/base", "lib/apk/db/installed",
	"etc/os-release",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	og_layer_info info = { 0, "sha256:fuzz" };
	og_fs_layer *layer = NULL;
	og_fsview *fs = NULL;
	og_inventory inv;
	og_findings f;
	og_entry e;
	og_ctx ctx;
	void *state = NULL;
	size_t off, blk;
	int rc;

	if (size < 1)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	og_findings_init(&f);
	if (og_scan_fsview.begin(&state, &ctx, &info, NULL) < 0)
		return 0;
	memset(&e, 0, sizeof(e));
	e.path = paths[data[0] % 4];
	e.type = OG_ENTRY_FILE;
	e.mode = 0644;
	e.size = size - 1;
	rc = og_scan_fsview.entry(state, &e, &f);
	if (rc == OG_VISIT_DATA) {
		for (off = 1; off < size; off += blk) {
			blk = (size - off) < (size_t)(data[0] | 1) ? size - off : (size_t)(data[0] | 1);
			if (og_scan_fsview.data(state, data + off, blk, &f) < 0)
				break;
		}
	}
	if (og_scan_fsview.end(state, &f) == 0 && og_fsview_take(&layer, state) == 0 &&
	    og_fsview_build(&fs, &layer, 1) == 0) {
		char eco[64];

		if (og_inventory_read(&inv, &ctx, fs, &layer, 1, &f) == 0) {
			(void)og_inventory_ecosystem(&inv, eco, sizeof(eco));
			og_inventory_dispose(&inv);
		}
	}
	og_fsview_free(fs);
	og_fs_layer_free(layer);
	og_scan_fsview.free(state);
	og_findings_dispose(&f);
	return 0;
}
