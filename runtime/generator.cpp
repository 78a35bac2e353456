// NumPy's SeedSequence, PCG64 and Generator distributions, transcribed so that the same seed gives
// the same bits (shared/spec/RANDOM.md). The draw routines are C functions on the 6-word state
// (codegen_templates/random.h) so JIT kernels and tj::Generator share one implementation.
//
// Exactness depends on evaluating every floating-point expression exactly as NumPy's C code does:
// same operation order, no FMA contraction (this file is compiled with -ffp-contract=off, see
// CMakeLists.txt) and the C library's exp/log/log1p/pow/sqrt.
#include <tensorjit/generator.hpp>

#include "codegen_templates/random.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <unordered_set>

#define TJ_RNG_EXPORT extern "C"

namespace tensorjit {
namespace {

#include "ziggurat_tables.inc"

using u32 = std::uint32_t;
using u64 = unsigned long long;
using u128 = unsigned __int128;

// ---- SeedSequence constants (numpy/random/bit_generator.pyx) ---------------------------------
constexpr u32 kInitA = 0x43b0d7e5;
constexpr u32 kMultA = 0x931e8875;
constexpr u32 kInitB = 0x8b51f9dd;
constexpr u32 kMultB = 0x58f38ded;
constexpr u32 kMixMultL = 0xca01f9dd;
constexpr u32 kMixMultR = 0x4973f715;
constexpr int kXShift = 16;
constexpr std::size_t kPoolSize = 4;

u32 hashmix(u32 value, u32& hash_const) {
    value ^= hash_const;
    hash_const *= kMultA;
    value *= hash_const;
    value ^= value >> kXShift;
    return value;
}

u32 mix(u32 x, u32 y) {
    u32 result = kMixMultL * x - kMixMultR * y;
    result ^= result >> kXShift;
    return result;
}

// NumPy's _int_to_uint32_array: least significant word first, 0 is one word.
void append_int_words(std::vector<u32>& out, std::uint64_t v) {
    out.push_back(static_cast<u32>(v));
    if (v >> 32) out.push_back(static_cast<u32>(v >> 32));
}

// ---- PCG64 on the 6-word state -----------------------------------------------------------------
// Word layout: s[0..1] state hi/lo, s[2..3] inc hi/lo, s[4] has_uint32, s[5] uinteger.
constexpr u128 kPcgMult =
    (static_cast<u128>(2549297995355413924ULL) << 64) | 4865540595714422341ULL;

inline u128 join(u64 hi, u64 lo) { return (static_cast<u128>(hi) << 64) | lo; }

inline void pcg_step(u64* s) {
    u128 state = join(s[0], s[1]) * kPcgMult + join(s[2], s[3]);
    s[0] = static_cast<u64>(state >> 64);
    s[1] = static_cast<u64>(state);
}

inline u64 next_u64(u64* s) {
    pcg_step(s);
    // XSL-RR: xor the halves, rotate right by the top 6 bits of the state.
    u64 x = s[0] ^ s[1];
    unsigned rot = static_cast<unsigned>(s[0] >> 58);
    return (x >> rot) | (x << ((64 - rot) & 63));
}

inline u32 next_u32(u64* s) {
    if (s[4]) {
        // NumPy leaves the stale half in uinteger; keeping it keeps the state words equal.
        s[4] = 0;
        return static_cast<u32>(s[5]);
    }
    u64 next = next_u64(s);
    s[4] = 1;
    s[5] = next >> 32;
    return static_cast<u32>(next & 0xffffffffULL);
}

inline double next_double(u64* s) {
    return static_cast<double>(next_u64(s) >> 11) * (1.0 / 9007199254740992.0);
}

void seed_words(u64* s, const SeedSequence& seq) {
    auto v = seq.generate_state_u64(4);
    u128 initstate = join(v[0], v[1]);
    u128 initseq = join(v[2], v[3]);
    // pcg_setseq_128_srandom_r
    u128 state = 0;
    u128 inc = (initseq << 1) | 1;
    s[2] = static_cast<u64>(inc >> 64);
    s[3] = static_cast<u64>(inc);
    s[0] = s[1] = 0;
    pcg_step(s);
    state = join(s[0], s[1]) + initstate;
    s[0] = static_cast<u64>(state >> 64);
    s[1] = static_cast<u64>(state);
    pcg_step(s);
    s[4] = 0;
    s[5] = 0;
}

// ---- bounded integers (numpy/random/src/distributions/distributions.c) ------------------------
// Lemire on [0, rng], rng < 2^32 - 1.
inline u32 bounded_lemire_u32(u64* s, u32 rng) {
    const u32 rng_excl = rng + 1;
    u64 m = static_cast<u64>(next_u32(s)) * rng_excl;
    u32 leftover = static_cast<u32>(m & 0xffffffffULL);
    if (leftover < rng_excl) {
        // rng_excl is a cheap upper bound of the threshold: the modulo is rarely needed.
        const u32 threshold = (0xffffffffU - rng) % rng_excl;
        while (leftover < threshold) {
            m = static_cast<u64>(next_u32(s)) * rng_excl;
            leftover = static_cast<u32>(m & 0xffffffffULL);
        }
    }
    return static_cast<u32>(m >> 32);
}

// Lemire on [0, rng], rng < 2^64 - 1, with a 128-bit product.
inline u64 bounded_lemire_u64(u64* s, u64 rng) {
    const u64 rng_excl = rng + 1;
    u128 m = static_cast<u128>(next_u64(s)) * rng_excl;
    u64 leftover = static_cast<u64>(m);
    if (leftover < rng_excl) {
        const u64 threshold = (~0ULL - rng) % rng_excl;
        while (leftover < threshold) {
            m = static_cast<u128>(next_u64(s)) * rng_excl;
            leftover = static_cast<u64>(m);
        }
    }
    return static_cast<u64>(m >> 64);
}

// random_bounded_uint64_fill for one value: [0, rng] on the 32-bit path when rng fits.
inline u64 bounded_u64(u64* s, u64 rng) {
    if (rng == 0) return 0;
    if (rng <= 0xffffffffULL) {
        if (rng == 0xffffffffULL) return next_u32(s);
        return bounded_lemire_u32(s, static_cast<u32>(rng));
    }
    if (rng == ~0ULL) return next_u64(s);
    return bounded_lemire_u64(s, rng);
}

// random_bounded_uint32_fill for one value.
inline u32 bounded_u32(u64* s, u32 rng) {
    if (rng == 0) return 0;
    if (rng == 0xffffffffU) return next_u32(s);
    return bounded_lemire_u32(s, rng);
}

// random_interval: smallest all-ones mask >= max, then rejection (NumPy's shuffle uses this).
inline u64 interval(u64* s, u64 max) {
    if (max == 0) return 0;
    u64 mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    u64 value;
    if (max <= 0xffffffffULL) {
        while ((value = (next_u32(s) & mask)) > max) {
        }
    } else {
        while ((value = (next_u64(s) & mask)) > max) {
        }
    }
    return value;
}

// The buffered 16-, 8- and 1-bit draws of the small integer dtypes: one 32-bit draw is cut into
// pieces; the buffer lives for one fill call, as in NumPy.
struct SmallBuffer {
    u32 buf = 0;
    int bcnt = 0;
};

inline std::uint16_t buffered_u16(u64* s, SmallBuffer& b) {
    if (!b.bcnt) {
        b.buf = next_u32(s);
        b.bcnt = 1;
    } else {
        b.buf >>= 16;
        b.bcnt -= 1;
    }
    return static_cast<std::uint16_t>(b.buf);
}

inline std::uint8_t buffered_u8(u64* s, SmallBuffer& b) {
    if (!b.bcnt) {
        b.buf = next_u32(s);
        b.bcnt = 3;
    } else {
        b.buf >>= 8;
        b.bcnt -= 1;
    }
    return static_cast<std::uint8_t>(b.buf);
}

inline std::uint16_t bounded_u16(u64* s, std::uint16_t rng, SmallBuffer& b) {
    if (rng == 0) return 0;
    if (rng == 0xffff) return buffered_u16(s, b);
    const std::uint16_t rng_excl = rng + 1;
    u32 m = static_cast<u32>(buffered_u16(s, b)) * rng_excl;
    std::uint16_t leftover = static_cast<std::uint16_t>(m & 0xffff);
    if (leftover < rng_excl) {
        const std::uint16_t threshold = static_cast<std::uint16_t>(0xffff - rng) % rng_excl;
        while (leftover < threshold) {
            m = static_cast<u32>(buffered_u16(s, b)) * rng_excl;
            leftover = static_cast<std::uint16_t>(m & 0xffff);
        }
    }
    return static_cast<std::uint16_t>(m >> 16);
}

inline std::uint8_t bounded_u8(u64* s, std::uint8_t rng, SmallBuffer& b) {
    if (rng == 0) return 0;
    if (rng == 0xff) return buffered_u8(s, b);
    const std::uint8_t rng_excl = rng + 1;
    std::uint16_t m = static_cast<std::uint16_t>(buffered_u8(s, b) * rng_excl);
    std::uint8_t leftover = static_cast<std::uint8_t>(m & 0xff);
    if (leftover < rng_excl) {
        const std::uint8_t threshold = static_cast<std::uint8_t>(0xff - rng) % rng_excl;
        while (leftover < threshold) {
            m = static_cast<std::uint16_t>(buffered_u8(s, b) * rng_excl);
            leftover = static_cast<std::uint8_t>(m & 0xff);
        }
    }
    return static_cast<std::uint8_t>(m >> 8);
}

inline bool bounded_bool(u64* s, bool off, bool rng, SmallBuffer& b) {
    if (!rng) return off;
    if (!b.bcnt) {
        b.buf = next_u32(s);
        b.bcnt = 31;
    } else {
        b.buf >>= 1;
        b.bcnt -= 1;
    }
    return (b.buf & 1U) != 0;
}

// ---- continuous distributions ------------------------------------------------------------------
double standard_normal(u64* s) {
    for (;;) {
        u64 r = next_u64(s);
        int idx = static_cast<int>(r & 0xff);
        r >>= 8;
        int sign = static_cast<int>(r & 0x1);
        u64 rabs = (r >> 1) & 0x000fffffffffffffULL;
        double x = static_cast<double>(rabs) * wi_double[idx];
        if (sign & 0x1) x = -x;
        if (rabs < ki_double[idx]) return x; // 99.3% of the draws end here
        if (idx == 0) {
            // The tail beyond r, by Marsaglia's method; 1 - U avoids log(0).
            for (;;) {
                double xx = -ziggurat_nor_inv_r * std::log1p(-next_double(s));
                double yy = -std::log1p(-next_double(s));
                if (yy + yy > xx * xx)
                    return ((rabs >> 8) & 0x1) ? -(ziggurat_nor_r + xx) : ziggurat_nor_r + xx;
            }
        }
        if (((fi_double[idx - 1] - fi_double[idx]) * next_double(s) + fi_double[idx]) <
            std::exp(-0.5 * x * x))
            return x;
    }
}

double standard_exponential(u64* s) {
    // NumPy recurses on a rejected wedge; the loop draws the same numbers.
    for (;;) {
        u64 ri = next_u64(s);
        ri >>= 3;
        std::uint8_t idx = static_cast<std::uint8_t>(ri & 0xff);
        ri >>= 8;
        double x = static_cast<double>(ri) * we_double[idx];
        if (ri < ke_double[idx]) return x; // 98.9% of the draws end here
        if (idx == 0) return ziggurat_exp_r - std::log1p(-next_double(s));
        if ((fe_double[idx - 1] - fe_double[idx]) * next_double(s) + fe_double[idx] < std::exp(-x))
            return x;
    }
}

double standard_gamma(u64* s, double shape) {
    if (shape == 1.0) return standard_exponential(s);
    if (shape == 0.0) return 0.0;
    if (shape < 1.0) {
        for (;;) {
            double u = next_double(s);
            double v = standard_exponential(s);
            if (u <= 1.0 - shape) {
                double x = std::pow(u, 1. / shape);
                if (x <= v) return x;
            } else {
                double y = -std::log((1 - u) / shape);
                double x = std::pow(1.0 - shape + shape * y, 1. / shape);
                if (x <= (v + y)) return x;
            }
        }
    }
    // Marsaglia and Tsang.
    double b = shape - 1. / 3.;
    double c = 1. / std::sqrt(9 * b);
    for (;;) {
        double x, v;
        do {
            x = standard_normal(s);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = next_double(s);
        if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return (b * v);
        if (std::log(u) < 0.5 * x * x + b * (1. - v + std::log(v))) return (b * v);
    }
}

double beta(u64* s, double a, double b) {
    if ((a <= 1.0) && (b <= 1.0)) {
        // Johnk's algorithm.
        for (;;) {
            double u = next_double(s);
            double v = next_double(s);
            double x = std::pow(u, 1.0 / a);
            double y = std::pow(v, 1.0 / b);
            double xpy = x + y;
            // Reject when both u and v are 0 (about 1 in 10^106).
            if ((xpy <= 1.0) && (u + v > 0.0)) {
                if (xpy > 0) return x / xpy;
                // x and y underflowed: the ratio in log space.
                double log_x = std::log(u) / a;
                double log_y = std::log(v) / b;
                double log_m = log_x > log_y ? log_x : log_y;
                log_x -= log_m;
                log_y -= log_m;
                return std::exp(log_x - std::log(std::exp(log_x) + std::exp(log_y)));
            }
        }
    }
    double ga = standard_gamma(s, a);
    double gb = standard_gamma(s, b);
    return ga / (ga + gb);
}

// ---- discrete distributions --------------------------------------------------------------------
// log(gamma(x)) by Stirling's series (NumPy's random_loggam; its own constants, for exact bits).
double loggam(double x) {
    static const double a[10] = {8.333333333333333e-02, -2.777777777777778e-03,
                                 7.936507936507937e-04, -5.952380952380952e-04,
                                 8.417508417508418e-04, -1.917526917526918e-03,
                                 6.410256410256410e-03, -2.955065359477124e-02,
                                 1.796443723688307e-01, -1.39243221690590e+00};
    if ((x == 1.0) || (x == 2.0)) return 0.0;
    std::int64_t n = x < 7.0 ? static_cast<std::int64_t>(7 - x) : 0;
    double x0 = x + static_cast<double>(n);
    double x2 = (1.0 / x0) * (1.0 / x0);
    const double lg2pi = 1.8378770664093453e+00;
    double gl0 = a[9];
    for (int k = 8; k >= 0; k--) {
        gl0 *= x2;
        gl0 += a[k];
    }
    double gl = gl0 / x0 + 0.5 * lg2pi + (x0 - 0.5) * std::log(x0) - x0;
    if (x < 7.0) {
        for (std::int64_t k = 1; k <= n; k++) {
            gl -= std::log(x0 - 1.0);
            x0 -= 1.0;
        }
    }
    return gl;
}

std::int64_t poisson_mult(u64* s, double lam) {
    double enlam = std::exp(-lam);
    std::int64_t x = 0;
    double prod = 1.0;
    for (;;) {
        prod *= next_double(s);
        if (prod > enlam)
            x += 1;
        else
            return x;
    }
}

// The C cast NumPy does as x86-64 executes it: out-of-range values and NaN (us == 0 gives an
// infinite k) become INT64_MIN, which is then rejected as k < 0. A plain cast would be undefined.
std::int64_t x86_double_to_int64(double v) {
    if (v >= -9223372036854775808.0 && v < 9223372036854775808.0)
        return static_cast<std::int64_t>(v);
    return std::numeric_limits<std::int64_t>::min();
}

// Hoermann's transformed rejection (PTRS), Insurance: Math. and Econ. 12, 39-45 (1993).
std::int64_t poisson_ptrs(u64* s, double lam) {
    double slam = std::sqrt(lam);
    double loglam = std::log(lam);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = next_double(s) - 0.5;
        double v = next_double(s);
        double us = 0.5 - std::fabs(u);
        auto k = x86_double_to_int64(std::floor((2 * a / us + b) * u + lam + 0.43));
        if ((us >= 0.07) && (v <= vr)) return k;
        if ((k < 0) || ((us < 0.013) && (v > us))) continue;
        if ((std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b)) <=
            (-lam + static_cast<double>(k) * loglam - loggam(static_cast<double>(k + 1))))
            return k;
    }
}

std::int64_t poisson(u64* s, double lam) {
    if (lam >= 10) return poisson_ptrs(s, lam);
    if (lam == 0) return 0;
    return poisson_mult(s, lam);
}

// Inversion for n p <= 30 (NumPy's random_binomial_inversion without its parameter cache, which
// only saves time).
std::int64_t binomial_inversion(u64* s, std::int64_t n, double p) {
    double q = 1.0 - p;
    double qn = std::exp(static_cast<double>(n) * std::log(q));
    double np = static_cast<double>(n) * p;
    double bound_d = np + 10.0 * std::sqrt(np * q + 1);
    auto bound = static_cast<std::int64_t>(static_cast<double>(n) < bound_d ? static_cast<double>(n)
                                                                            : bound_d);
    std::int64_t x = 0;
    double px = qn;
    double u = next_double(s);
    while (u > px) {
        x++;
        if (x > bound) {
            x = 0;
            px = qn;
            u = next_double(s);
        } else {
            u -= px;
            px = (static_cast<double>(n - x + 1) * p * px) / (static_cast<double>(x) * q);
        }
    }
    return x;
}

// BTPE (Kachitvichyanukul and Schmeiser), transcribed with NumPy's step labels.
std::int64_t binomial_btpe(u64* s, std::int64_t n, double p) {
    const double nd = static_cast<double>(n);
    double r = std::min(p, 1.0 - p);
    double q = 1.0 - r;
    double fm = nd * r + r;
    auto m = static_cast<std::int64_t>(std::floor(fm));
    const double md = static_cast<double>(m);
    double p1 = std::floor(2.195 * std::sqrt(nd * r * q) - 4.6 * q) + 0.5;
    double xm = md + 0.5;
    double xl = xm - p1;
    double xr = xm + p1;
    double c = 0.134 + 20.5 / (15.3 + md);
    double a = (fm - xl) / (fm - xl * r);
    double laml = a * (1.0 + a / 2.0);
    a = (xr - fm) / (xr * q);
    double lamr = a * (1.0 + a / 2.0);
    double p2 = p1 * (1.0 + 2.0 * c);
    double p3 = p2 + c / laml;
    double p4 = p3 + c / lamr;

    double u, v, x, nrq, sr, f, rho, t, big_a, x1, x2, f1, f2, z, z2, w, w2;
    std::int64_t y, k, i;

step10:
    nrq = nd * r * q;
    u = next_double(s) * p4;
    v = next_double(s);
    if (u > p1) goto step20;
    y = static_cast<std::int64_t>(std::floor(xm - p1 * v + u));
    goto step60;

step20:
    if (u > p2) goto step30;
    x = xl + (u - p1) / c;
    v = v * c + 1.0 - std::fabs(md - x + 0.5) / p1;
    if (v > 1.0) goto step10;
    y = static_cast<std::int64_t>(std::floor(x));
    goto step50;

step30:
    if (u > p3) goto step40;
    // NumPy rejects v == 0 after a cast of -inf (undefined behaviour); rejecting first is the
    // same draw sequence without it.
    if (v == 0.0) goto step10;
    y = static_cast<std::int64_t>(std::floor(xl + std::log(v) / laml));
    if (y < 0) goto step10;
    v = v * (u - p2) * laml;
    goto step50;

step40:
    if (v == 0.0) goto step10;
    y = static_cast<std::int64_t>(std::floor(xr - std::log(v) / lamr));
    if (y > n) goto step10;
    v = v * (u - p3) * lamr;

step50:
    k = y > m ? y - m : m - y;
    if ((k > 20) && (static_cast<double>(k) < ((nrq) / 2.0 - 1))) goto step52;
    // Explicit evaluation of f(y) / f(m).
    sr = r / q;
    a = sr * static_cast<double>(n + 1);
    f = 1.0;
    if (m < y) {
        for (i = m + 1; i <= y; i++) f *= (a / static_cast<double>(i) - sr);
    } else if (m > y) {
        for (i = y + 1; i <= m; i++) f /= (a / static_cast<double>(i) - sr);
    }
    if (v > f) goto step10;
    goto step60;

step52:
    // Squeeze, then the final comparison with Stirling's formula.
    {
        const double kd = static_cast<double>(k);
        rho = (kd / (nrq)) * ((kd * (kd / 3.0 + 0.625) + 0.16666666666666666) / nrq + 0.5);
        t = static_cast<double>(-k * k) / (2 * nrq);
    }
    big_a = std::log(v);
    if (big_a < (t - rho)) goto step60;
    if (big_a > (t + rho)) goto step10;
    x1 = static_cast<double>(y + 1);
    f1 = static_cast<double>(m + 1);
    z = static_cast<double>(n + 1 - m);
    w = static_cast<double>(n - y + 1);
    x2 = x1 * x1;
    f2 = f1 * f1;
    z2 = z * z;
    w2 = w * w;
    if (big_a > (xm * std::log(f1 / x1) + (static_cast<double>(n - m) + 0.5) * std::log(z / w) +
                 static_cast<double>(y - m) * std::log(w * r / (x1 * q)) +
                 (13680. - (462. - (132. - (99. - 140. / f2) / f2) / f2) / f2) / f1 / 166320. +
                 (13680. - (462. - (132. - (99. - 140. / z2) / z2) / z2) / z2) / z / 166320. +
                 (13680. - (462. - (132. - (99. - 140. / x2) / x2) / x2) / x2) / x1 / 166320. +
                 (13680. - (462. - (132. - (99. - 140. / w2) / w2) / w2) / w2) / w / 166320.))
        goto step10;

step60:
    if (p > 0.5) y = n - y;
    return y;
}

std::int64_t binomial(u64* s, std::int64_t n, double p) {
    if ((n == 0) || (p == 0.0)) return 0;
    if (p <= 0.5) {
        if (p * static_cast<double>(n) <= 30.0) return binomial_inversion(s, n, p);
        return binomial_btpe(s, n, p);
    }
    double q = 1.0 - p;
    if (q * static_cast<double>(n) <= 30.0) return n - binomial_inversion(s, n, q);
    return n - binomial_btpe(s, n, q);
}

// NumPy's POISSON_LAM_MAX: larger lam could overflow int64 in PTRS.
const double kPoissonLamMax =
    static_cast<double>(std::numeric_limits<std::int64_t>::max()) -
    std::sqrt(static_cast<double>(std::numeric_limits<std::int64_t>::max())) * 10;

bool valid_binomial(std::int64_t n, double p) { return n >= 0 && p >= 0 && p <= 1; }

} // namespace
} // namespace tensorjit

