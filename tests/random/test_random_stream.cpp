// tj::RandomStream: random variables in compiled functions draw the numbers tj::Generator (so
// NumPy) draws for the same seeds, bit for bit; seeding and reseeding as PyTensor; default
// updates, no_default_updates, explicit updates, one draw per call; broadcasting of symbolic and
// constant parameters; the reference evaluation; shape errors. The parameter errors, at build
// time for constants and at call time (shared state left alone) for symbolic parameters, are in
// test_random_stream_errors.cpp.
#include "random_stream_test_util.hpp"
#include "support/test_util.hpp"

#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace tj::literals;
using namespace random_stream_test;

namespace {

std::vector<double> doubles(const tj::Array& a) {
    const tj::Array c = a.astype(tj::DType::Float64).copy();
    return std::vector<double>(c.data<double>(), c.data<double>() + c.size());
}

} // namespace

// ---- bits: each distribution against tj::Generator
// ------------------------------------------------

TEST_CASE(
    "normal(0, 1, {3, 4}) draws Generator(SeedSequence(seed, {0})).standard_normal bit for bit",
    "[random][stream]") {
    for (std::uint64_t seed : {0ULL, 234ULL, 4294967303ULL}) {
        tj::RandomStream srng(seed);
        auto f = tj::function({}, srng.normal(0, 1, {3, 4}));
        auto g = child(seed, 0);
        CHECK(same_bits(f(), g.standard_normal({3, 4})));
        CHECK(same_bits(f(), g.standard_normal({3, 4}))); // the state advanced as NumPy's
    }
}

TEST_CASE("loc and scale transform as NumPy's: loc + scale * z", "[random][stream]") {
    tj::RandomStream srng(7);
    auto f = tj::function({}, srng.normal(2.5, 3, {5}));
    auto z = child(7, 0).standard_normal({5});
    auto out = f();
    for (int i = 0; i < 5; ++i) CHECK(out.data<double>()[i] == 2.5 + 3 * z.data<double>()[i]);
    auto n = child(7, 0).normal(2.5, 3, {5});
    CHECK(same_bits(out, n));
}

