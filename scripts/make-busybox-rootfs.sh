#!/usr/bin/env bash
# Builds the busybox base rootfs tarball from Debian's busybox-static, reproducibly (fixed mtimes,
# numeric owners, sorted names), so equal inputs give a byte-identical tarball and image.
# Output: ${TSBUILD_BASES:-.tsbuild-bases}/busybox.tar
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir="${TSBUILD_BASES:-$PWD/.tsbuild-bases}"
out="$out_dir/busybox.tar"
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make-busybox-rootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
stamp="$out_dir/busybox.stamp"
want="$(cat "$busybox" "$0" | sha256sum | cut -c1-64)"
if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi

mkdir -p "$out_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/www,home,dev,proc,sys}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
cp "$busybox" "$root/bin/busybox"
# One symlink per applet, as busybox --install -s would make them.
for applet in $("$busybox" --list-full); do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -sf /bin/busybox "$root/$applet"
done
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
bin:x:2:
wheel:x:10:root,app
staff:x:50:app
nogroup:x:65534:
app:x:1000:
GROUP
mkdir -p "$root/home/app"
chown 1000:1000 "$root/home/app"
tar --sort=name --mtime='@0' --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$root" -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "$want" > "$stamp"
echo "make-busybox-rootfs: wrote $out"
