#!/usr/bin/env bash
# Installs the Debian packages tensorjit needs (scripts/setup.sh), then configures and builds
# everything (library, samples, tests, benchmarks) into ${TJ_BUILD_DIR:-build}.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build_dir=${TJ_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${TJ_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
