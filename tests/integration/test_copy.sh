#!/usr/bin/env bash
# ocigate copy against a local docker-registry (127.0.0.1 only), through the
# fault proxy where requests are counted: oci-archive -> registry keeps the
# digest; a second copy transfers no blob; a same-registry copy mounts;
# registry -> oci: and oci-archive: validate and match skopeo; an index is
# copied whole; --platform gives another digest and says so; --dry-run
# changes nothing; --digestfile; an interrupted copy completes on a rerun;
# exhausted retries are exit 3 with no tag at DST.
source "$(dirname "$0")/lib.sh"
og_need_images
source "$(dirname "$0")/registry_lib.sh"

IMG=$OG_IMAGES
W=$OG_WORK

reg_start r
faultproxy_start p r
P=$FP_P_ADDR
R=$REG_R_ADDR
LOG=$FP_P_LOG

# raw_digest REF: sha256 of the manifest skopeo reads at REF
raw_digest() {
    local d
    d=$(reg_skopeo_inspect "$1" --raw 2>/dev/null | sha256sum | cut -d' ' -f1)
    [ "$d" = "$(printf '' | sha256sum | cut -d' ' -f1)" ] && return 1
    echo "sha256:$d"
}
# count JQ-FILTER: requests in the proxy log matching a select() filter
count() {
    [ -s "$LOG" ] || { echo 0; return; }
    jq -s "[.[] | select($1)] | length" "$LOG"
}
# the "digest ..." line of the last copy
out_digest() {
    sed -n 's/^digest //p' "$OG_OUT"
}
# no_tag REF: skopeo cannot read REF (nothing is tagged there)
no_tag() {
    ! reg_skopeo_inspect "$1" --raw >/dev/null 2>&1
}
# absent PATTERN FILE: FILE does not hold PATTERN
absent() {
    ! grep -q -- "$1" "$2"
}
blob_writes='(.method == "PUT" or .method == "PATCH" or .method == "POST") and (.path | test("/blobs/uploads/"))'

ARCH="oci-archive:$IMG/valid-oci-archive/image.tar"
MULTI_PRE="oci:$IMG/valid-oci-multilayer:latest"
SRC_DIGEST=$(raw_digest "$ARCH") || og_die "skopeo cannot read $ARCH"

# ----------------------------------------------- oci-archive -> registry
og_run copy "$ARCH" "docker://$P/team/app:1" --digestfile "$W/digest1"
og_assert_exit "copy oci-archive -> registry" 0
og_assert_eq "the copy reports the source digest" "$(out_digest)" "$SRC_DIGEST"
og_assert_eq "skopeo inspect --raw at DST has the source digest" \
    "$(raw_digest "docker://$R/team/app:1")" "$SRC_DIGEST"
og_assert_eq "skopeo inspect at DST agrees" \
    "$(reg_skopeo_inspect "docker://$R/team/app:1" 2>/dev/null | jq -r .Digest)" "$SRC_DIGEST"
og_assert_eq "--digestfile holds the digest" "$(cat "$W/digest1" 2>/dev/null)" "$SRC_DIGEST"
og_check "blobs were uploaded the first time" test "$(count "$blob_writes")" -gt 0
og_check "small blobs: one monolithic PUT each with the bytes" \
    test "$(count '.method == "PUT" and (.path | test("/blobs/uploads/.*digest="))')" -gt 0
og_assert_eq "small blobs: no PATCH" "$(count '.method == "PATCH"')" 0

# ------------------------------------------- the second copy moves nothing
: >"$LOG"
og_run copy "$ARCH" "docker://$P/team/app:1"
og_assert_exit "second copy" 0
og_assert_eq "second copy: no blob POST/PATCH/PUT" "$(count "$blob_writes")" 0
og_check "second copy: result says 0 copied, all skipped" \
    grep -Eq '^blobs 0 copied, 0 mounted, [1-9][0-9]* skipped' "$OG_OUT"

# ------------------------------------------- same registry: cross-repo mount
: >"$LOG"
og_run copy "docker://$P/team/app:1" "docker://$P/prod/app:1"
og_assert_exit "same-registry copy to another repo" 0
og_check "the log shows POST ?mount=" test "$(count '.method == "POST" and (.path | test("mount=.*from=team/app"))')" -gt 0
og_assert_eq "no PATCH/PUT of blobs" \
    "$(count '(.method == "PUT" or .method == "PATCH") and (.path | test("/blobs/"))')" 0