// ---- the C ABI
// -------------------------------------------------------------------------------------
using tensorjit::u64;

TJ_RNG_EXPORT void tj_rng_seed(unsigned long long* state6, const unsigned int* entropy,
                               long long n_entropy, const unsigned long long* spawn_key,
                               long long n_spawn) {
    std::vector<std::uint32_t> words(entropy, entropy + std::max(n_entropy, 0LL));
    std::vector<std::uint64_t> key(spawn_key, spawn_key + std::max(n_spawn, 0LL));
    tensorjit::seed_words(state6, tensorjit::SeedSequence(std::move(words), std::move(key)));
}

TJ_RNG_EXPORT unsigned long long tj_rng_next_uint64(unsigned long long* s) {
    return tensorjit::next_u64(s);
}

TJ_RNG_EXPORT unsigned int tj_rng_next_uint32(unsigned long long* s) {
    return tensorjit::next_u32(s);
}

TJ_RNG_EXPORT double tj_rng_next_double(unsigned long long* s) { return tensorjit::next_double(s); }

TJ_RNG_EXPORT double tj_rng_uniform(unsigned long long* s, double low, double high) {
    double range = high - low;
    return low + range * tensorjit::next_double(s);
}

TJ_RNG_EXPORT double tj_rng_standard_normal(unsigned long long* s) {
    return tensorjit::standard_normal(s);
}