TEST_CASE("every distribution draws what tj::Generator draws for the variable's seed",
          "[random][stream]") {
    const std::uint64_t seed = 42;
    tj::RandomStream srng(seed);
    std::vector<tj::Var> vars;
    std::vector<tj::Array> expected;
    std::uint64_t k = 0;
    auto add = [&](const tj::Var& v, auto draw) {
        auto g = child(seed, k++);
        vars.push_back(v);
        expected.push_back(draw(g));
    };
    add(srng.uniform(-2, 5, {7}), [](tj::Generator& g) { return g.uniform(-2, 5, {7}); });
    add(srng.uniform(), [](tj::Generator& g) { return g.uniform(0, 1, {}); });
    add(srng.normal(1, 2, {2, 3}), [](tj::Generator& g) { return g.normal(1, 2, {2, 3}); });
    add(srng.integers(0, 1000000000000LL, {6}),
        [](tj::Generator& g) { return g.integers(0, 1000000000000LL, {6}); });
    add(srng.integers(10, tj::Var(), {5}), [](tj::Generator& g) { return g.integers(0, 10, {5}); });
    add(srng.integers(-5, 5, {9}, tj::DType::Int32),
        [](tj::Generator& g) { return g.integers(-5, 5, {9}, tj::DType::Int32); });
    add(srng.integers(-300, 300, {9}, tj::DType::Int16),
        [](tj::Generator& g) { return g.integers(-300, 300, {9}, tj::DType::Int16); });
    add(srng.integers(-3, 100, {11}, tj::DType::Int8),
        [](tj::Generator& g) { return g.integers(-3, 100, {11}, tj::DType::Int8); });
    add(srng.integers(0, 256, {11}, tj::DType::UInt8),
        [](tj::Generator& g) { return g.integers(0, 256, {11}, tj::DType::UInt8); });
    add(srng.integers(3, 70000, {5}, tj::DType::UInt32),
        [](tj::Generator& g) { return g.integers(3, 70000, {5}, tj::DType::UInt32); });
    add(srng.integers(0, 2, {40}, tj::DType::Bool),
        [](tj::Generator& g) { return g.integers(0, 2, {40}, tj::DType::Bool); });
    add(srng.exponential(2, {6}), [](tj::Generator& g) { return g.exponential(2, {6}); });
    add(srng.gamma(2.5, 1.5, {6}), [](tj::Generator& g) { return g.gamma(2.5, 1.5, {6}); });
    add(srng.gamma(0.5, 1, {6}), [](tj::Generator& g) { return g.gamma(0.5, 1, {6}); });
    add(srng.beta(2, 3, {6}), [](tj::Generator& g) { return g.beta(2, 3, {6}); });
    add(srng.beta(0.5, 0.7, {6}), [](tj::Generator& g) { return g.beta(0.5, 0.7, {6}); });
    add(srng.binomial(10, 0.3, {8}), [](tj::Generator& g) { return g.binomial(10, 0.3, {8}); });
    add(srng.binomial(1000, 0.6, {8}), [](tj::Generator& g) { return g.binomial(1000, 0.6, {8}); });
    add(srng.bernoulli(0.3, {20}), [](tj::Generator& g) { return g.bernoulli(0.3, {20}); });
    add(srng.poisson(3, {8}), [](tj::Generator& g) { return g.poisson(3, {8}); });
    add(srng.poisson(50, {8}), [](tj::Generator& g) { return g.poisson(50, {8}); });
    add(srng.choice(20, {5}), [](tj::Generator& g) { return g.choice(20, {5}); });
    add(srng.choice(20, {5}, false), [](tj::Generator& g) { return g.choice(20, {5}, false); });
    add(srng.choice(20000, {1000}, false),
        [](tj::Generator& g) { return g.choice(20000, {1000}, false); });
    const std::vector<double> p{0.1, 0.2, 0.3, 0.4};
    add(srng.choice(4, {3, 2}, true, tj::Var(tj::Array(p))), [&](tj::Generator& g) {
        return g.choice(4, {3, 2}, true, p);
    });
    add(srng.choice(4, {3}, false, tj::Var(tj::Array(p))),
        [&](tj::Generator& g) { return g.choice(4, {3}, false, p); });
    const tj::Array m(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
    add(srng.choice(tj::Var(m), {3}), [&](tj::Generator& g) { return g.choice(m, {3}); });
    add(srng.choice(5), [](tj::Generator& g) { return g.choice(5, {}); });
    add(srng.permutation(10), [](tj::Generator& g) { return g.permutation(10); });
    add(srng.permutation(tj::Var(m)), [&](tj::Generator& g) { return g.permutation(m); });
    const tj::Array m3(std::vector<std::int16_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 2, 2});
    add(srng.permutation(tj::Var(m3)), [&](tj::Generator& g) { return g.permutation(m3); });
    add(srng.choice(tj::Var(m3), {2, 1}, false), [&](tj::Generator& g) {
        return g.choice(m3, {2, 1}, false);
    });

    // All in one function: each variable draws from its own state.
    auto f = tj::function({}, vars);
    auto out = f();
    REQUIRE(out.size() == expected.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        INFO("variable " << i << ": " << tj::to_string(vars[i]));
        CHECK(same_bits(out[i], expected[i]));
    }
    // And one function per variable (other kernels) continue where the states are.
    for (std::size_t i = 0; i < vars.size(); ++i) {
        (void)tj::function({}, vars[i])();
        auto second = tj::function({}, vars[i])();
        INFO("variable " << i);
        CHECK(second.dtype() == expected[i].dtype());
        CHECK(second.shape() == expected[i].shape());
    }
}

TEST_CASE("golden: NumPy's default_rng(234) equals variable 0 of a stream reseeded so",
          "[random][stream]") {
    // Not a stream seed: the state of variable 0 set to default_rng(234)'s, then NumPy's golden
    // values (shared/golden) of uniform(0, 1, 8) and normal(3, 2, 8).
    tj::RandomStream srng(1);
    auto u = srng.uniform(0, 1, {8});
    auto f = tj::function({}, u);
    srng.state_updates()[0].first.set_value(tj::Generator(234).state());
    const double first[] = {0x1.99d0b214e8733p-1, 0x1.cda7eacd3ac98p-2, 0x1.20a4bf245f87ap-2,
                            0x1.31da7eafd469ap-2, 0x1.00fad5e1bf34ep-1};
    auto out = f();
    for (int i = 0; i < 5; ++i) CHECK(out.data<double>()[i] == first[i]);
}

