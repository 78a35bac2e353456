// Sizes in graphs and kernels (issue 8): shapes computed at build time or inside a kernel that
// are negative or overflow are ValueErrors naming the op and the shape, never a short buffer or
// an out-of-bounds view; split checks its sizes against the run-time extent.
#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using tj::Array;
using tj::Dims;
using tj::DType;

namespace {

constexpr long long k32 = 1LL << 32;
constexpr long long k62 = 1LL << 62;

using tj_test::expect_error;
using tj_test::overcommit_refuses_huge;

// An int64 vector from values of mixed integer types.
Array lv(std::initializer_list<long long> v) { return Array(std::vector<long long>(v)); }

} // namespace

TEST_CASE("sizes: constant shapes that overflow fail at build time", "[op][shape][sizes]") {
    expect_error<tj::ValueError>(
        [] {
            (void)tj::zeros({k32, k32});
        },
        {"alloc", "4294967296, 4294967296", "too big"});
    expect_error<tj::ValueError>(
        [] {
            (void)tj::ones({k62 + 1, 4}, DType::Int8);
        },
        {"alloc", "4611686018427387905, 4"});
    expect_error<tj::ValueError>(
        [] {
            (void)tj::alloc(tj::dscalar("v"), {k32, k32});
        },
        {"alloc", "too big"});
    expect_error<tj::ValueError>(
        [] {
            (void)tj::zeros(tj::constant(Array(std::vector<long long>{k32, k32})));
        },
        {"alloc", "too big"});
    expect_error<tj::ValueError>([] { (void)tj::zeros({3, -5}); }, {"alloc", "negative"});
    expect_error<tj::ValueError>(
        [] {
            (void)tj::broadcast_to(tj::tensor("r", DType::Float64, {1, 4}), {k62 + 1, 4});
        },
        {"broadcast_to", "too big"});
    expect_error<tj::ValueError>([] { (void)tj::eye(k32, k32); }, {"eye", "too big"});
    expect_error<tj::ValueError>(
        [] { (void)tj::arange(0.0, std::numeric_limits<double>::infinity()); },
        {"arange", "length"});
    expect_error<tj::ValueError>([] { (void)tj::arange(0LL, k62); }, {"arange", "too big"});
    auto x = tj::tensor("x", DType::Float64, {0});
    expect_error<tj::ValueError>(
        [&] {
            (void)tj::reshape(x, {k32, k32, 0});
        },
        {"reshape", "too big"});
    // Not too big: 2^40 float64 is 8 TiB, which only the allocation can refuse.
    CHECK(tj::zeros({1LL << 40}).type().shape == Dims{1LL << 40});
}

TEST_CASE("sizes: run-time shapes of alloc and zeros are checked", "[op][shape][sizes]") {
    auto s = tj::tensor("s", DType::Int64, {2});
    auto f = tj::function({s}, tj::zeros(s));
    CHECK(f(Array({2, 3})).equals(Array::zeros(DType::Float64, {2, 3})));
    expect_error<tj::ValueError>([&] { f(Array({2, -5})); }, {"alloc", "s", "negative", "-5"});
    expect_error<tj::ValueError>(
        [&] {
            f(lv({k32, k32}));
        },
        {"alloc", "s", "too big", "4294967296"});
    expect_error<tj::ValueError>([&] { f(lv({k62 + 1, 4})); }, {"alloc", "too big"});
    auto v = tj::dvector("v");
    auto g = tj::function({v, s}, tj::alloc(v, s) * 2);
    expect_error<tj::ValueError>(
        [&] {
            g(Array({1.0, 2.0}), Array({-5, 2}));
        },
        {"alloc", "negative", "-5"});
    auto n = tj::lscalar("n");
    auto h = tj::function({n}, tj::ones(tj::stack({n})));
    CHECK(h(3).equals(Array::full(DType::Float64, {3}, 1)));
    expect_error<tj::ValueError>([&] { h(-5); }, {"alloc", "negative", "-5"});
}

TEST_CASE("sizes: a kernel allocation too large for the machine", "[op][shape][sizes]") {
    if (!overcommit_refuses_huge()) {
        WARN("vm.overcommit_memory = 1: skipped (the allocation would succeed)");
        return;
    }
    auto s = tj::tensor("s", DType::Int64, {1});
    auto f = tj::function({s}, tj::zeros(s));
    // Array::empty turns bad_alloc into a ValueError; the call path reports its message.
    expect_error<tj::Error>([&] { f(lv({1LL << 40})); }, {"cannot allocate 8796093022208 bytes"});
    auto g = tj::function({}, tj::zeros({1LL << 40}));
    expect_error<tj::Error>([&] { g(); }, {"cannot allocate 8796093022208 bytes"});
}

// A failed kernel allocation reaches the caller as the ValueError Array raised.
TEST_CASE("sizes: a kernel allocation too large for the machine is a ValueError",
          "[op][shape][sizes]") {
    if (!overcommit_refuses_huge()) return;
    auto s = tj::tensor("s", DType::Int64, {1});
    auto f = tj::function({s}, tj::zeros(s));
    expect_error<tj::ValueError>([&] { f(lv({1LL << 40})); }, {"cannot allocate"});
}

