#!/bin/sh
# The `tsbuild` command: starts bin.js beside this file's real path (npm and setup.sh link to it). Node 20 and 22
# read and parse the whole NODE_EXTRA_CA_CERTS file at every start-up (~50 ms for a system CA bundle), though few
# tsbuild commands open a TLS connection; so the variable reaches tsbuild as TSBUILD_EXTRA_CA_CERTS, which its
# HTTPS client (src/http/get.ts) loads when it connects.
if [ -n "${NODE_EXTRA_CA_CERTS-}" ]; then
  TSBUILD_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS
  export TSBUILD_EXTRA_CA_CERTS
  unset NODE_EXTRA_CA_CERTS
fi
self=$0
[ -L "$self" ] && self=$(readlink -f "$self")
# `--`: Node 20 reads options such as --env-file even after the script's name (nodejs/node#54232), which
# would take `tsbuild run --env-file F` for its own.
exec node -- "${self%/*}/bin.js" "$@"
