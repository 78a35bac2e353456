#!/usr/bin/env bash
# The graph file loader's fuzz campaign (tests/fuzz/): builds the fuzz target (clang++-16,
# libFuzzer, AddressSanitizer + UBSan; the main build's TJ_FUZZ) and runs it for 10 minutes on
# one core, niced, from the checked-in corpus. Inputs it finds accumulate in
# build/fuzz/campaign/corpus/; a crash is written to build/fuzz/campaign/artifacts/ and fails the
# script (reproduce it with `build/fuzz/fuzz_graph_file <file>`).
#   bash scripts/fuzz.sh             # the campaign (FUZZ_SECONDS=600, FUZZ_SEED=0: a random seed)
#   bash scripts/fuzz.sh --corpus    # rewrites tests/fuzz/corpus/graph_file/ (tj_tool_graph_file_corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TJ_BUILD_DIR:-build}
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    bash scripts/setup.sh
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${TJ_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
fi
if ! grep -q '^TJ_FUZZ:BOOL=ON' "$build_dir/CMakeCache.txt"; then
    echo "fuzz.sh: TJ_FUZZ is off in $build_dir (it needs clang++-16 and libclang-rt-16-dev)" >&2
    exit 2
fi
corpus=tests/fuzz/corpus/graph_file
if [ "${1:-}" = --corpus ]; then
    cmake --build "$build_dir" --target tj_tool_graph_file_corpus -j "$(nproc)"
    cache=$(mktemp -d)
    trap 'rm -rf "$cache"' EXIT
    rm -rf "$corpus"
    TJ_CACHE_DIR="$cache" "$build_dir/tests/tj_tool_graph_file_corpus" "$corpus"
    du -sh "$corpus"
    exit 0
fi
cmake --build "$build_dir" --target tj_fuzz_build -j "$(nproc)"
nice -n 10 cmake -DFUZZER="$build_dir/fuzz/fuzz_graph_file" -DCORPUS="$corpus" \
    -DWORK="$build_dir/fuzz/campaign" -DKEEP_CORPUS=ON -DMAX_SECONDS="${FUZZ_SECONDS:-600}" \
    -DSEED="${FUZZ_SEED:-0}" -P tests/fuzz/run_fuzz.cmake
