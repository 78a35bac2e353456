#!/usr/bin/env bash
# Regenerates tests/codegen/golden/ from the current emitter; review the diff before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TJ_BUILD_DIR:-build}
cmake --build "$build_dir" --target tj_test_codegen
TJ_UPDATE_GOLDEN=1 TJ_CACHE_DIR="$(mktemp -d)" "$build_dir/tests/tj_test_codegen" "[golden]"
git --no-pager diff --stat -- tests/codegen/golden
