# shellcheck shell=bash
# Helpers for the ocigate integration tests (sourced by tests/integration/test_*.sh).
#
# Environment (set by ctest; set them yourself to run a script by hand):
#   OCIGATE    the ocigate binary                      (required)
#   OG_IMAGES  the generator's output directory        (required by most scripts)
#   OG_SRC     the source root                         (default: two levels up from here)
#   OG_TMP     scratch directory                       (default: a fresh mktemp -d)
#   OG_TIMEOUT seconds allowed per ocigate run         (default: 120)
#
# e.g.  python3 tests/gen/genimages.py /tmp/img
#       OCIGATE=build/ocigate OG_IMAGES=/tmp/img bash tests/integration/test_cases.sh
#
# Each script ends with og_finish, whose last line is exactly "N passed, N failed";
# the script exits 0 only when nothing failed (77 = skipped).

set -u

og_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
og_name=$(basename "${BASH_SOURCE[1]:-test}" .sh)
OG_SRC=${OG_SRC:-$(cd "$og_here/../.." && pwd)}
OG_TIMEOUT=${OG_TIMEOUT:-120}
og_npass=0
og_nfail=0

# A sanitizer report must never look like exit 1 ("findings"): give it its own code.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1:exitcode=99"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}exitcode=99"

og_die() {
    echo "$og_name: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}

og_skip() {
    echo "SKIP: $*"
    exit 77
}

if [ -z "${OCIGATE:-}" ]; then
    og_die "set OCIGATE to the ocigate binary"
fi
if [ ! -x "$OCIGATE" ]; then
    og_die "OCIGATE=$OCIGATE is not an executable file"
fi
command -v jq >/dev/null 2>&1 || og_skip "jq is not installed"

if [ -n "${OG_TMP:-}" ]; then
    mkdir -p "$OG_TMP" || og_die "cannot create OG_TMP=$OG_TMP"
    OG_WORK="$OG_TMP/$og_name"
else
    OG_TMP=$(mktemp -d) || og_die "mktemp failed"
    OG_WORK="$OG_TMP/$og_name"
fi
if [ -d "$OG_WORK" ]; then
    chmod -R u+rwX "$OG_WORK" 2>/dev/null
    rm -rf "$OG_WORK"
fi
mkdir -p "$OG_WORK" || og_die "cannot create $OG_WORK"
OG_OUT="$OG_WORK/stdout"
OG_ERR="$OG_WORK/stderr"
OG_RC=0
OG_CMD=""

# og_need_images: fail clearly when the generator has not run.
og_need_images() {
    [ -n "${OG_IMAGES:-}" ] || og_die "set OG_IMAGES to the output of tests/gen/genimages.py"
    [ -f "$OG_IMAGES/cases.json" ] || og_die "$OG_IMAGES/cases.json missing (run tests/gen/genimages.py $OG_IMAGES)"
}

og_pass() {
    og_npass=$((og_npass + 1))
    echo "ok   $*"
}

# og_fail DESCRIPTION [DETAIL...]: count a failure; show the last command and its stderr.
og_fail() {
    og_nfail=$((og_nfail + 1))
    local what=$1
    shift
    echo "FAIL $what${*:+: $*}"
    if [ -n "$OG_CMD" ]; then
        echo "     command: $OG_CMD (exit $OG_RC)"
        if [ -s "$OG_ERR" ]; then
            head -c 2000 "$OG_ERR" | sed 's/^/     stderr: /'
        fi
    fi
}

# og_check DESCRIPTION CONDITION-COMMAND...: pass/fail on the command's status.
og_check() {
    local what=$1
    shift
    if "$@"; then
        og_pass "$what"
    else
        og_fail "$what"
    fi
}

og_finish() {
    echo "$og_npass passed, $og_nfail failed"
    if [ "$og_nfail" -eq 0 ]; then
        exit 0
    fi
    exit 1
}

# og_run ARGS...: run ocigate with a timeout; sets OG_RC, OG_OUT, OG_ERR, OG_CMD.
og_run() {
    OG_CMD="ocigate $*"
    timeout -k 10 "$OG_TIMEOUT" "$OCIGATE" "$@" >"$OG_OUT" 2>"$OG_ERR" </dev/null
    OG_RC=$?
}

# og_run_env VAR=VALUE... -- ARGS...: og_run with extra environment.
og_run_env() {
    local envs=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        envs+=("$1")
        shift
    done
    shift
    OG_CMD="${envs[*]} ocigate $*"
    timeout -k 10 "$OG_TIMEOUT" env "${envs[@]}" "$OCIGATE" "$@" >"$OG_OUT" 2>"$OG_ERR" </dev/null
    OG_RC=$?
}

# og_crashed: true when the last run crashed, hung, hit a sanitizer or exit 70.
og_crashed() {
    case $OG_RC in
        70 | 99 | 124 | 125 | 126 | 127) return 0 ;;
    esac
    [ "$OG_RC" -ge 128 ] && return 0
    grep -qE 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$OG_ERR" 2>/dev/null && return 0
    return 1
}

