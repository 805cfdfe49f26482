#!/usr/bin/env bash
# The security scan wired into validate, the reports and sbom: the images of
# tests/gen/scanimages.py (OG_SCANIMAGES, default: next to OG_IMAGES), each
# case's exact finding ids and subjects and exit code; the JSON sections; that
# no planted secret value appears in any output format; vulnerabilities from
# testdata/osv (--vuln-db, --ignore-unfixed, vuln.db_stale); the CycloneDX and
# SPDX documents; --no-scan turning every scanner off.
. "$(dirname "$0")/lib.sh"

SI=${OG_SCANIMAGES:-$(dirname "${OG_IMAGES:-/nonexistent}")/scanimages}
[ -f "$SI/cases.json" ] || og_die "$SI/cases.json missing (run tests/gen/scanimages.py $SI)"
CASES="$SI/cases.json"
OSV="$OG_SRC/testdata/osv"
SCAN_IDS='["file.setuid","file.world_writable","file.device","secret.private_key","secret.cloud_credential","secret.token","packages.unsupported","efficiency.wasted","vuln.critical","vuln.high","vuln.medium","vuln.low","vuln.db_stale"]'

# junit_case ID: the last JUnit report has a test case for the check (it ran).
junit_case() { grep -q "<testcase classname=\"ocigate\" name=\"$1\"" "$OG_OUT"; }
no_junit_case() { ! junit_case "$1"; }

case_field() { jq -r --arg n "$1" ".[] | select(.name == \$n) | $2" "$CASES"; }
ref_of() { case_field "$1" .ref; }

# ---------------------------------------------------------------- cases
for name in $(jq -r '.[].name' "$CASES"); do
    ref=$(ref_of "$name")
    pol=$(case_field "$name" '.policy // empty')
    want=$(case_field "$name" .exit)
    if [ -n "$pol" ]; then
        og_run validate -f json --policy "$pol" "$ref"
    else
        og_run validate -f json "$ref"
    fi
    og_assert_exit "$name: exit" "$want" || continue
    og_assert_json "$name: JSON report" || continue
    while IFS=$'\t' read -r id subj; do
        if [ "$subj" = null ]; then
            og_assert_jq "$name: $id present" --arg i "$id" 'any(.findings[]; .id == $i)'
        else
            og_assert_jq "$name: $id $subj present" --arg i "$id" --arg s "$subj" \
                'any(.findings[]; .id == $i and .subject == $s)'
        fi
    done < <(case_field "$name" '.present[] | [.[0], (.[1] // "null")] | @tsv')
    for id in $(case_field "$name" '.absent[]'); do
        og_assert_jq "$name: no $id" --arg i "$id" 'all(.findings[]; .id != $i)'
    done
    while IFS=$'\t' read -r id subj; do
        og_assert_jq "$name: no $id on $subj" --arg i "$id" --arg s "$subj" \
            'all(.findings[]; .id != $i or .subject != $s)'
    done < <(case_field "$name" '(.absent_subjects // [])[] | @tsv')
    og_assert_jq "$name: JSON sections" 'has("packages") and has("secrets") and has("efficiency") and has("os")'
done

# ------------------------------------------------------- exact messages
og_run validate -f json "$(ref_of scan-secrets)"
og_assert_jq "secret deleted by a later layer names both layers" \
    'any(.findings[]; .subject == "/app/deploy.pem" and (.message | test("layer 1")) and (.message | test("deleted by layer 2")))'
og_assert_jq "secrets section: deleted key layer 1 hidden_by 2" \
    'any(.secrets[]; .path == "/app/deploy.pem" and .layer == 1 and .hidden_by == 2)'
og_assert_jq "secrets section: surviving key hidden_by null" \
    'any(.secrets[]; .path == "/root/.ssh/id_rsa" and .layer == 0 and .hidden_by == null)'
og_assert_jq "secrets section: Env hit has layer null" \
    'any(.secrets[]; .path == "config Env GITHUB_TOKEN" and .layer == null and .id == "secret.token")'
og_assert_jq "secrets section: redacted and length only" \
    'all(.secrets[]; (keys - ["hidden_by","id","kind","layer","length","path","redacted"]) == [] and (.redacted | test("\\*\\*\\*\\*$")) and .length > 0)'
