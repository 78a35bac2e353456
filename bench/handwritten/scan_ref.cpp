// The hand-written recurrence: per step one gemv and one fused add+tanh loop forward, and one
// loop, one ger and one transposed gemv backward, as a careful programmer would write them.
#include "handwritten/scan_ref.hpp"

#include <cblas.h>

#include <cmath>

namespace tj_bench {

void rnn_forward_ref(const double* W, const double* x, const double* h0, std::int64_t T,
                     std::int64_t n, double* H) {
    const int m = static_cast<int>(n);
    const double* prev = h0;
    for (std::int64_t t = 0; t < T; ++t) {
        double* h = H + t * n;
        const double* xt = x + t * n;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, m, m, 1.0, W, m, prev, 1, 0.0, h, 1);
        for (std::int64_t i = 0; i < n; ++i) h[i] = std::tanh(h[i] + xt[i]);
        prev = h;
    }
}

void rnn_forward_last_ref(const double* W, const double* x, const double* h0, std::int64_t T,
                          std::int64_t n, double* h, double* scratch) {
    const int m = static_cast<int>(n);
    // Two buffers in turn, the last step landing in h.
    double* buf[2] = {T % 2 ? h : scratch, T % 2 ? scratch : h};
    const double* prev = h0;
    for (std::int64_t t = 0; t < T; ++t) {
        double* out = buf[t % 2];
        const double* xt = x + t * n;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, m, m, 1.0, W, m, prev, 1, 0.0, out, 1);
        for (std::int64_t i = 0; i < n; ++i) out[i] = std::tanh(out[i] + xt[i]);
        prev = out;
    }
    if (T == 0)
        for (std::int64_t i = 0; i < n; ++i) h[i] = h0[i];
}

void rnn_backward_ref(const double* W, const double* h0, const double* H, std::int64_t T,
                      std::int64_t n, bool all_steps, double* dW, double* dh0, double* dh,
                      double* da) {
    const int m = static_cast<int>(n);
    for (std::int64_t i = 0; i < n * n; ++i) dW[i] = 0;
    for (std::int64_t i = 0; i < n; ++i) dh[i] = 0;
    for (std::int64_t t = T - 1; t >= 0; --t) {
        const double* h = H + t * n;
        const double* prev = t > 0 ? H + (t - 1) * n : h0;
        const double upstream = all_steps || t == T - 1 ? 1.0 : 0.0;
        for (std::int64_t i = 0; i < n; ++i) da[i] = (dh[i] + upstream) * (1 - h[i] * h[i]);
        cblas_dger(CblasRowMajor, m, m, 1.0, da, 1, prev, 1, dW, m);
        cblas_dgemv(CblasRowMajor, CblasTrans, m, m, 1.0, W, m, da, 1, 0.0, dh, 1);
    }
    for (std::int64_t i = 0; i < n; ++i) dh0[i] = dh[i];
}

} // namespace tj_bench
