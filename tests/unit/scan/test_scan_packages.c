#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "scan/packages.h"

typedef struct layer_b {
	void *state;
	og_findings f;
} layer_b;

static void lb_begin(layer_b *b)
{
	og_layer_info info = { 0, "sha256:x" };

	og_findings_init(&b->f);
	assert_int_equal(og_scan_fsview.begin(&b->state, NULL, &info, NULL), 0);
}

static void lb_add_n(layer_b *b, const char *path, og_entry_type_t type, const char *link,
	const char *data, size_t len)
{
	og_entry e;
	size_t off, blk;
	int rc;

	memset(&e, 0, sizeof(e));
	e.path = path;
	e.type = type;
	e.link = link;
	e.size = len;
	rc = og_scan_fsview.entry(b->state, &e, &b->f);
	assert_true(rc >= 0);
	if (rc == OG_VISIT_DATA) {
		assert_non_null(data);
		/* in blocks, as the tar walk hands them */
		for (off = 0; off < len; off += blk) {
			blk = len - off < 4096 ? len - off : 4096;
			assert_int_equal(og_scan_fsview.data(b->state, data + off, blk, &b->f), 0);
		}
	}
}

static void lb_add(layer_b *b, const char *path, og_entry_type_t type, const char *link,
	const char *data)
{
	lb_add_n(b, path, type, link, data, data ? strlen(data) : 0);
}

static og_fs_layer *lb_take(layer_b *b)
{
	og_fs_layer *l = NULL;

	assert_int_equal(og_scan_fsview.end(b->state, &b->f), 0);
	assert_int_equal(og_fsview_take(&l, b->state), 0);
	og_scan_fsview.free(b->state);
	assert_int_equal(b->f.count, 0);
	og_findings_dispose(&b->f);
	return l;
}

/* Build the fs of the layers, read the inventory. */
static void read_inv(og_inventory *inv, og_findings *f, og_fs_layer **l, size_t n)
{
	og_fsview *fs = NULL;
	og_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	og_findings_init(f);
	assert_int_equal(og_fsview_build(&fs, l, n), 0);
	assert_int_equal(og_inventory_read(inv, &ctx, fs, l, n, f), 0);
	og_fsview_free(fs);
}

static const og_package *find(const og_inventory *inv, const char *name)
{
	size_t i;

	for (i = 0; i < inv->count; i++)
		if (strcmp(inv->items[i].name, name) == 0)
			return &inv->items[i];
	return NULL;
}

static const char dpkg_status[] =
	"Package: zlib1g\n"
	"Status: install ok installed\n"
	"Priority: optional\n"
	"Architecture: amd64\n"
	"Multi-Arch: same\n"
	"Source: zlib (1:1.2.13.dfsg-1)\n"
	"Version: 1:1.2.13.dfsg-1+b1\n"
	"Description: compression library - runtime\n"
	" zlib is a library implementing the deflate compression method found\n"
	" in gzip and PKZIP.\n"
	" .\n"
	" This package includes the shared library.\n"
	"\n"
	"Package: base-files\n"
	"Essential: yes\n"
	"Status: install ok installed\n"
	"Architecture: amd64\n"
	"Version: 12.4+deb12u5\n"
	"Conffiles:\n"
	" /etc/debian_version 4e2a5b8ba2a8a7a6d9f6a1c2b0c3e1f0\n"
	" /etc/issue 1a2b3c\n"
	"\n"
	"\n"
	"Package: old-tool\n"
	"Status: deinstall ok config-files\n"
	"Architecture: amd64\n"
	"Version: 1.0-1\n"
	"\n"
	"Package: libssl3\n"
	"Status: hold ok installed\n"
	"Architecture: amd64\n"
	"Source: openssl\n"
	"Version: 3.0.11-1~deb12u2\n"
	"\n"
	"Package: half\n"
	"Status: install ok unpacked\n"
	"Version: 2\n"
	"\n"
	"this line is not a field\n"
	"Package: broken\n"
	"Version: 1\n"
	"\n"
	"Package: noversion\n"
	"Status: install ok installed\n"
	"\n"
	"Package: libc6\n"
	"Status: install ok installed\n"
	"Architecture: amd64\n"
	"Source: glibc\n"
	"Version: 2.36-9+deb12u4\n";

