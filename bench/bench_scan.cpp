// Issue 13, items 6-7: a 10000-step tj::scan of the recurrence h_t = tanh(W h_{t-1} + x_t) with
// 32 units (W 32x32, x 10000x32, h0 32, float64), the JIT's kernel against the same computation
// written by hand with the same OpenBLAS calls (handwritten/scan_ref.cpp), in the same run:
//   forward_all   the function returns every h (10000x32): 10000 x (dgemv + add + tanh)
//   forward_last  the function returns h_T only (the scan keeps only the last step)
//   grad_all      cost = sum of every h, gradients with respect to W and h0 (tj::grad through the
//                 scan; by hand: the forward, then backpropagation through time, per step
//                 da = dh * (1 - h^2), dW += outer(da, h_{t-1}) with dger, dh = W^T da with dgemv)
//   grad_last     cost = sum(h_T), the same gradients
// One iteration is one call (all 10000 steps). Each JIT benchmark first checks its values against
// the hand-written ones. Both sides return fresh arrays per call (tj::Array::empty by hand, as
// the JIT's outputs), so allocation is on both sides.
//
// Aim: the JIT within 1.2x of hand-written. Compare with --benchmark_repetitions=5
// --benchmark_enable_random_interleaving=true on a shared machine.
//
// Measured (CPU-time medians of 10 interleaved repetitions, quiet 2-core VM): forward 1.91 /
// 1.90 ms against 1.80 / 1.81 ms by hand (1.06x / 1.05x), gradients 6.04 / 5.92 ms against
// 5.51 / 5.48 ms (1.10x / 1.08x). What it took:
// - forward: the body's buffers are reused from step to step without a host call (two
//   tj_rt_alloc calls per step cost 12%: the ratio was 1.2x), and each new h is computed straight
//   into its row. About 10 ns per step of loop glue remains (pointing the placeholders at the
//   rows, shape checks). Both sides call cblas_dgemv; tanh goes through libmvec on both.
// - gradient (first 13.5 / 12.9 ms, 2.3x): the reverse step recomputed dot(W, h_{t-1}) + x_t and
//   its tanh instead of reading the stored h_t; dW's outer product was a gemm with k = 1 of two
//   expand_dims, an add and a copy of 32x32 values per step (now outer, one loop, and the add
//   writes into the carry's row); the reverse scan computed the gradient of x nobody asked for.
//   Left: the upstream gradient of sum(h) is a 10000x32 array of ones, and h0 and the states are
//   joined by a concatenate (two 2.5 MB arrays per call).
//
// PyTensor: not measured here (PyTensor is not installed on this machine, and there is no pip).
// We found no published PyTensor figure for this scan. PyTensor's own scan benchmarks
// (pymc-devs/pytensor pull requests 1281 and 1632) time other loops on other machines, and
// comparing with them would mean nothing.
#include "bench_cache_dir.hpp"
#include "handwritten/scan_ref.hpp"

#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace {

constexpr std::int64_t kSteps = 10000;
constexpr std::int64_t kUnits = 32;

struct Data {
    tj::Array W, x, h0;
};

// W scaled to a spectral radius below 1, so that the states neither vanish nor saturate.
const Data& data() {
    static const Data d = [] {
        tj::Generator rng(1313);
        Data out;
        out.W = tj::Array::empty(tj::DType::Float64, {kUnits, kUnits});
        const tj::Array w = rng.standard_normal({kUnits, kUnits});
        const double scale = 0.9 / std::sqrt(static_cast<double>(kUnits));
        for (std::int64_t i = 0; i < w.size(); ++i)
            out.W.data<double>()[i] = scale * w.data<double>()[i];
        out.x = rng.standard_normal({kSteps, kUnits});
        out.h0 = rng.standard_normal({kUnits});
        return out;
    }();
    return d;
}

// ---- the graphs ---------------------------------------------------------------------------------

struct Graph {
    tj::Var W = tj::dmatrix("W");
    tj::Var x = tj::dmatrix("x");
    tj::Var h0 = tj::dvector("h0");
    tj::ScanResult r;
    Graph() {
        r = tj::scan(
            [](tj::Var x_t, tj::Var h, tj::Var w) { return tj::tanh(tj::dot(w, h) + x_t); },
            {.sequences = {x}, .outputs_info = {h0}, .non_sequences = {W}, .name = "rnn"});
    }
    tj::Var all() const { return r.output(); }
    tj::Var last() const { return r.output()(-1); }
};

