#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (as root) for tsbuild: Debian packages, npm dependencies,
# the compiled CLI and the local base image rootfs. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the OCI runtime, tools the tests compare against, the base-image sources, git (ADD <git repo>),
# and what node-gyp builds the native addon (native/) with.
packages=(gcc libc6-dev make python3 runc crun attr busybox-static skopeo umoci docker-registry tini debootstrap iptables nftables iproute2 openssl xz-utils bzip2 zstd util-linux procps psmisc git)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: run as root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies, only when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "setup: compiling"
npm run --silent build
# The `tsbuild` command on PATH (a link, so a rebuild needs no new install).
if [ "$(id -u)" -eq 0 ]; then ln -sf "$PWD/dist/cli/tsbuild" /usr/local/bin/tsbuild; fi

# Local base images: no registry is reachable, so the bases are made from Debian packages.
bash scripts/make-busybox-rootfs.sh
bash scripts/make-debian-rootfs.sh
