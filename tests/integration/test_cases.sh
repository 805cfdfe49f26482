#!/usr/bin/env bash
# Every generated case (OG_IMAGES/cases.json): `ocigate validate --format json`
# gives the expected exit code and finding ids; valid images have no HIGH or
# CRITICAL finding; the JSON report follows its schema. Then a few text-mode and
# --jobs runs must agree with the JSON runs.
#
#   OCIGATE=build/ocigate OG_IMAGES=build/testimages bash tests/integration/test_cases.sh
# Optional: OG_CASES=regex to run only matching case names.

. "$(dirname "$0")/lib.sh"
og_need_images
CASES="$OG_IMAGES/cases.json"
filter=${OG_CASES:-.}

# check_report NAME WANT_EXIT CASE_JSON: the JSON report of the last run.
check_report() {
    local name=$1 want=$2 case_json=$3
    og_assert_json "$name: report is JSON" || return
    og_assert_jq "$name: schemaVersion 1, tool.name ocigate" \
        '.schemaVersion == 1 and .tool.name == "ocigate" and (.tool.version | type) == "string"'
    og_assert_jq "$name: has image, summary, findings, layers" \
        '(.image | type) == "object" and (.summary | type) == "object"
         and (.findings | type) == "array" and (.layers | type) == "array"'
    og_assert_jq "$name: every finding has id, severity, category, message, subject" \
        'all(.findings[]; (.id | type) == "string" and (.id | length) > 0
             and (.severity | IN("CRITICAL", "HIGH", "MEDIUM", "LOW"))
             and (.category | type) == "string" and (.message | type) == "string"
             and (.message | length) > 0 and has("subject"))'
    og_assert_jq "$name: summary counts match the findings" \
        '.summary.critical == ([.findings[] | select(.severity == "CRITICAL")] | length)
         and .summary.high == ([.findings[] | select(.severity == "HIGH")] | length)
         and .summary.medium == ([.findings[] | select(.severity == "MEDIUM")] | length)
         and .summary.low == ([.findings[] | select(.severity == "LOW")] | length)'
    if [ "$want" -eq 1 ]; then
        og_assert_jq "$name: verdict fail" '.verdict == "fail"'
    else
        og_assert_jq "$name: verdict pass or warn" '.verdict == "pass" or .verdict == "warn"'
        og_assert_jq "$name: verdict warn when a MEDIUM finding is present" \
            '([.findings[] | select(.severity == "MEDIUM")] | length) == 0 or .verdict == "warn"'
    fi
    local id
    while IFS= read -r id; do
        [ -n "$id" ] || continue
        og_assert_jq "$name: finding $id present" \
            --arg id "$id" 'any(.findings[]; .id == $id)'
    done < <(jq -r '.expect[]' <<<"$case_json")
    if [ "$(jq -r '.valid' <<<"$case_json")" = true ]; then
        if jq -e 'all(.findings[]; .severity != "HIGH" and .severity != "CRITICAL")' \
            "$OG_OUT" >/dev/null 2>&1; then
            og_pass "$name: no HIGH or CRITICAL finding"
        else
            og_fail "$name: no HIGH or CRITICAL finding" \
                "$(jq -c '[.findings[] | select(.severity == "HIGH" or .severity == "CRITICAL")
                          | {id, severity, subject, message}]' "$OG_OUT" | head -c 1500)"
        fi
    fi
    og_assert_jq "$name: image.ref names the input" --argjson c "$case_json" \
        '($c.ref | sub("^(oci|oci-archive|docker-archive):"; "") | split(":")[0]) as $path
         | (.image.ref | type) == "string" and (.image.ref | contains($path))'
    # facts the generator knows: the top digest, each layer's digest and diff_id
    if jq -e '.digest != null and .platform == null' <<<"$case_json" >/dev/null; then
        og_assert_jq "$name: image.digest" --argjson c "$case_json" '.image.digest == $c.digest'
    fi
    if jq -e '(.layers // []) | length > 0' <<<"$case_json" >/dev/null; then
        og_assert_jq "$name: layers[] digests and diffIds" --argjson c "$case_json" \
            '. as $r | all($c.layers[]; . as $l
                | any($r.layers[]; .digest == $l.digest and .diffId == $l.diffId))'
        og_assert_jq "$name: layers[] have compression, sizes, entries" \
            'all(.layers[]; (.mediaType | type) == "string" and (.compression | type) == "string"
                 and (.size | type) == "number" and (.uncompressedSize | type) == "number"
                 and (.entries | type) == "number")'
    fi
    if jq -e '(.platforms // []) | length > 0' <<<"$case_json" >/dev/null; then
        og_assert_jq "$name: image.platforms lists every platform" --argjson c "$case_json" \
            '[.image.platforms[] | if type == "string" then .
              else ([.os, .architecture, .variant] | map(select(. != null and . != "")) | join("/"))
              end] as $p | all($c.platforms[]; . as $w | $p | index($w) != null)'
    fi
}

