// The codegen phases' decisions, read from the schedule (fused loops, steps, slots) that
// schedule_graph returns for a function's graph: fusion counts, in-place updates, buffer reuse;
// and the values of the same functions compiled, against hand computation.
#include "compiler/codegen/pipeline.hpp"
#include "compiler/function/function_impl.hpp"

#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include "support/test_util.hpp"
#include "support/tutorial_model.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <unordered_map>

namespace {

using tensorjit::codegen::Schedule;
using tensorjit::codegen::SlotPlan;
using tj::Array;
using tj::Var;

Schedule schedule_of(const std::vector<tj::In>& inputs, const std::vector<Var>& outputs,
                     const tj::FunctionOptions& options = {}) {
    // The counts are facts about the rewritten graph, also when TJ_REWRITES=off sets the default.
    tj::FunctionOptions pinned = options;
    if (!pinned.rewrites) pinned.rewrites = true;
    return tensorjit::codegen::schedule_graph(
        tensorjit::detail::function_graph(inputs, outputs, pinned));
}

// Loop nests: fused loops of rank > 0 (a rank-0 loop is straight-line code).
int loop_nests(const Schedule& s) {
    return static_cast<int>(std::count_if(s.loops.begin(), s.loops.end(), [](const auto& l) {
        return l.members.back()->type.ndim() > 0;
    }));
}

int steps_of(const Schedule& s, tensorjit::OpKind kind) {
    return static_cast<int>(std::count_if(s.steps.begin(), s.steps.end(), [&](const auto& st) {
        return st.loop < 0 && st.node->op == kind;
    }));
}

int temp_slots(const Schedule& s) {
    return static_cast<int>(
        std::count_if(s.plan.slots.begin(), s.plan.slots.end(),
                      [](const auto& sp) { return sp.kind == SlotPlan::Kind::Temp; }));
}

Array vec(std::initializer_list<double> v) { return Array(std::vector<double>(v)); }

} // namespace

TEST_CASE("fusion: section 2's three outputs are one loop", "[codegen][fusion]") {
    auto a = tj::dmatrix("a");
    auto b = tj::dmatrix("b");
    auto diff = a - b;
    auto abs_diff = tj::abs(diff);
    auto diff_squared = diff * diff;
    const Schedule s = schedule_of({a, b}, {diff, abs_diff, diff_squared});
    REQUIRE(s.loops.size() == 1);
    CHECK(s.loops[0].outputs.size() == 3);
    CHECK(temp_slots(s) == 0);

    auto f = tj::function({a, b}, {diff, abs_diff, diff_squared});
    Array x = Array({1.0, 2.0, 3.0, 4.0}).reshape({2, 2});
    Array y = Array({0.5, 4.0, 1.0, 5.0}).reshape({2, 2});
    auto r = f(x, y);
    CHECK(r[0].equals(Array({0.5, -2.0, 2.0, -1.0}).reshape({2, 2})));
    CHECK(r[1].equals(Array({0.5, 2.0, 2.0, 1.0}).reshape({2, 2})));
    CHECK(r[2].equals(Array({0.25, 4.0, 4.0, 1.0}).reshape({2, 2})));
}

TEST_CASE("fusion: the tutorial's train kernel is two loop nests and two gemv calls",
          "[codegen][fusion]") {
    auto m = tj_test::logistic_model(Array::zeros(tj::DType::Float64, {5}));
    const Schedule s = schedule_of({m.x, m.y}, {m.prediction, m.xent},
                                   {.updates = {{m.w, m.w - 0.1 * m.gw}, {m.b, m.b - 0.1 * m.gb}}});
    INFO(tensorjit::codegen::schedule_text(s));
    CHECK(loop_nests(s) <= 2);
    CHECK(steps_of(s, tensorjit::OpKind::Dot) == 2);
    // N-sized temporaries: stored values of the loop that computes the prediction, and its
    // array operands that the kernel computes.
    const tensorjit::Node* pred = s.graph.outputs[0].get();
    const auto& n_loop = s.loops.at(static_cast<std::size_t>(s.loop_of.at(pred)));
    std::vector<int> n_temps;
    auto note = [&](const tensorjit::Node* n) {
        auto it = s.slot.find(n);
        if (it != s.slot.end() &&
            s.plan.slots[static_cast<std::size_t>(it->second)].kind == SlotPlan::Kind::Temp &&
            n->type.ndim() == 1 &&
            std::find(n_temps.begin(), n_temps.end(), it->second) == n_temps.end())
            n_temps.push_back(it->second);
    };
    for (const auto* o : n_loop.outputs) note(o);
    for (const auto* o : n_loop.operands) note(o);
    CHECK(n_temps.size() <= 2);
    // Both updates write in place.
    CHECK(s.in_place.size() == 2);
}