TJ_RNG_EXPORT double tj_rng_normal(unsigned long long* s, double loc, double scale) {
    if (!(scale >= 0)) return std::numeric_limits<double>::quiet_NaN();
    return loc + scale * tensorjit::standard_normal(s);
}

TJ_RNG_EXPORT double tj_rng_standard_exponential(unsigned long long* s) {
    return tensorjit::standard_exponential(s);
}

TJ_RNG_EXPORT double tj_rng_exponential(unsigned long long* s, double scale) {
    if (!(scale >= 0)) return std::numeric_limits<double>::quiet_NaN();
    return scale * tensorjit::standard_exponential(s);
}

TJ_RNG_EXPORT double tj_rng_standard_gamma(unsigned long long* s, double shape) {
    if (!(shape >= 0)) return std::numeric_limits<double>::quiet_NaN();
    return tensorjit::standard_gamma(s, shape);
}

TJ_RNG_EXPORT double tj_rng_gamma(unsigned long long* s, double shape, double scale) {
    if (!(shape >= 0) || !(scale >= 0)) return std::numeric_limits<double>::quiet_NaN();
    return scale * tensorjit::standard_gamma(s, shape);
}

TJ_RNG_EXPORT double tj_rng_beta(unsigned long long* s, double a, double b) {
    if (!(a > 0) || !(b > 0)) return std::numeric_limits<double>::quiet_NaN();
    return tensorjit::beta(s, a, b);
}

