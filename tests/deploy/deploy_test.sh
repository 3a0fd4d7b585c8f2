#!/usr/bin/env bash
# Offline checks of deploy/ (ctest label "deploy"). Docker itself cannot run
# here, so the image is linted, not built.
#   deploy_test.sh render <kustomize dir>   kubectl kustomize + validate.mjs
#   deploy_test.sh inflight-hpa              the base with hpa-inflight.yaml
#                                            in place of hpa.yaml
#   deploy_test.sh yamllint                  yamllint deploy/
#   deploy_test.sh dockerfile                lint-dockerfile.mjs
#   deploy_test.sh catches-errors            broken manifests and Dockerfile
#                                            must be rejected
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -d node_modules/kubernetes-models ]] || fail "npm packages missing (run scripts/install-deps.sh)"
command -v kubectl >/dev/null || fail "kubectl missing (scripts/install-deps.sh installs kubernetes-client)"

render() {  # dir -> rendered file
  kubectl kustomize "$1" 2>"$work/kustomize.err" >"$2" \
    || { cat "$work/kustomize.err" >&2; fail "kubectl kustomize $1"; }
}

case "$1" in
  render)
    render "$2" "$work/rendered.yaml"
    node deploy/validate.mjs "$work/rendered.yaml"
    ;;
  inflight-hpa)
    cp -r deploy/k8s/base "$work/base"
    sed -i 's/^  - hpa.yaml$/  - hpa-inflight.yaml/' "$work/base/kustomization.yaml"
    grep -q 'hpa-inflight.yaml' "$work/base/kustomization.yaml" || fail "hpa.yaml not listed in the base"
    render "$work/base" "$work/rendered.yaml"
    grep -q 'name: maesn_gateway_upstream_calls' "$work/rendered.yaml" || fail "no in-flight metric rendered"
    node deploy/validate.mjs "$work/rendered.yaml"
    ;;
  yamllint)
    yamllint --strict -c deploy/.yamllint deploy/
    echo "OK: yamllint deploy/"
    ;;
  dockerfile)
    node deploy/lint-dockerfile.mjs deploy/Dockerfile
    ;;
  catches-errors)
    render deploy/k8s/overlays/example "$work/good.yaml"
    expect_rejected() {  # name, sed expression
      sed -E "$2" "$work/good.yaml" >"$work/$1.yaml"
      cmp -s "$work/good.yaml" "$work/$1.yaml" && fail "$1: the edit changed nothing"
      if node deploy/validate.mjs "$work/$1.yaml" >"$work/$1.out" 2>&1; then
        fail "$1 was not rejected"
      fi
      echo "rejected $1: $(head -1 "$work/$1.out")"
    }
    expect_rejected wrong-type 's/replicas: 3/replicas: "three"/'
    expect_rejected root 's/runAsNonRoot: true/runAsNonRoot: false/'
    expect_rejected short-grace 's/terminationGracePeriodSeconds: 30/terminationGracePeriodSeconds: 20/'
    expect_rejected http-probe 's/^( *)grpc:$/\1tcpSocket:/'
    expect_rejected writable-root 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/'
    expect_rejected no-headless 's/clusterIP: None/clusterIP: 10.0.0.1/'
    sed -e 's/^USER .*/USER root/' deploy/Dockerfile >"$work/Dockerfile"
    if node deploy/lint-dockerfile.mjs "$work/Dockerfile" >"$work/df.out" 2>&1; then
      fail "a Dockerfile running as root was not rejected"
    fi
    echo "rejected root Dockerfile: $(head -1 "$work/df.out")"
    printf 'FROM debian:12-slim\nRUNN true\n' >"$work/Dockerfile.syntax"
    if node deploy/lint-dockerfile.mjs "$work/Dockerfile.syntax" >"$work/ds.out" 2>&1; then
      fail "a Dockerfile with an unknown instruction was not rejected"
    fi
    echo "rejected bad syntax: $(head -1 "$work/ds.out")"
    ;;
  *) fail "unknown check $1" ;;
esac