TEST_CASE("fusion: 50 outputs of one input share their loops", "[codegen][fusion]") {
    auto x = tj::dvector("x");
    std::vector<Var> outs;
    for (int k = 0; k < 50; ++k) outs.push_back(tj::sin(x) + static_cast<double>(k));
    const Schedule s = schedule_of({x}, outs);
    CHECK(s.loops.size() <= 2); // a loop stores at most 32 arrays
    int sines = 0;
    for (const auto* n : s.order) sines += n->op == tensorjit::OpKind::Sin;
    CHECK(sines == 1);

    auto f = tj::function({x}, outs);
    auto r = f(vec({0.0, 1.0}));
    REQUIRE(r.size() == 50);
    for (int k = 0; k < 50; ++k) {
        CHECK(r[k].flat(0) == static_cast<double>(k));
        CHECK(r[k].flat(1) == std::sin(1.0) + k);
    }
}

TEST_CASE("fusion: a value with several consumers stays in their loop and is stored once for a "
          "gemv",
          "[codegen][fusion]") {
    auto x = tj::dvector("x");
    auto m = tj::dmatrix("m");
    auto e = tj::exp(x);
    auto outs = std::vector<Var>{e * 2, e + 1, tj::dot(m, e)};
    const Schedule s = schedule_of({x, m}, outs);
    REQUIRE(s.loops.size() == 1);
    CHECK(s.loops[0].members.size() == 3);
    CHECK(s.loops[0].outputs.size() == 3); // e*2, e+1, and e for the gemv
    CHECK(s.steps.back().loop < 0);        // the gemv runs after the loop

    auto f = tj::function({x, m}, outs);
    auto r = f(vec({0.0, 1.0}), Array({1.0, 2.0, 3.0, 4.0}).reshape({2, 2}));
    CHECK(r[0].equals(vec({2.0, 2 * std::exp(1.0)})));
    CHECK(r[1].equals(vec({2.0, std::exp(1.0) + 1})));
    CHECK(tj_test::all_close(r[2], vec({1 + 2 * std::exp(1.0), 3 + 4 * std::exp(1.0)})));
}

TEST_CASE("fusion: loops on both sides of a gemv stay apart and run in order",
          "[codegen][fusion]") {
    auto x = tj::dvector("x");
    auto m = tj::dmatrix("m");
    auto e = tj::exp(x);
    auto z = tj::dot(m, e);
    // z + e reads a value of the first loop after the gemv; e * 3 is a sibling before it.
    auto outs = std::vector<Var>{z + e, e * 3};
    const Schedule s = schedule_of({x, m}, outs);
    REQUIRE(s.loops.size() == 2);
    CHECK(s.steps.size() == 3);
    CHECK(s.steps[0].loop >= 0);
    CHECK(s.steps[1].loop < 0);
    CHECK(s.steps[2].loop >= 0);

    auto f = tj::function({x, m}, outs);
    auto r = f(vec({0.0, 1.0}), Array({1.0, 2.0, 3.0, 4.0}).reshape({2, 2}));
    const double e1 = std::exp(1.0);
    CHECK(tj_test::all_close(r[0], vec({1 + 2 * e1 + 1, 3 + 4 * e1 + e1})));
    CHECK(tj_test::all_close(r[1], vec({3.0, 3 * e1})));
}

