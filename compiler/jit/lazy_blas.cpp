// BLAS for kernels, bound on the first call (lazy_blas.hpp). Kernels link these entry points; the
// first call of any of them binds all eight, under the guard of a function-local static, so later
// calls cost an acquire load and an indirect call, and a process that never multiplies matrices
// never loads OpenBLAS.
#include "compiler/jit/lazy_blas.hpp"

#include "runtime/log.hpp"

#include <cstddef>
#include <exception>
#include <string>

#include <dlfcn.h>

namespace tensorjit::jit::detail {

namespace {

using Ddot = double (*)(int, const double*, int, const double*, int);
using Sdot = float (*)(int, const float*, int, const float*, int);
using Dgemv = void (*)(int, int, int, int, double, const double*, int, const double*, int, double,
                       double*, int);
using Sgemv = void (*)(int, int, int, int, float, const float*, int, const float*, int, float,
                       float*, int);
using Dgemm = void (*)(int, int, int, int, int, int, double, const double*, int, const double*, int,
                       double, double*, int);
using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int,
                       float, float*, int);
using Dger = void (*)(int, int, int, double, const double*, int, const double*, int, double*, int);
using Sger = void (*)(int, int, int, float, const float*, int, const float*, int, float*, int);

// ---- plain loops, for a process without any BLAS ------------------------------------------------
// CBLAS semantics: row- or column-major (101, 102), transposed or not (111, else transposed: the
// types are real), a negative increment walks the vector from its end, beta == 0 overwrites.

constexpr int kColMajor = 102;
constexpr int kNoTrans = 111;

// Element i of a vector of n elements stored with increment inc.
template <class T> T& element(T* x, int n, int inc, int i) {
    const std::ptrdiff_t step = inc;
    return inc >= 0 ? x[i * step] : x[(n - 1 - i) * -step];
}

// Element (i, j) of a matrix stored in `order` with leading dimension ld.
template <class T> T& at(T* a, int order, int ld, int i, int j) {
    const std::ptrdiff_t stride = ld;
    return order == kColMajor ? a[i + j * stride] : a[i * stride + j];
}

template <class T> T scaled(T beta, T old) { return beta == T(0) ? T(0) : beta * old; }

template <class T> T dot_loops(int n, const T* x, int incx, const T* y, int incy) {
    T sum = 0;
    for (int i = 0; i < n; ++i) sum += element(x, n, incx, i) * element(y, n, incy, i);
    return sum;
}

template <class T>
void gemv_loops(int order, int trans, int m, int n, T alpha, const T* a, int lda, const T* x,
                int incx, T beta, T* y, int incy) {
    const bool t = trans != kNoTrans;
    const int rows = t ? n : m, cols = t ? m : n;
    for (int i = 0; i < rows; ++i) {
        T sum = 0;
        for (int j = 0; j < cols; ++j)
            sum +=
                (t ? at(a, order, lda, j, i) : at(a, order, lda, i, j)) * element(x, cols, incx, j);
        T& out = element(y, rows, incy, i);
        out = alpha * sum + scaled(beta, out);
    }
}

template <class T>
void gemm_loops(int order, int ta, int tb, int m, int n, int k, T alpha, const T* a, int lda,
                const T* b, int ldb, T beta, T* c, int ldc) {
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
            T sum = 0;
            for (int p = 0; p < k; ++p)
                sum += (ta != kNoTrans ? at(a, order, lda, p, i) : at(a, order, lda, i, p)) *
                       (tb != kNoTrans ? at(b, order, ldb, j, p) : at(b, order, ldb, p, j));
            T& out = at(c, order, ldc, i, j);
            out = alpha * sum + scaled(beta, out);
        }
}

template <class T>
void ger_loops(int order, int m, int n, T alpha, const T* x, int incx, const T* y, int incy, T* a,
               int lda) {
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j)
            at(a, order, lda, i, j) += alpha * element(x, m, incx, i) * element(y, n, incy, j);
}

// ---- binding
// --------------------------------------------------------------------------------------

struct Blas {
    Ddot ddot = dot_loops<double>;
    Sdot sdot = dot_loops<float>;
    Dgemv dgemv = gemv_loops<double>;
    Sgemv sgemv = gemv_loops<float>;
    Dgemm dgemm = gemm_loops<double>;
    Sgemm sgemm = gemm_loops<float>;
    Dger dger = ger_loops<double>;
    Sger sger = ger_loops<float>;
};

// Finds the cblas functions: in the process first (an application that links a BLAS keeps it,
// as when kernels resolved these names from the process), else in OpenBLAS, loaded globally and
// for good; what neither has stays a loop.
class Binder {
  public:
    /// Points slot at the function called name, or leaves it (a loop) and counts it missing.
    template <class F> void bind(F& slot, const char* name) {
        if (void* p = find(name))
            slot = reinterpret_cast<F>(p);
        else
            ++missing_;
    }
    int missing() const { return missing_; }
    /// Why OpenBLAS could not be loaded ("" when it was, or was not needed).
    const std::string& error() const { return error_; }