static void test_scan_packages__dpkg(void **state)
{
	layer_b b;
	og_fs_layer *l[1];
	og_inventory inv;
	og_findings f;
	const og_package *p;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "etc/os-release", OG_ENTRY_SYMLINK, "../usr/lib/os-release", NULL);
	lb_add(&b, "usr/lib/os-release", OG_ENTRY_FILE, NULL,
		"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
		"VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\n"
		"ID=debian\n# comment\n");
	lb_add(&b, "var/lib/dpkg/status", OG_ENTRY_FILE, NULL, dpkg_status);
	l[0] = lb_take(&b);
	read_inv(&inv, &f, l, 1);

	assert_string_equal(inv.os.id, "debian");
	assert_string_equal(inv.os.version_id, "12");
	assert_string_equal(inv.os.pretty_name, "Debian GNU/Linux 12 (bookworm)");
	assert_string_equal(inv.os.version_codename, "bookworm");
	assert_int_equal(inv.count, 4);
	/* sorted by name */
	assert_string_equal(inv.items[0].name, "base-files");
	assert_string_equal(inv.items[1].name, "libc6");
	assert_string_equal(inv.items[2].name, "libssl3");
	assert_string_equal(inv.items[3].name, "zlib1g");
	p = find(&inv, "zlib1g");
	assert_string_equal(p->version, "1:1.2.13.dfsg-1+b1");
	assert_string_equal(p->source, "zlib");
	assert_string_equal(p->source_version, "1:1.2.13.dfsg-1");
	assert_string_equal(p->arch, "amd64");
	assert_string_equal(p->type, "deb");
	assert_int_equal(p->layer, 0);
	p = find(&inv, "libssl3"); /* hold ok installed; Source without a version */
	assert_string_equal(p->source, "openssl");
	assert_string_equal(p->source_version, "3.0.11-1~deb12u2");
	p = find(&inv, "base-files"); /* no Source: its own name */
	assert_string_equal(p->source, "base-files");
	assert_string_equal(p->source_version, "12.4+deb12u5");
	assert_null(find(&inv, "old-tool"));
	assert_null(find(&inv, "half"));
	/* "broken" (a bad line) and "noversion": one finding naming the line */
	assert_int_equal(f.count, 1);
	assert_true(og_findings_has(&f, "packages.unsupported", "/var/lib/dpkg/status"));
	assert_non_null(strstr(f.items[0].message, "2 unparsable stanzas"));
	assert_non_null(strstr(f.items[0].message, "line 39"));
	og_inventory_dispose(&inv);
	og_findings_dispose(&f);
	og_fs_layer_free(l[0]);
}

static void test_scan_packages__status_d(void **state)
{
	layer_b b;
	og_fs_layer *l[1];
	og_inventory inv;
	og_findings f;
	char buf[32];

	(void)state;
	lb_begin(&b);
	lb_add(&b, "etc/os-release", OG_ENTRY_FILE, NULL,
		"ID=debian\nVERSION_ID=\"11\"\n");
	lb_add(&b, "var/lib/dpkg/status.d/", OG_ENTRY_DIR, NULL, NULL);
	lb_add(&b, "var/lib/dpkg/status.d/libc6", OG_ENTRY_FILE, NULL,
		"Package: libc6\nVersion: 2.31-13+deb11u7\nArchitecture: amd64\n"
		"Source: glibc\n");
	lb_add(&b, "var/lib/dpkg/status.d/libc6.md5sums", OG_ENTRY_FILE, NULL,
		"0123456789abcdef  lib/x86_64-linux-gnu/libc.so.6\n");
	lb_add(&b, "var/lib/dpkg/status.d/base", OG_ENTRY_FILE, NULL,
		"Package: base-files\nVersion: 11.1+deb11u8\nArchitecture: amd64\n\n"
		"Package: netbase\nVersion: 6.3\nArchitecture: all\n");
	lb_add(&b, "var/lib/dpkg/status.d/tzdata", OG_ENTRY_FILE, NULL,
		"Package: tzdata\nVersion: 2024a-0+deb11u1\nArchitecture: all\n");
	l[0] = lb_take(&b);
	read_inv(&inv, &f, l, 1);
	assert_int_equal(f.count, 0);
	assert_int_equal(inv.count, 4);
	assert_string_equal(inv.items[0].name, "base-files");
	assert_string_equal(inv.items[1].name, "libc6");
	assert_string_equal(inv.items[1].source, "glibc");
	assert_string_equal(inv.items[1].source_version, "2.31-13+deb11u7");
	assert_string_equal(inv.items[2].name, "netbase");
	assert_string_equal(inv.items[2].arch, "all");
	assert_string_equal(inv.items[3].name, "tzdata");
	assert_string_equal(og_inventory_ecosystem(&inv, buf, sizeof(buf)), "Debian:11");
	og_inventory_dispose(&inv);
	og_findings_dispose(&f);
	og_fs_layer_free(l[0]);
}

