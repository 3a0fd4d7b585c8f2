#!/usr/bin/env bash
# Fails when a gateway/ source breaks the Google-style identifier naming in
# .clang-tidy. Needs a configured build directory (compile_commands.json).
#   scripts/check-tidy.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
ct=$(command -v clang-tidy-14 || command -v clang-tidy)
mapfile -t files < <(git ls-files 'gateway/*.cc')
# The generated protobuf headers are system headers (-isystem): not checked.
printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -n 4 "$ct" -p "$build" --quiet 2>/dev/null
echo "clang-tidy: ${#files[@]} files clean"
