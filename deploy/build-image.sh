#!/usr/bin/env bash
# Builds deploy/Dockerfile into a local container image with buildah (no
# Docker daemon needed), tags it and prints its size.
#
#   deploy/build-image.sh [--tag NAME] [--base IMAGE] [--refresh-base]
#
#   --tag NAME      image name (default localhost/maesn-gateway:dev)
#   --base IMAGE    Debian 12 image for both stages (default: see below)
#   --refresh-base  make the local Debian 12 base again now
#
# The Dockerfile's stages start from Debian 12. Where a registry is reachable
# that is docker.io/library/debian:12-slim. Where none is, a Debian 12 base is
# made locally: `debootstrap --variant=minbase bookworm` from the Debian
# mirror, with the same apt sources as debian:12-slim (bookworm,
# bookworm-updates, bookworm-security), imported with `buildah from scratch`
# as localhost/maesn-debian:bookworm-minbase. That base is kept in buildah's
# storage and reused by later builds on the same machine; it is made again
# when it is older than MAESN_BASE_MAX_AGE_DAYS (7). (The Dockerfile's build
# stage upgrades the base's packages before installing its own, so the
# libraries in the image are current whatever the base's age.)
#
# Needs root (buildah's and debootstrap's), `buildah` and `debootstrap`
# (Debian packages; scripts/install-deps.sh installs them). The build runs
# with `--isolation chroot`: no container runtime, no daemon, host network.
#
# Environment: MAESN_DEBIAN_MIRROR (default http://deb.debian.org/debian),
# MAESN_DEBIAN_SECURITY_MIRROR (default http://deb.debian.org/debian-security),
# MAESN_BASE_MAX_AGE_DAYS (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=localhost/maesn-gateway:dev
base=""
refresh_base=false
while (($#)); do
  case "$1" in
    --tag) tag=${2:?--tag needs a name}; shift 2 ;;
    --base) base=${2:?--base needs an image}; shift 2 ;;
    --refresh-base) refresh_base=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

mirror=${MAESN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${MAESN_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
max_age_days=${MAESN_BASE_MAX_AGE_DAYS:-7}
local_base=localhost/maesn-debian:bookworm-minbase
registry_base=docker.io/library/debian:12-slim

for tool in buildah debootstrap flock; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "building the image needs root (buildah, debootstrap)" >&2; exit 1; }

cleanup=()
trap 'rm -rf "${cleanup[@]}"' EXIT
started=$SECONDS
say() { printf '== %s (%ds)\n' "$*" $((SECONDS - started)); }

# Makes $local_base from a debootstrapped Debian 12 minbase.
make_local_base() {
  local rootfs ctr mnt old_base
  rootfs=$(mktemp -d /var/tmp/maesn-debian-rootfs.XXXXXX)
  cleanup+=("$rootfs")
  say "debootstrap --variant=minbase bookworm ($mirror)"
  if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" \
       >"$rootfs.log" 2>&1; then
    tail -n 30 "$rootfs.log" >&2
    echo "debootstrap failed (full log: $rootfs.log)" >&2
    return 1
  fi
  rm -f "$rootfs.log"
  # The apt sources of debian:12-slim, so that the packages installed on top
  # include the stable and security updates.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  old_base=$(buildah images --quiet --no-trunc "$local_base" 2>/dev/null | head -n 1 || true)
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  cp -a "$rootfs/." "$mnt/"
  buildah umount "$ctr" >/dev/null
  rm -rf "$rootfs"
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd bash --label "maesn.base.created=$(date +%s)" "$ctr"
  buildah commit --quiet --rm "$ctr" "$local_base" >/dev/null
  [[ -z $old_base ]] || buildah rmi "$old_base" >/dev/null 2>&1 || true
  say "made $local_base"
}

base_age_days() {  # days since $local_base was made; fails if there is none
  local created
  created=$(buildah inspect --type image \
    --format '{{index .OCIv1.Config.Labels "maesn.base.created"}}' \
    "$local_base" 2>/dev/null) || return 1
  [[ $created =~ ^[0-9]+$ ]] || return 1
  echo $(( ($(date +%s) - created) / 86400 ))
}

if [[ -z $base ]]; then
  if timeout 120 buildah pull --quiet "$registry_base" >/dev/null 2>&1; then
    base=$registry_base
    say "base: $base (from the registry)"
  else
    base=$local_base
    # One base at a time, also when builds run side by side.
    exec 9>"/var/tmp/maesn-debian-base.lock"
    flock 9
    if $refresh_base || ! age=$(base_age_days) || ((age >= max_age_days)); then
      make_local_base
    else
      say "base: $base (no registry reachable; local base made ${age} days ago, reused)"
    fi
    flock -u 9
  fi
fi

old_id=$(buildah images --quiet --no-trunc "$tag" 2>/dev/null | head -n 1 || true)
say "buildah bud --isolation chroot --build-arg DEBIAN_IMAGE=$base -f deploy/Dockerfile -t $tag ."
buildah bud --isolation chroot --build-arg "DEBIAN_IMAGE=$base" \
  -f deploy/Dockerfile -t "$tag" .
new_id=$(buildah images --quiet --no-trunc "$tag" | head -n 1)
# The image the tag pointed at before is now untagged: remove it (unless a
# container still uses it) so that repeated builds do not fill the disk.
if [[ -n $old_id && $old_id != "$new_id" ]]; then
  buildah rmi "$old_id" >/dev/null 2>&1 || true
fi
size=$(buildah images --format '{{.Size}}' "$tag" | head -n 1)
say "built $tag ($size)"
