#!/usr/bin/env bash
# Run one libFuzzer target for a while on seeds taken from the generated test
# images (OG_IMAGES) and the built-in policy: fails on any crash, leak,
# sanitizer report, timeout or out-of-memory.
#   run.sh TARGET_BINARY NAME SECONDS
set -euo pipefail
bin=$1 name=$2 secs=$3
work="${OG_TMP:?}/fuzz-$name"
rm -rf "$work"
mkdir -p "$work/corpus" "$work/seeds"
seed=0
add() { # FILE [PREFIX-BYTE]: a seed, optionally prefixed with a selector byte
  seed=$((seed + 1))
  if [ $# -gt 1 ]; then
    { printf "\\x$2"; cat "$1"; } >"$work/seeds/$seed"
  else
    cp "$1" "$work/seeds/$seed"
  fi
}
case $name in
  model)
    # the selector byte picks the parser: 0 index, 1 manifest, 2 config, 3 oci-layout
    for d in "$OG_IMAGES"/valid-*/; do
      [ -f "$d/index.json" ] || continue
      add "$d/index.json" 00
      add "$d/oci-layout" 03
      for b in "$d"/blobs/sha256/*; do
        [ "$(stat -c %s "$b")" -lt 8192 ] || continue
        head -c1 "$b" | grep -q '{' || continue
        if grep -q '"layers"' "$b"; then add "$b" 01; elif grep -q '"rootfs"' "$b"; then add "$b" 02; else add "$b" 00; fi
      done
    done ;;
  tar)
    for d in "$OG_IMAGES"/valid-*/ "$OG_IMAGES"/bad-layer-*/ "$OG_IMAGES"/bad-path-*/ "$OG_IMAGES"/bad-link-*/; do
      [ -d "$d/blobs/sha256" ] || continue
      for b in "$d"/blobs/sha256/*; do
        [ "$(stat -c %s "$b")" -lt 65536 ] || continue
        head -c1 "$b" | grep -q '{' && continue
        add "$b"
      done
    done ;;
  policy)
    "${OCIGATE:?}" policy init >"$work/seeds/default.json"
    for f in "$OG_SRC"/testdata/policies/*.json; do
      [ -f "$f" ] && add "$f"
    done ;;
  registry)
    i=0
    for t in '\x00docker://127.0.0.1:5000/team/app:1' '\x00localhost/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' \
             '\x01Bearer realm="http://127.0.0.1/token",service="reg",scope="repository:a:pull,push"' \
             '\x01Basic realm="x", Bearer realm="y",error="insufficient_scope"' \
             '\x02120' '\x02Wed, 21 Oct 2015 07:28:00 GMT' \
             '\x03{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}' \
             '\x04dXNlcjpwYXNz'; do
      i=$((i + 1)); printf "$t" >"$work/seeds/r$i"; done ;;
  versions)
    i=0
    for t in '1:2.36-9+deb12u3\n2.36-9+deb12u1' '1.0~rc1\n1.0' '3.0.7-r2\n3.0.7_rc1-r0' \
             '1.2.4_git20230101-r1\n1.2.4-r10' '0:1a\n1.0-0~'; do
      i=$((i + 1)); printf "$t" >"$work/seeds/v$i"; done ;;
  packages)
    { printf '\x00'; head -c 60000 /var/lib/dpkg/status 2>/dev/null; } >"$work/seeds/dpkg"
    { printf '\x03'; cat /etc/os-release 2>/dev/null; } >"$work/seeds/osrel"
    printf '\x02P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\nP:busybox\nV:1.36.1-r15\n' >"$work/seeds/apk" ;;
  osv)
    find "$OG_SRC/testdata/osv" -name '*.json' | while read -r f; do
      seed=$((seed + 1)); cp "$f" "$work/seeds/o$seed"; done ;;
  secrets)
    printf '\x10key: -----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE KEY-----\n' >"$work/seeds/pem"
    printf '\x07AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH\nAWS_SECRET_ACCESS_KEY=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\n' >"$work/seeds/aws"
    printf '\x03token ghp_0123456789abcdefghijABCDEFGHIJ012345 glpat-abcdefghij0123456789 xoxb-1234567890-abcdefghijklmnop' >"$work/seeds/tok" ;;
  archive)
    find "$OG_IMAGES" -name '*.tar' -size -64k | head -n 40 | while read -r f; do
      seed=$((seed + 1)); cp "$f" "$work/seeds/a$seed"; done ;;
esac
echo "fuzz $name: $(ls "$work/seeds" | wc -l) seeds, $secs s"
# -rss_limit_mb: the library's own bounds keep it far below this.
"$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=1536 -max_len=262144 \
  -print_final_stats=1 "$work/corpus" "$work/seeds" 2>"$work/log" || {
  tail -n 60 "$work/log"
  exit 1
}
tail -n 12 "$work/log"
rm -rf "$work"
