#!/usr/bin/env bash
# Builds the library and its tests with sanitizers and runs them (a CI step, after the tests):
#   bash scripts/sanitize.sh thread    # ThreadSanitizer: the thread tests ([threads], [atomic])
#   bash scripts/sanitize.sh address   # AddressSanitizer + UBSan: every ctest test but the install test
# Build folders: build-tsan/, build-asan/ (TJ_SANITIZE_BUILD_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mode=${1:?usage: sanitize.sh thread|address}
case "$mode" in
    thread) flags=thread; dir=${TJ_SANITIZE_BUILD_DIR:-build-tsan} ;;
    address) flags="address,undefined"; dir=${TJ_SANITIZE_BUILD_DIR:-build-asan} ;;
    *) echo "sanitize.sh: unknown mode $mode (thread or address)" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTJ_SANITIZE="$flags" \
    -DTJ_BUILD_SAMPLES=OFF -DTJ_BUILD_BENCH=OFF >/dev/null
# OpenBLAS's own threads are not instrumented; one thread keeps the reports about our code.
export OPENBLAS_NUM_THREADS=1
if [ "$mode" = thread ]; then
    cmake --build "$dir" -j "$(nproc)" --target tj_test_function tj_test_runtime
    cache=$(mktemp -d)
    trap 'rm -rf "$cache"' EXIT
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" TJ_CACHE_DIR="$cache"
    "$dir/tests/tj_test_runtime" "[threads]"
    "$dir/tests/tj_test_function" "[threads],[atomic]"
else
    cmake --build "$dir" -j "$(nproc)"
    # LLVM keeps some allocations for the life of the process: leaks are not reported. A huge
    # allocation must fail as malloc does (the tests expect a ValueError), not abort.
    export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1:allocator_may_return_null=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    (cd "$dir" && ctest --output-on-failure -j "$(nproc)" -E '^install')
fi
