#!/usr/bin/env bash
# Smoke run of a benchmark program: it must exit 0 and its output must match
# every pattern (grep -E) given before "--".
#   smoke.sh <pattern>... -- <program> [args...]
set -uo pipefail
patterns=()
while (($#)) && [[ "$1" != "--" ]]; do patterns+=("$1"); shift; done
shift || { echo "usage: smoke.sh <pattern>... -- <program> [args...]" >&2; exit 2; }
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
((rc == 0)) || { echo "FAIL: $1 exited with $rc" >&2; exit 1; }
for p in "${patterns[@]}"; do
  grep -Eq -- "$p" <<<"$out" || { echo "FAIL: output lacks /$p/" >&2; exit 1; }
done
echo "PASS"
