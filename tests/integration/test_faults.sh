#!/usr/bin/env bash
# Retries against a fault-injecting proxy (faultproxy.py) in front of a local
# docker-registry: 429 with Retry-After, 503s, a connection reset in the
# middle of a blob (resumed with Range), a stalled transfer (cut by the
# low-speed limit, then retried), and running out of retries (exit 3 with the
# registry.* id).
source "$(dirname "$0")/lib.sh"
og_need_images
source "$(dirname "$0")/registry_lib.sh"

IMG=$OG_IMAGES
W=$OG_WORK

reg_start up
reg_push "oci:$IMG/valid-oci-multilayer:latest" "docker://$REG_UP_ADDR/app:1" ||
    og_die "skopeo could not push valid-oci-multilayer"

# An image with one 4 MiB incompressible layer, so that a reset lands in the
# middle of a transfer that has already delivered bytes.
python3 - "$W/big" <<'PY' || og_die "cannot make the big image"
import gzip, hashlib, io, json, os, random, sys, tarfile
out = sys.argv[1]
os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(out, "blobs", "sha256", d), "wb").write(data)
    return "sha256:" + d, len(data)
rnd = random.Random(7)
payload = bytes(rnd.getrandbits(8) for _ in range(4 << 20))
tb = io.BytesIO()
with tarfile.open(fileobj=tb, mode="w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("data.bin"); ti.size = len(payload); ti.mtime = 0; ti.mode = 0o644
    t.addfile(ti, io.BytesIO(payload))
tar = tb.getvalue()
gz = gzip.compress(tar, compresslevel=1, mtime=0)
ld, ls = put(gz)
cfg = json.dumps({"architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
    "config": {"Cmd": ["/data.bin"], "User": "1000"},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
    "history": [{"created": "2024-01-01T00:00:00Z"}]}, separators=(",", ":")).encode()
cd, cs = put(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": ls}]},
    separators=(",", ":")).encode()
md, ms = put(man)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": md, "size": ms, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]},
    open(os.path.join(out, "index.json"), "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(out, "oci-layout"), "w"))
PY
reg_push "oci:$W/big:latest" "docker://$REG_UP_ADDR/big:1" || og_die "skopeo could not push the big image"
BIGL=$(reg_skopeo_inspect "docker://$REG_UP_ADDR/big:1" | jq -r '.Layers[0]')
faultproxy_start fp up
P=$FP_FP_ADDR
REF="docker://$P/app:1"
FAST=(--retry-delay 50ms)

# the reference run, without faults
faultproxy_set fp '[]'
og_run validate -f json "$REF"
og_assert_exit "through the proxy, no faults" 0
DIGEST=$(og_jq .image.digest)
LAYERS=$(og_jq -c '[.layers[]?.digest]')
L0=$(reg_skopeo_inspect "docker://$REG_UP_ADDR/app:1" | jq -r '.Layers[0]')

# now_ms: wall clock in milliseconds
now_ms() { date +%s%3N; }

# 429 with Retry-After: 1, then success
faultproxy_set fp '[{"method":"GET","path":"/manifests/","nth":1,"status":429,"retry_after":"1"}]'
t0=$(now_ms)
og_run validate "$REF" "${FAST[@]}"
t1=$(now_ms)
og_assert_exit "429 + Retry-After: 1, then success" 0
og_check "the retry is logged with its reason" grep -q 'retry 1/4 in 1.00 s.*manifests/1: HTTP 429' "$OG_ERR"
og_check "Retry-After honoured (>= 1 s)" test $((t1 - t0)) -ge 1000

# Retry-After as an HTTP-date
faultproxy_set fp '[{"method":"GET","path":"/manifests/","nth":1,"status":429,"retry_after":"1","retry_after_date":true}]'
og_run inspect "$REF" "${FAST[@]}"
og_assert_exit "429 + Retry-After as an HTTP-date" 0
og_check "date form logged as Retry-After" grep -q 'retry 1/4 in .*(Retry-After).*HTTP 429' "$OG_ERR"

# 503 twice, then success
faultproxy_set fp '[{"method":"GET","path":"/blobs/'"$L0"'","count":2,"status":503}]'
og_run validate -f json "$REF" "${FAST[@]}"
og_assert_exit "503 x2 on a blob, then success" 0
og_check "two retries logged" test "$(grep -c 'retry [12]/4 in .*blobs/sha256:.*HTTP 503' "$OG_ERR")" -eq 2
og_assert_eq "same digest after the retries" "$(og_jq .image.digest)" "$DIGEST"

# a connection reset in the middle of a blob: resumed with Range
faultproxy_set fp '[]'
og_run validate -f json "docker://$P/big:1"
BIGDIGEST=$(og_jq .image.digest)
faultproxy_set fp '[{"method":"GET","path":"/blobs/'"$BIGL"'","nth":1,"reset_after":2500000}]'
: >"$FP_FP_LOG"
og_run validate -f json -j 1 "docker://$P/big:1" "${FAST[@]}"
og_assert_exit "reset mid-blob, resumed" 0
og_check "resume logged" grep -q 'resuming at byte [1-9]' "$OG_ERR"
og_assert_eq "resumed blob: same image digest" "$(og_jq .image.digest)" "$BIGDIGEST"
og_assert_jq "resumed blob: no integrity finding" \
    '[.findings[].id] | map(select(startswith("blob.") or startswith("layer."))) | length == 0'
og_check "the resume was a Range request answered 206" grep -q '"status": *206' "$FP_FP_LOG"
faultproxy_set fp '[{"method":"GET","path":"/blobs/'"$L0"'","nth":1,"reset_after":700}]'
og_run validate -f json -j 1 "$REF" "${FAST[@]}"
og_assert_exit "reset in a small blob, retried" 0
og_assert_eq "small blob retried: same layers" "$(og_jq -c '[.layers[]?.digest]')" "$LAYERS"

# a stalled transfer: cut by the low-speed limit, then retried
faultproxy_set fp '[{"method":"GET","path":"/blobs/'"$L0"'","nth":1,"stall_after":300,"seconds":30}]'
t0=$(now_ms)
og_run validate -f json -j 1 --stall-timeout 2s "$REF" "${FAST[@]}"
t1=$(now_ms)
og_assert_exit "a stalled blob, cut and retried" 0
og_check "stall retry logged" grep -q 'retry 1/4 in .*blobs/sha256:' "$OG_ERR"
og_check "cut well before the stall ends (< 20 s)" test $((t1 - t0)) -lt 20000
og_assert_eq "after the stall: same layers" "$(og_jq -c '[.layers[]?.digest]')" "$LAYERS"

# running out of retries
faultproxy_set fp '[{"method":"GET","path":"/manifests/","status":503}]'
og_run inspect --retries 2 "$REF" "${FAST[@]}"
og_assert_exit "503 for ever: exit 3" 3
og_check "503 for ever: registry.server_error" grep -q 'registry.server_error' "$OG_ERR"
og_check "503 for ever: two retries" test "$(grep -c 'retry [0-9]/2 in' "$OG_ERR")" -eq 2

faultproxy_set fp '[{"method":"GET","path":"/manifests/","status":429,"retry_after":"0"}]'
og_run inspect --retries 1 "$REF" "${FAST[@]}"
og_assert_exit "429 for ever: exit 3" 3
og_check "429 for ever: registry.rate_limited" grep -q 'registry.rate_limited' "$OG_ERR"

faultproxy_set fp '[{"method":"GET","path":"/blobs/'"$L0"'","stall_after":100,"seconds":30}]'
og_run validate -j 1 --retries 1 --stall-timeout 1s "$REF" "${FAST[@]}"
og_assert_exit "a blob that always stalls: exit 3" 3
og_check "always stalls: the low-speed cut is reported" grep -q 'too slow' "$OG_ERR"
faultproxy_set fp '[{"method":"GET","path":"/manifests/","stall_after":10,"seconds":30}]'
og_run inspect --retries 1 --stall-timeout 1s "$REF" "${FAST[@]}"
og_assert_exit "a manifest that always stalls: exit 3" 3
og_check "always stalls: registry.timeout" grep -q 'registry.timeout' "$OG_ERR"

faultproxy_set fp '[{"method":"GET","path":"/manifests/","drop":true}]'
og_run inspect --retries 1 "$REF" "${FAST[@]}"
og_assert_exit "connection dropped for ever: exit 3" 3
og_check "dropped: registry.unreachable" grep -q 'registry.unreachable' "$OG_ERR"

# the whole operation's deadline
faultproxy_set fp '[{"method":"GET","path":"/manifests/","status":429,"retry_after":"30"}]'
t0=$(now_ms)
og_run inspect --timeout 2s "$REF" "${FAST[@]}"
t1=$(now_ms)
og_assert_exit "Retry-After past the deadline: exit 3" 3
og_check "the deadline caps the wait (< 10 s)" test $((t1 - t0)) -lt 10000

faultproxy_set fp '[]'
og_finish
