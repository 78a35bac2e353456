// B1: the tutorial's logistic-regression training step (TUTORIAL.md section 7: N = 400,
// feats = 784, the seed's data), the JIT's `train` kernel against the hand-written C++ step of
// handwritten/train_ref.cpp (two gemv calls and two loops), in the same run. One iteration is one
// step; 10000 steps take 10000 times the reported time.
//
// Aim (issue 10, point 6): the JIT within 1.05x of hand-written. Compare with
// --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true on a shared machine.
#include "bench_cache_dir.hpp"
#include "handwritten/train_ref.hpp"

#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace {

constexpr std::int64_t kN = 400;
constexpr std::int64_t kFeats = 784;

struct Data {
    tj::Array x, y, w0;
};

const Data& data() {
    static const Data d = [] {
        tj::Generator rng(2882);
        Data out;
        out.x = rng.standard_normal({kN, kFeats});
        out.y = rng.integers(0, 2, {kN}).astype(tj::DType::Float64);
        out.w0 = rng.standard_normal({kFeats});
        return out;
    }();
    return d;
}

void BM_train_jit(benchmark::State& state) {
    const Data& d = data();
    auto x = tj::dmatrix("x");
    auto y = tj::dvector("y");
    auto w = tj::shared(d.w0.copy(), "w");
    auto b = tj::shared(0.0, "b");
    auto p_1 = 1 / (1 + tj::exp(-tj::dot(x, w) - b));
    auto prediction = p_1 > 0.5;
    auto xent = -y * tj::log(p_1) - (1 - y) * tj::log(1 - p_1);
    auto cost = tj::mean(xent) + 0.01 * tj::sum(tj::pow(w, 2));
    auto [gw, gb] = tj::grad(cost, {w, b});
    auto train = tj::function({x, y}, {prediction, xent},
                              {.updates = {{w, w - 0.1 * gw}, {b, b - 0.1 * gb}}});
    for (auto _ : state) benchmark::DoNotOptimize(train(d.x, d.y));
}
BENCHMARK(BM_train_jit)->Unit(benchmark::kMicrosecond);

void BM_train_handwritten(benchmark::State& state) {
    const Data& d = data();
    std::vector<double> w(d.w0.data<double>(), d.w0.data<double>() + kFeats);
    std::vector<double> xent(kN), z(kN), grad(kN);
    std::vector<std::uint8_t> prediction(kN);
    double b = 0;
    for (auto _ : state) {
        tj_bench::train_step_ref(d.x.data<double>(), d.y.data<double>(), kN, kFeats, w.data(), &b,
                                 prediction.data(), xent.data(), z.data(), grad.data());
        benchmark::DoNotOptimize(xent.data());
    }
}
BENCHMARK(BM_train_handwritten)->Unit(benchmark::kMicrosecond);

// The two agree: 100 steps each from the same start give the same model.
void BM_train_agree(benchmark::State& state) {
    const Data& d = data();
    auto x = tj::dmatrix("x");
    auto y = tj::dvector("y");
    auto w = tj::shared(d.w0.copy(), "w");
    auto b = tj::shared(0.0, "b");
    auto p_1 = 1 / (1 + tj::exp(-tj::dot(x, w) - b));
    auto xent = -y * tj::log(p_1) - (1 - y) * tj::log(1 - p_1);
    auto cost = tj::mean(xent) + 0.01 * tj::sum(tj::pow(w, 2));
    auto [gw, gb] = tj::grad(cost, {w, b});
    auto train = tj::function({x, y}, {p_1 > 0.5, xent},
                              {.updates = {{w, w - 0.1 * gw}, {b, b - 0.1 * gb}}});
    std::vector<double> wr(d.w0.data<double>(), d.w0.data<double>() + kFeats);
    std::vector<double> xent_r(kN), z(kN), grad(kN);
    std::vector<std::uint8_t> pred(kN);
    double br = 0;
    for (auto _ : state)
        for (int i = 0; i < 100; ++i) {
            train(d.x, d.y);
            tj_bench::train_step_ref(d.x.data<double>(), d.y.data<double>(), kN, kFeats,
                                     wr.data(), &br, pred.data(), xent_r.data(), z.data(),
                                     grad.data());
        }
    const tj::Array wj = w.get_value();
    double err = std::abs(b.get_value().item<double>() - br);
    for (std::int64_t i = 0; i < kFeats; ++i)
        err = std::max(err, std::abs(wj.data<double>()[i] - wr[static_cast<std::size_t>(i)]));
    state.counters["max_abs_diff"] = err;
    if (!(err < 1e-9)) state.SkipWithError("the JIT and the hand-written step disagree");
}
BENCHMARK(BM_train_agree)->Iterations(1)->Unit(benchmark::kMillisecond);

} // namespace
