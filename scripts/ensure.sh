#!/usr/bin/env bash
# Makes a fresh clone runnable: installs node_modules if missing, bundles the
# workflows if their sources changed, then brings the local servers up unless
# ORDERSYNC_SKIP_INFRA=1 (remote servers).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [[ ! -d node_modules/@temporalio/worker || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[ensure] installing node_modules (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
node --import tsx scripts/build-workflow-bundle.ts --if-changed >&2
if [[ ${ORDERSYNC_SKIP_INFRA:-0} != 1 ]]; then
  bash scripts/infra.sh up >&2
fi