// ---- broadcasting
// --------------------------------------------------------------------------------

TEST_CASE("parameters broadcast to size and to each other, drawn in C order",
          "[random][stream][broadcast]") {
    const std::uint64_t seed = 5;
    SECTION("a vector loc and a scalar scale to size (2, 3)") {
        tj::RandomStream srng(seed);
        auto loc = tj::dvector("loc");
        auto f = tj::function({loc}, srng.normal(loc, 2, {2, 3}));
        auto out = f(std::vector<double>{0, 10, 100});
        auto g = child(seed, 0);
        for (int i = 0; i < 6; ++i)
            CHECK(out.data<double>()[i] == g.normal(std::vector<double>{0, 10, 100}[i % 3], 2));
    }
    SECTION("no size: the broadcast shape of the parameters") {
        tj::RandomStream srng(seed);
        auto low = tj::tensor("low", tj::DType::Float64, {3, 1});
        auto high = tj::dvector("high");
        auto rv = srng.uniform(low, high);
        CHECK(rv.type().shape == tj::Dims{3, tj::dyn});
        auto f = tj::function({low, high}, rv);
        const std::vector<double> lo{0, 1, 2}, hi{5, 6};
        auto out = f(tj::Array(lo, {3, 1}), hi);
        REQUIRE(out.shape() == tj::Dims{3, 2});
        auto g = child(seed, 0);
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 2; ++j)
                CHECK(out.data<double>()[i * 2 + j] == g.uniform(lo[i], hi[j]));
    }
    SECTION("constant array parameters") {
        tj::RandomStream srng(seed);
        const std::vector<double> scale{1, 2, 3, 4};
        auto f = tj::function({}, srng.exponential(tj::Var(tj::Array(scale))));
        auto out = f();
        auto g = child(seed, 0);
        for (int i = 0; i < 4; ++i) CHECK(out.data<double>()[i] == g.exponential(scale[i]));
    }
    SECTION("integer parameters: binomial n per row, integers with array bounds") {
        tj::RandomStream srng(seed);
        auto n = tj::lvector("n");
        auto f = tj::function(
            {n}, {srng.binomial(n, 0.5, {2, 3}),
                  srng.integers(tj::Var(tj::Array(std::vector<std::int64_t>{0, 10, 100})), 1000)});
        auto out = f(std::vector<std::int64_t>{5, 50, 500});
        auto g0 = child(seed, 0), g1 = child(seed, 1);
        for (int i = 0; i < 6; ++i)
            CHECK(out[0].data<std::int64_t>()[i] ==
                  g0.binomial(std::vector<long long>{5, 50, 500}[i % 3], 0.5));
        for (int i = 0; i < 3; ++i)
            CHECK(out[1].data<std::int64_t>()[i] ==
                  g1.integers(std::vector<long long>{0, 10, 100}[i], 1000));
    }
    SECTION("strided arguments") {
        tj::RandomStream srng(seed);
        auto scale = tj::dmatrix("scale");
        auto f = tj::function({scale}, srng.normal(0, scale));
        tj::Array s(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
        auto out = f(s.transpose({1, 0}));
        auto g = child(seed, 0);
        const double expect_scale[] = {1, 4, 2, 5, 3, 6};
        REQUIRE(out.shape() == tj::Dims{3, 2});
        for (int i = 0; i < 6; ++i) CHECK(out.data<double>()[i] == g.normal(0, expect_scale[i]));
    }
}

