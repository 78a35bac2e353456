/// \file
/// NumPy's Generator distributions (numpy/random/src/distributions/distributions.c) on the PCG64
/// words: continuous (distributions_continuous.cpp) and discrete (distributions_discrete.cpp).
/// Internal to the runtime; tj::Generator and the C ABI of the kernels check the parameters
/// before calling these.
///
/// Exactness depends on evaluating every floating-point expression exactly as NumPy's C code does:
/// same operation order, no FMA contraction (the files that do floating-point math are compiled
/// with -ffp-contract=off, see CMakeLists.txt) and the C library's exp/log/log1p/pow/sqrt.
#pragma once

#include "runtime/pcg64.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace tensorjit::detail {

// ---- continuous (distributions_continuous.cpp) ------------------------------------------------
/// The ziggurat standard normal (random_standard_normal).
double standard_normal(u64* s);
/// The ziggurat standard exponential (random_standard_exponential).
double standard_exponential(u64* s);
/// random_standard_gamma, shape >= 0: Marsaglia and Tsang for shape > 1.
double standard_gamma(u64* s, double shape);
/// random_beta, a > 0 and b > 0: Johnk's algorithm when both are <= 1, else two gammas.
double beta(u64* s, double a, double b);

// ---- discrete (distributions_discrete.cpp) ----------------------------------------------------
/// random_poisson, 0 <= lam <= kPoissonLamMax: multiplication for lam < 10, else PTRS.
std::int64_t poisson(u64* s, double lam);
/// random_binomial, valid_binomial(n, p): inversion for small n p, else BTPE.
std::int64_t binomial(u64* s, std::int64_t n, double p);

/// NumPy's POISSON_LAM_MAX: larger lam could overflow int64 in PTRS.
inline const double kPoissonLamMax =
    static_cast<double>(std::numeric_limits<std::int64_t>::max()) -
    std::sqrt(static_cast<double>(std::numeric_limits<std::int64_t>::max())) * 10;

/// Whether binomial(n, p) is defined: n >= 0 and p in [0, 1].
inline bool valid_binomial(std::int64_t n, double p) { return n >= 0 && p >= 0 && p <= 1; }

/// NumPy's kahan_sum over v (choice uses it only to check that p sums to 1).
double kahan_sum(const std::vector<double>& v);

} // namespace tensorjit::detail
