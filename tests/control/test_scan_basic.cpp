// scan: PyTensor's scan tutorial examples with their values, computed here by plain loops.
#include <catch2/catch.hpp>

#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <cmath>
#include <random>

using tj::Array;
using tj::DType;
using tj::Var;

namespace {

Array vec(std::vector<double> v) { return Array(std::move(v)); }

} // namespace

TEST_CASE("scan: cumulative sum of a vector", "[scan]") {
    Var x = tj::vector("x");
    auto r = tj::scan([](Var x_t, Var acc) { return acc + x_t; },
                      {.sequences = {x}, .outputs_info = {Var(0.0)}});
    auto f = tj::function({x}, r.output());
    Array out = f(vec({1, 2, 3, 4}));
    REQUIRE(out.shape() == tj::Dims{4});
    CHECK(out.flat(0) == 1);
    CHECK(out.flat(1) == 3);
    CHECK(out.flat(2) == 6);
    CHECK(out.flat(3) == 10);
}

TEST_CASE("scan: A**k by repeated multiplication, only the last step kept", "[scan]") {
    Var A = tj::vector("A");
    Var k = tj::scalar("k", DType::Int32);
    auto r = tj::scan([](Var prior, Var a) { return prior * a; },
                      {.outputs_info = {tj::ones_like(A)}, .non_sequences = {A}, .n_steps = k});
    Var final_result = r.output()(-1);
    auto power = tj::function({A, k}, final_result);
    Array a = vec({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    Array out = power(a, 2);
    REQUIRE(out.shape() == tj::Dims{10});
    for (int i = 0; i < 10; ++i) CHECK(out.flat(i) == i * i);
    Array cube = power(a, 3);
    for (int i = 0; i < 10; ++i) CHECK(cube.flat(i) == i * i * i);
    // Every step stacked.
    auto all = tj::function({A, k}, r.output());
    Array steps = all(vec({1, 2, 3}), 4);
    REQUIRE(steps.shape() == tj::Dims{4, 3});
    for (int t = 0; t < 4; ++t)
        for (int i = 0; i < 3; ++i) CHECK(steps.at({t, i}) == std::pow(i + 1, t + 1));
}

TEST_CASE("scan: polynomial from coefficients (two sequences, a non-sequence)", "[scan]") {
    Var coefficients = tj::vector("coefficients");
    Var x = tj::scalar("x");
    Var max_coeff = tj::constant(Array(std::int64_t{10000}));
    auto components = tj::scan(
        [](Var coeff, Var power, Var free_var) { return coeff * tj::pow(free_var, power); },
        {.sequences = {coefficients, tj::arange(max_coeff)},
         .outputs_info = {tj::none},
         .non_sequences = {x}});
    Var polynomial = tj::sum(components.output());
    auto f = tj::function({coefficients, x}, polynomial);
    CHECK(f(vec({1, 0, 2}), 3.0).item_double() == 19.0);
    CHECK(f(vec({1, 2, 3, 4}), 2.0).item_double() == 1 + 4 + 12 + 32);
}

TEST_CASE("scan: Fibonacci with taps {-2, -1}", "[scan]") {
    Var init = tj::vector("init");
    Var n = tj::scalar("n", DType::Int32);
    auto r = tj::scan([](Var a2, Var a1) { return a2 + a1; },
                      {.outputs_info = {{init, {-2, -1}}}, .n_steps = n});
    auto f = tj::function({init, n}, r.output());
    Array out = f(vec({0, 1}), 10);
    const double expect[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89};
    REQUIRE(out.shape() == tj::Dims{10});
    for (int i = 0; i < 10; ++i) CHECK(out.flat(i) == expect[i]);
}

TEST_CASE("scan: until stops at a threshold", "[scan]") {
    Var start = tj::scalar("start");
    auto r = tj::scan(
        [](Var prev) {
            Var next = prev * 2;
            return tj::ScanStep({next}, tj::until(next > 40));
        },
        {.outputs_info = {start}, .n_steps = 1024});
    auto f = tj::function({start}, r.output());
    Array out = f(1.0);
    REQUIRE(out.shape() == tj::Dims{6});
    CHECK(out.flat(5) == 64);
    // No bound: grows as needed.
    auto r2 = tj::scan(
        [](Var prev) {
            Var next = prev + 1;
            return tj::ScanStep({next}, tj::until(next >= 1000));
        },
        {.outputs_info = {start}});
    Array many = tj::function({start}, r2.output())(0.0);
    REQUIRE(many.shape() == tj::Dims{1000});
    for (int i = 0; i < 1000; ++i) REQUIRE(many.flat(i) == i + 1);
}

TEST_CASE("scan: go_backwards and sequence taps", "[scan]") {
    Var x = tj::vector("x");
    auto rev = tj::scan([](Var x_t) { return x_t * 1.0; },
                        {.sequences = {x}, .outputs_info = {tj::none}, .go_backwards = true});
    Array out = tj::function({x}, rev.output())(vec({1, 2, 3}));
    REQUIRE(out.shape() == tj::Dims{3});
    CHECK(out.flat(0) == 3);
    CHECK(out.flat(2) == 1);
    auto diff = tj::scan([](Var prev, Var next) { return next - prev; },
                         {.sequences = {{x, {-1, 1}}}, .outputs_info = {tj::none}});
    Array d = tj::function({x}, diff.output())(vec({1, 4, 9, 16, 25}));
    REQUIRE(d.shape() == tj::Dims{3});
    CHECK(d.flat(0) == 8);
    CHECK(d.flat(1) == 12);
    CHECK(d.flat(2) == 16);
}

TEST_CASE("scan: gradients through time by finite differences", "[scan][grad]") {
    std::mt19937_64 rng(7);
    // A tanh RNN: h_t = tanh(W h_{t-1} + x_t); cost = sum of every h.
    tj::verify_grad(
        [](const std::vector<Var>& in) {
            auto r =
                tj::scan([](Var x_t, Var h, Var W) { return tj::tanh(tj::dot(W, h) + x_t); },
                         {.sequences = {in[0]}, .outputs_info = {in[1]}, .non_sequences = {in[2]}});
            return tj::sum(r.output());
        },
        {tj_test::random_array(rng, DType::Float64, {5, 3}),
         tj_test::random_array(rng, DType::Float64, {3}),
         tj_test::random_array(rng, DType::Float64, {3, 3})});
    // Only the last state.
    tj::verify_grad(
        [](const std::vector<Var>& in) {
            auto r =
                tj::scan([](Var x_t, Var h, Var W) { return tj::tanh(tj::dot(W, h) + x_t); },
                         {.sequences = {in[0]}, .outputs_info = {in[1]}, .non_sequences = {in[2]}});
            return r.output()(-1);
        },
        {tj_test::random_array(rng, DType::Float64, {4, 3}),
         tj_test::random_array(rng, DType::Float64, {3}),
         tj_test::random_array(rng, DType::Float64, {3, 3})});
    // Taps {-2, -1} on a state, {-1, 1} on a sequence, a map result, going backwards.
    tj::verify_grad(
        [](const std::vector<Var>& in) {
            auto r = tj::scan(
                [](Var prev, Var next, Var a2, Var a1, Var c) {
                    Var y = tj::sin(a2) * c + a1 * (next - prev);
                    return std::vector<Var>{y, y * y};
                },
                {.sequences = {{in[0], {-1, 1}}},
                 .outputs_info = {{in[1], {-2, -1}}, tj::none},
                 .non_sequences = {in[2]},
                 .go_backwards = true});
            return tj::sum(r[0] * 2.0) + tj::sum(r[1]);
        },
        {tj_test::random_array(rng, DType::Float64, {7}),
         tj_test::random_array(rng, DType::Float64, {2}),
         tj_test::random_array(rng, DType::Float64, {})});
}

TEST_CASE("scan: jacobian and hessian of a vector whose length is known at run time",
          "[scan][grad]") {
    Var x = tj::vector("x");
    Var y = x * x * x;
    auto f = tj::function({x}, tj::jacobian(y, x));
    Array v = vec({1, 2, 3});
    Array jac = f(v);
    REQUIRE(jac.shape() == tj::Dims{3, 3});
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            CHECK(jac.at({i, j}) == (i == j ? 3.0 * (i + 1) * (i + 1) : 0.0));
    Array v5 = vec({1, 2, 3, 4, 5});
    CHECK(f(v5).shape() == tj::Dims{5, 5});
    // Hessian of sum(x^3) = diag(6 x).
    auto h = tj::function({x}, tj::hessian(tj::sum(x * x * x), x));
    Array hv = h(v);
    REQUIRE(hv.shape() == tj::Dims{3, 3});
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) CHECK(hv.at({i, j}) == (i == j ? 6.0 * (i + 1) : 0.0));
}

TEST_CASE("scan: save_mem keeps only the last step when only [-1] is used", "[scan][rewrite]") {
    Var A = tj::vector("A");
    Var k = tj::scalar("k", DType::Int32);
    auto r = tj::scan([](Var prior, Var a) { return prior * a; },
                      {.outputs_info = {tj::ones_like(A)}, .non_sequences = {A}, .n_steps = k});
    auto f = tj::function({A, k}, r.output()(-1), {.rewrites = true});
    const std::string after = tj::dprint(f, {.types = true, .stage = tj::Stage::after});
    INFO(after);
    CHECK(after.find("subtensor") == std::string::npos);
    // No step, no last value: the same error as indexing an empty result.
    tj_test::expect_error<tj::ValueError>(
        [&] {
            f(vec({1, 2}), 0);
        },
        {"index -1 is out of bounds"});
}

TEST_CASE("scan: a random walk draws afresh each step and advances the stream", "[scan][random]") {
    // The same stream outside a scan, one draw per call, gives the reference numbers.
    tj::RandomStream ref_stream(42);
    auto draw = tj::function({}, ref_stream.normal(0.0, 1.0));
    std::vector<double> steps;
    for (int i = 0; i < 10; ++i) steps.push_back(draw().item_double());

    for (bool explicit_updates : {true, false}) {
        tj::RandomStream srng(42);
        Var x0 = tj::scalar("x0");
        auto r = tj::scan([&](Var x) { return x + srng.normal(0.0, 1.0); },
                          {.outputs_info = {x0}, .n_steps = 5});
        REQUIRE(r.updates.size() == 1);
        tj::FunctionOptions options;
        if (explicit_updates) options.updates = r.updates;
        auto walk = tj::function({x0}, r.output(), options);
        Array first = walk(0.0);
        Array second = walk(0.0);
        REQUIRE(first.shape() == tj::Dims{5});
        double pos = 0, pos2 = 0;
        for (int t = 0; t < 5; ++t) {
            pos += steps[static_cast<std::size_t>(t)];
            pos2 += steps[static_cast<std::size_t>(t + 5)];
            CHECK(first.flat(t) == Approx(pos).epsilon(1e-15));
            CHECK(second.flat(t) == Approx(pos2).epsilon(1e-15));
        }
    }
}

TEST_CASE("scan: a shared variable updated by the step", "[scan]") {
    tj::SharedVar count = tj::shared(Array(0.0), "count");
    Var x = tj::vector("x");
    auto r = tj::scan(
        [&](Var x_t) {
            return tj::ScanStep({x_t + count}, {{count, count + 1.0}});
        },
        {.sequences = {x}, .outputs_info = {tj::none}});
    auto f = tj::function({x}, r.output(), {.updates = r.updates});
    Array out = f(vec({10, 20, 30}));
    CHECK(out.flat(0) == 10);
    CHECK(out.flat(1) == 21);
    CHECK(out.flat(2) == 32);
    CHECK(count.get_value().item_double() == 3);
    f(vec({1}));
    CHECK(count.get_value().item_double() == 4);
}

TEST_CASE("scan: errors name the problem", "[scan][errors]") {
    Var x = tj::vector("x");
    Var y = tj::vector("y");
    Var n = tj::scalar("n", DType::Int64);
    // fn returns the wrong number of outputs.
    tj_test::expect_error<tj::TypeError>(
        [&] {
            tj::scan(
                [](Var x_t) {
                    return std::vector<Var>{x_t, x_t};
                },
                {.sequences = {x}, .outputs_info = {tj::none}});
        },
        {"returned 2 outputs", "outputs_info has 1 entry"});
    // fn returns the wrong type for a state.
    tj_test::expect_error<tj::TypeError>(
        [&] {
            tj::scan([](Var h) { return tj::cast(h, DType::Float32); },
                     {.outputs_info = {Var(tj::scalar("h0"))}, .n_steps = 3});
        },
        {"output 1", "float32", "float64"});
    tj_test::expect_error<tj::TypeError>(
        [&] {
            tj::scan(
                [](Var h) {
                    return tj::stack({h, h});
                },
                {.outputs_info = {Var(tj::scalar("h0"))}, .n_steps = 3});
        },
        {"output 1"});
    // Taps without enough initial values.
    tj_test::expect_error<tj::ValueError>(
        [&] {
            tj::scan([](Var a, Var b) { return a + b; },
                     {.outputs_info = {{tj::constant(Array(std::vector<double>{1.0})), {-2, -1}}},
                      .n_steps = 3});
        },
        {"need 2 initial values"});
    auto fib = tj::scan([](Var a, Var b) { return a + b; },
                        {.outputs_info = {{x, {-2, -1}}}, .n_steps = n});
    auto f = tj::function({x, n}, fib.output());
    tj_test::expect_error<tj::ValueError>([&] { f(vec({1}), 3); }, {"initial values"});
    // n_steps negative.
    tj_test::expect_error<tj::ValueError>(
        [&] {
            f(vec({1, 1}), -1);
        },
        {"n_steps must be non-negative"});
    tj_test::expect_error<tj::ValueError>(
        [&] { tj::scan([](Var h) { return h; }, {.outputs_info = {x}, .n_steps = -2}); },
        {"n_steps must be non-negative"});
    // Sequences of different lengths: the shortest decides (PyTensor); n_steps beyond a sequence
    // is an error.
    auto both = tj::scan([](Var a, Var b) { return a * b; },
                         {.sequences = {x, y}, .outputs_info = {tj::none}});
    Array prod = tj::function({x, y}, both.output())(vec({1, 2, 3}), vec({4, 5}));
    REQUIRE(prod.shape() == tj::Dims{2});
    CHECK(prod.flat(1) == 10);
    auto bounded = tj::scan([](Var a, Var b) { return a * b; },
                            {.sequences = {x, y}, .outputs_info = {tj::none}, .n_steps = n});
    auto g = tj::function({x, y, n}, bounded.output());
    tj_test::expect_error<tj::ValueError>(
        [&] {
            g(vec({1, 2, 3}), vec({4, 5}), 3);
        },
        {"too short"});
    CHECK(g(vec({1, 2, 3}), vec({4, 5}), 1).shape() == tj::Dims{1});
    // No sequences and no n_steps.
    tj_test::expect_error<tj::ValueError>(
        [&] { tj::scan([](Var h) { return h; }, {.outputs_info = {x}}); }, {"n_steps is required"});
    // A step whose value changes shape.
    auto grow = tj::scan(
        [](Var h) {
            return tj::concatenate({h, h});
        },
        {.outputs_info = {x}, .n_steps = 2});
    tj_test::expect_error<tj::ValueError>([&] { tj::function({x}, grow.output())(vec({1})); },
                                          {"shape differs"});
}

TEST_CASE("scan: cumulative product, a tanh RNN against a plain loop, strided sequences",
          "[scan]") {
    std::mt19937_64 rng(11);
    Var x = tj::vector("x");
    auto prod = tj::scan([](Var x_t, Var acc) { return acc * x_t; },
                         {.sequences = {x}, .outputs_info = {Var(1.0)}});
    Array p = tj::function({x}, prod.output())(vec({1, 2, 3, 4}));
    CHECK(p.flat(3) == 24);
    CHECK(p.flat(2) == 6);

    // h_t = tanh(W h_{t-1} + x_t), every h, against the same recurrence in C++.
    Var xs = tj::matrix("xs");
    Var h0 = tj::vector("h0");
    Var W = tj::matrix("W");
    auto rnn = tj::scan([](Var x_t, Var h, Var w) { return tj::tanh(tj::dot(w, h) + x_t); },
                        {.sequences = {xs}, .outputs_info = {h0}, .non_sequences = {W}});
    auto f = tj::function({xs, h0, W}, rnn.output());
    const int T = 20, H = 6;
    Array xv = tj_test::random_array(rng, DType::Float64, {T, H});
    Array hv = tj_test::random_array(rng, DType::Float64, {H});
    Array wv = tj_test::random_array(rng, DType::Float64, {H, H});
    auto reference = [&](const Array& xa) {
        std::vector<double> h(H), out;
        for (int j = 0; j < H; ++j) h[j] = hv.flat(j);
        for (int t = 0; t < T; ++t) {
            std::vector<double> next(H);
            for (int i = 0; i < H; ++i) {
                double s = 0;
                for (int j = 0; j < H; ++j) s += wv.at({i, j}) * h[j];
                next[i] = std::tanh(s + xa.at({t, i}));
            }
            h = next;
            out.insert(out.end(), h.begin(), h.end());
        }
        return Array(out).reshape({T, H});
    };
    CHECK(tj_test::all_close(f(xv, hv, wv), reference(xv), 1e-13));
    // A transposed (strided) sequence is read in place.
    Array xt = tj_test::random_array(rng, DType::Float64, {H, T}).transpose();
    CHECK(tj_test::all_close(f(xt, hv, wv), reference(xt), 1e-13));
    // Every other row of a larger array.
    Array big = tj_test::random_array(rng, DType::Float64, {2 * T, H});
    Array rows = big.slice(0, 0, 2 * T, 2);
    CHECK(tj_test::all_close(f(rows, hv, wv), reference(rows), 1e-13));
}

TEST_CASE("scan: float32 states, a scan inside a scan", "[scan]") {
    Var x = tj::vector("x", DType::Float32);
    auto r = tj::scan([](Var x_t, Var acc) { return acc + x_t * 0.5f; },
                      {.sequences = {x}, .outputs_info = {tj::zeros_like(x)(0)}});
    Array out = tj::function({x}, r.output())(Array(std::vector<float>{2, 4, 6}));
    REQUIRE(out.dtype() == DType::Float32);
    CHECK(out.flat(2) == 6.0f);

    // Outer loop over rows; the inner scan sums each row.
    Var m = tj::matrix("m");
    auto outer = tj::scan(
        [](Var row) {
            auto inner = tj::scan([](Var v, Var acc) { return acc + v; },
                                  {.sequences = {row}, .outputs_info = {Var(0.0)}});
            return inner.output()(-1);
        },
        {.sequences = {m}, .outputs_info = {tj::none}});
    Array sums = tj::function({m}, outer.output())(
        Array(std::vector<double>{1, 2, 3, 4, 5, 6}).reshape({2, 3}));
    REQUIRE(sums.shape() == tj::Dims{2});
    CHECK(sums.flat(0) == 6);
    CHECK(sums.flat(1) == 15);
}

TEST_CASE("scan: dprint shows the loop body as an inner graph", "[scan][dprint]") {
    Var xs = tj::matrix("xs");
    Var h0 = tj::vector("h0");
    Var W = tj::matrix("W");
    auto rnn = tj::scan([](Var x_t, Var h, Var w) { return tj::tanh(tj::dot(w, h) + x_t); },
                        {.sequences = {xs}, .outputs_info = {h0}, .non_sequences = {W},
                         .name = "rnn"});
    const std::string text = tj::dprint(rnn.output());
    INFO(text);
    CHECK_THAT(text, Catch::Contains("Inner graphs:"));
    CHECK_THAT(text, Catch::Contains("rnn [id A]: sequences {0}, states {-1}, 1 non-sequence"));
    CHECK_THAT(text, Catch::Contains("tanh [id A] (result 0)"));
    CHECK_THAT(text, Catch::Contains("xs[t]"));
    CHECK_THAT(text, Catch::Contains("h0[t-1]"));
}

TEST_CASE("scan: names cannot break the kernel's comments", "[scan]") {
    Var x = tj::vector("x */ int broken; /*\nmore");
    auto r = tj::scan([](Var x_t, Var acc) { return acc + x_t; },
                      {.sequences = {x}, .outputs_info = {Var(0.0)}, .name = "evil */ }"});
    Array out = tj::function({x}, r.output())(vec({1, 2}));
    CHECK(out.flat(1) == 3);
}

TEST_CASE("scan: a stream drawn from in a nested scan advances by every inner draw",
          "[scan][random]") {
    tj::RandomStream ref_stream(5);
    auto draw = tj::function({}, ref_stream.uniform(0.0, 1.0));
    std::vector<double> d;
    for (int i = 0; i < 6; ++i) d.push_back(draw().item_double());

    tj::RandomStream srng(5);
    auto outer = tj::scan(
        [&](Var) {
            auto inner = tj::scan([&](Var acc) { return acc + srng.uniform(0.0, 1.0); },
                                  {.outputs_info = {Var(0.0)}, .n_steps = 2});
            return inner.output()(-1);
        },
        {.outputs_info = {Var(0.0)}, .n_steps = 3});
    auto f = tj::function({}, outer.output());
    Array out = f();
    REQUIRE(out.shape() == tj::Dims{3});
    for (int k = 0; k < 3; ++k)
        CHECK(out.flat(k) == Approx(d[2 * k] + d[2 * k + 1]).epsilon(1e-15));
}
