// TUTORIAL section 6: 1000x1000 uniform and normal draws through a compiled function
// (tj::RandomStream) against hand-written C++ drawing from the same generator: a loop calling the
// tj_rng_* routine per element, and tj::Generator's array methods (the generator inlined in the
// loop). Every variant writes a fresh 8 MB output per call (the function returns a fresh array).
//
// Aim (issue 5, point 5): the compiled function within 1.1x of hand-written. The counter
// "s/element" is the time per drawn element (google benchmark prints it with an SI prefix: 3.1n
// is 3.1 ns).
#include "bench_cache_dir.hpp"

#include "../codegen_templates/random.h" // the C routines kernels call (not an installed header)
#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>

namespace {

constexpr std::int64_t kRows = 1000;
constexpr std::int64_t kCols = 1000;
constexpr std::uint64_t kSeed = 234;

void set_counters(benchmark::State& state) {
    state.SetItemsProcessed(state.iterations() * kRows * kCols);
    state.counters["s/element"] = benchmark::Counter(static_cast<double>(kRows * kCols),
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

bool same_bits(const tj::Array& a, const tj::Array& b) {
    return a.shape() == b.shape() && a.dtype() == b.dtype() &&
           std::memcmp(a.raw_data(), b.raw_data(),
                       static_cast<std::size_t>(a.size()) * a.itemsize()) == 0;
}

enum class Dist { Uniform, Normal };

tj::Var make_variable(tj::RandomStream& srng, Dist d) {
    return d == Dist::Uniform ? srng.uniform(0, 1, {kRows, kCols})
                              : srng.normal(0, 1, {kRows, kCols});
}

// ---- the compiled function --------------------------------------------------------------------

void BM_jit(benchmark::State& state, Dist d) {
    tj::RandomStream srng(kSeed);
    auto f = tj::function({}, make_variable(srng, d));
    {
        // Guards against timing a wrong answer: the first call draws what the generator draws.
        tj::Generator g(tj::SeedSequence(kSeed, {0}));
        const tj::Array expect =
            d == Dist::Uniform ? g.uniform(0, 1, {kRows, kCols}) : g.normal(0, 1, {kRows, kCols});
        if (!same_bits(f(), expect)) state.SkipWithError("the function and tj::Generator differ");
    }
    for (auto _ : state) {
        tj::Array out = f();
        benchmark::DoNotOptimize(out.raw_data());
    }
    set_counters(state);
}
BENCHMARK_CAPTURE(BM_jit, uniform, Dist::Uniform)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_jit, normal, Dist::Normal)->Unit(benchmark::kMillisecond);

// ---- hand-written ----------------------------------------------------------------------------

// A loop calling the C routine kernels call for one element, into a fresh array.
void BM_handwritten_loop(benchmark::State& state, Dist d) {
    tj::Generator g(tj::SeedSequence(kSeed, {0}));
    unsigned long long* w = g.state_words();
    for (auto _ : state) {
        auto out = tj::Array::empty(tj::DType::Float64, {kRows, kCols});
        double* p = out.data<double>();
        if (d == Dist::Uniform)
            for (std::int64_t i = 0; i < kRows * kCols; ++i) p[i] = tj_rng_uniform(w, 0, 1);
        else
            for (std::int64_t i = 0; i < kRows * kCols; ++i) p[i] = tj_rng_normal(w, 0, 1);
        benchmark::DoNotOptimize(out.raw_data());
        benchmark::ClobberMemory();
    }
    set_counters(state);
}
BENCHMARK_CAPTURE(BM_handwritten_loop, uniform, Dist::Uniform)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_handwritten_loop, normal, Dist::Normal)->Unit(benchmark::kMillisecond);

// tj::Generator's array methods: the generator inlined in its fill loop (the fastest C++ here).
void BM_handwritten_generator(benchmark::State& state, Dist d) {
    tj::Generator g(tj::SeedSequence(kSeed, {0}));
    for (auto _ : state) {
        tj::Array out =
            d == Dist::Uniform ? g.uniform(0, 1, {kRows, kCols}) : g.normal(0, 1, {kRows, kCols});
        benchmark::DoNotOptimize(out.raw_data());
    }
    set_counters(state);
}
BENCHMARK_CAPTURE(BM_handwritten_generator, uniform, Dist::Uniform)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_handwritten_generator, normal, Dist::Normal)->Unit(benchmark::kMillisecond);

// The same into one preallocated buffer: the floor (no allocation, no page faults).
void BM_handwritten_fill_preallocated(benchmark::State& state, Dist d) {
    tj::Generator g(tj::SeedSequence(kSeed, {0}));
    auto out = tj::Array::empty(tj::DType::Float64, {kRows, kCols});
    for (auto _ : state) {
        if (d == Dist::Uniform)
            tj_rng_fill_uniform(g.state_words(), 0, 1, kRows * kCols, out.data<double>());
        else
            tj_rng_fill_normal(g.state_words(), 0, 1, kRows * kCols, out.data<double>());
        benchmark::DoNotOptimize(out.raw_data());
        benchmark::ClobberMemory();
    }
    set_counters(state);
}
BENCHMARK_CAPTURE(BM_handwritten_fill_preallocated, uniform, Dist::Uniform)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_handwritten_fill_preallocated, normal, Dist::Normal)
    ->Unit(benchmark::kMillisecond);

} // namespace