TJ_RNG_EXPORT long long tj_rng_integers(unsigned long long* s, long long low,
                                        long long high_exclusive) {
    if (low >= high_exclusive) return low;
    // The range in unsigned arithmetic: high - low - 1 can exceed INT64_MAX.
    u64 rng = static_cast<u64>(high_exclusive) - static_cast<u64>(low) - 1;
    return static_cast<long long>(static_cast<u64>(low) + tensorjit::bounded_u64(s, rng));
}

TJ_RNG_EXPORT int tj_rng_integers32(unsigned long long* s, int low, int high_exclusive) {
    if (low >= high_exclusive) return low;
    auto rng = static_cast<std::uint32_t>(static_cast<std::uint32_t>(high_exclusive) -
                                          static_cast<std::uint32_t>(low) - 1);
    return static_cast<int>(static_cast<std::uint32_t>(low) + tensorjit::bounded_u32(s, rng));
}

TJ_RNG_EXPORT unsigned long long tj_rng_bounded_uint64(unsigned long long* s,
                                                       unsigned long long max) {
    return tensorjit::bounded_u64(s, max);
}

TJ_RNG_EXPORT unsigned long long tj_rng_interval(unsigned long long* s, unsigned long long max) {
    return tensorjit::interval(s, max);
}

TJ_RNG_EXPORT long long tj_rng_binomial(unsigned long long* s, long long n, double p) {
    if (!tensorjit::valid_binomial(n, p)) return -1;
    return tensorjit::binomial(s, n, p);
}

