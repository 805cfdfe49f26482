/* Version ordering: dpkg (cross-checked with the dpkg binary) and apk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helpers.h"
#include "scan/version.h"

static int sgn(int v)
{
	return (v > 0) - (v < 0);
}

typedef struct pair {
	const char *a, *b;
	int want; /* sign of cmp(a, b) */
} pair;

static void check_pairs(const pair *p, size_t n, int (*cmp)(const char *, const char *))
{
	size_t i;

	for (i = 0; i < n; i++) {
		int got = sgn(cmp(p[i].a, p[i].b));
		int rev = sgn(cmp(p[i].b, p[i].a));

		if (got != p[i].want || rev != -p[i].want)
			fail_msg("cmp(%s, %s) = %d (reverse %d), want %d", p[i].a, p[i].b,
				got, rev, p[i].want);
		assert_int_equal(cmp(p[i].a, p[i].a), 0);
	}
}

static void test_scan_version__dpkg_tricky(void **state)
{
	static const pair p[] = {
		{ "1.0~rc1", "1.0", -1 },
		{ "1.0~~", "1.0~", -1 },
		{ "1.0~", "1.0", -1 },
		{ "1.0~rc1", "1.0~rc2", -1 },
		{ "1.0", "1.0+b1", -1 },
		{ "1.0", "1.0a", -1 },
		{ "1.0a", "1.0+", -1 },       /* letters before other characters */
		{ "1.0.", "1.0a", 1 },
		{ "1:0.1", "2.0", 1 },        /* epoch wins */
		{ "0:1.0", "1.0", 0 },
		{ "10:1", "9:2", 1 },
		{ "1.0", "1.0-0", 0 },        /* no revision == revision "0" */
		{ "1.00", "1.0", 0 },
		{ "1.0-1", "1.0-2", -1 },
		{ "1.0-9", "1.0-10", -1 },
		{ "1.2.3-1-1", "1.2.3-1-2", -1 }, /* revision after the LAST '-' */
		{ "1.2.3-1-1", "1.2.3-2", 1 },
		{ "1.123456789012345678901234567890", "1.123456789012345678901234567889", 1 },
		{ "99999999999999999999999", "100000000000000000000000", -1 },
		{ "2.36-9+deb12u3", "2.36-9+deb12u2", 1 },
		{ "2.36-9", "2.36-9+deb12u3", -1 },
		{ "3.0.11-1~deb12u2", "3.0.11-1~deb12u1", 1 },
		{ "3.0.11-1~deb12u2", "3.0.11-1", -1 },
		{ "1.0.2u-1~deb9u7", "1.0.2u-1~deb9u6", 1 },
		{ "1.0.2u-1~deb9u7", "1.0.2t-1~deb9u7", 1 },
		{ "7.6.q-31", "7.6.q-31ubuntu1", -1 },
		{ "1.2", "1.10", -1 },
		{ "a", "1", 1 },             /* not valid, still ordered */
	};

	(void)state;
	check_pairs(p, sizeof(p) / sizeof(p[0]), og_version_cmp_dpkg);
}

static void test_scan_version__dpkg_valid(void **state)
{
	(void)state;
	assert_true(og_version_valid_dpkg("1.0"));
	assert_true(og_version_valid_dpkg("1:2.36-9+deb12u3"));
	assert_true(og_version_valid_dpkg("1:1.2:3-4-5"));
	assert_true(og_version_valid_dpkg("3.0.11-1~deb12u2"));
	assert_true(og_version_valid_dpkg("2147483647:1"));
	assert_false(og_version_valid_dpkg(""));
	assert_false(og_version_valid_dpkg(NULL));
	assert_false(og_version_valid_dpkg(":1.0"));
	assert_false(og_version_valid_dpkg("a:1.0"));
	assert_false(og_version_valid_dpkg("2147483648:1"));
	assert_false(og_version_valid_dpkg("1:"));
	assert_false(og_version_valid_dpkg("1.0-"));
	assert_false(og_version_valid_dpkg("1.0 1"));
	assert_false(og_version_valid_dpkg("abc"));
	assert_false(og_version_valid_dpkg("1.0_1"));
	assert_false(og_version_valid_dpkg("1.0-a:b"));
}

/* A small deterministic PRNG (xorshift64*), so the pairs are the same every run. */
static unsigned rnd(unsigned long long *s, unsigned n)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (unsigned)(((*s * 2685821657736338717ULL) >> 33) % n);
}