  private:
    void* find(const char* name) {
        if (void* p = ::dlsym(RTLD_DEFAULT, name)) return p;
        if (!tried_) {
            tried_ = true;
            openblas_ = ::dlopen("libopenblas.so.0", RTLD_NOW | RTLD_GLOBAL);
            if (!openblas_) {
                const char* why = ::dlerror();
                error_ = why ? why : "unknown error";
            }
        }
        return openblas_ ? ::dlsym(openblas_, name) : nullptr;
    }

    int missing_ = 0;
    bool tried_ = false;
    void* openblas_ = nullptr; // never closed: kernels keep calling its functions
    std::string error_;
};

Blas bind_all() noexcept {
    Blas blas;
    try {
        Binder binder;
        binder.bind(blas.ddot, "cblas_ddot");
        binder.bind(blas.sdot, "cblas_sdot");
        binder.bind(blas.dgemv, "cblas_dgemv");
        binder.bind(blas.sgemv, "cblas_sgemv");
        binder.bind(blas.dgemm, "cblas_dgemm");
        binder.bind(blas.sgemm, "cblas_sgemm");
        binder.bind(blas.dger, "cblas_dger");
        binder.bind(blas.sger, "cblas_sger");
        if (binder.missing() > 0)
            warn_once("blas", std::to_string(binder.missing()) +
                                  " cblas functions were found neither in the process nor in "
                                  "libopenblas.so.0 (" +
                                  (binder.error().empty() ? "it lacks them" : binder.error()) +
                                  "); matrix products use plain loops, much slower");
    } catch (const std::exception&) {
        // Out of memory while logging: the functions bound so far stay, the others are loops.
    }
    return blas;
}

// Called from kernels, which cannot take an exception: nothing here throws.
const Blas& blas() noexcept {
    static const Blas bound = bind_all();
    return bound;
}

double lazy_ddot(int n, const double* x, int incx, const double* y, int incy) noexcept {
    return blas().ddot(n, x, incx, y, incy);
}
float lazy_sdot(int n, const float* x, int incx, const float* y, int incy) noexcept {
    return blas().sdot(n, x, incx, y, incy);
}
void lazy_dgemv(int order, int trans, int m, int n, double alpha, const double* a, int lda,
                const double* x, int incx, double beta, double* y, int incy) noexcept {
    blas().dgemv(order, trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
void lazy_sgemv(int order, int trans, int m, int n, float alpha, const float* a, int lda,
                const float* x, int incx, float beta, float* y, int incy) noexcept {
    blas().sgemv(order, trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
void lazy_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double* a,
                int lda, const double* b, int ldb, double beta, double* c, int ldc) noexcept {
    blas().dgemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void lazy_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a,
                int lda, const float* b, int ldb, float beta, float* c, int ldc) noexcept {
    blas().sgemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void lazy_dger(int order, int m, int n, double alpha, const double* x, int incx, const double* y,
               int incy, double* a, int lda) noexcept {
    blas().dger(order, m, n, alpha, x, incx, y, incy, a, lda);
}
void lazy_sger(int order, int m, int n, float alpha, const float* x, int incx, const float* y,
               int incy, float* a, int lda) noexcept {
    blas().sger(order, m, n, alpha, x, incx, y, incy, a, lda);
}

struct Named {
    std::string_view name;
    void* lazy;
    void* loops;
};

template <class F> void* address(F f) { return reinterpret_cast<void*>(f); }

const Named kFunctions[] = {
    {"cblas_ddot", address(lazy_ddot), address(&dot_loops<double>)},
    {"cblas_sdot", address(lazy_sdot), address(&dot_loops<float>)},
    {"cblas_dgemv", address(lazy_dgemv), address(&gemv_loops<double>)},
    {"cblas_sgemv", address(lazy_sgemv), address(&gemv_loops<float>)},
    {"cblas_dgemm", address(lazy_dgemm), address(&gemm_loops<double>)},
    {"cblas_sgemm", address(lazy_sgemm), address(&gemm_loops<float>)},
    {"cblas_dger", address(lazy_dger), address(&ger_loops<double>)},
    {"cblas_sger", address(lazy_sger), address(&ger_loops<float>)},
};

} // namespace

void* lazy_blas_entry(std::string_view name) {
    if (!name.starts_with("cblas_")) return nullptr;
    for (const Named& f : kFunctions)
        if (f.name == name) return f.lazy;
    return nullptr;
}

void* blas_fallback(std::string_view name) {
    for (const Named& f : kFunctions)
        if (f.name == name) return f.loops;
    return nullptr;
}

} // namespace tensorjit::jit::detail
