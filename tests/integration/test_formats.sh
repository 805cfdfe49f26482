#!/usr/bin/env bash
# The CI report formats through the real binary, on a few valid and broken cases
# of OG_IMAGES/cases.json:
#   ocigate validate --format markdown|github|junit|sarif REF
#   ocigate validate --report sarif=PATH --report junit=PATH --error-log PATH REF
# SARIF is checked against the vendored SARIF 2.1.0 schema (testdata/sarif/) with
# python3's jsonschema module, JUnit with `xmllint --noout` and XPath counts, the
# markdown summary and the GitHub workflow commands line by line, the error log as
# JSON Lines. Exits 77 (skipped) when xmllint or jsonschema is missing
# (Debian: libxml2-utils, python3-jsonschema).
#
#   OCIGATE=build/ocigate OG_IMAGES=build/testimages bash tests/integration/test_formats.sh

. "$(dirname "$0")/lib.sh"
og_need_images
CASES="$OG_IMAGES/cases.json"
w="$OG_WORK"
SCHEMA="${OG_TESTDATA:-$OG_SRC/testdata}/sarif/sarif-schema-2.1.0.json"

command -v xmllint >/dev/null 2>&1 || og_skip "xmllint is not installed (libxml2-utils)"
PYTHON=
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import jsonschema' >/dev/null 2>&1; then
        PYTHON=$p
        break
    fi
done
[ -n "$PYTHON" ] || og_skip "python3 with the jsonschema module is not installed (python3-jsonschema)"
[ -f "$SCHEMA" ] || og_die "the SARIF schema is missing: $SCHEMA"

cat >"$w/sarif_check.py" <<'EOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
with open(sys.argv[2], "rb") as f:
    doc = json.loads(f.read().decode("utf-8"))
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:5]:
    print("%s: %s" % ("/".join(str(p) for p in e.path), e.message[:300]))
sys.exit(1 if errors else 0)
EOF

# The cases: valid images (one with an index of two platforms) and broken ones.
NAMES="valid-oci-multilayer valid-oci-index valid-docker-legacy bad-blob-digest-mismatch
       bad-layer-tar-invalid bad-path-traversal bad-link-escape-symlink bad-manifest-schema-version
       bad-layout-index-json"
ncase=0

case_json() { jq -c --arg n "$1" '.[] | select(.name == $n)' "$CASES"; }
jq_true() { jq -e "$@" >/dev/null 2>&1; }

# validate_args NAME: the validate arguments of a case (platform, ref) into ARGS.
validate_args() {
    local c=$1 platform
    platform=$(jq -r '.platform // empty' <<<"$c")
    ARGS=()
    [ -n "$platform" ] && ARGS+=(--platform "$platform")
    ARGS+=("$(jq -r .ref <<<"$c")")
}

# ---------------------------------------------------------------- checks

# sarif_ok NAME FILE WANT EXPECT_IDS: schema-valid SARIF with consistent rules/results.
sarif_ok() {
    local name=$1 f=$2 want=$3 ids=$4 out id
    if out=$("$PYTHON" "$w/sarif_check.py" "$SCHEMA" "$f" 2>&1); then
        og_pass "$name: SARIF validates against the 2.1.0 schema"
    else
        og_fail "$name: SARIF validates against the 2.1.0 schema" "$(head -c 1500 <<<"$out")"
    fi
    if jq -e '.version == "2.1.0" and (.["$schema"] | test("sarif-2.1.0")) and (.runs | length) == 1
              and .runs[0].tool.driver.name == "ocigate"' "$f" >/dev/null 2>&1; then
        og_pass "$name: SARIF version, one run, driver ocigate"
    else
        og_fail "$name: SARIF version, one run, driver ocigate" "$(head -c 300 "$f")"
    fi
    if jq -e '.runs[0] as $r | ($r.tool.driver.rules | map(.id)) as $ids
              | ($ids | length) == ($ids | unique | length)
              and all($r.tool.driver.rules[]; (.shortDescription.text | length) > 0
                  and (.fullDescription.text | length) > 0
                  and (.properties["security-severity"] | IN("9.5", "8.0", "5.5", "3.0"))
                  and (.defaultConfiguration.level | IN("error", "warning", "note")))
              and all($r.results[]; . as $x | $ids[$x.ruleIndex] == $x.ruleId
                  and ($x.level | IN("error", "warning", "note"))
                  and ($x.message.text | length) > 0
                  and ($x.locations | length) == 1
                  and ($x.locations[0].physicalLocation.artifactLocation.uri | length) > 0
                  and ($x.partialFingerprints["ocigate/v1"] | test("^[0-9a-f]{64}$")))' \
        "$f" >/dev/null 2>&1; then
        og_pass "$name: SARIF rules described, results point at their rule, fingerprints set"
    else
        og_fail "$name: SARIF rules described, results point at their rule, fingerprints set" \
            "$(jq -c '.runs[0].results[0:2]' "$f" 2>/dev/null | head -c 600)"
    fi
    for id in $ids; do
        if jq -e --arg id "$id" 'any(.runs[0].results[]; .ruleId == $id)' "$f" >/dev/null 2>&1; then
            og_pass "$name: SARIF has a result for $id"
        else
            og_fail "$name: SARIF has a result for $id"
        fi
    done
    if [ "$want" -eq 1 ]; then
        og_check "$name: SARIF has an error-level result" \
            jq_true 'any(.runs[0].results[]; .level == "error" and (has("suppressions") | not))' "$f"
    fi
}