TEST_CASE("fusion: a broadcast value gets its own loop instead of being recomputed per element",
          "[codegen][fusion]") {
    auto x = tj::dmatrix("x");
    auto r = tj::tensor("r", tj::DType::Float64, {1, tj::dyn});
    auto er = tj::exp(r); // (1, ?): computed once per column
    auto out = x * er;
    const Schedule s = schedule_of({x, r}, {out});
    CHECK(s.loops.size() == 2);

    auto f = tj::function({x, r}, out);
    auto v = f(Array({1.0, 2.0, 3.0, 4.0}).reshape({2, 2}), Array({0.0, 1.0}).reshape({1, 2}));
    const double e1 = std::exp(1.0);
    CHECK(tj_test::all_close(v, Array({1.0, 2 * e1, 3.0, 4 * e1}).reshape({2, 2})));
}

TEST_CASE("storage_plan: temporaries whose lives do not overlap share a buffer",
          "[codegen][storage]") {
    auto a = tj::tensor("a", tj::DType::Float64, {3, 3});
    auto x = tj::tensor("x", tj::DType::Float64, {3});
    // dot, loop, dot, loop, dot: each value dies once the next step has read it.
    auto y = tj::dot(a, tj::tanh(tj::dot(a, tj::tanh(tj::dot(a, x)))));
    const Schedule s = schedule_of({a, x}, {y});
    INFO(tensorjit::codegen::schedule_text(s));
    CHECK(s.loops.size() == 2);
    CHECK(temp_slots(s) == 2);

    auto f = tj::function({a, x}, y);
    Array av = Array({0.1, 0.2, 0.3, -0.4, 0.5, 0.6, 0.7, -0.8, 0.9}).reshape({3, 3});
    Array xv = vec({1.0, -2.0, 0.5});
    auto step = [&](const std::vector<double>& v) {
        std::vector<double> r(3, 0.0);
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) r[i] += av.flat(i * 3 + j) * v[j];
        return r;
    };
    auto t = [](std::vector<double> v) {
        for (auto& e : v) e = std::tanh(e);
        return v;
    };
    auto want = step(t(step(t(step({1.0, -2.0, 0.5})))));
    for (int k = 0; k < 2; ++k) { // twice: the reused buffers hold the right values each call
        auto got = f(av, xv);
        for (int i = 0; i < 3; ++i) CHECK(got.flat(i) == Approx(want[i]).epsilon(1e-12));
    }
}

TEST_CASE("inplace: an update overwrites its variable after every other reader ran",
          "[codegen][inplace]") {
    auto w = tj::shared(vec({1.0, 2.0, 3.0}), "w");
    auto m = tj::dmatrix("m");
    // The gemv reads the old w; the new w's loop runs after it, in place.
    auto out = tj::dot(m, w);
    const Schedule s = schedule_of({m}, {out}, {.updates = {{w, w * 2}}});
    CHECK(s.in_place.size() == 1);
    CHECK(s.loops.at(0).deferred);
    CHECK(s.steps.back().loop == 0);

    // w * 3 fuses with w * 2 (siblings reading w) and the gemv reads it: that loop cannot run
    // last, so the new w goes to a buffer swapped in after the kernel.
    auto v = tj::shared(vec({0.0, 0.0, 0.0}), "v");
    const Schedule s2 = schedule_of({m}, {out}, {.updates = {{w, w * 2}, {v, tj::dot(m, w * 3)}}});
    INFO(tensorjit::codegen::schedule_text(s2));
    CHECK(s2.in_place.empty());
    auto f = tj::function({m}, out, {.updates = {{w, w * 2}, {v, tj::dot(m, w * 3)}}});
    Array mv = Array({1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0}).reshape({3, 3});
    auto r = f(mv);
    CHECK(r.equals(vec({1.0, 2.0, 3.0})));
    CHECK(w.get_value().equals(vec({2.0, 4.0, 6.0})));
    CHECK(v.get_value().equals(vec({3.0, 6.0, 9.0})));
}

