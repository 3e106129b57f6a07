#!/usr/bin/env bash
# The README's first command: set the machine up, then build and run an example image.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
tsbuild() { dist/cli/tsbuild "$@"; }
tsbuild import .tsbuild-bases/busybox.tar busybox:latest >/dev/null
tsbuild build -t hello:latest examples/hello
tsbuild run --rm hello:latest
