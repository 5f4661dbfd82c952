#!/usr/bin/env bash
# Makes a fresh clone runnable: installs node_modules if missing, bundles the
# workflows if their sources changed, then brings the local servers up unless
# ORDERSYNC_SKIP_INFRA=1 (remote servers).
#
#   scripts/ensure.sh [COMMAND ARGS...]
# runs COMMAND afterwards. If ARGS hold `--topology production`, the servers
# brought up are the production profile (ORDERSYNC_TEMPORAL=server,
# ORDERSYNC_KAFKA_NODES=3): npm appends a script's arguments to its command
# line, so this is where `npm run chaos -- --topology production` is seen.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
prev=
for arg in "$@"; do
  if [[ $arg == --topology=production || ($prev == --topology && $arg == production) ]]; then
    export ORDERSYNC_TEMPORAL=${ORDERSYNC_TEMPORAL:-server} ORDERSYNC_KAFKA_NODES=${ORDERSYNC_KAFKA_NODES:-3}
  fi
  prev=$arg
done
if [[ ! -d node_modules/@temporalio/worker || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[ensure] installing node_modules (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
node --import tsx scripts/build-workflow-bundle.ts --if-changed >&2
if [[ ${ORDERSYNC_SKIP_INFRA:-0} != 1 ]]; then
  bash scripts/infra.sh up >&2
fi
if (($# > 0)); then exec "$@"; fi
