# shellcheck shell=bash
# Local registry helpers for the integration tests (source after lib.sh).
#
#   reg_start NAME [--htpasswd USER:PASS] [--tls]
#       starts Debian's docker-registry on a free 127.0.0.1 port, storage under $OG_TMP;
#       exports REG_<NAME>_PORT, REG_<NAME>_DIR (storage root), REG_<NAME>_LOG,
#       REG_<NAME>_ADDR (127.0.0.1:PORT) and, with --tls, REG_<NAME>_CA (the CA certificate).
#   reg_stop NAME         stops one registry (its storage is kept until reg_stop_all)
#   reg_stop_all          kills every process started here and removes the temp dirs
#                         (installed as the EXIT trap by this file)
#   reg_push SRC_REF DEST_REF [skopeo copy options...]
#                         skopeo copy with the right TLS / credential flags for a DEST
#                         (docker://127.0.0.1:PORT/...) started here
#   reg_blob_path NAME DIGEST   the data file of a blob in NAME's storage
#   reg_free_port         prints a free 127.0.0.1 TCP port
#   reg_skopeo_flags REF [src|dest]  the TLS/credential skopeo flags for REF
#   faultproxy_start NAME UPSTREAM_NAME [--faults FILE]
#       starts tests/integration/faultproxy.py in front of registry UPSTREAM_NAME; exports
#       FP_<NAME>_PORT, FP_<NAME>_LOG (JSON lines), FP_<NAME>_ADDR
#   faultproxy_set NAME JSON   replaces the fault rules at run time (POST /__faults)
#
# Tests exit 77 (skip) when docker-registry, skopeo or python3 is missing.
# Only 127.0.0.1 is ever used.

command -v docker-registry >/dev/null 2>&1 || og_skip "docker-registry is not installed"
command -v skopeo >/dev/null 2>&1 || og_skip "skopeo is not installed"
command -v python3 >/dev/null 2>&1 || og_skip "python3 is not installed"

reg_pids=()
reg_dirs=()
REG_ROOT=$(mktemp -d "$OG_TMP/registry.XXXXXX") || og_die "mktemp under $OG_TMP failed"
reg_dirs+=("$REG_ROOT")
# skopeo keeps its auth file and policy here, never in the user's home.
export REGISTRY_AUTH_FILE="$REG_ROOT/auth.json"
echo '{"auths":{}}' >"$REGISTRY_AUTH_FILE"
REG_POLICY="$REG_ROOT/policy.json"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$REG_POLICY"

reg_free_port() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# reg__wait_http URL [CAFILE]: wait (up to ~15 s) until URL answers any HTTP status.
reg__wait_http() {
    local url=$1 ca=${2:-} i code
    for i in $(seq 1 150); do
        if [ -n "$ca" ]; then
            code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" --max-time 2 "$url" 2>/dev/null)
        else
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null)
        fi
        case $code in
            2?? | 401) return 0 ;;
        esac
        sleep 0.1
    done
    return 1
}

# reg__make_ca DIR: a CA plus a server certificate for IP:127.0.0.1 in DIR
# (ca.pem, ca.key, server.pem, server.key).
reg__make_ca() {
    local d=$1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ocigate test CA" \
        -keyout "$d/ca.key" -out "$d/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 || return 1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1 || return 1
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$d/ext.cnf"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile "$d/ext.cnf" -out "$d/server.pem" >/dev/null 2>&1 || return 1
    return 0
}

