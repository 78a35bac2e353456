// Kernels link cblas entry points that load OpenBLAS on their first call (compiler/jit/lazy_blas):
// linking a kernel that multiplies does not load it, calling it does; and the plain loops used
// when no BLAS can be found compute what OpenBLAS computes, CBLAS conventions included (row- and
// column-major, transposes, negative increments, beta == 0 ignoring what the output held).
#include "compiler/jit/jit.hpp"
#include "compiler/jit/lazy_blas.hpp"

#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <dlfcn.h>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace tj = tensorjit;
using tj::jit::detail::blas_fallback;
using tj::jit::detail::lazy_blas_entry;

namespace {

constexpr int kRowMajor = 101, kColMajor = 102, kNoTrans = 111, kTrans = 112;

bool openblas_loaded() {
    void* h = ::dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD);
    if (h) ::dlclose(h);
    return h != nullptr;
}

// OpenBLAS's own function `name`, from a private handle (RTLD_LOCAL: the process's global
// symbols do not change), or null when OpenBLAS is not installed.
void* openblas(const char* name) {
    static void* handle = ::dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    return handle ? ::dlsym(handle, name) : nullptr;
}

template <class T> std::vector<T> random_values(std::size_t n, std::mt19937& rng) {
    std::uniform_real_distribution<double> u(-2, 2);
    std::vector<T> v(n);
    for (T& x : v) x = static_cast<T>(u(rng));
    return v;
}

// Storage for a vector of n elements with increment inc.
std::size_t span(int n, int inc) { return 1 + static_cast<std::size_t>(n - 1) * std::abs(inc); }

template <class T> void check_close(const std::vector<T>& got, const std::vector<T>& want) {
    const double tol = sizeof(T) == 4 ? 1e-4 : 1e-12;
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("element " << i);
        REQUIRE(std::isfinite(static_cast<double>(got[i])));
        CHECK(std::abs(static_cast<double>(got[i]) - want[i]) <=
              tol * (1 + std::abs(static_cast<double>(want[i]))));
    }
}

template <class T> void check_fallbacks(const char* prefix) {
    using Dot = T (*)(int, const T*, int, const T*, int);
    using Gemv = void (*)(int, int, int, int, T, const T*, int, const T*, int, T, T*, int);
    using Gemm =
        void (*)(int, int, int, int, int, int, T, const T*, int, const T*, int, T, T*, int);
    using Ger = void (*)(int, int, int, T, const T*, int, const T*, int, T*, int);
    const std::string p = prefix;
    auto fallback = [&](const char* name) { return blas_fallback(p + name); };
    auto reference = [&](const char* name) { return openblas((p + name).c_str()); };
    REQUIRE(fallback("dot"));
    if (!reference("dot")) {
        WARN("libopenblas.so.0 is not installed: nothing to compare the loops with");
        return;
    }
    std::mt19937 rng(7);
    const T nan = std::numeric_limits<T>::quiet_NaN();

    SECTION("dot") {
        auto mine = reinterpret_cast<Dot>(fallback("dot"));
        auto theirs = reinterpret_cast<Dot>(reference("dot"));
        const int n = 7;
        for (int incx : {1, 2, -1, -3})
            for (int incy : {1, -2}) {
                CAPTURE(incx, incy);
                auto x = random_values<T>(span(n, incx), rng);
                auto y = random_values<T>(span(n, incy), rng);
                check_close<T>({mine(n, x.data(), incx, y.data(), incy)},
                               {theirs(n, x.data(), incx, y.data(), incy)});
            }
        CHECK(mine(0, nullptr, 1, nullptr, 1) == T(0));
    }
    SECTION("gemv") {
        auto mine = reinterpret_cast<Gemv>(fallback("gemv"));
        auto theirs = reinterpret_cast<Gemv>(reference("gemv"));
        const int m = 5, n = 3;
        for (int order : {kRowMajor, kColMajor})
            for (int trans : {kNoTrans, kTrans})
                for (int incx : {1, -2})
                    for (int incy : {1, 3, -1})
                        for (T beta : {T(0), T(1.3)}) {
                            CAPTURE(order, trans, incx, incy, beta);
                            const int lda = order == kRowMajor ? n + 2 : m + 1;
                            const int xn = trans == kNoTrans ? n : m,
                                      yn = trans == kNoTrans ? m : n;
                            auto a = random_values<T>(
                                std::size_t(lda) * (order == kRowMajor ? m : n), rng);
                            auto x = random_values<T>(span(xn, incx), rng);
                            auto y = random_values<T>(span(yn, incy), rng);
                            // beta == 0: what y held is not read, NaN included.
                            if (beta == T(0))
                                for (int i = 0; i < yn; ++i)
                                    y[std::size_t(i) * std::abs(incy)] = nan;
                            auto want = y, got = y;
                            theirs(order, trans, m, n, T(0.7), a.data(), lda, x.data(), incx, beta,
                                   want.data(), incy);
                            mine(order, trans, m, n, T(0.7), a.data(), lda, x.data(), incx, beta,
                                 got.data(), incy);
                            check_close(got, want);
                        }
    }
    SECTION("gemm") {
        auto mine = reinterpret_cast<Gemm>(fallback("gemm"));
        auto theirs = reinterpret_cast<Gemm>(reference("gemm"));
        const int m = 4, n = 3, k = 5;
        for (int order : {kRowMajor, kColMajor})
            for (int ta : {kNoTrans, kTrans})
                for (int tb : {kNoTrans, kTrans})
                    for (T beta : {T(0), T(-0.5)}) {
                        CAPTURE(order, ta, tb, beta);
                        // Stored shapes (rows, cols) of A, B and C, padded leading dimensions.
                        const int ar = ta == kNoTrans ? m : k, ac = ta == kNoTrans ? k : m;
                        const int br = tb == kNoTrans ? k : n, bc = tb == kNoTrans ? n : k;
                        const bool row = order == kRowMajor;
                        const int lda = (row ? ac : ar) + 1, ldb = (row ? bc : br) + 2,
                                  ldc = (row ? n : m) + 1;
                        auto a = random_values<T>(std::size_t(lda) * (row ? ar : ac), rng);
                        auto b = random_values<T>(std::size_t(ldb) * (row ? br : bc), rng);
                        auto c = random_values<T>(std::size_t(ldc) * (row ? m : n), rng);
                        if (beta == T(0)) std::fill(c.begin(), c.end(), nan);
                        auto want = c, got = c;
                        theirs(order, ta, tb, m, n, k, T(1.1), a.data(), lda, b.data(), ldb, beta,
                               want.data(), ldc);
                        mine(order, ta, tb, m, n, k, T(1.1), a.data(), lda, b.data(), ldb, beta,
                             got.data(), ldc);
                        // The padding of each leading dimension is not written (it stays NaN
                        // for beta == 0 in both): compare the m x n elements only.
                        std::vector<T> g, w;
                        for (int i = 0; i < m; ++i)
                            for (int j = 0; j < n; ++j) {
                                const std::size_t at =
                                    row ? std::size_t(i) * ldc + j : std::size_t(j) * ldc + i;
                                g.push_back(got[at]);
                                w.push_back(want[at]);
                            }
                        check_close(g, w);
                    }
    }
    SECTION("ger") {
        auto mine = reinterpret_cast<Ger>(fallback("ger"));
        auto theirs = reinterpret_cast<Ger>(reference("ger"));
        const int m = 4, n = 3;
        for (int order : {kRowMajor, kColMajor})
            for (int incx : {1, -2})
                for (int incy : {2, -1}) {
                    CAPTURE(order, incx, incy);
                    const int lda = (order == kRowMajor ? n : m) + 2;
                    auto a = random_values<T>(std::size_t(lda) * (order == kRowMajor ? m : n), rng);
                    auto x = random_values<T>(span(m, incx), rng);
                    auto y = random_values<T>(span(n, incy), rng);
                    auto want = a, got = a;
                    theirs(order, m, n, T(-0.3), x.data(), incx, y.data(), incy, want.data(), lda);
                    mine(order, m, n, T(-0.3), x.data(), incx, y.data(), incy, got.data(), lda);
                    check_close(got, want);
                }
    }
}

} // namespace

