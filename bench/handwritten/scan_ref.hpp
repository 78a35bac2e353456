/// \file
/// The tanh recurrence h_t = tanh(W h_{t-1} + x_t) written by hand in C++ with BLAS, forward and
/// backpropagation through time: what bench_scan compares the JIT's scan kernels with.
#pragma once

#include <cstdint>

namespace tj_bench {

/// Forward over T steps of n units: W (n x n, row-major), x (T x n), h0 (n); writes every step's
/// state into H (T x n), one cblas_dgemv and one add+tanh loop per step.
void rnn_forward_ref(const double* W, const double* x, const double* h0, std::int64_t T,
                     std::int64_t n, double* H);

/// The same keeping only the last state: h (n) ends as h_T; scratch is n doubles.
void rnn_forward_last_ref(const double* W, const double* x, const double* h0, std::int64_t T,
                          std::int64_t n, double* h, double* scratch);

/// Backpropagation through time for cost = sum of every h_t (all_steps) or sum(h_T), given the
/// forward's H: writes dW (n x n) and dh0 (n); dh and da are n-sized scratch buffers. Per step:
/// da = dh * (1 - h^2), dW += outer(da, h_{t-1}) (cblas_dger), dh = W^T da (cblas_dgemv).
void rnn_backward_ref(const double* W, const double* h0, const double* H, std::int64_t T,
                      std::int64_t n, bool all_steps, double* dW, double* dh0, double* dh,
                      double* da);

} // namespace tj_bench
