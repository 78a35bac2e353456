// Hand-written references for bench_ops (built with -O3 -march=native -ffast-math).
#include "handwritten/ops_ref.hpp"

#include <cblas.h>

#include <cmath>

namespace tj_bench {

void chain_ref(const double* __restrict x, const double* __restrict y, double* __restrict out,
               std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = std::tanh(0.5 * x[i]) * y[i] + std::exp(-std::abs(y[i]));
}

void gemv_ref(const double* a, const double* x, double* y, int m, int k) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, m, k, 1.0, a, k, x, 1, 0.0, y, 1);
}

void gemm_ref(const double* a, const double* b, double* c, int m, int n, int k) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a, k, b, n, 0.0, c, n);
}

} // namespace tj_bench
