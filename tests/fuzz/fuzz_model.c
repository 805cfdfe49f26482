/*
 * Fuzz target: the image-spec documents (index, manifest, config,
 * oci-layout) as they come out of a blob. The first byte picks the parser.
 */
#include <stddef.h>
#include <stdint.h>
#include "oci/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	og_findings f;
	og_where w;
	json_t *j;
	unsigned int kind;

	if (size < 1)
		return 0;
	kind = data[0] % 4;
	og_findings_init(&f);
	w.findings = &f;
	w.doc = "fuzz";
	j = og_json_parse(&w, data + 1, size - 1, "manifest.schema");
	if (j) {
		if (kind == 0) {
			og_index ix;

			if (og_index_parse(&ix, &w, j) == 0)
				og_index_dispose(&ix);
		} else if (kind == 1) {
			og_manifest m;

			if (og_manifest_parse(&m, &w, j) == 0)
				og_manifest_dispose(&m);
		} else if (kind == 2) {
			og_config c;

			if (og_config_parse(&c, &w, j) == 0)
				og_config_dispose(&c);
		} else {
			(void)og_layout_check(&w, j);
		}
		(void)og_json_sniff_kind(j);
		json_decref(j);
	}
	og_findings_dispose(&f);
	return 0;
}
