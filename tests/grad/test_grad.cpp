// tj::grad beyond the element-wise ops (whose gradients the element-wise table checks,
// tests/ops/elemwise_table.cpp): sums, means, dot products, transposes and a logistic cost by
// finite differences (tj::verify_grad, first and second order), jacobian/hessian, gradient
// options, and every gradient error.
#include <catch2/catch.hpp>

#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <functional>
#include <random>

using tj::Array;
using tj::DType;
using tj::Var;
using tj_test::expect_error;

namespace {

struct GradRecord {
    const char* name;
    std::function<Var(const std::vector<Var>&)> f;
    std::vector<tj::Dims> shapes;
    double lo, hi;
    bool second_order;
};

const std::vector<GradRecord>& records() {
    static const std::vector<GradRecord> r = {
        {"sum all", [](auto& v) { return tj::sum(v[0]); }, {{3, 4}}, -2, 2, true},
        {"sum axis", [](auto& v) { return tj::sum(v[0], 1); }, {{3, 4}}, -2, 2, true},
        {"sum keepdims",
         [](auto& v) { return tj::sum(v[0], {0}, true) * v[0]; },
         {{3, 4}},
         -2,
         2,
         true},
        {"mean", [](auto& v) { return tj::mean(v[0], 0); }, {{3, 4}}, -2, 2, true},
        {"dot vv", [](auto& v) { return tj::dot(v[0], v[1]); }, {{5}, {5}}, -2, 2, true},
        {"dot mv", [](auto& v) { return tj::dot(v[0], v[1]); }, {{3, 5}, {5}}, -2, 2, true},
        {"dot vm", [](auto& v) { return tj::dot(v[0], v[1]); }, {{3}, {3, 4}}, -2, 2, true},
        {"dot mm", [](auto& v) { return tj::dot(v[0], v[1]); }, {{2, 3}, {3, 4}}, -2, 2, true},
        {"transpose", [](auto& v) { return v[0].T() * v[1]; }, {{3, 4}, {4, 3}}, -2, 2, true},
        {"logistic cost",
         [](auto& v) {
             auto p = 1 / (1 + tj::exp(-tj::dot(v[0], v[1])));
             return tj::mean(-tj::log(p) - tj::log(1 - p));
         },
         {{6, 3}, {3}},
         -1,
         1,
         true},
    };
    return r;
}

std::vector<Array> random_point(std::mt19937_64& rng, const GradRecord& r) {
    std::vector<Array> pt;
    for (const auto& s : r.shapes)
        pt.push_back(tj_test::random_array(rng, DType::Float64, s, r.lo, r.hi));
    return pt;
}

} // namespace

TEST_CASE("gradients match finite differences", "[grad]") {
    std::mt19937_64 rng(7);
    for (const auto& r : records()) {
        INFO(r.name);
        CHECK_NOTHROW(tj::verify_grad(r.f, random_point(rng, r)));
    }
}

TEST_CASE("second-order gradients match finite differences", "[grad]") {
    std::mt19937_64 rng(8);
    for (const auto& r : records()) {
        if (!r.second_order) continue;
        INFO(r.name);
        // The gradient of sum(f(x)) with respect to the first input, itself checked.
        auto first = [&](const std::vector<Var>& v) { return tj::grad(tj::sum(r.f(v)), v[0]); };
        CHECK_NOTHROW(tj::verify_grad(first, random_point(rng, r)));
    }
}

TEST_CASE("verify_grad detects a wrong gradient", "[grad]") {
    // A symbolic gradient cut by disconnected_grad differs from finite differences.
    auto wrong = [](const std::vector<Var>& v) { return tj::disconnected_grad(v[0]) * v[0]; };
    CHECK_THROWS_AS(tj::verify_grad(wrong, {Array({1.0, 2.0})}), tj::GradientError);
}

