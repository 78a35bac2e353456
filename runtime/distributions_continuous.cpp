// NumPy's continuous distributions (see distributions.hpp), transcribed so that the same state
// gives the same bits. Compiled with -ffp-contract=off (CMakeLists.txt).
#include "runtime/distributions.hpp"

#include <cmath>
#include <cstdint>

namespace tensorjit::detail {
namespace {

#include "ziggurat_tables.inc"

} // namespace

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

} // namespace tensorjit::detail
