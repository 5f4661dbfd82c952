#!/usr/bin/env bash
# CI's image step: builds the image with podman or docker and runs
# `ordersync help` in it when an engine can pull the base image; otherwise says
# why and runs the Dockerfile's steps without an engine (image-steps.sh check).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
base=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile)
engine=
for e in podman docker; do
  if command -v "$e" >/dev/null; then
    engine=$e
    break
  fi
done
if [[ -z $engine ]]; then
  echo "image: no podman or docker here; running the Dockerfile's steps without an engine"
elif ! pull=$("$engine" pull -q "$base" 2>&1); then
  echo "image: $engine cannot pull $base (${pull##*$'\n'}); running the Dockerfile's steps without an engine"
else
  "$engine" build -t ordersync:ci .
  "$engine" run --rm ordersync:ci help >/dev/null
  echo "image: built ordersync:ci with $engine; \`ordersync help\` runs in it"
  exit 0
fi
exec bash scripts/release/image-steps.sh check
