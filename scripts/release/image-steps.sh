#!/usr/bin/env bash
# The container image's build steps, in one place. The Dockerfile runs each RUN
# as one phase of this script; `check` runs them all in empty directories, so CI
# exercises them on machines that cannot build the image itself.
#
#   deps SRC              npm ci (dev dependencies too: the build needs them)
#   build SRC OUT         npm run build in SRC, then put the release into OUT:
#                         dist/, bin/, package.json, package-lock.json
#   runtime APP           production dependencies only, then `ordersync help`
#   check                 every RUN of the Dockerfile must be a phase above; then
#                         deps and build on a copy of the build context, and
#                         runtime on the release, each in an empty directory
set -euo pipefail

deps() {
  cd "$1"
  npm ci --no-audit --no-fund
}

build() {
  local src=$1 out=$2
  cd "$src"
  npm run build
  mkdir -p "$out"
  cp -R dist bin package.json package-lock.json "$out/"
}

runtime() {
  cd "$1"
  npm ci --omit=dev --no-audit --no-fund
  npm cache clean --force 2>/dev/null || true
  node bin/ordersync help >/dev/null
}

# The files a `docker build .` would send: tracked and new files, less .dockerignore's.
copy_context() {
  local root=$1 dest=$2 pattern f
  local -a ignore=() files=()
  while IFS= read -r pattern; do
    [[ -z $pattern || $pattern == \#* ]] || ignore+=("$pattern")
  done <"$root/.dockerignore"
  while IFS= read -r -d '' f; do
    for pattern in "${ignore[@]}"; do
      # shellcheck disable=SC2053 # a .dockerignore line is a glob
      if [[ $f == $pattern || $f == $pattern/* ]]; then continue 2; fi
    done
    [[ ! -e $root/$f ]] || files+=("$f")
  done < <(cd "$root" && git ls-files -z --cached --others --exclude-standard)
  # One tar pipe rather than a cp per file.
  (cd "$root" && printf '%s\0' "${files[@]}" | tar --null -T - -cf -) | tar -xf - -C "$dest"
}

check() {
  local root tmp t0 runs
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  runs=$(grep -E '^RUN ' "$root/Dockerfile" | grep -vcE '^RUN bash (scripts/release|/tmp)/image-steps\.sh (deps|build|runtime) ' || true)
  if [[ $runs -ne 0 ]]; then
    echo "image-steps: the Dockerfile has $runs RUN line(s) that are not phases of this script" >&2
    return 1
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  t0=$(date +%s)
  mkdir "$tmp/src" "$tmp/app"
  copy_context "$root" "$tmp/src"
  (deps "$tmp/src") >"$tmp/deps.log" 2>&1 || { cat "$tmp/deps.log" >&2; return 1; }
  (build "$tmp/src" "$tmp/release") >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; return 1; }
  cp -R "$tmp/release/." "$tmp/app/"
  (runtime "$tmp/app") >"$tmp/runtime.log" 2>&1 || { cat "$tmp/runtime.log" >&2; return 1; }
  [[ ! -e $tmp/app/node_modules/tsx && ! -e $tmp/app/node_modules/typescript ]] || {
    echo "image-steps: the runtime stage holds dev dependencies" >&2
    return 1
  }
  echo "image-steps: deps, build and runtime passed in empty directories in $(($(date +%s) - t0)) s"
}

phase=${1:-}
shift || true
case $phase in
  deps | build | runtime | check) "$phase" "$@" ;;
  *)
    echo "usage: $0 deps SRC | build SRC OUT | runtime APP | check" >&2
    exit 64
    ;;
esac
