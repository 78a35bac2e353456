// tj::Generator's distributions: goodness of fit on fixed seeds, integer ranges, choice and
// permutation, and the ValueErrors of bad parameters.
#include "generator_test_util.hpp"

TEST_CASE("bernoulli is binomial(1, p) and choice with p inverts the CDF of random()", "[random]") {
    tj::Generator a(11), b(11);
    CHECK(a.bernoulli(0.37, {200}).equals(b.binomial(1, 0.37, {200})));
    CHECK(a.bernoulli(0.8, {200}).equals(b.binomial(1, 0.8, {200})));

    std::vector<double> p = {0.1, 0.25, 0.05, 0.6};
    tj::Generator c(5), d(5);
    auto idx = to_ints(c.choice(4, {300}, true, p));
    auto u = to_doubles(d.random({300}));
    for (std::size_t i = 0; i < u.size(); ++i) {
        std::int64_t want = u[i] < 0.1 ? 0 : u[i] < 0.35 ? 1 : u[i] < 0.4 ? 2 : 3;
        CHECK(idx[i] == want);
    }
}

TEST_CASE("integers: every dtype stays in range and is uniform", "[random]") {
    tj::Generator g(2024);
    struct Range {
        tj::DType dtype;
        std::int64_t low, high;
    };
    const Range ranges[] = {
        {tj::DType::Int64, -7, 13},    {tj::DType::Int32, -7, 13},   {tj::DType::UInt64, 3, 23},
        {tj::DType::UInt32, 3, 23},    {tj::DType::Int16, -10, 10},  {tj::DType::UInt16, 0, 20},
        {tj::DType::Int8, -128, -108}, {tj::DType::UInt8, 236, 256}, {tj::DType::Bool, 0, 2},
    };
    for (const auto& r : ranges) {
        INFO(tj::dtype_name(r.dtype) << " [" << r.low << ", " << r.high << ")");
        tj::Array a = g.integers(r.low, r.high, {20000}, r.dtype);
        REQUIRE(a.dtype() == r.dtype);
        const auto cells = static_cast<std::size_t>(r.high - r.low);
        std::vector<double> observed(cells, 0.0);
        for (auto v : to_ints(a)) {
            REQUIRE(v >= r.low);
            REQUIRE(v < r.high);
            observed[static_cast<std::size_t>(v - r.low)] += 1;
        }
        CHECK(chi2_ratio(observed, std::vector<double>(cells, 20000.0 / cells)) < 1);
    }
    // Full-width ranges take the raw 32- and 64-bit paths.
    auto full32 = to_ints(g.integers(std::numeric_limits<std::int32_t>::min(),
                                     std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1,
                                     {1000}, tj::DType::Int32));
    auto [mn, mx] = std::minmax_element(full32.begin(), full32.end());
    CHECK(*mn < -2000000000);
    CHECK(*mx > 2000000000);
    auto wide = to_ints(g.integers(std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int64_t>::max(), {1000}));
    auto [wmn, wmx] = std::minmax_element(wide.begin(), wide.end());
    CHECK(*wmn < -(std::int64_t{1} << 62));
    CHECK(*wmx > (std::int64_t{1} << 62));
    CHECK(g.integers(5, 6, {3}).equals(tj::Array({5, 5, 5})));
    CHECK(g.integers(0, 10, {}).ndim() == 0);
    CHECK(g.integers(0, 10, {0, 3}).size() == 0);
}

