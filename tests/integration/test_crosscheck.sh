#!/usr/bin/env bash
# Cross-check ocigate against skopeo and umoci on every valid generated image.
#
# For each valid case with a "skopeo" reference (cases.json):
#   - oci / oci-archive sources: sha256(skopeo inspect --raw) == ocigate inspect .Digest,
#     and `ocigate inspect --raw` prints exactly skopeo's raw manifest bytes.
#   - docker-archive sources: skopeo synthesizes a Docker v2s2 manifest and ocigate
#     synthesizes the same one, byte for byte: the digests and raw bytes must agree
#     as for oci sources; so must the layer digests and the config bytes.
#   - all: .Layers, the config bytes, .Architecture and .Os agree (skopeo pinned to
#     linux/amd64, ocigate takes the first platform of an index, which is amd64 here).
#   - `skopeo copy --all` to an oci: dir succeeds; from oci/oci-archive it uses
#     --preserve-digests and the copy's manifest digest must equal ours; then
#     `ocigate validate` on the copy exits 0 (unless the case says skopeo_copy_validate
#     false: skopeo leaves non-distributable blobs out).
# For each valid case with "umoci": true: `umoci unpack --rootless` succeeds.
# Skips (77) when neither skopeo nor umoci is installed.

. "$(dirname "$0")/lib.sh"
og_need_images
CASES="$OG_IMAGES/cases.json"

have_skopeo=0
have_umoci=0
command -v skopeo >/dev/null 2>&1 && have_skopeo=1
command -v umoci >/dev/null 2>&1 && have_umoci=1
[ $have_skopeo -eq 1 ] || [ $have_umoci -eq 1 ] || og_skip "neither skopeo nor umoci is installed"
[ $have_skopeo -eq 1 ] || echo "# skopeo not installed: skopeo checks skipped"
[ $have_umoci -eq 1 ] || echo "# umoci not installed: umoci checks skipped"

export TMPDIR="$OG_WORK/tmp"
mkdir -p "$TMPDIR"
SKOPEO=(timeout 300 skopeo --insecure-policy --override-os linux --override-arch amd64)
SK_ERR="$OG_WORK/skopeo.err"

# sk OUTFILE ARGS...: run skopeo, stdout to OUTFILE; status of skopeo.
sk() {
    local out=$1
    shift
    "${SKOPEO[@]}" "$@" >"$out" 2>"$SK_ERR"
}

sk_fail() {
    og_fail "$1" "skopeo failed: $(head -c 500 "$SK_ERR")"
}

