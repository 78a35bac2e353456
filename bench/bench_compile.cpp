// Cold build times (issue 10, point 6): how long tj::function takes when neither the memory nor
// the disk cache has the kernel, so that rewrites, codegen and Clang all run. Every iteration
// builds a graph with a constant no earlier build used (a new cache key, the same kernel shape).
// The Clang/LLVM one-time start-up falls on a warm-up build before the first measurement.
//
// Aims on the 2-core machine: tutorial train + predict <= 0.2 s; the B7 chain (x = x*1.0001 + 0.5,
// tanh every 3rd step) of K = 10 / 100 / 1000 / 10000 steps <= 0.03 / 0.05 / 0.3 / 3 s; a chain
// of 200 binary element-wise ops <= 0.1 s; 50 outputs of one input <= 0.1 s.
#include "bench_cache_dir.hpp"

#include <tensorjit/tensorjit.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// A constant that differs in every build of this process (a fresh cache key).
double unique_constant() {
    static std::uint64_t n = 0;
    return 1 + static_cast<double>(++n) * 0x1p-40;
}

// Builds once outside the measurement so that LLVM's start-up is not in the first iteration.
void warm_up() {
    static const bool done = [] {
        auto x = tj::dvector("x");
        tj::function({x}, x * unique_constant());
        return true;
    }();
    (void)done;
}

template <class Build> void time_builds(benchmark::State& state, Build build) {
    warm_up();
    const auto before = tj::compile_stats();
    for (auto _ : state) {
        const double c = unique_constant();
        const auto t = Clock::now();
        build(c);
        state.SetIterationTime(std::chrono::duration<double>(Clock::now() - t).count());
    }
    const auto after = tj::compile_stats();
    state.counters["clang_compiles/iter"] =
        static_cast<double>(after.clang_compiles - before.clang_compiles) /
        static_cast<double>(state.iterations());
}

// TUTORIAL.md section 7: the train and predict functions (graph building and grad included).
void BM_cold_train_predict(benchmark::State& state) {
    time_builds(state, [](double c) {
        auto x = tj::dmatrix("x");
        auto y = tj::dvector("y");
        auto w = tj::shared(tj::Array::zeros(tj::DType::Float64, {784}), "w");
        auto b = tj::shared(0.0, "b");
        auto p_1 = 1 / (1 + tj::exp(-tj::dot(x, w) - b));
        auto prediction = p_1 > 0.5;
        auto xent = -y * tj::log(p_1) - (1 - y) * tj::log(1 - p_1);
        auto cost = tj::mean(xent) + 0.01 * c * tj::sum(tj::pow(w, 2));
        auto [gw, gb] = tj::grad(cost, {w, b});
        auto train = tj::function({x, y}, {prediction, xent},
                                  {.updates = {{w, w - 0.1 * gw}, {b, b - 0.1 * gb}}});
        auto predict = tj::function({x}, p_1 > 0.5 * c);
        benchmark::DoNotOptimize(train);
        benchmark::DoNotOptimize(predict);
    });
}
BENCHMARK(BM_cold_train_predict)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(10);

// B7: x = x * 1.0001 + 0.5 repeated K times, with tanh every third step.
void BM_cold_chain_b7(benchmark::State& state) {
    const auto k = state.range(0);
    time_builds(state, [k](double c) {
        auto x = tj::dvector("x");
        tj::Var y = x * c;
        for (std::int64_t i = 0; i < k; ++i) {
            y = y * 1.0001 + 0.5;
            if (i % 3 == 2) y = tj::tanh(y);
        }
        benchmark::DoNotOptimize(tj::function({x}, y));
    });
}
BENCHMARK(BM_cold_chain_b7)
    ->Arg(10)->Arg(100)->Arg(1000)->Iterations(5)
    ->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_cold_chain_b7)->Arg(10000)->Iterations(2)->UseManualTime()->Unit(benchmark::kMillisecond);

// 200 binary element-wise ops in a chain over two inputs (add, mul, sub, maximum in turn).
void BM_cold_chain_binary200(benchmark::State& state) {
    time_builds(state, [](double c) {
        auto x = tj::dvector("x");
        auto z = tj::dvector("z");
        tj::Var y = x * c;
        for (int i = 0; i < 200; ++i) {
            const tj::Var& other = i % 2 ? x : z;
            switch (i % 4) {
            case 0: y = y + other; break;
            case 1: y = y * other; break;
            case 2: y = y - other; break;
            default: y = tj::maximum(y, other); break;
            }
        }
        benchmark::DoNotOptimize(tj::function({x, z}, y));
    });
}
BENCHMARK(BM_cold_chain_binary200)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

// 50 outputs of one input: sin(x * c) + k for k = 0..49.
void BM_cold_outputs50(benchmark::State& state) {
    time_builds(state, [](double c) {
        auto x = tj::dvector("x");
        std::vector<tj::Var> outs;
        for (int k = 0; k < 50; ++k) outs.push_back(tj::sin(x * c) + static_cast<double>(k));
        benchmark::DoNotOptimize(tj::function({x}, outs));
    });
}
BENCHMARK(BM_cold_outputs50)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

} // namespace
