#!/usr/bin/env bash
# ocigate inspect/validate on docker:// references against a local
# docker-registry (127.0.0.1 only): agreement with skopeo and with the same
# image read from a layout, a multi-arch index, corrupted blobs, missing tags,
# closed ports, Basic and Bearer authentication, TLS with a private CA, and
# redirects to another host that must not receive the Authorization header.
source "$(dirname "$0")/lib.sh"
og_need_images
source "$(dirname "$0")/registry_lib.sh"

IMG=$OG_IMAGES
W=$OG_WORK

# ------------------------------------------------------------ option parsing
og_run validate --retries 101 docker://127.0.0.1:1/app
og_assert_exit "--retries 101 is a usage error" 2
og_run validate --retries 0 --retry-delay 10ms docker://127.0.0.1:1/app
og_assert_exit "--retries 0: a closed port fails at once" 3
og_check "--retries 0: no retry logged" bash -c "! grep -q 'retry ' '$OG_ERR'"
og_check "--retries 0: registry.unreachable" grep -q 'registry.unreachable' "$OG_ERR"
og_run inspect --retries=abc docker://127.0.0.1:1/app
og_assert_exit "--retries=abc is a usage error" 2
og_run validate --retry-delay 5x docker://127.0.0.1:1/app
og_assert_exit "--retry-delay 5x is a usage error" 2
og_run validate --timeout -3s docker://127.0.0.1:1/app
og_assert_exit "--timeout -3s is a usage error" 2
og_run inspect --tls-verify=maybe docker://127.0.0.1:1/app
og_assert_exit "--tls-verify=maybe is a usage error" 2
og_run inspect --creds nocolon-secretvalue docker://127.0.0.1:1/app
og_assert_exit "--creds without ':' is a usage error" 2
og_check "--creds value not echoed" bash -c "! grep -q secretvalue '$OG_ERR'"
og_run inspect docker://127.0.0.1:1/app --cacert
og_assert_exit "--cacert without a value" 2
og_run inspect --creds-stdin docker://127.0.0.1:1/app
og_assert_exit "--creds-stdin with nothing on stdin" 2
og_run inspect --help
og_check "inspect --help lists the registry options" grep -q -- '--creds-stdin' "$OG_OUT"
og_run validate --help
og_check "validate --help lists exit code 4" grep -q '4 authentication' "$OG_OUT"

# ------------------------------------------------------------ plain registry
reg_start plain
R=$REG_PLAIN_ADDR
reg_push "oci:$IMG/valid-oci-multilayer:latest" "docker://$R/team/app:1" ||
    og_die "skopeo could not push valid-oci-multilayer"
reg_push "oci:$IMG/valid-oci-index:latest" "docker://$R/multi:1" --all ||
    og_die "skopeo could not push valid-oci-index"
reg_push "docker-archive:$IMG/valid-docker-legacy/image.tar" "docker://$R/legacy:1" ||
    og_die "skopeo could not push valid-docker-legacy"

# The registry's bytes as a layout, to compare against.
skopeo --policy "$REG_POLICY" copy --quiet --src-tls-verify=false \
    "docker://$R/team/app:1" "oci:$W/app-layout:1" || og_die "skopeo could not pull back"
skopeo --policy "$REG_POLICY" copy --quiet --all --src-tls-verify=false \
    "docker://$R/multi:1" "oci:$W/multi-layout:1" || og_die "skopeo could not pull back the index"

# inspect agrees with skopeo inspect
og_run inspect -f json "docker://$R/team/app:1"
og_assert_exit "inspect docker:// a manifest" 0
og_assert_json "inspect docker:// prints JSON"
cp "$OG_OUT" "$W/ours.json"
reg_skopeo_inspect "docker://$R/team/app:1" >"$W/skopeo.json" 2>/dev/null
og_assert_eq "inspect digest = skopeo's" "$(jq -r .Digest "$W/ours.json")" "$(jq -r .Digest "$W/skopeo.json")"
og_assert_eq "inspect layers = skopeo's" "$(jq -c '[.Layers[].Digest? // .Layers[]]' "$W/ours.json")" \
    "$(jq -c '.Layers' "$W/skopeo.json")"
og_assert_eq "inspect Transport" "$(jq -r .Transport "$W/ours.json")" "docker"

# without the docker:// prefix
og_run inspect -f json "$R/team/app:1"
og_assert_exit "inspect HOST/REPO:TAG (no prefix)" 0
og_assert_eq "same digest without the prefix" "$(og_jq .Digest)" "$(jq -r .Digest "$W/ours.json")"