TJ_RNG_EXPORT int tj_rng_bernoulli(unsigned long long* s, double p) {
    if (!tensorjit::valid_binomial(1, p)) return -1;
    return static_cast<int>(tensorjit::binomial(s, 1, p));
}

TJ_RNG_EXPORT long long tj_rng_poisson(unsigned long long* s, double lam) {
    if (!(lam >= 0) || !(lam <= tensorjit::kPoissonLamMax)) return -1;
    return tensorjit::poisson(s, lam);
}

// ---- SeedSequence ------------------------------------------------------------------------------
namespace tensorjit {

SeedSequence::SeedSequence(std::uint64_t entropy, std::vector<std::uint64_t> spawn_key)
    : spawn_key_(std::move(spawn_key)) {
    append_int_words(entropy_, entropy);
    mix_entropy();
}

SeedSequence::SeedSequence(std::vector<std::uint32_t> entropy_words,
                           std::vector<std::uint64_t> spawn_key)
    : entropy_(std::move(entropy_words)), spawn_key_(std::move(spawn_key)) {
    mix_entropy();
}

SeedSequence SeedSequence::from_os_entropy() {
    // NumPy draws 128 bits from the OS (randbits(128)).
    std::random_device rd;
    std::vector<std::uint32_t> words(4);
    for (auto& w : words) w = rd();
    // Drop high zero words so that entropy() reads as the integer NumPy would hold.
    while (words.size() > 1 && words.back() == 0) words.pop_back();
    return SeedSequence(std::move(words));
}

void SeedSequence::mix_entropy() {
    // get_assembled_entropy: zero padding to the pool size separates the run entropy from the
    // spawn key only when there is a spawn key.
    std::vector<u32> entropy = entropy_;
    if (!spawn_key_.empty() && entropy.size() < kPoolSize) entropy.resize(kPoolSize, 0);
    for (auto k : spawn_key_) append_int_words(entropy, k);

    u32 hash_const = kInitA;
    for (std::size_t i = 0; i < kPoolSize; ++i)
        pool_[i] = hashmix(i < entropy.size() ? entropy[i] : 0, hash_const);
    for (std::size_t src = 0; src < kPoolSize; ++src)
        for (std::size_t dst = 0; dst < kPoolSize; ++dst)
            if (src != dst) pool_[dst] = mix(pool_[dst], hashmix(pool_[src], hash_const));
    for (std::size_t src = kPoolSize; src < entropy.size(); ++src)
        for (std::size_t dst = 0; dst < kPoolSize; ++dst)
            pool_[dst] = mix(pool_[dst], hashmix(entropy[src], hash_const));
}

std::vector<std::uint32_t> SeedSequence::generate_state_u32(std::size_t n_words) const {
    std::vector<std::uint32_t> out(n_words);
    u32 hash_const = kInitB;
    for (std::size_t i = 0; i < n_words; ++i) {
        u32 d = pool_[i % kPoolSize];
        d ^= hash_const;
        hash_const *= kMultB;
        d *= hash_const;
        d ^= d >> kXShift;
        out[i] = d;
    }
    return out;
}

std::vector<std::uint64_t> SeedSequence::generate_state_u64(std::size_t n_words) const {
    auto w = generate_state_u32(2 * n_words);
    std::vector<std::uint64_t> out(n_words);
    // Little-endian pairing: the first word is the low half, whatever the host's endianness.
    for (std::size_t i = 0; i < n_words; ++i)
        out[i] =
            static_cast<std::uint64_t>(w[2 * i]) | (static_cast<std::uint64_t>(w[2 * i + 1]) << 32);
    return out;
}

std::vector<SeedSequence> SeedSequence::spawn(std::size_t n) {
    std::vector<SeedSequence> children;
    children.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto key = spawn_key_;
        key.push_back(n_children_spawned_ + i);
        children.emplace_back(entropy_, std::move(key));
    }
    n_children_spawned_ += n;
    return children;
}

