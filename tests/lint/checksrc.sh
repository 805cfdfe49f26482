#!/usr/bin/env bash
# Source rules a compiler does not check (STYLE.md):
#  - banned functions: strcpy, sprintf, strtok, atoi, alloca (and vsprintf, strcat, gets);
#  - layering: a folder includes only the layers below it
#      src/oci       -> nothing of scan/, validate/, promote/, cli/
#      src/scan      -> oci only
#      src/validate  -> scan, oci
#      src/promote   -> validate, scan, oci
#      src/cli       -> the public header only (<ocigate/...>) and libc
# Prints each violation as FILE:LINE: reason; ends with "N passed, N failed".
set -u
root=${OG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2
fail=0
pass=0

report() { echo "$1"; fail=$((fail + 1)); }

# banned calls (word boundary, followed by '(')
while IFS= read -r hit; do
  report "$hit: banned function"
done < <(grep -nE '\b(strcpy|sprintf|vsprintf|strcat|strtok|atoi|atol|alloca|gets)[[:space:]]*\(' \
           src/*/*.c src/*/*.h include/ocigate/*.h 2>/dev/null | grep -vE 'snprintf|vsnprintf' | cut -d: -f1,2)
pass=$((pass + 1))

check_layer() { # DIR FORBIDDEN-REGEX
  local dir=$1 bad=$2 f
  [ -d "src/$dir" ] || return 0
  for f in src/"$dir"/*.[ch]; do
    [ -e "$f" ] || continue
    while IFS= read -r line; do
      report "$f:${line%%:*}: includes ${line#*:} (layer $dir may not)"
    done < <(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"($bad)/" "$f" | sed -E 's/^([0-9]+):.*"(.*)".*/\1:\2/')
  done
  pass=$((pass + 1))
}
check_layer oci 'scan|validate|promote|cli'
check_layer scan 'validate|promote|cli'
check_layer validate 'promote|cli'
check_layer promote 'cli'

# the CLI sees only the public API
for f in src/cli/*.[ch]; do
  [ -e "$f" ] || continue
  while IFS= read -r line; do
    report "$f:${line%%:*}: the CLI may include only <ocigate/...> and its own headers"
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"(oci|scan|validate|promote)/' "$f" | cut -d: -f1)
done
pass=$((pass + 1))

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