# by digest
D=$(jq -r .Digest "$W/ours.json")
og_run inspect --raw "docker://$R/team/app@$D"
og_assert_exit "inspect --raw by digest" 0
og_assert_eq "raw bytes hash to the digest" "sha256:$(og_sha256 "$OG_OUT")" "$D"

# validate: same findings and digest as the layout of the same bytes
og_run validate -f json "docker://$R/team/app:1"
og_assert_exit "validate docker:// a valid image" 0
cp "$OG_OUT" "$W/v-reg.json"
og_run validate -f json "oci:$W/app-layout:1"
cp "$OG_OUT" "$W/v-oci.json"
og_assert_eq "validate: same digest as the layout" "$(jq -r .image.digest "$W/v-reg.json")" \
    "$(jq -r .image.digest "$W/v-oci.json")"
og_assert_eq "validate: same findings as the layout" \
    "$(jq -c '[.findings[] | [.id, .severity]] | sort' "$W/v-reg.json")" \
    "$(jq -c '[.findings[] | [.id, .severity]] | sort' "$W/v-oci.json")"
og_assert_eq "validate: same layers as the layout" \
    "$(jq -c '[.layers[]? | .digest] | sort' "$W/v-reg.json")" \
    "$(jq -c '[.layers[]? | .digest] | sort' "$W/v-oci.json")"

# a multi-arch index
og_run validate -f json "docker://$R/multi:1"
og_assert_exit "validate docker:// an index" 0
cp "$OG_OUT" "$W/m-reg.json"
og_run validate -f json "oci:$W/multi-layout:1"
cp "$OG_OUT" "$W/m-oci.json"
og_assert_eq "index: same digest" "$(jq -r .image.digest "$W/m-reg.json")" "$(jq -r .image.digest "$W/m-oci.json")"
og_assert_eq "index: same platforms" "$(jq -c '.image.platforms' "$W/m-reg.json")" \
    "$(jq -c '.image.platforms' "$W/m-oci.json")"
og_assert_eq "index: same findings" "$(jq -c '[.findings[] | .id] | sort' "$W/m-reg.json")" \
    "$(jq -c '[.findings[] | .id] | sort' "$W/m-oci.json")"
og_run inspect -f json --platform linux/arm64 "docker://$R/multi:1"
og_assert_exit "inspect --platform on a registry index" 0
og_assert_jq "inspect --platform picks arm64" '.Architecture == "arm64"'

# docker v2 schema 2 manifests
og_run validate "docker://$R/legacy:1"
og_assert_exit "validate docker:// a Docker v2s2 image" 0

# a missing tag / repository
og_run validate "docker://$R/team/app:nope"
og_assert_exit "missing tag" 3
og_check "missing tag: registry.not_found" grep -q 'registry.not_found' "$OG_ERR"
og_run inspect "docker://$R/nothere:1"
og_assert_exit "missing repository" 3
og_check "missing repository: registry.not_found" grep -q 'registry.not_found' "$OG_ERR"

# bad references
og_run inspect "docker://$R/Team/App:1"
og_assert_exit "uppercase repository is a usage error" 2
og_run inspect "docker://$R/app@sha256:1234"
og_assert_exit "a short digest is a usage error" 2

# a closed port
PORT=$(reg_free_port)
og_run inspect --retries 1 --retry-delay 10ms "docker://127.0.0.1:$PORT/app:1"
og_assert_exit "closed port" 3
og_check "closed port: registry.unreachable" grep -q 'registry.unreachable' "$OG_ERR"

# a layer corrupted in the registry's storage
reg_push "oci:$IMG/valid-oci-multilayer:latest" "docker://$R/broken:1" || og_die "push broken"
L0=$(jq -r '.Layers[0]' "$W/skopeo.json")
BP=$(reg_blob_path plain "$L0")
[ -f "$BP" ] || og_die "no blob file $BP"
printf 'corrupt' | dd of="$BP" bs=1 seek=100 conv=notrunc 2>/dev/null
og_run validate -f json "docker://$R/broken:1"
og_assert_exit "a corrupted layer in the registry" 1
og_assert_jq "blob.digest_mismatch reported" '[.findings[].id] | index("blob.digest_mismatch") != null'

# a blob deleted from the registry: blob.missing
rm -f "$BP"
og_run validate -f json "docker://$R/broken:1"
og_assert_exit "a layer missing from the registry" 1
og_assert_jq "blob.missing reported" '[.findings[].id] | index("blob.missing") != null'