// ---- agreement --------------------------------------------------------------------------------

// The largest difference relative to the reference's magnitude (tanh may differ in the last bits
// between the kernel and the hand-written loop built with -ffast-math).
double max_rel_diff(const tj::Array& jit, const double* ref, std::int64_t n) {
    double scale = 1e-300, diff = 0;
    const tj::Array c = jit.copy(); // C-contiguous
    for (std::int64_t i = 0; i < n; ++i) {
        scale = std::max(scale, std::abs(ref[i]));
        diff = std::max(diff, std::abs(c.data<double>()[i] - ref[i]));
    }
    return diff / scale;
}

bool check(benchmark::State& state, const char* what, double rel) {
    state.counters[std::string("max_rel_diff_") + what] = rel;
    if (rel < 1e-9) return true;
    state.SkipWithError(
        (std::string("the JIT and the hand-written code disagree on ") + what).c_str());
    return false;
}

// The hand-written forward, every state.
std::vector<double> reference_states() {
    const Data& d = data();
    std::vector<double> H(static_cast<std::size_t>(kSteps * kUnits));
    tj_bench::rnn_forward_ref(d.W.data<double>(), d.x.data<double>(), d.h0.data<double>(), kSteps,
                              kUnits, H.data());
    return H;
}

struct RefGrads {
    std::vector<double> dW, dh0;
};

RefGrads reference_grads(bool all_steps) {
    const Data& d = data();
    const std::vector<double> H = reference_states();
    RefGrads g{std::vector<double>(kUnits * kUnits), std::vector<double>(kUnits)};
    std::vector<double> dh(kUnits), da(kUnits);
    tj_bench::rnn_backward_ref(d.W.data<double>(), d.h0.data<double>(), H.data(), kSteps, kUnits,
                               all_steps, g.dW.data(), g.dh0.data(), dh.data(), da.data());
    return g;
}

void set_items(benchmark::State& state) {
    state.SetItemsProcessed(state.iterations() * kSteps); // items/s = scan steps per second
}

// ---- forward ------------------------------------------------------------------------------------

void BM_forward_all_jit(benchmark::State& state) {
    const Data& d = data();
    Graph g;
    auto f = tj::function({g.W, g.x, g.h0}, g.all(), {.name = "rnn_forward_all"});
    const std::vector<double> ref = reference_states();
    if (!check(state, "H", max_rel_diff(f(d.W, d.x, d.h0), ref.data(), kSteps * kUnits))) return;
    for (auto _ : state) {
        tj::Array H = f(d.W, d.x, d.h0);
        benchmark::DoNotOptimize(H.raw_data());
    }
    set_items(state);
}
BENCHMARK(BM_forward_all_jit)->Unit(benchmark::kMillisecond);

void BM_forward_all_handwritten(benchmark::State& state) {
    const Data& d = data();
    for (auto _ : state) {
        auto H = tj::Array::empty(tj::DType::Float64, {kSteps, kUnits});
        tj_bench::rnn_forward_ref(d.W.data<double>(), d.x.data<double>(), d.h0.data<double>(),
                                  kSteps, kUnits, H.data<double>());
        benchmark::DoNotOptimize(H.raw_data());
        benchmark::ClobberMemory();
    }
    set_items(state);
}
BENCHMARK(BM_forward_all_handwritten)->Unit(benchmark::kMillisecond);

void BM_forward_last_jit(benchmark::State& state) {
    const Data& d = data();
    Graph g;
    auto f = tj::function({g.W, g.x, g.h0}, g.last(), {.name = "rnn_forward_last"});
    const std::vector<double> ref = reference_states();
    if (!check(state, "h_T",
               max_rel_diff(f(d.W, d.x, d.h0), ref.data() + (kSteps - 1) * kUnits, kUnits)))
        return;
    for (auto _ : state) {
        tj::Array h = f(d.W, d.x, d.h0);
        benchmark::DoNotOptimize(h.raw_data());
    }
    set_items(state);
}
BENCHMARK(BM_forward_last_jit)->Unit(benchmark::kMillisecond);