og_assert_jq "secret findings are CRITICAL / HIGH" \
    'all(.findings[]; (.id | startswith("secret.")) | not) or all(.findings[] | select(.id | startswith("secret.")); .severity == "CRITICAL" or .severity == "HIGH")'

og_run validate -f json "$(ref_of scan-files)"
og_assert_jq "setgid message names the mode" \
    'any(.findings[]; .id == "file.setuid" and .subject == "/usr/bin/wall" and (.message | test("2755")))'

# ------------------------------------------- no secret value, any format
mapfile -t SECRETS < <(grep -v '^$' "$SI/secrets.txt")
[ "${#SECRETS[@]}" -gt 8 ] || og_fail "secrets.txt lists the planted values"
leak_check() {
    local what=$1 file=$2 s
    for s in "${SECRETS[@]}"; do
        if LC_ALL=C grep -qF -- "$s" "$file"; then
            og_fail "$what: no secret value" "found ${s:0:4}... in $file"
            return
        fi
    done
    og_pass "$what: no secret value"
}
sref=$(ref_of scan-secrets)
for fmt in text json markdown github junit sarif errorlog; do
    og_run validate -f "$fmt" "$sref"
    og_assert_exit "scan-secrets -f $fmt" 1
    leak_check "-f $fmt" "$OG_OUT"
    leak_check "-f $fmt stderr" "$OG_ERR"
done
og_run validate -f sarif "$sref"
og_assert_jq "SARIF carries the secret findings" \
    '[.runs[0].results[] | select(.ruleId | startswith("secret."))] | length >= 9'
og_run validate -f junit "$sref"
og_check "JUnit carries secret.private_key" grep -q 'secret.private_key' "$OG_OUT"

# ------------------------------------------------------------- packages
og_run validate -f json "$(ref_of scan-debian)"
og_assert_jq "debian: os" '.os.id == "debian" and .os.version_id == "12"'
og_assert_jq "debian: exact package list" \
    '[.packages[] | [.name, .version]] == [["base-files","12.4+deb12u5"],["libc6","2.36-9+deb12u1"],["libssl3","3.0.11-1~deb12u1"],["zlib1g","1:1.2.13.dfsg-1"]]'
og_assert_jq "debian: source and arch" \
    'any(.packages[]; .name == "libc6" and .source == "glibc" and .arch == "amd64" and .type == "deb" and .layer == 0)'
og_run validate -f json "$(ref_of scan-alpine)"
og_assert_jq "alpine: os and packages" \
    '.os.id == "alpine" and ([.packages[] | .name] == ["busybox","libssl3","musl"]) and any(.packages[]; .name == "libssl3" and .source == "openssl" and .type == "apk")'
og_run validate -f json "$(ref_of scan-dpkg-escape)"
og_assert_jq "escaping dpkg status: not followed" '.packages == [] and any(.findings[]; .id == "packages.unsupported")'

# ----------------------------------------------------------- efficiency
og_run validate -f json "$(ref_of scan-waste)"
og_assert_jq "efficiency: the overwritten file is wasted" \
    '.efficiency.wasted_bytes >= 3145728 and .efficiency.top[0].path == "/data/big.bin" and .efficiency.top[0].layer == 0 and .efficiency.top[0].by == 1 and .efficiency.score < 1'
og_run validate -f junit "$(ref_of scan-waste)"
og_check "efficiency check not run without a limit" no_junit_case efficiency.wasted
for id in file.setuid file.world_writable file.device secret.private_key secret.cloud_credential secret.token packages.unsupported; do
    og_check "the $id check ran" junit_case "$id"
done
og_check "no vuln check without --vuln-db" no_junit_case vuln.high
og_run validate -f junit --policy "$(case_field scan-waste-policy .policy)" "$(ref_of scan-waste)"
og_check "efficiency check runs with a limit" junit_case efficiency.wasted

