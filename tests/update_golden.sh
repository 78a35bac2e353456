#!/usr/bin/env bash
# Regenerates the golden files from the current compiler: tests/codegen/golden/ (kernel sources)
# and tests/rewrite/golden/ (graph text before and after the rewrites). Review the diff before
# committing.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TJ_BUILD_DIR:-build}
cmake --build "$build_dir" --target tj_test_codegen tj_test_rewrite
TJ_UPDATE_GOLDEN=1 TJ_CACHE_DIR="$(mktemp -d)" "$build_dir/tests/tj_test_codegen" "[golden]"
TJ_UPDATE_GOLDEN=1 "$build_dir/tests/tj_test_rewrite" "[golden]"
git --no-pager diff --stat -- tests/codegen/golden tests/rewrite/golden
