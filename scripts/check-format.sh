#!/usr/bin/env bash
# Fails when a C++ file of ours is not clang-format clean (Google style).
#   scripts/check-format.sh         check
#   scripts/check-format.sh --fix   rewrite in place
set -euo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files '*.h' '*.cc' | grep -v '^clients/')
if [[ "${1:-}" == "--fix" ]]; then "$cf" -i "${files[@]}"; exit 0; fi
"$cf" --dry-run --Werror "${files[@]}"