static void test_scan_packages__apk(void **state)
{
	layer_b b;
	og_fs_layer *l[1];
	og_inventory inv;
	og_findings f;
	char buf[32];

	(void)state;
	lb_begin(&b);
	lb_add(&b, "etc/os-release", OG_ENTRY_FILE, NULL,
		"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n"
		"PRETTY_NAME=\"Alpine Linux v3.19\"\n");
	lb_add(&b, "lib/apk/db/installed", OG_ENTRY_FILE, NULL,
		"C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nS:383152\nI:622592\n"
		"T:the musl c library (libc) implementation\nU:https://musl.libc.org/\n"
		"L:MIT\no:musl\nm:Timo\nt:1700000000\nc:abc\nF:lib\nR:ld-musl-x86_64.so.1\n"
		"a:0:0:777\nZ:Q1xyz=\n\n"
		"C:Q1def=\nP:libcrypto3\nV:3.1.4-r5\nA:x86_64\no:openssl\n\n"
		"C:Q1ghi=\nP:busybox\nV:1.36.1-r15\nA:x86_64\n\n");
	l[0] = lb_take(&b);
	read_inv(&inv, &f, l, 1);
	assert_int_equal(f.count, 0);
	assert_int_equal(inv.count, 3);
	assert_string_equal(inv.items[0].name, "busybox");
	assert_string_equal(inv.items[0].source, "busybox"); /* no origin */
	assert_string_equal(inv.items[1].name, "libcrypto3");
	assert_string_equal(inv.items[1].source, "openssl");
	assert_string_equal(inv.items[1].version, "3.1.4-r5");
	assert_string_equal(inv.items[1].source_version, "3.1.4-r5");
	assert_string_equal(inv.items[1].type, "apk");
	assert_string_equal(inv.items[2].name, "musl");
	assert_string_equal(inv.items[2].arch, "x86_64");
	assert_string_equal(og_inventory_ecosystem(&inv, buf, sizeof(buf)), "Alpine:v3.19");
	assert_null(og_inventory_ecosystem(&inv, buf, 8)); /* too small */
	og_inventory_dispose(&inv);
	og_findings_dispose(&f);
	og_fs_layer_free(l[0]);
}

static void test_scan_packages__ecosystem(void **state)
{
	og_inventory inv;
	char buf[32];

	(void)state;
	memset(&inv, 0, sizeof(inv));
	assert_null(og_inventory_ecosystem(&inv, buf, sizeof(buf)));
	inv.os.id = (char *)"debian";
	inv.os.version_id = (char *)"12.5";
	assert_string_equal(og_inventory_ecosystem(&inv, buf, sizeof(buf)), "Debian:12");
	inv.os.id = (char *)"alpine";
	inv.os.version_id = (char *)"3.21.0_alpha20240807";
	assert_string_equal(og_inventory_ecosystem(&inv, buf, sizeof(buf)), "Alpine:v3.21");
	inv.os.version_id = (char *)"3.19";
	assert_string_equal(og_inventory_ecosystem(&inv, buf, sizeof(buf)), "Alpine:v3.19");
	inv.os.id = (char *)"ubuntu";
	inv.os.version_id = (char *)"22.04";
	assert_string_equal(og_inventory_ecosystem(&inv, buf, sizeof(buf)), "Ubuntu:22.04");
	inv.os.id = (char *)"fedora";
	assert_null(og_inventory_ecosystem(&inv, buf, sizeof(buf)));
}

