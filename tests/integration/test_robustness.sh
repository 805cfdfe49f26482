#!/usr/bin/env bash
# Hostile inputs (OG_IMAGES/robustness.json): 0-byte and random files, directories
# that are not layouts, truncated archives, JSON nested 100,000 deep, a 100 MiB
# manifest, symlinks to /etc/passwd inside an archive, missing paths.
# Each must give exit 1 (findings) or 2 (not an image, with an "ocigate: ..." line
# on stderr), within 60 s, never a crash, a signal, a sanitizer report or exit 70.
#
#   OCIGATE=build/ocigate OG_IMAGES=build/testimages bash tests/integration/test_robustness.sh

. "$(dirname "$0")/lib.sh"
og_need_images
ROBUST="$OG_IMAGES/robustness.json"
[ -f "$ROBUST" ] || og_die "$ROBUST missing (run tests/gen/genimages.py)"
OG_TIMEOUT=${OG_ROBUST_TIMEOUT:-60}
passwd_line=$(head -n1 /etc/passwd 2>/dev/null)

# after_run NAME KIND: common assertions on the last run (KIND: validate|inspect|schema)
after_run() {
    local name=$1 kind=$2
    if [ "$kind" = inspect ]; then
        # inspect reads no layers: exit 0 is fine on some of these inputs
        og_assert_exit "$name: $kind does not crash" 0 1 2 || return
    else
        og_assert_exit "$name: $kind" 1 2 || return
    fi
    if [ "$OG_RC" -eq 2 ]; then
        og_assert_error_line "$name: $kind error message"
        if [ "$(wc -l <"$OG_ERR")" -le 5 ]; then
            og_pass "$name: $kind error is short"
        else
            og_fail "$name: $kind error is short" "$(wc -l <"$OG_ERR") lines on stderr"
        fi
    fi
}

no_passwd() {
    local name=$1
    if [ -n "$passwd_line" ] && grep -qF -- "$passwd_line" "$OG_OUT" "$OG_ERR"; then
        og_fail "$name: /etc/passwd content leaked into the output"
    else
        og_pass "$name: nothing of /etc/passwd in the output"
    fi
}

while IFS= read -r r; do
    name=$(jq -r .name <<<"$r")
    ref=$(jq -r .ref <<<"$r")
    if jq -e 'has("args")' <<<"$r" >/dev/null; then
        mapfile -t args < <(jq -r '.args[]' <<<"$r")
        og_run "${args[@]}" "$ref"
        after_run "$name" "${args[0]}"
        og_run "${args[@]}" --format json "$ref"
        after_run "$name" "${args[0]} --format json"
        continue
    fi
    start=$SECONDS
    og_run validate --format json "$ref"
    after_run "$name" validate
    if [ "$OG_RC" -eq 1 ]; then
        og_assert_jq "$name: report says fail" '.verdict == "fail"'
    fi
    jq -e '.no_passwd' <<<"$r" >/dev/null && no_passwd "$name"
    og_run validate "$ref"
    after_run "$name" "validate (text)"
    jq -e '.no_passwd' <<<"$r" >/dev/null && no_passwd "$name (text)"
    og_run inspect --format json "$ref"
    after_run "$name" inspect
    jq -e '.no_passwd' <<<"$r" >/dev/null && no_passwd "$name (inspect)"
    echo "     ($((SECONDS - start)) s)"
done < <(jq -c '.[]' "$ROBUST")

# Inputs made here rather than by the generator.
w="$OG_WORK"
long=$(printf 'a%.0s' $(seq 1 9000))
og_run validate "oci:/$long"
after_run "ref of 9000 characters" validate
og_run validate "oci-archive:/dev/null"
after_run "oci-archive:/dev/null" validate
og_run validate "/dev/null"
after_run "bare /dev/null" validate
og_run validate "oci:/dev/null"
after_run "oci:/dev/null" validate
mkfifo "$w/fifo" 2>/dev/null && {
    og_run validate "$w/fifo"
    after_run "a FIFO with no writer" validate
}
mkdir -p "$w/unreadable"
cp -r "$OG_IMAGES/valid-oci-traps/." "$w/unreadable/"
chmod 000 "$w/unreadable/index.json"
if [ "$(id -u)" -ne 0 ]; then
    og_run validate "oci:$w/unreadable:latest"
    after_run "index.json not readable" validate
