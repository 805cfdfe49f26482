#!/usr/bin/env bash
# The inventory of a real dpkg database: this machine's /var/lib/dpkg/status
# and /etc/os-release, packed into an image by packages_mklayout.py (layer 0:
# the database with one package at an older version; layer 1: as it is),
# equals dpkg-query -W on this machine, package for package; the upgraded
# package is installed by layer 1, every other one by layer 0.
. "$(dirname "$0")/lib.sh"

STATUS=/var/lib/dpkg/status
[ -r "$STATUS" ] || og_skip "no $STATUS on this machine"
[ -r /etc/os-release ] || og_skip "no /etc/os-release on this machine"
command -v dpkg-query >/dev/null 2>&1 || og_skip "dpkg-query is not installed"
command -v python3 >/dev/null 2>&1 || og_skip "python3 is not installed"

IMG="$OG_WORK/img"
upgraded=$(python3 "$og_here/packages_mklayout.py" "$IMG" "$STATUS" /etc/os-release) ||
    og_die "packages_mklayout.py failed"

dpkg-query -W -f='${Package}:${Architecture}\t${Version}\t${Status}\n' |
    awk -F '\t' '$3 == "install ok installed" || $3 == "hold ok installed" { print $1 "\t" $2 }' |
    LC_ALL=C sort >"$OG_WORK/want" || og_die "dpkg-query failed"
[ -s "$OG_WORK/want" ] || og_skip "dpkg-query lists no installed package"

og_run validate -f json "oci:$IMG:latest"
og_assert_exit "validate the packed database" 0 1
og_assert_json "JSON report" || og_finish
if [ "$(og_jq 'has("packages")')" != true ]; then
    og_skip "the report has no packages section (the scan is not wired into validate)"
fi

og_jq '.packages[] | "\(.name):\(.arch)\t\(.version)"' | LC_ALL=C sort >"$OG_WORK/got"
if cmp -s "$OG_WORK/want" "$OG_WORK/got"; then
    og_pass "inventory equals dpkg-query -W ($(wc -l <"$OG_WORK/want") packages)"
else
    og_fail "inventory equals dpkg-query -W" "$(diff "$OG_WORK/want" "$OG_WORK/got" | head -10 | tr '\n' ' ')"
fi
og_assert_jq "packages are deb, sorted by name then version" \
    '[.packages[] | .type] | all(. == "deb")'
og_assert_jq "the os is read" --arg id "$(. /etc/os-release && echo "$ID")" '.os.id == $id'
og_assert_jq "the upgraded package $upgraded is installed by layer 1" --arg p "$upgraded" \
    'any(.packages[]; "\(.name):\(.arch)" == $p and .layer == 1)'
og_assert_jq "every other package is installed by layer 0" --arg p "$upgraded" \
    'all(.packages[]; "\(.name):\(.arch)" == $p or .layer == 0)'
og_assert_jq "no packages.unsupported finding" 'all(.findings[]; .id != "packages.unsupported")'
og_finish