TEST_CASE("shape errors name the distribution and the parameter", "[random][stream][errors]") {
    tj::RandomStream srng(1);
    CHECK_THROWS_AS(srng.normal(tj::Var(tj::Array(std::vector<double>{1, 2, 3})), 1, {2, 2}),
                    tj::ShapeError);
    CHECK_THROWS_WITH(
        srng.normal(tj::Var(tj::Array(std::vector<double>{1, 2, 3})), 1, {2, 2}),
        Catch::Contains("normal: loc of shape (3,) does not broadcast to size (2, 2)"));
    CHECK_THROWS_WITH(
        srng.uniform(tj::Var(tj::Array(std::vector<double>{1, 2, 3})),
                     tj::Var(tj::Array(std::vector<double>{4, 5}))),
        Catch::Contains("uniform: low of shape (3,) and high of shape (2,) do not broadcast"));
    CHECK_THROWS_WITH(
        srng.gamma(tj::dmatrix("s"), 1, {4}),
        Catch::Contains("gamma: shape of shape (?, ?) does not broadcast to size (4,)"));
    CHECK_VALUE_ERROR(srng.uniform(0, 1, {2, -1}), "uniform: negative dimensions are not allowed");
    // A size whose byte count overflows int64 is refused when the draw is built.
    CHECK_VALUE_ERROR(srng.normal(0, 1, {std::int64_t{1} << 32, std::int64_t{1} << 32}),
                      "normal: size (4294967296, 4294967296) of dtype float64 is too big");
    CHECK_VALUE_ERROR(srng.integers(0, 5, {std::int64_t{1} << 62, 3}), "integers: size");
    SECTION("at call time, for extents known only then") {
        auto loc = tj::dvector("loc");
        auto f = tj::function({loc}, srng.normal(loc, 1, {2, 3}));
        CHECK_THROWS_AS(f(std::vector<double>{1, 2}), tj::ShapeError);
        auto low = tj::dvector("low"), high = tj::dvector("high");
        auto g = tj::function({low, high}, srng.uniform(low, high));
        CHECK_THROWS_AS(g(std::vector<double>{1, 2}, std::vector<double>{3, 4, 5}), tj::ShapeError);
        CHECK(g(std::vector<double>{1, 2}, std::vector<double>{3, 4}).shape() == tj::Dims{2});
    }
}

// ---- updates
// -------------------------------------------------------------------------------------

TEST_CASE("default updates advance the state, no_default_updates and explicit updates do not",
          "[random][stream][updates]") {
    tj::RandomStream srng(11);
    auto rv = srng.uniform(0, 1, {3});
    auto state = srng.state_updates()[0].first;
    auto g = child(11, 0);
    const tj::Array s0 = state.get_value();
    CHECK(same_bits(s0, g.state()));

    auto f = tj::function({}, rv);
    auto a = f();
    auto b = f();
    CHECK_FALSE(a.equals(b));
    CHECK(same_bits(a, g.uniform(0, 1, {3})));
    CHECK(same_bits(b, g.uniform(0, 1, {3})));
    CHECK(same_bits(state.get_value(), g.state()));

    auto fixed = tj::function({}, rv, {.no_default_updates = true});
    auto c = fixed();
    CHECK(same_bits(c, fixed()));
    CHECK(same_bits(c, g.uniform(0, 1, {3})));
    CHECK_FALSE(same_bits(state.get_value(), g.state()));

    // An explicit update overrides the default one: here the state stays where it is.
    auto pinned = tj::function({}, rv, {.updates = {{state, state}}});
    auto d = pinned();
    CHECK(same_bits(d, pinned()));
    CHECK(same_bits(d, c));
    // ... or moves it elsewhere: to the state of another stream's variable.
    tj::RandomStream other(99);
    auto other_rv = other.uniform(0, 1, {3});
    auto other_state = other.state_updates()[0].first;
    auto jump = tj::function({}, rv, {.updates = {{state, tj::Var(other_state)}}});
    const tj::Array other_before = other_state.get_value();
    jump();
    CHECK(same_bits(state.get_value(), other_before));
    // Reading the other state brought in its own default update (as PyTensor does).
    CHECK_FALSE(same_bits(other_state.get_value(), other_before));
    (void)other_rv;
}

TEST_CASE("a variable is drawn once per call however often it appears",
          "[random][stream][updates]") {
    tj::RandomStream srng(234);
    auto rv_u = srng.uniform(0, 1, {2, 2});
    auto nearly_zeros = tj::function({}, rv_u + rv_u - 2 * rv_u);
    auto z = nearly_zeros();
    for (double v : doubles(z)) CHECK(v == 0.0);
    auto g = child(234, 0);
    (void)g.uniform(0, 1, {2, 2});
    CHECK(same_bits(srng.state_updates()[0].first.get_value(), g.state()));

    auto two = tj::function({}, {rv_u, rv_u * 1, tj::exp(rv_u)});
    auto out = two();
    CHECK(same_bits(out[0], out[1]));
    CHECK(same_bits(out[0], g.uniform(0, 1, {2, 2})));
    CHECK(same_bits(srng.state_updates()[0].first.get_value(), g.state()));
}

