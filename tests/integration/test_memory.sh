#!/usr/bin/env bash
# Memory stays bounded whatever the layer size: the peak RSS of `ocigate validate`
# on an image whose single layer is ~1 GiB uncompressed is at most 16 MiB above the
# peak RSS on a ~10 MiB one, for a gzip and a zstd layer, with --jobs 1 and 2.
#
# The images are OCI layouts made here, in $OG_TMP (removed on exit). Each layer is
# a plain tar of one sparse file of zeros (truncate -s), piped through `gzip -1` and
# `zstd -1 -T2`, so nothing uncompressed lands on disk; the diff_id and the
# uncompressed size are taken from the same single pass. Under ASan/TSan builds the
# large layer is 256 MiB (OG_MEM_LARGE_MIB overrides either size).
#
#   OCIGATE=build/ocigate bash tests/integration/test_memory.sh

. "$(dirname "$0")/lib.sh"

[ -x /usr/bin/time ] || og_skip "/usr/bin/time is missing (Debian package 'time')"
command -v python3 >/dev/null 2>&1 || og_skip "python3 is not installed"
command -v gzip >/dev/null 2>&1 || og_skip "gzip is not installed"
command -v zstd >/dev/null 2>&1 || og_skip "zstd is not installed"

w="$OG_WORK"
# Remove everything made here, also when a step dies half-way.
og_mem_cleanup() {
    rm -rf "$w"
}
trap og_mem_cleanup EXIT

SMALL_MIB=10
if [ -n "${OG_MEM_LARGE_MIB:-}" ]; then
    LARGE_MIB=$OG_MEM_LARGE_MIB
elif ldd "$OCIGATE" 2>/dev/null | grep -q -E 'libasan|libtsan'; then
    LARGE_MIB=256
    echo "     (sanitizer build: large layer of $LARGE_MIB MiB)"
else
    LARGE_MIB=1024
fi
SLACK_KIB=$((16 * 1024))

# sha256 of stdin as bare hex; OpenSSL uses the SHA extensions, coreutils does not.
if command -v openssl >/dev/null 2>&1; then
    hash_stdin() { openssl dgst -sha256 -r | cut -d' ' -f1; }
else
    hash_stdin() { sha256sum | cut -d' ' -f1; }
fi

# make_layers NAME MIB: $w/NAME.tar.gz and $w/NAME.tar.zst from one tar pass of a
# sparse MIB MiB file; $w/NAME.diffid and $w/NAME.size get the tar's sha256 and size.
make_layers() {
    local name=$1 mib=$2 d="$w/$1.src" p_sum p_len p_zst pid_sum pid_len pid_zst rc=0
    mkdir -p "$d" || return 1
    truncate -s "${mib}M" "$d/zeros.bin" || return 1
    p_sum="$w/$name.fifo-sum" p_len="$w/$name.fifo-len" p_zst="$w/$name.fifo-zst"
    mkfifo "$p_sum" "$p_len" "$p_zst" || return 1
    hash_stdin <"$p_sum" >"$w/$name.diffid" &
    pid_sum=$!
    wc -c <"$p_len" >"$w/$name.size" &
    pid_len=$!
    zstd -1 -T2 -q -c <"$p_zst" >"$w/$name.tar.zst" &
    pid_zst=$!
    tar -C "$d" --format=gnu --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - zeros.bin |
        tee "$p_sum" "$p_len" "$p_zst" | gzip -1 -n >"$w/$name.tar.gz" || rc=1
    wait "$pid_sum" || rc=1
    wait "$pid_len" || rc=1
    wait "$pid_zst" || rc=1
    rm -f "$p_sum" "$p_len" "$p_zst" "$d/zeros.bin"
    rmdir "$d"
    tr -d ' \n' <"$w/$name.size" >"$w/$name.size.tmp" && mv "$w/$name.size.tmp" "$w/$name.size"
    return $rc
}

# make_layout DIR BLOB MEDIATYPE DIFFID: an OCI layout whose one layer is BLOB
# (moved into DIR/blobs), with its config (the diff_id) and manifest.
make_layout() {
    python3 - "$@" <<'EOF'
import hashlib, json, os, sys

out, blob, media_type, diff_id = sys.argv[1:5]
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)

def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)

