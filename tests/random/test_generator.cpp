// tj::Generator against NumPy's default_rng (shared/golden/numpy_pcg64.json, bit for bit), the
// ziggurat tables against their JSON source, SeedSequence spawning, state round trips, the C ABI,
// goodness-of-fit checks with fixed seeds, and every ValueError message.
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

TEST_CASE("golden: every case and key of numpy_pcg64.json matches bit for bit", "[random]") {
    const Value& cases = golden().at("cases");
    REQUIRE(cases.size() >= 8);
    REQUIRE(cases.is_array());
    for (const Value& c : cases) {
        const std::uint64_t seed = as_uint64(c.at("seed"));
        for (const auto& item : c.items()) {
            const std::string& key = item.key();
            const Value& expected = item.value();
            INFO("seed " << seed << ", key " << key);
            if (key == "seed") continue;
            if (key == "seedseq_generate_state_uint32x4") {
                auto words = tj::SeedSequence(seed).generate_state_u32(4);
                REQUIRE(words.size() == expected.size());
                for (std::size_t i = 0; i < words.size(); ++i)
                    CHECK(words[i] == as_uint64(expected.at(i)));
                continue;
            }
            if (key == "pcg64_state_after_seeding") {
                auto st = tj::Generator(seed).pcg_state();
                CHECK(st.state == parse_u128(as_text(expected.at("state"))));
                CHECK(st.inc == parse_u128(as_text(expected.at("inc"))));
                CHECK_FALSE(st.has_uint32);
                CHECK(st.uinteger == 0);
                continue;
            }
            auto rec = std::find_if(draw_records().begin(), draw_records().end(),
                                    [&](const DrawRecord& r) { return key == r.key; });
            // A key this test does not know is a failure, so new golden data is never skipped.
            REQUIRE(rec != draw_records().end());
            tj::Generator g(seed);
            tj::Array got = rec->draw(g);
            if (key == "exponential_x8_hex") {
                tj::Array e = tj::Generator(seed).standard_exponential({8});
                for (std::size_t i = 0; i < expected.size(); ++i)
                    CHECK(bits(1.5 * e.flat(static_cast<std::int64_t>(i))) ==
                          bits(as_double(expected.at(i))));
            }
            if (key.ends_with("_hex")) {
                check_hex(got, expected);
            } else if (key == "random_raw_uint64_x8") {
                REQUIRE(got.dtype() == tj::DType::UInt64);
                const std::uint64_t* p = got.data<std::uint64_t>();
                for (std::size_t i = 0; i < expected.size(); ++i)
                    CHECK(p[i] == as_uint64(expected.at(i)));
            } else {
                check_ints(got, expected);
            }
        }
    }
}

TEST_CASE("golden: the seed tutorial's logistic-regression data (seed 2882)", "[random]") {
    const Value& lr = golden().at("logistic_regression_data_seed2882");
    // The calls this test reproduces; a change of the description must change the test too.
    REQUIRE(as_text(lr.at("calls")) ==
            "standard_normal((400,784)); integers(size=400, low=0, high=2); standard_normal(784)");
    tj::Generator g(2882);
    tj::Array x = g.standard_normal({400, 784});
    tj::Array y = g.integers(0, 2, {400});
    tj::Array w0 = g.standard_normal({784});
    REQUIRE(x.shape() == tj::Dims{400, 784});
    REQUIRE(y.dtype() == tj::DType::Int64);

    const double* xp = x.data<double>();
    for (int i = 0; i < 8; ++i) {
        INFO("x first " << i << ": " << hex(xp[i]));
        CHECK(bits(xp[i]) == bits(as_double(lr.at("x_first8_hex").at(i))));
        INFO("x last " << i << ": " << hex(xp[x.size() - 8 + i]));
        CHECK(bits(xp[x.size() - 8 + i]) == bits(as_double(lr.at("x_last8_hex").at(i))));
    }
    double x_sum = numpy_sum(xp, x.size());
    INFO("x sum " << hex(x_sum));
    CHECK(bits(x_sum) == bits(as_double(lr.at("x_sum_hex"))));

    auto yv = to_ints(y);
    CHECK(std::accumulate(yv.begin(), yv.end(), std::int64_t{0}) == as_int64(lr.at("y_sum")));
    for (int i = 0; i < 16; ++i) CHECK(yv[i] == as_int64(lr.at("y_first16").at(i)));

    const double* wp = w0.data<double>();
    for (int i = 0; i < 8; ++i) CHECK(bits(wp[i]) == bits(as_double(lr.at("w0_first8_hex").at(i))));
    double w_sum = numpy_sum(wp, w0.size());
    INFO("w0 sum " << hex(w_sum));
    CHECK(bits(w_sum) == bits(as_double(lr.at("w0_sum_hex"))));
}

