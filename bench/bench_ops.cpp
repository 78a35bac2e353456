// Issue 3, point 7: element-wise throughput and matrix products through tj::function against
// hand-written C++ (a -O3 -march=native -ffast-math loop; direct OpenBLAS calls) in the same run.
// Aims: within 1.25x for element-wise chains and 1.1x for dot. Compare with
// --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true on a shared machine.
#include "bench_cache_dir.hpp"
#include "handwritten/ops_ref.hpp"

#include <tensorjit/tensorjit.hpp>

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

namespace {

tj::Array random_array(const tj::Dims& shape, std::uint64_t seed) {
    auto a = tj::Array::empty(tj::DType::Float64, shape);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-3, 3);
    auto* p = a.data<double>();
    for (std::int64_t i = 0; i < a.size(); ++i) p[i] = u(rng);
    return a;
}

constexpr std::int64_t kN = 1 << 22;  // 4M doubles per operand

void BM_chain_jit(benchmark::State& state) {
    auto [x, y] = tj::dvectors("x", "y");
    auto f = tj::function({x, y}, tj::tanh(x * 0.5) * y + tj::exp(-tj::abs(y)));
    const tj::Array a = random_array({kN}, 1), b = random_array({kN}, 2);
    for (auto _ : state) benchmark::DoNotOptimize(f(a, b));
    state.SetBytesProcessed(state.iterations() * kN * 3 * 8);
}
BENCHMARK(BM_chain_jit)->Unit(benchmark::kMillisecond);

void BM_chain_handwritten(benchmark::State& state) {
    const tj::Array a = random_array({kN}, 1), b = random_array({kN}, 2);
    for (auto _ : state) {
        // A fresh output per call, as the function returns one.
        auto out = tj::Array::empty(tj::DType::Float64, {kN});
        tj_bench::chain_ref(a.data<double>(), b.data<double>(), out.data<double>(), kN);
        benchmark::DoNotOptimize(out);
    }
    state.SetBytesProcessed(state.iterations() * kN * 3 * 8);
}
BENCHMARK(BM_chain_handwritten)->Unit(benchmark::kMillisecond);

void BM_gemv_jit(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    auto A = tj::dmatrix("A");
    auto v = tj::dvector("v");
    auto f = tj::function({A, v}, tj::dot(A, v));
    const tj::Array a = random_array({n, n}, 3), x = random_array({n}, 4);
    for (auto _ : state) benchmark::DoNotOptimize(f(a, x));
    state.SetItemsProcessed(state.iterations() * 2LL * n * n);
}
BENCHMARK(BM_gemv_jit)->Arg(1000)->Arg(2000)->Unit(benchmark::kMicrosecond);

void BM_gemv_openblas(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const tj::Array a = random_array({n, n}, 3), x = random_array({n}, 4);
    for (auto _ : state) {
        auto out = tj::Array::empty(tj::DType::Float64, {n});
        tj_bench::gemv_ref(a.data<double>(), x.data<double>(), out.data<double>(), n, n);
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations() * 2LL * n * n);
}
BENCHMARK(BM_gemv_openblas)->Arg(1000)->Arg(2000)->Unit(benchmark::kMicrosecond);

void BM_gemm_jit(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    auto [A, B] = tj::dmatrices("A", "B");
    auto f = tj::function({A, B}, tj::dot(A, B));
    const tj::Array a = random_array({n, n}, 5), b = random_array({n, n}, 6);
    for (auto _ : state) benchmark::DoNotOptimize(f(a, b));
    state.SetItemsProcessed(state.iterations() * 2LL * n * n * n);
}
BENCHMARK(BM_gemm_jit)->Arg(256)->Arg(512)->Unit(benchmark::kMicrosecond);

void BM_gemm_openblas(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const tj::Array a = random_array({n, n}, 5), b = random_array({n, n}, 6);
    for (auto _ : state) {
        auto out = tj::Array::empty(tj::DType::Float64, {n, n});
        tj_bench::gemm_ref(a.data<double>(), b.data<double>(), out.data<double>(), n, n, n);
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations() * 2LL * n * n * n);
}
BENCHMARK(BM_gemm_openblas)->Arg(256)->Arg(512)->Unit(benchmark::kMicrosecond);

} // namespace