og_check "result says mounted" grep -Eq '^blobs 0 copied, [1-9][0-9]* mounted' "$OG_OUT"
og_assert_eq "mounted copy has the digest" "$(raw_digest "docker://$R/prod/app:1")" "$SRC_DIGEST"

og_run copy --dry-run "docker://$R/team/app:1" "docker://$R/prod3/app:1"
og_check "--dry-run on the same registry plans mounts" grep -q '^blob sha256:[0-9a-f]* [0-9]* mount$' "$OG_OUT"

# another registry: streamed (no mount), several blobs at once
reg_start other
og_run copy -j 4 "docker://$P/team/app:1" "docker://$REG_OTHER_ADDR/team/app:7"
og_assert_exit "registry -> another registry (-j 4)" 0
og_check "another registry: copied, not mounted" grep -Eq '^blobs [1-9][0-9]* copied, 0 mounted' "$OG_OUT"
og_assert_eq "another registry: the digest" "$(raw_digest "docker://$REG_OTHER_ADDR/team/app:7")" "$SRC_DIGEST"

# a registry that declines the mount (202): the blobs go into its upload session
faultproxy_set p '[{"method":"POST","path":"mount=","strip_query":true}]'
: >"$LOG"
og_run copy "docker://$P/team/app:1" "docker://$P/prod2/app:1"
og_assert_exit "same-registry copy, mount declined (202)" 0
og_check "declined: the mounts were asked" test "$(count '.method == "POST" and (.path | test("mount="))')" -gt 0
og_check "declined: blobs uploaded into the sessions" test "$(count '.method == "PUT" and (.path | test("/blobs/uploads/"))')" -gt 0
og_check "declined: no extra upload session" \
    test "$(count '.method == "POST" and (.path | test("mount=") | not)')" -eq 0
og_check "declined: result says copied, not mounted" grep -Eq '^blobs [1-9][0-9]* copied, 0 mounted' "$OG_OUT"
og_assert_eq "declined: DST has the digest" "$(raw_digest "docker://$R/prod2/app:1")" "$SRC_DIGEST"
faultproxy_set p '[]'

# a source blob whose bytes do not match its digest never lands at DST
: >"$LOG"
og_run copy "oci:$IMG/bad-blob-digest-mismatch:latest" "docker://$P/team/corrupt:1"
og_assert_exit "corrupt source blob: refused" 2
og_check "corrupt source blob: blob.digest_mismatch named" grep -q 'blob.digest_mismatch' "$OG_ERR"
og_check "corrupt source blob: the registry refused the PUT" \
    test "$(count '.method == "PUT" and (.path | test("/blobs/uploads/")) and .status == 400')" -ge 1
og_check "corrupt source blob: no tag at DST" no_tag "docker://$R/team/corrupt:1"

# ------------------------------------------ registry -> oci: / oci-archive:
og_run copy "docker://$R/team/app:1" "oci:$W/layout:v1"
og_assert_exit "copy registry -> oci:" 0
og_assert_eq "oci: layout has the digest (skopeo)" "$(raw_digest "oci:$W/layout:v1")" "$SRC_DIGEST"
og_run validate "oci:$W/layout:v1"
og_assert_exit "the oci: copy validates" 0
og_run copy "docker://$R/team/app:1" "oci-archive:$W/app.tar:v1"
og_assert_exit "copy registry -> oci-archive:" 0
og_assert_eq "oci-archive has the digest (skopeo)" "$(raw_digest "oci-archive:$W/app.tar:v1")" "$SRC_DIGEST"
og_run validate "oci-archive:$W/app.tar:v1"
og_assert_exit "the oci-archive copy validates" 0
og_check "no temp file left beside the archive" \
    test -z "$(find "$W" -maxdepth 1 -name 'app.tar.tmp-*')"

