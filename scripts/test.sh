#!/usr/bin/env bash
# Builds everything and runs every test: the whole ctest suite (unit,
# integration, e2e with real clients, lint and deploy checks), then the
# suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
# The container image test (ctest label "image") needs root, buildah and
# debootstrap; it is left out where they are missing.
#   scripts/test.sh            all of it
#   scripts/test.sh --no-asan  skip the sanitizer pass
set -euo pipefail
cd "$(dirname "$0")/.."
asan=true; [[ "${1:-}" == "--no-asan" ]] && asan=false
jobs=$(nproc)

scripts/install-deps.sh

echo "== build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
ctest_args=()
if [[ $(id -u) -eq 0 ]] && command -v buildah >/dev/null && command -v debootstrap >/dev/null; then
  echo "== ctest (the image test builds deploy/Dockerfile with buildah and runs alone)"
else
  echo "== ctest (without the container image test: it needs root, buildah and debootstrap)"
  ctest_args=(-LE image)
fi
(cd build && ctest --output-on-failure -j "$jobs" --timeout 600 "${ctest_args[@]}")

if $asan; then
  echo "== build (clang, ASan + UBSan)"
  CXX=clang++-14 CC=clang-14 cmake -S . -B build-asan -G Ninja \
    -DCMAKE_BUILD_TYPE=Debug -DMAESN_BUILD_BENCHMARKS=OFF -DMAESN_BUILD_FUZZERS=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
  cmake --build build-asan -j "$jobs"
  echo "== ctest under ASan + UBSan"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$jobs" \
     --timeout 900 -LE "e2e|lint|deploy|image")
fi
echo "== all tests passed"