# -------------------------------------------------------------- Basic auth
reg_start basic --htpasswd alice:s3cret-pw
B=$REG_BASIC_ADDR
reg_push "oci:$IMG/valid-oci-multilayer:latest" "docker://$B/app:1" || og_die "push to basic"
og_run validate --creds alice:s3cret-pw "docker://$B/app:1"
og_assert_exit "Basic auth with --creds" 0
og_run validate "docker://$B/app:1"
og_assert_exit "Basic auth without credentials" 4
og_check "no credentials: registry.auth" grep -q 'registry.auth' "$OG_ERR"
og_run validate --creds alice:wrong-pw "docker://$B/app:1"
og_assert_exit "Basic auth with a wrong password" 4
og_check "the password never shows" bash -c "! grep -q 'wrong-pw\|s3cret' '$OG_ERR' '$OG_OUT'"
OG_CMD="ocigate validate --creds-stdin docker://$B/app:1"
echo "alice:s3cret-pw" | timeout 60 "$OCIGATE" validate --creds-stdin "docker://$B/app:1" >"$OG_OUT" 2>"$OG_ERR"
OG_RC=$?
og_assert_exit "Basic auth with --creds-stdin" 0
printf '{"auths":{"%s":{"auth":"%s"}}}' "$B" "$(printf 'alice:s3cret-pw' | base64)" >"$W/auth.json"
og_run inspect --authfile "$W/auth.json" "docker://$B/app:1"
og_assert_exit "Basic auth with --authfile" 0

# ------------------------------------------------------------- Bearer tokens
if [ -f "$og_here/tokenauth.py" ]; then
    reg_start behind
    TPF="$W/token.port"
    python3 "$og_here/tokenauth.py" --port-file "$TPF" --upstream "http://$REG_BEHIND_ADDR" \
        --users bob:b0b-pass --log "$W/token.log" >"$W/token.out" 2>&1 </dev/null &
    reg_pids+=("$!")
    for _ in $(seq 1 100); do [ -s "$TPF" ] && break; sleep 0.1; done
    T=127.0.0.1:$(cat "$TPF")
    skopeo --policy "$REG_POLICY" copy --quiet --dest-tls-verify=false --dest-creds bob:b0b-pass \
        "oci:$IMG/valid-oci-multilayer:latest" "docker://$T/app:1" || og_die "push through the token service"
    og_run validate -j 4 --creds bob:b0b-pass "docker://$T/app:1"
    og_assert_exit "Bearer token flow with --creds" 0
    og_check "tokens were asked for" grep -q '"kind": *"token"\|/token' "$W/token.log"
    og_run validate "docker://$T/app:1"
    og_assert_exit "Bearer: anonymous is refused" 4
    og_check "Bearer anonymous: registry.auth" grep -q 'registry.auth' "$OG_ERR"
    og_run inspect --creds bob:bad "docker://$T/app:1"
    og_assert_exit "Bearer: a wrong password" 4
    og_check "Bearer: the password never shows" bash -c "! grep -q 'b0b-pass' '$OG_ERR' '$OG_OUT'"

    # an identity token (an OAuth2 refresh token) from auth.json
    RT=$(curl -s --max-time 5 -d 'grant_type=password&username=bob&password=b0b-pass&service=ocigate-test' \
        "http://$T/token" | jq -r .refresh_token)
    printf '{"auths":{"%s":{"identitytoken":"%s"}}}' "$T" "$RT" >"$W/idtok.json"
    : >"$W/token.log.mark"
    og_run validate --authfile "$W/idtok.json" "docker://$T/app:1"
    og_assert_exit "Bearer with an identity token (refresh_token grant)" 0
    og_check "the identity token was POSTed" grep -q '"method": *"POST", *"path": *"/token".*"status": *200' "$W/token.log"
    og_check "the identity token never shows" bash -c "! grep -qF '$RT' '$OG_ERR' '$OG_OUT'"

    # short-lived tokens are renewed: tokens live 1 s, every blob takes 1.2 s
    faultproxy_start slow behind
    faultproxy_set slow '[{"method":"GET","path":"/blobs/","delay":1.2}]'
    TPF2="$W/token2.port"
    python3 "$og_here/tokenauth.py" --port-file "$TPF2" --upstream "http://$FP_SLOW_ADDR" \
        --users bob:b0b-pass --ttl 1 --log "$W/token2.log" >"$W/token2.out" 2>&1 </dev/null &
    reg_pids+=("$!")
    for _ in $(seq 1 100); do [ -s "$TPF2" ] && break; sleep 0.1; done
    og_run validate -j 1 --creds bob:b0b-pass "docker://127.0.0.1:$(cat "$TPF2")/app:1"
    og_assert_exit "Bearer with 1-second tokens" 0
    og_check "expired tokens were renewed (several token requests)" \
        test "$(grep -c '"path": *"/token".*"status": *200' "$W/token2.log")" -ge 3
fi