# junit_ok NAME FILE WANT EXPECT_IDS: well-formed JUnit whose counts add up.
junit_ok() {
    local name=$1 f=$2 want=$3 ids=$4 tests cases failures failed skipped skips id
    if xmllint --noout "$f" 2>"$w/xmllint.err"; then
        og_pass "$name: JUnit is well-formed XML"
    else
        og_fail "$name: JUnit is well-formed XML" "$(head -c 600 "$w/xmllint.err")"
        return
    fi
    local nsuites k st sc
    # one <testsuite> per image and platform: each suite's counts add up
    nsuites=$(xmllint --xpath 'count(/testsuites/testsuite)' "$f" 2>/dev/null)
    for k in $(seq 1 "${nsuites:-0}"); do
        st=$(xmllint --xpath "string(/testsuites/testsuite[$k]/@tests)" "$f" 2>/dev/null)
        sc=$(xmllint --xpath "count(/testsuites/testsuite[$k]/testcase)" "$f" 2>/dev/null)
        og_assert_eq "$name: JUnit suite $k: tests= counts its testcases" "$st" "$sc"
        og_assert_eq "$name: JUnit suite $k: failures= counts its failed testcases" \
            "$(xmllint --xpath "string(/testsuites/testsuite[$k]/@failures)" "$f" 2>/dev/null)" \
            "$(xmllint --xpath "count(/testsuites/testsuite[$k]/testcase[failure])" "$f" 2>/dev/null)"
        og_assert_eq "$name: JUnit suite $k: skipped= counts its skipped testcases" \
            "$(xmllint --xpath "string(/testsuites/testsuite[$k]/@skipped)" "$f" 2>/dev/null)" \
            "$(xmllint --xpath "count(/testsuites/testsuite[$k]/testcase[skipped])" "$f" 2>/dev/null)"
    done
    tests=$(xmllint --xpath 'sum(/testsuites/testsuite/@tests)' "$f" 2>/dev/null)
    cases=$(xmllint --xpath 'count(/testsuites/testsuite/testcase)' "$f" 2>/dev/null)
    failures=$(xmllint --xpath 'sum(/testsuites/testsuite/@failures)' "$f" 2>/dev/null)
    failed=$(xmllint --xpath 'count(/testsuites/testsuite/testcase[failure])' "$f" 2>/dev/null)
    skipped=$(xmllint --xpath 'sum(/testsuites/testsuite/@skipped)' "$f" 2>/dev/null)
    skips=$(xmllint --xpath 'count(/testsuites/testsuite/testcase[skipped])' "$f" 2>/dev/null)
    og_assert_eq "$name: JUnit tests= counts the testcases" "$tests" "$cases"
    og_assert_eq "$name: JUnit failures= counts the failed testcases" "$failures" "$failed"
    og_assert_eq "$name: JUnit skipped= counts the skipped testcases" "$skipped" "$skips"
    og_assert_eq "$name: JUnit totals are the suites' sums" \
        "$(xmllint --xpath 'concat(/testsuites/@tests, ",", /testsuites/@failures, ",", /testsuites/@skipped)' "$f" 2>/dev/null)" \
        "$tests,$failures,$skipped"
    if [ "${cases:-0}" -gt 0 ]; then
        og_pass "$name: JUnit has testcases (the checks that ran)"
    else
        og_fail "$name: JUnit has testcases (the checks that ran)"
    fi
    og_assert_eq "$name: every testcase has classname ocigate" \
        "$(xmllint --xpath 'count(//testcase[@classname != "ocigate"])' "$f" 2>/dev/null)" 0
    if [ "$want" -eq 1 ]; then
        if [ "${failed:-0}" -gt 0 ]; then
            og_pass "$name: JUnit has a failure"
        else
            og_fail "$name: JUnit has a failure"
        fi
    else
        og_assert_eq "$name: JUnit has no failure" "$failed" 0
    fi
    for id in $ids; do
        og_assert_eq "$name: JUnit has one testcase $id" \
            "$(xmllint --xpath "count(//testcase[@name='$id'])" "$f" 2>/dev/null)" 1
    done
}

# markdown_ok NAME FILE WANT EXPECT_IDS
markdown_ok() {
    local name=$1 f=$2 want=$3 ids=$4 first size id
    first=$(head -n 1 "$f")
    if [ "$want" -eq 1 ]; then
        og_check "$name: markdown heading says FAIL" grep -q '^## ❌ ocigate: FAIL' <<<"$first"
    else
        og_check "$name: markdown heading says PASS or WARN" \
            grep -qE '^## (✅ ocigate: PASS|⚠️ ocigate: WARN)' <<<"$first"
    fi
    og_check "$name: markdown has the image table" grep -qF '| Image | Digest | Platforms | Layers |' "$f"
    og_check "$name: markdown has the findings section" grep -q '^### Findings' "$f"
    size=$(wc -c <"$f")
    if [ "$size" -lt 1000000 ]; then
        og_pass "$name: markdown stays under 1,000,000 bytes ($size)"
    else
        og_fail "$name: markdown stays under 1,000,000 bytes ($size)"
    fi
    for id in $ids; do
        # ids are escaped text: '_' is written &#95; (sed: in ${id//_/...} bash 5.2
        # would read the '&' as the matched text)
        # shellcheck disable=SC2001
        og_check "$name: markdown names $id" grep -qF "| $(sed 's/_/\&#95;/g' <<<"$id") |" "$f"
    done
    if LC_ALL=C grep -q $'\x1b' "$f"; then
        og_fail "$name: markdown has no ESC byte"
    else
        og_pass "$name: markdown has no ESC byte"
    fi
}

# github_ok NAME FILE WANT EXPECT_IDS
github_ok() {
    local name=$1 f=$2 want=$3 ids=$4 bad id
    bad=$(grep -cvE '^::(error|warning|notice)( title=[^:]*)?::' "$f")
    og_assert_eq "$name: every github line is a workflow command" "$bad" 0
    if [ "$(grep -c '^::error title=' "$f")" -le 10 ] && [ "$(grep -c '^::warning title=' "$f")" -le 10 ] \
        && [ "$(grep -c '^::notice title=' "$f")" -le 10 ]; then
        og_pass "$name: at most 10 annotations of each kind"
    else
        og_fail "$name: at most 10 annotations of each kind"
    fi
    if [ "$want" -eq 1 ]; then
        og_check "$name: github has an ::error" grep -q '^::error title=' "$f"
    else
        og_assert_eq "$name: github has no ::error" "$(grep -c '^::error' "$f")" 0
    fi
    for id in $ids; do
        if [ "$(grep -c '^::[a-z]* title=' "$f")" -ge 10 ]; then
            break # may be among the ones not shown
        fi
        og_check "$name: github annotates $id" grep -qF "title=$id::" "$f"
    done
}

# errorlog_ok NAME FILE NFINDINGS
errorlog_ok() {
    local name=$1 f=$2 n=$3 lines
    lines=$(grep -c '' "$f")
    og_assert_eq "$name: error log has one line per finding and suppressed finding" "$lines" "$n"
    if [ "$lines" -eq 0 ] || jq -e -s 'all(.[]; type == "object"
            and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
            and (.id | type) == "string" and (.category | type) == "string"
            and (.severity | IN("CRITICAL", "HIGH", "MEDIUM", "LOW"))
            and (.subject | type) == "string" and (.message | type) == "string"
            and (.context.ref | type) == "string" and (.context.platforms | type) == "array")' \
            "$f" >/dev/null 2>&1; then
        og_pass "$name: error log lines are JSON objects with time, id, category, severity, subject, message, context"
    else
        og_fail "$name: error log lines are JSON objects with time, id, category, severity, subject, message, context" \
            "$(head -c 400 "$f")"
    fi
}