ncases=$(jq --arg f "$filter" '[.[] | select(.name | test($f))] | length' "$CASES")
[ "$ncases" -gt 0 ] || og_die "no case matches '$filter'"
echo "# $ncases cases from $CASES"

while IFS= read -r c; do
    name=$(jq -r .name <<<"$c")
    ref=$(jq -r .ref <<<"$c")
    want=$(jq -r .exit <<<"$c")
    platform=$(jq -r '.platform // empty' <<<"$c")
    args=(validate --format json)
    [ -n "$platform" ] && args+=(--platform "$platform")
    args+=("$ref")
    og_run "${args[@]}"
    og_assert_exit "$name: validate exit" "$want" || continue
    if [ "$want" -eq 2 ]; then
        og_assert_error_line "$name: error message"
    else
        check_report "$name" "$want" "$c"
    fi
done < <(jq -c --arg f "$filter" '.[] | select(.name | test($f))' "$CASES")

# Text output: same exit code as JSON, the finding id appears.
text_case() {
    local name=$1 id=${2:-} c ref want
    c=$(jq -c --arg n "$name" '.[] | select(.name == $n)' "$CASES")
    [ -n "$c" ] || { og_fail "text: case $name not in cases.json"; return; }
    ref=$(jq -r .ref <<<"$c")
    want=$(jq -r .exit <<<"$c")
    og_run validate "$ref"
    og_assert_exit "$name: validate (text) exit matches the JSON run" "$want"
    if [ -n "$id" ]; then
        if grep -qF "$id" "$OG_OUT" "$OG_ERR"; then
            og_pass "$name: text output names $id"
        else
            og_fail "$name: text output names $id" "$(head -c 400 "$OG_OUT")"
        fi
    fi
    if jq -e . "$OG_OUT" >/dev/null 2>&1 && [ -s "$OG_OUT" ] && \
        jq -e 'type == "object" and has("findings")' "$OG_OUT" >/dev/null 2>&1; then
        og_fail "$name: text output is not the JSON report"
    else
        og_pass "$name: text output is not the JSON report"
    fi
}
if [ "$filter" = . ]; then
    text_case valid-oci-traps
    text_case valid-oci-multilayer
    text_case bad-blob-missing blob.missing
    text_case bad-path-traversal path.traversal
    text_case err-oci-two-refs-noref

    # --jobs must not change the result
    for name in valid-oci-multilayer bad-index-platform-blob-missing bad-link-escape-write-through; do
        ref=$(jq -r --arg n "$name" '.[] | select(.name == $n) | .ref' "$CASES")
        og_run validate --format json --jobs 1 "$ref"
        rc1=$OG_RC
        ids1=$(jq -c '[.findings[] | [.id, .severity, (.subject | tostring)]] | sort' "$OG_OUT" 2>/dev/null)
        lay1=$(jq -c '[.layers[] | [.digest, .diffId, .uncompressedSize, .entries]] | sort' "$OG_OUT" 2>/dev/null)
        og_run validate --format json --jobs 4 "$ref"
        ids4=$(jq -c '[.findings[] | [.id, .severity, (.subject | tostring)]] | sort' "$OG_OUT" 2>/dev/null)
        lay4=$(jq -c '[.layers[] | [.digest, .diffId, .uncompressedSize, .entries]] | sort' "$OG_OUT" 2>/dev/null)
        og_assert_eq "$name: --jobs 1 and --jobs 4 exit" "$rc1" "$OG_RC"
        og_assert_eq "$name: --jobs 1 and --jobs 4 findings" "$ids1" "$ids4"
        og_assert_eq "$name: --jobs 1 and --jobs 4 layers" "$lay1" "$lay4"
    done
fi

og_finish