# ------------------------------------------------------------- --no-scan
for name in scan-secrets scan-files scan-rpm scan-debian; do
    og_run validate -f json --no-scan "$(ref_of "$name")"
    og_assert_exit "$name --no-scan" 0
    og_assert_jq "$name --no-scan: no scanner finding" --argjson ids "$SCAN_IDS" \
        'all(.findings[]; .id as $i | $ids | index($i) == null)'
    og_assert_jq "$name --no-scan: no scan sections" \
        'has("packages") or has("secrets") or has("efficiency") or has("vulnerabilities") | not'
    og_run validate -f junit --no-scan "$(ref_of "$name")"
    for id in file.setuid file.device secret.private_key secret.token packages.unsupported efficiency.wasted; do
        og_check "$name --no-scan: the $id check did not run" no_junit_case "$id"
    done
done
og_run validate --no-scan --vuln-db "$OSV" "$(ref_of scan-debian)"
og_assert_exit "--no-scan with --vuln-db is a usage error" 2
og_run validate --ignore-unfixed "$(ref_of scan-debian)"
og_assert_exit "--ignore-unfixed without --vuln-db is a usage error" 2

# ------------------------------------------------------- vulnerabilities
if [ -d "$OSV" ]; then
    fresh="$OG_WORK/fresh-db.json"
    printf '{"version": 1, "vulnerabilities": {"max_db_age": "36500d"}}\n' >"$fresh"
    og_run validate -f json --policy "$fresh" --vuln-db "$OSV" "$(ref_of scan-debian)"
    og_assert_exit "debian --vuln-db" 1
    og_assert_jq "glibc DSA-5514-1 on libc6 (CVE-2023-4911), fixed 2.36-9+deb12u3" \
        'any(.vulnerabilities[]; .id == "DSA-5514-1" and .package == "libc6" and .fixed == "2.36-9+deb12u3" and (.aliases | index("CVE-2023-4911") != null))'
    og_assert_jq "vuln finding: subject package@version, message id and fix" \
        'any(.findings[]; (.id | startswith("vuln.")) and .subject == "libc6@2.36-9+deb12u1" and (.message | test("DSA-5514-1")) and (.message | test("fixed in 2.36-9\\+deb12u3")))'
    og_assert_jq "fresh database: no vuln.db_stale" 'all(.findings[]; .id != "vuln.db_stale")'
    total=$(og_jq '.vulnerabilities | length')
    unfixed=$(og_jq '[.vulnerabilities[] | select(.fixed == null)] | length')
    og_run validate -f json --policy "$fresh" --vuln-db "$OSV" --ignore-unfixed "$(ref_of scan-debian)"
    og_assert_jq "--ignore-unfixed drops exactly the unfixed ($unfixed of $total)" \
        --argjson t "$total" --argjson u "$unfixed" \
        '(.vulnerabilities | length) == ($t - $u) and all(.vulnerabilities[]; .fixed != null)'
    og_run validate -f junit --policy "$fresh" --vuln-db "$OSV" "$(ref_of scan-debian)"
    og_check "vuln checks ran" junit_case vuln.db_stale
    og_run validate -f json --vuln-db "$OSV" "$(ref_of scan-debian)"
    og_assert_jq "default max_db_age 7d: the fixtures are stale" \
        'any(.findings[]; .id == "vuln.db_stale" and .severity == "MEDIUM")'
    og_run validate -f json --policy "$fresh" --vuln-db "$OSV" "$(ref_of scan-alpine)"
    og_assert_json "alpine --vuln-db"
    og_assert_jq "alpine: the fixtures have no Alpine:v3.19 record" '.vulnerabilities == []'
    # Alpine: matched by origin (libssl3 <- openssl), apk ordering; records written here
    adb="$OG_WORK/osv-alpine"
    mkdir -p "$adb"
    cat >"$adb/OGTEST-ALPINE-1.json" <<'JSON'
{"id": "OGTEST-ALPINE-1", "modified": "2024-01-15T10:30:00Z", "aliases": ["CVE-0000-0001"],
 "database_specific": {"severity": "medium"},
 "affected": [{"package": {"ecosystem": "Alpine:v3.19", "name": "openssl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.1.4-r5"}]}]}]}
JSON
    cat >"$adb/OGTEST-ALPINE-2.json" <<'JSON'
{"id": "OGTEST-ALPINE-2", "modified": "2024-01-15T10:30:00Z",
 "affected": [{"package": {"ecosystem": "Alpine:v3.19", "name": "musl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.4_git20230717-r4"}]}]}]}