TEST_CASE("functions sharing a variable share and advance its state", "[random][stream][updates]") {
    tj::RandomStream srng(3);
    auto rv = srng.normal(0, 1, {4});
    auto f1 = tj::function({}, rv);
    auto f2 = tj::function({}, rv * 2);
    auto g = child(3, 0);
    CHECK(same_bits(f1(), g.standard_normal({4})));
    auto twice = f2();
    auto z = g.standard_normal({4});
    for (int i = 0; i < 4; ++i) CHECK(twice.data<double>()[i] == 2 * z.data<double>()[i]);
    CHECK(same_bits(f1(), g.standard_normal({4})));
}

// ---- seeding
// ---------------------------------------------------------------------------------------

TEST_CASE("variable k is seeded with SeedSequence(seed, spawn_key=(k,)), seed() reseeds all",
          "[random][stream][seed]") {
    tj::RandomStream srng(234);
    auto a = srng.uniform(0, 1, {2});
    auto b = srng.normal(0, 1, {2});
    auto ups = srng.state_updates();
    REQUIRE(ups.size() == 2);
    CHECK(same_bits(ups[0].first.get_value(), child(234, 0).state()));
    CHECK(same_bits(ups[1].first.get_value(), child(234, 1).state()));
    CHECK(ups[0].second.type().str() == "uint64[6]");

    auto f = tj::function({}, {a, b});
    f();
    srng.seed(902340);
    CHECK(same_bits(ups[0].first.get_value(), child(902340, 0).state()));
    CHECK(same_bits(ups[1].first.get_value(), child(902340, 1).state()));
    auto first = f();
    srng.seed(902340);
    auto again = f();
    CHECK(same_bits(first[0], again[0]));
    CHECK(same_bits(first[1], again[1]));
    // A variable created after seed() is the next child of the new sequence.
    auto c = srng.exponential(1, {3});
    CHECK(same_bits(tj::function({}, c)(), child(902340, 2).exponential(1, {3})));
}

TEST_CASE("state_updates copy a stream's position between graphs", "[random][stream][seed]") {
    tj::RandomStream s1(1), s2(2);
    auto r1 = s1.normal(0, 1, {3});
    auto r2 = s2.normal(0, 1, {3});
    auto f1 = tj::function({}, r1);
    auto f2 = tj::function({}, r2);
    f1();
    auto [state1, next1] = s1.state_updates()[0];
    auto [state2, next2] = s2.state_updates()[0];
    state2.set_value(state1.get_value());
    CHECK(same_bits(f1(), f2()));
    // The next-state expression is what the default update applies.
    auto peek = tj::function({}, next1, {.no_default_updates = true});
    auto next_value = peek();
    f1();
    CHECK(same_bits(state1.get_value(), next_value));
    (void)next2;
}

TEST_CASE("a copied RandomStream is a handle on the same stream", "[random][stream]") {
    tj::RandomStream a(5);
    tj::RandomStream b = a;
    auto x = a.uniform();
    auto y = b.uniform();
    CHECK(a.state_updates().size() == 2);
    CHECK(same_bits(b.state_updates()[1].first.get_value(), child(5, 1).state()));
    (void)x;
    (void)y;
}

// ---- reference evaluation, rewrites
// ------------------------------------------------------------------

TEST_CASE("tj::eval draws what the kernel draws, without advancing the state",
          "[random][stream][reference]") {
    tj::RandomStream srng(8);
    auto scale = tj::dscalar("scale");
    auto n = tj::lscalar("n");
    std::vector<tj::Var> vars{
        srng.normal(1, scale, {2, 3}), srng.integers(0, n, {4}, tj::DType::Int8),
        srng.binomial(n, 0.25, {5}), srng.choice(n, {3}, false), srng.permutation(n)};
    const std::vector<std::pair<tj::Var, tj::Array>> args{{scale, tj::Array(2.0)},
                                                          {n, tj::Array(std::int64_t{9})}};
    auto ref = tj::eval(vars, args);
    // The next state's reference is the state after the draw.
    auto next = tj::eval(srng.state_updates()[0].second, args);
    auto g = child(8, 0);
    (void)g.normal(1, 2, {2, 3});
    CHECK(same_bits(next, g.state()));
    // eval advanced nothing: a second evaluation draws the same numbers.
    CHECK(same_bits(tj::eval(vars[0], args), ref[0]));
    auto f = tj::function({scale, n}, vars);
    auto out = f(2.0, 9);
    for (std::size_t i = 0; i < vars.size(); ++i) {
        INFO("variable " << i);
        CHECK(same_bits(out[i], ref[i]));
    }
}

