/// \file
/// The BLAS functions kernels call (codegen_templates/blas.hpp), bound on first use: loading
/// OpenBLAS costs milliseconds (its relocations, its CPU detection, a thread pool whose idle
/// workers then spin), which a process that only loads cached kernels should not pay before a
/// kernel multiplies anything. Internal to compiler/jit/; names no LLVM type.
#pragma once

#include <string_view>

namespace tensorjit::jit::detail {

/// The entry point kernels link for the cblas function `name` (cblas_ddot, cblas_sdot,
/// cblas_dgemv, cblas_sgemv, cblas_dgemm, cblas_sgemm, cblas_dger, cblas_sger), or null for any
/// other name. Its first call (of any of them) binds every one: to the process's own cblas
/// function when the process has one, else to OpenBLAS (libopenblas.so.0, loaded then, globally),
/// else to plain loops, with a warning. Later calls cost one indirect call. Thread-safe.
void* lazy_blas_entry(std::string_view name);

/// The plain-loop version of the cblas function `name` (same names as lazy_blas_entry), or null.
/// Used when no BLAS library can be found; exposed for tests.
void* blas_fallback(std::string_view name);

} // namespace tensorjit::jit::detail
