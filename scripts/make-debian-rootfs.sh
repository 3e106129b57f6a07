#!/usr/bin/env bash
# Builds the Debian 12 base rootfs tarball with debootstrap --variant=minbase from the same mirror the
# host's apt uses, so RUN steps inside it can apt-get install whatever the host could.
# Output: ${TSBUILD_BASES:-.tsbuild-bases}/debian.tar (kept until this script changes).
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir="${TSBUILD_BASES:-$PWD/.tsbuild-bases}"
out="$out_dir/debian.tar"
stamp="$out_dir/debian.stamp"
want="$(sha256sum < "$0" | cut -c1-64)"
if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
command -v debootstrap >/dev/null || { echo "make-debian-rootfs: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }

# The host's first Debian mirror (deb822 or one-line format), default deb.debian.org.
mirror="$(grep -hoE 'https?://[^ ]+/debian/?$' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n1 || true)"
mirror="${mirror:-http://deb.debian.org/debian}"

mkdir -p "$out_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "make-debian-rootfs: debootstrap bookworm from $mirror (a few minutes)"
debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
# As Docker's debian images: no apt cache, no machine identity.
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/etc/machine-id"
tar --sort=name --numeric-owner --format=posix --xattrs \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$work/rootfs" -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "$want" > "$stamp"
echo "make-debian-rootfs: wrote $out"