TEST_CASE("ziggurat_tables.inc equals ziggurat_tables.json entry by entry", "[random]") {
    const Value z = parse_golden("ziggurat_tables.json");
    const Value& t = z.at("tables");
    auto check_u = [&](const char* name, const auto* table) {
        INFO(name);
        REQUIRE(t.at(name).at("values").size() == 256);
        for (std::size_t i = 0; i < 256; ++i)
            CHECK(static_cast<std::uint64_t>(table[i]) == as_uint64(t.at(name).at("values").at(i)));
    };
    auto check_f = [&](const char* name, const auto* table) {
        INFO(name);
        REQUIRE(t.at(name).at("values").size() == 256);
        for (std::size_t i = 0; i < 256; ++i)
            CHECK(bits(static_cast<double>(table[i])) ==
                  bits(as_double(t.at(name).at("values").at(i))));
    };
    check_u("ki_double", zig::ki_double);
    check_u("ke_double", zig::ke_double);
    check_u("ki_float", zig::ki_float);
    check_u("ke_float", zig::ke_float);
    check_f("wi_double", zig::wi_double);
    check_f("fi_double", zig::fi_double);
    check_f("we_double", zig::we_double);
    check_f("fe_double", zig::fe_double);
    check_f("wi_float", zig::wi_float);
    check_f("fi_float", zig::fi_float);
    check_f("we_float", zig::we_float);
    check_f("fe_float", zig::fe_float);
    const Value& c = z.at("constants");
    CHECK(bits(zig::ziggurat_nor_r) == bits(as_double(c.at("ziggurat_nor_r").at("value"))));
    CHECK(bits(zig::ziggurat_nor_inv_r) == bits(as_double(c.at("ziggurat_nor_inv_r").at("value"))));
    CHECK(bits(zig::ziggurat_exp_r) == bits(as_double(c.at("ziggurat_exp_r").at("value"))));
    CHECK(bits(double{zig::ziggurat_nor_r_f}) ==
          bits(as_double(c.at("ziggurat_nor_r_f").at("value"))));
    CHECK(bits(double{zig::ziggurat_exp_r_f}) ==
          bits(as_double(c.at("ziggurat_exp_r_f").at("value"))));
}

