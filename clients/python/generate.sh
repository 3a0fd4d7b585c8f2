#!/usr/bin/env bash
# Generates the Python client code for the gateway's contract from proto/:
# messages (*_pb2.py, with .pyi type stubs) and gRPC stubs (*_pb2_grpc.py)
# for maesn.accounting.v1 and the google.rpc error model.
#   clients/python/generate.sh [OUT]   (default: clients/python/gen)
# Then: PYTHONPATH=OUT /usr/bin/python3 clients/python/example.py ...
# Uses the system protoc (3.21) and grpc_python_plugin: grpc_tools' bundled
# protoc is too old for proto3 `optional`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
proto_dir=$(cd "$here/../../proto" && pwd)
out=${1:-$here/gen}

mkdir -p "$out"
rm -rf "$out/maesn" "$out/google"
cd "$proto_dir"
protos=(maesn/accounting/v1/*.proto google/rpc/*.proto google/api/*.proto google/type/*.proto)
protoc -I . --python_out="$out" --pyi_out="$out" --grpc_out="$out" \
  --plugin=protoc-gen-grpc="$(command -v grpc_python_plugin)" "${protos[@]}"
echo "generated Python code for ${#protos[@]} protos in $out"