TEST_CASE("beta, gamma and normal fit their distributions (KS, fixed seeds)", "[random]") {
    tj::Generator g(77);
    // Beta(2, 3) through gammas: F(x) = sum_{j=2}^{4} C(4, j) x^j (1-x)^(4-j).
    auto beta23 = [](double x) {
        double y = 1 - x;
        return 6 * x * x * y * y + 4 * x * x * x * y + x * x * x * x;
    };
    CHECK(ks_ratio(to_doubles(g.beta(2, 3, {20000})), beta23) < 1);
    // Beta(1/2, 1/2) through Johnk's algorithm: F(x) = 2/pi asin(sqrt(x)).
    auto arcsine = [](double x) { return 2 / std::numbers::pi * std::asin(std::sqrt(x)); };
    CHECK(ks_ratio(to_doubles(g.beta(0.5, 0.5, {20000})), arcsine) < 1);
    // A wrong distribution fails the same check.
    CHECK(ks_ratio(to_doubles(g.beta(2, 2.6, {20000})), beta23) > 1);
    // Gamma(1/2): F(x) = erf(sqrt(x)); gamma(3): 1 - e^-x (1 + x + x^2/2).
    auto gamma_half = [](double x) { return std::erf(std::sqrt(x)); };
    CHECK(ks_ratio(to_doubles(g.standard_gamma(0.5, {20000})), gamma_half) < 1);
    auto gamma3 = [](double x) { return 1 - std::exp(-x) * (1 + x + x * x / 2); };
    CHECK(ks_ratio(to_doubles(g.standard_gamma(3, {20000})), gamma3) < 1);
    auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
    CHECK(ks_ratio(to_doubles(g.standard_normal({20000})), phi) < 1);
    auto expo = [](double x) { return 1 - std::exp(-x); };
    CHECK(ks_ratio(to_doubles(g.standard_exponential({20000})), expo) < 1);
}

TEST_CASE("bernoulli, binomial and poisson fit their pmfs (chi-square, fixed seeds)", "[random]") {
    tj::Generator g(31337);
    auto bern = to_ints(g.bernoulli(0.3, {20000}));
    for (auto v : bern) REQUIRE((v == 0 || v == 1));
    CHECK(discrete_fit(bern, {0.7, 0.3, 0.0}) < 1);
    CHECK(discrete_fit(to_ints(g.bernoulli(0.9, {20000})), {0.1, 0.9, 0.0}) < 1);
    CHECK(discrete_fit(to_ints(g.bernoulli(0.35, {20000})), {0.7, 0.3, 0.0}) > 1);

    // Inversion (n p <= 30), BTPE (n p > 30), and both mirrored for p > 1/2.
    const std::pair<std::int64_t, double> bin[] = {
        {10, 0.3}, {20, 0.8}, {100, 0.4}, {1000, 0.6}, {5000, 0.05}};
    for (auto [n, p] : bin) {
        INFO("binomial(" << n << ", " << p << ")");
        auto x = to_ints(g.binomial(n, p, {20000}));
        for (auto v : x) REQUIRE((v >= 0 && v <= n));
        CHECK(discrete_fit(x, binomial_pmf(n, p)) < 1);
    }
    CHECK(discrete_fit(to_ints(g.binomial(100, 0.42, {20000})), binomial_pmf(100, 0.4)) > 1);
    CHECK(to_ints(g.binomial(0, 0.5, {3})) == std::vector<std::int64_t>{0, 0, 0});
    CHECK(to_ints(g.binomial(7, 1.0, {3})) == std::vector<std::int64_t>{7, 7, 7});
    CHECK(to_ints(g.binomial(7, 0.0, {3})) == std::vector<std::int64_t>{0, 0, 0});

    // Multiplication (lam < 10) and PTRS (lam >= 10).
    for (double lam : {0.5, 3.0, 9.9, 10.0, 50.0, 1000.0}) {
        INFO("poisson(" << lam << ")");
        CHECK(discrete_fit(to_ints(g.poisson(lam, {20000})), poisson_pmf(lam)) < 1);
    }
    CHECK(discrete_fit(to_ints(g.poisson(51.5, {20000})), poisson_pmf(50)) > 1);
    CHECK(to_ints(g.poisson(0, {3})) == std::vector<std::int64_t>{0, 0, 0});
}

