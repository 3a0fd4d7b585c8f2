#!/usr/bin/env bash
# Generates the Go client code for the gateway's contract from proto/ and
# builds the example, offline, with Debian's Go packages in GOPATH mode:
#   OUT/src/maesn.dev/gateway/accounting/v1   messages and service clients
#                                             (protoc-gen-go, protoc-gen-go-grpc),
#                                             package accountingv1
#   OUT/bin/maesn-example                     the example (clients/go/example)
#   clients/go/generate.sh [OUT]   (default: clients/go/gopath)
# The google.rpc error details come from Debian's genproto package
# (google.golang.org/genproto/googleapis/rpc/errdetails), which grpc-go's
# status package already links; generating a second copy would register the
# same proto names twice.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here/gopath}
mkdir -p "$out"
out=$(cd "$out" && pwd)
pkg=maesn.dev/gateway/accounting/v1

cd "$root/proto"
protos=(maesn/accounting/v1/*.proto)
maps=()
for p in "${protos[@]}"; do maps+=("M$p=$pkg;accountingv1"); done
go_opts=$(IFS=,; echo "${maps[*]}")
rm -rf "$out/src/maesn.dev"
mkdir -p "$out/src"
protoc -I . --go_out="$go_opts:$out/src" --go-grpc_out="$go_opts:$out/src" "${protos[@]}"

# The example, with the channel's service config beside it (go:embed).
example=$out/src/maesn.dev/gateway/example
mkdir -p "$example"
cp "$here"/example/*.go "$root/clients/service_config.json" "$example/"
export GO111MODULE=off GOPATH="$out:/usr/share/gocode" GOFLAGS= GOPROXY=off
go vet maesn.dev/gateway/example
go build -o "$out/bin/maesn-example" maesn.dev/gateway/example
echo "generated Go code for ${#protos[@]} protos in $out/src/$pkg; example in $out/bin/maesn-example"