TEST_CASE("a state replaced by a constant (givens) still draws and updates",
          "[random][stream][reference]") {
    tj::RandomStream srng(4);
    auto rv = srng.uniform(0, 1, {2});
    auto state = srng.state_updates()[0].first;
    const tj::Array fixed = tj::Generator(77).state();
    // rv * 1 rather than rv: the draw is then folded to a constant by the rewrites.
    auto f = tj::function({}, rv * 1, {.givens = {{state, tj::constant(fixed)}}});
    auto g = tj::Generator(77);
    CHECK(same_bits(f(), g.uniform(0, 1, {2})));
    CHECK(same_bits(state.get_value(), g.state()));
}

TEST_CASE("random variables are not differentiable", "[random][stream]") {
    tj::RandomStream srng(1);
    auto mu = tj::dscalar("mu");
    CHECK_THROWS_AS(tj::grad(tj::sum(srng.normal(mu, 1, {3})), mu), tj::TypeError);
}

TEST_CASE("choice and permutation of symbolic arrays", "[random][stream]") {
    tj::RandomStream srng(13);
    auto m = tj::tensor("m", tj::DType::Int32, {tj::dyn, 3});
    auto c = srng.choice(m, {2, 2}, false);
    auto p = srng.permutation(m);
    CHECK(c.type().shape == tj::Dims{2, 2, 3});
    CHECK(c.dtype() == tj::DType::Int32);
    auto f = tj::function({m}, {c, p});
    std::vector<std::int32_t> data(15);
    for (int i = 0; i < 15; ++i) data[i] = i;
    const tj::Array a(data, {5, 3});
    auto out = f(a);
    CHECK(same_bits(out[0], child(13, 0).choice(a, {2, 2}, false)));
    CHECK(same_bits(out[1], child(13, 1).permutation(a)));
    // A strided argument (a transposed view) gathers the same rows.
    const tj::Array at = tj::Array(data, {3, 5}).transpose({1, 0});
    tj::RandomStream again(13);
    auto f2 = tj::function({m}, {again.choice(m, {2, 2}, false), again.permutation(m)});
    auto out2 = f2(at);
    CHECK(same_bits(out2[0], child(13, 0).choice(at.copy(), {2, 2}, false)));
    CHECK(same_bits(out2[1], child(13, 1).permutation(at.copy())));
    // Zero samples from an empty population are fine.
    auto n = tj::lscalar("n");
    auto z = tj::function({n}, srng.choice(n, {0}));
    CHECK(z(0).shape() == tj::Dims{0});
    auto e = tj::function({n}, srng.permutation(n));
    CHECK(e(0).shape() == tj::Dims{0});
}

TEST_CASE("same-shaped variables of different streams share one kernel", "[random][stream]") {
    tj::RandomStream a(1), b(2);
    auto fa = tj::function({}, a.gamma(0.5, 2, {3}));
    const auto before = tj::compile_stats();
    auto fb = tj::function({}, b.gamma(0.5, 2, {3}));
    const auto after = tj::compile_stats();
    CHECK(fa.cache_key() == fb.cache_key());
    CHECK(after.clang_compiles == before.clang_compiles);
    CHECK(same_bits(fb(), child(2, 0).gamma(0.5, 2, {3})));
}

TEST_CASE("random variables and their generator states are freed with the last reference",
          "[random][stream]") {
    std::weak_ptr<tj::SharedStorage> state;
    {
        tj::RandomStream srng(7);
        auto rv = srng.normal(0, 1, {2});
        state = srng.state_updates()[0].first.storage();
        auto f = tj::function({}, rv);
        CHECK(f().shape() == tj::Dims{2});
        CHECK(!state.expired());
    }
    CHECK(state.expired());
}
