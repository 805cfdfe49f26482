#!/usr/bin/env bash
# The command line: usage errors exit 2 with an "ocigate: ..." line, --help and
# --version exit 0, text output names finding ids and has no ESC bytes when not on
# a TTY or when NO_COLOR is set, inspect --raw/--config print the stored bytes,
# and `ocigate schema` on good, bad and missing documents.
#
#   OCIGATE=build/ocigate OG_IMAGES=build/testimages bash tests/integration/test_cli.sh

. "$(dirname "$0")/lib.sh"
og_need_images
CASES="$OG_IMAGES/cases.json"
w="$OG_WORK"

case_ref() { jq -r --arg n "$1" '.[] | select(.name == $n) | .ref' "$CASES"; }
case_field() { jq -r --arg n "$1" --arg f "$2" '.[] | select(.name == $n) | .[$f]' "$CASES"; }
case_dir() { local r; r=$(case_ref "$1"); r=${r#oci:}; echo "${r%:*}"; }
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }

GOOD=$(case_ref valid-oci-traps)
BAD=$(case_ref bad-blob-missing)
GOOD_DIR=$(case_dir valid-oci-traps)
if [ -z "$GOOD" ] || [ -z "$BAD" ]; then
    og_die "cases valid-oci-traps / bad-blob-missing not in $CASES"
fi

# ---- usage errors: exit 2 and one "ocigate: ..." line
usage() {
    local what=$1
    shift
    og_run "$@"
    og_assert_exit "usage: $what" 2 && og_assert_error_line "usage: $what: message"
}
usage "no arguments"
usage "unknown subcommand" frobnicate
usage "unknown global flag" --frobnicate
usage "validate: unknown flag" validate --bogus "$GOOD"
usage "validate: missing REF" validate
usage "validate: two REFs" validate "$GOOD" "$GOOD"
usage "validate: --jobs 0" validate --jobs 0 "$GOOD"
usage "validate: --jobs abc" validate --jobs abc "$GOOD"
usage "validate: --jobs -1" validate --jobs -1 "$GOOD"
usage "validate: --jobs empty" validate --jobs "" "$GOOD"
usage "validate: --jobs 99999999999999999999" validate --jobs 99999999999999999999 "$GOOD"
usage "validate: --jobs without value" validate "$GOOD" --jobs
usage "validate: --format yaml" validate --format yaml "$GOOD"
usage "validate: --format without value" validate "$GOOD" --format
usage "validate: --platform without value" validate "$GOOD" --platform
usage "validate: --platform empty" validate --platform "" "$GOOD"
usage "validate: --platform a/b/c/d" validate --platform a/b/c/d "$GOOD"
usage "inspect: missing REF" inspect
usage "inspect: unknown flag" inspect --bogus "$GOOD"
usage "schema: missing --type" schema "$GOOD_DIR/index.json"
usage "schema: --type bogus" schema --type bogus "$GOOD_DIR/index.json"
usage "schema: missing FILE" schema --type index

# ---- missing input: exit 2
og_run validate "$OG_IMAGES/does-not-exist"
og_assert_exit "validate a missing path" 2 && og_assert_error_line "validate a missing path: message"
og_run inspect "$OG_IMAGES/does-not-exist"
og_assert_exit "inspect a missing path" 2 && og_assert_error_line "inspect a missing path: message"

# ---- --help, --version
og_run --help
og_assert_exit "--help" 0
og_check "--help prints usage naming validate" grep -q validate "$OG_OUT"
og_run validate --help
og_assert_exit "validate --help" 0
og_check "validate --help prints something" test -s "$OG_OUT"
og_run --version
og_assert_exit "--version" 0
og_check "--version prints something" test -s "$OG_OUT"
version_out=$(head -c 200 "$OG_OUT")
og_run validate --format json "$GOOD"
tool_version=$(og_jq '.tool.version')
if [ -n "$tool_version" ] && [ "$tool_version" != null ]; then
    case $version_out in
        *"$tool_version"*) og_pass "--version shows the report's tool.version ($tool_version)" ;;
        *) og_fail "--version shows the report's tool.version" "'$version_out' lacks '$tool_version'" ;;
    esac