void BM_forward_last_handwritten(benchmark::State& state) {
    const Data& d = data();
    std::vector<double> scratch(kUnits);
    for (auto _ : state) {
        auto h = tj::Array::empty(tj::DType::Float64, {kUnits});
        tj_bench::rnn_forward_last_ref(d.W.data<double>(), d.x.data<double>(), d.h0.data<double>(),
                                       kSteps, kUnits, h.data<double>(), scratch.data());
        benchmark::DoNotOptimize(h.raw_data());
        benchmark::ClobberMemory();
    }
    set_items(state);
}
BENCHMARK(BM_forward_last_handwritten)->Unit(benchmark::kMillisecond);

// ---- gradients ----------------------------------------------------------------------------------

// The gradient function of W and h0, or the reason it cannot be built (grad through scan not
// available): the benchmark is then skipped with that reason.
std::optional<tj::MultiFunction> grad_function(const Graph& g, bool all_steps, std::string& why) {
    try {
        const tj::Var cost = all_steps ? tj::sum(g.all()) : tj::sum(g.last());
        auto [gW, gh0] = tj::grad(cost, {g.W, g.h0});
        return tj::function({g.W, g.x, g.h0}, {gW, gh0},
                            {.name = all_steps ? "rnn_grad_all" : "rnn_grad_last"});
    } catch (const std::exception& e) {
        why = std::string("grad through scan failed: ") + e.what();
        return std::nullopt;
    }
}

void grad_jit(benchmark::State& state, bool all_steps) {
    const Data& d = data();
    Graph g;
    std::string why;
    auto f = grad_function(g, all_steps, why);
    if (!f) {
        state.SkipWithError(why.c_str());
        return;
    }
    const RefGrads ref = reference_grads(all_steps);
    const std::vector<tj::Array> got = (*f)(d.W, d.x, d.h0);
    if (!check(state, "dW", max_rel_diff(got[0], ref.dW.data(), kUnits * kUnits)) ||
        !check(state, "dh0", max_rel_diff(got[1], ref.dh0.data(), kUnits)))
        return;
    for (auto _ : state) {
        std::vector<tj::Array> out = (*f)(d.W, d.x, d.h0);
        benchmark::DoNotOptimize(out.data());
    }
    set_items(state);
}

// By hand: the forward into a fresh H (the states the backward pass reads), then BPTT.
void grad_handwritten(benchmark::State& state, bool all_steps) {
    const Data& d = data();
    std::vector<double> dh(kUnits), da(kUnits);
    for (auto _ : state) {
        auto H = tj::Array::empty(tj::DType::Float64, {kSteps, kUnits});
        auto dW = tj::Array::empty(tj::DType::Float64, {kUnits, kUnits});
        auto dh0 = tj::Array::empty(tj::DType::Float64, {kUnits});
        tj_bench::rnn_forward_ref(d.W.data<double>(), d.x.data<double>(), d.h0.data<double>(),
                                  kSteps, kUnits, H.data<double>());
        tj_bench::rnn_backward_ref(d.W.data<double>(), d.h0.data<double>(), H.data<double>(),
                                   kSteps, kUnits, all_steps, dW.data<double>(), dh0.data<double>(),
                                   dh.data(), da.data());
        benchmark::DoNotOptimize(dW.raw_data());
        benchmark::DoNotOptimize(dh0.raw_data());
        benchmark::ClobberMemory();
    }
    set_items(state);
}

void BM_grad_all_jit(benchmark::State& state) { grad_jit(state, true); }
BENCHMARK(BM_grad_all_jit)->Unit(benchmark::kMillisecond);
void BM_grad_all_handwritten(benchmark::State& state) { grad_handwritten(state, true); }
BENCHMARK(BM_grad_all_handwritten)->Unit(benchmark::kMillisecond);
void BM_grad_last_jit(benchmark::State& state) { grad_jit(state, false); }
BENCHMARK(BM_grad_last_jit)->Unit(benchmark::kMillisecond);
void BM_grad_last_handwritten(benchmark::State& state) { grad_handwritten(state, false); }
BENCHMARK(BM_grad_last_handwritten)->Unit(benchmark::kMillisecond);

} // namespace
