/* Fuzz target: the policy document parser (what --policy reads). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "validate/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const og_limits limits = OG_LIMITS_DEFAULT;
	og_policy *p = NULL;
	og_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.limits = limits;
	if (og_policy_parse(&p, &ctx, (const char *)data, size, "fuzz.json") == 0)
		og_policy_free(p);
	return 0;
}
