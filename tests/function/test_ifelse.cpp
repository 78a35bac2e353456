// Lazy ifelse (tensorjit/control.hpp): the chosen branch's values for both conditions (against
// the reference evaluation of that branch alone), several outputs, nesting, updates of shared
// variables (one written in place), the untaken branch's errors and work never happening
// (profile counts), types and errors at build time, gradients (finite differences, zeros for the
// untaken branch), the rewrites, work both branches need computed once before the choice, graph
// files and dprint; and random nested graphs compiled against the reference with the schedule's
// guard invariants checked. Everything runs with the rewrites on and off (TJ_REWRITES=off runs
// the suite again); checks of what the rewrites do pin them on.
#include "compiler/codegen/pipeline.hpp"
#include "compiler/function/function_impl.hpp"
#include "compiler/ops/op_def.hpp"

#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include "support/test_util.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using tensorjit::Node;
using tensorjit::OpKind;
using tensorjit::codegen::Schedule;
using tj::Array;
using tj::DType;
using tj::Var;
using tj_test::all_close;
using tj_test::expect_error;

Array vec(std::initializer_list<double> v) { return Array(std::vector<double>(v)); }

Array scalar_of(double v, DType dtype) { return Array(v).astype(dtype); }

// The schedule of the function these arguments would build, with the rewrites on or off.
Schedule schedule_of(const std::vector<tj::In>& inputs, const std::vector<Var>& outputs,
                     bool rewrites, tj::FunctionOptions options = {}) {
    options.rewrites = rewrites;
    return tensorjit::codegen::schedule_graph(
        tensorjit::detail::function_graph(inputs, outputs, options));
}

// The graph after the rewrites (pinned on).
tensorjit::FunctionGraph rewritten(const std::vector<tj::In>& inputs,
                                   const std::vector<Var>& outputs) {
    return tensorjit::codegen::rewrite_graph(
        tensorjit::detail::function_graph(inputs, outputs, {.rewrites = true}));
}

int count_op(const tensorjit::FunctionGraph& g, OpKind kind) {
    const auto roots = g.roots();
    const auto order = tensorjit::topo_order(roots);
    return static_cast<int>(
        std::count_if(order.begin(), order.end(), [&](const Node* n) { return n->op == kind; }));
}

std::vector<const Node*> nodes_of(const Schedule& s, OpKind kind) {
    std::vector<const Node*> out;
    for (const Node* n : s.order)
        if (n->op == kind) out.push_back(n);
    return out;
}

std::optional<tj::ProfileStats> stats_of(const tj::FunctionBase& f) {
    std::optional<tj::ProfileStats> found;
    for (auto& p : tj::profile_stats())
        if (p.cache_key == f.cache_key() && p.name == f.name()) found = std::move(p);
    return found;
}

// What the guards promise (compiler/codegen/schedule.cpp): an input runs whenever its user does
// (its guard is contained in the user's, plus the branch's literal for an ifelse), a loop's nodes
// share one guard, and a step comes after the steps computing the conditions it tests.
void check_guards(const Schedule& s) {
    auto contains = [](const tensorjit::codegen::Guard& big,
                       const tensorjit::codegen::Guard& small) {
        return std::all_of(small.begin(), small.end(), [&](const auto& lit) {
            return std::find(big.begin(), big.end(), lit) != big.end();
        });
    };
    for (const Node* n : s.order) {
        if (n->is_leaf()) continue;
        for (std::size_t k = 0; k < n->inputs.size(); ++k) {
            const Node* in = n->inputs[k].get();
            if (in->is_leaf()) continue;
            auto allowed = s.guard_of(n);
            if (n->op == OpKind::IfElse && k > 0) allowed.push_back({n->inputs[0].get(), k == 1});
            INFO("input " << k << " of " << tensorjit::describe(*n));
            CHECK(contains(allowed, s.guard_of(in)));
        }
    }
    std::unordered_map<const Node*, std::size_t> step_of;
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
        const auto& st = s.steps[i];
        if (st.loop < 0) {
            step_of[st.node] = i;
            continue;
        }
        const auto& l = s.loops[static_cast<std::size_t>(st.loop)];
        for (const Node* m : l.members) {
            step_of[m] = i;
            CHECK(s.guard_of(m) == s.guard_of(st));
        }
        for (const Node* r : l.reductions) {
            step_of[r] = i;
            CHECK(s.guard_of(r) == s.guard_of(st));
        }
        if (l.deferred) CHECK(s.guard_of(st).empty());
    }
    for (std::size_t i = 0; i < s.steps.size(); ++i)
        for (const auto& [c, polarity] : s.guard_of(s.steps[i])) {
            auto it = step_of.find(c);
            if (it != step_of.end()) CHECK(it->second < i);
        }
}

} // namespace