h = hashlib.sha256()
with open(blob, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
layer_digest = "sha256:" + h.hexdigest()
layer_size = os.path.getsize(blob)
os.rename(blob, os.path.join(blobs, h.hexdigest()))

config = json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
    "history": [{"created_by": "test_memory.sh"}],
}, sort_keys=True, separators=(",", ":")).encode()
cfg_digest, cfg_size = put(config)
manifest = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
               "digest": cfg_digest, "size": cfg_size},
    "layers": [{"mediaType": media_type, "digest": layer_digest, "size": layer_size}],
}, sort_keys=True, separators=(",", ":")).encode()
man_digest, man_size = put(manifest)
index = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                   "digest": man_digest, "size": man_size,
                   "platform": {"architecture": "amd64", "os": "linux"}}],
}
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump(index, f)
with open(os.path.join(out, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
EOF
}

start=$SECONDS
for size in small large; do
    if [ $size = small ]; then mib=$SMALL_MIB; else mib=$LARGE_MIB; fi
    make_layers "$size" "$mib" || og_die "could not build the $size layers ($mib MiB)"
    make_layout "$w/$size-gzip" "$w/$size.tar.gz" \
        application/vnd.oci.image.layer.v1.tar+gzip "$(cat "$w/$size.diffid")" ||
        og_die "could not write the $size gzip layout"
    make_layout "$w/$size-zstd" "$w/$size.tar.zst" \
        application/vnd.oci.image.layer.v1.tar+zstd "$(cat "$w/$size.diffid")" ||
        og_die "could not write the $size zstd layout"
done
echo "     (images built in $((SECONDS - start)) s: small $SMALL_MIB MiB, large $LARGE_MIB MiB;" \
    "tar of $(cat "$w/small.size") and $(cat "$w/large.size") bytes)"

# run_rss NAME ARGS...: og_run under /usr/bin/time; RSS gets the peak RSS in KiB.
RSS=0
run_rss() {
    local name=$1
    shift
    rm -f "$w/rss"
    OG_CMD="ocigate $*"
    timeout -k 10 "$OG_TIMEOUT" /usr/bin/time -f %M -o "$w/rss" "$OCIGATE" "$@" \
        >"$OG_OUT" 2>"$OG_ERR" </dev/null
    OG_RC=$?
    RSS=$(tail -n1 "$w/rss" 2>/dev/null)
    case $RSS in
        '' | *[!0-9]*) RSS=0 ;;
    esac
    echo "     ($name: exit $OG_RC, peak RSS $RSS KiB)"
}

# check_run NAME SIZE COMP: exit 0, a pass verdict, and the layer as built.
check_run() {
    local name=$1 size=$2 comp=$3
    og_assert_exit "$name: validate" 0 || return
    og_assert_json "$name: JSON report" || return
    og_assert_jq "$name: one layer, $comp" --arg c "$comp" \
        '(.layers | length) == 1 and .layers[0].compression == $c'
    og_assert_eq "$name: uncompressedSize" "$(og_jq '.layers[0].uncompressedSize')" \
        "$(cat "$w/$size.size")"
    og_assert_eq "$name: diffId" "$(og_jq '.layers[0].diffId')" "sha256:$(cat "$w/$size.diffid")"
    og_assert_jq "$name: no findings" '.verdict == "pass" and (.findings | length) == 0'
}

for comp in gzip zstd; do
    for jobs in 1 2; do
        declare -A rss=()
        for size in small large; do
            name="$size $comp --jobs $jobs"
            run_rss "$name" validate --format json --jobs "$jobs" "oci:$w/$size-$comp"
            check_run "$name" "$size" "$comp"
            rss[$size]=$RSS
        done
        what="$comp --jobs $jobs: peak RSS ${LARGE_MIB} MiB layer ${rss[large]} KiB"
        what="$what <= ${SMALL_MIB} MiB layer ${rss[small]} KiB + $SLACK_KIB KiB"
        if [ "${rss[small]}" -le 0 ] || [ "${rss[large]}" -le 0 ]; then
            og_fail "$what" "no RSS figure from /usr/bin/time"
        elif [ "${rss[large]}" -le $((rss[small] + SLACK_KIB)) ]; then
            og_pass "$what (difference $((rss[large] - rss[small])) KiB)"
        else
            og_fail "$what" "the large run used $((rss[large] - rss[small])) KiB more"
        fi
        unset rss
    done
done
echo "     (total $((SECONDS - start)) s)"

og_finish