og_describe_rc() {
    case $OG_RC in
        70) echo "internal error (exit 70)" ;;
        99) echo "sanitizer report (exit 99)" ;;
        124 | 137) echo "timed out after ${OG_TIMEOUT}s" ;;
        *)
            if [ "$OG_RC" -ge 128 ]; then
                echo "killed by signal $((OG_RC - 128))"
            else
                echo "exit $OG_RC"
            fi
            ;;
    esac
}

# og_assert_exit DESCRIPTION WANT...: the last run's exit is one of WANT and it did not crash.
og_assert_exit() {
    local what=$1
    shift
    local w
    if og_crashed; then
        og_fail "$what" "crashed: $(og_describe_rc), wanted exit $*"
        return 1
    fi
    for w in "$@"; do
        if [ "$OG_RC" -eq "$w" ]; then
            og_pass "$what (exit $OG_RC)"
            return 0
        fi
    done
    og_fail "$what" "exit $OG_RC, wanted $*"
    return 1
}

# og_assert_error_line DESCRIPTION: stderr holds a line "ocigate: ..." (the error message).
og_assert_error_line() {
    if grep -q '^ocigate: ..*' "$OG_ERR"; then
        og_pass "$1 (stderr: $(grep -m1 '^ocigate: ' "$OG_ERR" | head -c 160))"
    else
        og_fail "$1" "no 'ocigate: ...' error line on stderr"
    fi
}

# og_assert_json DESCRIPTION: stdout is exactly one JSON object.
og_assert_json() {
    if [ "$(jq -s -c 'length == 1 and (.[0] | type) == "object"' "$OG_OUT" 2>/dev/null)" = true ]; then
        og_pass "$1"
        return 0
    fi
    og_fail "$1" "stdout is not JSON: $(head -c 200 "$OG_OUT")"
    return 1
}

# og_jq [jq options...] FILTER: run jq -r on the last stdout (the filter comes last).
og_jq() {
    jq -r "$@" "$OG_OUT" 2>/dev/null
}

# og_assert_jq DESCRIPTION [jq options...] FILTER: the filter is true on the last stdout.
og_assert_jq() {
    local what=$1
    shift
    local res
    res=$(jq -c "$@" "$OG_OUT" 2>/dev/null)
    if [ "$res" = true ]; then
        og_pass "$what"
        return 0
    fi
    og_fail "$what" "jq '${*: -1}' gives '$(head -c 200 <<<"$res")', not true"
    return 1
}

og_assert_eq() {
    if [ "$2" = "$3" ]; then
        og_pass "$1"
    else
        og_fail "$1" "got '$2', want '$3'"
    fi
}

# og_sha256 FILE: the hex sha256 of a file.
og_sha256() {
    sha256sum "$1" | cut -d' ' -f1
}

# og_has_esc FILE: the file holds an ESC byte.
og_has_esc() {
    LC_ALL=C grep -q $'\x1b' "$1"
}
