#!/usr/bin/env bash
# Generates the Node.js client code for the gateway's contract from proto/
# and builds the TypeScript example:
#   1. TypeScript types for every message and service client
#      (proto-loader-gen-types) into clients/node/src/gen/;
#   2. tsc: clients/node/src -> OUT (default clients/node/dist);
#   3. the .proto files that @grpc/proto-loader reads at run time, and the
#      channel's service config, into OUT.
#   clients/node/generate.sh [OUT]
# Then: node OUT/example.js ... OUT must lie inside the repository (or set
# NODE_PATH) so that node finds node_modules (npm ci at the repository root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here/dist}
bin=$root/node_modules/.bin
[[ -x $bin/tsc && -x $bin/proto-loader-gen-types ]] ||
  { echo "npm packages missing: run npm ci in $root" >&2; exit 1; }

cd "$root/proto"
protos=(maesn/accounting/v1/*.proto google/rpc/*.proto google/api/*.proto google/type/*.proto)
rm -rf "$here/src/gen"
# The options here must match the ones example.ts passes to loadSync.
"$bin/proto-loader-gen-types" --longs=String --enums=String --arrays \
  --grpcLib=@grpc/grpc-js --includeComments -I . -O "$here/src/gen" "${protos[@]}"

mkdir -p "$out"
"$bin/tsc" -p "$here/tsconfig.json" --outDir "$out"
rm -rf "$out/proto"
mkdir -p "$out/proto"
cp --parents "${protos[@]}" "$out/proto/"
cp "$root/clients/service_config.json" "$out/"
echo "generated Node.js types for ${#protos[@]} protos; example in $out/example.js"