TEST_CASE("grad returns one gradient per wrt and works with structured bindings", "[grad]") {
    auto w = tj::shared(Array({1.0, 2.0}), "w");
    auto b = tj::shared(0.5, "b");
    auto x = tj::dvector("x");
    auto cost = tj::sum(tj::pow(w * x + b, 2));
    auto [gw, gb] = tj::grad(cost, {w, b});
    auto f = tj::function({x}, {gw, gb});
    auto r = f(Array({3.0, -1.0}));
    // d/dw = 2 (w x + b) x, d/db = sum 2 (w x + b)
    CHECK(tj::allclose(r[0], Array({2 * 3.5 * 3.0, 2 * -1.5 * -1.0})));
    CHECK(tj::allclose(r[1], Array(2 * 3.5 + 2 * -1.5)));
}

TEST_CASE("jacobian and hessian", "[grad]") {
    auto x = tj::tensor("x", DType::Float64, {3});
    auto y = x * x * 2 + tj::sum(x);
    auto jac = tj::function({x}, tj::jacobian(y, x));
    Array j = jac(Array({1.0, 2.0, 3.0}));
    // J[i][k] = 4 x_i [i == k] + 1
    Array want = {{5.0, 1.0, 1.0}, {1.0, 9.0, 1.0}, {1.0, 1.0, 13.0}};
    CHECK(tj::allclose(j, want));
    auto hes = tj::function({x}, tj::hessian(tj::sum(x * x * x), x));
    Array h = hes(Array({1.0, 2.0, 3.0}));
    CHECK(tj::allclose(h, Array({{6.0, 0.0, 0.0}, {0.0, 12.0, 0.0}, {0.0, 0.0, 18.0}})));
    // A length known only at run time: the rows come from a scan.
    auto v = tj::dvector("v");
    Array jv = tj::function({v}, tj::jacobian(v * v * 2, v))(Array({1.0, 2.0}));
    CHECK(tj::allclose(jv, Array({{4.0, 0.0}, {0.0, 8.0}})));
}

TEST_CASE("gradient options: disconnected inputs, consider_constant, known_grads", "[grad]") {
    auto [a, b] = tj::dscalars("a", "b");
    auto cost = a * a;
    auto gs = tj::grad(cost, {a, b}, {.allow_disconnected = true});
    auto f = tj::function({a, b}, {gs[0], gs[1]});
    auto r = f(3, 4);
    CHECK(r[0].item_double() == 6);
    CHECK(r[1].item_double() == 0);
    auto c = a * b;
    auto g_const = tj::grad(c * a, a, {.consider_constant = {c}}); // c treated as a constant
    CHECK(tj::function({a, b}, g_const)(3, 4).item_double() == 12);
    auto mid = a * 2;
    auto g_known = tj::grad(tj::sum(mid * 0), a, {.known_grads = {{mid, tj::Var(5.0)}}});
    CHECK(tj::function({a}, g_known)(1).item_double() == 10);
    auto g_stop = tj::grad(tj::disconnected_grad(a) * a, a);
    CHECK(tj::function({a}, g_stop)(3).item_double() == 3);
}

TEST_CASE("gradient errors name the culprit", "[grad][errors]") {
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    expect_error<tj::TypeError>([&] { tj::grad(x * 2, x); },
                                {"the cost must be a scalar (0-d), got float64[?]"});
    expect_error<tj::ValueError>([&] { tj::grad(tj::sum(x), y); }, {"does not depend on \"y\""});
    auto i = tj::ivector("i");
    expect_error<tj::TypeError>([&] { tj::grad(tj::sum(tj::cast(i, DType::Float64)), i); },
                                {"wrt \"i\" has dtype int32"});
    // Reached only through a comparison: a zero gradient, not an error (as PyTensor).
    auto g0 = tj::grad(tj::sum(tj::cast(x > 0, DType::Float64)), x);
    CHECK(tj::function({x}, g0)(Array({1.0, -1.0})).equals(Array({0.0, 0.0})));
    auto g1 = tj::grad(tj::sum(tj::cast(x > 0, DType::Float64) * x), x);
    CHECK(tj::function({x}, g1)(Array({2.0, -1.0})).equals(Array({1.0, 0.0})));
}