TEST_CASE("choice: with and without replacement, with and without p", "[random]") {
    tj::Generator g(99);
    // Uniform with replacement.
    {
        std::vector<double> counts(10, 0.0);
        for (auto v : to_ints(g.choice(10, {50000}))) counts.at(static_cast<std::size_t>(v)) += 1;
        CHECK(chi2_ratio(counts, std::vector<double>(10, 5000.0)) < 1);
    }
    // Weighted with replacement: a zero weight is never drawn.
    {
        std::vector<double> p = {0.1, 0.2, 0.3, 0.4, 0.0};
        std::vector<double> counts(5, 0.0);
        for (auto v : to_ints(g.choice(5, {50000}, true, p)))
            counts.at(static_cast<std::size_t>(v)) += 1;
        CHECK(counts[4] == 0);
        counts.pop_back();
        CHECK(chi2_ratio(counts, {5000, 10000, 15000, 20000}) < 1);
        CHECK(chi2_ratio(counts, {6000, 9000, 15000, 20000}) > 1);
    }
    // Without replacement (Floyd's algorithm then a shuffle): distinct values, every value equally
    // likely in every position.
    {
        std::vector<double> first(30, 0.0), any(30, 0.0);
        for (int t = 0; t < 6000; ++t) {
            auto v = to_ints(g.choice(30, {10}, false));
            std::set<std::int64_t> distinct(v.begin(), v.end());
            REQUIRE(distinct.size() == 10);
            REQUIRE(*distinct.begin() >= 0);
            REQUIRE(*distinct.rbegin() < 30);
            first[static_cast<std::size_t>(v[0])] += 1;
            for (auto x : v) any[static_cast<std::size_t>(x)] += 1;
        }
        CHECK(chi2_ratio(first, std::vector<double>(30, 200.0)) < 1);
        CHECK(chi2_ratio(any, std::vector<double>(30, 2000.0)) < 1);
        auto all = to_ints(g.choice(20, {20}, false));
        std::sort(all.begin(), all.end());
        std::vector<std::int64_t> range(20);
        std::iota(range.begin(), range.end(), 0);
        CHECK(all == range);
    }
    // Without replacement from a large population (NumPy's tail-shuffle path).
    {
        auto v = to_ints(g.choice(20000, {1000}, false));
        std::set<std::int64_t> distinct(v.begin(), v.end());
        CHECK(distinct.size() == 1000);
        CHECK(*distinct.rbegin() < 20000);
        CHECK(*distinct.rbegin() > 15000);
        CHECK(*distinct.begin() < 5000);
    }
    // Without replacement, weighted: distinct, zero weights never drawn, the first pick follows p.
    {
        std::vector<double> p = {0.5, 0.2, 0.2, 0.1, 0.0};
        std::vector<double> first(4, 0.0);
        for (int t = 0; t < 10000; ++t) {
            auto v = to_ints(g.choice(5, {3}, false, p));
            std::set<std::int64_t> distinct(v.begin(), v.end());
            REQUIRE(distinct.size() == 3);
            REQUIRE(distinct.count(4) == 0);
            first.at(static_cast<std::size_t>(v[0])) += 1;
        }
        CHECK(chi2_ratio(first, {5000, 2000, 2000, 1000}) < 1);
    }
    // Sampling rows of an array draws the indices choice(len(a)) draws.
    {
        tj::Array a({{0, 1, 2}, {10, 11, 12}, {20, 21, 22}, {30, 31, 32}});
        tj::Generator x(8), y(8);
        tj::Array rows = x.choice(a, {2, 5});
        auto idx = to_ints(y.choice(4, {2, 5}));
        REQUIRE(rows.shape() == tj::Dims{2, 5, 3});
        REQUIRE(rows.dtype() == tj::DType::Int64);
        for (int i = 0; i < 10; ++i)
            for (int j = 0; j < 3; ++j) CHECK(rows.flat(3 * i + j) == idx[i] * 10 + j);
        tj::Array picked = tj::Generator(8).choice(a.transpose(), {2}, false);
        CHECK(picked.shape() == tj::Dims{2, 4});
        CHECK(g.choice(a, {0}).shape() == tj::Dims{0, 3});
    }
    CHECK(g.choice(7, {}).ndim() == 0);
    CHECK(g.choice(0, {0}).size() == 0);
}

