// Gradients of the reductions: finite differences (orders 1 and 2) for prod, max, min, cumsum,
// cumprod, softmax, log_softmax, logsumexp, var and std; zeros in prod, ties in max, and the
// integer and bool reductions that pass no gradient.
#include <catch2/catch.hpp>

#include "support/op_checker.hpp"

#include <tensorjit/tensorjit.hpp>

#include <functional>
#include <string>
#include <vector>

using tj::Array;
using tj::DType;
using tj::Var;

namespace {

Array f64(std::vector<double> v) { return Array(v); }

} // namespace

namespace {

struct GradRecord {
    const char* op;
    const char* name;
    std::function<Var(const Var&)> f;
    tj::Dims shape;
    double lo, hi;
    bool second_order = true;
};

const std::vector<GradRecord>& grad_records() {
    static const std::vector<GradRecord> r = {
        {"prod", "prod", [](const Var& x) { return tj::prod(x, 1); }, {3, 4}, 0.5, 2},
        {"prod", "prod all", [](const Var& x) { return tj::prod(x); }, {2, 3}, -2, 2},
        {"prod",
         "prod keepdims",
         [](const Var& x) {
             return tj::prod(x, {0, 2}, true);
         },
         {2, 2, 3},
         0.5,
         1.5},
        {"max", "max", [](const Var& x) { return tj::max(x, 0); }, {4, 3}, -3, 3},
        {"max", "max all", [](const Var& x) { return tj::max(x); }, {3, 4}, -3, 3},
        {"min",
         "min",
         [](const Var& x) {
             return tj::min(x, {0, 2}, true);
         },
         {2, 3, 2},
         -3,
         3},
        {"cumsum", "cumsum", [](const Var& x) { return tj::cumsum(x, 1); }, {3, 4}, -2, 2},
        {"cumsum", "cumsum flat", [](const Var& x) { return tj::cumsum(x); }, {3, 2}, -2, 2},
        {"cumsum", "cumsum 0-d", [](const Var& x) { return tj::cumsum(x); }, {}, -2, 2},
        {"cumprod", "cumprod", [](const Var& x) { return tj::cumprod(x, 0); }, {4, 2}, 0.5, 2},
        {"cumprod", "cumprod flat", [](const Var& x) { return tj::cumprod(x); }, {2, 3}, 0.5, 1.5},
        {"softmax", "softmax", [](const Var& x) { return tj::softmax(x); }, {3, 4}, -3, 3},
        {"softmax",
         "softmax axis 0",
         [](const Var& x) { return tj::softmax(x, 0); },
         {3, 4},
         -3,
         3},
        {"log_softmax",
         "log_softmax",
         [](const Var& x) {
             return tj::log_softmax(x, {0, 2});
         },
         {2, 3, 2},
         -3,
         3},
        {"logsumexp", "logsumexp", [](const Var& x) { return tj::logsumexp(x, 1); }, {3, 4}, -3, 3},
        {"logsumexp",
         "logsumexp all",
         [](const Var& x) { return tj::logsumexp(x, {}, true); },
         {2, 3},
         -3,
         3},
        {"var", "var", [](const Var& x) { return tj::var(x, 0); }, {4, 3}, -2, 2},
        {"var", "var ddof=1", [](const Var& x) { return tj::var(x, {}, false, 1); }, {5}, -2, 2},
        {"std", "std", [](const Var& x) { return tj::std(x, 1, true); }, {3, 4}, -2, 2},
    };
    return r;
}

// The records of `op`, checked together (tests/support/op_checker.hpp).
void check_gradients(const std::string& op) {
    std::vector<tj_test::GradCase> cases;
    for (const auto& r : grad_records())
        if (r.op == op)
            cases.push_back({r.name,
                             [f = r.f](const std::vector<Var>& v) { return f(v[0]); },
                             {r.shape},
                             r.lo,
                             r.hi,
                             r.second_order});
    tj_test::check_gradients_together(cases, 77);
}

} // namespace

#define TJ_REDUCE_GRAD_TEST(OP)                                                                    \
    TEST_CASE(#OP ": gradients match finite differences (orders 1 and 2)",                         \
              "[op][reduce][grad][" #OP "]") {                                                     \
        check_gradients(#OP);                                                                      \
    }
TJ_REDUCE_GRAD_TEST(prod)
TJ_REDUCE_GRAD_TEST(max)
TJ_REDUCE_GRAD_TEST(min)
TJ_REDUCE_GRAD_TEST(cumsum)
TJ_REDUCE_GRAD_TEST(cumprod)
TJ_REDUCE_GRAD_TEST(softmax)
TJ_REDUCE_GRAD_TEST(log_softmax)
TJ_REDUCE_GRAD_TEST(logsumexp)
TJ_REDUCE_GRAD_TEST(var)
TJ_REDUCE_GRAD_TEST(std)
#undef TJ_REDUCE_GRAD_TEST

TEST_CASE("prod's gradient handles zeros", "[op][reduce][grad][prod]") {
    auto x = tj::dvector("x");
    auto g = tj::function({x}, tj::grad(tj::prod(x), x));
    CHECK(g(f64({2, 4, 3})).equals(f64({12, 6, 8})));
    CHECK(g(f64({2, 0, 3})).equals(f64({0, 6, 0})));
    CHECK(g(f64({0, 0, 3})).equals(f64({0, 0, 0})));
    CHECK(g(f64({0})).equals(f64({1})));
    for (const auto& p : {f64({2, 0, 3}), f64({0, 0, 3}), f64({-1.5, 0.5, 0})})
        CHECK_NOTHROW(
            tj::verify_grad([](const std::vector<Var>& v) { return tj::prod(v[0]); }, {p}));
}

TEST_CASE("max's gradient goes to every maximum, as PyTensor", "[op][reduce][grad][max]") {
    auto x = tj::dvector("x");
    auto g = tj::function({x}, tj::grad(tj::max(x), x));
    CHECK(g(f64({1, 3, 2, 3})).equals(f64({0, 1, 0, 1})));
    auto h = tj::function({x}, tj::grad(tj::min(x), x));
    CHECK(h(f64({1, 3, -2, 3})).equals(f64({0, 0, 1, 0})));
}

TEST_CASE("argmax, argmin, all and any pass no gradient (zeros, as PyTensor)",
          "[op][reduce][grad][argmax][argmin][all][any]") {
    auto x = tj::dvector("x");
    for (const Var& out : {tj::argmax(x), tj::argmin(x), tj::cast(tj::all(x), DType::Int64),
                           tj::cast(tj::any(x), DType::Int64)}) {
        // Integer and bool results stop gradients: x is reached only through them.
        Var cost = tj::cast(out, DType::Float64) + tj::sum(x) * 0;
        Var g = tj::grad(tj::cast(out, DType::Float64), x);
        CHECK(tj::function({x}, g)(f64({1, 2, 3})).equals(f64({0, 0, 0})));
        CHECK(tj::function({x}, tj::grad(cost, x))(f64({1, 2, 3})).equals(f64({0, 0, 0})));
    }
}
