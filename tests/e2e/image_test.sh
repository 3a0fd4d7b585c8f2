#!/usr/bin/env bash
# e2e (ctest label "image"): the container image, built from deploy/Dockerfile
# with deploy/build-image.sh (buildah, no daemon, no registry needed), and the
# gateway run from it.
#
# 1. Builds the image; prints the time and the size (at most
#    MAESN_IMAGE_MAX_MB, default 166).
# 2. Looks inside: runs as 65532:65532 with the gateway as ENTRYPOINT; no
#    executable but the gateway and shared libraries (so no compiler, no
#    shell), no sources, no shell history; the CA bundle is there; the
#    dynamic loader, run in the image, finds every shared library of the
#    binary and every symbol they need (ldd -r).
# 3. Runs the binary from the image as the non-root user (buildah run
#    --isolation chroot: the host's network, so loopback works) against
#    maesn-sim on the host's loopback. The simulator's URL names `localhost`,
#    so the gateway resolves a name with the image's glibc (getaddrinfo; step
#    2 checks that nsswitch.conf says `hosts: files dns`); the simulator's
#    CA is mounted over the image's CA bundle and MAESN_CA_FILE is unset,
#    so the gateway trusts it through OpenSSL's default paths, as it trusts
#    Maesn's public certificate in production. Calls GetInvoice and the
#    health service through it with buf curl.
# 4. Sends SIGTERM: the gateway must exit 0 within drain delay + grace.
#
# Skipped (exit 77) where buildah cannot run: not root, or buildah or
# debootstrap missing (scripts/install-deps.sh installs both).
# Usage: image_test.sh <build dir> <buf binary>
# MAESN_TEST_IMAGE=<image in buildah's storage> checks that image instead of
# building one (and leaves it there).
source "$(dirname "$0")/lib.sh"
build=$1 buf=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "building the image needs root (buildah, debootstrap)"
for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh)"
done
[[ -x "$buf" ]] || fail "buf not found at $buf (run scripts/install-deps.sh)"
[[ -x "$build/tests/sim/maesn-sim" ]] || fail "maesn-sim not built in $build"

max_mb=${MAESN_IMAGE_MAX_MB:-166}
drain_ms=500 grace_ms=5000
tag=${MAESN_TEST_IMAGE:-localhost/maesn-gateway:e2e-$$}
ctrs=()
image_cleanup() {
  for c in "${ctrs[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done
  [[ -n ${MAESN_TEST_IMAGE:-} ]] || buildah rmi "$tag" >/dev/null 2>&1 || true
}
trap 'image_cleanup; e2e_cleanup' EXIT

echo "== 1: build"
start=$SECONDS
if [[ -n ${MAESN_TEST_IMAGE:-} ]]; then
  echo "checking $tag (MAESN_TEST_IMAGE) instead of building"
else
  "$root/deploy/build-image.sh" --tag "$tag"
fi
build_s=$((SECONDS - start))