TEST_CASE("permutation: a permutation, every value equally likely in every position", "[random]") {
    tj::Generator g(1234);
    const int n = 6, draws = 30000;
    std::vector<std::vector<double>> counts(n, std::vector<double>(n, 0.0));
    for (int t = 0; t < draws; ++t) {
        auto p = to_ints(g.permutation(n));
        std::vector<std::int64_t> sorted = p;
        std::sort(sorted.begin(), sorted.end());
        for (int i = 0; i < n; ++i) REQUIRE(sorted[i] == i);
        for (int i = 0; i < n; ++i) counts[i][static_cast<std::size_t>(p[i])] += 1;
    }
    for (int i = 0; i < n; ++i) {
        INFO("position " << i);
        CHECK(chi2_ratio(counts[i], std::vector<double>(n, double(draws) / n)) < 1);
    }
    // Whole permutations are uniform too (720 cells for n = 6 would need more draws: use n = 4).
    std::map<std::vector<std::int64_t>, double> perms;
    for (int t = 0; t < 24000; ++t) perms[to_ints(g.permutation(4))] += 1;
    CHECK(perms.size() == 24);
    std::vector<double> observed;
    for (auto& [k, v] : perms) observed.push_back(v);
    CHECK(chi2_ratio(observed, std::vector<double>(24, 1000.0)) < 1);

    // permutation(array) shuffles rows with the draws of permutation(len).
    tj::Array a({{1.5, 2.5}, {3.5, 4.5}, {5.5, 6.5}, {7.5, 8.5}, {9.5, 10.5}});
    tj::Generator x(5), y(5);
    tj::Array shuffled = x.permutation(a);
    auto idx = to_ints(y.permutation(5));
    REQUIRE(shuffled.shape() == a.shape());
    for (int i = 0; i < 5; ++i) {
        CHECK(shuffled.at({i, 0}) == a.at({idx[i], 0}));
        CHECK(shuffled.at({i, 1}) == a.at({idx[i], 1}));
    }
    CHECK_FALSE(shuffled.shares_memory_with(a));
    CHECK(g.permutation(0).size() == 0);
    CHECK(g.permutation(1).equals(tj::Array(std::vector<std::int64_t>{0})));
}