# ---------------------------------------------------------------- runs

for name in $NAMES; do
    c=$(case_json "$name")
    if [ -z "$c" ]; then
        echo "# case $name not in cases.json, skipped"
        continue
    fi
    ncase=$((ncase + 1))
    want=$(jq -r .exit <<<"$c")
    ids=$(jq -r '.expect[]' <<<"$c")
    validate_args "$c"
    d="$w/$name"
    mkdir -p "$d"

    # JSON: the reference run, and the policy/suppressed keys.
    og_run validate --format json "${ARGS[@]}"
    og_assert_exit "$name: --format json" "$want" || continue
    cp "$OG_OUT" "$d/report.json"
    og_assert_jq "$name: JSON has policy {path, digest} and suppressed []" \
        '(.policy | type) == "object" and (.policy | has("path") and has("digest"))
         and (.suppressed | type) == "array"'
    nfind=$(jq '(.findings | length) + (.suppressed | length)' "$d/report.json")

    og_run validate --format sarif "${ARGS[@]}"
    og_assert_exit "$name: --format sarif" "$want"
    cp "$OG_OUT" "$d/stdout.sarif"
    sarif_ok "$name (--format sarif)" "$d/stdout.sarif" "$want" "$ids"
    og_assert_eq "$name: SARIF has a result per finding and suppressed finding" \
        "$(jq '.runs[0].results | length' "$d/stdout.sarif" 2>/dev/null)" "$nfind"
    # Fingerprints are stable from run to run.
    og_run validate --format sarif "${ARGS[@]}"
    og_assert_eq "$name: SARIF fingerprints are stable across runs" \
        "$(jq -c '[.runs[0].results[].partialFingerprints]' "$OG_OUT" 2>/dev/null)" \
        "$(jq -c '[.runs[0].results[].partialFingerprints]' "$d/stdout.sarif" 2>/dev/null)"

    og_run validate --format junit "${ARGS[@]}"
    og_assert_exit "$name: --format junit" "$want"
    cp "$OG_OUT" "$d/stdout.xml"
    junit_ok "$name (--format junit)" "$d/stdout.xml" "$want" "$ids"
    og_assert_eq "$name: JUnit has one suite per platform" \
        "$(xmllint --xpath 'count(/testsuites/testsuite)' "$d/stdout.xml" 2>/dev/null)" \
        "$(jq '.image.platforms | length | if . == 0 then 1 else . end' "$d/report.json" 2>/dev/null)"

    og_run validate --format markdown "${ARGS[@]}"
    og_assert_exit "$name: --format markdown" "$want"
    cp "$OG_OUT" "$d/stdout.md"
    markdown_ok "$name" "$d/stdout.md" "$want" "$ids"

    og_run validate --format github "${ARGS[@]}"
    og_assert_exit "$name: --format github" "$want"
    cp "$OG_OUT" "$d/stdout.gh"
    github_ok "$name" "$d/stdout.gh" "$want" "$ids"

    # Several reports from one run, and the error log.
    rm -f "$d/r.sarif" "$d/r.xml" "$d/errors.jsonl"
    og_run validate --report "sarif=$d/r.sarif" --report "junit=$d/r.xml" \
        --error-log "$d/errors.jsonl" "${ARGS[@]}"
    og_assert_exit "$name: --report sarif=, --report junit=, --error-log" "$want"
    if [ -s "$d/r.sarif" ] && [ -s "$d/r.xml" ] && [ -f "$d/errors.jsonl" ]; then
        og_pass "$name: --report and --error-log files written"
        sarif_ok "$name (--report sarif)" "$d/r.sarif" "$want" "$ids"
        junit_ok "$name (--report junit)" "$d/r.xml" "$want" "$ids"
        errorlog_ok "$name" "$d/errors.jsonl" "$nfind"
        og_assert_eq "$name: --report sarif holds the same results as --format sarif" \
            "$(jq -c '[.runs[0].results[] | [.ruleId, .partialFingerprints]]' "$d/r.sarif" 2>/dev/null)" \
            "$(jq -c '[.runs[0].results[] | [.ruleId, .partialFingerprints]]' "$d/stdout.sarif" 2>/dev/null)"
    else
        og_fail "$name: --report and --error-log files written" "$(ls -l "$d" | tr '\n' ' ')"
    fi