static void gen_run(unsigned long long *s, char *out, size_t *len, size_t cap,
	const char *alphabet)
{
	unsigned k = rnd(s, 4) + 1, i;

	for (i = 0; i < k && *len + 30 < cap; i++) {
		if (rnd(s, 2)) {
			unsigned d = rnd(s, 10) == 0 ? 22 : rnd(s, 3) + 1, j;

			for (j = 0; j < d; j++)
				out[(*len)++] = (char)('0' + (j == 0 && rnd(s, 3) == 0 ? 0 : rnd(s, 10)));
		} else {
			out[(*len)++] = alphabet[rnd(s, (unsigned)strlen(alphabet))];
		}
	}
	out[*len] = '\0';
}

static void gen_version(unsigned long long *s, char *out, size_t cap)
{
	size_t len = 0;
	int epoch = rnd(s, 4) == 0, rev = (int)rnd(s, 2);

	if (epoch)
		len += (size_t)snprintf(out, cap, "%u:", rnd(s, 3) ? rnd(s, 3) : rnd(s, 40));
	out[len++] = (char)('0' + rnd(s, 10));
	gen_run(s, out, &len, cap / 2, rev ? (epoch ? ".+~ab:-Z" : ".+~abZ-") :
		(epoch ? ".+~abz:" : ".+~abz"));
	if (rev) {
		out[len++] = '-';
		out[len++] = (char)(rnd(s, 3) ? '0' + rnd(s, 10) : 'a' + rnd(s, 3));
		gen_run(s, out, &len, cap, ".+~deb");
	}
	out[len] = '\0';
}

/* b: usually a small edit of a, so that many pairs are close or equal. */
static void mutate(unsigned long long *s, const char *a, char *b, size_t cap)
{
	static const char *const tails[] = { "~", "~rc1", "+b1", "0", "a", ".1", "-1" };
	size_t n = strlen(a);

	switch (rnd(s, 6)) {
	case 0:
		snprintf(b, cap, "%s", a);
		break;
	case 1:
		snprintf(b, cap, "%s%s", a, tails[rnd(s, 7)]);
		break;
	case 2:
		snprintf(b, cap, "%s", a);
		if (n > 1) {
			size_t i = 1 + rnd(s, (unsigned)(n - 1));

			if (b[i] >= '0' && b[i] <= '9')
				b[i] = (char)('0' + rnd(s, 10));
		}
		break;
	case 3:
		snprintf(b, cap, "0:%s", a);
		break;
	default:
		gen_version(s, b, cap);
		break;
	}
	if (!og_version_valid_dpkg(b))
		snprintf(b, cap, "%s", a);
}

#define NPAIRS 2000

