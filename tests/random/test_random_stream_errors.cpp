// tj::RandomStream's parameter errors: constant parameters outside the domain are a ValueError
// when the variable is created, symbolic ones at call time with the shared state left alone;
// type errors name the distribution and the parameter.
#include "random_stream_test_util.hpp"
#include "support/test_util.hpp"

#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace tj::literals;
using namespace random_stream_test;

// ---- parameter errors
// ------------------------------------------------------------------------------

TEST_CASE("constant parameters outside the domain: ValueError when the variable is created",
          "[random][stream][errors]") {
    tj::RandomStream srng(1);
    CHECK_VALUE_ERROR(srng.normal(0, -1.5, {2}), "normal: scale must be non-negative, got -1.5");
    CHECK_VALUE_ERROR(srng.normal(0, std::nan("")), "normal: scale must be non-negative, got nan");
    CHECK_VALUE_ERROR(srng.uniform(0, INFINITY),
                      "uniform: high - low must be finite, got a range of inf");
    CHECK_VALUE_ERROR(srng.uniform(tj::Var(tj::Array(std::vector<double>{0, -1e308})), 1e308),
                      "uniform: high - low must be finite, got a range of inf");
    CHECK_VALUE_ERROR(srng.exponential(-2), "exponential: scale must be non-negative, got -2");
    CHECK_VALUE_ERROR(srng.gamma(-1), "gamma: shape must be non-negative, got -1");
    CHECK_VALUE_ERROR(srng.gamma(1, -3), "gamma: scale must be non-negative, got -3");
    CHECK_VALUE_ERROR(srng.beta(0, 1), "beta: a must be positive, got 0");
    CHECK_VALUE_ERROR(srng.beta(1, -0.5), "beta: b must be positive, got -0.5");
    CHECK_VALUE_ERROR(srng.binomial(-1, 0.5), "binomial: n must be non-negative, got -1");
    CHECK_VALUE_ERROR(srng.binomial(3, 1.5), "binomial: p must be in [0, 1], got 1.5");
    CHECK_VALUE_ERROR(srng.bernoulli(tj::Var(tj::Array(std::vector<double>{0.5, -0.1}))),
                      "bernoulli: p must be in [0, 1], got -0.1");
    CHECK_VALUE_ERROR(srng.poisson(-1), "poisson: lam must be non-negative, got -1");
    CHECK_VALUE_ERROR(srng.poisson(1e19), "poisson: lam value too large, got 1e+19");
    CHECK_VALUE_ERROR(srng.integers(5, 5), "integers: low must be less than high, got low 5");
    CHECK_VALUE_ERROR(srng.integers(0), "integers: low must be less than high, got low 0");
    CHECK_VALUE_ERROR(srng.integers(-200, 5, {}, tj::DType::Int8),
                      "integers: low is out of bounds for the dtype, got -200");
    CHECK_VALUE_ERROR(srng.integers(0, 257, {}, tj::DType::UInt8),
                      "integers: high is out of bounds for the dtype, got 257");
    CHECK_VALUE_ERROR(srng.integers(0, 3, {}, tj::DType::Float64),
                      "integers: dtype must be an integer dtype or bool");
    CHECK_VALUE_ERROR(srng.choice(0, {2}),
                      "choice: a must be a positive integer unless no samples are taken, got 0");
    CHECK_VALUE_ERROR(srng.choice(tj::Var(tj::Array::empty(tj::DType::Float64, {0, 2})), {1}),
                      "choice: a cannot be empty unless no samples are taken");
    CHECK_VALUE_ERROR(srng.choice(3, {2}, false, tj::Var(tj::Array(std::vector<double>{0.5, 0.5}))),
                      "choice: a and p must have same size, got p of size 2");
    CHECK_VALUE_ERROR(srng.choice(2, {1}, true, tj::Var(tj::Array(std::vector<double>{1.5, -0.5}))),
                      "choice: probabilities are not non-negative, got -0.5");
    CHECK_VALUE_ERROR(srng.choice(2, {1}, true, tj::Var(tj::Array(std::vector<double>{0.5, 0.6}))),
                      "choice: probabilities do not sum to 1, got sum 1.1");
    CHECK_VALUE_ERROR(
        srng.choice(2, {1}, true, tj::Var(tj::Array(std::vector<double>{0.5, std::nan("")}))),
        "choice: probabilities contain NaN");
    CHECK_VALUE_ERROR(
        srng.choice(3, {4}, false),
        "choice: cannot take a larger sample than population when replace=false, got population 3");
    CHECK_VALUE_ERROR(srng.choice(3, {2}, false, tj::Var(tj::Array(std::vector<double>{1, 0, 0}))),
                      "choice: fewer non-zero entries in p than size, got 1");
    CHECK_VALUE_ERROR(srng.permutation(-1), "permutation: n must be non-negative, got -1");
    // None of these made a variable.
    CHECK(srng.state_updates().empty());
    // choice with float32 p has float32's tolerance (as NumPy).
    CHECK_NOTHROW(srng.choice(2, {1}, true, tj::Var(tj::Array(std::vector<float>{0.5F, 0.5001F}))));
    CHECK_VALUE_ERROR(
        srng.choice(2, {1}, true, tj::Var(tj::Array(std::vector<double>{0.5, 0.5001}))),
        "choice: probabilities do not sum to 1");
}