// ---- Pcg64State
// ----------------------------------------------------------------------------------
std::array<std::uint64_t, 6> Pcg64State::to_words() const {
    return {static_cast<std::uint64_t>(state >> 64),
            static_cast<std::uint64_t>(state),
            static_cast<std::uint64_t>(inc >> 64),
            static_cast<std::uint64_t>(inc),
            has_uint32 ? 1U : 0U,
            uinteger};
}

Pcg64State Pcg64State::from_words(const std::array<std::uint64_t, 6>& w) {
    TJ_CHECK(w[4] <= 1, ValueError)
        << "Generator state: has_uint32 word must be 0 or 1, got " << w[4];
    TJ_CHECK(w[5] <= 0xffffffffULL, ValueError)
        << "Generator state: uinteger word must fit in 32 bits, got " << w[5];
    Pcg64State st;
    st.state = join(w[0], w[1]);
    st.inc = join(w[2], w[3]);
    st.has_uint32 = w[4] != 0;
    st.uinteger = static_cast<std::uint32_t>(w[5]);
    return st;
}

Pcg64State Pcg64State::from_seed_sequence(const SeedSequence& seed_seq) {
    std::array<u64, 6> w{};
    seed_words(w.data(), seed_seq);
    return from_words({w[0], w[1], w[2], w[3], w[4], w[5]});
}