TEST_CASE("ifelse: the chosen branch's values, for conditions of any dtype", "[function][ifelse]") {
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    const Var then_v = tj::exp(x) * 2 + y;
    const Var else_v = tj::sum(y) - x * y;
    const Array a = vec({0.5, -1.0, 2.0}), b = vec({1.5, 0.25, -3.0});
    const Array want_then = tj::eval(then_v, {{x, a}, {y, b}});
    const Array want_else = tj::eval(else_v, {{x, a}, {y, b}});
    REQUIRE_FALSE(all_close(want_then, want_else));
    for (DType cd : {DType::Bool, DType::Float64, DType::Int32, DType::Float32}) {
        INFO("condition dtype " << tj::dtype_name(cd));
        auto c = tj::scalar("c", cd);
        auto f = tj::function({c, x, y}, tj::ifelse(c, then_v, else_v));
        const std::vector<double> conds =
            cd == DType::Bool ? std::vector<double>{1, 0} : std::vector<double>{1, 0, -2.5, 7};
        for (double cv : conds) {
            INFO("condition " << cv);
            const Array cond = scalar_of(cd == DType::Int32 ? std::trunc(cv) : cv, cd);
            CHECK(all_close(f(cond, a, b), cv != 0 ? want_then : want_else));
        }
    }
    // A condition computed in the kernel.
    auto g = tj::function({x, y}, tj::ifelse(tj::sum(x) > 0, then_v, else_v));
    CHECK(all_close(g(a, b), want_then));
    const Array neg = vec({-0.5, -1.0, 0.25});
    CHECK(all_close(g(neg, b), tj::eval(else_v, {{x, neg}, {y, b}})));
}

TEST_CASE("ifelse: types keep the extents both branches agree on", "[function][ifelse]") {
    auto c = tj::scalar("c", DType::Bool);
    auto p = tj::tensor("p", DType::Float64, {3, 2});
    auto q = tj::tensor("q", DType::Float64, {3, tj::dyn});
    auto r = tj::tensor("r", DType::Float64, {1, 2});
    CHECK(tj::ifelse(c, p, p * 2).type() == tensorjit::TensorType{DType::Float64, {3, 2}});
    CHECK(tj::ifelse(c, p, q).type() == tensorjit::TensorType{DType::Float64, {3, tj::dyn}});
    CHECK(tj::ifelse(c, r, p).type() == tensorjit::TensorType{DType::Float64, {tj::dyn, 2}});
    // A C++ scalar branch is weak: it takes the other branch's dtype.
    auto s32 = tj::fscalar("s32");
    CHECK(tj::ifelse(c, s32, 0.5).dtype() == DType::Float32);
    CHECK(tj::ifelse(c, 2, tj::iscalar("i")).dtype() == DType::Int32);
    CHECK(tj::ifelse(c, 1, 2.5).dtype() == DType::Float64);
    auto f = tj::function({c, s32}, tj::ifelse(c, s32, 0.5));
    CHECK(f(true, 3.0f).equals(Array(3.0f)));
    CHECK(f(false, 3.0f).equals(Array(0.5f)));

    // Constant branches of two shapes: the condition known or not, the value has its branch's.
    auto x = tj::dvector("x");
    const Var a3 = tj::constant(vec({1, 2, 3})), a4 = tj::constant(vec({1, 2, 3, 4}));
    for (const Var& cond : {Var(true), tj::constant(Array(2.0)) > 1, tj::sum(a3) > 100}) {
        const Var chosen = tj::ifelse(cond, a3, a4);
        CHECK(chosen.type() == tensorjit::TensorType{DType::Float64, {tj::dyn}});
        auto k = tj::function({x}, tj::sum(chosen) * tj::sum(x));
        CHECK(k(vec({2})).item_double() == 2 * (tj::eval(cond).item_double() != 0 ? 6 : 10));
    }

    // A shape known to one branch only is checked against the other's at run time by readers.
    auto g = tj::function({c, r, p}, tj::ifelse(c, r, p) + 1);
    const Array rv = Array::zeros(DType::Float64, {1, 2});
    CHECK(g(true, rv, Array::zeros(DType::Float64, {3, 2})).shape() == tj::Dims{1, 2});
    CHECK(g(false, rv, Array::zeros(DType::Float64, {3, 2})).shape() == tj::Dims{3, 2});
}

