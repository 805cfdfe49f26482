#!/usr/bin/env bash
# The policy gate on real images with the real binary:
#  - every metadata check trips on its meta-* image (OG_IMAGES/policy-cases.json,
#    policies in testdata/policies/) and not on meta-good; the JSON verdict,
#    summary and exit code agree; "policy" names the file and its sha256;
#  - `policy check` names the JSON path of a typo'd key at each level, accepts
#    the issue's example and what `policy init` prints;
#  - --fail-on against the policy's fail_on, severity overrides, ignore entries
#    (live, expired, unused, integrity ids refused), run.nothing_checked;
#  - a decompression bomb (300 MiB of zeros, built here and deleted after);
#  - the report outputs of one run with a policy (--report, --error-log,
#    GITHUB_ACTIONS, GITHUB_STEP_SUMMARY), and a forbidden variable's value in
#    none of them.
#
#   OCIGATE=build/ocigate OG_IMAGES=build/testimages bash tests/integration/test_policy.sh
# Optional: OG_CASES=regex to run only matching policy cases (and skip the rest).

. "$(dirname "$0")/lib.sh"
og_need_images
PCASES="$OG_IMAGES/policy-cases.json"
[ -f "$PCASES" ] || og_die "$PCASES missing (run tests/gen/genimages.py $OG_IMAGES)"
POL="${OG_TESTDATA:-$OG_SRC/testdata}/policies"
[ -d "$POL" ] || og_die "no policy directory $POL"
filter=${OG_CASES:-.}
W=$OG_WORK
# Workflow commands and the step summary only where this script asks for them
# (the suite itself may run inside GitHub Actions).
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY

# ref_of NAME: the ref of a policy case.
ref_of() {
    jq -r --arg n "$1" '.[] | select(.name == $n) | .ref' "$PCASES"
}

# check_gate NAME WANT_EXIT POLICY_PATH|"" THRESHOLD: the JSON report of the last
# run: exit, schema, summary, verdict against THRESHOLD, policy path and digest.
check_gate() {
    local name=$1 want=$2 pol=$3 thr=$4 res line digest=""
    og_assert_exit "$name: exit" "$want" || return 1
    [ -n "$pol" ] && digest="sha256:$(og_sha256 "$pol")"
    # one jq for all of it (jq starts slowly): "ok|bad<TAB>description" lines
    res=$(jq -r -s --arg t "$thr" --arg p "$pol" --arg d "$digest" --argjson rc "$OG_RC" '
        def rank: {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}[.];
        def line($ok; $what): (if $ok then "ok" else "bad" end) + "\t" + $what;
        if length != 1 or (.[0] | type) != "object" then line(false; "report is JSON")
        else .[0] | line(true; "report is JSON"),
          line((.findings | type) == "array" and (.suppressed | type) == "array"
               and all(.findings[], .suppressed[]; (.id | type) == "string"
                   and (.severity | IN("CRITICAL", "HIGH", "MEDIUM", "LOW"))
                   and (.message | type) == "string" and has("subject"));
               "findings and suppressed are arrays of findings"),
          line(.summary.critical == ([.findings[] | select(.severity == "CRITICAL")] | length)
               and .summary.high == ([.findings[] | select(.severity == "HIGH")] | length)
               and .summary.medium == ([.findings[] | select(.severity == "MEDIUM")] | length)
               and .summary.low == ([.findings[] | select(.severity == "LOW")] | length);
               "summary counts the findings (not the suppressed)"),
          (([.findings[].severity | rank] | max // 0) as $m
           | line(.verdict == (if $m >= ($t | rank) then "fail" elif $m >= 2 then "warn"
                               else "pass" end);
                  "verdict \(.verdict) follows the findings and the \($t) threshold")),
          line((.verdict == "fail") == ($rc == 1); "exit \($rc) goes with verdict \(.verdict)"),
          (if $p != "" then
             line(.policy.path == $p and .policy.digest == $d;
                  "policy.path and policy.digest (sha256 of the file)")
           else
             line(.policy.path == null and .policy.digest == null;
                  "policy null, null (built-in default)")
           end)
        end' "$OG_OUT" 2>&1)
    local bad=0
    while IFS=$'\t' read -r ok line; do
        case $ok in
            ok) og_pass "$name: $line" ;;
            bad)
                bad=1
                og_fail "$name: $line" \
                    "$(jq -c '{verdict, summary, policy, ids: [.findings[]? | .id]}' "$OG_OUT" 2>&1 |
                        head -c 600)"
                ;;
            *)
                bad=1
                og_fail "$name: report is JSON" "jq: $ok $line"
                ;;
        esac
    done <<<"$res"
    [ "$bad" -eq 0 ]
}

