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