reg_start() {
    local name=$1
    shift
    local cred="" tls=0
    while [ $# -gt 0 ]; do
        case $1 in
            --htpasswd) cred=$2; shift 2 ;;
            --tls) tls=1; shift ;;
            *) og_die "reg_start: unknown option $1" ;;
        esac
    done
    local dir="$REG_ROOT/$name"
    mkdir -p "$dir/storage" || og_die "reg_start: cannot create $dir"
    local port
    port=$(reg_free_port) || og_die "reg_start: no free port"
    local cfg="$dir/config.yml"
    {
        echo "version: 0.1"
        echo "log:"
        echo "  level: info"
        echo "  accesslog:"
        echo "    disabled: false"
        echo "storage:"
        echo "  filesystem:"
        echo "    rootdirectory: $dir/storage"
        echo "  delete:"
        echo "    enabled: true"
        echo "  maintenance:"
        echo "    uploadpurging:"
        echo "      enabled: false"
        echo "http:"
        echo "  addr: 127.0.0.1:$port"
        echo "  secret: ocigate-test-secret-$name"
    } >"$cfg"
    local scheme=http
    if [ "$tls" = 1 ]; then
        reg__make_ca "$dir" || og_die "reg_start: openssl failed making a CA in $dir"
        {
            echo "  tls:"
            echo "    certificate: $dir/server.pem"
            echo "    key: $dir/server.key"
        } >>"$cfg"
        scheme=https
    fi
    if [ -n "$cred" ]; then
        command -v htpasswd >/dev/null 2>&1 || og_skip "htpasswd (apache2-utils) is not installed"
        htpasswd -Bbn "${cred%%:*}" "${cred#*:}" >"$dir/htpasswd" 2>/dev/null ||
            og_die "reg_start: htpasswd failed"
        {
            echo "auth:"
            echo "  htpasswd:"
            echo "    realm: ocigate-test"
            echo "    path: $dir/htpasswd"
        } >>"$cfg"
    fi
    local log="$dir/registry.log"
    # docker-registry reads REGISTRY_* variables as configuration overrides: drop them all
    local unset_env=() v
    for v in $(compgen -e); do
        case $v in REGISTRY_*) unset_env+=(-u "$v") ;; esac
    done
    env "${unset_env[@]}" docker-registry serve "$cfg" >"$log" 2>&1 </dev/null &
    local pid=$!
    reg_pids+=("$pid")
    local up=${name^^}
    up=${up//[^A-Z0-9]/_}
    eval "REG_${up}_PID=$pid"
    if ! reg__wait_http "$scheme://127.0.0.1:$port/v2/" "$([ "$tls" = 1 ] && echo "$dir/ca.pem")"; then
        tail -20 "$log" >&2
        og_die "reg_start: docker-registry $name did not answer on 127.0.0.1:$port"
    fi
    export "REG_${up}_PORT=$port" "REG_${up}_DIR=$dir/storage" "REG_${up}_LOG=$log" \
        "REG_${up}_ADDR=127.0.0.1:$port" "REG_${up}_SCHEME=$scheme"
    if [ "$tls" = 1 ]; then
        export "REG_${up}_CA=$dir/ca.pem"
        # skopeo's --cert-dir wants *.crt for CAs
        mkdir -p "$dir/certs.d" && cp "$dir/ca.pem" "$dir/certs.d/ca.crt"
    fi
    if [ -n "$cred" ]; then
        export "REG_${up}_USER=${cred%%:*}" "REG_${up}_PASS=${cred#*:}"
    fi
    echo "127.0.0.1:$port $name $tls ${cred:+1}" >>"$REG_ROOT/registries"
    return 0
}

