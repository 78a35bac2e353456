// NumPy's discrete distributions (see distributions.hpp), transcribed so that the same state
// gives the same numbers. Compiled with -ffp-contract=off (CMakeLists.txt).
#include "runtime/distributions.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace tensorjit::detail {
namespace {

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

} // namespace

std::int64_t poisson(u64* s, double lam) {
    if (lam >= 10) return poisson_ptrs(s, lam);
    if (lam == 0) return 0;
    return poisson_mult(s, lam);
}

namespace {

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

} // namespace

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

} // namespace tensorjit::detail