fi

# ---- validate text output
og_run validate "$BAD"
og_assert_exit "validate (text) on a broken image" 1
og_check "text output names blob.missing" grep -qF blob.missing "$OG_OUT"
og_check "text output has no ESC byte (not a TTY)" bash -c "! LC_ALL=C grep -q $'\x1b' '$OG_OUT' '$OG_ERR'"
og_run_env NO_COLOR=1 -- validate "$BAD"
og_assert_exit "NO_COLOR=1 validate (text) on a broken image" 1
og_check "NO_COLOR=1: no ESC byte" bash -c "! LC_ALL=C grep -q $'\x1b' '$OG_OUT' '$OG_ERR'"
og_run validate "$GOOD"
og_assert_exit "validate (text) on a valid image" 0
og_check "text output of a valid image has no ESC byte" bash -c "! LC_ALL=C grep -q $'\x1b' '$OG_OUT' '$OG_ERR'"
og_run validate --jobs 1 "$GOOD"
og_assert_exit "validate --jobs 1" 0
og_run validate --format text "$GOOD"
og_assert_exit "validate --format text" 0
og_run validate --format json "$BAD"
og_assert_exit "validate --format json on a broken image" 1
og_assert_json "validate --format json: stdout is JSON only"

# on a pseudo-terminal with NO_COLOR set: still no ESC byte
if command -v script >/dev/null 2>&1; then
    OG_CMD="script -qec 'NO_COLOR=1 ocigate validate $BAD' /dev/null"
    NO_COLOR=1 timeout 60 script -qec "'$OCIGATE' validate '$BAD'" /dev/null >"$OG_OUT" 2>"$OG_ERR" </dev/null
    OG_RC=$?
    if grep -q blob.missing "$OG_OUT"; then
        og_check "TTY with NO_COLOR=1: no ESC byte" bash -c "! LC_ALL=C grep -q $'\x1b' '$OG_OUT'"
    else
        og_fail "TTY with NO_COLOR=1: output names blob.missing" "$(head -c 300 "$OG_OUT")"
    fi
fi

# ---- inspect
og_run inspect --format json "$GOOD"
og_assert_exit "inspect --format json" 0
og_assert_jq "inspect: Digest, MediaType, Layers, Architecture, Os" \
    --arg d "$(case_field valid-oci-traps digest)" \
    '.Digest == $d and .MediaType == "application/vnd.oci.image.manifest.v1+json"
     and (.Layers | length) == 1 and .Architecture == "amd64" and .Os == "linux"'
og_run inspect "$GOOD"
og_assert_exit "inspect (text)" 0
og_check "inspect (text) prints something" test -s "$OG_OUT"
og_run inspect --raw "$GOOD"
og_assert_exit "inspect --raw" 0
og_check "inspect --raw prints the manifest bytes unchanged" \
    cmp -s "$OG_OUT" "$(blob "$GOOD_DIR" "$(case_field valid-oci-traps digest)")"
og_run inspect --config "$GOOD"
og_assert_exit "inspect --config" 0
og_check "inspect --config prints the config bytes unchanged" \
    cmp -s "$OG_OUT" "$(blob "$GOOD_DIR" "$(case_field valid-oci-traps config)")"
# docker-archive: the config bytes are the <hex>.json member
og_run inspect --config "$(case_ref valid-docker-legacy)"
og_assert_exit "inspect --config on a docker-archive" 0
og_assert_eq "inspect --config on a docker-archive: sha256 is the config digest" \
    "sha256:$(og_sha256 "$OG_OUT")" "$(case_field valid-docker-legacy config)"
og_run inspect --format json "$(case_ref valid-oci-index)"
og_assert_exit "inspect a multi-arch index" 0
og_assert_jq "inspect a multi-arch index: Digest is the index digest" \
    --arg d "$(case_field valid-oci-index digest)" '.Digest == $d'

