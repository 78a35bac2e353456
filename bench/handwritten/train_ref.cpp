// The hand-written training step: two gemv calls and two loops, as a careful programmer would
// write it (the gradient of mean(xent) with respect to z = x.w + b is (p - y) / n).
#include "handwritten/train_ref.hpp"

#include <cblas.h>

#include <cmath>

namespace tj_bench {

void train_step_ref(const double* x, const double* y, std::int64_t n, std::int64_t k, double* w,
                    double* b, std::uint8_t* prediction, double* xent, double* z, double* d) {
    const int rows = static_cast<int>(n), cols = static_cast<int>(k);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1.0, x, cols, w, 1, 0.0, z, 1);
    const double bias = *b, inv_n = 1.0 / static_cast<double>(n);
    double gb = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double t = z[i] + bias;
        const double p = 1 / (1 + std::exp(-t));
        prediction[i] = p > 0.5;
        // -y log p - (1 - y) log(1 - p), with log p = -softplus(-t), log(1 - p) = -softplus(t)
        const double sp_neg = std::log1p(std::exp(-std::abs(t))) + std::fmax(-t, 0.0);
        const double sp_pos = sp_neg + t;
        xent[i] = y[i] * sp_neg + (1 - y[i]) * sp_pos;
        d[i] = (p - y[i]) * inv_n;
        gb += d[i];
    }
    // w -= 0.1 * (x^T d + 0.02 w)
    cblas_dscal(cols, 1 - 0.1 * 0.02, w, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, rows, cols, -0.1, x, cols, d, 1, 1.0, w, 1);
    *b = bias - 0.1 * gb;
}

} // namespace tj_bench
