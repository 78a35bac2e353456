// The hand-written logistic loop. Built with -O3 -march=native -ffast-math: -ffast-math makes
// glibc's <cmath> declare exp as a SIMD function (bits/math-vector.h), so GCC calls libmvec's
// _ZGVdN4v_exp / _ZGVeN8v_exp; without it the loop stays scalar and calls exp one at a time.
#include "handwritten/logistic_ref.hpp"

#include <cmath>

namespace tj_bench {

void logistic_ref(const double* __restrict x, double* __restrict out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = 1.0 / (1.0 + std::exp(-x[i]));
}

} // namespace tj_bench
