#!/bin/sh
# Builds the native addon (native/*.c → build/Release/host.node) with node-gyp when it is missing or older
# than its sources. Run through `npm run build`, which puts npm's own node-gyp on PATH.
set -e
cd "$(dirname "$0")/.."
addon=build/Release/host.node
if [ -f "$addon" ] && [ -z "$(find native binding.gyp -newer "$addon")" ]; then exit 0; fi
node-gyp rebuild --loglevel=warn >/dev/null
