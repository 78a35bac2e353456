// The API spellings users write (README "API overview"), run and checked: braced options for
// shared variables, tj::none axes, containers of SharedVar for grad and updates, a braced list
// as the value of a one-input function, more than six positional arguments.
#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include "support/test_util.hpp"

#include <utility>
#include <vector>

using tj::Array;

TEST_CASE("api: shared variables take braced options with a name and a static shape", "[api]") {
    auto w = tj::shared(Array::zeros(tj::DType::Float64, {3}), {.name = "w", .shape = {tj::dyn}});
    CHECK(w.type().str() == "float64[?]");
    auto r =
        tj::shared(Array::zeros(tj::DType::Float64, {1, 4}), {.name = "r", .shape = {1, tj::dyn}});
    CHECK(r.type().str() == "float64[1, ?]");
    auto b = tj::shared(0.0, {.name = "b"});
    auto c = tj::shared(0.0, "c");
    CHECK(b.type().str() == "float64[]");
    tj_test::expect_error<tj::ShapeError>(
        [] {
            tj::shared(Array::zeros(tj::DType::Float64, {3}), {.shape = {1, tj::dyn}});
        },
        {"rank 2"});
}

TEST_CASE("api: gradients and updates from containers of shared variables", "[api]") {
    auto w = tj::shared(Array(std::vector<double>{1.0, -1.0, 0.5}), {.name = "w"});
    auto b = tj::shared(0.25, {.name = "b"});
    auto x = tj::dvector("x");
    auto cost = tj::sum(tj::pow(x * w + b, 2), tj::none, true);
    CHECK(cost.type().str() == "float64[1]");
    std::vector<tj::SharedVar> params{w, b};
    auto grads = tj::grad(tj::sum(cost), params);
    REQUIRE(grads.size() == 2);
    std::vector<std::pair<tj::SharedVar, tj::Var>> updates;
    for (std::size_t i = 0; i < params.size(); ++i)
        updates.push_back({params[i], params[i] - 0.1 * grads[i]});
    auto step = tj::function({x}, cost, {.updates = updates});
    const Array out = step({1.0, 2.0, 3.0});
    // residuals x*w + b = {1.25, -1.75, 1.75}; cost = sum of squares; dcost/dw = 2 r x.
    CHECK(out.flat(0) == Approx(1.5625 + 3.0625 + 3.0625));
    const Array wv = w.get_value();
    CHECK(wv.flat(0) == Approx(1.0 - 0.1 * 2 * 1.25 * 1.0));
    CHECK(wv.flat(1) == Approx(-1.0 - 0.1 * 2 * -1.75 * 2.0));
    CHECK(wv.flat(2) == Approx(0.5 - 0.1 * 2 * 1.75 * 3.0));
    CHECK(b.get_value().item_double() == Approx(0.25 - 0.1 * 2 * (1.25 - 1.75 + 1.75)));
}

TEST_CASE("api: a braced list is the value of a one-input function; any number of positional "
          "arguments",
          "[api]") {
    auto m = tj::dmatrix("m");
    auto twice = tj::function({m}, 2 * m);
    const Array r = twice({{1.0, 1.5}});
    CHECK(r.ndim() == 2);
    CHECK(r.shape()[0] == 1);
    CHECK(r.flat(1) == 3.0);
    auto v = tj::dvector("v");
    CHECK(tj::function({v}, v + 1)({1.0, 2.0}).flat(1) == 3.0);

    auto [p, q, r2, s, t, u, w, z] = tj::dscalars("p", "q", "r", "s", "t", "u", "w", "z");
    auto sum8 =
        tj::function({p, q, r2, s, t, u, w, tj::In(z, 100)}, p + q + r2 + s + t + u + w + z);
    CHECK(sum8(1, 2, 3, 4, 5, 6, 7).item_double() == 128.0);
    CHECK(sum8(1, 2, 3, 4, 5, 6, 7, 8).item_double() == 36.0);
    const std::vector<tj::Arg> args{1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(sum8(args).item_double() == 36.0);
    tj_test::expect_error<tj::ArgumentError>([&] { sum8(1, 2, 3, 4, 5, 6, 7, 8, 9); });
}

TEST_CASE("api: tj::Generator comes with the umbrella header", "[api]") {
    tj::Generator rng(42);
    const Array a = rng.standard_normal({3});
    CHECK(a.shape()[0] == 3);
}
