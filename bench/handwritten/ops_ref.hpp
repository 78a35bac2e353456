/// \file
/// Hand-written references for bench_ops: an element-wise chain as a plain loop (compiled with
/// -O3 -march=native -ffast-math) and matrix products as direct OpenBLAS calls.
#pragma once

#include <cstddef>

namespace tj_bench {

/// out[i] = tanh(0.5 x[i]) * y[i] + exp(-|y[i]|)
void chain_ref(const double* __restrict x, const double* __restrict y, double* __restrict out,
               std::size_t n);
/// y = A x for a row-major (m, k) matrix, through cblas_dgemv.
void gemv_ref(const double* a, const double* x, double* y, int m, int k);
/// C = A B for row-major (m, k) and (k, n) matrices, through cblas_dgemm.
void gemm_ref(const double* a, const double* b, double* c, int m, int n, int k);

} // namespace tj_bench
