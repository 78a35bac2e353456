// TUTORIAL section 1, `1 / (1 + tj::exp(-x))` on a 2000x2000 float64 matrix: the JIT kernel
// against a hand-written loop built with -O3 -march=native -ffast-math (handwritten/), and the
// time tj::function takes to build the function cold (Clang), warm from disk, and warm from memory.
//
// Aims (issue 2, point 11): kernel within 1.5x of hand-written; build under 50 ms cold and under
// 2 ms warm. On a shared machine, compare kernels with --benchmark_repetitions=5
// --benchmark_enable_random_interleaving=true, so that other load falls on all of them alike.
#include "bench_cache_dir.hpp"
#include "handwritten/logistic_ref.hpp"

#include <tensorjit/tensorjit.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>

namespace {

constexpr std::int64_t kRows = 2000;
constexpr std::int64_t kCols = 2000;

tj::Array input_matrix() {
    static const tj::Array x = [] {
        auto a = tj::Array::empty(tj::DType::Float64, {kRows, kCols});
        std::mt19937_64 rng(42);
        std::uniform_real_distribution<double> u(-10, 10);
        auto* p = a.data<double>();
        for (std::int64_t i = 0; i < a.size(); ++i) p[i] = u(rng);
        return a;
    }();
    return x;
}

// `c` stands for the 1 of the tutorial's graph: the cold build benchmark varies it so that every
// build has its own cache key while the kernel stays the same.
tj::Var logistic_graph(const tj::Var& x, double c = 1) { return 1 / (c + tj::exp(-x)); }

// Guards against comparing two wrong answers: the JIT must agree with the hand-written loop.
bool same_values(const tj::Array& jit, const tj::Array& ref) {
    const double* a = jit.data<double>();
    const double* b = ref.data<double>();
    for (std::int64_t i = 0; i < jit.size(); ++i)
        if (std::abs(a[i] - b[i]) > 1e-12 * (1 + std::abs(b[i]))) return false;
    return true;
}

void set_bytes(benchmark::State& state) {
    // Read x, write the output: what a memory-bound kernel moves per call.
    state.SetBytesProcessed(state.iterations() * kRows * kCols * 2 *
                            static_cast<std::int64_t>(sizeof(double)));
}

// ---- the kernel -------------------------------------------------------------------------------

void BM_jit_kernel(benchmark::State& state) {
    auto x = tj::dmatrix("x");
    auto logistic = tj::function({x}, logistic_graph(x));
    const tj::Array in = input_matrix();
    {
        auto ref = tj::Array::empty(tj::DType::Float64, in.shape());
        tj_bench::logistic_ref(in.data<double>(), ref.data<double>(), in.size());
        if (!same_values(logistic(in), ref)) state.SkipWithError("JIT and hand-written differ");
    }
    // Each call returns a fresh output array (PyTensor without borrow): allocation included.
    for (auto _ : state) {
        tj::Array out = logistic(in);
        benchmark::DoNotOptimize(out.raw_data());
    }
    set_bytes(state);
}
BENCHMARK(BM_jit_kernel)->Unit(benchmark::kMillisecond);

// The hand-written loop into one preallocated buffer: the best case, no allocation or page faults.
void BM_handwritten_preallocated(benchmark::State& state) {
    const tj::Array in = input_matrix();
    auto out = tj::Array::empty(tj::DType::Float64, in.shape());
    for (auto _ : state) {
        tj_bench::logistic_ref(in.data<double>(), out.data<double>(), in.size());
        benchmark::DoNotOptimize(out.raw_data());
        benchmark::ClobberMemory();
    }
    set_bytes(state);
}
BENCHMARK(BM_handwritten_preallocated)->Unit(benchmark::kMillisecond);

// The hand-written loop writing a fresh output per call through the same allocator as the JIT's
// outputs (tj::Array::empty: aligned_alloc, 32 MB so a fresh mmap and its page faults): the fair
// comparison with BM_jit_kernel.
void BM_handwritten_allocating(benchmark::State& state) {
    const tj::Array in = input_matrix();
    for (auto _ : state) {
        auto out = tj::Array::empty(tj::DType::Float64, in.shape());
        tj_bench::logistic_ref(in.data<double>(), out.data<double>(), in.size());
        benchmark::DoNotOptimize(out.raw_data());
        benchmark::ClobberMemory();
    }
    set_bytes(state);
}
BENCHMARK(BM_handwritten_allocating)->Unit(benchmark::kMillisecond);

// ---- building the function --------------------------------------------------------------------

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// Cold: a constant no earlier build used, so both the memory and the disk cache miss and the
// build runs rewrites, codegen and Clang. A new cache directory per iteration would change
// nothing: the library opens its disk cache once per process (TJ_CACHE_DIR is read on first
// use), and a key it has never seen misses there just as in an empty directory. A fresh process
// cannot be had inside google benchmark; the Clang/LLVM one-time initialisation falls on the
// first build of the process (BM_jit_kernel's, when every benchmark runs).
void BM_build_cold(benchmark::State& state) {
    static std::uint64_t unique = 0;
    auto x = tj::dmatrix("x");
    const auto before = tj::compile_stats();
    for (auto _ : state) {
        auto s = logistic_graph(x, 1 + static_cast<double>(++unique) * 0x1p-40);
        auto t = Clock::now();
        auto f = tj::function({x}, s);
        state.SetIterationTime(seconds_since(t));
    }
    const auto after = tj::compile_stats();
    state.counters["clang_compiles/iter"] =
        static_cast<double>(after.clang_compiles - before.clang_compiles) /
        static_cast<double>(state.iterations());
}
BENCHMARK(BM_build_cold)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(20);

// Warm from disk: the kernel is on disk but no live function holds it, so the in-process memory
// cache (weak pointers) misses and the build loads the object file: no rewrites, no Clang. The
// closest in-process stand-in for a warm start in a fresh process.
void BM_build_warm_disk(benchmark::State& state) {
    auto x = tj::dmatrix("x");
    auto s = logistic_graph(x);
    { auto first = tj::function({x}, s); } // make sure the entry exists
    const auto before = tj::compile_stats();
    for (auto _ : state) {
        auto t = Clock::now();
        auto f = tj::function({x}, s);
        state.SetIterationTime(seconds_since(t));
        // f is destroyed here, so the next iteration finds no live kernel again.
    }
    const auto after = tj::compile_stats();
    const auto hits = after.disk_hits - before.disk_hits;
    state.counters["disk_hits/iter"] =
        static_cast<double>(hits) / static_cast<double>(state.iterations());
    if (hits != state.iterations() || after.clang_compiles != before.clang_compiles)
        state.SkipWithError("warm-disk builds did not all load from disk");
}
BENCHMARK(BM_build_warm_disk)->UseManualTime()->Unit(benchmark::kMillisecond);

// Warm from memory: a live function holds the kernel, so a build only makes the function graph,
// hashes it and binds (what a second tj::function of the same graph costs in one process).
void BM_build_warm_memory(benchmark::State& state) {
    auto x = tj::dmatrix("x");
    auto s = logistic_graph(x);
    auto keep = tj::function({x}, s);
    const auto before = tj::compile_stats();
    for (auto _ : state) {
        auto f = tj::function({x}, s);
        benchmark::DoNotOptimize(f);
    }
    const auto after = tj::compile_stats();
    if (after.memory_hits - before.memory_hits != state.iterations())
        state.SkipWithError("warm-memory builds did not all hit the memory cache");
}
BENCHMARK(BM_build_warm_memory)->Unit(benchmark::kMicrosecond);

} // namespace