reg_stop() {
    local up=${1^^}
    up=${up//[^A-Z0-9]/_}
    local v="REG_${up}_PID"
    local pid=${!v:-}
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    return 0
}

reg_stop_all() {
    local p d
    for p in "${reg_pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${reg_pids[@]}"; do
        wait "$p" 2>/dev/null
    done
    reg_pids=()
    for d in "${reg_dirs[@]}"; do
        chmod -R u+rwX "$d" 2>/dev/null
        rm -rf "$d"
    done
    reg_dirs=()
}
trap reg_stop_all EXIT

# reg__lookup ADDR: prints "NAME TLS HASCRED" for a registry started here (empty if unknown).
reg__lookup() {
    local a=$1 addr name tls cred
    [ -f "$REG_ROOT/registries" ] || return 0
    while read -r addr name tls cred; do
        if [ "$addr" = "$a" ]; then
            echo "$name $tls ${cred:-0}"
            return 0
        fi
    done <"$REG_ROOT/registries"
    if [ -f "$REG_ROOT/proxies" ]; then
        # a faultproxy: plain http in front of its upstream (credentials of the upstream)
        local uport
        while read -r addr name uport; do
            if [ "$addr" = "$a" ]; then
                local up
                up=$(reg__lookup "127.0.0.1:$uport")
                echo "${up%% *} 0 $(awk '{print $3}' <<<"$up")"
                return 0
            fi
        done <"$REG_ROOT/proxies"
    fi
}

# reg_skopeo_flags REF src|dest: the skopeo flags that REF needs.
reg_skopeo_flags() {
    local ref=$1 side=$2
    case $ref in
        docker://*) ;;
        *) return 0 ;;
    esac
    local rest=${ref#docker://}
    local addr=${rest%%/*}
    local info name tls cred
    info=$(reg__lookup "$addr")
    [ -n "$info" ] || { echo "--${side}-tls-verify=false"; return 0; }
    read -r name tls cred <<<"$info"
    local up=${name^^}
    up=${up//[^A-Z0-9]/_}
    if [ "$tls" = 1 ]; then
        local dir="$REG_ROOT/$name"
        echo "--${side}-cert-dir=$dir/certs.d"
    else
        echo "--${side}-tls-verify=false"
    fi
    if [ "$cred" = 1 ]; then
        local u="REG_${up}_USER" p="REG_${up}_PASS"
        echo "--${side}-creds=${!u}:${!p}"
    fi
}

# reg_push SRC_REF DEST_REF [skopeo copy options...]
reg_push() {
    local src=$1 dst=$2
    shift 2
    local flags=()
    mapfile -t flags < <(reg_skopeo_flags "$src" src; reg_skopeo_flags "$dst" dest)
    skopeo --policy "$REG_POLICY" copy --quiet "${flags[@]}" "$@" "$src" "$dst"
}

# reg_skopeo_inspect REF [skopeo inspect options...] (e.g. --raw)
reg_skopeo_inspect() {
    local ref=$1
    shift
    local flags=() f
    mapfile -t flags < <(reg_skopeo_flags "$ref" src)
    # inspect takes --tls-verify/--cert-dir/--creds without the src- prefix
    for f in "${!flags[@]}"; do
        flags[$f]=${flags[$f]/--src-/--}
    done
    skopeo --policy "$REG_POLICY" inspect "${flags[@]}" "$@" "$ref"
}

reg_blob_path() {
    local up=${1^^}
    up=${up//[^A-Z0-9]/_}
    local v="REG_${up}_DIR"
    local hex=${2#sha256:}
    echo "${!v}/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

faultproxy_start() {
    local name=$1 upstream=$2
    shift 2
    local uup=${upstream^^}
    uup=${uup//[^A-Z0-9]/_}
    local pv="REG_${uup}_PORT"
    local uport=${!pv:-}
    [ -n "$uport" ] || og_die "faultproxy_start: no registry named $upstream"
    local up=${name^^}
    up=${up//[^A-Z0-9]/_}
    local dir="$REG_ROOT/fp-$name"
    mkdir -p "$dir"
    local port
    port=$(reg_free_port) || og_die "faultproxy_start: no free port"
    python3 "$og_here/faultproxy.py" --listen "127.0.0.1:$port" \
        --upstream "http://127.0.0.1:$uport" --log "$dir/requests.jsonl" "$@" \
        >"$dir/proxy.out" 2>&1 </dev/null &
    local pid=$!
    reg_pids+=("$pid")
    eval "FP_${up}_PID=$pid"
    if ! reg__wait_http "http://127.0.0.1:$port/__health"; then
        cat "$dir/proxy.out" >&2
        og_die "faultproxy_start: the proxy $name did not start"
    fi
    export "FP_${up}_PORT=$port" "FP_${up}_LOG=$dir/requests.jsonl" "FP_${up}_ADDR=127.0.0.1:$port"
    echo "127.0.0.1:$port $name $uport" >>"$REG_ROOT/proxies"
}

faultproxy_stop() {
    local up=${1^^}
    up=${up//[^A-Z0-9]/_}
    local v="FP_${up}_PID"
    local pid=${!v:-}
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    return 0
}

# faultproxy_set NAME JSON: replace the fault rules ({"rules":[...]} or a list).
faultproxy_set() {
    local up=${1^^}
    up=${up//[^A-Z0-9]/_}
    local v="FP_${up}_PORT"
    curl -s -f -o /dev/null --max-time 5 -X POST --data-binary "$2" \
        -H 'Content-Type: application/json' "http://127.0.0.1:${!v}/__faults"
}
