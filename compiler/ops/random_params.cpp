// Random variables' parameters: the parameters of each distribution, their domains and NumPy's
// checks of them (as C++ for constants and the reference, as kernel code), choice's tolerance.
#include "compiler/ops/random_util.hpp"
#include "runtime/kernel_errors.hpp"

#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"

#include <cmath>
#include <limits>

namespace tensorjit::random_detail {

namespace {

// NumPy's POISSON_LAM_MAX, computed as runtime/generator.cpp does.
const double kPoissonLamMax =
    static_cast<double>(std::numeric_limits<std::int64_t>::max()) -
    std::sqrt(static_cast<double>(std::numeric_limits<std::int64_t>::max())) * 10;

// The smallest and largest value of an integer (or bool) dtype, clamped to int64.
std::pair<long long, long long> int_range(DType t) {
    long long lo = 0, hi = 0;
    visit_dtype(t, [&](auto v) {
        using T = decltype(v);
        if constexpr (std::is_same_v<T, bool>) {
            lo = 0;
            hi = 1;
        } else if constexpr (std::is_integral_v<T>) {
            lo = static_cast<long long>(std::numeric_limits<T>::min());
            hi = std::numeric_limits<T>::max() >
                         static_cast<std::uint64_t>(std::numeric_limits<long long>::max())
                     ? std::numeric_limits<long long>::max()
                     : static_cast<long long>(std::numeric_limits<T>::max());
        }
    });
    return {lo, hi};
}

bool passes(const Check& c, double v) {
    switch (c.domain) {
    case Domain::NonNegative:
        return v >= 0;
    case Domain::Positive:
        return v > 0;
    case Domain::Probability:
        return v >= 0 && v <= 1;
    case Domain::AtMost:
        return v <= c.bound;
    default:
        return true;
    }
}

bool passes(const Check& c, long long v) {
    switch (c.domain) {
    case Domain::IntAtLeast:
        return v >= c.ibound;
    case Domain::IntAtMost:
        return v <= c.ibound;
    default:
        return true;
    }
}

} // namespace

std::vector<ParamInfo> params_of(RandomDist d) {
    switch (d) {
    case RandomDist::Uniform:
        return {{"low", false}, {"high", false}};
    case RandomDist::Normal:
        return {{"loc", false}, {"scale", false}};
    case RandomDist::Integers:
        return {{"low", true}, {"high", true}};
    case RandomDist::Bernoulli:
        return {{"p", false}};
    case RandomDist::Binomial:
        return {{"n", true}, {"p", false}};
    case RandomDist::Poisson:
        return {{"lam", false}};
    case RandomDist::Exponential:
        return {{"scale", false}};
    case RandomDist::Gamma:
        return {{"shape", false}, {"scale", false}};
    case RandomDist::Beta:
        return {{"a", false}, {"b", false}};
    case RandomDist::Choice:
        return {{"a", false}, {"p", false}};
    case RandomDist::Permutation:
        return {{"x", false}};
    }
    return {};
}

bool is_elementwise_dist(RandomDist d) {
    return d != RandomDist::Choice && d != RandomDist::Permutation;
}

std::vector<Check> checks_of(RandomDist d, DType out) {
    switch (d) {
    case RandomDist::Normal:
        return {{1, Domain::NonNegative, TJ_RNG_E_NORMAL_SCALE}};
    case RandomDist::Exponential:
        return {{0, Domain::NonNegative, TJ_RNG_E_EXPONENTIAL_SCALE}};
    case RandomDist::Gamma:
        return {{0, Domain::NonNegative, TJ_RNG_E_GAMMA_SHAPE},
                {1, Domain::NonNegative, TJ_RNG_E_GAMMA_SCALE}};
    case RandomDist::Beta:
        return {{0, Domain::Positive, TJ_RNG_E_BETA_A}, {1, Domain::Positive, TJ_RNG_E_BETA_B}};
    case RandomDist::Binomial:
        return {{0, Domain::IntAtLeast, TJ_RNG_E_BINOMIAL_N, 0, 0},
                {1, Domain::Probability, TJ_RNG_E_BINOMIAL_P}};
    case RandomDist::Bernoulli:
        return {{0, Domain::Probability, TJ_RNG_E_BERNOULLI_P}};
    case RandomDist::Poisson:
        return {{0, Domain::NonNegative, TJ_RNG_E_POISSON_LAM},
                {0, Domain::AtMost, TJ_RNG_E_POISSON_LAM_MAX, kPoissonLamMax}};
    case RandomDist::Integers: {
        std::vector<Check> c;
        auto [lo, hi] = int_range(out);
        if (lo > std::numeric_limits<long long>::min())
            c.push_back({0, Domain::IntAtLeast, TJ_RNG_E_INTEGERS_LOW, 0, lo});
        // high is exclusive: it may be one past the largest value.
        if (hi < std::numeric_limits<long long>::max())
            c.push_back({1, Domain::IntAtMost, TJ_RNG_E_INTEGERS_HIGH, 0, hi + 1});
        return c;
    }
    default:
        return {};
    }
}

std::string check_expr(const Check& c) {
    switch (c.domain) {
    case Domain::NonNegative:
        return "v >= 0";
    case Domain::Positive:
        return "v > 0";
    case Domain::Probability:
        return "v >= 0 && v <= 1";
    case Domain::AtMost:
        return "v <= " + EmitContext::literal(DType::Float64, c.bound);
    case Domain::IntAtLeast:
        return "v >= " + EmitContext::literal(DType::Int64, static_cast<double>(c.ibound));
    case Domain::IntAtMost:
        return "v <= " + EmitContext::literal(DType::Int64, static_cast<double>(c.ibound));
    }
    return "1";
}

[[noreturn]] void throw_param_error(int code, long long value) {
    TJ_THROW(ValueError) << kernel_error_text(code, value);
}

void check_values(const Check& c, const Array& values) {
    const Array v = values.copy();
    if (v.dtype() == DType::Int64) {
        const auto* p = static_cast<const std::int64_t*>(v.raw_data());
        for (std::int64_t i = 0; i < v.size(); ++i)
            if (!passes(c, static_cast<long long>(p[i]))) throw_param_error(c.code, p[i]);
        return;
    }
    const auto* p = static_cast<const double*>(v.raw_data());
    for (std::int64_t i = 0; i < v.size(); ++i)
        if (!passes(c, p[i])) throw_param_error(c.code, double_bits(p[i]));
}

void check_pairs(RandomDist dist, const Array& a, const Array& b) {
    if (dist != RandomDist::Uniform && dist != RandomDist::Integers) return;
    const std::vector<Array> ab{a.copy(), b.copy()};
    const Dims shape = broadcast_shapes(ab, random_dist_name(dist));
    for (std::int64_t i = 0; i < shape.product(); ++i) {
        const std::int64_t ia = bcast_offset(ab[0], shape, i), ib = bcast_offset(ab[1], shape, i);
        if (dist == RandomDist::Uniform) {
            const double range = static_cast<const double*>(ab[1].raw_data())[ib] -
                                 static_cast<const double*>(ab[0].raw_data())[ia];
            if (!std::isfinite(range))
                throw_param_error(TJ_RNG_E_UNIFORM_RANGE, double_bits(range));
            continue;
        }
        const std::int64_t lo = static_cast<const std::int64_t*>(ab[0].raw_data())[ia];
        const std::int64_t hi = static_cast<const std::int64_t*>(ab[1].raw_data())[ib];
        if (lo >= hi) throw_param_error(TJ_RNG_E_INTEGERS_ORDER, lo);
    }
}

double choice_atol(const Attrs& a) {
    return (flags_of(a) & kChoicePFloat32)
               ? std::sqrt(double(std::numeric_limits<float>::epsilon()))
               : std::sqrt(std::numeric_limits<double>::epsilon());
}

} // namespace tensorjit::random_detail