# ------------------------------------------------- a multi-arch index, whole
IDX="oci:$IMG/valid-oci-index:latest"
IDX_DIGEST=$(raw_digest "$IDX") || og_die "skopeo cannot read $IDX"
og_run copy "$IDX" "docker://$P/multi/app:1"
og_assert_exit "copy an index" 0
og_assert_eq "the index keeps its digest at DST" "$(raw_digest "docker://$R/multi/app:1")" "$IDX_DIGEST"
og_check "every platform is there (skopeo --all copy back works)" \
    reg_push "docker://$R/multi/app:1" "oci:$W/multi-back:1" --all

# --platform: one image, another digest, said on stderr
ARM_DIGEST=$(skopeo inspect --raw "$IDX" | jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' | head -1)
og_run copy --platform linux/arm64 "$IDX" "docker://$P/multi/arm:1" --digestfile "$W/digest-arm"
og_assert_exit "copy --platform linux/arm64" 0
og_assert_eq "--platform: the child's digest" "$(out_digest)" "$ARM_DIGEST"
og_check "--platform digest differs from the index's" test "$(out_digest)" != "$IDX_DIGEST"
og_check "--platform says so on stderr" grep -q 'platform linux/arm64.*not the source index digest' "$OG_ERR"
og_assert_eq "--platform: DST has that digest" "$(raw_digest "docker://$R/multi/arm:1")" "$ARM_DIGEST"
og_assert_eq "--digestfile with --platform" "$(cat "$W/digest-arm" 2>/dev/null)" "$ARM_DIGEST"

og_run copy --platform linux/s390x "$IDX" "docker://$P/multi/s390x:1"
og_assert_exit "--platform that the index lacks" 2
og_check "--platform missing: the message names it" grep -q 'no image for linux/s390x' "$OG_ERR"
og_check "--platform missing: nothing at DST" no_tag "docker://$R/multi/s390x:1"

# ----------------------------------------------------- --dry-run changes nothing
catalog() { curl -s "http://$R/v2/_catalog" | jq -c '.repositories | sort'; }
before=$(catalog)
: >"$LOG"
og_run copy --dry-run "$IDX" "docker://$P/dry/app:1"
og_assert_exit "--dry-run" 0
og_check "--dry-run prints the plan" grep -q '^blob sha256:[0-9a-f]* [0-9]* copy$' "$OG_OUT"
og_check "--dry-run plan names the tag" grep -q "^tag 1 $IDX_DIGEST" "$OG_OUT"
og_assert_eq "--dry-run: catalog unchanged" "$(catalog)" "$before"
og_assert_eq "--dry-run: no write request" \
    "$(count '.method == "PUT" or .method == "PATCH" or .method == "POST" or .method == "DELETE"')" 0
og_run copy --dry-run "$ARCH" "docker://$P/team/app:1"
og_check "--dry-run against a full DST: all skipped" grep -q 'skip (present)' "$OG_OUT"
og_check "--dry-run: tag already set" grep -q "^tag 1 $SRC_DIGEST skip" "$OG_OUT"

# ------------------------------ docker-archive: the synthesized manifest as is
DARCH="docker-archive:$IMG/valid-docker-legacy/image.tar"
DARCH_DIGEST=$(raw_digest "$DARCH") || og_die "skopeo cannot read $DARCH"
og_run copy -j 3 "$DARCH" "docker://$P/legacy/app:1"
og_assert_exit "copy docker-archive -> registry (-j 3)" 0
og_assert_eq "docker-archive: the digest skopeo gives it" "$(raw_digest "docker://$R/legacy/app:1")" "$DARCH_DIGEST"
og_check "no progress bars when stderr is not a terminal" test -z "$(tr -cd '\r' <"$OG_ERR")"
if command -v script >/dev/null 2>&1; then
    script -qec "$OCIGATE copy $MULTI_PRE oci:$W/tty-layout:1" "$W/tty.log" >/dev/null 2>&1 </dev/null
    og_check "progress bars on a terminal" grep -Eq "copy [0-9a-f]{12} .* (KiB|MiB) 100%" "$W/tty.log"
fi

# --------------------------------------------- interrupted, then rerun
MULTI="oci:$IMG/valid-oci-multilayer:latest"
MULTI_DIGEST=$(raw_digest "$MULTI") || og_die "skopeo cannot read $MULTI"
# (a) the 3rd blob upload hangs; ocigate is killed while it waits
faultproxy_set p '[{"method":"PUT","path":"/blobs/uploads/","nth":3,"delay":30}]' ||
    og_die "cannot set the proxy faults"
: >"$LOG"
timeout -k 1 4 "$OCIGATE" copy "$MULTI" "docker://$P/int/app:1" >"$W/int.out" 2>"$W/int.err" </dev/null
rc=$?
og_check "interrupted copy was killed (rc $rc)" test "$rc" -ge 124
og_check "interrupted copy: no tag at DST" no_tag "docker://$R/int/app:1"
faultproxy_set p '[]'
og_run copy "$MULTI" "docker://$P/int/app:1"
og_assert_exit "rerun after a kill" 0
og_assert_eq "rerun: the right digest" "$(raw_digest "docker://$R/int/app:1")" "$MULTI_DIGEST"
og_check "rerun skipped what was already there" grep -Eq 'mounted, [1-9][0-9]* skipped' "$OG_OUT"
# (b) connections reset from the 2nd blob upload on; then the proxy stops
faultproxy_set p '[{"method":"PUT","path":"/blobs/uploads/","from":2,"drop":true}]'
og_run copy --retries 1 --retry-delay 10ms "$MULTI" "docker://$P/int2/app:1"
og_assert_exit "copy through resets fails" 3
og_check "reset copy: no tag at DST" no_tag "docker://$R/int2/app:1"
faultproxy_stop p
og_run copy "$MULTI" "docker://$R/int2/app:1"
og_assert_exit "rerun without the proxy" 0
og_assert_eq "rerun (b): the right digest" "$(raw_digest "docker://$R/int2/app:1")" "$MULTI_DIGEST"
og_check "rerun (b) skipped the blob that made it" grep -Eq 'mounted, [1-9][0-9]* skipped' "$OG_OUT"

# --------------------------------------------- exhausted retries: exit 3, no tag
faultproxy_start q r
faultproxy_set q '[{"method":"PUT","status":503}]'
og_run copy --retries 2 --retry-delay 10ms "$MULTI" "docker://$FP_Q_ADDR/fail/app:1"
og_assert_exit "503 forever" 3
og_check "503 forever: registry.server_error" grep -q 'registry.server_error' "$OG_ERR"
og_check "503 forever: no tag at DST" no_tag "docker://$R/fail/app:1"
og_check "503 forever: the PUT was tried 3 times" \
    test "$(jq -s '[.[] | select(.method == "PUT" and .status == 503)] | length' "$FP_Q_LOG")" -eq 3

# a source blob cut mid-body: the copy resumes it and completes
faultproxy_set q '[{"method":"GET","path":"/blobs/sha256:","nth":1,"reset_after":100}]'
: >"$FP_Q_LOG"
og_run copy "docker://$FP_Q_ADDR/team/app:1" "oci:$W/resumed:1"
og_assert_exit "source blob reset mid-body" 0
og_check "the reset was applied" test "$(jq -s '[.[] | select(.fault.reset_after == 100)] | length' "$FP_Q_LOG")" -eq 1
og_assert_eq "reset mid-body: the right digest" "$(raw_digest "oci:$W/resumed:1")" "$SRC_DIGEST"
og_run validate "oci:$W/resumed:1"
og_assert_exit "reset mid-body: the copy validates" 0

# ------------------------- DST answers another digest: promote.digest_changed
faultproxy_set q '[{"method":"HEAD","path":"/manifests/1$","set_headers":{"Docker-Content-Digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}}]'
og_run copy "$ARCH" "docker://$FP_Q_ADDR/changed/app:1"
og_assert_exit "DST answers another digest" 1
og_check "promote.digest_changed named" grep -q 'promote.digest_changed' "$OG_ERR"
faultproxy_set q '[]'

# ----------------------------------------------- authentication, TLS (exit 4)
reg_start sec --htpasswd alice:s3cret --tls
S=$REG_SEC_ADDR
og_run copy --cacert "$REG_SEC_CA" "$ARCH" "docker://$S/team/app:1"
og_assert_exit "no credentials: exit 4" 4
og_check "no credentials: registry.auth" grep -q 'registry.auth' "$OG_ERR"
og_run copy --cacert "$REG_SEC_CA" --creds alice:wrong "$ARCH" "docker://$S/team/app:1"
og_assert_exit "wrong password: exit 4" 4
og_check "the password is never printed" absent 'wrong' "$OG_ERR"
og_run copy --cacert "$REG_SEC_CA" --creds alice:s3cret "$ARCH" "docker://$S/team/app:1"
og_assert_exit "--creds + --cacert" 0
og_assert_eq "TLS + Basic: DST has the digest" "$(raw_digest "docker://$S/team/app:1")" "$SRC_DIGEST"
og_run copy "$ARCH" "docker://$S/team/app:2" --creds alice:s3cret
og_assert_exit "TLS without the CA: exit 3" 3

# ---------------------------------------- memory stays bounded (a 256 MiB blob)
BIG_MIB=256
python3 - "$W/big" "$BIG_MIB" <<'PY' || og_die "cannot build the big layout"
import hashlib, json, os, sys
root, mib = sys.argv[1], int(sys.argv[2])
os.makedirs(root + "/blobs/sha256", exist_ok=True)
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open("%s/blobs/sha256/%s" % (root, d), "wb").write(data)
    return "sha256:" + d, len(data)
# the layer: zeros (copy never decompresses; only its digest matters)
tmp = root + "/layer.tmp"
with open(tmp, "wb") as f:
    f.truncate(mib << 20)
h = hashlib.sha256()
with open(tmp, "rb") as f:
    for b in iter(lambda: f.read(1 << 20), b""):
        h.update(b)
os.rename(tmp, "%s/blobs/sha256/%s" % (root, h.hexdigest()))
cfg, cfg_len = put(json.dumps({"architecture": "amd64", "os": "linux",
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + h.hexdigest()]}}).encode())
man, man_len = put(json.dumps({"schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": cfg_len},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": "sha256:" + h.hexdigest(), "size": mib << 20}]}).encode())
open(root + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
open(root + "/index.json", "w").write(json.dumps({"schemaVersion": 2, "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": man, "size": man_len,
     "annotations": {"org.opencontainers.image.ref.name": "big"}}]}))
PY
BIG_DIGEST=$(raw_digest "oci:$W/big:big")
# rss_copy DESCRIPTION ARGS...: copy under /usr/bin/time; peak RSS under half the blob
rss_copy() {
    local what=$1 rss
    shift
    rm -f "$W/rss"
    OG_CMD="ocigate $*"
    timeout -k 10 "$OG_TIMEOUT" /usr/bin/time -f %M -o "$W/rss" "$OCIGATE" "$@" >"$OG_OUT" 2>"$OG_ERR" </dev/null
    OG_RC=$?
    og_assert_exit "$what" 0
    rss=$(tail -1 "$W/rss" 2>/dev/null)
    og_check "$what: peak RSS ${rss:-?} KiB < $((BIG_MIB * 512)) KiB" test "${rss:-999999999}" -lt $((BIG_MIB * 512))
}
if [ -x /usr/bin/time ]; then
    rss_copy "big layer -> registry" copy "oci:$W/big:big" "docker://$R/big/app:1"
    og_assert_eq "big layer: registry digest" "$(raw_digest "docker://$R/big/app:1")" "$BIG_DIGEST"
    rss_copy "big layer registry -> oci-archive" copy "docker://$R/big/app:1" "oci-archive:$W/big.tar"
    rss_copy "big layer registry -> oci:" copy "docker://$R/big/app:1" "oci:$W/big-back:1"
    og_assert_eq "big layer: oci: digest" "$(raw_digest "oci:$W/big-back:1")" "$BIG_DIGEST"
    rm -rf "$W/big" "$W/big-back" "$W/big.tar"
fi

# ------------------------------------------------------------------ errors
og_run copy "oci:$W/nothing-here" "docker://$R/x/y:1"
og_assert_exit "SRC not an image" 2
og_assert_error_line "SRC not an image: a message"
og_run copy "$ARCH"
og_assert_exit "missing DST" 2
og_run copy "$ARCH" "docker-archive:$W/x.tar"
og_assert_exit "docker-archive DST" 2
og_run copy "$ARCH" "docker://127.0.0.1:1/x/y:1" --retries 1 --retry-delay 10ms
og_assert_exit "closed port" 3

og_finish
