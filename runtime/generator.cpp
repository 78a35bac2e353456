// tj::Generator: NumPy's Generator(PCG64) methods on the 6-word state, with NumPy's parameter
// checks and error messages. The draws are the distributions (distributions.hpp) and the C ABI
// of the kernels (codegen_templates/random.h), so that kernels and this class share one
// implementation. Compiled with -ffp-contract=off (CMakeLists.txt).
#include <tensorjit/generator.hpp>

#include <tensorjit/config.hpp>

#include "codegen_templates/random.h"
#include "runtime/bounded_integers.hpp"
#include "runtime/distributions.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_set>

namespace tensorjit {

using detail::bounded_bool;
using detail::bounded_u16;
using detail::bounded_u32;
using detail::bounded_u64;
using detail::bounded_u8;
using detail::interval;
using detail::kahan_sum;
using detail::kPoissonLamMax;
using detail::next_double;
using detail::next_u64;
using detail::seed_words;
using detail::SmallBuffer;
using detail::u32;
using detail::u64;

namespace {

void check_size(const Dims& size, const char* who) {
    for (auto d : size)
        TJ_CHECK(d >= 0, ValueError)
            << who << ": negative dimensions are not allowed, got size " << shape_str(size);
}

// An array of the given size filled in C order by calls to draw().
template <class T, class F> Array fill(const Dims& size, const char* who, F&& draw) {
    check_size(size, who);
    Array out = Array::empty(dtype_v<T>, size);
    T* p = static_cast<T*>(out.raw_data());
    for (std::int64_t i = 0, n = out.size(); i < n; ++i) p[i] = static_cast<T>(draw());
    return out;
}

// A float array: float64 draws, stored in config().floatX (rounded when it is float32).
template <class F> Array fill_real(const Dims& size, const char* who, F&& draw) {
    if (config().floatX == DType::Float32) return fill<float>(size, who, draw);
    return fill<double>(size, who, draw);
}

void check_non_negative(const char* who, const char* name, double v) {
    TJ_CHECK(v >= 0, ValueError) << who << ": " << name << " must be non-negative, got " << v;
}

void check_positive(const char* who, const char* name, double v) {
    TJ_CHECK(v > 0, ValueError) << who << ": " << name << " must be positive, got " << v;
}

void check_probability(const char* who, double p) {
    TJ_CHECK(p >= 0 && p <= 1, ValueError) << who << ": p must be in [0, 1], got " << p;
}

void check_binomial(std::int64_t n, double p) {
    TJ_CHECK(n >= 0, ValueError) << "binomial: n must be non-negative, got " << n;
    check_probability("binomial", p);
}

void check_poisson(double lam) {
    check_non_negative("poisson", "lam", lam);
    TJ_CHECK(lam <= kPoissonLamMax, ValueError)
        << "poisson: lam value too large, got " << lam << " (at most " << kPoissonLamMax << ")";
}

void check_uniform(double low, double high) {
    TJ_CHECK(std::isfinite(high - low), ValueError)
        << "uniform: high - low must be finite, got low " << low << " and high " << high;
}

// cumsum(p) / cumsum(p)[-1], as NumPy computes it (sequential sum, one division each).
std::vector<double> normalized_cdf(const std::vector<double>& p) {
    std::vector<double> cdf(p.size());
    double acc = 0;
    for (std::size_t i = 0; i < p.size(); ++i) cdf[i] = acc = (i == 0 ? p[0] : acc + p[i]);
    double last = cdf.back();
    for (auto& c : cdf) c /= last;
    return cdf;
}

// searchsorted(cdf, x, side="right").
std::int64_t search_right(const std::vector<double>& cdf, double x) {
    return std::upper_bound(cdf.begin(), cdf.end(), x) - cdf.begin();
}

// Rows along axis 0 of a, gathered at idx; the result has shape out_lead + a.shape[1:].
Array gather_rows(const Array& a, const std::vector<std::int64_t>& idx, const Dims& out_lead) {
    Array src = a.is_c_contiguous() ? a : a.copy();
    Dims out_shape = out_lead;
    for (int d = 1; d < a.ndim(); ++d) out_shape.push_back(a.shape(d));
    Array out = Array::empty(a.dtype(), out_shape);
    std::int64_t row_elems = 1;
    for (int d = 1; d < a.ndim(); ++d) row_elems *= a.shape(d);
    const std::size_t row_bytes = static_cast<std::size_t>(row_elems) * a.itemsize();
    auto* from = static_cast<const char*>(src.raw_data());
    auto* to = static_cast<char*>(out.raw_data());
    for (std::size_t i = 0; i < idx.size(); ++i)
        if (row_bytes) std::memcpy(to + i * row_bytes, from + idx[i] * row_bytes, row_bytes);
    return out;
}

} // namespace

Generator::Generator(std::uint64_t seed) : Generator(SeedSequence(seed)) {}

Generator::Generator(const SeedSequence& seed_seq) { seed_words(words_.data(), seed_seq); }

Generator::Generator(const Pcg64State& state) { set_pcg_state(state); }

Array Generator::state() const {
    return Array(std::vector<std::uint64_t>(words_.begin(), words_.end()));
}

void Generator::set_state(const Array& state) {
    TJ_CHECK(state.dtype() == DType::UInt64, TypeError)
        << "Generator.set_state: state has dtype " << dtype_name(state.dtype())
        << ", expected uint64";
    TJ_CHECK(state.shape() == Dims{6}, ShapeError)
        << "Generator.set_state: state has shape " << shape_str(state.shape()) << ", expected (6,)";
    Array c = state.copy();
    const std::uint64_t* w = c.data<std::uint64_t>();
    set_pcg_state(Pcg64State::from_words({w[0], w[1], w[2], w[3], w[4], w[5]}));
}

Pcg64State Generator::pcg_state() const {
    return Pcg64State::from_words(
        {words_[0], words_[1], words_[2], words_[3], words_[4], words_[5]});
}

void Generator::set_pcg_state(const Pcg64State& state) {
    auto w = state.to_words();
    std::copy(w.begin(), w.end(), words_.begin());
}

std::uint64_t Generator::random_raw() { return next_u64(words_.data()); }
Array Generator::random_raw(const Dims& size) {
    return fill<std::uint64_t>(size, "random_raw", [&] { return next_u64(words_.data()); });
}

double Generator::random() { return next_double(words_.data()); }
Array Generator::random(const Dims& size) {
    return fill_real(size, "random", [&] { return next_double(words_.data()); });
}

double Generator::uniform(double low, double high) {
    check_uniform(low, high);
    return tj_rng_uniform(words_.data(), low, high);
}
Array Generator::uniform(double low, double high, const Dims& size) {
    check_uniform(low, high);
    return fill_real(size, "uniform", [&] { return tj_rng_uniform(words_.data(), low, high); });
}

double Generator::standard_normal() { return detail::standard_normal(words_.data()); }
Array Generator::standard_normal(const Dims& size) {
    return fill_real(size, "standard_normal",
                     [&] { return detail::standard_normal(words_.data()); });
}

double Generator::normal(double loc, double scale) {
    check_non_negative("normal", "scale", scale);
    return tj_rng_normal(words_.data(), loc, scale);
}
Array Generator::normal(double loc, double scale, const Dims& size) {
    check_non_negative("normal", "scale", scale);
    return fill_real(size, "normal", [&] { return tj_rng_normal(words_.data(), loc, scale); });
}

std::int64_t Generator::integers(std::int64_t low, std::int64_t high) {
    TJ_CHECK(low < high, ValueError) << "integers: low >= high (" << low << " >= " << high << ")";
    return tj_rng_integers(words_.data(), low, high);
}

Array Generator::integers(std::int64_t low, std::int64_t high, const Dims& size, DType dtype) {
    TJ_CHECK(low < high, ValueError) << "integers: low >= high (" << low << " >= " << high << ")";
    TJ_CHECK(is_integer(dtype) || is_bool(dtype), ValueError)
        << "integers: dtype must be an integer dtype or bool, got " << dtype_name(dtype);
    check_size(size, "integers");
    u64* s = words_.data();
    return visit_dtype(dtype, [&](auto v) -> Array {
        using T = decltype(v);
        if constexpr (std::is_floating_point_v<T>) {
            return Array(); // unreachable: rejected above
        } else {
            // Bounds of the dtype; high is exclusive so it may be one past the maximum.
            using Lim = std::numeric_limits<T>;
            const auto lo_ok = static_cast<std::int64_t>(Lim::min());
            const bool max_fits =
                std::is_same_v<T, std::uint64_t> ||
                static_cast<std::uint64_t>(Lim::max()) >=
                    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
            TJ_CHECK(low >= lo_ok, ValueError)
                << "integers: low " << low << " is out of bounds for " << dtype_name(dtype);
            TJ_CHECK(max_fits || high - 1 <= static_cast<std::int64_t>(Lim::max()), ValueError)
                << "integers: high " << high << " is out of bounds for " << dtype_name(dtype);
            const u64 off = static_cast<u64>(low);
            const u64 rng = static_cast<u64>(high) - static_cast<u64>(low) - 1;
            SmallBuffer buf;
            return fill<T>(size, "integers", [&]() -> T {
                if constexpr (std::is_same_v<T, bool>)
                    return bounded_bool(s, off != 0, rng != 0, buf);
                else if constexpr (sizeof(T) == 1)
                    return static_cast<T>(off + bounded_u8(s, static_cast<std::uint8_t>(rng), buf));
                else if constexpr (sizeof(T) == 2)
                    return static_cast<T>(off +
                                          bounded_u16(s, static_cast<std::uint16_t>(rng), buf));
                else if constexpr (sizeof(T) == 4)
                    return static_cast<T>(off + bounded_u32(s, static_cast<u32>(rng)));
                else
                    return static_cast<T>(off + bounded_u64(s, rng));
            });
        }
    });
}

double Generator::standard_exponential() { return detail::standard_exponential(words_.data()); }
Array Generator::standard_exponential(const Dims& size) {
    return fill_real(size, "standard_exponential",
                     [&] { return detail::standard_exponential(words_.data()); });
}

double Generator::exponential(double scale) {
    check_non_negative("exponential", "scale", scale);
    return tj_rng_exponential(words_.data(), scale);
}
Array Generator::exponential(double scale, const Dims& size) {
    check_non_negative("exponential", "scale", scale);
    return fill_real(size, "exponential", [&] { return tj_rng_exponential(words_.data(), scale); });
}

double Generator::standard_gamma(double shape) {
    check_non_negative("standard_gamma", "shape", shape);
    return detail::standard_gamma(words_.data(), shape);
}
Array Generator::standard_gamma(double shape, const Dims& size) {
    check_non_negative("standard_gamma", "shape", shape);
    return fill_real(size, "standard_gamma",
                     [&] { return detail::standard_gamma(words_.data(), shape); });
}

double Generator::gamma(double shape, double scale) {
    check_non_negative("gamma", "shape", shape);
    check_non_negative("gamma", "scale", scale);
    return tj_rng_gamma(words_.data(), shape, scale);
}
Array Generator::gamma(double shape, double scale, const Dims& size) {
    check_non_negative("gamma", "shape", shape);
    check_non_negative("gamma", "scale", scale);
    return fill_real(size, "gamma", [&] { return tj_rng_gamma(words_.data(), shape, scale); });
}

double Generator::beta(double a, double b) {
    check_positive("beta", "a", a);
    check_positive("beta", "b", b);
    return detail::beta(words_.data(), a, b);
}
Array Generator::beta(double a, double b, const Dims& size) {
    check_positive("beta", "a", a);
    check_positive("beta", "b", b);
    return fill_real(size, "beta", [&] { return detail::beta(words_.data(), a, b); });
}

std::int64_t Generator::binomial(std::int64_t n, double p) {
    check_binomial(n, p);
    return detail::binomial(words_.data(), n, p);
}
Array Generator::binomial(std::int64_t n, double p, const Dims& size) {
    check_binomial(n, p);
    return fill<std::int64_t>(size, "binomial",
                              [&] { return detail::binomial(words_.data(), n, p); });
}

std::int64_t Generator::bernoulli(double p) {
    check_probability("bernoulli", p);
    return detail::binomial(words_.data(), 1, p);
}
Array Generator::bernoulli(double p, const Dims& size) {
    check_probability("bernoulli", p);
    return fill<std::int64_t>(size, "bernoulli",
                              [&] { return detail::binomial(words_.data(), 1, p); });
}

std::int64_t Generator::poisson(double lam) {
    check_poisson(lam);
    return detail::poisson(words_.data(), lam);
}
Array Generator::poisson(double lam, const Dims& size) {
    check_poisson(lam);
    return fill<std::int64_t>(size, "poisson", [&] { return detail::poisson(words_.data(), lam); });
}

std::vector<std::int64_t> Generator::shuffled_indices(std::int64_t n) {
    // NumPy's _shuffle_raw: Fisher-Yates from the end, j by random_interval (masked rejection).
    std::vector<std::int64_t> idx(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) idx[i] = i;
    for (std::int64_t i = n - 1; i >= 1; --i) {
        auto j = static_cast<std::int64_t>(interval(words_.data(), static_cast<u64>(i)));
        std::swap(idx[i], idx[j]);
    }
    return idx;
}

Array Generator::permutation(std::int64_t n) {
    TJ_CHECK(n >= 0, ValueError) << "permutation: n must be non-negative, got " << n;
    auto idx = shuffled_indices(n);
    return Array(idx);
}

Array Generator::permutation(const Array& a) {
    TJ_CHECK(a.ndim() >= 1, ValueError)
        << "permutation: x must be an integer or at least 1-dimensional, got a 0-d array";
    auto idx = shuffled_indices(a.shape(0));
    return gather_rows(a, idx, Dims{a.shape(0)});
}

std::vector<std::int64_t> Generator::choice_indices(std::int64_t pop_size, std::int64_t count,
                                                    bool replace,
                                                    const std::optional<std::vector<double>>& p,
                                                    const char* who) {
    u64* s = words_.data();
    std::vector<std::int64_t> out(static_cast<std::size_t>(count));
    if (p) {
        TJ_CHECK(static_cast<std::int64_t>(p->size()) == pop_size, ValueError)
            << who << ": a and p must have same size, got " << pop_size << " and " << p->size();
        double p_sum = kahan_sum(*p);
        TJ_CHECK(!std::isnan(p_sum), ValueError) << who << ": probabilities contain NaN";
        for (double v : *p)
            TJ_CHECK(v >= 0, ValueError)
                << who << ": probabilities are not non-negative, got " << v;
        const double atol = std::sqrt(std::numeric_limits<double>::epsilon());
        TJ_CHECK(std::fabs(p_sum - 1.) <= atol, ValueError)
            << who << ": probabilities do not sum to 1, got sum " << p_sum;
    }
    if (count == 0) return out;
    if (replace) {
        if (p) {
            auto cdf = normalized_cdf(*p);
            for (auto& v : out) v = search_right(cdf, next_double(s));
        } else {
            for (auto& v : out)
                v = static_cast<std::int64_t>(bounded_u64(s, static_cast<u64>(pop_size - 1)));
        }
        return out;
    }
    TJ_CHECK(count <= pop_size, ValueError)
        << who << ": cannot take a larger sample than population when replace=false (sample "
        << count << ", population " << pop_size << ")";
    if (p) {
        // NumPy's loop: draw the missing count, zero the probabilities of what was found, keep
        // the new distinct values in order of first appearance.
        std::int64_t nonzero = std::count_if(p->begin(), p->end(), [](double v) { return v > 0; });
        TJ_CHECK(nonzero >= count, ValueError) << who << ": fewer non-zero entries in p than size ("
                                               << nonzero << " < " << count << ")";
        std::vector<double> pw = *p;
        std::int64_t n_uniq = 0;
        while (n_uniq < count) {
            std::vector<double> x(static_cast<std::size_t>(count - n_uniq));
            for (auto& v : x) v = next_double(s);
            for (std::int64_t i = 0; i < n_uniq; ++i) pw[out[i]] = 0;
            auto cdf = normalized_cdf(pw);
            std::unordered_set<std::int64_t> seen;
            for (double v : x) {
                std::int64_t k = search_right(cdf, v);
                if (seen.insert(k).second) out[n_uniq++] = k;
            }
        }
        return out;
    }
    // Lemire-based Fisher-Yates on data[first..n) (NumPy's _shuffle_int).
    auto shuffle_int = [&](std::int64_t* data, std::int64_t n, std::int64_t first) {
        for (std::int64_t i = n - 1; i >= first; --i) {
            auto j = static_cast<std::int64_t>(bounded_u64(s, static_cast<u64>(i)));
            std::swap(data[i], data[j]);
        }
    };
    if (pop_size > 10000 && count > pop_size / 50) {
        // Many samples from a large population: shuffle the tail of arange(pop_size).
        std::vector<std::int64_t> idx(static_cast<std::size_t>(pop_size));
        for (std::int64_t i = 0; i < pop_size; ++i) idx[i] = i;
        shuffle_int(idx.data(), pop_size, std::max<std::int64_t>(pop_size - count, 1));
        std::copy(idx.end() - count, idx.end(), out.begin());
        return out;
    }
    // Floyd's algorithm, then a shuffle so that the order is random too.
    std::unordered_set<std::int64_t> taken;
    for (std::int64_t j = pop_size - count; j < pop_size; ++j) {
        // j itself is never taken yet (earlier draws are <= j - 1), so it replaces a repeat.
        auto val = static_cast<std::int64_t>(bounded_u64(s, static_cast<u64>(j)));
        if (!taken.insert(val).second) {
            val = j;
            taken.insert(j);
        }
        out[j - pop_size + count] = val;
    }
    shuffle_int(out.data(), count, 1);
    return out;
}

Array Generator::choice(std::int64_t n, const Dims& size, bool replace,
                        const std::optional<std::vector<double>>& p) {
    check_size(size, "choice");
    const std::int64_t count = size.product();
    TJ_CHECK(n > 0 || count == 0, ValueError)
        << "choice: a must be a positive integer unless no samples are taken, got " << n;
    auto idx = choice_indices(n, count, replace, p, "choice");
    return Array(idx, size);
}

Array Generator::choice(const Array& a, const Dims& size, bool replace,
                        const std::optional<std::vector<double>>& p) {
    check_size(size, "choice");
    TJ_CHECK(a.ndim() >= 1, ValueError) << "choice: a must be at least 1-dimensional, got a 0-d "
                                           "array (pass an integer for range(n))";
    const std::int64_t count = size.product();
    TJ_CHECK(a.shape(0) > 0 || count == 0, ValueError)
        << "choice: a cannot be empty unless no samples are taken";
    auto idx = choice_indices(a.shape(0), count, replace, p, "choice");
    return gather_rows(a, idx, size);
}

} // namespace tensorjit