TEST_CASE("lazy BLAS: the eight cblas names have entry points and loops, others none",
          "[jit][blas]") {
    for (const char* name : {"cblas_ddot", "cblas_sdot", "cblas_dgemv", "cblas_sgemv",
                             "cblas_dgemm", "cblas_sgemm", "cblas_dger", "cblas_sger"}) {
        CAPTURE(name);
        CHECK(lazy_blas_entry(name) != nullptr);
        CHECK(blas_fallback(name) != nullptr);
        CHECK(lazy_blas_entry(name) != blas_fallback(name));
    }
    for (const char* name : {"cblas_dscal", "cblas_", "dgemv", "", "cblas_dgemv_"}) {
        CAPTURE(name);
        CHECK(lazy_blas_entry(name) == nullptr);
        CHECK(blas_fallback(name) == nullptr);
    }
}

TEST_CASE("lazy BLAS: the loops compute what OpenBLAS computes, float64", "[jit][blas]") {
    check_fallbacks<double>("cblas_d");
}

TEST_CASE("lazy BLAS: the loops compute what OpenBLAS computes, float32", "[jit][blas]") {
    check_fallbacks<float>("cblas_s");
}

TEST_CASE("lazy BLAS: linking a kernel does not load OpenBLAS, its first call does",
          "[jit][blas]") {
    // Under ctest each test case is a fresh process; run with others, an earlier test may have
    // called BLAS already, and only the results are checked.
    const bool loaded_before = openblas_loaded();
    auto a = tj::dmatrix("a");
    auto v = tj::dvector("v");
    auto f = tj::function({a, v}, tj::dot(a, v));
    REQUIRE(f.kernel_source().find("cblas_dgemv(") != std::string::npos);
    if (!loaded_before) CHECK_FALSE(openblas_loaded());
    const tj::Array got =
        f(tj::Array({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}), tj::Array({1.0, 0.5, -1.0}));
    CHECK(tj::allclose(got, tj::Array({1.0 + 1.0 - 3.0, 4.0 + 2.5 - 6.0})));
    // This process links no BLAS of its own: the entry points bound OpenBLAS's functions.
    CHECK(openblas_loaded());
    const std::vector<std::string> asked = tj::jit::testing::process_symbols_asked();
    CHECK(std::find(asked.begin(), asked.end(), "cblas_dgemv") != asked.end());
}
