/*
 * Package version ordering for the vulnerability matcher: Debian's (dpkg)
 * and Alpine's (apk). Pure functions on NUL-terminated strings; no
 * allocation, no limits on the length of digit runs (compared as strings,
 * so they never overflow). Thread-safe.
 */
#ifndef OG_SCAN_VERSION_H
#define OG_SCAN_VERSION_H

/*
 * Compare two Debian versions "[epoch:]upstream[-revision]" the way
 * `dpkg --compare-versions` does: epochs numerically (absent = 0), then
 * upstream and revision (after the LAST '-'; absent = "") with dpkg's
 * alternating non-digit / digit runs, where '~' sorts before everything
 * (even the end of the string) and letters before other characters.
 * Returns <0, 0 or >0. Strings that are not valid versions are still
 * ordered deterministically (by the same rules), never rejected.
 */
int og_version_cmp_dpkg(const char *a, const char *b);

/*
 * 1 when v is a well-formed Debian version, 0 otherwise: not empty, no
 * whitespace, epoch (if any) all digits and at most 2147483647, upstream
 * not empty and starting with a digit, upstream characters from
 * [A-Za-z0-9.+~-:] ('-' only with a revision, ':' only with an epoch),
 * revision (if any) not empty and from [A-Za-z0-9.+~]. dpkg itself only
 * warns on some of these; this check is deliberately strict.
 */
int og_version_valid_dpkg(const char *v);

/*
 * Compare two Alpine (apk) versions: dot-separated numeric components
 * (after the first, a component with leading zeros sorts as apk does:
 * 1.01 < 1.1), an optional single letter, suffixes _alpha _beta _pre _rc
 * (before the release) and _cvs _svn _git _hg _p (after), each with an
 * optional number, then "-rN". A version that continues where the other
 * ends is newer, except when it continues with a pre-release suffix.
 * Returns <0, 0 or >0. Malformed tails compare by plain byte order.
 */
int og_version_cmp_apk(const char *a, const char *b);

#endif
