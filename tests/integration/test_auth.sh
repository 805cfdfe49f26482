#!/usr/bin/env bash
# Registry authentication end to end: a docker-registry behind tokenauth.py
# (a Bearer token service that enforces scopes), reached through ocigate's
# docker:// source. Credentials from --creds, --authfile and a Docker
# credential helper; no credentials; a wrong password; pull-only tokens that
# cannot push; tokens that expire during a run (--ttl 2); and the password in
# no output at all.
. "$(dirname "$0")/lib.sh"
. "$og_here/registry_lib.sh"
og_need_images

IMG="$OG_IMAGES/meta-good"
[ -f "$IMG/index.json" ] || og_die "$IMG is not an OCI layout"
PASS='Tok3n-Pa55-QUUX-7731'
RO_PASS='R3ad-0nly-Pa55-9923'
OUTS="$OG_WORK/outputs"
mkdir -p "$OUTS"

# tokenauth_start NAME UPSTREAM_ADDR [tokenauth options...]: exports TA_<NAME>_ADDR, _LOG.
tokenauth_start() {
    local name=$1 upstream=$2
    shift 2
    local dir="$REG_ROOT/ta-$name" up
    up=${name^^}
    up=${up//[^A-Z0-9]/_}
    mkdir -p "$dir"
    python3 "$og_here/tokenauth.py" --port-file "$dir/port" --upstream "http://$upstream" \
        --log "$dir/log.jsonl" --users "alice:$PASS,bob:$RO_PASS" --pull-only bob "$@" \
        >"$dir/out" 2>&1 </dev/null &
    reg_pids+=("$!")
    local i
    for i in $(seq 1 100); do
        [ -s "$dir/port" ] && break
        sleep 0.1
    done
    [ -s "$dir/port" ] || { cat "$dir/out" >&2; og_die "tokenauth $name did not start"; }
    export "TA_${up}_ADDR=127.0.0.1:$(cat "$dir/port")" "TA_${up}_LOG=$dir/log.jsonl"
}

# keep every output of every run, to look for the password at the end
n_out=0
keep_outputs() {
    n_out=$((n_out + 1))
    cp "$OG_OUT" "$OUTS/$n_out.stdout"
    cp "$OG_ERR" "$OUTS/$n_out.stderr"
}

# the error line names the finding id
assert_id() {
    if grep -q "$2" "$OG_ERR"; then
        og_pass "$1 ($(grep -m1 '^ocigate: ' "$OG_ERR" | head -c 160))"
    else
        og_fail "$1" "stderr does not name $2"
    fi
}

reg_start up
reg_push "oci:$IMG" "docker://$REG_UP_ADDR/team/app:v1" || og_die "skopeo could not push $IMG"
reg_push "oci:$IMG" "docker://$REG_UP_ADDR/team/secret:v1" || og_die "skopeo could not push $IMG"
tokenauth_start front "$REG_UP_ADDR" --deny team/secret
F=$TA_FRONT_ADDR
# an empty auth file: nothing from the environment
export REGISTRY_AUTH_FILE="$OG_WORK/empty-auth.json"
echo '{"auths":{}}' >"$REGISTRY_AUTH_FILE"
export DOCKER_CONFIG="$OG_WORK/no-docker-config"
export HOME="$OG_WORK/home"
mkdir -p "$HOME"

# 1. --creds
og_run inspect --format json "docker://$F/team/app:v1" --creds "alice:$PASS"
keep_outputs
og_assert_exit "inspect through the token front with --creds" 0
og_assert_json "inspect prints JSON"
og_assert_jq "inspect names the digest" '(tostring | test("sha256:"))'
if [ "$(jq -s 'any(.[]; .kind == "token" and .status == 200 and .user == "alice")' \
    "$TA_FRONT_LOG")" = true ]; then
    og_pass "a token was issued to alice"
else
    og_fail "a token was issued to alice" "$(tail -5 "$TA_FRONT_LOG")"
fi

# 2. no credentials: the token has no access
og_run inspect "docker://$F/team/app:v1"
keep_outputs
og_assert_exit "inspect without credentials" 4
assert_id "without credentials: registry.auth" registry.auth

# 3. a wrong password
og_run inspect "docker://$F/team/app:v1" --creds "alice:wrong-$PASS"
keep_outputs
og_assert_exit "inspect with a wrong password" 4
assert_id "wrong password: registry.auth" registry.auth

# 4. --authfile (base64 "auth") and a credential helper
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$F" "$(printf 'alice:%s' "$PASS" | base64 -w0)" \
    >"$OG_WORK/auth.json"
og_run inspect "docker://$F/team/app:v1" --authfile "$OG_WORK/auth.json"
keep_outputs
og_assert_exit "inspect with --authfile" 0
mkdir -p "$OG_WORK/bin" "$OG_WORK/dc"
cat >"$OG_WORK/bin/docker-credential-ogtest" <<EOF
#!/bin/sh
read -r host
[ "\$host" = "$F" ] || { echo 'credentials not found in native keychain'; exit 1; }
printf '{"ServerURL":"%s","Username":"alice","Secret":"%s"}\n' "\$host" '$PASS'
EOF
chmod +x "$OG_WORK/bin/docker-credential-ogtest"
printf '{"credHelpers":{"%s":"ogtest"}}\n' "$F" >"$OG_WORK/dc/config.json"
og_run_env PATH="$OG_WORK/bin:$PATH" DOCKER_CONFIG="$OG_WORK/dc" -- inspect "docker://$F/team/app:v1"
keep_outputs
og_assert_exit "inspect with a credential helper" 0

# 5. validate with --report json (the password must not show there either)
og_run validate "docker://$F/team/app:v1" --creds "alice:$PASS" --report "json=$OUTS/report.json"
keep_outputs
og_assert_exit "validate through the token front" 0 1

# 6. authenticated, but the repository is not granted: denied
og_run inspect "docker://$F/team/secret:v1" --creds "alice:$PASS"
keep_outputs
og_assert_exit "inspect a repository alice may not read" 4
assert_id "not granted: registry.denied" registry.denied

# 7. anonymous pull where the token service allows it (--anon-pull)
tokenauth_start anon "$REG_UP_ADDR" --anon-pull
og_run inspect "docker://$TA_ANON_ADDR/team/app:v1"
keep_outputs
og_assert_exit "anonymous inspect with --anon-pull" 0
if [ "$(jq -s 'any(.[]; .kind == "token" and .status == 200 and .user == null and
        (.granted | index("repository:team/app:pull")))' "$TA_ANON_LOG")" = true ]; then
    og_pass "an anonymous pull token was issued"
else
    og_fail "an anonymous pull token was issued" "$(cat "$TA_ANON_LOG")"
fi

# 8. pull-only user: can read, cannot push
og_run inspect "docker://$F/team/app:v1" --creds "bob:$RO_PASS"
keep_outputs
og_assert_exit "a pull-only user can inspect" 0
if "$OCIGATE" help copy >/dev/null 2>&1; then
    og_run copy "oci:$IMG" "docker://$F/team/new:v1" --creds "bob:$RO_PASS"
    keep_outputs
    og_assert_exit "a pull-only token cannot push" 4
    assert_id "pull-only push: registry.denied" registry.denied
    og_run copy "oci:$IMG" "docker://$F/team/new:v1" --creds "alice:$PASS"
    keep_outputs
    og_assert_exit "alice can push through the front" 0
else
    echo "note: no copy command: the push checks are left out"
fi

# 9. tokens expire (--ttl 2) during a run: the manifest answer is held back
# 3 s by a fault proxy, so the token used for it has expired before the blobs.
faultproxy_start slow up
faultproxy_set slow '[{"method":"GET","path":"/manifests/","delay":3}]' ||
    og_die "faultproxy_set failed"
tokenauth_start short "$FP_SLOW_ADDR" --ttl 2
og_run validate "docker://$TA_SHORT_ADDR/team/app:v1" --creds "alice:$PASS"
keep_outputs
og_assert_exit "validate across a token expiry" 0 1
ntok=$(jq -s '[.[] | select(.kind == "token" and .status == 200)] | length' "$TA_SHORT_LOG")
if [ "${ntok:-0}" -ge 2 ]; then
    og_pass "the token was refreshed ($ntok /token requests)"
else
    og_fail "the token was refreshed" "$ntok /token requests: $(cat "$TA_SHORT_LOG")"
fi

# 10. the password is in no output and in no log
if grep -rlF -e "$PASS" -e "$RO_PASS" "$OUTS" "$REG_ROOT"/ta-*/log.jsonl; then
    og_fail "the passwords appear in no output" "found in the files above"
else
    og_pass "the passwords appear in no output ($n_out runs, the report and the logs)"
fi

og_finish
