#!/usr/bin/env bash
# run_fuzzer.sh <fuzzer> <work corpus dir> <seconds> <seed dir>...
# Runs a libFuzzer target for a bounded time. New inputs are written to the
# work corpus (in the build tree); the seed directories are only read.
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=$3; shift 3
mkdir -p "$corpus" "$corpus.artifacts"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 \
  -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$corpus.artifacts/" "$corpus" "$@"