fi
chmod 644 "$w/unreadable/index.json"
# a layout whose blobs directory is a symlink loop
mkdir -p "$w/loop"
cp "$OG_IMAGES/valid-oci-traps/index.json" "$OG_IMAGES/valid-oci-traps/oci-layout" "$w/loop/"
ln -s blobs "$w/loop/blobs"
og_run validate "oci:$w/loop:latest"
after_run "blobs is a symlink loop" validate
# `docker save | gzip` posing as an image: 400 MiB of zeros (ratio ~230) must
# be cut at the limit, leaving nothing in TMPDIR.
mkdir -p "$w/tmpdir"
head -c 400M /dev/zero | gzip -1 >"$w/bomb.tar.gz"
og_run_env TMPDIR="$w/tmpdir" -- validate "docker-archive:$w/bomb.tar.gz"
after_run "gzip bomb as a docker-archive" validate
og_assert_exit "gzip bomb as a docker-archive: exit 2" 2
if grep -q "decompression bomb" "$OG_ERR"; then
    og_pass "gzip bomb: the message says why"
else
    og_fail "gzip bomb: the message says why" "$(cat "$OG_ERR")"
fi
if [ -z "$(ls -A "$w/tmpdir")" ]; then
    og_pass "gzip bomb: no temp file left"
else
    og_fail "gzip bomb: no temp file left" "$(ls -A "$w/tmpdir")"
fi

# Declared sizes: a file whose header declares more than the ratio limit
# allows stops the layer at that header; a sparse file (GNU tar --sparse:
# 2 GiB declared, a few KiB stored) is not counted, and passes.
mkdir -p "$w/sparse"
truncate -s 2G "$w/sparse/hole.img"
printf 'data' >>"$w/sparse/hole.img"
tar --sparse --format=gnu -C "$w/sparse" -cf "$w/sparse.tar" hole.img
rm -f "$w/sparse/hole.img"
python3 - "$OG_SRC/tests/gen" "$w/sparse.tar" "$w/sparse-oci" "$w/declared-oci" <<'PY'
import io, sys, tarfile
sys.path.insert(0, sys.argv[1])
import genimages as g
def image(tar, out):
    lay = g.Layout()
    desc, _ = g.build_image(lay, [g.layer(tar)])
    lay.set_index([g.with_ref(desc, "latest")])
    lay.write_dir(out)
image(open(sys.argv[2], "rb").read(), sys.argv[3])
# 300 MiB of zeros in one file, declared in its header (over the 256 MiB
# floor and 100 times the few hundred KiB it compresses to)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("var/zeros.bin")
    ti.size = 300 << 20
    t.addfile(ti, io.BytesIO(bytes(ti.size)))
image(buf.getvalue(), sys.argv[4])
PY
og_run validate --format json "oci:$w/sparse-oci:latest"
og_assert_exit "sparse file of 2 GiB declared: not a bomb" 0 1
og_assert_jq "sparse file: walked, no ratio finding" \
    'all(.findings[]; .id != "layer.compression_ratio") and .layers[0].uncompressedSize != null'
og_run validate --format json "oci:$w/declared-oci:latest"
og_assert_exit "300 MiB declared in one header: exit 1" 1
og_assert_jq "declared: layer.compression_ratio naming the entry, stopped early" \
    'any(.findings[]; .id == "layer.compression_ratio" and (.message | contains("entry var/zeros.bin declares 314572800 bytes"))) and .layers[0].uncompressedSize == null'

# A blob file truncated by another process while it is mapped faults
# (SIGBUS) on the next page read: the CLI says so and exits 70, it does not
# die unexplained. The fault is stood in for by the signal itself, sent
# while ocigate waits for credentials on its standard input.
(sleep 10 | "$OCIGATE" validate --creds-stdin docker://127.0.0.1:9/x/y:z \
    >"$OG_OUT" 2>"$OG_ERR"; echo $? >"$w/sigbus.rc") &
sigbus_job=$!
sleep 1
pkill -BUS -f "validate --creds-stdin docker://127.0.0.1:9/x/y:z" || true
wait "$sigbus_job"
OG_CMD="ocigate validate --creds-stdin (SIGBUS)" OG_RC=$(cat "$w/sigbus.rc")
og_assert_eq "SIGBUS: exit 70" "$OG_RC" 70
if grep -q "truncated while it was being read (SIGBUS)" "$OG_ERR"; then
    og_pass "SIGBUS: the message says why"
else
    og_fail "SIGBUS: the message says why" "$(cat "$OG_ERR")"
fi

og_finish
