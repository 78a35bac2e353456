// Contiguity is part of the kernel signature (DESIGN.md "Signature"): a function is built with
// the kernel for C-contiguous arguments, and the first call with a strided argument compiles (or
// loads) the kernel of that layout once; both compute the same values.
#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include "support/test_util.hpp"

#include <cmath>
#include <thread>
#include <vector>

namespace {

using tj::Array;

// exp(x) * 2 + y, by hand.
Array expected(const Array& x, const Array& y) {
    Array out = Array::zeros(tj::DType::Float64, x.shape());
    for (std::int64_t i = 0; i < x.shape()[0]; ++i)
        for (std::int64_t j = 0; j < x.shape()[1]; ++j)
            out.data<double>()[i * x.shape()[1] + j] =
                std::exp(x.flat(i * x.shape()[1] + j)) * 2 + y.flat(i * x.shape()[1] + j);
    return out;
}

Array ramp(std::int64_t rows, std::int64_t cols, double scale) {
    Array a = Array::zeros(tj::DType::Float64, {rows, cols});
    for (std::int64_t i = 0; i < a.size(); ++i)
        a.data<double>()[i] = scale * static_cast<double>(i % 7) - 1;
    return a;
}

} // namespace

TEST_CASE("layout: a strided argument compiles its kernel once and computes the same values",
          "[function][layout]") {
    auto x = tj::dmatrix("x");
    auto y = tj::dmatrix("y");
    // A constant of its own, so that no other test's kernel is found in the caches.
    auto f = tj::function({x, y}, tj::exp(x) * 2 + y + 0x1p-60);
    // The contiguous kernel has one flat loop: no strides are read.
    const std::string& src = f.kernel_source();
    const auto entry = src.find("extern \"C\" int");
    REQUIRE(entry != std::string::npos);
    CHECK(src.find("tj_bcast_strides", entry) == std::string::npos);

    const Array a = ramp(3, 4, 0.5), b = ramp(3, 4, 0.25);
    const auto before = tj::compile_stats();
    CHECK(tj_test::all_close(f(a, b), expected(a, b)));
    CHECK(tj::compile_stats().clang_compiles == before.clang_compiles);

    // x transposed (a strided view): another layout, compiled on this first call.
    const Array at = ramp(4, 3, 0.5).transpose();
    REQUIRE_FALSE(at.is_c_contiguous());
    CHECK(tj_test::all_close(f(at, b), expected(at.copy(), b)));
    const auto after_first = tj::compile_stats();
    CHECK(after_first.clang_compiles + after_first.disk_hits ==
          before.clang_compiles + before.disk_hits + 1);
    // Again, and with every-other-column slices of y as well (a third layout): each once.
    CHECK(tj_test::all_close(f(at, b), expected(at.copy(), b)));
    CHECK(tj::compile_stats().clang_compiles == after_first.clang_compiles);
    const Array bs = ramp(3, 8, 0.25).slice(1, 0, 8, 2);
    CHECK(tj_test::all_close(f(at, bs), expected(at.copy(), bs.copy())));
    CHECK(tj_test::all_close(f(a, bs), expected(a, bs.copy())));
    CHECK(tj_test::all_close(f(at, bs), expected(at.copy(), bs.copy())));
    const auto after = tj::compile_stats();
    CHECK(after.clang_compiles + after.disk_hits == before.clang_compiles + before.disk_hits + 3);
    // The contiguous call still uses the kernel built with the function.
    CHECK(tj_test::all_close(f(a, b), expected(a, b)));
    CHECK(tj::compile_stats().clang_compiles == after.clang_compiles);
}

TEST_CASE("layout: copies share the strided kernels, and threads build one once",
          "[function][layout][threads]") {
    auto x = tj::dmatrix("x");
    auto y = tj::dmatrix("y");
    auto f = tj::function({x, y}, tj::exp(x) * 2 + y + 0x1p-59);
    auto g = f.copy();
    const Array at = ramp(5, 6, 0.5).transpose(), b = ramp(6, 5, 0.25);
    const Array want = expected(at.copy(), b);
    const auto before = tj::compile_stats();
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) ok[t] += tj_test::all_close((t % 2 ? g : f)(at, b), want);
        });
    for (auto& t : threads) t.join();
    for (int t = 0; t < 4; ++t) CHECK(ok[t] == 20);
    const auto after = tj::compile_stats();
    CHECK(after.clang_compiles + after.disk_hits == before.clang_compiles + before.disk_hits + 1);
}