// ---- Generator
// -----------------------------------------------------------------------------------
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

// NumPy's kahan_sum over p (used only to check that p sums to 1).
double kahan_sum(const std::vector<double>& v) {
    if (v.empty()) return 0;
    double sum = v[0], c = 0.0;
    for (std::size_t i = 1; i < v.size(); ++i) {
        double y = v[i] - c;
        double t = sum + y;
        c = (t - sum) - y;
        sum = t;
    }
    return sum;
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
    return fill<double>(size, "random", [&] { return next_double(words_.data()); });
}

double Generator::uniform(double low, double high) {
    check_uniform(low, high);
    return tj_rng_uniform(words_.data(), low, high);
}
Array Generator::uniform(double low, double high, const Dims& size) {
    check_uniform(low, high);
    return fill<double>(size, "uniform", [&] { return tj_rng_uniform(words_.data(), low, high); });
}

double Generator::standard_normal() { return tensorjit::standard_normal(words_.data()); }
Array Generator::standard_normal(const Dims& size) {
    return fill<double>(size, "standard_normal",
                        [&] { return tensorjit::standard_normal(words_.data()); });
}

double Generator::normal(double loc, double scale) {
    check_non_negative("normal", "scale", scale);
    return tj_rng_normal(words_.data(), loc, scale);
}
Array Generator::normal(double loc, double scale, const Dims& size) {
    check_non_negative("normal", "scale", scale);
    return fill<double>(size, "normal", [&] { return tj_rng_normal(words_.data(), loc, scale); });
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

double Generator::standard_exponential() { return tensorjit::standard_exponential(words_.data()); }
Array Generator::standard_exponential(const Dims& size) {
    return fill<double>(size, "standard_exponential",
                        [&] { return tensorjit::standard_exponential(words_.data()); });
}

double Generator::exponential(double scale) {
    check_non_negative("exponential", "scale", scale);
    return tj_rng_exponential(words_.data(), scale);
}
Array Generator::exponential(double scale, const Dims& size) {
    check_non_negative("exponential", "scale", scale);
    return fill<double>(size, "exponential",
                        [&] { return tj_rng_exponential(words_.data(), scale); });
}

double Generator::standard_gamma(double shape) {
    check_non_negative("standard_gamma", "shape", shape);
    return tensorjit::standard_gamma(words_.data(), shape);
}
Array Generator::standard_gamma(double shape, const Dims& size) {
    check_non_negative("standard_gamma", "shape", shape);
    return fill<double>(size, "standard_gamma",
                        [&] { return tensorjit::standard_gamma(words_.data(), shape); });
}

double Generator::gamma(double shape, double scale) {
    check_non_negative("gamma", "shape", shape);
    check_non_negative("gamma", "scale", scale);
    return tj_rng_gamma(words_.data(), shape, scale);
}
Array Generator::gamma(double shape, double scale, const Dims& size) {
    check_non_negative("gamma", "shape", shape);
    check_non_negative("gamma", "scale", scale);
    return fill<double>(size, "gamma", [&] { return tj_rng_gamma(words_.data(), shape, scale); });
}

double Generator::beta(double a, double b) {
    check_positive("beta", "a", a);
    check_positive("beta", "b", b);
    return tensorjit::beta(words_.data(), a, b);
}
Array Generator::beta(double a, double b, const Dims& size) {
    check_positive("beta", "a", a);
    check_positive("beta", "b", b);
    return fill<double>(size, "beta", [&] { return tensorjit::beta(words_.data(), a, b); });
}

std::int64_t Generator::binomial(std::int64_t n, double p) {
    check_binomial(n, p);
    return tensorjit::binomial(words_.data(), n, p);
}
Array Generator::binomial(std::int64_t n, double p, const Dims& size) {
    check_binomial(n, p);
    return fill<std::int64_t>(size, "binomial",
                              [&] { return tensorjit::binomial(words_.data(), n, p); });
}

std::int64_t Generator::bernoulli(double p) {
    check_probability("bernoulli", p);
    return tensorjit::binomial(words_.data(), 1, p);
}
Array Generator::bernoulli(double p, const Dims& size) {
    check_probability("bernoulli", p);
    return fill<std::int64_t>(size, "bernoulli",
                              [&] { return tensorjit::binomial(words_.data(), 1, p); });
}

std::int64_t Generator::poisson(double lam) {
    check_poisson(lam);
    return tensorjit::poisson(words_.data(), lam);
}
Array Generator::poisson(double lam, const Dims& size) {
    check_poisson(lam);
    return fill<std::int64_t>(size, "poisson",
                              [&] { return tensorjit::poisson(words_.data(), lam); });
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
    for (long long i = 0; i < n; ++i) out[i] = low + range * tensorjit::next_double(w);
    std::memcpy(s, w, sizeof w);
}

TJ_RNG_EXPORT void tj_rng_fill_normal(unsigned long long* s, double loc, double scale, long long n,
                                      double* out) {
    u64 w[6];
    std::memcpy(w, s, sizeof w);
    for (long long i = 0; i < n; ++i) out[i] = loc + scale * tensorjit::standard_normal(w);
    std::memcpy(s, w, sizeof w);
}

TJ_RNG_EXPORT unsigned int tj_rng_bounded_uint(unsigned long long* s, unsigned int rng, int bits,
                                               unsigned int* buf, int* bcnt) {
    if (bits == 32) return tensorjit::bounded_u32(s, rng);
    tensorjit::SmallBuffer b{*buf, *bcnt};
    unsigned int r;
    if (bits == 16)
        r = tensorjit::bounded_u16(s, static_cast<std::uint16_t>(rng), b);
    else if (bits == 8)
        r = tensorjit::bounded_u8(s, static_cast<std::uint8_t>(rng), b);
    else
        r = tensorjit::bounded_bool(s, false, rng != 0, b) ? 1U : 0U;
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
        const double sum = tensorjit::kahan_sum(pv);
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
