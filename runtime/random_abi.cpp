// The C ABI of codegen_templates/random.h: the draws JIT-compiled kernels call on the 6-word
// state, and the array draws of random variables in graphs (fills, bounded small integers,
// choice, permutation). Compiled with -ffp-contract=off (CMakeLists.txt).
#include <tensorjit/generator.hpp>

#include "codegen_templates/random.h"
#include "runtime/bounded_integers.hpp"
#include "runtime/distributions.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

// Found by kernels through the host symbol table (runtime/kernel_host.cpp), not exported.
#define TJ_RNG_EXPORT extern "C"

using tensorjit::detail::u64;

TJ_RNG_EXPORT void tj_rng_seed(unsigned long long* state6, const unsigned int* entropy,
                               long long n_entropy, const unsigned long long* spawn_key,
                               long long n_spawn) {
    std::vector<std::uint32_t> words(entropy, entropy + std::max(n_entropy, 0LL));
    std::vector<std::uint64_t> key(spawn_key, spawn_key + std::max(n_spawn, 0LL));
    tensorjit::detail::seed_words(state6,
                                  tensorjit::SeedSequence(std::move(words), std::move(key)));
}

TJ_RNG_EXPORT unsigned long long tj_rng_next_uint64(unsigned long long* s) {
    return tensorjit::detail::next_u64(s);
}

TJ_RNG_EXPORT unsigned int tj_rng_next_uint32(unsigned long long* s) {
    return tensorjit::detail::next_u32(s);
}

TJ_RNG_EXPORT double tj_rng_next_double(unsigned long long* s) {
    return tensorjit::detail::next_double(s);
}

TJ_RNG_EXPORT double tj_rng_uniform(unsigned long long* s, double low, double high) {
    double range = high - low;
    return low + range * tensorjit::detail::next_double(s);
}

TJ_RNG_EXPORT double tj_rng_standard_normal(unsigned long long* s) {
    return tensorjit::detail::standard_normal(s);
}

TJ_RNG_EXPORT double tj_rng_normal(unsigned long long* s, double loc, double scale) {
    if (!(scale >= 0)) return std::numeric_limits<double>::quiet_NaN();
    return loc + scale * tensorjit::detail::standard_normal(s);
}

TJ_RNG_EXPORT double tj_rng_standard_exponential(unsigned long long* s) {
    return tensorjit::detail::standard_exponential(s);
}

TJ_RNG_EXPORT double tj_rng_exponential(unsigned long long* s, double scale) {
    if (!(scale >= 0)) return std::numeric_limits<double>::quiet_NaN();
    return scale * tensorjit::detail::standard_exponential(s);
}

TJ_RNG_EXPORT double tj_rng_standard_gamma(unsigned long long* s, double shape) {
    if (!(shape >= 0)) return std::numeric_limits<double>::quiet_NaN();
    return tensorjit::detail::standard_gamma(s, shape);
}

TJ_RNG_EXPORT double tj_rng_gamma(unsigned long long* s, double shape, double scale) {
    if (!(shape >= 0) || !(scale >= 0)) return std::numeric_limits<double>::quiet_NaN();
    return scale * tensorjit::detail::standard_gamma(s, shape);
}

TJ_RNG_EXPORT double tj_rng_beta(unsigned long long* s, double a, double b) {
    if (!(a > 0) || !(b > 0)) return std::numeric_limits<double>::quiet_NaN();
    return tensorjit::detail::beta(s, a, b);
}

TJ_RNG_EXPORT long long tj_rng_integers(unsigned long long* s, long long low,
                                        long long high_exclusive) {
    if (low >= high_exclusive) return low;
    // The range in unsigned arithmetic: high - low - 1 can exceed INT64_MAX.
    u64 rng = static_cast<u64>(high_exclusive) - static_cast<u64>(low) - 1;
    return static_cast<long long>(static_cast<u64>(low) + tensorjit::detail::bounded_u64(s, rng));
}

TJ_RNG_EXPORT int tj_rng_integers32(unsigned long long* s, int low, int high_exclusive) {
    if (low >= high_exclusive) return low;
    auto rng = static_cast<std::uint32_t>(static_cast<std::uint32_t>(high_exclusive) -
                                          static_cast<std::uint32_t>(low) - 1);
    return static_cast<int>(static_cast<std::uint32_t>(low) +
                            tensorjit::detail::bounded_u32(s, rng));
}

TJ_RNG_EXPORT unsigned long long tj_rng_bounded_uint64(unsigned long long* s,
                                                       unsigned long long max) {
    return tensorjit::detail::bounded_u64(s, max);
}

TJ_RNG_EXPORT unsigned long long tj_rng_interval(unsigned long long* s, unsigned long long max) {
    return tensorjit::detail::interval(s, max);
}

TJ_RNG_EXPORT long long tj_rng_binomial(unsigned long long* s, long long n, double p) {
    if (!tensorjit::detail::valid_binomial(n, p)) return -1;
    return tensorjit::detail::binomial(s, n, p);
}

TJ_RNG_EXPORT int tj_rng_bernoulli(unsigned long long* s, double p) {
    if (!tensorjit::detail::valid_binomial(1, p)) return -1;
    return static_cast<int>(tensorjit::detail::binomial(s, 1, p));
}

TJ_RNG_EXPORT long long tj_rng_poisson(unsigned long long* s, double lam) {
    if (!(lam >= 0) || !(lam <= tensorjit::detail::kPoissonLamMax)) return -1;
    return tensorjit::detail::poisson(s, lam);
}

