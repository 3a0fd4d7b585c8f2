#!/usr/bin/env bash
# Installs what building, running and testing the gateway needs on Debian 12:
# Debian packages (only those missing) and the npm tools in package.json.
#   scripts/install-deps.sh          everything (build, run, all tests)
#   scripts/install-deps.sh --run    only what `scripts/run.sh` needs
set -euo pipefail
cd "$(dirname "$0")/.."

core=(build-essential cmake ninja-build pkg-config
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
      libcpp-httplib-dev nlohmann-json3-dev libabsl-dev libssl-dev zlib1g-dev
      libbrotli-dev grpc-proto libgtest-dev libgmock-dev ca-certificates curl
      prometheus-cpp-dev libcurl4-openssl-dev)
# Everything the full test suite uses on top (see README.md).
test_extra=(libbenchmark-dev clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14
            nghttp2-client nghttp2-server yamllint python3-grpcio python3-protobuf python3-yaml
            golang-go golang-google-grpc-dev golang-github-golang-protobuf-1-5-dev
            golang-google-protobuf-dev protoc-gen-go protoc-gen-go-grpc
            golang-google-genproto-dev
            # the container image test: buildah builds deploy/Dockerfile
            # daemonless with --isolation chroot (so no runc/crun), from a
            # Debian 12 base that debootstrap makes
            buildah debootstrap)

pkgs=("${core[@]}")
# Node.js may come from elsewhere (it bundles npm); only add Debian's if absent.
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
if [[ "${1:-}" != "--run" ]]; then
  pkgs+=("${test_extra[@]}")
  # deploy/ checks render with `kubectl kustomize`; Debian's kubectl only
  # where none is installed (another kubectl package owns /usr/bin/kubectl).
  command -v kubectl >/dev/null || pkgs+=(kubernetes-client)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing ${#missing[@]} Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  # apt's progress and its notes on stderr (debconf, update-alternatives)
  # go to a log, shown only when apt fails.
  log=$(mktemp)
  if ! { $SUDO apt-get update -qq \
         && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
              --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "install-deps: apt-get failed (output above)" >&2
    exit 1
  fi
  rm -f "$log"
fi

if [[ ! -x node_modules/.bin/buf ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  # The lock lists every platform's optional buf binary, so `npm ci`
  # installs exactly the locked versions. Only errors are printed (npm warns
  # that kubernetes-models asks for Node 22; the deploy checks pass on Node 20).
  npm ci --no-audit --no-fund --loglevel=error
fi