static void test_scan_version__dpkg_vs_binary(void **state)
{
	unsigned long long seed = 0x9e3779b97f4a7c15ULL;
	char *dir = og_test_tmpdir();
	char path[4200], cmd[8600], line[64];
	static char a[NPAIRS][128], b[NPAIRS][128];
	FILE *f;
	size_t i, bad = 0;

	(void)state;
	if (system("command -v dpkg >/dev/null 2>&1") != 0) {
		og_test_tmpdir_done(dir, 0);
		skip();
	}
	snprintf(path, sizeof(path), "%s/pairs", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < NPAIRS; i++) {
		gen_version(&seed, a[i], sizeof(a[i]));
		if (!og_version_valid_dpkg(a[i]))
			fail_msg("generated an invalid version: %s", a[i]);
		mutate(&seed, a[i], b[i], sizeof(b[i]));
		fprintf(f, "%s %s\n", a[i], b[i]);
	}
	assert_int_equal(fclose(f), 0);
	/* One shell, one dpkg (or two) per pair; prints -1, 0 or 1 per line. */
	snprintf(cmd, sizeof(cmd), "while read -r a b; do "
		"if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; "
		"elif dpkg --compare-versions \"$a\" eq \"$b\"; then echo 0; "
		"else echo 1; fi; done < '%s'", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	for (i = 0; i < NPAIRS; i++) {
		int want, got;

		if (!fgets(line, sizeof(line), f))
			break;
		want = (int)strtol(line, NULL, 10);
		got = sgn(og_version_cmp_dpkg(a[i], b[i]));
		if (got != want && bad++ < 10)
			fprintf(stderr, "dpkg says %s %s %s, ours %d\n", a[i],
				want < 0 ? "<" : want ? ">" : "==", b[i], got);
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(i, NPAIRS);
	assert_int_equal(bad, 0);
	og_test_tmpdir_done(dir, 0);
}

static void test_scan_version__apk_table(void **state)
{
	static const pair p[] = {
		{ "1.0", "1.1", -1 },
		{ "1.9", "1.10", -1 },
		{ "1.0", "1.0.1", -1 },
		{ "1.2.3", "1.2.4", -1 },
		{ "1.2.3", "1.3", -1 },
		{ "2.0", "10.0", -1 },
		{ "1.0.0", "1.0.0.1", -1 },
		{ "20230101", "20231231", -1 },
		{ "123456789012345678901", "123456789012345678902", -1 },
		{ "1.0_alpha", "1.0_beta", -1 },
		{ "1.0_beta", "1.0_pre", -1 },
		{ "1.0_pre", "1.0_rc", -1 },
		{ "1.0_rc", "1.0", -1 },
		{ "1.0_alpha", "1.0", -1 },
		{ "1.0_pre1", "1.0", -1 },
		{ "1.0_beta2", "1.0_rc1", -1 },
		{ "1.0_rc1", "1.0_rc2", -1 },
		{ "1.0_rc9", "1.0_rc10", -1 },
		{ "1.0_rc", "1.0_rc1", -1 },
		{ "0.9.9", "1.0_alpha1", -1 },
		{ "1.0", "1.0_p1", -1 },
		{ "1.0_p1", "1.0_p2", -1 },
		{ "1.0_cvs", "1.0_svn", -1 },
		{ "1.0_svn", "1.0_git", -1 },
		{ "1.0_git", "1.0_hg", -1 },
		{ "1.0_hg", "1.0_p", -1 },
		{ "1.0_git20230101", "1.0_git20230102", -1 },
		{ "1.0", "1.0a", -1 },
		{ "1.0a", "1.0b", -1 },
		{ "1.0z", "1.1", -1 },
		{ "1.0-r0", "1.0-r1", -1 },
		{ "1.0-r9", "1.0-r10", -1 },
		{ "1.0-r5", "1.0.1-r0", -1 },
		{ "1.0", "1.0-r1", -1 },
		{ "1.0_rc1-r5", "1.0-r0", -1 },
		{ "1.0_rc1", "1.0_rc1-r1", -1 },
		{ "3.0.7-r0", "3.0.7-r2", -1 },
		{ "3.0.7-r2", "3.0.8-r0", -1 },
		{ "3.0.7-r2", "3.1.0-r0", -1 },
		{ "1.1.1k-r0", "1.1.1l-r0", -1 },
		{ "1.1.1w-r1", "3.0.0-r0", -1 },
		{ "1.2.4_git20230717-r4", "1.2.4_git20230717-r5", -1 },
		{ "4.12.1-r0", "4.12.1-r1", -1 },
		{ "4.12.1-r1", "4.12.2-r0", -1 },
		{ "1.36.1-r5", "1.36.1-r15", -1 },
		{ "8.5.0-r0", "8.10.0-r0", -1 },
		{ "1.0", "1.0", 0 },
		{ "1.0-r0", "1.0-r0", 0 },
		{ "1.0_rc1", "1.0_rc01", 0 },
		{ "01.0", "1.0", 0 },
		{ "2.0_p20230101-r1", "2.0_p20230101-r1", 0 },
	};

	(void)state;
	check_pairs(p, sizeof(p) / sizeof(p[0]), og_version_cmp_apk);
}

static void test_scan_version__apk_malformed(void **state)
{
	(void)state;
	/* Malformed tails are ordered, deterministically and antisymmetrically. */
	assert_int_equal(og_version_cmp_apk("", ""), 0);
	assert_true(og_version_cmp_apk("1.0_foo", "1.0_bar") > 0);
	assert_true(og_version_cmp_apk("1.0_bar", "1.0_foo") < 0);
	assert_int_equal(og_version_cmp_apk("1.0_foo", "1.0_foo"), 0);
	assert_true(og_version_cmp_apk("1.0", "x") != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_version__dpkg_tricky),
		cmocka_unit_test(test_scan_version__dpkg_valid),
		cmocka_unit_test(test_scan_version__dpkg_vs_binary),
		cmocka_unit_test(test_scan_version__apk_table),
		cmocka_unit_test(test_scan_version__apk_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