TEST_CASE("type errors name the distribution and the parameter", "[random][stream][errors]") {
    tj::RandomStream srng(1);
    CHECK_THROWS_AS(srng.binomial(tj::dscalar("n"), 0.5), tj::TypeError);
    CHECK_THROWS_WITH(srng.binomial(tj::dscalar("n"), 0.5),
                      Catch::Contains("binomial: n must be an integer tensor, got float64[]"));
    CHECK_THROWS_WITH(srng.integers(0.5, 3),
                      Catch::Contains("integers: low must be an integer tensor"));
    CHECK_THROWS_WITH(srng.choice(2.5, {2}),
                      Catch::Contains("choice: a must be an integer tensor"));
    CHECK_THROWS_WITH(srng.permutation(1.5),
                      Catch::Contains("permutation: x must be an integer tensor"));
    CHECK_THROWS_WITH(
        srng.choice(3, {2}, true, tj::Var(tj::Array(std::vector<double>{1, 0, 0, 0}, {2, 2}))),
        Catch::Contains("choice: p must be 1-dimensional"));
    CHECK_THROWS_WITH(srng.normal(tj::Var()),
                      Catch::Contains("normal: loc is an undefined variable"));
}

TEST_CASE("symbolic parameters outside the domain: ValueError at call time, shared state unchanged",
          "[random][stream][errors]") {
    tj::RandomStream srng(21);
    auto x = tj::dscalar("x");
    auto v = tj::dvector("v");
    auto n = tj::lscalar("n");
    auto acc = tj::shared(tj::Array(0.0), "acc");

    auto check_call = [&](tj::Function& f, const std::vector<tj::Arg>& good,
                          const std::vector<tj::Arg>& bad, const std::string& text) {
        f(std::span<const tj::Arg>(good));
        const auto states = srng.state_updates();
        std::vector<tj::Array> before;
        for (const auto& s : states) before.push_back(s.first.get_value());
        const tj::Array acc_before = acc.get_value();
        CHECK_THROWS_AS(f(std::span<const tj::Arg>(bad)), tj::ValueError);
        tj_test::expect_error<tj::ValueError>([&] { f(std::span<const tj::Arg>(bad)); }, {text});
        for (std::size_t k = 0; k < states.size(); ++k)
            CHECK(same_bits(states[k].first.get_value(), before[k]));
        CHECK(same_bits(acc.get_value(), acc_before));
    };
    auto with_acc = [&](const std::vector<tj::In>& ins, const tj::Var& out) {
        return tj::function(ins, out, {.updates = {{acc, acc + 1}}});
    };
    {
        auto f = with_acc({x}, srng.normal(0, x, {3}));
        check_call(f, {1.0}, {-1.5}, "normal: scale must be non-negative, got -1.5");
    }
    {
        auto f = with_acc({x}, srng.uniform(x, 1, {2}));
        check_call(f, {0.5}, {-INFINITY}, "uniform: high - low must be finite, got a range of inf");
    }
    {
        auto f = with_acc({v}, srng.exponential(v));
        check_call(f, {std::vector<double>{1, 2}}, {std::vector<double>{1, -2}},
                   "exponential: scale must be non-negative, got -2");
    }
    {
        auto f = with_acc({x}, srng.gamma(x, 2, {2}));
        check_call(f, {1.5}, {-0.25}, "gamma: shape must be non-negative, got -0.25");
    }
    {
        auto f = with_acc({x}, srng.gamma(1, x, {2}));
        check_call(f, {1.5}, {-0.25}, "gamma: scale must be non-negative, got -0.25");
    }
    {
        auto f = with_acc({x}, srng.beta(x, 1, {2}));
        check_call(f, {1.5}, {0.0}, "beta: a must be positive, got 0");
    }
    {
        auto f = with_acc({x}, srng.beta(1, x, {2}));
        check_call(f, {1.5}, {-1.0}, "beta: b must be positive, got -1");
    }
    {
        auto f = with_acc({n}, srng.binomial(n, 0.5, {2}));
        check_call(f, {3}, {-4}, "binomial: n must be non-negative, got -4");
    }
    {
        auto f = with_acc({x}, srng.binomial(3, x, {2}));
        check_call(f, {0.5}, {1.25}, "binomial: p must be in [0, 1], got 1.25");
    }
    {
        auto f = with_acc({v}, srng.bernoulli(v));
        check_call(f, {std::vector<double>{0.5}}, {std::vector<double>{0.5, 2}},
                   "bernoulli: p must be in [0, 1], got 2");
    }
    {
        auto f = with_acc({x}, srng.poisson(x, {2}));
        check_call(f, {3.0}, {-1.0}, "poisson: lam must be non-negative, got -1");
        check_call(f, {3.0}, {1e19}, "poisson: lam value too large, got 1e+19");
    }
    {
        auto f = with_acc({n}, srng.integers(n, 10, {2}));
        check_call(f, {3}, {10}, "integers: low must be less than high, got low 10");
    }
    {
        auto f = with_acc({n}, srng.integers(0, n, {2}, tj::DType::Int8));
        check_call(f, {3}, {200}, "integers: high is out of bounds for the dtype, got 200");
    }
    {
        auto f = with_acc({n}, srng.integers(n, 10, {2}, tj::DType::UInt16));
        check_call(f, {3}, {-1}, "integers: low is out of bounds for the dtype, got -1");
    }
    {
        auto f = with_acc({n}, srng.choice(n, {3}));
        check_call(f, {3}, {0},
                   "choice: a must be a positive integer unless no samples are taken, got 0");
    }
    {
        auto f = with_acc({n}, srng.choice(n, {3}, false));
        check_call(f, {3}, {2},
                   "choice: cannot take a larger sample than population when replace=false, got "
                   "population 2");
    }
    {
        auto p = tj::dvector("p");
        auto f = with_acc({p}, srng.choice(3, {2}, true, p));
        check_call(f, {std::vector<double>{0.2, 0.3, 0.5}}, {std::vector<double>{0.2, 0.3}},
                   "choice: a and p must have same size, got p of size 2");
        check_call(f, {std::vector<double>{0.2, 0.3, 0.5}}, {std::vector<double>{0.2, 0.3, 0.6}},
                   "choice: probabilities do not sum to 1, got sum 1.1");
        check_call(f, {std::vector<double>{0.2, 0.3, 0.5}}, {std::vector<double>{1.2, -0.2, 0}},
                   "choice: probabilities are not non-negative, got -0.2");
        check_call(f, {std::vector<double>{0.2, 0.3, 0.5}}, {std::vector<double>{0.5, NAN, 0.5}},
                   "choice: probabilities contain NaN, got sum nan");
        auto g = with_acc({p}, srng.choice(3, {2}, false, p));
        check_call(g, {std::vector<double>{0.2, 0.3, 0.5}}, {std::vector<double>{0, 0, 1}},
                   "choice: fewer non-zero entries in p than size, got 1");
    }
    {
        auto m = tj::dmatrix("m");
        auto f = with_acc({m}, srng.choice(m, {2}));
        check_call(f, {tj::Array(std::vector<double>{1, 2}, {1, 2})},
                   {tj::Array::empty(tj::DType::Float64, {0, 2})},
                   "choice: a cannot be empty unless no samples are taken");
    }
    {
        auto f = with_acc({n}, srng.permutation(n));
        check_call(f, {4}, {-2}, "permutation: n must be non-negative, got -2");
    }
    // The message names the function and the node.
    auto named = tj::function({x}, srng.normal(0, x), {.name = "noisy"});
    CHECK_THROWS_WITH(named(-1.0),
                      Catch::StartsWith("noisy: apply node random_draw(") &&
                          Catch::Contains("normal: scale must be non-negative, got -1"));
}