TEST_CASE("sizes: run-time reshape, broadcast_to, arange, eye and concatenate",
          "[op][shape][sizes]") {
    auto x = tj::dvector("x");
    auto s = tj::tensor("s", DType::Int64, {2});
    auto r = tj::function({x, s}, tj::reshape(x, s) * 2);
    // (2^62 + 1) * 4 wraps to 4 in 64 bits: it must not pass as a reshape of 4 elements.
    expect_error<tj::ValueError>(
        [&] {
            r(Array({1.0, 2.0, 3.0, 4.0}), lv({k62 + 1, 4}));
        },
        {"reshape", "too big"});
    expect_error<tj::ValueError>(
        [&] {
            r(Array(std::vector<double>{}), lv({k32, k32}));
        },
        {"reshape", "too big"});
    auto row = tj::tensor("row", DType::Float64, {1, tj::dyn});
    auto b = tj::function({row, s}, tj::sum(tj::broadcast_to(row, s)));
    CHECK(b(Array({{1.0, 2.0}}), Array({3, 2})).item<double>() == 9.0);
    expect_error<tj::ValueError>(
        [&] {
            b(Array({{1.0, 2.0, 3.0, 4.0}}), lv({k62 + 1, 4}));
        },
        {"broadcast_to", "too big"});
    expect_error<tj::ValueError>(
        [&] {
            b(Array({{1.0, 2.0}}), Array({-3, 2}));
        },
        {"broadcast_to", "negative"});

    auto a0 = tj::lscalar("a0"), a1 = tj::lscalar("a1"), a2 = tj::lscalar("a2");
    auto fa = tj::function({a0, a1, a2}, tj::arange(a0, a1, a2));
    CHECK(fa(-3, 4, 3).equals(Array({-3, 0, 3})));
    constexpr long long lo = std::numeric_limits<long long>::min(),
                        hi = std::numeric_limits<long long>::max();
    expect_error<tj::ValueError>([&] { fa(lo, hi, 1); }, {"arange", "length"});
    expect_error<tj::ValueError>([&] { fa(0, k62, 1); }, {"arange", "too big"});
    CHECK(fa(hi - 2, hi, 1).equals(lv({hi - 2, hi - 1})));
    CHECK(fa(lo, hi, hi).shape() == Dims{3});
    auto d0 = tj::dscalar("d0"), d1 = tj::dscalar("d1"), d2 = tj::dscalar("d2");
    auto fd = tj::function({d0, d1, d2}, tj::arange(d0, d1, d2));
    expect_error<tj::ValueError>([&] { fd(0.0, std::numeric_limits<double>::infinity(), 1.0); },
                                 {"arange", "length"});
    expect_error<tj::ValueError>([&] { fd(0.0, std::nan(""), 1.0); }, {"arange", "length"});

    auto n = tj::lscalar("n"), m = tj::lscalar("m");
    auto fe = tj::function({n, m}, tj::eye(n, m));
    expect_error<tj::ValueError>([&] { fe(-1, 2); }, {"eye", "negative", "-1"});
    expect_error<tj::ValueError>([&] { fe(k32, k32); }, {"eye", "too big"});

    // Extreme slice steps: one element, no overflow in the length or the stride.
    auto st = tj::function({x}, x(tj::slice(0, 4, std::numeric_limits<long long>::max())));
    CHECK(st(Array({1.0, 2.0, 3.0})).equals(Array({1.0})));
}

TEST_CASE("sizes: split checks its sizes at run time", "[op][shape][subtensor][sizes]") {
    auto x = tj::dmatrix("x");
    auto parts = tj::split(x, {1, 2}, 1);
    auto f = tj::function({x}, {parts[0], parts[1]});
    Array v({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
    auto got = f(v);
    CHECK(got[0].equals(Array({{1.0}, {4.0}})));
    CHECK(got[1].equals(Array({{2.0, 3.0}, {5.0, 6.0}})));
    expect_error<tj::ValueError>(
        [&] {
            f(Array({{1.0, 2.0, 3.0, 4.0}}));
        },
        {"split", "sum", "extent 4"});
    expect_error<tj::ValueError>([&] { f(Array({{1.0, 2.0}})); }, {"split", "extent 2"});
    // The reference and the gradient check too.
    expect_error<tj::ValueError>(
        [&] {
            (void)tj::eval(parts[1], {{x, Array({{1.0, 2.0, 3.0, 4.0}})}});
        },
        {"split", "sum to 3", "extent 4"});
    auto g = tj::grad(tj::sum(parts[1]), x);
    auto fg = tj::function({x}, g);
    CHECK(fg(v).equals(Array({{0.0, 1.0, 1.0}, {0.0, 1.0, 1.0}})));
    CHECK_THROWS_AS(fg(Array({{1.0, 2.0}})), tj::ValueError);
    expect_error<tj::ValueError>([&] { (void)tj::split(x, {1, -1}, 1); }, {"split", "negative"});
}
