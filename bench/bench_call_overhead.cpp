// The fixed cost of calling a compiled function and of copying one (issue 4, point 7): TUTORIAL
// section 3's `f(33)`, a keyword call of its `g`, section 4's accumulator with its update, and
// section 5's copy() against building the same function again; the calls again profiled
// (FunctionOptions::profile), for the cost of profiling; and the calls with call_into, which
// writes the output into the caller's array and allocates nothing.
//
// Aims: under 150 ns per scalar call; a copy under 10 us.
#include "bench_cache_dir.hpp"

#include <tensorjit/tensorjit.hpp>

#include <benchmark/benchmark.h>

#include <chrono>

using namespace tj::literals;

namespace {

// ---- calls ------------------------------------------------------------------------------------

// x + y with y defaulting to 1: bind one C++ scalar, fill the default, run, return a 0-d output.
void BM_scalar_call(benchmark::State& state) {
    auto [x, y] = tj::dscalars("x", "y");
    auto f = tj::function({x, tj::In(y, 1)}, x + y);
    if (f(33).item<double>() != 34) state.SkipWithError("f(33) != 34");
    for (auto _ : state) {
        tj::Array r = f(33);
        benchmark::DoNotOptimize(r.raw_data());
    }
}
BENCHMARK(BM_scalar_call);

// The same call profiled (FunctionOptions::profile): what timing the call, its parts and the
// kernel's one step costs. Unprofiled calls pay nothing for it (BM_scalar_call).
void BM_scalar_call_profiled(benchmark::State& state) {
    auto [x, y] = tj::dscalars("x", "y");
    auto f = tj::function({x, tj::In(y, 1)}, x + y, {.name = "bench_profiled", .profile = true});
    if (f(33).item<double>() != 34) state.SkipWithError("f(33) != 34");
    for (auto _ : state) {
        tj::Array r = f(33);
        benchmark::DoNotOptimize(r.raw_data());
    }
    // This run's function is the last one profiled under its name (each run builds one).
    unsigned long long calls = 0;
    for (const auto& p : tj::profile_stats())
        if (p.name == "bench_profiled") calls = p.calls;
    if (calls != static_cast<unsigned long long>(state.iterations()) + 1)
        state.SkipWithError("the profile missed calls");
}
BENCHMARK(BM_scalar_call_profiled);

// The same call with both arguments given positionally (no default to fill).
void BM_scalar_call_two_args(benchmark::State& state) {
    auto [x, y] = tj::dscalars("x", "y");
    auto f = tj::function({x, tj::In(y, 1)}, x + y);
    for (auto _ : state) {
        tj::Array r = f(33, 2);
        benchmark::DoNotOptimize(r.raw_data());
    }
}
BENCHMARK(BM_scalar_call_two_args);

// A keyword argument matched by the In's name; y keeps its default.
void BM_keyword_call(benchmark::State& state) {
    auto [x, y, w] = tj::dscalars("x", "y", "w");
    auto g = tj::function({x, tj::In(y, 1), tj::In(w, 2, "w_by_name")}, (x + y) * w);
    if (g(33, "w_by_name"_a = 1).item<double>() != 34) state.SkipWithError("g(33, w=1) != 34");
    for (auto _ : state) {
        tj::Array r = g(33, "w_by_name"_a = 1);
        benchmark::DoNotOptimize(r.raw_data());
    }
}
BENCHMARK(BM_keyword_call);

// Returns the old state and applies state + inc: an output plus an update, whose buffer is
// swapped with the shared value and reused on the next call.
void BM_accumulator_call(benchmark::State& state) {
    auto st = tj::shared(0);
    auto inc = tj::iscalar("inc");
    auto accumulator = tj::function({inc}, st, {.updates = {{st, st + inc}}});
    for (auto _ : state) {
        tj::Array r = accumulator(1);
        benchmark::DoNotOptimize(r.raw_data());
    }
    if (st.get_value().item<long long>() != static_cast<long long>(state.iterations()))
        state.SkipWithError("the accumulator lost updates");
}
BENCHMARK(BM_accumulator_call);

// The accumulator profiled: its call is serialized by its update, and times the update too.
void BM_accumulator_call_profiled(benchmark::State& state) {
    auto st = tj::shared(0);
    auto inc = tj::iscalar("inc");
    auto accumulator = tj::function({inc}, st, {.updates = {{st, st + inc}}, .profile = true});
    for (auto _ : state) {
        tj::Array r = accumulator(1);
        benchmark::DoNotOptimize(r.raw_data());
    }
    if (st.get_value().item<long long>() != static_cast<long long>(state.iterations()))
        state.SkipWithError("the accumulator lost updates");
}
BENCHMARK(BM_accumulator_call_profiled);

// ---- call_into: the same calls writing into the caller's array (issue 12, item 3) --------------

// f(33) with its output written into a 0-d array the caller keeps: no allocation at all.
void BM_scalar_call_into(benchmark::State& state) {
    auto [x, y] = tj::dscalars("x", "y");
    auto f = tj::function({x, tj::In(y, 1)}, x + y);
    tj::Array out = tj::Array::empty(tj::DType::Float64, {});
    f.call_into(out, 33);
    if (out.item<double>() != 34) state.SkipWithError("f(33) != 34");
    for (auto _ : state) {
        f.call_into(out, 33);
        benchmark::DoNotOptimize(out.raw_data());
    }
}
BENCHMARK(BM_scalar_call_into);

void BM_accumulator_call_into(benchmark::State& state) {
    auto st = tj::shared(0);
    auto inc = tj::iscalar("inc");
    auto accumulator = tj::function({inc}, st, {.updates = {{st, st + inc}}});
    tj::Array out = tj::Array::empty(tj::DType::Int64, {});
    for (auto _ : state) {
        accumulator.call_into(out, 1);
        benchmark::DoNotOptimize(out.raw_data());
    }
    if (st.get_value().item<long long>() != static_cast<long long>(state.iterations()))
        state.SkipWithError("the accumulator lost updates");
}
BENCHMARK(BM_accumulator_call_into);

// exp(v) * 2 over 1000 float64 values, returned (an 8 KB output array per call) or written into
// the caller's array.
void BM_vector_call(benchmark::State& state) {
    auto v = tj::dvector("v");
    auto f = tj::function({v}, tj::exp(v) * 2);
    const tj::Array arg = tj::Array::zeros(tj::DType::Float64, {1000});
    for (auto _ : state) {
        tj::Array r = f(arg);
        benchmark::DoNotOptimize(r.raw_data());
    }
}
BENCHMARK(BM_vector_call);

void BM_vector_call_into(benchmark::State& state) {
    auto v = tj::dvector("v");
    auto f = tj::function({v}, tj::exp(v) * 2);
    const tj::Array arg = tj::Array::zeros(tj::DType::Float64, {1000});
    tj::Array out = tj::Array::empty(tj::DType::Float64, {1000});
    for (auto _ : state) {
        f.call_into(out, arg);
        benchmark::DoNotOptimize(out.raw_data());
    }
}
BENCHMARK(BM_vector_call_into);

// For scale: what creating (and dropping) the one 0-d output array of a call costs by itself.
void BM_baseline_output_array(benchmark::State& state) {
    for (auto _ : state) {
        auto a = tj::Array::empty(tj::DType::Float64, {});
        benchmark::DoNotOptimize(a.raw_data());
    }
}
BENCHMARK(BM_baseline_output_array);

// ---- copies against builds --------------------------------------------------------------------

struct Accumulator {
    tj::SharedVar st = tj::shared(0);
    tj::Var inc = tj::iscalar("inc");
    tj::Var update = st + inc;
    tj::Function build() const { return tj::function({inc}, st, {.updates = {{st, update}}}); }
};

// copy() shares the kernel; it copies the input specs and sets up a new frame. The copy's
// destruction is included (it is part of what a short-lived copy costs).
void BM_copy(benchmark::State& state) {
    Accumulator a;
    auto accumulator = a.build();
    const auto before = tj::compile_stats();
    for (auto _ : state) {
        auto c = accumulator.copy();
        benchmark::DoNotOptimize(c);
    }
    if (tj::compile_stats().clang_compiles != before.clang_compiles)
        state.SkipWithError("copy() compiled");
}
BENCHMARK(BM_copy);

// copy() with a swapped shared variable (TUTORIAL section 5).
void BM_copy_swap(benchmark::State& state) {
    Accumulator a;
    auto accumulator = a.build();
    auto new_state = tj::shared(0);
    for (auto _ : state) {
        auto c = accumulator.copy({.swap = {{a.st, new_state}}});
        benchmark::DoNotOptimize(c);
    }
}
BENCHMARK(BM_copy_swap);

// Building the same accumulator again while one is alive: a memory-cache hit (function graph,
// key hash, bind) -- what copy() saves at best.
void BM_build_warm_memory(benchmark::State& state) {
    Accumulator a;
    auto keep = a.build();
    const auto before = tj::compile_stats();
    for (auto _ : state) {
        auto f = a.build();
        benchmark::DoNotOptimize(f);
    }
    if (tj::compile_stats().memory_hits - before.memory_hits != state.iterations())
        state.SkipWithError("builds missed the memory cache");
}
BENCHMARK(BM_build_warm_memory)->Unit(benchmark::kMicrosecond);

// Building it again with no live copy: the kernel is loaded from the disk cache (no Clang). Only
// the build is timed; dropping the function (which unloads the kernel) is not.
void BM_build_warm_disk(benchmark::State& state) {
    Accumulator a;
    { auto first = a.build(); }
    const auto before = tj::compile_stats();
    for (auto _ : state) {
        auto t = std::chrono::steady_clock::now();
        auto f = a.build();
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
    }
    const auto after = tj::compile_stats();
    if (after.disk_hits - before.disk_hits != state.iterations() ||
        after.clang_compiles != before.clang_compiles)
        state.SkipWithError("builds did not all load from disk");
}
BENCHMARK(BM_build_warm_disk)->UseManualTime()->Unit(benchmark::kMicrosecond);

} // namespace