TEST_CASE("SeedSequence: words, spawn keys and children", "[random]") {
    // An integer is split into uint32 words, least significant first; 0 is one word.
    CHECK(tj::SeedSequence(0).entropy() == std::vector<std::uint32_t>{0});
    CHECK(tj::SeedSequence(4294967303ULL).entropy() == std::vector<std::uint32_t>{7, 1});
    CHECK(tj::SeedSequence(std::vector<std::uint32_t>{7, 1}).pool() ==
          tj::SeedSequence(4294967303ULL).pool());

    // uint64 state words pair the uint32 words little-endian.
    tj::SeedSequence ss(12345);
    auto w32 = ss.generate_state_u32(8);
    auto w64 = ss.generate_state_u64(4);
    for (int i = 0; i < 4; ++i)
        CHECK(w64[i] == (std::uint64_t{w32[2 * i]} | (std::uint64_t{w32[2 * i + 1]} << 32)));

    for (std::uint64_t seed : {0ULL, 42ULL, 2882ULL, 4294967303ULL}) {
        INFO("seed " << seed);
        tj::SeedSequence parent(seed);
        auto first = parent.spawn(3);
        CHECK(parent.n_children_spawned() == 3);
        auto more = parent.spawn(2);
        CHECK(parent.n_children_spawned() == 5);
        first.insert(first.end(), more.begin(), more.end());
        for (std::uint64_t k = 0; k < 5; ++k) {
            INFO("child " << k);
            tj::SeedSequence direct(seed, {k});
            CHECK(first[k].spawn_key() == std::vector<std::uint64_t>{k});
            CHECK(first[k].entropy() == parent.entropy());
            CHECK(first[k].pool() == direct.pool());
            CHECK(tj::Generator(first[k]).random_raw() == tj::Generator(direct).random_raw());
        }
        // Children of children extend the key; the key changes the stream.
        auto grandchild = first[1].spawn(1)[0];
        CHECK(grandchild.spawn_key() == std::vector<std::uint64_t>{1, 0});
        CHECK(grandchild.pool() == tj::SeedSequence(seed, {1, 0}).pool());
        CHECK(tj::SeedSequence(seed, {0}).pool() != tj::SeedSequence(seed).pool());
        CHECK(tj::SeedSequence(seed, {0}).pool() != tj::SeedSequence(seed, {1}).pool());
    }
    // A key entry above 32 bits contributes two words.
    CHECK(tj::SeedSequence(5, {1ULL << 32}).pool() ==
          tj::SeedSequence(std::vector<std::uint32_t>{5}, {1ULL << 32}).pool());
    CHECK(tj::SeedSequence(5, {1ULL << 32}).pool() != tj::SeedSequence(5, {0}).pool());
    // Entropy from the OS gives different sequences.
    CHECK(tj::SeedSequence::from_os_entropy().pool() != tj::SeedSequence::from_os_entropy().pool());
}

TEST_CASE("Generator state: 6 words, round trips, the buffered uint32 half", "[random]") {
    tj::Generator g(42);
    tj::Array s0 = g.state();
    REQUIRE(s0.dtype() == tj::DType::UInt64);
    REQUIRE(s0.shape() == tj::Dims{6});
    auto st = g.pcg_state();
    CHECK(st.to_words()[0] == s0.data<std::uint64_t>()[0]);
    CHECK(tj::Pcg64State::from_words(st.to_words()) == st);
    CHECK(st.inc % 2 == 1);

    // One int64 draw on [0, 2) uses half of a 64-bit output and keeps the other half.
    g.integers(0, 2, {1});
    tj::Array s1 = g.state();
    CHECK(s1.data<std::uint64_t>()[4] == 1);
    tj::Array after = g.integers(0, 1000, {7});
    tj::Generator h(0);
    h.set_state(s1);
    CHECK(h.integers(0, 1000, {7}).equals(after));
    h.set_state(s0);
    tj::Generator fresh(42);
    CHECK(h.standard_normal({5}).equals(fresh.standard_normal({5})));
    CHECK(tj::Generator(st).random_raw() == tj::Generator(42).random_raw());

    // A state array shared with a kernel: the C functions advance the same words.
    tj::Generator a(7), b(7);
    for (int i = 0; i < 5; ++i) CHECK(tj_rng_next_uint64(a.state_words()) == b.random_raw());
    CHECK(a.state().equals(b.state()));

    CHECK_THROWS_AS(h.set_state(tj::Array(std::vector<double>(6, 0.0))), tj::TypeError);
    CHECK_THROWS_AS(h.set_state(tj::Array(std::vector<std::uint64_t>(5, 1))), tj::ShapeError);
    CHECK_VALUE_ERROR(h.set_state(tj::Array(std::vector<std::uint64_t>{1, 2, 3, 5, 2, 0})),
                      "has_uint32 word must be 0 or 1, got 2");
    CHECK_VALUE_ERROR(h.set_state(tj::Array(std::vector<std::uint64_t>{1, 2, 3, 5, 1, 1ULL << 32})),
                      "uinteger word must fit in 32 bits");
}