# ---- schema
schema_ok() {
    local what=$1 type=$2 file=$3
    og_run schema --type "$type" "$file"
    og_assert_exit "schema --type $type: $what" 0
    og_run schema --type "$type" --format json "$file"
    og_assert_exit "schema --type $type --format json: $what" 0 && og_assert_json "schema json: $what"
}
schema_bad() {
    local what=$1 type=$2 file=$3 id=${4:-}
    og_run schema --type "$type" "$file"
    og_assert_exit "schema --type $type: $what" 1
    [ -n "$id" ] && og_check "schema --type $type: $what names $id" grep -qF "$id" "$OG_OUT"
    og_run schema --type "$type" --format json "$file"
    og_assert_exit "schema --type $type --format json: $what" 1 || return
    og_assert_json "schema json: $what" || return
    if [ -n "$id" ]; then
        og_assert_jq "schema json: $what has finding $id" --arg id "$id" \
            'any(.. | objects | select(has("id")); .id == $id)'
    fi
}
traps_man=$(blob "$GOOD_DIR" "$(case_field valid-oci-traps digest)")
traps_cfg=$(blob "$GOOD_DIR" "$(case_field valid-oci-traps config)")
schema_ok "a good manifest" manifest "$traps_man"
schema_ok "a good config" config "$traps_cfg"
schema_ok "a good index.json" index "$GOOD_DIR/index.json"
schema_ok "a good oci-layout" layout "$GOOD_DIR/oci-layout"
index_dir=$(case_dir valid-oci-index)
schema_ok "a multi-arch image index" index "$(blob "$index_dir" "$(case_field valid-oci-index digest)")"
jq -c '.manifests[0]' "$GOOD_DIR/index.json" >"$w/descriptor.json"
schema_ok "a good descriptor" descriptor "$w/descriptor.json"
dmt_dir=$(case_dir valid-oci-docker-mt)
schema_ok "a Docker schema 2 manifest" manifest "$(blob "$dmt_dir" "$(case_field valid-oci-docker-mt digest)")"

bad_manifest() {  # the manifest blob of a broken case
    local d
    d=$(case_dir "$1")
    blob "$d" "$(jq -r '.manifests[0].digest' "$d/index.json")"
}
bad_config() {
    local m
    m=$(bad_manifest "$1")
    blob "$(case_dir "$1")" "$(jq -r '.config.digest' "$m")"
}
schema_bad "schemaVersion 3" manifest "$(bad_manifest bad-manifest-schema-version)" manifest.schema
schema_bad "size is a string" manifest "$(bad_manifest bad-manifest-schema-size-string)" manifest.schema
schema_bad "config without architecture" config "$(bad_config bad-manifest-schema-config-noarch)" manifest.schema
schema_bad "rootfs.type foo" config "$(bad_config bad-manifest-schema-rootfs-type)" manifest.schema
schema_bad "oci-layout 9.9.9" layout "$(case_dir bad-layout-version)/oci-layout"
jq -c '.manifests[0].digest = "sha256:XYZ"' "$GOOD_DIR/index.json" >"$w/bad-index.json"
jq -c '.digest = "sha256:XYZ"' "$w/descriptor.json" >"$w/bad-descriptor.json"
schema_bad "descriptor digest sha256:XYZ" descriptor "$w/bad-descriptor.json"
schema_bad "index entry digest sha256:XYZ" index "$w/bad-index.json"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}' >"$w/no-config.json"
schema_bad "manifest without config and layers" manifest "$w/no-config.json" manifest.schema
og_run schema --type manifest "$w/does-not-exist.json"
og_assert_exit "schema on a missing file" 2 && og_assert_error_line "schema on a missing file: message"
printf 'not json at all' >"$w/notjson"
og_run schema --type manifest "$w/notjson"
og_assert_exit "schema on a file that is not JSON" 1 2

og_finish
