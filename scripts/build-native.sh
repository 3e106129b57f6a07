#!/bin/sh
# Builds the native addon (native/host_fs.c → build/Release/host_fs.node) with node-gyp when it is missing
# or older than its sources. Run through `npm run build`, which puts npm's own node-gyp on PATH.
set -e
cd "$(dirname "$0")/.."
addon=build/Release/host_fs.node
if [ -f "$addon" ] && [ "$addon" -nt native/host_fs.c ] && [ "$addon" -nt binding.gyp ]; then exit 0; fi
node-gyp rebuild --loglevel=warn >/dev/null