namespace {

// sum or mean of every element of a, in long double, C order.
double total(const Array& a, bool mean) {
    const Array c = a.copy();
    long double acc = 0;
    for (std::int64_t i = 0; i < c.size(); ++i) acc += c.flat(i);
    return static_cast<double>(mean ? acc / c.size() : acc);
}

int reduction_steps(const Schedule& s) {
    return steps_of(s, tensorjit::OpKind::Sum) + steps_of(s, tensorjit::OpKind::Mean);
}

} // namespace

TEST_CASE("fusion: a sum or mean over every axis of a fused value folds into its loop",
          "[codegen][fusion][reduce]") {
    auto a = tj::dmatrix("a");
    auto b = tj::dmatrix("b");
    auto e = tj::exp(a) * b + 1.0;
    const bool keep = GENERATE(false, true);
    const bool mean = GENERATE(false, true);
    auto r = mean ? tj::mean(e, tj::none, keep) : tj::sum(e, tj::none, keep);
    const Schedule s = schedule_of({a, b}, std::vector<Var>{r});
    INFO(tensorjit::codegen::schedule_text(s));
    REQUIRE(s.loops.size() == 1);
    CHECK(s.loops[0].reductions.size() == 1);
    CHECK(s.loops[0].outputs.empty()); // e is never stored
    CHECK(reduction_steps(s) == 0);
    CHECK(temp_slots(s) == 0);

    auto f = tj::function({a, b}, r);
    std::mt19937_64 rng(7);
    // Contiguous, transposed, sliced, broadcast-strided and empty arguments: the flat loop and
    // the loop skeleton's rows both accumulate.
    const Array av = tj_test::random_array(rng, tj::DType::Float64, {37, 23});
    const Array bv = tj_test::random_array(rng, tj::DType::Float64, {23, 37});
    const std::vector<std::pair<Array, Array>> cases = {
        {av, bv.transpose().copy()},
        {av, bv.transpose()},
        {av.slice(0, 1, 37, 3), bv.transpose().slice(0, 0, 36, 3)},
        {av.slice(1, 0, 23, 2), bv.transpose().slice(1, 3, 15)},
        {Array::zeros(tj::DType::Float64, {0, 4}), Array::zeros(tj::DType::Float64, {0, 4})},
    };
    for (const auto& [x, y] : cases) {
        const Array xc = x.copy(), yc = y.copy();
        std::vector<double> ev(static_cast<std::size_t>(xc.size()));
        for (std::int64_t i = 0; i < xc.size(); ++i)
            ev[static_cast<std::size_t>(i)] = std::exp(xc.flat(i)) * yc.flat(i) + 1.0;
        const Array ex = Array(ev).reshape(x.shape());
        const Array got = f(x, y);
        CHECK(got.ndim() == (keep ? 2 : 0));
        const double want = total(ex, mean);
        if (std::isnan(want)) {
            CHECK(std::isnan(got.flat(0)));
        } else {
            CHECK(got.flat(0) == Approx(want).epsilon(1e-12).margin(1e-12));
        }
    }
}

