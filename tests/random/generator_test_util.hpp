// Shared by the Generator tests: the NumPy golden file, number formatting, and goodness-of-fit
// statistics (chi-square, Kolmogorov-Smirnov) with their critical values.
#pragma once

#include "support/test_util.hpp"

#include "codegen_templates/random.h"
#include <tensorjit/generator.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <numeric>
#include <set>
#include <string>
#include <vector>

namespace tj = tensorjit;

namespace zig {
// The very file the library compiles, compared entry by entry with the JSON below.
#include "runtime/ziggurat_tables.inc"
} // namespace zig

namespace {

// Objects keep their file order (the golden cases are checked key by key in that order).
using Value = nlohmann::ordered_json;
using u128 = unsigned __int128;

Value parse_golden(const std::string& name) {
    std::ifstream in(tj_test::shared_dir() / "golden" / name);
    REQUIRE(in);
    return Value::parse(in);
}

const Value& golden() {
    static const Value v = parse_golden("numpy_pcg64.json");
    return v;
}

// The golden files write 64-bit integers and hex floats as strings (JSON numbers would lose
// them), small integers as numbers: these read either.

// The value of a string, or the text of a number.
std::string as_text(const Value& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// A number, or a string strtod reads whole (a hex float such as "0x1.8p+1").
double as_double(const Value& v) {
    if (v.is_number()) return v.get<double>();
    const std::string t = v.get<std::string>();
    char* end = nullptr;
    const double d = std::strtod(t.c_str(), &end);
    REQUIRE((!t.empty() && end == t.c_str() + t.size()));
    return d;
}

// An integer number, or a string of decimal digits (range-checked).
std::int64_t as_int64(const Value& v) {
    if (v.is_number_integer()) return v.get<std::int64_t>();
    const std::string t = v.get<std::string>();
    errno = 0;
    char* end = nullptr;
    const long long i = std::strtoll(t.c_str(), &end, 10);
    REQUIRE((!t.empty() && errno == 0 && end == t.c_str() + t.size()));
    return i;
}

std::uint64_t as_uint64(const Value& v) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    REQUIRE_FALSE(v.is_number()); // negative or not an integer
    const std::string t = v.get<std::string>();
    errno = 0;
    char* end = nullptr;
    const unsigned long long u = std::strtoull(t.c_str(), &end, 10);
    REQUIRE((!t.empty() && t[0] != '-' && errno == 0 && end == t.c_str() + t.size()));
    return u;
}

std::string hex(double x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", x);
    return buf;
}

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

u128 parse_u128(const std::string& decimal) {
    u128 v = 0;
    for (char c : decimal) {
        REQUIRE((c >= '0' && c <= '9'));
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return v;
}

std::vector<double> to_doubles(const tj::Array& a) {
    std::vector<double> out;
    for (std::int64_t i = 0; i < a.size(); ++i) out.push_back(a.flat(i));
    return out;
}

std::vector<std::int64_t> to_ints(const tj::Array& a) {
    tj::Array c = a.astype(tj::DType::Int64);
    const std::int64_t* p = c.data<std::int64_t>();
    return {p, p + c.size()};
}

// Bitwise comparison of an array with the hex floats of a golden list.
void check_hex(const tj::Array& got, const Value& expected) {
    REQUIRE(got.dtype() == tj::DType::Float64);
    REQUIRE(static_cast<std::size_t>(got.size()) == expected.size());
    auto g = to_doubles(got);
    for (std::size_t i = 0; i < g.size(); ++i) {
        double want = as_double(expected.at(i));
        INFO("element " << i << ": got " << hex(g[i]) << ", want " << as_text(expected.at(i)));
        CHECK(bits(g[i]) == bits(want));
    }
}

void check_ints(const tj::Array& got, const Value& expected) {
    REQUIRE(static_cast<std::size_t>(got.size()) == expected.size());
    auto g = to_ints(got);
    for (std::size_t i = 0; i < g.size(); ++i) {
        INFO("element " << i);
        CHECK(g[i] == as_int64(expected.at(i)));
    }
}

// One golden key: how to draw it from a fresh default_rng(seed).
struct DrawRecord {
    const char* key;
    std::function<tj::Array(tj::Generator&)> draw;
};

const std::vector<DrawRecord>& draw_records() {
    static const std::vector<DrawRecord> records = {
        {"random_raw_uint64_x8", [](tj::Generator& g) { return g.random_raw({8}); }},
        {"random_x8_hex", [](tj::Generator& g) { return g.random({8}); }},
        {"uniform_0_1_x8_hex", [](tj::Generator& g) { return g.uniform(0, 1, {8}); }},
        {"standard_normal_x16_hex", [](tj::Generator& g) { return g.standard_normal({16}); }},
        {"normal_3_2_x8_hex", [](tj::Generator& g) { return g.normal(3, 2, {8}); }},
        {"integers_0_2_x16", [](tj::Generator& g) { return g.integers(0, 2, {16}); }},
        {"integers_0_1e12_x8", [](tj::Generator& g) { return g.integers(0, 1000000000000, {8}); }},
        {"integers_neg5_5_int32_x8",
         [](tj::Generator& g) { return g.integers(-5, 5, {8}, tj::DType::Int32); }},
        // The golden draws are exponential(scale=1.5): 1.5 * standard_exponential, bit for bit
        // (the key does not say so; checked below against standard_exponential too).
        {"exponential_x8_hex", [](tj::Generator& g) { return g.exponential(1.5, {8}); }},
        {"gamma_2p5_x8_hex", [](tj::Generator& g) { return g.gamma(2.5, 1.0, {8}); }},
        {"gamma_0p5_x8_hex", [](tj::Generator& g) { return g.gamma(0.5, 1.0, {8}); }},
        {"beta_2_3_x8_hex", [](tj::Generator& g) { return g.beta(2, 3, {8}); }},
        {"poisson_3_x8", [](tj::Generator& g) { return g.poisson(3, {8}); }},
        {"poisson_50_x8", [](tj::Generator& g) { return g.poisson(50, {8}); }},
        {"binomial_10_0p3_x8", [](tj::Generator& g) { return g.binomial(10, 0.3, {8}); }},
        {"binomial_1000_0p6_x8", [](tj::Generator& g) { return g.binomial(1000, 0.6, {8}); }},
        {"permutation_10", [](tj::Generator& g) { return g.permutation(10); }},
        {"choice_5_of_20_noreplace", [](tj::Generator& g) { return g.choice(20, {5}, false); }},
        {"choice_5_of_20_replace", [](tj::Generator& g) { return g.choice(20, {5}, true); }},
    };
    return records;
}

// NumPy's pairwise_sum_DOUBLE, the inner loop of np.add.reduce on float64.
double numpy_pairwise_sum(const double* a, std::int64_t n) {
    if (n < 8) {
        double res = 0.;
        for (std::int64_t i = 0; i < n; i++) res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; ++j) r[j] = a[j];
        std::int64_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; ++j) r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    std::int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return numpy_pairwise_sum(a, n2) + numpy_pairwise_sum(a + n2, n - n2);
}

// np.sum of a contiguous float64 array: the reduction iterator hands the inner loop chunks of
// its buffer size (8192 elements), each summed pairwise, added in order to the running result.
double numpy_sum(const double* a, std::int64_t n) {
    double res = 0;
    for (std::int64_t i = 0; i < n; i += 8192)
        res += numpy_pairwise_sum(a + i, std::min<std::int64_t>(8192, n - i));
    return res;
}

// ---- goodness of fit -------------------------------------------------------------------------
// Upper 0.9995 quantile of chi-square with k degrees of freedom (Wilson-Hilferty).
double chi2_critical(int k) {
    const double z = 3.29;
    double h = 2.0 / (9.0 * k);
    return k * std::pow(1 - h + z * std::sqrt(h), 3);
}

// Pearson's statistic over cells; returns stat / critical (< 1 passes).
double chi2_ratio(const std::vector<double>& observed, const std::vector<double>& expected) {
    double stat = 0;
    for (std::size_t i = 0; i < observed.size(); ++i) {
        double d = observed[i] - expected[i];
        stat += d * d / expected[i];
    }
    return stat / chi2_critical(static_cast<int>(observed.size()) - 1);
}

// Chi-square of integer samples against a pmf on 0..pmf.size()-1 (mass beyond is the remainder):
// cells with fewer than 5 expected are pooled into the two tails.
double discrete_fit(const std::vector<std::int64_t>& samples, const std::vector<double>& pmf) {
    const double n = static_cast<double>(samples.size());
    std::int64_t lo = 0, hi = static_cast<std::int64_t>(pmf.size()) - 1;
    while (lo < hi && n * pmf[lo] < 5) ++lo;
    while (hi > lo && n * pmf[hi] < 5) --hi;
    REQUIRE(hi > lo);
    std::vector<double> expected(static_cast<std::size_t>(hi - lo + 1), 0.0);
    std::vector<double> observed(expected.size(), 0.0);
    double left = 0;
    for (std::int64_t k = 0; k <= lo; ++k) left += pmf[k];
    expected[0] = left * n;
    double mid = 0;
    for (std::int64_t k = lo + 1; k < hi; ++k) {
        expected[k - lo] = pmf[k] * n;
        mid += pmf[k];
    }
    expected.back() = (1 - left - mid) * n;
    for (auto x : samples) {
        REQUIRE(x >= 0);
        observed[static_cast<std::size_t>(std::clamp(x, lo, hi) - lo)] += 1;
    }
    return chi2_ratio(observed, expected);
}

std::vector<double> binomial_pmf(std::int64_t n, double p) {
    std::vector<double> pmf;
    for (std::int64_t k = 0; k <= n; ++k)
        pmf.push_back(std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) -
                               std::lgamma(n - k + 1.0) + k * std::log(p) +
                               (n - k) * std::log1p(-p)));
    return pmf;
}

std::vector<double> poisson_pmf(double lam) {
    std::vector<double> pmf;
    for (std::int64_t k = 0; k <= static_cast<std::int64_t>(lam + 20 * std::sqrt(lam) + 20); ++k)
        pmf.push_back(std::exp(-lam + k * std::log(lam) - std::lgamma(k + 1.0)));
    return pmf;
}

// Kolmogorov-Smirnov statistic times sqrt(n) / 1.95 (alpha = 0.001): < 1 passes.
double ks_ratio(std::vector<double> x, const std::function<double(double)>& cdf) {
    std::sort(x.begin(), x.end());
    const double n = static_cast<double>(x.size());
    double d = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        double f = cdf(x[i]);
        d = std::max({d, f - i / n, (i + 1) / n - f});
    }
    return d * std::sqrt(n) / 1.95;
}

#define CHECK_VALUE_ERROR(expr, text)                                                              \
    do {                                                                                           \
        CHECK_THROWS_AS(expr, tj::ValueError);                                                     \
        CHECK_THROWS_WITH(expr, Catch::Contains(text));                                            \
    } while (0)

} // namespace
