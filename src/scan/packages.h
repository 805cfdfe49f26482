/*
 * The package inventory of an image: the OS (os-release) and the packages
 * of the dpkg (var/lib/dpkg/status, var/lib/dpkg/status.d/<file>) and apk
 * (lib/apk/db/installed) databases of the final filesystem, each with the
 * layer that installed it. rpm databases are not read (a finding says so).
 *
 * The databases come from the fsview (which keeps their content in every
 * layer that writes them, up to OG_FSVIEW_KEEP_MAX each).
 */
#ifndef OG_SCAN_PACKAGES_H
#define OG_SCAN_PACKAGES_H

#include <stddef.h>
#include "oci/ctx.h"
#include "oci/finding.h"
#include "fsview.h"

typedef struct og_package {
	/* source: dpkg Source: (its name part; the version in parentheses goes
	 * to source_version, else source_version = version; no Source: the
	 * package name); apk: origin (o:, else the package name). */
	char *name, *version, *source, *source_version, *arch;
	/* the index of the layer that installed it: the first layer, counting
	 * from the final one backwards, from which this name@version is
	 * continuously present in its database file */
	size_t layer;
	const char *type; /* static "deb" | "apk" */
} og_package;

typedef struct og_os {
	char *id, *version_id, *pretty_name, *version_codename; /* NULL if absent */
} og_os;

typedef struct og_inventory {
	og_os os;
	og_package *items; /* sorted by name, version, arch; no duplicates */
	size_t count, cap;
} og_inventory;

/*
 * Read os-release (etc/os-release, else usr/lib/os-release) and the package
 * databases from the final fs fs, and the per-layer copies from layers[0..
 * count) (the ones fs was built from) for the installing layer. *out is
 * initialised here; the caller disposes it, also after a failure.
 *
 * Problems are findings (packages.unsupported) added to f, naming the path:
 * an rpm database (var/lib/rpm/ or usr/lib/sysimage/rpm/ present), a
 * database over the cap, a symlinked database that leaves the root (not
 * followed), one whose content was not kept, unparsable stanzas (their
 * count and the first bad line).
 *
 * Returns 0, or OG_ENOMEM (message on ctx).
 */
int og_inventory_read(og_inventory *out, og_ctx *ctx, const og_fsview *fs,
	og_fs_layer *const *layers, size_t count, og_findings *f);
void og_inventory_dispose(og_inventory *inv);

/*
 * The OSV ecosystem name of the OS, written to buf: "Debian:12" (VERSION_ID
 * major), "Alpine:v3.19" (VERSION_ID 3.19.1), "Ubuntu:22.04". NULL if the OS
 * is none of these, has no VERSION_ID, or buf is too small.
 */
const char *og_inventory_ecosystem(const og_inventory *inv, char *buf, size_t len);

#endif