# threshold_of POLICY_PATH|"": the policy's fail_on (HIGH when unset).
threshold_of() {
    if [ -n "$1" ]; then
        jq -r '.fail_on // "HIGH" | ascii_upcase' "$1"
    else
        echo HIGH
    fi
}

has_id() {
    jq -e --arg id "$1" 'any(.findings[]; .id == $id)' "$OG_OUT" >/dev/null 2>&1
}

# ---------------------------------------------------------------- policy cases

ncases=$(jq --arg f "$filter" '[.[] | select(.name | test($f))] | length' "$PCASES")
[ "$ncases" -gt 0 ] || og_die "no policy case matches '$filter'"
echo "# $ncases policy cases from $PCASES, policies from $POL"

while IFS= read -r c; do
    # one jq for the case's fields (jq starts slowly)
    name="" ref="" want="" pfile="" expect="" absent="" v="" clean="" secret="" subjects="" only=""
    eval "$(jq -r '@sh "name=\(.name) ref=\(.ref) want=\(.exit) pfile=\(.policy // "")
        expect=\(.expect | join(" ")) absent=\(.absent | join(" "))
        v=\(.verdict // "") clean=\(.clean // false) secret=\(.secret // "")
        subjects=\([(.subjects // [])[] | join("\t")] | join("\n"))
        only=\(.only_subjects // {} | tojson)"' <<<"$c")"
    pol=""
    args=(validate --format json)
    if [ -n "$pfile" ]; then
        pol="$POL/$pfile"
        [ -f "$pol" ] || { og_fail "$name: policy file $pol exists"; continue; }
        args+=(--policy "$pol")
    fi
    og_run "${args[@]}" "$ref"
    check_gate "$name" "$want" "$pol" "$(threshold_of "$pol")" || continue
    ids=" $(jq -r '[.findings[].id] | unique | join(" ")' "$OG_OUT") "
    for id in $expect; do
        if [[ $ids == *" $id "* ]]; then
            og_pass "$name: $id present"
        else
            og_fail "$name: $id present" "findings:$ids"
        fi
    done
    for id in $absent; do
        if [[ $ids == *" $id "* ]]; then
            og_fail "$name: $id absent" \
                "$(jq -c --arg id "$id" '[.findings[] | select(.id == $id)]' "$OG_OUT" | head -c 600)"
        else
            og_pass "$name: $id absent"
        fi
    done
    while IFS=$'\t' read -r id subj; do
        [ -n "$id" ] || continue
        og_assert_jq "$name: $id with subject $subj" --arg id "$id" --arg s "$subj" \
            'any(.findings[]; .id == $id and .subject == $s)'
    done <<<"$subjects"
    if [ "$only" != "{}" ]; then
        og_assert_jq "$name: no other subjects than $only" --argjson o "$only" \
            '. as $r | all($o | to_entries[]; .key as $id | .value as $ok
                 | all($r.findings[] | select(.id == $id); .subject as $s
                       | ($ok | index($s)) != null))'
    fi
    [ -n "$v" ] && og_assert_jq "$name: verdict $v" --arg v "$v" '.verdict == $v'
    if [ "$clean" = true ]; then
        if [ "$(jq -r '[.findings[] | select(.severity != "LOW")] | length' "$OG_OUT")" = 0 ]; then
            og_pass "$name: nothing at MEDIUM or above"
        else
            og_fail "$name: nothing at MEDIUM or above" \
                "$(jq -c '[.findings[] | select(.severity != "LOW") | {id, severity, subject, message}]' \
                    "$OG_OUT" | head -c 1500)"
        fi
    fi
    if [ -n "$secret" ]; then
        if grep -qF -- "$secret" "$OG_OUT" "$OG_ERR"; then
            og_fail "$name: the forbidden variable's value is not in the output"
        else
            og_pass "$name: the forbidden variable's value is not in the output"
        fi
    fi
done < <(jq -c --arg f "$filter" '.[] | select(.name | test($f))' "$PCASES")

if [ "$filter" != . ]; then
    og_finish
fi

GOOD=$(ref_of meta-good+strict)
[ -n "$GOOD" ] || og_die "meta-good+strict not in $PCASES"

# text output: the same exit as JSON, the id named
for name in meta-size-layer meta-user-root-zero meta-annotations-missing; do
    c=$(jq -c --arg n "$name" '.[] | select(.name == $n)' "$PCASES")
    og_run validate --policy "$POL/$(jq -r .policy <<<"$c")" "$(jq -r .ref <<<"$c")"
    og_assert_exit "$name: text report exit as in JSON" "$(jq -r .exit <<<"$c")"
    id=$(jq -r '.expect[0]' <<<"$c")
    if grep -qF "$id" "$OG_OUT"; then
        og_pass "$name: text report names $id"
    else
        og_fail "$name: text report names $id" "$(head -c 400 "$OG_OUT")"
    fi
done

# ------------------------------------------------------------ policy check

# a typo'd key (or value) at each level: policy check exit 1, validate exit 2,
# both naming the file and the JSON pointer
bad_policy() {
    local what=$1 json=$2 pointer=$3 word=$4 f
    f="$W/bad-$((++nbad)).json"
    printf '%s\n' "$json" >"$f"
    og_run policy check "$f"
    og_assert_exit "policy check: $what" 1
    if grep -qF -- "$f: $pointer" "$OG_ERR" && grep -qF -- "$word" "$OG_ERR"; then
        og_pass "policy check: $what: stderr names $pointer"
    else
        og_fail "policy check: $what: stderr names '$f: $pointer' and '$word'"
    fi
    og_run validate --format json --policy "$f" "$GOOD"
    og_assert_exit "validate --policy: $what" 2
    if grep -qF -- "$pointer" "$OG_ERR"; then
        og_pass "validate --policy: $what: stderr names $pointer"
    else
        og_fail "validate --policy: $what: stderr names $pointer"
    fi
    if [ -s "$OG_OUT" ]; then
        og_fail "validate --policy: $what: no report on stdout" "$(head -c 200 "$OG_OUT")"
    else
        og_pass "validate --policy: $what: no report on stdout"
    fi
}
nbad=0
bad_policy "top-level typo" '{"version": 1, "platfroms": {"allowed": []}}' \
    "/platfroms" "unknown key"
bad_policy "top-level typo (fail_on)" '{"version": 1, "failon": "HIGH"}' "/failon" "unknown key"
bad_policy "size typo" '{"version": 1, "size": {"max_layr": 100}}' "/size/max_layr" "max_layer"
bad_policy "platforms typo" '{"version": 1, "platforms": {"alowed": ["linux/amd64"]}}' \
    "/platforms/alowed" "unknown key"
bad_policy "labels typo" '{"version": 1, "labels": {"requird": ["a"]}}' "/labels/requird" \
    "unknown key"
bad_policy "entrypoint typo" '{"version": 1, "entrypoint": {"exec_from": true}}' \
    "/entrypoint/exec_from" "unknown key"
bad_policy "user typo" '{"version": 1, "user": {"nonroot": true}}' "/user/nonroot" "unknown key"
bad_policy "env typo" '{"version": 1, "env": {"forbiden": ["AWS_SECRET_ACCESS_KEY"]}}' \
    "/env/forbiden" "unknown key"
bad_policy "ports typo" '{"version": 1, "ports": {"alowed": [8080]}}' "/ports/alowed" \
    "unknown key"
bad_policy "metadata typo" '{"version": 1, "metadata": {"requried": ["created"]}}' \
    "/metadata/requried" "unknown key"
bad_policy "history typo" '{"version": 1, "history": {"match_layer": true}}' \
    "/history/match_layer" "unknown key"
bad_policy "annotations typo" '{"version": 1, "annotations": {"recomended": false}}' \
    "/annotations/recomended" "unknown key"
bad_policy "ignore entry typo" \
    '{"version": 1, "ignore": [{"id": "user.root", "reason": "r", "expire": "2099-01-01"}]}' \
    "/ignore/0/expire" "unknown key"
bad_policy "second ignore entry typo" \
    '{"version": 1, "ignore": [{"id": "user.root", "reason": "r"}, {"id": "port.not_allowed", "resaon": "r"}]}' \
    "/ignore/1/resaon" "unknown key"
bad_policy "key with a slash (~1 in the pointer)" '{"version": 1, "size": {"max/layer": 1}}' \
    "/size/max~1layer" "unknown key"
bad_policy "unknown check id in severity" '{"version": 1, "severity": {"user.rot": "HIGH"}}' \
    "/severity/user.rot" "user.root"
bad_policy "unknown config field in metadata.required" \
    '{"version": 1, "metadata": {"required": ["craeted"]}}' "/metadata/required/0" "craeted"
bad_policy "duplicate key" '{"version": 1, "size": {"max_layer": 1, "max_layer": 2}}' \
    "/size/max_layer" "duplicate"
bad_policy "bad size" '{"version": 1, "size": {"max_layer": "1gb"}}' "/size/max_layer" "1gb"
bad_policy "bad regex" '{"version": 1, "labels": {"match": {"a.b": "("}}}' "/labels/match/a.b" \
    "regular expression"
bad_policy "bad fail_on" '{"version": 1, "fail_on": "HIHG"}' "/fail_on" "HIGH"
bad_policy "ignore without a reason" '{"version": 1, "ignore": [{"id": "user.root"}]}' \
    "/ignore/0/reason" "reason"
bad_policy "version 2" '{"version": 2}' "/version" "version"
bad_policy "ignore an integrity id" \
    '{"version": 1, "ignore": [{"id": "layer.diffid_mismatch", "reason": "r"}]}' \
    "/ignore/0/id" "layer.diffid_mismatch"
bad_policy "downgrade an integrity id" '{"version": 1, "severity": {"blob.missing": "LOW"}}' \
    "/severity/blob.missing" "blob.missing"
bad_policy "ignore run.nothing_checked" \
    '{"version": 1, "ignore": [{"id": "run.nothing_checked", "reason": "r"}]}' "/ignore/0/id" \
    "run.nothing_checked"
bad_policy "re-severity run.nothing_checked" \
    '{"version": 1, "severity": {"run.nothing_checked": "LOW"}}' \
    "/severity/run.nothing_checked" "run.nothing_checked"
bad_policy "ignore policy.ignore_unused" \
    '{"version": 1, "ignore": [{"id": "policy.ignore_unused", "reason": "r"}]}' "/ignore/0/id" \
    "policy.ignore_unused"

# the integrity ignore, as a file of testdata
og_run policy check "$POL/ignore-integrity.json"
og_assert_exit "policy check ignore-integrity.json (ignores blob.missing)" 1
if grep -qF "ignore-integrity.json: /ignore/0/id" "$OG_ERR" && grep -qF blob.missing "$OG_ERR"; then
    og_pass "ignore-integrity.json: stderr names /ignore/0/id and blob.missing"
else
    og_fail "ignore-integrity.json: stderr names /ignore/0/id and blob.missing"
fi
og_run validate --format json --policy "$POL/ignore-integrity.json" "$GOOD"
og_assert_exit "validate --policy ignore-integrity.json" 2
og_assert_error_line "validate --policy ignore-integrity.json"

# every policy in testdata but ignore-integrity.json is valid, the issue's example too
for f in "$POL"/*.json; do
    [ "$(basename "$f")" = ignore-integrity.json ] && continue
    og_run policy check "$f"
    og_assert_exit "policy check $(basename "$f")" 0
done
og_run validate --format json --policy "$POL/issue-example.json" "$GOOD"
check_gate "meta-good under the issue's example policy" 0 "$POL/issue-example.json" HIGH

# missing files, missing argument
og_run policy check "$W/no-such-policy.json"
og_assert_exit "policy check of a missing file" 2
og_assert_error_line "policy check of a missing file"
og_run policy check
og_assert_exit "policy check without FILE" 2
og_run validate --policy "$W/no-such-policy.json" "$GOOD"
og_assert_exit "validate --policy of a missing file" 2
og_assert_error_line "validate --policy of a missing file"

# policy init: a valid policy that means what no --policy means
og_run policy init
og_assert_exit "policy init" 0
cp "$OG_OUT" "$W/init.json"
if jq -e '.version == 1' "$W/init.json" >/dev/null 2>&1; then
    og_pass "policy init prints a JSON policy with version 1"
else
    og_fail "policy init prints a JSON policy with version 1" "$(head -c 300 "$W/init.json")"
fi
og_run policy check "$W/init.json"
og_assert_exit "policy check of what policy init printed" 0
findings_key() {
    jq -c '[.findings[] | [.id, .severity, (.subject | tostring)]] | sort' "$OG_OUT" 2>/dev/null
}
for name in meta-good+strict meta-entrypoint-notfound meta-user-root-zero meta-history-mismatch \
    meta-annotations-missing meta-platform-missing-field meta-nothing-checked; do
    ref=$(ref_of "$name")
    og_run validate --format json "$ref"
    rc0=$OG_RC
    k0=$(findings_key)
    v0=$(og_jq .verdict)
    og_run validate --format json --policy "$W/init.json" "$ref"
    og_assert_eq "$name: --policy <init> exit as with no --policy" "$OG_RC" "$rc0"
    og_assert_eq "$name: --policy <init> findings as with no --policy" "$(findings_key)" "$k0"
    og_assert_eq "$name: --policy <init> verdict as with no --policy" "$(og_jq .verdict)" "$v0"
done

# --------------------------------------------- --fail-on and the policy's fail_on

# fail_on LOW: LOW findings fail; --fail-on HIGH lifts it
ANN=$(ref_of meta-annotations-missing)
og_run validate --format json --policy "$POL/failon-low.json" "$ANN"
check_gate "fail_on LOW, LOW findings" 1 "$POL/failon-low.json" LOW
og_run validate --format json --policy "$POL/failon-low.json" --fail-on HIGH "$ANN"
check_gate "fail_on LOW, --fail-on HIGH" 0 "$POL/failon-low.json" HIGH
og_assert_jq "fail_on LOW, --fail-on HIGH: verdict pass" '.verdict == "pass"'
# fail_on CRITICAL: a HIGH finding passes (warn); --fail-on HIGH / medium fail it
ENVM=$(ref_of meta-env-missing)
og_run validate --format json --policy "$POL/failon-critical.json" "$ENVM"
check_gate "fail_on CRITICAL, a HIGH finding" 0 "$POL/failon-critical.json" CRITICAL
og_assert_jq "fail_on CRITICAL, a HIGH finding: verdict warn" '.verdict == "warn"'
og_run validate --format json --policy "$POL/failon-critical.json" --fail-on HIGH "$ENVM"
check_gate "fail_on CRITICAL, --fail-on HIGH" 1 "$POL/failon-critical.json" HIGH
og_run validate --format json --policy "$POL/failon-critical.json" --fail-on medium "$ENVM"
check_gate "fail_on CRITICAL, --fail-on medium" 1 "$POL/failon-critical.json" MEDIUM
# and MEDIUM findings against fail_on MEDIUM / --fail-on
ROOT0=$(ref_of meta-user-root-zero)
og_run validate --format json --policy "$POL/strict.json" "$ROOT0"
check_gate "strict (fail_on MEDIUM), user.root MEDIUM" 1 "$POL/strict.json" MEDIUM
og_run validate --format json --policy "$POL/strict.json" --fail-on HIGH "$ROOT0"
check_gate "strict (fail_on MEDIUM), --fail-on HIGH" 0 "$POL/strict.json" HIGH
og_run validate --policy "$POL/strict.json" --fail-on HIGHEST "$ROOT0"
og_assert_exit "--fail-on HIGHEST is a usage error" 2

# every bad meta image fails the strict policy (fail_on MEDIUM; the one whose
# finding is LOW lacks the required labels too)
while IFS= read -r c; do
    name=$(jq -r .name <<<"$c")
    og_run validate --format json --policy "$POL/strict.json" "$(jq -r .ref <<<"$c")"
    check_gate "$name under strict.json" 1 "$POL/strict.json" MEDIUM
    while IFS= read -r id; do
        og_assert_jq "$name under strict.json: $id present" --arg id "$id" \
            'any(.findings[]; .id == $id)'
    done < <(jq -r '.expect[]' <<<"$c")
done < <(jq -c '.[] | select((.name | startswith("meta-good") | not) and (.expect | length) > 0
                             and .policy != "minimal.json" and .policy != "entrypoint-off.json")' \
    "$PCASES")

# ---------------------------------------------------------- severity overrides

og_run validate --format json --policy "$POL/severity-user-root.json" "$ROOT0"
check_gate "severity user.root HIGH" 1 "$POL/severity-user-root.json" HIGH
og_assert_jq "severity user.root HIGH: the finding is HIGH" \
    'any(.findings[]; .id == "user.root" and .severity == "HIGH")
     and all(.findings[] | select(.id == "user.root"); .severity == "HIGH")'
og_run validate --format json --policy "$POL/severity-env-low.json" "$ENVM"
check_gate "severity env.missing LOW" 0 "$POL/severity-env-low.json" HIGH
og_assert_jq "severity env.missing LOW: the finding is LOW, verdict pass" \
    'any(.findings[]; .id == "env.missing" and .severity == "LOW") and .verdict == "pass"'

# ------------------------------------------------------------------- ignore

# a live ignore with a reason: suppressed, listed apart, exit 0
og_run validate --format json --policy "$POL/ignore-user-root.json" "$ROOT0"
check_gate "ignore user.root (live)" 0 "$POL/ignore-user-root.json" HIGH
og_assert_jq "ignore user.root: not among the findings" 'all(.findings[]; .id != "user.root")'
og_assert_jq "ignore user.root: in suppressed, the reason at the end of its message" \
    'any(.suppressed[]; .id == "user.root"
         and (.message | endswith(" [ignored: runs in a user namespace (TICKET-7)]")))'
og_assert_jq "ignore user.root: no policy.ignore_* finding" \
    'all(.findings[]; .id | startswith("policy.ignore") | not)'
# the same entry past its date: not suppressed, and reported
og_run validate --format json --policy "$POL/ignore-expired.json" "$ROOT0"
check_gate "ignore user.root (expired)" 1 "$POL/ignore-expired.json" HIGH
og_assert_jq "expired ignore: user.root reported (HIGH), nothing suppressed" \
    'any(.findings[]; .id == "user.root" and .severity == "HIGH") and (.suppressed | length) == 0'
og_assert_jq "expired ignore: policy.ignore_expired (MEDIUM, subject user.root) names date and reason" \
    'any(.findings[]; .id == "policy.ignore_expired" and .severity == "MEDIUM"
         and .subject == "user.root" and (.message | contains("2020-01-01"))
         and (.message | contains("runs in a user namespace (TICKET-7)")))'
# a subject-scoped ignore: only that subject; an entry matching nothing is unused
LBL=$(ref_of meta-labels-missing)
og_run validate --format json --policy "$POL/ignore-subject.json" "$LBL"
check_gate "ignore labels.missing by subject" 0 "$POL/ignore-subject.json" HIGH
og_assert_jq "ignore by subject: labels.missing source suppressed" \
    'any(.suppressed[]; .id == "labels.missing" and .subject == "org.opencontainers.image.source")
     and all(.findings[]; .id != "labels.missing")'
og_assert_jq "ignore by subject: the entry for the version label (present) is policy.ignore_unused LOW" \
    '[.findings[] | select(.id == "policy.ignore_unused")] | length == 1
     and (.[0].severity == "LOW")'
# an unused ignore on a clean image
og_run validate --format json --policy "$POL/ignore-unused.json" "$GOOD"
check_gate "unused ignore" 0 "$POL/ignore-unused.json" HIGH
og_assert_jq "unused ignore: policy.ignore_unused LOW, verdict pass" \
    'any(.findings[]; .id == "policy.ignore_unused" and .severity == "LOW") and .verdict == "pass"'
# an integrity finding stays whatever the policy ignores
og_run validate --format json --policy "$POL/ignore-user-root.json" "$(ref_of meta-nothing-checked)"
check_gate "nothing checked, under a policy with an ignore entry" 1 "$POL/ignore-user-root.json" HIGH
og_assert_jq "nothing checked: run.nothing_checked CRITICAL, not suppressed" \
    'any(.findings[]; .id == "run.nothing_checked" and .severity == "CRITICAL")
     and all(.suppressed[]; .id != "run.nothing_checked")'
og_run validate --format json --policy "$POL/minimal.json" --fail-on CRITICAL \
    "$(ref_of meta-nothing-checked)"
og_assert_exit "nothing checked, --fail-on CRITICAL: still a failure" 1

# ---------------------------------------------------------- decompression bomb

# One gzip layer of a tar holding 300 MiB of zeros (about 300 KB compressed),
# with the right diff_id, in an OCI layout; made here and deleted after.
BOMB="$W/bomb"
rm -rf "$BOMB"
if python3 - "$OG_SRC/tests/gen" "$BOMB" <<'EOF'; then
import hashlib, sys, tarfile, zlib
sys.path.insert(0, sys.argv[1])
import genimages as g

n = 300 * 1024 * 1024
ti = tarfile.TarInfo("zeros")
ti.size, ti.mtime, ti.mode = n, g.MTIME, 0o755
h = hashlib.sha256()
z = zlib.compressobj(1, zlib.DEFLATED, 31)
out = []

def feed(b):
    h.update(b)
    out.append(z.compress(b))

feed(ti.tobuf(tarfile.USTAR_FORMAT))
chunk = bytes(1 << 20)
for _ in range(n // len(chunk)):
    feed(chunk)
feed(bytes(1024))
out.append(z.flush())
blob = b"".join(out)
L = {"blob": blob, "diff_id": "sha256:" + h.hexdigest(), "mediaType": g.MT_OCI_LAYER_GZIP}
rc = g.default_runconfig()
rc["Entrypoint"] = ["/zeros"]
lay = g.Layout()
m, _ = g.build_image(lay, [L], runconfig=rc)
lay.set_index([g.with_ref(m, "latest")])
lay.write_dir(sys.argv[2])
EOF
    og_pass "bomb: built (300 MiB of zeros, $(du -k "$BOMB" | tail -1 | cut -f1) KiB on disk)"
    t0=$(date +%s)
    og_run validate --format json "oci:$BOMB:latest"
    t1=$(date +%s)
    check_gate "bomb, default policy" 1 "" HIGH
    og_assert_jq "bomb, default policy: layer.compression_ratio HIGH" \
        'any(.findings[]; .id == "layer.compression_ratio" and .severity == "HIGH")'
    og_assert_jq "bomb, default policy: the layer was not inflated to its end" \
        '.layers[0].uncompressedSize == null or .layers[0].uncompressedSize < 314572800'
    echo "#   bomb, default policy: $((t1 - t0)) s"
    og_run validate --format json --policy "$POL/ratio-10000.json" "oci:$BOMB:latest"
    check_gate "bomb, max_compression_ratio 10000" 0 "$POL/ratio-10000.json" HIGH
    og_assert_jq "bomb, max_compression_ratio 10000: no ratio finding, fully walked" \
        'all(.findings[]; .id != "layer.compression_ratio")
         and .layers[0].uncompressedSize == (314572800 + 1536)'
    og_run validate --format json --policy "$POL/bomb-uncompressed.json" "oci:$BOMB:latest"
    check_gate "bomb, max_uncompressed 100MiB" 1 "$POL/bomb-uncompressed.json" HIGH
    og_assert_jq "bomb, max_uncompressed 100MiB: size.uncompressed, no ratio finding" \
        'any(.findings[]; .id == "size.uncompressed")
         and all(.findings[]; .id != "layer.compression_ratio")'
else
    og_fail "bomb: built"
fi
rm -rf "$BOMB"

# ------------------------------------------------------------------ reports

SEC=$(ref_of meta-env-forbidden)
SECRET=$(jq -r '.[] | select(.name == "meta-env-forbidden") | .secret' "$PCASES")
R="$W/reports"
mkdir -p "$R"
printf 'previous step\n' >"$R/summary.md"
og_run_env GITHUB_ACTIONS=true "GITHUB_STEP_SUMMARY=$R/summary.md" -- \
    validate --policy "$POL/env.json" --report "junit=$R/j.xml" --report "sarif=$R/s.sarif" \
    --error-log "$R/e.log" --format markdown "$SEC"
og_assert_exit "reports: exit" 1
cp "$OG_OUT" "$R/stdout"
cp "$OG_ERR" "$R/stderr"
for f in j.xml s.sarif e.log; do
    if [ -s "$R/$f" ]; then og_pass "reports: $f written"; else og_fail "reports: $f written"; fi
done
if command -v xmllint >/dev/null 2>&1; then
    og_check "reports: junit is well-formed XML" xmllint --noout "$R/j.xml"
fi
og_check "reports: sarif is SARIF 2.1.0 JSON" jq -e '.version == "2.1.0"' "$R/s.sarif"
if jq -e -s 'length >= 1 and all(.[]; type == "object" and (.id | type) == "string"
        and (.severity | type) == "string"
        and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$")))' \
    "$R/e.log" >/dev/null 2>&1 && [ "$(wc -l <"$R/e.log")" -eq "$(jq -c . "$R/e.log" | wc -l)" ]; then
    og_pass "reports: error log is one JSON object per line with id, severity, RFC 3339 UTC time"
else
    og_fail "reports: error log is one JSON object per line with id, severity, RFC 3339 UTC time" \
        "$(head -c 600 "$R/e.log")"
fi
og_check "reports: error log holds env.forbidden" \
    jq -e -s 'any(.[]; .id == "env.forbidden")' "$R/e.log"
if grep -q '^::error' "$R/stdout"; then
    og_pass "reports: GITHUB_ACTIONS=true puts ::error lines on stdout"
else
    og_fail "reports: GITHUB_ACTIONS=true puts ::error lines on stdout" "$(head -c 600 "$R/stdout")"
fi
if grep -q 'env.forbidden\|env&#95;forbidden' "$R/stdout" && grep -q '^|' "$R/stdout"; then
    og_pass "reports: stdout holds the markdown report"
else
    og_fail "reports: stdout holds the markdown report" "$(head -c 600 "$R/stdout")"
fi
if [ "$(head -n 1 "$R/summary.md")" = "previous step" ] && [ "$(wc -l <"$R/summary.md")" -gt 3 ] &&
    grep -q '^|' "$R/summary.md"; then
    og_pass "reports: the markdown is appended to GITHUB_STEP_SUMMARY"
else
    og_fail "reports: the markdown is appended to GITHUB_STEP_SUMMARY" "$(head -c 600 "$R/summary.md")"
fi
n1=$(wc -l <"$R/e.log")
cp "$R/e.log" "$R/e.log.first"
og_run validate --policy "$POL/env.json" --error-log "$R/e.log" --format json "$SEC"
og_assert_exit "reports: second run" 1
n2=$(wc -l <"$R/e.log")
if [ "$n2" -gt "$n1" ] && head -n "$n1" "$R/e.log" | cmp -s - "$R/e.log.first"; then
    og_pass "reports: --error-log appends ($n1 then $n2 lines)"
else
    og_fail "reports: --error-log appends ($n1 then $n2 lines)"
fi
og_run_env GITHUB_ACTIONS= GITHUB_STEP_SUMMARY= -- validate --policy "$POL/env.json" \
    --format markdown "$SEC"
og_assert_exit "reports: without GITHUB_ACTIONS" 1
if grep -q '^::' "$OG_OUT"; then
    og_fail "reports: without GITHUB_ACTIONS, no workflow commands on stdout"
else
    og_pass "reports: without GITHUB_ACTIONS, no workflow commands on stdout"
fi

# the forbidden variable's value in no output of any format
for fmt in text json markdown github junit sarif errorlog; do
    og_run_env GITHUB_ACTIONS=true "GITHUB_STEP_SUMMARY=$R/summary.md" -- \
        validate --policy "$POL/env.json" --format "$fmt" --report "$fmt=$R/rep.$fmt" \
        --error-log "$R/e.log" "$SEC"
    og_assert_exit "secret: --format $fmt" 1
    cp "$OG_OUT" "$R/stdout.$fmt"
    cp "$OG_ERR" "$R/stderr.$fmt"
done
hits=$(grep -lF -- "$SECRET" "$R"/* 2>/dev/null)
if [ -z "$hits" ]; then
    og_pass "secret: the value of AWS_SECRET_ACCESS_KEY is in no report, log or summary"
else
    og_fail "secret: the value of AWS_SECRET_ACCESS_KEY is in no report, log or summary" \
        "found in: $(echo "$hits" | xargs -n1 basename | tr '\n' ' ')"
fi

og_finish