static void test_scan_packages__rpm(void **state)
{
	layer_b b;
	og_fs_layer *l[1];
	og_inventory inv;
	og_findings f;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "var/lib/rpm/", OG_ENTRY_DIR, NULL, NULL);
	lb_add(&b, "var/lib/rpm/rpmdb.sqlite", OG_ENTRY_FILE, NULL, NULL);
	lb_add(&b, "usr/lib/sysimage/rpm/Packages.db", OG_ENTRY_FILE, NULL, NULL);
	l[0] = lb_take(&b);
	read_inv(&inv, &f, l, 1);
	assert_int_equal(inv.count, 0);
	assert_int_equal(f.count, 2);
	assert_true(og_findings_has(&f, "packages.unsupported", "/var/lib/rpm"));
	assert_true(og_findings_has(&f, "packages.unsupported", "/usr/lib/sysimage/rpm"));
	assert_non_null(strstr(f.items[0].message, "rpm database not supported"));
	og_inventory_dispose(&inv);
	og_findings_dispose(&f);
	og_fs_layer_free(l[0]);
}

static void test_scan_packages__escape_and_too_large(void **state)
{
	layer_b b;
	og_fs_layer *l[1];
	og_inventory inv;
	og_findings f;
	og_entry e;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "var/lib/dpkg/status", OG_ENTRY_SYMLINK, "../../../../host/status", NULL);
	lb_add(&b, "lib/apk/db/installed", OG_ENTRY_SYMLINK, "/host/installed", NULL);
	lb_add(&b, "var/lib/dpkg/status.d/in", OG_ENTRY_SYMLINK, "../status.real", NULL);
	lb_add(&b, "var/lib/dpkg/status.real", OG_ENTRY_FILE, NULL,
		"Package: a\nVersion: 1\n");
	memset(&e, 0, sizeof(e));
	e.path = "var/lib/dpkg/status.d/huge";
	e.type = OG_ENTRY_FILE;
	e.size = OG_FSVIEW_KEEP_MAX + 1;
	assert_int_equal(og_scan_fsview.entry(b.state, &e, &b.f), 0);
	l[0] = lb_take(&b);
	read_inv(&inv, &f, l, 1);
	assert_int_equal(inv.count, 1); /* through the inside symlink */
	assert_string_equal(inv.items[0].name, "a");
	assert_int_equal(f.count, 3);
	assert_true(og_findings_has(&f, "packages.unsupported", "/var/lib/dpkg/status"));
	assert_true(og_findings_has(&f, "packages.unsupported", "/lib/apk/db/installed"));
	assert_true(og_findings_has(&f, "packages.unsupported", "/var/lib/dpkg/status.d/huge"));
	assert_non_null(strstr(f.items[0].message, "leaves the image root"));
	assert_non_null(strstr(f.items[1].message, "too large"));
	og_inventory_dispose(&inv);
	og_findings_dispose(&f);
	og_fs_layer_free(l[0]);
}