n=0
if [ $have_skopeo -eq 1 ]; then
    while IFS= read -r c; do
        n=$((n + 1))
        name=$(jq -r .name <<<"$c")
        ref=$(jq -r .ref <<<"$c")
        sref=$(jq -r .skopeo <<<"$c")
        fmt=$(jq -r .formats <<<"$c")
        copy_digest=$(jq -r 'if has("skopeo_copy_digest") then .skopeo_copy_digest else true end' <<<"$c")
        copy_validate=$(jq -r 'if has("skopeo_copy_validate") then .skopeo_copy_validate else true end' <<<"$c")
        w="$OG_WORK/c$n"
        mkdir -p "$w"

        og_run inspect --format json "$ref"
        og_assert_exit "$name: ocigate inspect" 0 || continue
        og_assert_json "$name: inspect output is JSON" || continue
        cp "$OG_OUT" "$w/og.json"
        og_assert_jq "$name: inspect has Digest, MediaType, Layers, Architecture, Os" \
            '(.Digest | type) == "string" and (.MediaType | type) == "string"
             and (.Layers | type) == "array" and (.Architecture | type) == "string"
             and (.Os | type) == "string"'

        if ! sk "$w/sk.json" inspect "$sref"; then
            sk_fail "$name: skopeo inspect $sref"
            continue
        fi
        og_assert_eq "$name: Layers agree with skopeo" \
            "$(jq -c '.Layers' "$w/og.json")" "$(jq -c '.Layers' "$w/sk.json")"
        og_assert_eq "$name: Architecture/Os agree with skopeo" \
            "$(jq -c '[.Architecture, .Os]' "$w/og.json")" "$(jq -c '[.Architecture, .Os]' "$w/sk.json")"

        if sk "$w/sk.config" inspect --config --raw "$sref"; then
            og_run inspect --config "$ref"
            if og_assert_exit "$name: ocigate inspect --config" 0; then
                og_assert_eq "$name: config bytes agree with skopeo (sha256)" \
                    "$(og_sha256 "$OG_OUT")" "$(og_sha256 "$w/sk.config")"
            fi
        else
            sk_fail "$name: skopeo inspect --config --raw"
        fi

        case $fmt in
            oci | oci-archive | docker-archive)
                if sk "$w/sk.raw" inspect --raw "$sref"; then
                    og_assert_eq "$name: Digest == sha256(skopeo inspect --raw)" \
                        "$(jq -r .Digest "$w/og.json")" "sha256:$(og_sha256 "$w/sk.raw")"
                    og_run inspect --raw "$ref"
                    if og_assert_exit "$name: ocigate inspect --raw" 0; then
                        og_check "$name: inspect --raw bytes == skopeo's" cmp -s "$OG_OUT" "$w/sk.raw"
                    fi
                else
                    sk_fail "$name: skopeo inspect --raw"
                fi
                ;;
        esac

        # skopeo copy to an oci: layout, then validate the copy
        copy_args=(copy -q --all)
        if [ "$fmt" != docker-archive ] && [ "$copy_digest" = true ]; then
            copy_args+=(--preserve-digests)
        fi
        if ! sk "$w/copy.log" "${copy_args[@]}" "$sref" "oci:$w/copy:latest"; then
            sk_fail "$name: skopeo ${copy_args[*]} $sref"
            continue
        fi
        og_pass "$name: skopeo copy to oci:"
        sk "$w/copy.raw" inspect --raw "oci:$w/copy:latest" || sk_fail "$name: skopeo inspect the copy"
        if [ "$fmt" != docker-archive ] && [ "$copy_digest" = true ]; then
            og_assert_eq "$name: copy keeps our manifest digest" \
                "sha256:$(og_sha256 "$w/copy.raw")" "$(jq -r .Digest "$w/og.json")"
        fi
        og_run inspect --format json "oci:$w/copy:latest"
        if og_assert_exit "$name: ocigate inspect the copy" 0; then
            og_assert_eq "$name: the copy's Digest agrees with skopeo" \
                "$(og_jq .Digest)" "sha256:$(og_sha256 "$w/copy.raw")"
        fi
        og_run validate --format json "oci:$w/copy:latest"
        if [ "$copy_validate" = true ]; then
            if ! og_assert_exit "$name: ocigate validate the skopeo copy" 0; then
                jq -c '[.findings[]? | {id, severity, subject}]' "$OG_OUT" 2>/dev/null | head -c 800
            fi
        else
            og_assert_exit "$name: ocigate validate the skopeo copy (blobs left out)" 0 1
        fi
    done < <(jq -c '.[] | select(.valid and .skopeo != null)' "$CASES")
fi

if [ $have_umoci -eq 1 ]; then
    while IFS= read -r c; do
        n=$((n + 1))
        name=$(jq -r .name <<<"$c")
        ref=$(jq -r .ref <<<"$c")
        image=${ref#oci:}
        w="$OG_WORK/u$n"
        OG_CMD="umoci unpack --rootless --image $image $w/bundle"
        if timeout 300 umoci unpack --rootless --image "$image" "$w/bundle" >"$OG_OUT" 2>"$OG_ERR"; then
            OG_RC=0
            og_check "$name: umoci unpack (rootfs present)" test -d "$w/bundle/rootfs"
        else
            OG_RC=$?
            og_fail "$name: umoci unpack"
        fi
        chmod -R u+rwX "$w" 2>/dev/null
        rm -rf "$w"
    done < <(jq -c '.[] | select(.valid and .umoci and (.ref | startswith("oci:")))' "$CASES")
fi

og_finish
