#include "support/op_checker.hpp"

#include "support/test_util.hpp"

#include <random>

#include <catch2/catch.hpp>

namespace tj_test {

void compare_with_reference(const std::vector<tensorjit::Var>& vars,
                            const std::vector<tensorjit::Array>& values, const tensorjit::Var& out,
                            const std::string& what) {
    namespace tj = tensorjit;
    std::vector<tj::In> ins(vars.begin(), vars.end());
    std::vector<std::pair<tj::Var, tj::Array>> bind;
    for (std::size_t i = 0; i < vars.size(); ++i) bind.push_back({vars[i], values[i]});
    std::vector<tj::Arg> args(values.begin(), values.end());
    // The result itself (a copy) and a use of it as a temporary (a view for view ops).
    for (const tj::Var& o : {out, tj::cast(out, tj::DType::Float64)}) {
        auto f = tj::function(ins, o);
        tj::Array got = f(std::span<const tj::Arg>(args));
        tj::Array want = tj::eval(o, bind);
        INFO(what << "\ngot " << got << "\nwant " << want);
        REQUIRE(got.dtype() == o.dtype());
        REQUIRE(got.shape() == want.shape());
        REQUIRE(o.type().accepts_shape(got.shape()));
        CHECK(got.equals(want));
    }
}

void check_gradients_together(const std::vector<GradCase>& cases, std::uint64_t seed) {
    namespace tj = tensorjit;
    using tj::Var;
    REQUIRE(!cases.empty());
    std::mt19937_64 rng(seed);
    std::vector<tj::Array> point, weights;
    std::vector<std::size_t> first; // the first input of each case
    std::string legend;
    bool any_f32 = false; // a float32 result: verify_grad's float32 step and tolerances
    for (const auto& c : cases) {
        first.push_back(point.size());
        std::vector<Var> probe;
        for (const auto& s : c.shapes) {
            point.push_back(random_array(rng, tj::DType::Float64, s, c.lo, c.hi));
            probe.push_back(tj::tensor("p", tj::DType::Float64, s));
            legend += "input " + std::to_string(point.size()) + ": " + c.name + "\n";
        }
        const Var out = c.f(probe);
        any_f32 |= out.dtype() == tj::DType::Float32;
        weights.push_back(random_array(rng, tj::DType::Float64, out.type().shape, 0.5, 1.5));
    }
    INFO(legend);
    auto inputs_of = [&](const std::vector<Var>& v, std::size_t i) {
        return std::vector<Var>(v.begin() + static_cast<long>(first[i]),
                                v.begin() + static_cast<long>(first[i] + cases[i].shapes.size()));
    };
    // The weighted cost is float64 even where a case computes in float32, so the float32
    // settings that verify_grad would pick for that case alone are passed explicitly.
    tj::VerifyGradOptions once{.n_tests = 1};
    if (any_f32) {
        once.eps = 1e-3;
        once.abs_tol = 1e-2;
        once.rel_tol = 1e-2;
    }
    CHECK_NOTHROW(tj::verify_grad(
        [&](const std::vector<Var>& v) {
            Var c;
            for (std::size_t i = 0; i < cases.size(); ++i) {
                Var term = tj::sum(cases[i].f(inputs_of(v, i)) * tj::constant(weights[i]));
                c = c.defined() ? c + term : term;
            }
            return c;
        },
        point, once));
    bool any_second = false;
    for (const auto& c : cases) any_second |= c.second_order;
    if (!any_second) return;
    // Order 2: the gradient with respect to each case's first input, weighted again.
    CHECK_NOTHROW(tj::verify_grad(
        [&](const std::vector<Var>& v) {
            Var c;
            for (std::size_t i = 0; i < cases.size(); ++i) {
                if (!cases[i].second_order) continue;
                const std::vector<Var> in = inputs_of(v, i);
                Var g = tj::grad(tj::sum(cases[i].f(in) * tj::constant(weights[i])), in[0]);
                Var term = tj::sum(g * tj::constant(point[first[i]]));
                c = c.defined() ? c + term : term;
            }
            return c;
        },
        point, once));
}

} // namespace tj_test