done
[ "$ncase" -gt 0 ] || og_die "none of the cases ($NAMES) is in $CASES"

# In GitHub Actions: the markdown summary is appended to $GITHUB_STEP_SUMMARY
# (what was there stays), and annotations are printed.
c=$(case_json bad-path-traversal)
if [ -n "$c" ]; then
    validate_args "$c"
    printf 'earlier step\n' >"$w/summary.md"
    og_run_env GITHUB_ACTIONS=true "GITHUB_STEP_SUMMARY=$w/summary.md" -- validate "${ARGS[@]}"
    og_assert_exit "GitHub Actions run" 1
    if [ "$(head -n 1 "$w/summary.md")" = "earlier step" ] && grep -q '^## ❌ ocigate: FAIL' "$w/summary.md"; then
        og_pass "GitHub Actions: markdown appended to \$GITHUB_STEP_SUMMARY"
    else
        og_fail "GitHub Actions: markdown appended to \$GITHUB_STEP_SUMMARY" "$(head -c 300 "$w/summary.md")"
    fi
    if grep -q '^::error title=path.traversal::' "$OG_OUT" "$OG_ERR"; then
        og_pass "GitHub Actions: ::error annotation printed"
    else
        og_fail "GitHub Actions: ::error annotation printed"
    fi
fi

og_finish