TEST_CASE("fusion: a folded sum's input stays stored when something else reads it; integer "
          "sums accumulate in int64; partial reductions do not fold",
          "[codegen][fusion][reduce]") {
    auto x = tj::dvector("x");
    auto y = tj::sin(x) * 2.0;
    const Schedule s = schedule_of({x}, {y, tj::sum(y)});
    INFO(tensorjit::codegen::schedule_text(s));
    REQUIRE(s.loops.size() == 1);
    CHECK(s.loops[0].outputs.size() == 1);
    CHECK(s.loops[0].reductions.size() == 1);
    auto f = tj::function({x}, {y, tj::sum(y)});
    auto r = f(vec({0.5, 1.0, -2.0}));
    const double want = 2 * (std::sin(0.5) + std::sin(1.0) + std::sin(-2.0));
    CHECK(r[1].flat(0) == Approx(want).epsilon(1e-14));
    CHECK(r[0].flat(2) == Approx(2 * std::sin(-2.0)).epsilon(1e-15));

    // int32 values: sum accumulates in int64 (NumPy), so the values never wrap at 2^31.
    auto iv = tj::tensor("iv", tj::DType::Int32, {tj::dyn});
    auto isum = tj::sum(iv * 2);
    const Schedule si = schedule_of({iv}, {isum});
    INFO(tensorjit::codegen::schedule_text(si));
    CHECK(reduction_steps(si) == 0);
    auto fi = tj::function({iv}, isum);
    std::vector<std::int32_t> big(1000, 2000000000);
    const Array got = fi(Array(big));
    CHECK(got.dtype() == tj::DType::Int64);
    // int32 * 2 wraps per element first (NumPy: int32 arithmetic), then sums in int64.
    const std::int64_t per = static_cast<std::int32_t>(static_cast<std::uint32_t>(4000000000u));
    CHECK(got.flat(0) == static_cast<double>(per * 1000));

    auto m = tj::dmatrix("m");
    const Schedule sp = schedule_of({m}, {tj::sum(tj::exp(m), 0)});
    CHECK(reduction_steps(sp) == 1);
}

TEST_CASE("storage_plan: random schedules get the fewest buffers, and live values never share one",
          "[codegen][storage]") {
    auto a = tj::tensor("a", tj::DType::Float64, {4, 4});
    auto x = tj::tensor("x", tj::DType::Float64, {4});
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 40; ++trial) {
        // A random DAG of gemvs and element-wise loops over earlier values.
        std::vector<Var> values{x};
        const int steps = 3 + static_cast<int>(rng() % 10);
        for (int k = 0; k < steps; ++k) {
            const Var& u = values[rng() % values.size()];
            const Var& v = values[rng() % values.size()];
            values.push_back(rng() % 2 ? tj::dot(a, u) : tj::tanh(u) * v + 1.0);
        }
        const Var out = values.back() + values[values.size() / 2];
        const Schedule s = schedule_of({a, x}, {out});
        INFO(tensorjit::codegen::schedule_text(s));
        // Liveness recomputed from the steps: written at its step, live until its last reader.
        std::unordered_map<const tensorjit::Node*, int> def, last;
        for (std::size_t p = 0; p < s.steps.size(); ++p) {
            const auto& st = s.steps[p];
            std::vector<const tensorjit::Node*> writes, reads;
            if (st.loop >= 0) {
                const auto& l = s.loops[static_cast<std::size_t>(st.loop)];
                writes = l.outputs;
                reads = l.operands;
            } else {
                writes = {st.node};
                for (const auto& in : st.node->inputs) reads.push_back(in.get());
            }
            for (const auto* w : writes) def[w] = static_cast<int>(p);
            for (const auto* r : reads) last[r] = std::max(last[r], static_cast<int>(p));
        }
        std::map<int, std::vector<std::pair<int, int>>> by_slot; // slot -> intervals
        std::vector<std::pair<int, int>> events;                 // (step, +1 start / -1 end)
        for (const auto& [n, slot] : s.slot) {
            if (s.plan.slots[static_cast<std::size_t>(slot)].kind != SlotPlan::Kind::Temp) continue;
            const int b = def.at(n), e = std::max(b, last[n]);
            by_slot[slot].push_back({b, e});
            events.push_back({b, 1});
            events.push_back({e + 1, -1});
        }
        for (auto& [slot, iv] : by_slot) {
            std::sort(iv.begin(), iv.end());
            for (std::size_t i = 1; i < iv.size(); ++i) CHECK(iv[i - 1].second < iv[i].first);
        }
        // All temporaries here have one kind (float64[4]): the fewest buffers is the most values
        // live at once.
        std::sort(events.begin(), events.end());
        int live = 0, most = 0;
        for (const auto& [step, delta] : events) most = std::max(most, live += delta);
        CHECK(temp_slots(s) == most);
    }
}
