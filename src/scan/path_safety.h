/*
 * Path safety: the entry visitor that reports path.traversal, path.absolute
 * and link.escape (CHECKS.md) for the entries of a layer, and the pass that
 * decides link.escape across the layers of an image.
 *
 * Paths are normalized lexically from the image root: "./" and "/"
 * prefixes, repeated slashes, "." components and trailing slashes are
 * dropped and ".." removes the previous component. A path "climbs out" when
 * a ".." would go above the root at any point.
 *
 * Per entry:
 *  - path.absolute: the name starts with "/" (the entry is still placed, as
 *    runtimes do, under the root).
 *  - path.traversal: the name climbs out. Such an entry is not looked at
 *    further (it has no place in the image).
 *  - link.escape:
 *    a symlink whose target climbs out: a relative target resolves against
 *    the symlink's directory, an absolute one against the image root (so
 *    "/etc/alternatives/x" is fine, "/../x" is not); also a symlink whose
 *    target goes through (or is) an escaping symlink of the same layer;
 *    a hardlink whose target (from the root, as tar stores it) climbs out
 *    or goes through an escaping symlink of the same layer;
 *    an entry whose path goes through an escaping symlink made earlier in
 *    the same layer (the message names the symlink).
 *    Within a layer, a later entry at the symlink's own path (a directory,
 *    file, device, hardlink, or a symlink that stays inside) replaces it:
 *    entries after that are not written through it.
 *
 * Across layers (og_path_safety_cross): an entry of layer j written through
 * an escaping symlink left by an earlier layer i < j is reported, unless,
 * before that entry, the symlink path was removed or replaced by:
 *  - a layer k with i < k < j, or layer j itself before the entry, having a
 *    whiteout of the symlink path or of one of its parent directories
 *    (".wh.NAME"), or an opaque whiteout (".wh..wh..opq") in the symlink's
 *    path itself or in one of its parent directories;
 *  - such a layer having a directory entry at the symlink path, or a newer
 *    escaping symlink there (which then takes over, with its own finding).
 * Not tracked (to keep summaries small): a regular file, device or a symlink
 * that stays inside replacing the escaping symlink in a later layer, and a
 * non-directory replacing one of its parent directories; those cases are
 * still reported as write-through (an image where a later layer writes
 * children under a path that is then a file is broken anyway). Neither is a
 * symlink or hardlink in layer j whose target goes through an escaping
 * symlink of an earlier layer (that symlink is itself reported in layer i).
 * Whiteouts only act on lower layers, never on the layer that holds them.
 *
 * Thread safety: the class is const; every state is used by one thread.
 */
#ifndef OG_SCAN_PATH_SAFETY_H
#define OG_SCAN_PATH_SAFETY_H

#include <stddef.h>
#include "oci/visitor.h"

/* The visitor class; its payload is unused. */
extern const og_visitor_class og_scan_path_safety;

/*
 * What a layer leaves for the cross-layer pass: its escaping symlinks, its
 * whiteouts, its directory entries and the distinct parent directories of
 * its entries (each with its first entry). Not every entry path.
 */
typedef struct og_path_summary og_path_summary;

/*
 * Detach the layer's summary from a visitor state (after end(), before
 * free()). The caller owns *out (og_path_summary_free). Returns 0, or
 * OG_EINVALID if the state has no summary (already taken).
 */
int og_path_safety_take(og_path_summary **out, void *state);

/*
 * With the summaries of an image's layers in layer order (NULL for a layer
 * that was not walked), add link.escape for the entries of a layer written
 * through an escaping symlink left by an earlier layer (see above). The
 * subject is the later entry's path. One finding per distinct parent
 * directory written into, naming its first entry; findings come in layer
 * order, then entry order. Summaries are not changed. Returns 0 or
 * OG_ENOMEM.
 */
int og_path_safety_cross(og_findings *out, og_path_summary *const *layers,
	size_t count);

void og_path_summary_free(og_path_summary *s);

#endif
