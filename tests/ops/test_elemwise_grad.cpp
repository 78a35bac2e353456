// Element-wise gradients at chosen points, beyond the table's random points (elemwise_table.cpp):
// ties of maximum, minimum and clip, piecewise-constant ops, and special values.
#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include <string>
#include <vector>

using tj::Array;
using tj::DType;
using tj::Var;

TEST_CASE("maximum, minimum and clip send the gradient of ties to x", "[op][elemwise][maximum]"
                                                                      "[minimum][clip][grad]") {
    auto [x, y] = tj::dvectors("x", "y");
    auto f = tj::function({x, y}, std::vector<Var>{tj::grad(tj::sum(tj::maximum(x, y)), x),
                                                   tj::grad(tj::sum(tj::maximum(x, y)), y),
                                                   tj::grad(tj::sum(tj::minimum(x, y)), x)});
    auto r = f(Array{1.0, 2.0, 3.0}, Array{1.0, 0.0, 5.0});
    CHECK(r[0].equals(Array{1.0, 1.0, 0.0}));
    CHECK(r[1].equals(Array{0.0, 0.0, 1.0}));
    CHECK(r[2].equals(Array{1.0, 0.0, 1.0}));
    // clip: x inside [lo, hi] (bounds included), lo below, hi above or where lo > hi.
    auto [v, lo, hi] = tj::dvectors("v", "lo", "hi");
    auto cost = tj::sum(tj::clip(v, lo, hi));
    auto g = tj::function(
        {v, lo, hi}, std::vector<Var>{tj::grad(cost, v), tj::grad(cost, lo), tj::grad(cost, hi)});
    auto gc = g(Array{0.0, 1.0, -1.0, 2.0, 0.5}, Array{0.0, 0.0, 0.0, 0.0, 3.0},
                Array{1.0, 1.0, 1.0, 1.0, 1.0});
    CHECK(gc[0].equals(Array{1.0, 1.0, 0.0, 0.0, 0.0}));
    CHECK(gc[1].equals(Array{0.0, 0.0, 1.0, 0.0, 0.0}));
    CHECK(gc[2].equals(Array{0.0, 0.0, 0.0, 1.0, 1.0}));
}

TEST_CASE("piecewise-constant ops have a zero gradient, not a disconnected one",
          "[op][elemwise][floor][ceil][round][trunc][sign][floor_div][grad]") {
    auto x = tj::dvector("x");
    for (auto op : {tj::floor, tj::ceil, tj::round, tj::trunc, tj::sign}) {
        Var g = tj::grad(tj::sum(op(x) * x), x); // d(x op(x)) = op(x)
        auto f = tj::function({x}, std::vector<Var>{g, op(x)});
        auto r = f(Array{-1.5, 0.3, 2.5});
        CHECK(r[0].equals(r[1]));
        CHECK_NOTHROW(tj::grad(tj::sum(op(x)), x));
    }
    auto y = tj::dvector("y");
    auto gy = tj::function({x, y}, tj::grad(tj::sum(tj::floor_div(x, y)), y));
    CHECK(gy(Array{1.0, 5.0}, Array{0.3, 2.0}).equals(Array{0.0, 0.0}));
}

TEST_CASE("gradients at special points", "[op][elemwise][gammaln][erfinv][mod][where][grad]") {
    auto x = tj::dvector("x");
    // d/dx gammaln = digamma: -gamma at 1, -gamma - 2 ln 2 at 1/2, through the reflection at
    // -1/2, and 1 - gamma at 2; then trigamma(1) = pi^2 / 6 as the second derivative.
    auto d = tj::function({x}, tj::grad(tj::sum(tj::gammaln(x)), x));
    Array got = d(Array{1.0, 0.5, -0.5, 2.0, 10.0});
    const std::vector<double> want = {-0.5772156649015329, -1.9635100260214235, 0.03648997397857652,
                                      0.42278433509846713, 2.251752589066721};
    for (std::size_t i = 0; i < want.size(); ++i)
        CHECK(got.flat(i) == Approx(want[i]).epsilon(1e-11));
    auto d2 = tj::function({x}, tj::grad(tj::sum(tj::grad(tj::sum(tj::gammaln(x)), x)), x));
    CHECK(d2(Array{1.0}).flat(0) == Approx(1.6449340668482264).epsilon(1e-9));
    tj::verify_grad([](const std::vector<Var>& v) { return tj::gammaln(v[0]); },
                    {Array{-0.7, -1.5, -2.3, 0.05}});
    // d/dx erfinv at 0 = sqrt(pi) / 2.
    auto e = tj::function({x}, tj::grad(tj::sum(tj::erfinv(x)), x));
    CHECK(e(Array{0.0}).flat(0) == Approx(0.886226925452758).epsilon(1e-14));
    tj::verify_grad([](const std::vector<Var>& v) { return tj::erfinv(v[0]); },
                    {Array{-0.999, 0.9999, 1e-8}}, {.rel_tol = 1e-4});
    // d(a % b)/db = -floor(a / b), negative divisors included.
    tj::verify_grad([](const std::vector<Var>& v) { return v[0] % v[1]; },
                    {Array{7.3, -7.3, 7.3, -2.5}, Array{2.0, 2.0, -2.0, -0.7}});
    // where: each branch gets the gradient where it is chosen.
    auto w = tj::function({x}, tj::grad(tj::sum(tj::where(x > 0, x * x, -x)), x));
    CHECK(w(Array{0.0, 3.0, -1.0}).equals(Array{-1.0, 6.0, -1.0}));
}