TEST_CASE("ifelse: build errors name the condition and the output", "[function][ifelse]") {
    auto c = tj::scalar("c", DType::Bool);
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    expect_error<tj::TypeError>([&] { (void)tj::ifelse(x, y, y); },
                                {"ifelse", "condition", "\"x\"", "float64[?]", "scalar"});
    expect_error<tj::ValueError>(
        [&] {
            (void)tj::ifelse(c, {x, y}, {x});
        },
        {"ifelse", "2 then values but 1 else value"});
    expect_error<tj::TypeError>(
        [&] {
            (void)tj::ifelse(c, {x, y}, {x, tj::fvector("f")});
        },
        {"ifelse: output 1", "float64[?]", "float32[?]", "same dtype"});
    expect_error<tj::TypeError>(
        [&] {
            (void)tj::ifelse(c, {x, y}, {x, tj::dmatrix("m")});
        },
        {"output 1", "float64[?, ?]", "rank"});
    expect_error<tj::TypeError>([&] { (void)tj::ifelse(c, x, 0.0); },
                                {"output 0", "float64[?]", "float64[]", "tj::fill"});
    expect_error<tj::ValueError>([&] { (void)tj::ifelse(c, Var(), y); }, {"undefined"});
    // The op's own type rule (make_node, graph files) says the same.
    expect_error<tj::TypeError>(
        [&] {
            (void)tensorjit::make_node(OpKind::IfElse, {x.node(), y.node(), y.node()});
        },
        {"ifelse", "condition", "scalar"});
}

TEST_CASE("ifelse: several outputs are chosen together", "[function][ifelse]") {
    auto c = tj::scalar("c", DType::Bool);
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    auto i = tj::ivector("i");
    const std::vector<Var> then_v{x * 2, tj::sum(x), i + 1};
    const std::vector<Var> else_v{y - x, tj::max(y), i * 3};
    const auto outs = tj::ifelse(c, then_v, else_v);
    REQUIRE(outs.size() == 3);
    CHECK(outs[2].dtype() == DType::Int32);
    auto f = tj::function({c, x, y, i}, outs);
    const Array a = vec({1, 2, 3}), b = vec({4, -5, 6});
    const Array iv = Array(std::vector<std::int32_t>{1, 2, 3, 4});
    for (bool cv : {true, false}) {
        const auto got = f(cv, a, b, iv);
        const auto want = tj::eval(cv ? then_v : else_v, {{x, a}, {y, b}, {i, iv}});
        REQUIRE(got.size() == 3);
        for (std::size_t k = 0; k < 3; ++k) {
            INFO("condition " << cv << ", output " << k);
            CHECK(got[k].dtype() == want[k].dtype());
            CHECK(all_close(got[k], want[k]));
        }
    }
}

TEST_CASE("ifelse: nested ifelse on two conditions and on the same one", "[function][ifelse]") {
    auto c1 = tj::scalar("c1", DType::Bool);
    auto c2 = tj::scalar("c2", DType::Bool);
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    const Var a = x + 1, b = x * 3, d = y - 1, e = tj::exp(y);
    const Var two = tj::ifelse(c1, tj::ifelse(c2, a, b), tj::ifelse(c2, d, e));
    const Var same = tj::ifelse(c1, tj::ifelse(c1, a, b), tj::ifelse(c1, d, e));
    auto f = tj::function({c1, c2, x, y}, {two, same});
    const Array xv = vec({0.5, 1.5}), yv = vec({-2.0, 0.75});
    for (bool v1 : {true, false})
        for (bool v2 : {true, false}) {
            INFO("c1 " << v1 << ", c2 " << v2);
            const auto got = f(v1, v2, xv, yv);
            const Var want_two = v1 ? (v2 ? a : b) : (v2 ? d : e);
            const Var want_same = v1 ? a : e;
            CHECK(all_close(got[0], tj::eval(want_two, {{x, xv}, {y, yv}})));
            CHECK(all_close(got[1], tj::eval(want_same, {{x, xv}, {y, yv}})));
        }
    // Each branch value runs only under both conditions.
    for (bool rewrites : {true, false}) {
        const Schedule s = schedule_of({c1, c2, x, y}, {two}, rewrites);
        check_guards(s);
        const auto exps = nodes_of(s, OpKind::Exp);
        REQUIRE(exps.size() == 1);
        const tensorjit::codegen::Guard want{{c1.node().get(), false}, {c2.node().get(), false}};
        CHECK(s.guard_of(exps[0]) == want);
    }
}

