/*
 * File modes: the entry visitor that reports file.setuid,
 * file.world_writable and file.device (CHECKS.md) for the entries of a
 * layer, straight into the layer's findings.
 *
 * Per entry (the subject is the normalised absolute path, "/usr/bin/passwd";
 * the message names the layer index, the path, the mode in octal and the
 * owner):
 *  - file.setuid: a regular file with the setuid (04000) or setgid (02000)
 *    bit;
 *  - file.world_writable: a regular file writable by others, or a directory
 *    writable by others without the sticky bit (01777 /tmp is fine).
 *    Symlinks never (their mode means nothing), hardlinks neither (they
 *    share the mode of the entry they link to, reported on its own);
 *  - file.device: a character or block device (reported once, as a
 *    device, whatever its mode).
 * Whiteouts (".wh.*") are not files and are skipped. Paths are normalised
 * lexically from the root ("./", "/", ".", "..", repeated and trailing
 * slashes), the way path_safety does it; a name that climbs out with ".."
 * is still reported, at the place the walk lands.
 *
 * Thread safety: the class is const; every state is used by one thread.
 * The options (and their strings) must outlive the states.
 */
#ifndef OG_SCAN_FILEMODE_H
#define OG_SCAN_FILEMODE_H

#include <stddef.h>
#include "oci/visitor.h"

/* Allow lists: absolute paths (normalised before comparing, so
 * "usr/bin//passwd" equals "/usr/bin/passwd"); an exact match silences the
 * finding of that list's kind for the path. */
typedef struct og_filemode_options {
	const char *const *setuid_allowed;
	size_t setuid_allowed_count;
	const char *const *writable_allowed;
	size_t writable_allowed_count;
} og_filemode_options;

#define OG_FILEMODE_OPTIONS_INIT { NULL, 0, NULL, 0 }

/* The visitor class. Payload: a `const og_filemode_options *` or NULL (no
 * allow lists); the class's own payload is NULL, a caller copies the class
 * and sets it. */
extern const og_visitor_class og_scan_filemode;

#endif