JSON
    og_run validate -f json --policy "$fresh" --vuln-db "$adb" "$(ref_of scan-alpine)"
    og_assert_exit "alpine --vuln-db (MEDIUM only)" 0
    og_assert_jq "alpine: libssl3 matched through its origin openssl" \
        'any(.findings[]; .id == "vuln.medium" and .subject == "libssl3@3.1.4-r1" and (.message | test("OGTEST-ALPINE-1")) and (.message | test("fixed in 3.1.4-r5")))'
    og_assert_jq "alpine: musl at the fixed version is not affected" \
        'all(.vulnerabilities[]; .package != "musl")'
    (cd "$adb" && python3 -c 'import sys, zipfile
with zipfile.ZipFile("../alpine-all.zip", "w") as z:
    [z.write(n) for n in sorted(sys.argv[1:])]' OGTEST-ALPINE-1.json OGTEST-ALPINE-2.json)
    cp "$OG_OUT" "$OG_WORK/alpine-dir.json"
    og_run validate -f json --policy "$fresh" --vuln-db "$OG_WORK/alpine-all.zip" "$(ref_of scan-alpine)"
    og_check "alpine: the same matches from a zip" \
        cmp -s <(jq -c .vulnerabilities "$OG_OUT") <(jq -c .vulnerabilities "$OG_WORK/alpine-dir.json")
    printf '{"id": "BROKEN", "affected": [\n' >"$OG_WORK/broken.json"
    og_run validate --vuln-db "$OG_WORK/broken.json" "$(ref_of scan-debian)"
    og_assert_exit "malformed advisory" 2
    og_check "malformed advisory: the message names the file" grep -q 'broken.json' "$OG_ERR"
    og_run validate --vuln-db "$OG_WORK/nonexistent" "$(ref_of scan-debian)"
    og_assert_exit "missing --vuln-db path" 2
    og_assert_error_line "missing --vuln-db path names it"
else
    og_fail "testdata/osv is missing (the vuln branch's fixtures)"
fi

# ------------------------------------------------- secrets: the size cap
og_run validate -f json "$(ref_of scan-secrets)"
og_assert_jq "secrets_scan: every file read, none skipped" \
    '.secrets_scan.files_scanned >= 7 and .secrets_scan.files_skipped == 0 and .secrets_scan.max_file_size == 8388608'
printf '{"version": 1, "scan": {"secrets_max_file_size": "1KiB"}}\n' >"$OG_WORK/smallcap.json"
og_run validate -f json --policy "$OG_WORK/smallcap.json" "$(ref_of scan-secrets)"
og_assert_jq "secrets_scan: files over a 1 KiB cap are skipped and counted" \
    '.secrets_scan.files_skipped >= 1 and .secrets_scan.bytes_skipped > 1024 and .secrets_scan.max_file_size == 1024'
og_assert_jq "secrets_scan: a key in a skipped file is not read" \
    '([.secrets[] | select(.path == "/root/.ssh/id_rsa")] | length) == 0'

# ---------------------------------------------------------------- policy
og_run policy init
og_assert_exit "policy init" 0
og_check "policy init: the scan defaults" grep -q '"secrets_max_file_size": "8MiB"' "$OG_OUT"
og_check "policy init: max_db_age" grep -q '"max_db_age": "7d"' "$OG_OUT"
printf '{"version": 1, "scan": {"secret_max_file_size": "1MiB"}}\n' >"$OG_WORK/typo.json"
og_run policy check "$OG_WORK/typo.json"
og_assert_exit "policy check: an unknown scan key" 1
og_check "policy check: the key's JSON path" grep -q '/scan/secret_max_file_size: unknown key' "$OG_ERR"
printf '{"version": 1, "efficiency": {"max_wasted": "lots"}}\n' >"$OG_WORK/badsize.json"
og_run validate --policy "$OG_WORK/badsize.json" "$(ref_of scan-clean)"
og_assert_exit "validate: a bad efficiency size" 2
og_check "validate: the bad size's JSON path" grep -q '/efficiency/max_wasted: bad size' "$OG_ERR"

# ------------------------------------------------------------------ sbom
dref=$(ref_of scan-debian)
og_run sbom --format cyclonedx "$dref"
og_assert_exit "sbom cyclonedx" 0
og_assert_json "sbom cyclonedx is JSON"
og_assert_jq "cyclonedx: header" \
    '.bomFormat == "CycloneDX" and .specVersion == "1.5" and (.serialNumber | test("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"))'
og_assert_jq "cyclonedx: the image with its digest" \
    '.metadata.component.type == "container" and (.metadata.component.version | startswith("sha256:")) and (.metadata.component.hashes[0].alg == "SHA-256")'
og_assert_jq "cyclonedx: purls" \
    'any(.components[]; .purl == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12") and any(.components[]; .purl == "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12")'
og_assert_jq "cyclonedx: os component" 'any(.components[]; .type == "operating-system" and .name == "debian" and .version == "12")'
cp "$OG_OUT" "$OG_WORK/cdx1.json"
og_run sbom --format cyclonedx "$dref"
og_check "cyclonedx: deterministic" cmp -s "$OG_OUT" "$OG_WORK/cdx1.json"
og_run sbom --format spdx -o "$OG_WORK/spdx.json" "$dref"
og_assert_exit "sbom spdx -o" 0
cp "$OG_WORK/spdx.json" "$OG_OUT"
og_assert_jq "spdx: header" \
    '.spdxVersion == "SPDX-2.3" and .dataLicense == "CC0-1.0" and .SPDXID == "SPDXRef-DOCUMENT" and (.documentNamespace | test("sha256-[0-9a-f]{64}$")) and (.creationInfo.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))'
og_assert_jq "spdx: image package with its digest as a checksum" \
    'any(.packages[]; .SPDXID == "SPDXRef-Image" and .checksums[0].algorithm == "SHA256" and (.checksums[0].checksumValue | test("^[0-9a-f]{64}$")))'
og_assert_jq "spdx: DESCRIBES and CONTAINS" \
    'any(.relationships[]; .relationshipType == "DESCRIBES" and .relatedSpdxElement == "SPDXRef-Image") and ([.relationships[] | select(.relationshipType == "CONTAINS")] | length) == 4'
og_assert_jq "spdx: purls as externalRefs" \
    'any(.packages[]; .name == "libc6" and .externalRefs[0].referenceType == "purl" and .externalRefs[0].referenceLocator == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12")'
og_assert_jq "spdx: every SPDXID unique" '[.packages[].SPDXID] | length == (unique | length)'
og_run sbom --format cyclonedx "$(ref_of scan-alpine)"
og_assert_jq "cyclonedx alpine purl" 'any(.components[]; .purl == "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64")'
for fmt in cyclonedx spdx; do
    og_run sbom --format "$fmt" "$sref"
    leak_check "sbom $fmt" "$OG_OUT"
done
og_run sbom "$dref"
og_assert_exit "sbom without --format" 2
og_run sbom --format xml "$dref"
og_assert_exit "sbom --format xml" 2
og_assert_error_line "sbom --format xml names the format"
# a multi-platform index: one scan section per image; sbom needs --platform
if [ -f "${OG_IMAGES:-}/cases.json" ]; then
    iref=$(jq -r '.[] | select(.name == "valid-oci-index") | .ref' "$OG_IMAGES/cases.json")
    og_run validate -f json "$iref"
    og_assert_jq "index: scan sections per image" \
        '(.images | length) == 2 and all(.images[]; has("platform") and has("manifest") and has("packages") and has("secrets") and has("efficiency")) and (has("packages") | not)'
    og_run sbom --format spdx "$iref"
    og_assert_exit "sbom of an index without --platform" 2
    og_assert_error_line "sbom of an index: the message says to choose"
    og_run sbom --format cyclonedx --platform linux/arm64 "$iref"
    og_assert_exit "sbom of an index with --platform" 0
    og_assert_jq "sbom --platform: the arm64 manifest" '.metadata.component.type == "container"'
fi
# an offline JSON-schema check, only when both a validator and a schema are here
if python3 -c 'import jsonschema' 2>/dev/null && [ -n "${OG_CYCLONEDX_SCHEMA:-}" ] && [ -f "$OG_CYCLONEDX_SCHEMA" ]; then
    if python3 -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
        "$OG_WORK/cdx1.json" "$OG_CYCLONEDX_SCHEMA"; then
        og_pass "cyclonedx: schema-valid"
    else
        og_fail "cyclonedx: schema-valid"
    fi
fi

og_finish
