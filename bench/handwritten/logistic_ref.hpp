/// \file
/// The logistic function written by hand, the reference bench_logistic measures tj::function
/// against. Compiled with -O3 -march=native -ffast-math (bench/CMakeLists.txt), so GCC vectorizes
/// the loop and calls glibc's libmvec exp.
#pragma once

#include <cstddef>

namespace tj_bench {

/// out[i] = 1 / (1 + exp(-x[i])) for i < n. x and out may not overlap.
void logistic_ref(const double* __restrict x, double* __restrict out, std::size_t n);

} // namespace tj_bench