TEST_CASE("every bad parameter raises ValueError naming method, parameter and value", "[random]") {
    tj::Generator g(1);
    CHECK_VALUE_ERROR(g.normal(0, -1, {3}), "normal: scale must be non-negative, got -1");
    CHECK_VALUE_ERROR(g.normal(0, NAN), "normal: scale must be non-negative, got nan");
    CHECK_VALUE_ERROR(g.exponential(-2.5, {3}),
                      "exponential: scale must be non-negative, got -2.5");
    CHECK_VALUE_ERROR(g.exponential(-1), "exponential: scale must be non-negative");
    CHECK_VALUE_ERROR(g.standard_gamma(-1, {2}),
                      "standard_gamma: shape must be non-negative, got -1");
    CHECK_VALUE_ERROR(g.standard_gamma(-1), "standard_gamma: shape must be non-negative");
    CHECK_VALUE_ERROR(g.gamma(-0.5, 1, {2}), "gamma: shape must be non-negative, got -0.5");
    CHECK_VALUE_ERROR(g.gamma(1, -3), "gamma: scale must be non-negative, got -3");
    CHECK_VALUE_ERROR(g.beta(0, 1, {2}), "beta: a must be positive, got 0");
    CHECK_VALUE_ERROR(g.beta(1, -1), "beta: b must be positive, got -1");
    CHECK_VALUE_ERROR(g.binomial(10, 1.5, {2}), "binomial: p must be in [0, 1], got 1.5");
    CHECK_VALUE_ERROR(g.binomial(10, -0.1), "binomial: p must be in [0, 1], got -0.1");
    CHECK_VALUE_ERROR(g.binomial(10, NAN), "binomial: p must be in [0, 1], got nan");
    CHECK_VALUE_ERROR(g.binomial(-1, 0.5, {2}), "binomial: n must be non-negative, got -1");
    CHECK_VALUE_ERROR(g.bernoulli(2, {2}), "bernoulli: p must be in [0, 1], got 2");
    CHECK_VALUE_ERROR(g.bernoulli(-1), "bernoulli: p must be in [0, 1], got -1");
    CHECK_VALUE_ERROR(g.poisson(-1, {2}), "poisson: lam must be non-negative, got -1");
    CHECK_VALUE_ERROR(g.poisson(NAN), "poisson: lam must be non-negative, got nan");
    CHECK_VALUE_ERROR(g.poisson(1e19), "poisson: lam value too large");
    CHECK_VALUE_ERROR(g.integers(5, 5, {2}), "integers: low >= high (5 >= 5)");
    CHECK_VALUE_ERROR(g.integers(7, 3), "integers: low >= high (7 >= 3)");
    CHECK_VALUE_ERROR(g.integers(-1, 5, {2}, tj::DType::UInt8),
                      "integers: low -1 is out of bounds for uint8");
    CHECK_VALUE_ERROR(g.integers(0, 257, {2}, tj::DType::UInt8),
                      "integers: high 257 is out of bounds for uint8");
    CHECK_VALUE_ERROR(g.integers(0, 2, {2}, tj::DType::Float64),
                      "integers: dtype must be an integer dtype or bool, got float64");
    CHECK_VALUE_ERROR(g.uniform(-1e308, 1e308, {2}), "uniform: high - low must be finite");
    CHECK_VALUE_ERROR(g.random({2, -1}), "random: negative dimensions are not allowed");
    CHECK_VALUE_ERROR(g.choice(3, {2}, true, std::vector<double>{0.5, 0.4, 0.2}),
                      "choice: probabilities do not sum to 1");
    CHECK_VALUE_ERROR(g.choice(2, {2}, true, std::vector<double>{NAN, 0.5}),
                      "choice: probabilities contain NaN");
    CHECK_VALUE_ERROR(g.choice(2, {2}, true, std::vector<double>{1.5, -0.5}),
                      "choice: probabilities are not non-negative, got -0.5");
    CHECK_VALUE_ERROR(g.choice(3, {2}, true, std::vector<double>{0.5, 0.5}),
                      "choice: a and p must have same size");
    CHECK_VALUE_ERROR(g.choice(5, {6}, false),
                      "choice: cannot take a larger sample than population when replace=false");
    CHECK_VALUE_ERROR(g.choice(3, {3}, false, std::vector<double>{0.5, 0.5, 0.0}),
                      "choice: fewer non-zero entries in p than size");
    CHECK_VALUE_ERROR(g.choice(0, {2}), "choice: a must be a positive integer");
    CHECK_VALUE_ERROR(g.choice(tj::Array(3.0), {2}), "choice: a must be at least 1-dimensional");
    CHECK_VALUE_ERROR(g.choice(tj::Array::empty(tj::DType::Float64, {0}), {2}),
                      "choice: a cannot be empty");
    CHECK_VALUE_ERROR(g.permutation(-3), "permutation: n must be non-negative, got -3");
    CHECK_VALUE_ERROR(g.permutation(tj::Array(2.0)),
                      "permutation: x must be an integer or at least 1-dimensional");
    // A rejected call draws nothing.
    tj::Generator fresh(1);
    CHECK(g.state().equals(fresh.state()));
}
