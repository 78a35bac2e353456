#!/usr/bin/env bash
# Sets up, builds, and runs the tests through ctest: once as they are, once with the graph
# rewrites off (TJ_REWRITES=off; the tests about the rewrites themselves pin them on).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build_dir=${TJ_BUILD_DIR:-build}
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
echo "== the same tests with the graph rewrites off (TJ_REWRITES=off)"
TJ_REWRITES=off ctest --output-on-failure -j "$(nproc)" -LE "install|fuzz" "$@"