TEST_CASE("scalar draws, array draws and the C functions give one stream", "[random]") {
    for (std::uint64_t seed : {0ULL, 42ULL, 18446744073709551615ULL}) {
        INFO("seed " << seed);
        // tj_rng_seed seeds as Generator(seed): entropy words of the seed, empty spawn key.
        unsigned long long c[6];
        unsigned int ent[2] = {static_cast<unsigned>(seed), static_cast<unsigned>(seed >> 32)};
        tj_rng_seed(c, ent, (seed >> 32) ? 2 : 1, nullptr, 0);
        tj::Generator arr(seed), sca(seed);
        CHECK(std::equal(c, c + 6, tj::Generator(seed).state_words()));

        auto same = [&](const tj::Array& a, auto scalar_draw, auto c_draw) {
            auto v = to_doubles(a);
            for (double x : v) {
                double s = static_cast<double>(scalar_draw());
                double k = static_cast<double>(c_draw());
                CHECK(bits(s) == bits(x));
                CHECK(bits(k) == bits(x));
            }
        };
        same(
            arr.random({4}), [&] { return sca.random(); }, [&] { return tj_rng_next_double(c); });
        same(
            arr.uniform(-2, 5, {4}), [&] { return sca.uniform(-2, 5); },
            [&] { return tj_rng_uniform(c, -2, 5); });
        same(
            arr.normal(1, 3, {40}), [&] { return sca.normal(1, 3); },
            [&] { return tj_rng_normal(c, 1, 3); });
        same(
            arr.standard_normal({4}), [&] { return sca.standard_normal(); },
            [&] { return tj_rng_standard_normal(c); });
        same(
            arr.exponential(2, {40}), [&] { return sca.exponential(2); },
            [&] { return tj_rng_exponential(c, 2); });
        same(
            arr.standard_exponential({4}), [&] { return sca.standard_exponential(); },
            [&] { return tj_rng_standard_exponential(c); });
        same(
            arr.gamma(0.7, 2, {10}), [&] { return sca.gamma(0.7, 2); },
            [&] { return tj_rng_gamma(c, 0.7, 2); });
        same(
            arr.standard_gamma(3, {10}), [&] { return sca.standard_gamma(3); },
            [&] { return tj_rng_standard_gamma(c, 3); });
        same(
            arr.beta(0.5, 0.7, {10}), [&] { return sca.beta(0.5, 0.7); },
            [&] { return tj_rng_beta(c, 0.5, 0.7); });
        same(
            arr.integers(-3, 1000000000000000LL, {9}),
            [&] { return sca.integers(-3, 1000000000000000LL); },
            [&] { return tj_rng_integers(c, -3, 1000000000000000LL); });
        same(
            arr.integers(-3, 9, {9}, tj::DType::Int32), [&] { return sca.integers(-3, 9); },
            [&] { return tj_rng_integers32(c, -3, 9); });
        same(
            arr.binomial(40, 0.2, {10}), [&] { return sca.binomial(40, 0.2); },
            [&] { return tj_rng_binomial(c, 40, 0.2); });
        same(
            arr.binomial(500, 0.9, {10}), [&] { return sca.binomial(500, 0.9); },
            [&] { return tj_rng_binomial(c, 500, 0.9); });
        same(
            arr.bernoulli(0.3, {10}), [&] { return sca.bernoulli(0.3); },
            [&] { return tj_rng_bernoulli(c, 0.3); });
        same(
            arr.poisson(4.5, {10}), [&] { return sca.poisson(4.5); },
            [&] { return tj_rng_poisson(c, 4.5); });
        same(
            arr.poisson(1e6, {10}), [&] { return sca.poisson(1e6); },
            [&] { return tj_rng_poisson(c, 1e6); });
        CHECK(std::equal(c, c + 6, arr.state_words()));
    }
    // Invalid parameters: the C functions return a marker and leave the state alone.
    tj::Generator g(3);
    unsigned long long* s = g.state_words();
    tj::Array before = g.state();
    CHECK(std::isnan(tj_rng_normal(s, 0, -1)));
    CHECK(std::isnan(tj_rng_standard_gamma(s, -1)));
    CHECK(std::isnan(tj_rng_gamma(s, 1, NAN)));
    CHECK(std::isnan(tj_rng_beta(s, 0, 1)));
    CHECK(std::isnan(tj_rng_exponential(s, -2)));
    CHECK(tj_rng_binomial(s, 10, 1.5) == -1);
    CHECK(tj_rng_binomial(s, -1, 0.5) == -1);
    CHECK(tj_rng_bernoulli(s, NAN) == -1);
    CHECK(tj_rng_poisson(s, -3) == -1);
    CHECK(tj_rng_integers(s, 5, 5) == 5);
    CHECK(g.state().equals(before));
}

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
