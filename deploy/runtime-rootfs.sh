#!/usr/bin/env bash
# Assembles the runtime image's whole file system in a directory (run in the
# Dockerfile's build stage; the runtime stage is `FROM scratch` plus this
# directory):
#
#   deploy/runtime-rootfs.sh <binary> <rootfs dir>
#
# - the binary, as /usr/local/bin/maesn-gateway;
# - every shared library `ldd` lists for it (the dynamic loader included),
#   found generically, so a new dependency needs no change here;
# - the CA bundle (/etc/ssl/certs/ca-certificates.crt) and OpenSSL's default
#   paths to it (/usr/lib/ssl/cert.pem, certs, openssl.cnf), as on Debian;
# - what glibc reads to resolve names and users: /etc/nsswitch.conf
#   (`hosts: files dns`; glibc 2.36 has the files and dns modules built in,
#   so nothing is loaded with dlopen), a default /etc/hosts (Kubernetes and
#   container runtimes mount their own over it, with /etc/resolv.conf),
#   /etc/passwd and /etc/group with the user 65532 (nonroot);
# - /tmp (mode 1777);
# - for the Debian packages these files come from: their copyright files and
#   their dpkg status entries in /var/lib/dpkg/status.d/ (the layout image
#   scanners read in distroless images), and the Debian release files, so the
#   image can be audited.
#
# No shell, package manager, compiler or sources: nothing else is copied.
set -euo pipefail
bin=$1 root=$2

mkdir -p "$root"
# Debian 12's merged /usr: /lib, /lib64, /bin and /sbin point into /usr, so
# the paths ldd prints (and the binary's ELF interpreter) stay valid.
for d in bin sbin lib lib64; do
  if [[ -L /$d ]]; then
    mkdir -p "$root/usr/$d"
    ln -s "$(readlink "/$d")" "$root/$d"
  fi
done

# Copies $1 to the same path under $root (as a regular file, contents of the
# symlink's target), with its directory resolved so that it lands in /usr.
copy_file() {
  local dir
  dir=$(realpath "$(dirname "$1")")
  mkdir -p "$root$dir"
  cp -L --preserve=mode "$1" "$root$dir/$(basename "$1")"
}

install -D -m 0755 "$bin" "$root/usr/local/bin/maesn-gateway"

# ldd lines: "libx.so.1 => /path/libx.so.1 (0x...)" and, for the loader,
# "/lib64/ld-linux-x86-64.so.2 (0x...)"; "not found" must not happen.
ldd_out=$(ldd "$bin")
if grep -q 'not found' <<<"$ldd_out"; then
  echo "$ldd_out" >&2
  echo "runtime-rootfs: a shared library of $bin is missing" >&2
  exit 1
fi
libs=$(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$ldd_out" | sort -u)
[[ -n $libs ]] || { echo "runtime-rootfs: ldd listed no libraries" >&2; exit 1; }
for lib in $libs; do copy_file "$lib"; done

# CA bundle and OpenSSL's default locations (OPENSSLDIR is /usr/lib/ssl).
cabundle=/etc/ssl/certs/ca-certificates.crt
[[ -s $cabundle ]] || { echo "runtime-rootfs: $cabundle is missing" >&2; exit 1; }
install -D -m 0644 "$cabundle" "$root$cabundle"
install -D -m 0644 /etc/ssl/openssl.cnf "$root/etc/ssl/openssl.cnf"
mkdir -p "$root/usr/lib/ssl"
ln -s /etc/ssl/certs/ca-certificates.crt "$root/usr/lib/ssl/cert.pem"
ln -s /etc/ssl/certs "$root/usr/lib/ssl/certs"
ln -s /etc/ssl/openssl.cnf "$root/usr/lib/ssl/openssl.cnf"

mkdir -p "$root/etc"
cat >"$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group:  files
hosts:  files dns
EOF
cat >"$root/etc/hosts" <<'EOF'
127.0.0.1 localhost
::1       localhost ip6-localhost ip6-loopback
EOF
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
nonroot:x:65532:
EOF
chmod 0644 "$root"/etc/{nsswitch.conf,hosts,passwd,group}
install -d -m 1777 "$root/tmp"

# The Debian packages the copied files come from (the CA bundle is made by
# ca-certificates' update-ca-certificates, so dpkg does not list it), and the
# release they belong to (os-release, debian_version), for image scanners.
owner() {  # path -> package; dpkg may know a library by its /lib or /usr path
  dpkg -S "$1" 2>/dev/null || dpkg -S "$(realpath "$1")" 2>/dev/null \
    || dpkg -S "/usr$1" 2>/dev/null || dpkg -S "${1#/usr}"
}
pkgs=$( (for f in $libs; do owner "$f"; done; echo ca-certificates:) | cut -d: -f1 | sort -u)
mkdir -p "$root/var/lib/dpkg/status.d"
for p in $pkgs; do
  dpkg-query -s "$p" >"$root/var/lib/dpkg/status.d/$p"
  if [[ -f /usr/share/doc/$p/copyright ]]; then
    install -D -m 0644 "/usr/share/doc/$p/copyright" "$root/usr/share/doc/$p/copyright"
  fi
done
install -D -m 0644 /etc/debian_version "$root/etc/debian_version"
install -D -m 0644 "$(realpath /etc/os-release)" "$root/usr/lib/os-release"
ln -s ../usr/lib/os-release "$root/etc/os-release"

echo "runtime-rootfs: $(wc -w <<<"$libs") libraries; $(wc -w <<<"$pkgs") Debian packages (libraries, CA bundle)," \
  "$(du -sh "$root" | cut -f1) in $root"