static void test_scan_packages__installing_layer(void **state)
{
	layer_b b;
	og_fs_layer *l[5];
	og_inventory inv;
	og_findings f;
	size_t i;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "var/lib/dpkg/status", OG_ENTRY_FILE, NULL,
		"Package: a\nStatus: install ok installed\nVersion: 1\n\n"
		"Package: b\nStatus: install ok installed\nVersion: 1\n\n"
		"Package: c\nStatus: install ok installed\nVersion: 1\n");
	l[0] = lb_take(&b);
	lb_begin(&b);
	lb_add(&b, "app/bin", OG_ENTRY_FILE, NULL, "x");
	l[1] = lb_take(&b);
	lb_begin(&b); /* layer 2 upgrades b, adds d */
	lb_add(&b, "var/lib/dpkg/status", OG_ENTRY_FILE, NULL,
		"Package: a\nStatus: install ok installed\nVersion: 1\n\n"
		"Package: b\nStatus: install ok installed\nVersion: 2\n\n"
		"Package: c\nStatus: install ok installed\nVersion: 1\n\n"
		"Package: d\nStatus: install ok installed\nVersion: 1\n");
	l[2] = lb_take(&b);
	l[3] = NULL; /* not walked */
	lb_begin(&b); /* layer 4 removes c, rewrites the rest as is */
	lb_add(&b, "var/lib/dpkg/status", OG_ENTRY_FILE, NULL,
		"Package: a\nStatus: install ok installed\nVersion: 1\n\n"
		"Package: b\nStatus: install ok installed\nVersion: 2\n\n"
		"Package: c\nStatus: deinstall ok config-files\nVersion: 1\n\n"
		"Package: d\nStatus: install ok installed\nVersion: 1\n");
	l[4] = lb_take(&b);

	read_inv(&inv, &f, l, 3);
	assert_int_equal(f.count, 0);
	assert_int_equal(inv.count, 4);
	assert_int_equal(find(&inv, "a")->layer, 0);
	assert_string_equal(find(&inv, "b")->version, "2");
	assert_int_equal(find(&inv, "b")->layer, 2);
	assert_int_equal(find(&inv, "c")->layer, 0);
	assert_int_equal(find(&inv, "d")->layer, 2);
	og_inventory_dispose(&inv);
	og_findings_dispose(&f);

	read_inv(&inv, &f, l, 5);
	assert_int_equal(inv.count, 3);
	assert_int_equal(find(&inv, "a")->layer, 0);
	assert_int_equal(find(&inv, "b")->layer, 2);
	assert_int_equal(find(&inv, "d")->layer, 2);
	assert_null(find(&inv, "c"));
	og_inventory_dispose(&inv);
	og_findings_dispose(&f);

	/* a whiteout in between breaks the chain: from the rewrite on */
	og_fs_layer_free(l[1]);
	lb_begin(&b);
	lb_add(&b, "var/lib/dpkg/.wh.status", OG_ENTRY_FILE, NULL, NULL);
	l[1] = lb_take(&b);
	read_inv(&inv, &f, l, 3);
	assert_int_equal(find(&inv, "a")->layer, 2);
	assert_int_equal(find(&inv, "b")->layer, 2);
	og_inventory_dispose(&inv);
	og_findings_dispose(&f);
	for (i = 0; i < 5; i++)
		og_fs_layer_free(l[i]);
}

static void test_scan_packages__odd_input(void **state)
{
	static const char crlf[] =
		"Package: crlf\r\nStatus: install ok installed\r\nVersion: 1.0\r\n\r\n"
		"Package:\nVersion: 2\n\n"                   /* empty name: unparsable */
		" continuation first\nPackage: x\nVersion: 1\n\n" /* broken stanza */
		"Package: nul\nStatus: install ok installed\nVersion: 3\n\n"
		"Package: last\nStatus:   hold   ok   installed  \nVersion: 4"; /* no newline */
	static const char apk[] = "P:a\nV:1\nbogus line\n\nPX:b\nV:2\n\nP:c\nV:3\n";
	char big[3000];
	layer_b b;
	og_fs_layer *l[1];
	og_inventory inv;
	og_findings f;
	size_t i;

	(void)state;
	lb_begin(&b);
	lb_add(&b, "var/lib/dpkg/status", OG_ENTRY_FILE, NULL, crlf);
	lb_add(&b, "lib/apk/db/installed", OG_ENTRY_FILE, NULL, apk);
	/* binary garbage, with NUL bytes, in a status.d file */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)((i * 131u + 7u) % 256u);
	lb_add_n(&b, "var/lib/dpkg/status.d/garbage", OG_ENTRY_FILE, NULL, big, sizeof(big));
	lb_add(&b, "var/lib/dpkg/status.d/empty", OG_ENTRY_FILE, NULL, "");
	l[0] = lb_take(&b);
	read_inv(&inv, &f, l, 1);
	assert_non_null(find(&inv, "crlf"));
	assert_string_equal(find(&inv, "crlf")->version, "1.0");
	assert_non_null(find(&inv, "nul"));
	assert_non_null(find(&inv, "last"));
	assert_string_equal(find(&inv, "last")->version, "4");
	assert_null(find(&inv, "x"));
	assert_non_null(find(&inv, "c"));
	assert_null(find(&inv, "a"));
	assert_true(og_findings_has(&f, "packages.unsupported", "/var/lib/dpkg/status"));
	assert_true(og_findings_has(&f, "packages.unsupported", "/lib/apk/db/installed"));
	assert_true(og_findings_has(&f, "packages.unsupported", "/var/lib/dpkg/status.d/garbage"));
	assert_false(og_findings_has(&f, "packages.unsupported", "/var/lib/dpkg/status.d/empty"));
	for (i = 0; i < f.count; i++)
		assert_null(strchr(f.items[i].message, '\n')); /* one line */
	og_inventory_dispose(&inv);
	og_findings_dispose(&f);
	og_fs_layer_free(l[0]);
}

