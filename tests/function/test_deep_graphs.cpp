// Deep and wide graphs compile and run, or fail with an exception; they never take the process
// down (a stack overflow in Clang's constant evaluator, in a graph walk or in the recursive
// destruction of a long chain of nodes). Each test compares with a plain C++ loop.
#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

// A constant unique to this run, so that no test hits a kernel cached by an earlier run (the
// compile is what these tests are about).
double run_salt() {
    static const double salt = static_cast<double>(std::random_device{}() % 100000) / 1048576.0;
    return salt;
}

template <class F> auto timed(const char* what, F&& build) {
    const auto start = std::chrono::steady_clock::now();
    auto result = build();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "deep graphs: %s built in %.0f ms\n", what, ms);
    return result;
}

// The B7 probe: x = x * 1.0001 + 0.5, with tanh every 3rd step.
tj::Var b7_chain(tj::Var x, int steps, double offset) {
    for (int k = 0; k < steps; ++k) {
        x = x * 1.0001 + offset;
        if (k % 3 == 2) x = tj::tanh(x);
    }
    return x;
}

double b7_reference(double x, int steps, double offset) {
    for (int k = 0; k < steps; ++k) {
        x = x * 1.0001 + offset;
        if (k % 3 == 2) x = std::tanh(x);
    }
    return x;
}

void check_b7(int steps) {
    const double offset = 0.5 + run_salt();
    auto x = tj::dvector("x");
    auto f = timed(("B7 chain K=" + std::to_string(steps)).c_str(),
                   [&] { return tj::function({x}, b7_chain(x, steps, offset)); });
    std::vector<double> in;
    for (int i = 0; i < 37; ++i) in.push_back(-2.0 + 0.11 * i);
    tj::Array out = f(tj::Array(in));
    REQUIRE(out.size() == static_cast<std::int64_t>(in.size()));
    for (std::size_t i = 0; i < in.size(); ++i)
        CHECK(out.flat(static_cast<std::int64_t>(i)) ==
              Approx(b7_reference(in[i], steps, offset)).epsilon(1e-9));
}

} // namespace

TEST_CASE("a chain of 1000 element-wise ops compiles and runs", "[function][deep]") {
    check_b7(1000);
}

TEST_CASE("a chain of 5000 element-wise ops compiles and runs", "[function][deep]") {
    check_b7(5000);
}

TEST_CASE("a chain of 20000 element-wise ops compiles and runs", "[function][deep]") {
    check_b7(20000);
}

TEST_CASE("an add chain over 5000 inputs compiles and runs", "[function][deep]") {
    const int n = 5000;
    std::vector<tj::In> inputs;
    std::vector<tj::Var> xs;
    for (int i = 0; i < n; ++i) {
        xs.push_back(tj::dvector("x" + std::to_string(i)));
        inputs.emplace_back(xs.back());
    }
    tj::Var s = xs[0] + run_salt();
    for (int i = 1; i < n; ++i) s = s + xs[i];
    auto f = timed("add chain over 5000 inputs", [&] { return tj::function(inputs, s); });
    std::vector<tj::Arg> args;
    std::vector<double> expected(3, run_salt());
    for (int i = 0; i < n; ++i) {
        std::vector<double> v{0.001 * i, -0.5 * i, 1.0 + i % 7};
        for (int j = 0; j < 3; ++j) expected[j] += v[j];
        args.emplace_back(tj::Array(v));
    }
    tj::Array out = f(std::span<const tj::Arg>(args));
    REQUIRE(out.size() == 3);
    for (int j = 0; j < 3; ++j) CHECK(out.flat(j) == Approx(expected[j]).epsilon(1e-12));
}

TEST_CASE("200 chained dots compile and run", "[function][deep]") {
    const int steps = 200, n = 4;
    auto m = tj::dmatrix("m");
    auto v = tj::dvector("v");
    tj::Var r = v + run_salt();
    for (int k = 0; k < steps; ++k) r = tj::dot(m, r);
    auto f = timed("200 chained dots", [&] { return tj::function({m, v}, r); });
    // A rotation-like matrix scaled to keep the values of order one.
    std::vector<std::vector<double>> mv(n, std::vector<double>(n));
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            mv[i][j] = (i == j ? 0.9 : 0.0) + (j == (i + 1) % n ? 0.3 : 0.0);
    tj::Array ma = tj::Array::zeros(tj::DType::Float64, tj::Dims{n, n});
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) static_cast<double*>(ma.raw_data())[i * n + j] = mv[i][j];
    std::vector<double> x{1.0, -2.0, 0.5, 3.0};
    tj::Array out = f(ma, tj::Array(x));
    for (double& e : x) e += run_salt();
    for (int k = 0; k < steps; ++k) {
        std::vector<double> y(n, 0.0);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) y[i] += mv[i][j] * x[j];
        x = y;
    }
    REQUIRE(out.size() == n);
    for (int i = 0; i < n; ++i) CHECK(out.flat(i) == Approx(x[i]).epsilon(1e-9).margin(1e-12));
}

TEST_CASE("1000 chained reductions compile and run", "[function][deep]") {
    const int steps = 1000;
    const double c = 0.25 + run_salt();
    auto x = tj::dvector("x");
    tj::Var y = x;
    for (int k = 0; k < steps; ++k) y = tj::tanh(y + c - 0.5 * tj::mean(y));
    auto f = timed("1000 chained reductions", [&] { return tj::function({x}, y); });
    std::vector<double> v{0.3, -1.2, 2.5, 0.0, 0.7};
    tj::Array out = f(tj::Array(v));
    for (int k = 0; k < steps; ++k) {
        double mean = 0;
        for (double e : v) mean += e;
        mean /= static_cast<double>(v.size());
        for (double& e : v) e = std::tanh(e + c - 0.5 * mean);
    }
    REQUIRE(out.size() == static_cast<std::int64_t>(v.size()));
    for (std::size_t i = 0; i < v.size(); ++i)
        CHECK(out.flat(static_cast<std::int64_t>(i)) == Approx(v[i]).epsilon(1e-9).margin(1e-12));
}

TEST_CASE("a chain of 100000 nodes is built, printed and dropped, and deep chains evaluated and "
          "differentiated, without compiling",
          "[function][deep]") {
    auto x = tj::dvector("x");
    {
        tj::Var y = b7_chain(x, 100000, 0.5);
        CHECK(!tj::to_string(y).empty());
    } // the whole chain goes here, from its last node
    // The reference evaluator and the gradient walk deep chains without recursing.
    {
        const int steps = 20000;
        tj::Var y = b7_chain(x, steps, 0.5);
        tj::Array out = tj::eval(y, {{x, tj::Array({0.25, -1.0})}});
        CHECK(out.flat(0) == Approx(b7_reference(0.25, steps, 0.5)).epsilon(1e-9));
        CHECK(out.flat(1) == Approx(b7_reference(-1.0, steps, 0.5)).epsilon(1e-9));
        auto gx = tj::grad(tj::sum(y), x);
        CHECK(gx.defined());
    }
    // A wide add tree over the same input, dropped as well.
    {
        tj::Var s = x;
        for (int i = 0; i < 100000; ++i) s = s + x;
    }
    SUCCEED();
}
