#!/usr/bin/env bash
# Builds the gateway and runs its tests.
#   scripts/test.sh            everything (what CI runs): installs what is
#                              missing, builds, runs the whole ctest suite
#                              (unit, integration, e2e with real clients,
#                              lint, deploy checks, and the container image
#                              test where buildah can run, i.e. as root),
#                              then the suite again under AddressSanitizer +
#                              UndefinedBehaviorSanitizer
#   scripts/test.sh --no-asan  the same without the sanitizer pass
#   scripts/test.sh --quick    the developer loop: builds only the unit
#                              tests and runs them (ctest -L unit); no
#                              installs, no image, no sanitizer pass
set -euo pipefail
cd "$(dirname "$0")/.."
mode=full
case "${1:-}" in
  "") ;;
  --no-asan) mode=no-asan ;;
  --quick) mode=quick ;;
  *) echo "usage: scripts/test.sh [--no-asan | --quick]" >&2; exit 2 ;;
esac
jobs=$(nproc)
started=$SECONDS
elapsed() { local s=$((SECONDS - started)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

build() {  # [targets...]; the same build tree in every mode
  echo "== build (RelWithDebInfo${1:+: $*})"
  if ! cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null; then
    echo "cmake could not configure the build; scripts/install-deps.sh installs what it needs" >&2
    exit 1
  fi
  cmake --build build -j "$jobs" ${1:+--target "$@"}
}

if [[ $mode == quick ]]; then
  # Only what the unit tests need: the test programs under tests/unit and
  # the fidelity check's schema dump (the directories' Ninja "all" targets).
  build tests/unit/all tests/fidelity/all
  echo "== ctest -L unit"
  (cd build && ctest --output-on-failure -j "$jobs" --timeout 600 -L unit)
  echo "== unit tests passed ($(elapsed))"
  exit 0
fi

scripts/install-deps.sh
build
ctest_args=()
if [[ $(id -u) -eq 0 ]] && command -v buildah >/dev/null && command -v debootstrap >/dev/null; then
  echo "== ctest (the image test builds deploy/Dockerfile with buildah and runs alone)"
else
  echo "== ctest (without the container image test: it needs root, buildah and debootstrap)"
  ctest_args=(-LE image)
fi
(cd build && ctest --output-on-failure -j "$jobs" --timeout 600 "${ctest_args[@]}")
echo "== ctest passed ($(elapsed))"

if [[ $mode == full ]]; then
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
echo "== all tests passed ($(elapsed))"