TEST_CASE("ifelse: the untaken branch's errors never happen", "[function][ifelse]") {
    auto c = tj::scalar("c", DType::Bool);
    auto x = tj::dvector("x");
    auto i = tj::lscalar("i");
    // Out of bounds.
    auto f = tj::function({c, x, i}, tj::ifelse(c, tj::sum(x), x(i) * 2));
    const Array xv = vec({1, 2, 3});
    CHECK(f(true, xv, 10).item_double() == 6);
    expect_error<tj::ValueError>([&] { f(false, xv, 10); },
                                 {"index 10 is out of bounds for axis 0 with size 3"});
    CHECK(f(false, xv, 1).item_double() == 4);
    // A reshape of the wrong size.
    auto g = tj::function({c, x}, tj::ifelse(c, x * 2, tj::flatten(tj::reshape(x, {2, 5}))));
    CHECK(all_close(g(true, xv), vec({2, 4, 6})));
    expect_error<tj::ShapeError>([&] { g(false, xv); }, {"reshape"});
    const Array ten = Array(std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(all_close(g(false, ten), ten));
    // Broadcasting: the untaken branch's operands may not even fit together.
    auto y = tj::dvector("y");
    auto h = tj::function({c, x, y}, tj::ifelse(c, x + 1, x * y));
    CHECK(all_close(h(true, xv, vec({1, 2})), vec({2, 3, 4})));
    expect_error<tj::ShapeError>([&] { h(false, xv, vec({1, 2})); });
}

TEST_CASE("ifelse: the untaken branch's work does not run (profile counts)",
          "[function][ifelse][profile]") {
    auto c = tj::scalar("c", DType::Bool);
    auto A = tj::dmatrix("A");
    auto B = tj::dmatrix("B");
    auto x = tj::dvector("x");
    // Work both branches need (exp(x) * 3) runs on every call, before the choice.
    const Var common = tj::exp(x) * 3;
    const Var out = tj::ifelse(c, tj::sum(tj::dot(A, B)) + tj::sum(common), tj::max(common));
    auto f = tj::function({c, A, B, x}, out, {.name = "ifelse_lazy_gemm", .profile = true});
    std::mt19937_64 rng(3);
    const Array Av = tj_test::random_array(rng, DType::Float64, {20, 30});
    const Array Bv = tj_test::random_array(rng, DType::Float64, {30, 10});
    const Array xv = vec({0.1, -0.2, 0.3});
    constexpr int kFalse = 5, kTrue = 3;
    for (int k = 0; k < kFalse; ++k)
        CHECK(all_close(f(false, Av, Bv, xv), tj::eval(tj::max(common), {{x, xv}})));
    auto p = stats_of(f);
    REQUIRE(p);
    auto step = [&](const std::string& prefix) -> const tj::StepStats* {
        for (const auto& s : p->steps)
            if (s.description.rfind(prefix, 0) == 0) return &s;
        return nullptr;
    };
    const tj::StepStats* gemm = step("gemm:");
    REQUIRE(gemm);
    CHECK(gemm->calls == 0);
    CHECK(gemm->bytes == 0);
    for (int k = 0; k < kTrue; ++k) f(true, Av, Bv, xv);
    p = stats_of(f);
    gemm = step("gemm:");
    REQUIRE(gemm);
    CHECK(gemm->calls == kTrue);
    CHECK(p->calls == kFalse + kTrue);
    // The loop computing exp(x) * 3 ran on every call.
    const tj::StepStats* common_loop = nullptr;
    for (const auto& s : p->steps)
        if (s.description.rfind("loop", 0) == 0 && s.description.find("exp") != std::string::npos)
            common_loop = &s;
    REQUIRE(common_loop);
    CHECK(common_loop->calls == kFalse + kTrue);
}

TEST_CASE("ifelse: work both branches need is computed once, before the choice",
          "[function][ifelse]") {
    auto c = tj::scalar("c", DType::Bool);
    auto x = tj::dvector("x");
    auto A = tj::dmatrix("A");
    // The same expression built twice: merge makes it one node (rewrites on).
    const Var then_v = tj::sum(tj::exp(x) * 3) + tj::sum(tj::dot(A, x));
    const Var else_v = tj::max(tj::exp(x) * 3);
    const Var out = tj::ifelse(c, then_v, else_v);
    const Schedule s = schedule_of({c, x, A}, {out}, true);
    check_guards(s);
    const auto exps = nodes_of(s, OpKind::Exp);
    REQUIRE(exps.size() == 1);
    CHECK(s.guard_of(exps[0]).empty());
    const auto dots = nodes_of(s, OpKind::Dot);
    REQUIRE(dots.size() == 1);
    CHECK(s.guard_of(dots[0]) == tensorjit::codegen::Guard{{c.node().get(), true}});
    const auto maxes = nodes_of(s, OpKind::Max);
    REQUIRE(maxes.size() == 1);
    CHECK(s.guard_of(maxes[0]) == tensorjit::codegen::Guard{{c.node().get(), false}});
    // In the kernel: the loop of exp comes before every if; the gemv inside one.
    auto f = tj::function({c, x, A}, out, {.rewrites = true});
    const std::string src = f.kernel_source({.templates = false});
    INFO(src);
    const std::size_t first_if = src.find("\n  if (");
    REQUIRE(first_if != std::string::npos);
    REQUIRE(src.find("tj_exp(") != std::string::npos);
    CHECK(src.rfind("tj_exp(") < first_if);
    REQUIRE(src.find("tj_gemv(") != std::string::npos);
    CHECK(src.find("tj_gemv(") > first_if);
    const Array xv = vec({0.5, -0.5}), Av = vec({1, 2, 3, 4}).reshape({2, 2});
    CHECK(all_close(f(true, xv, Av), tj::eval(then_v, {{x, xv}, {A, Av}})));
    CHECK(all_close(f(false, xv, Av), tj::eval(else_v, {{x, xv}, {A, Av}})));
    // Without the rewrites, one node used by both branches is computed once all the same.
    const Var shared_v = tj::exp(x) * 3;
    const Schedule s2 =
        schedule_of({c, x, A}, {tj::ifelse(c, tj::sum(shared_v), tj::max(shared_v))}, false);
    check_guards(s2);
    const auto exps2 = nodes_of(s2, OpKind::Exp);
    REQUIRE(exps2.size() == 1);
    CHECK(s2.guard_of(exps2[0]).empty());
}

TEST_CASE("ifelse: updates of shared variables, in one branch and in place", "[function][ifelse]") {
    auto c = tj::scalar("c", DType::Bool);
    auto x = tj::dvector("x");
    auto s = tj::shared(vec({1, 2, 3}), "s");
    auto w = tj::shared(vec({0.5, 0.5, 0.5}), "w");
    // s changes only when c (its new value: an ifelse, copied into the update buffer); w is
    // written in place by the last loop, after the guarded steps that read its old value.
    const Var out = tj::ifelse(c, tj::sum(s * w), tj::sum(w) + tj::max(s));
    const tj::FunctionOptions options{.updates = {{s, tj::ifelse(c, s + x, s)}, {w, w * 0.5 + 1}}};
    const Schedule sched = schedule_of({c, x}, {out}, true, options);
    check_guards(sched);
    CHECK(sched.in_place.size() == 1);
    auto f = tj::function({c, x}, out, options);
    std::vector<double> sv{1, 2, 3}, wv{0.5, 0.5, 0.5};
    const std::vector<double> xv{10, 20, 30};
    for (bool cv : {true, false, false, true, true, false}) {
        INFO("condition " << cv);
        double want = 0;
        if (cv)
            for (int k = 0; k < 3; ++k) want += sv[k] * wv[k];
        else
            want = wv[0] + wv[1] + wv[2] + *std::max_element(sv.begin(), sv.end());
        CHECK(f(cv, Array(xv)).item_double() == Approx(want));
        for (int k = 0; k < 3; ++k) {
            if (cv) sv[k] += xv[k];
            wv[k] = wv[k] * 0.5 + 1;
        }
        CHECK(all_close(s.get_value(), Array(sv)));
        CHECK(all_close(w.get_value(), Array(wv)));
    }
}

TEST_CASE("ifelse: views, strided arrays and outputs that are inputs", "[function][ifelse]") {
    auto c = tj::scalar("c", DType::Bool);
    auto m = tj::dmatrix("m");
    auto n = tj::dmatrix("n");
    const Array mv = vec({1, 2, 3, 4, 5, 6}).reshape({2, 3});
    const Array nv = vec({-1, -2, -3, -4, -5, -6}).reshape({3, 2});
    // The chosen value is a view (a transpose) read by a loop.
    auto f = tj::function({c, m, n}, tj::ifelse(c, m.T(), n) + 1);
    CHECK(all_close(f(true, mv, nv), tj::eval(m.T() + 1, {{m, mv}})));
    CHECK(all_close(f(false, mv, nv), tj::eval(n + 1, {{n, nv}})));
    // The output is a copy of an input or of a view.
    auto g = tj::function({c, m, n}, tj::ifelse(c, m.T(), n));
    const Array gt = g(true, mv, nv);
    CHECK(gt.is_c_contiguous());
    CHECK(all_close(gt, tj::eval(m.T(), {{m, mv}})));
    const Array gf = g(false, mv, nv);
    CHECK(all_close(gf, nv));
    CHECK(gf.raw_data() != nv.raw_data());
    // A strided argument.
    const Array wide = Array::zeros(DType::Float64, {3, 4}).slice(1, 0, 4, 2);
    REQUIRE_FALSE(wide.is_c_contiguous());
    CHECK(all_close(f(false, mv, wide), tj::eval(n + 1, {{n, wide}})));
    // A constant condition without the rewrites is read from the kernel's constants.
    auto k = tj::function({m, n}, tj::ifelse(Var(false), m.T() * 2, n), {.rewrites = false});
    CHECK(all_close(k(mv, nv), nv));
}

TEST_CASE("ifelse: random draws in a branch", "[function][ifelse][random]") {
    auto c = tj::scalar("c", DType::Bool);
    auto x = tj::dvector("x");
    tj::RandomStream srng(7);
    const Var r = srng.normal(0.0, 1.0, {3});
    auto f = tj::function({c, x}, tj::ifelse(c, r + x, x * 2));
    const Array xv = vec({1, 2, 3});
    CHECK(all_close(f(false, xv), vec({2, 4, 6})));
    const Array a = f(true, xv), b = f(true, xv);
    CHECK_FALSE(all_close(a, b)); // the generator's state moved on
    CHECK_FALSE(all_close(a, vec({2, 4, 6})));
}

TEST_CASE("ifelse: gradients flow to the chosen branch", "[function][ifelse][grad]") {
    for (double sign : {1.0, -1.0}) {
        INFO("sign " << sign);
        const Array a = vec({0.3 * sign, 0.7 * sign, 0.2 * sign});
        const Array b = vec({0.5, -0.4, 1.2});
        tj::verify_grad(
            [](const std::vector<Var>& v) {
                return tj::ifelse(tj::sum(v[0]) > 0, tj::exp(v[0]) * v[1],
                                  tj::sin(v[1]) * 3 + v[0] * v[0]);
            },
            {a, b});
        // Several outputs: each pair's gradient goes to its chosen value.
        tj::verify_grad(
            [](const std::vector<Var>& v) {
                const auto o =
                    tj::ifelse(tj::sum(v[0]) > 0, {v[0] * 2, tj::sum(v[1])}, {v[1], tj::sum(v[0])});
                return o[0] * o[1];
            },
            {a, b});
    }
    // The untaken branch's inputs get zeros.
    auto c = tj::scalar("c", DType::Bool);
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    const auto g = tj::grad(tj::sum(tj::ifelse(c, x * 2, y * y)), {x, y});
    auto fg = tj::function({c, x, y}, {g[0], g[1]});
    const Array xv = vec({1, 2, 3}), yv = vec({4, 5, 6});
    auto t = fg(true, xv, yv);
    CHECK(all_close(t[0], vec({2, 2, 2})));
    CHECK(all_close(t[1], vec({0, 0, 0})));
    auto e = fg(false, xv, yv);
    CHECK(all_close(e[0], vec({0, 0, 0})));
    CHECK(all_close(e[1], vec({8, 10, 12})));
    // A branch whose static shape differs from the result's gets a gradient of its own shape.
    auto r = tj::tensor("r", DType::Float64, {1});
    const auto gr = tj::grad(tj::sum(tj::ifelse(c, r, y) * y), {r, y});
    auto fr = tj::function({c, r, y}, {gr[0], gr[1]});
    auto rt = fr(true, vec({2}), vec({3}));
    CHECK(all_close(rt[0], vec({3})));
    CHECK(all_close(rt[1], vec({2})));
    auto rf = fr(false, vec({2}), vec({3, 4}));
    CHECK(rf[0].shape() == tj::Dims{1});
    CHECK(all_close(rf[0], vec({0})));
    CHECK(all_close(rf[1], vec({6, 8})));
}

TEST_CASE("ifelse: rewrites", "[function][ifelse][rewrite]") {
    auto c = tj::scalar("c", DType::Bool);
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    auto w = tj::dvector("w");
    // The same value in both branches (after merge: built twice).
    CHECK(count_op(rewritten({c, x}, {tj::ifelse(c, x * 2, x * 2)}), OpKind::IfElse) == 0);
    // A constant condition.
    const auto constant = rewritten({x}, {tj::ifelse(Var(true), x * 2, tj::exp(x))});
    CHECK(count_op(constant, OpKind::IfElse) == 0);
    CHECK(count_op(constant, OpKind::Exp) == 0);
    // An ifelse in a branch of one on the same condition.
    const auto nested =
        rewritten({c, x, y}, {tj::ifelse(c, tj::ifelse(c, x + 1, x * 3), tj::exp(y))});
    CHECK(count_op(nested, OpKind::IfElse) == 1);
    CHECK(count_op(nested, OpKind::Mul) == 0);
    // The element-wise ops both branches apply are lifted out: one exp, one mul.
    const Var lifted_v = tj::ifelse(c, tj::exp(x) * w, tj::exp(y) * w);
    const auto lifted = rewritten({c, x, y, w}, {lifted_v});
    CHECK(count_op(lifted, OpKind::IfElse) == 1);
    CHECK(count_op(lifted, OpKind::Exp) == 1);
    CHECK(count_op(lifted, OpKind::Mul) == 1);
    // The values are the same both ways.
    const Array xv = vec({0.1, 0.2}), yv = vec({-1, 1}), wv = vec({2, 3});
    for (bool rewrites : {true, false}) {
        auto f = tj::function({c, x, y, w}, lifted_v, {.rewrites = rewrites});
        CHECK(all_close(f(true, xv, yv, wv), tj::eval(tj::exp(x) * w, {{x, xv}, {w, wv}})));
        CHECK(all_close(f(false, xv, yv, wv), tj::eval(tj::exp(y) * w, {{y, yv}, {w, wv}})));
    }
}

TEST_CASE("ifelse: graph files, dprint and the schedule text", "[function][ifelse][graph_file]") {
    auto c = tj::scalar("c", DType::Bool);
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    auto s = tj::shared(vec({1, 2}), "s_ifelse");
    const Var out = tj::ifelse(c, tj::sum(x * s), tj::max(y));
    const tj::FunctionOptions options{.updates = {{s, tj::ifelse(c, s * 2, s)}}};
    auto f = tj::function({c, x, y}, out, options);
    tj_test::TempDir dir;
    const auto path = dir.path() / "ifelse.tjgraph";
    tj::save_function(path, {c, x, y}, {out}, options);
    std::vector<tj::SharedVar> loaded_shared;
    auto g = tj::load_function(path, {.shared = &loaded_shared});
    REQUIRE(loaded_shared.size() == 1);
    CHECK(g.cache_key() == f.cache_key());
    const Array xv = vec({3, 4}), yv = vec({-1, 5});
    for (bool cv : {true, false, true}) {
        CHECK(g(cv, xv, yv).equals(f(cv, xv, yv)));
        CHECK(loaded_shared[0].get_value().equals(s.get_value()));
    }
    CHECK(s.get_value().equals(vec({4, 8})));
    // An "ifelse" node turned into a "scan" without a body: the reader says what is missing.
    {
        std::ifstream in(path);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string op = "\"op\": \"ifelse\"";
        REQUIRE(text.find(op) != std::string::npos);
        text.replace(text.find(op), op.size(), "\"op\": \"scan\"");
        std::ofstream(dir.path() / "scan.tjgraph") << text;
    }
    expect_error<tj::ValueError>([&] { (void)tj::load_function(dir.path() / "scan.tjgraph"); },
                                 {"scan.tjgraph", "(scan)", "\"body\" is missing"});

    const std::string d = tj::dprint(f, {.stage = tj::Stage::after});
    INFO(d);
    CHECK(d.find("ifelse [id") != std::string::npos);
    CHECK(d.find("(if [id") != std::string::npos);
    CHECK(d.find("(if not [id") != std::string::npos);
    CHECK(tj::to_dot(f, {.stage = tj::Stage::after}).find("ifelse") != std::string::npos);
    const std::string text = tensorjit::codegen::schedule_text(schedule_of({c, x, y}, {out}, true));
    CHECK(text.find("[if ") != std::string::npos);
    CHECK(text.find("[if !") != std::string::npos);
}

TEST_CASE("ifelse: random nested graphs match the reference", "[function][ifelse]") {
    // Values built from a few inputs through element-wise ops, reductions, dot, and ifelses on
    // three conditions, reusing earlier values (shared subexpressions across branches).
    std::mt19937_64 rng(20240607);
    auto c0 = tj::scalar("c0", DType::Bool);
    auto c1 = tj::dscalar("c1");
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    auto A = tj::tensor("A", DType::Float64, {3, 3});
    const Array xv = vec({0.5, -0.25, 1.0}), yv = vec({-0.75, 0.4, 0.3});
    const Array Av = vec({0.1, 0.2, 0.3, -0.4, 0.5, -0.6, 0.7, 0.8, -0.9}).reshape({3, 3});
    for (int graph = 0; graph < 6; ++graph) {
        std::vector<Var> vecs{x, y}, scalars{tj::sum(x)};
        auto pick = [&](std::vector<Var>& from) {
            return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
        };
        for (int step = 0; step < 14; ++step) {
            const int kind = std::uniform_int_distribution<int>(0, 7)(rng);
            const Var cond = kind % 3 == 0   ? Var(c0)
                             : kind % 3 == 1 ? Var(c1)
                                             : tj::sum(pick(vecs)) > 0;
            switch (kind) {
            case 0:
            case 1:
            case 2:
                vecs.push_back(tj::ifelse(cond, pick(vecs) * 2 + pick(vecs), tj::tanh(pick(vecs))));
                break;
            case 3:
                vecs.push_back(tj::dot(A, pick(vecs)));
                break;
            case 4:
                scalars.push_back(tj::ifelse(cond, tj::sum(pick(vecs)), pick(scalars) * 0.5));
                break;
            case 5: {
                const auto two = tj::ifelse(cond, {pick(vecs), pick(scalars)},
                                            {tj::exp(pick(vecs) * 0.1), tj::max(pick(vecs))});
                vecs.push_back(two[0]);
                scalars.push_back(two[1]);
                break;
            }
            case 6:
                vecs.push_back(pick(vecs) * pick(scalars));
                break;
            default:
                vecs.push_back(tj::ifelse(cond, tj::ifelse(Var(c0), pick(vecs), pick(vecs) - 1),
                                          pick(vecs) + pick(scalars)));
                break;
            }
        }
        const std::vector<Var> outs{vecs.back(), scalars.back(), vecs[vecs.size() / 2]};
        for (bool rewrites : {true, false}) {
            INFO("graph " << graph << ", rewrites " << rewrites);
            check_guards(schedule_of({c0, c1, x, y, A}, outs, rewrites));
            auto f = tj::function({c0, c1, x, y, A}, outs, {.rewrites = rewrites});
            for (bool v0 : {true, false})
                for (double v1 : {0.0, -1.5}) {
                    INFO("c0 " << v0 << ", c1 " << v1);
                    const auto got = f(v0, v1, xv, yv, Av);
                    const auto want = tj::eval(
                        outs, {{c0, Array(v0)}, {c1, Array(v1)}, {x, xv}, {y, yv}, {A, Av}});
                    for (std::size_t k = 0; k < outs.size(); ++k)
                        CHECK(all_close(got[k], want[k], 1e-10));
                }
        }
    }
}

TEST_CASE("ifelse: large kernels, whose steps are functions of their own", "[function][ifelse]") {
    auto c = tj::scalar("c", DType::Bool);
    auto x = tj::dvector("x");
    auto A = tj::dmatrix("A");
    Var a = x, b = x;
    for (int k = 0; k < 150; ++k) {
        a = tj::sin(a) + 0.5;
        b = tj::cos(b) * 0.5;
    }
    const Var then_v = tj::sum(tj::dot(A, a)), else_v = tj::max(b);
    auto f = tj::function({c, x, A}, tj::ifelse(c, then_v, else_v));
    const std::string src = f.kernel_source({.templates = false});
    CHECK(src.find("tj_part") != std::string::npos);
    CHECK(src.find("\n  if (") != std::string::npos);
    const Array xv = vec({0.1, 0.2, 0.3}), Av = vec({1, 2, 3, 4, 5, 6}).reshape({2, 3});
    CHECK(all_close(f(true, xv, Av), tj::eval(then_v, {{x, xv}, {A, Av}}), 1e-10));
    CHECK(all_close(f(false, xv, Av), tj::eval(else_v, {{x, xv}}), 1e-10));
}