echo "== 2: image contents"
[[ $(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$tag") == 65532:65532 ]] \
  || fail "the image does not run as 65532:65532"
entrypoint=$(buildah inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' "$tag")
[[ $entrypoint == '[/usr/local/bin/maesn-gateway]' ]] || fail "entrypoint is $entrypoint"

ctr=$(buildah from --pull=never "$tag")
ctrs+=("$ctr")
mnt=$(buildah mount "$ctr")
size_kb=$(du -sxk "$mnt" | cut -f1)
size_mb=$(((size_kb + 1023) / 1024))
echo "image $tag: ${size_mb} MB on disk, built in ${build_s} s"
((size_mb <= max_mb)) || fail "the image is ${size_mb} MB, more than ${max_mb} MB"

# Executables: the gateway and shared libraries only (no compiler, no shell,
# no package manager, no other tools).
others=$(cd "$mnt" && find . -type f -perm /111 ! -name '*.so' ! -name '*.so.*' \
  ! -path ./usr/local/bin/maesn-gateway)
[[ -z $others ]] || fail "executables besides the gateway: $others"
for f in bin/sh usr/bin/sh bin/bash usr/bin/apt-get usr/bin/dpkg; do
  [[ ! -e "$mnt/$f" && ! -L "$mnt/$f" ]] || fail "the image holds /$f"
done
compilers=$(cd "$mnt" && find . \( -name 'gcc*' -o -name 'g++*' -o -name 'cc' -o -name 'c++' \
  -o -name 'cc1*' -o -name 'clang*' -o -name 'cpp' -o -name 'ld' -o -name 'as' \
  -o -name 'cmake' -o -name 'ninja' -o -name 'protoc*' \) -print)
[[ -z $compilers ]] || fail "compiler files in the image: $compilers"
sources=$(cd "$mnt" && find . \( -name '*.cc' -o -name '*.cpp' -o -name '*.c' -o -name '*.h' \
  -o -name '*.hpp' -o -name '*.proto' -o -name 'CMakeLists.txt' -o -name '*.cmake' \
  -o -name '*.o' -o -name '*.a' -o -path ./src \) -print)
[[ -z $sources ]] || fail "sources or build files in the image: $sources"
history=$(cd "$mnt" && find . \( -name '.*_history' -o -name '.*hist' -o -name '.lesshst' \
  -o -name '.viminfo' -o -name '.wget-hsts' \) -print)
[[ -z $history ]] || fail "shell history in the image: $history"
certs=$(grep -c 'BEGIN CERTIFICATE' "$mnt/etc/ssl/certs/ca-certificates.crt" || true)
((certs >= 100)) || fail "the CA bundle holds $certs certificates"
grep -qx 'hosts: *files dns' "$mnt/etc/nsswitch.conf" || fail "nsswitch.conf: $(cat "$mnt/etc/nsswitch.conf")"
echo "no executables besides the gateway, no compiler, shell, sources or history;" \
  "$certs CA certificates; $(find "$mnt/var/lib/dpkg/status.d" -type f | wc -l) Debian packages listed"
buildah umount "$ctr" >/dev/null

# ldd -r inside the image: the loader maps every library and binds every
# symbol now, and prints the libraries instead of running the program.
libs=$(buildah run --isolation chroot --env LD_TRACE_LOADED_OBJECTS=1 --env LD_BIND_NOW=1 \
  --env LD_WARN=1 "$ctr" /usr/local/bin/maesn-gateway 2>&1) || fail "the loader failed: $libs"
if grep -Eq 'not found|undefined symbol|symbol lookup error' <<<"$libs"; then fail "libraries: $libs"; fi
for lib in libgrpc++.so libprotobuf.so libssl.so libc.so; do
  grep -q "$lib" <<<"$libs" || fail "$lib not loaded: $libs"
done
echo "all $(grep -c '=>' <<<"$libs") shared libraries and their symbols found in the image"

echo "== 3: the gateway from the image, as 65532, against maesn-sim on loopback"
"$build/tests/sim/maesn-sim" --cert-dir "$E2E_WORK/sim" \
  --ready-file "$E2E_WORK/sim.json" >"$E2E_WORK/sim.log" 2>&1 &
E2E_PIDS+=("$!")
e2e_wait_file "$E2E_WORK/sim.json" "${E2E_PIDS[-1]}"
sim_url=$(sed -E 's/.*"base_url":"([^"]+)".*/\1/' "$E2E_WORK/sim.json")
sim_ca=$(sed -E 's/.*"ca_file":"([^"]+)".*/\1/' "$E2E_WORK/sim.json")
[[ $sim_url == https://localhost:* ]] || fail "the simulator's URL does not name localhost: $sim_url"
share="$E2E_WORK/share"
mkdir -p "$share"
install -m 0644 "$sim_ca" "$share/sim-ca.pem"
chown 65532:65532 "$share"
buildah run --isolation chroot --user 65532:65532 \
  --volume "$share:/share" \
  --volume "$share/sim-ca.pem:/etc/ssl/certs/ca-certificates.crt:ro" \
  --env GATEWAY_LISTEN=127.0.0.1:0 --env GATEWAY_PORT_FILE=/share/gw.port \
  --env METRICS_LISTEN=127.0.0.1:0 --env MAESN_BASE_URL="$sim_url" \
  --env MAESN_API_KEY=sim-api-key --env GATEWAY_DRAIN_DELAY_MS=$drain_ms \
  --env GATEWAY_SHUTDOWN_GRACE_MS=$grace_ms \
  "$ctr" /usr/local/bin/maesn-gateway >"$E2E_WORK/gateway.log" 2>&1 &
run_pid=$!
E2E_PIDS+=("$run_pid")
e2e_wait_file "$share/gw.port" "$run_pid"
url="http://127.0.0.1:$(cat "$share/gw.port")"

# The gateway process: buildah runs it (same PID namespace) a few processes
# below `buildah run`.
gw_pid="" p=$run_pid
for _ in 1 2 3 4 5 6; do
  p=$(pgrep -P "$p" | head -n 1) || break
  if [[ $(cat "/proc/$p/comm" 2>/dev/null) == maesn-gateway ]]; then gw_pid=$p; break; fi
done
[[ -n $gw_pid ]] || fail "gateway process not found below buildah run ($run_pid)"
uid=$(awk '/^Uid:/ {print $2}' "/proc/$gw_pid/status")
[[ $uid == 65532 ]] || fail "the gateway runs as uid $uid"
echo "gateway pid $gw_pid, uid $uid, listening on $url"

curl_grpc() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }
health=$(curl_grpc -d '{}' "$url/grpc.health.v1.Health/Check") || fail "health: $health"
grep -q '"SERVING"' <<<"$health" || fail "health: $health"
health=$(curl_grpc -d '{"service":"maesn.accounting.v1.InvoiceService"}' \
  "$url/grpc.health.v1.Health/Check") || fail "service health: $health"
grep -q '"SERVING"' <<<"$health" || fail "service health: $health"
inv=$(curl_grpc -H 'x-account-key: sim-account-key' -d '{"invoice_id":"ABC123"}' \
  "$url/maesn.accounting.v1.InvoiceService/GetInvoice" 2>&1) || fail "GetInvoice: $inv"
grep -q '"invoiceId": "ABC123"' <<<"$inv" || fail "GetInvoice: $inv"
grep -q '"totalAmount": 109' <<<"$inv" || fail "GetInvoice amount: $inv"
echo "Health/Check SERVING; GetInvoice ABC123 through the image (upstream $sim_url)"

echo "== 4: SIGTERM"
start_ms=$(date +%s%3N)
kill -TERM "$gw_pid"
set +e
wait "$run_pid"
rc=$?
set -e
took=$(($(date +%s%3N) - start_ms))
echo "exit code $rc, ${took} ms after SIGTERM (drain delay ${drain_ms} ms, grace ${grace_ms} ms)"
[[ $rc -eq 0 ]] || { cat "$E2E_WORK/gateway.log"; fail "the gateway exited with $rc"; }
((took < drain_ms + grace_ms)) || fail "the gateway took ${took} ms to stop"
grep -q '"msg":"draining"' "$E2E_WORK/gateway.log" || fail "no drain in the log: $(cat "$E2E_WORK/gateway.log")"
echo "PASS (image ${size_mb} MB, built in ${build_s} s)"