// ---- array draws for kernels (random variables in graphs) --------------------------------------
namespace tensorjit {
namespace {

// A generator whose state is the 6 words (any words: Pcg64State::from_words would reject a
// has_uint32 word other than 0/1, and kernels must not throw).
Generator generator_on(const u64* s) {
    Generator g{Pcg64State{}};
    std::memcpy(g.state_words(), s, 6 * sizeof(u64));
    return g;
}

long long double_bits(double v) { return std::bit_cast<long long>(v); }

} // namespace
} // namespace tensorjit

TJ_RNG_EXPORT void tj_rng_fill_uniform(unsigned long long* s, double low, double high, long long n,
                                       double* out) {
    // The state in locals: the 128-bit LCG step stays in registers rather than going through
    // memory at every draw.
    u64 w[6];
    std::memcpy(w, s, sizeof w);
    const double range = high - low;
    for (long long i = 0; i < n; ++i) out[i] = low + range * tensorjit::detail::next_double(w);
    std::memcpy(s, w, sizeof w);
}

TJ_RNG_EXPORT void tj_rng_fill_normal(unsigned long long* s, double loc, double scale, long long n,
                                      double* out) {
    u64 w[6];
    std::memcpy(w, s, sizeof w);
    for (long long i = 0; i < n; ++i) out[i] = loc + scale * tensorjit::detail::standard_normal(w);
    std::memcpy(s, w, sizeof w);
}

TJ_RNG_EXPORT unsigned int tj_rng_bounded_uint(unsigned long long* s, unsigned int rng, int bits,
                                               unsigned int* buf, int* bcnt) {
    if (bits == 32) return tensorjit::detail::bounded_u32(s, rng);
    tensorjit::detail::SmallBuffer b{*buf, *bcnt};
    unsigned int r;
    if (bits == 16)
        r = tensorjit::detail::bounded_u16(s, static_cast<std::uint16_t>(rng), b);
    else if (bits == 8)
        r = tensorjit::detail::bounded_u8(s, static_cast<std::uint8_t>(rng), b);
    else
        r = tensorjit::detail::bounded_bool(s, false, rng != 0, b) ? 1U : 0U;
    *buf = b.buf;
    *bcnt = b.bcnt;
    return r;
}

TJ_RNG_EXPORT int tj_rng_choice_check(long long pop_size, int a_is_array, long long count,
                                      int replace, const double* p, long long p_size,
                                      long long p_stride, double atol, long long* bad) {
    using tensorjit::double_bits;
    // Generator.choice's order of checks.
    if (!a_is_array && pop_size <= 0 && count != 0) {
        *bad = pop_size;
        return TJ_RNG_E_CHOICE_POPULATION;
    }
    if (a_is_array && pop_size == 0 && count != 0) {
        *bad = 0;
        return TJ_RNG_E_CHOICE_EMPTY;
    }
    if (p) {
        if (p_size != pop_size) {
            *bad = p_size;
            return TJ_RNG_E_CHOICE_P_SIZE;
        }
        std::vector<double> pv(static_cast<std::size_t>(p_size));
        for (long long i = 0; i < p_size; ++i) pv[i] = p[i * p_stride];
        const double sum = tensorjit::detail::kahan_sum(pv);
        if (std::isnan(sum)) {
            *bad = double_bits(sum);
            return TJ_RNG_E_CHOICE_P_NAN;
        }
        for (double v : pv)
            if (v < 0) {
                *bad = double_bits(v);
                return TJ_RNG_E_CHOICE_P_NEGATIVE;
            }
        if (std::fabs(sum - 1.) > atol) {
            *bad = double_bits(sum);
            return TJ_RNG_E_CHOICE_P_SUM;
        }
    }
    if (!replace) {
        if (count > pop_size) {
            *bad = pop_size;
            return TJ_RNG_E_CHOICE_TOO_MANY;
        }
        if (p) {
            long long nonzero = 0;
            for (long long i = 0; i < p_size; ++i) nonzero += p[i * p_stride] > 0;
            if (nonzero < count) {
                *bad = nonzero;
                return TJ_RNG_E_CHOICE_P_NONZERO;
            }
        }
    }
    return 0;
}

TJ_RNG_EXPORT int tj_rng_choice(unsigned long long* s, long long pop_size, long long count,
                                int replace, const double* p, long long p_stride, long long* out) {
    try {
        tensorjit::Generator g = tensorjit::generator_on(s);
        std::optional<std::vector<double>> pv;
        if (p) {
            pv.emplace(static_cast<std::size_t>(pop_size));
            for (long long i = 0; i < pop_size; ++i) (*pv)[i] = p[i * p_stride];
        }
        tensorjit::Array idx = g.choice(pop_size, tensorjit::Dims{count}, replace != 0, pv);
        if (count)
            std::memcpy(out, idx.raw_data(), static_cast<std::size_t>(count) * sizeof(long long));
        std::memcpy(s, g.state_words(), 6 * sizeof(u64));
        return 0;
    } catch (...) {
        // Memory (the parameters were checked): nothing may be thrown through a kernel.
        return 1;
    }
}

TJ_RNG_EXPORT int tj_rng_permutation(unsigned long long* s, long long n, long long* out) {
    try {
        tensorjit::Generator g = tensorjit::generator_on(s);
        tensorjit::Array idx = g.permutation(n);
        if (n) std::memcpy(out, idx.raw_data(), static_cast<std::size_t>(n) * sizeof(long long));
        std::memcpy(s, g.state_words(), 6 * sizeof(u64));
        return 0;
    } catch (...) {
        return 1;
    }
}