/* ------------------------------------------- the test machine's own dpkg */

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)n + 1)) != NULL) {
		*len = fread(data, 1, (size_t)n, fp);
		data[*len] = '\0';
	}
	fclose(fp);
	return data;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_scan_packages__real_dpkg(void **state)
{
	layer_b b;
	og_fs_layer *l[1];
	og_inventory inv;
	og_findings f;
	char *status, *osr, line[4096], **want = NULL, **got = NULL;
	size_t len = 0, oslen = 0, nwant = 0, capwant = 0, i;
	FILE *p;

	(void)state;
	if ((status = slurp("/var/lib/dpkg/status", &len)) == NULL) {
		skip();
		return;
	}
	p = popen("dpkg-query -W -f='${Package}:${Architecture}\\t${Version}\\t${Status}\\n' "
		"2>/dev/null", "r");
	if (!p) {
		free(status);
		skip();
		return;
	}
	while (fgets(line, sizeof(line), p)) {
		char *st = strrchr(line, '\t');

		line[strcspn(line, "\n")] = '\0';
		if (!st || (strcmp(st + 1, "install ok installed") != 0 &&
				strcmp(st + 1, "hold ok installed") != 0))
			continue;
		*st = '\0';
		if (nwant == capwant) {
			capwant = capwant ? capwant * 2 : 256;
			want = realloc(want, capwant * sizeof(*want));
			assert_non_null(want);
		}
		want[nwant++] = strdup(line);
	}
	if (pclose(p) != 0 || nwant == 0) {
		for (i = 0; i < nwant; i++)
			free(want[i]);
		free(want);
		free(status);
		skip();
		return;
	}
	osr = slurp("/etc/os-release", &oslen);
	lb_begin(&b);
	if (osr)
		lb_add_n(&b, "etc/os-release", OG_ENTRY_FILE, NULL, osr, oslen);
	lb_add_n(&b, "var/lib/dpkg/status", OG_ENTRY_FILE, NULL, status, len);
	l[0] = lb_take(&b);
	read_inv(&inv, &f, l, 1);
	assert_int_equal(f.count, 0);
	got = calloc(inv.count ? inv.count : 1, sizeof(*got));
	assert_non_null(got);
	for (i = 0; i < inv.count; i++) {
		size_t n = strlen(inv.items[i].name) + strlen(inv.items[i].arch) +
			strlen(inv.items[i].version) + 3;

		got[i] = malloc(n);
		assert_non_null(got[i]);
		snprintf(got[i], n, "%s:%s\t%s", inv.items[i].name, inv.items[i].arch,
			inv.items[i].version);
	}
	qsort(want, nwant, sizeof(*want), cmp_line);
	qsort(got, inv.count, sizeof(*got), cmp_line);
	for (i = 0; i < nwant && i < inv.count; i++)
		assert_string_equal(got[i], want[i]); /* package for package */
	assert_int_equal(inv.count, nwant);
	if (osr)
		assert_non_null(inv.os.id);
	for (i = 0; i < nwant; i++)
		free(want[i]);
	for (i = 0; i < inv.count; i++)
		free(got[i]);
	free(want);
	free(got);
	og_inventory_dispose(&inv);
	og_findings_dispose(&f);
	og_fs_layer_free(l[0]);
	free(status);
	free(osr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_packages__dpkg),
		cmocka_unit_test(test_scan_packages__status_d),
		cmocka_unit_test(test_scan_packages__apk),
		cmocka_unit_test(test_scan_packages__ecosystem),
		cmocka_unit_test(test_scan_packages__rpm),
		cmocka_unit_test(test_scan_packages__escape_and_too_large),
		cmocka_unit_test(test_scan_packages__installing_layer),
		cmocka_unit_test(test_scan_packages__odd_input),
		cmocka_unit_test(test_scan_packages__real_dpkg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
