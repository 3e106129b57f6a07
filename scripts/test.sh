#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian 12 machine as root: sets up first, then vitest.
# The last line printed is the plain summary "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node scripts/vitest-summary.mjs - "$@"