# ------------------------------------------------------------------- TLS
reg_start tls --tls
S=$REG_TLS_ADDR
reg_push "oci:$IMG/valid-oci-multilayer:latest" "docker://$S/app:1" || og_die "push to tls"
og_run validate --cacert "$REG_TLS_CA" "docker://$S/app:1"
og_assert_exit "TLS with --cacert" 0
og_run validate --retries 1 "docker://$S/app:1"
og_assert_exit "TLS without the CA" 3
og_check "TLS without the CA: registry.unreachable" grep -q 'registry.unreachable' "$OG_ERR"
og_run validate --tls-verify=false "docker://$S/app:1"
og_assert_exit "TLS with --tls-verify=false" 0

# -------------------------------------- a redirect to another host (no auth)
LAYOUT="$IMG/valid-oci-multilayer"
cat >"$W/redirect.py" <<'PY'
import http.server, json, os, sys, threading, base64
layout, portfile, hdrlog = sys.argv[1], sys.argv[2], sys.argv[3]
idx = json.load(open(os.path.join(layout, "index.json")))
mdesc = idx["manifests"][0]
def blob(d):
    return open(os.path.join(layout, "blobs", *d.split(":")), "rb").read()
want = "Basic " + base64.b64encode(b"u:pw-for-redirect").decode()
class Store(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        with open(hdrlog, "a") as f:
            f.write(json.dumps({"path": self.path, "auth": self.headers.get("Authorization")}) + "\n")
        data = blob(self.path.rsplit("/", 1)[1])
        self.send_response(200); self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
class Reg(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.headers.get("Authorization") != want:
            self.send_response(401); self.send_header("WWW-Authenticate", 'Basic realm="t"')
            self.send_header("Content-Length", "0"); self.end_headers(); return
        p = self.path
        if "/manifests/" in p:
            with open(hdrlog + ".accept", "a") as f:
                f.write(json.dumps({"path": p, "accept": self.headers.get("Accept")}) + "\n")
            data = blob(mdesc["digest"])
            self.send_response(200); self.send_header("Content-Type", mdesc["mediaType"])
            self.send_header("Docker-Content-Digest", "sha256:" + "0" * 64 if "/lie/" in p else mdesc["digest"])
            self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
        elif "/blobs/" in p:
            self.send_response(307)
            self.send_header("Location", "http://127.0.0.1:%d/store/%s" % (store.server_port, p.rsplit("/", 1)[1]))
            self.send_header("Content-Length", "0"); self.end_headers()
        else:
            self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
store = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Store)
reg = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Reg)
threading.Thread(target=store.serve_forever, daemon=True).start()
open(portfile + ".tmp", "w").write(str(reg.server_port)); os.rename(portfile + ".tmp", portfile)
reg.serve_forever()
PY
RPF="$W/redirect.port"
python3 "$W/redirect.py" "$LAYOUT" "$RPF" "$W/store-headers.jsonl" >"$W/redirect.out" 2>&1 </dev/null &
reg_pids+=("$!")
for _ in $(seq 1 100); do [ -s "$RPF" ] && break; sleep 0.1; done
og_run validate --creds u:pw-for-redirect "docker://127.0.0.1:$(cat "$RPF")/app:1"
og_assert_exit "blobs redirected to another host" 0
og_check "the storage host was asked for blobs" test -s "$W/store-headers.jsonl"
og_check "no Authorization header reached the other host" \
    bash -c "jq -e -s 'length > 0 and all(.auth == null)' '$W/store-headers.jsonl' >/dev/null"

og_check "manifest requests send the Accept list" bash -c "jq -e -s 'length > 0 and all(.accept | \
    contains(\"application/vnd.oci.image.index.v1+json\") and contains(\"application/vnd.oci.image.manifest.v1+json\") and \
    contains(\"application/vnd.docker.distribution.manifest.list.v2+json\") and \
    contains(\"application/vnd.docker.distribution.manifest.v2+json\"))' '$W/store-headers.jsonl.accept' >/dev/null"

# a Docker-Content-Digest that disagrees with the bytes
og_run validate -f json --creds u:pw-for-redirect "docker://127.0.0.1:$(cat "$RPF")/lie:1"
og_assert_exit "Docker-Content-Digest disagrees: a finding" 1
og_assert_jq "Docker-Content-Digest disagrees: blob.digest_mismatch" \
    '[.findings[].id] | index("blob.digest_mismatch") != null'
# bytes that do not match the digest asked for
og_run inspect --creds u:pw-for-redirect "docker://127.0.0.1:$(cat "$RPF")/app@sha256:$(printf '1%.0s' $(seq 64))"
og_assert_exit "manifest bytes that do not match the digest asked for" 2
og_check "digest asked for: blob.digest_mismatch" grep -q 'blob.digest_mismatch\|hash to' "$OG_ERR"

og_finish
