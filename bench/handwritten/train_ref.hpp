/// \file
/// The tutorial's logistic-regression training step (TUTORIAL.md section 7) written by hand in
/// C++ with BLAS: what bench_train compares the JIT's `train` kernel with.
#pragma once

#include <cstdint>

namespace tj_bench {

/// One step on x (n x k, row-major), y (n): writes prediction (n) and xent (n), updates w (k) and
/// b in place; z and d are caller-provided n-sized scratch buffers.
void train_step_ref(const double* x, const double* y, std::int64_t n, std::int64_t k, double* w,
                    double* b, std::uint8_t* prediction, double* xent, double* z, double* d);

} // namespace tj_bench
