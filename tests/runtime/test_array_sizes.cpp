// Sizes of tj::Array (issue 8): shapes whose element or byte count overflows, negative extents
// and allocations too large for the machine are ValueErrors naming the shape, never a short
// buffer.
#include <tensorjit/array.hpp>
#include <tensorjit/checked.hpp>

#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <vector>

using namespace tensorjit;

namespace {

constexpr std::int64_t k32 = std::int64_t{1} << 32;
constexpr std::int64_t k62 = std::int64_t{1} << 62;

using tj_test::expect_error;
using tj_test::overcommit_refuses_huge;

} // namespace

TEST_CASE("checked shape arithmetic", "[array][sizes]") {
    std::int64_t n = -1;
    const std::int64_t ok[] = {3, 0, 5};
    CHECK(checked::shape_fit(ok, 3, 8, &n) == checked::ShapeFit::kOk);
    CHECK(n == 0);
    const std::int64_t big[] = {k32, k32};
    CHECK(checked::shape_fit(big, 2, 1) == checked::ShapeFit::kTooBig);
    const std::int64_t edge[] = {std::int64_t{1} << 60};
    CHECK(checked::shape_fit(edge, 1, 4, &n) == checked::ShapeFit::kOk);
    CHECK(n == std::int64_t{1} << 60);
    CHECK(checked::shape_fit(edge, 1, 8) == checked::ShapeFit::kTooBig);
    const std::int64_t neg[] = {2, -5};
    CHECK(checked::shape_fit(neg, 2, 8) == checked::ShapeFit::kNegative);
    CHECK(shape_size_ok(Dims{k62 + 1}, DType::UInt8));
    CHECK_FALSE(shape_size_ok(Dims{k62 + 1, 4}, DType::Float64));
    CHECK_FALSE(shape_size_ok(Dims{k62, 0, k62}, DType::Float64)); // NumPy refuses it too
    CHECK_FALSE(shape_size_ok(Dims{-1}, DType::Float64));
    CHECK_NOTHROW(check_shape_fits(Dims{2, 3}, DType::Float64, "x"));
    expect_error<ValueError>(
        [] {
            check_shape_fits(Dims{k62 + 1, 4}, DType::Float64, "input x");
        },
        {"input x", "(4611686018427387905, 4)", "float64", "too big"});
    expect_error<ValueError>(
        [] {
            check_shape_fits(Dims{2, -5}, DType::Int32, "input y");
        },
        {"input y", "negative", "(2, -5)"});
}

TEST_CASE("Dims::product and c_strides detect overflow", "[array][sizes]") {
    CHECK(Dims{k32 / 2, k32 - 1}.product() == k32 / 2 * (k32 - 1));
    expect_error<ValueError>([] { (void)Dims{k32, k32}.product(); }, {"(4294967296, 4294967296)"});
    expect_error<ValueError>(
        [] {
            (void)c_strides(Dims{2, k32, k32});
        },
        {"(2, 4294967296, 4294967296)"});
    // The extent of axis 0 never enters a C stride.
    CHECK(c_strides(Dims{k32, k32, 2}) == Dims{2 * k32, 2, 1});
    CHECK(c_strides(Dims{0, k32 / 2, k32 - 1}) == Dims{k32 / 2 * (k32 - 1), k32 - 1, 1});
}

TEST_CASE("constructors refuse overflowing and negative shapes", "[array][sizes]") {
    const Dims huge{k32, k32};
    expect_error<ValueError>([&] { (void)Array::zeros(DType::Float64, huge); },
                             {"zeros", "(4294967296, 4294967296)", "too big"});
    expect_error<ValueError>([&] { (void)Array::empty(DType::Float64, huge); },
                             {"empty", "(4294967296, 4294967296)"});
    expect_error<ValueError>([&] { (void)Array::full(DType::Int8, huge, 1); }, {"full", "too big"});
    expect_error<ValueError>(
        [] {
            (void)Array::empty(DType::Float64, {k62 + 1, 4});
        },
        {"(4611686018427387905, 4)"});
    expect_error<ValueError>(
        [] {
            (void)Array::zeros(DType::Float64, {3, -5});
        },
        {"zeros", "negative", "(3, -5)"});
    expect_error<ValueError>([] { (void)Array::empty(DType::Int32, {-1}); }, {"negative", "(-1,)"});
    expect_error<ValueError>(
        [] {
            (void)Array(std::vector<double>{}, Dims{0, -2});
        },
        {"negative", "(0, -2)"});
}

TEST_CASE("views cannot reach outside the buffer", "[array][sizes]") {
    Array a = Array::zeros(DType::Float64, {4});
    expect_error<ValueError>(
        [&] {
            (void)a.reshape({k32, k32});
        },
        {"reshape", "(4294967296, 4294967296)"});
    expect_error<ValueError>([&] { (void)a.reshape({k62 + 1, 4}); }, {"reshape"});
    expect_error<ValueError>([&] { (void)a.reshape({-2, -2}); }, {"reshape", "negative"});
    expect_error<ValueError>(
        [&] {
            (void)a.broadcast_to({k62 + 1, 4});
        },
        {"broadcast_to", "(4611686018427387905, 4)"});
    CHECK(a.broadcast_to({3, 4}).shape() == Dims{3, 4});
    expect_error<ValueError>([&] { (void)a.view(a.raw_data(), DType::Float64, {5}, {1}); },
                             {"view", "outside"});
    expect_error<ValueError>(
        [&] { (void)a.view(static_cast<double*>(a.raw_data()) + 1, DType::Float64, {2}, {-2}); },
        {"view", "outside"});
    expect_error<ValueError>(
        [&] {
            (void)a.view(a.raw_data(), DType::Float64, {k62 + 1, 4}, {0, 0});
        },
        {"view", "too big"});
    CHECK(a.view(static_cast<double*>(a.raw_data()) + 3, DType::Float64, {4}, {-1}).size() == 4);
    CHECK(a.view(a.raw_data(), DType::Int32, {8}, {1}).size() == 8);
    // Extreme slice steps: one element, no overflow in the length or the stride.
    Array s = a.slice(0, 0, 4, INT64_MAX);
    CHECK(s.shape() == Dims{1});
    Array r = a.slice(0, 3, -5, INT64_MIN);
    CHECK(r.shape() == Dims{1});
    CHECK(a.slice(0, 3, -5, -2).shape() == Dims{2});
}

TEST_CASE("an allocation too large for the machine is a ValueError", "[array][sizes]") {
    if (!overcommit_refuses_huge()) {
        WARN("vm.overcommit_memory = 1: skipped (the allocation would succeed)");
        return;
    }
    // 2^40 float64 = 8 TiB: the byte count fits, the machine does not.
    expect_error<ValueError>(
        [] { (void)Array::zeros(DType::Float64, {std::int64_t{1} << 40}); },
        {"cannot allocate 8796093022208 bytes", "(1099511627776,)", "float64"});
}
