// Tests of tj::Array: construction, views, conversions and comparisons. Every expected table
// below was generated with NumPy 1.24. The dtype tables are in test_dtype.cpp, the repr in
// test_array_print.cpp.
#include <tensorjit/array.hpp>

#include "array_test_util.hpp"
#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace tensorjit;
using namespace array_test;
using Catch::Matchers::Contains;

// ---- construction ---------------------------------------------------------------------------

TEST_CASE("Array from C++ scalars", "[array]") {
    CHECK(Array(7).dtype() == DType::Int64);
    CHECK(Array(7L).dtype() == DType::Int64);
    CHECK(Array(7LL).dtype() == DType::Int64);
    CHECK(Array(2.5).dtype() == DType::Float64);
    CHECK(Array(2.5f).dtype() == DType::Float32);
    CHECK(Array(true).dtype() == DType::Bool);
    CHECK(Array(std::int8_t{-3}).dtype() == DType::Int8);
    CHECK(Array(std::int16_t{-3}).dtype() == DType::Int16);
    // std::int32_t is `int`, which gives int64 like a Python int; vectors keep int32 (below).
    CHECK(Array(std::int32_t{-3}).dtype() == DType::Int64);
    CHECK(Array(std::int64_t{-3}).dtype() == DType::Int64);
    CHECK(Array(std::uint8_t{3}).dtype() == DType::UInt8);
    CHECK(Array(std::uint16_t{3}).dtype() == DType::UInt16);
    CHECK(Array(std::uint32_t{3}).dtype() == DType::UInt32);
    CHECK(Array(std::uint64_t{3}).dtype() == DType::UInt64);

    Array a(-7);
    CHECK(a.ndim() == 0);
    CHECK(a.shape() == Dims{});
    CHECK(a.size() == 1);
    CHECK(a.item<int>() == -7);
    CHECK(Array(2.5f).item<float>() == 2.5f);
    CHECK(Array(true).item<bool>());
    CHECK(Array(std::int16_t{-3}).item<std::int16_t>() == -3);
    CHECK(Array(std::uint8_t{200}).item<int>() == 200);
    // Integers beyond 2^53 keep every bit.
    CHECK(*Array(std::int64_t{(1LL << 53) + 1}).data<std::int64_t>() == (1LL << 53) + 1);
    CHECK(*Array(std::numeric_limits<std::uint64_t>::max()).data<std::uint64_t>() ==
          std::numeric_limits<std::uint64_t>::max());

    Array d;
    CHECK(d.dtype() == DType::Float64);
    CHECK(d.ndim() == 0);
    CHECK(d.item_double() == 0.0);
}

TEST_CASE("Array from nested initializer lists", "[array]") {
    Array r1{1, 2, 3};
    CHECK(r1.dtype() == DType::Int64);
    CHECK(r1.shape() == Dims{3});
    CHECK(values(r1) == std::vector<double>{1, 2, 3});

    Array r2{{0.0, 1.0}, {-1.0, -2.0}, {4.0, 5.0}};
    CHECK(r2.dtype() == DType::Float64);
    CHECK(r2.shape() == Dims{3, 2});
    CHECK(r2.at({2, 1}) == 5.0);
    CHECK(r2.at({1, 0}) == -1.0);

    Array r3{{{1, 2}}, {{3, 4}}};
    CHECK(r3.dtype() == DType::Int64);
    CHECK(r3.shape() == Dims{2, 1, 2});
    CHECK(values(r3) == std::vector<double>{1, 2, 3, 4});

    Array r4{{{{1.5}, {2.5}}}};
    CHECK(r4.dtype() == DType::Float64);
    CHECK(r4.shape() == Dims{1, 1, 2, 1});
    CHECK(r4.at({0, 0, 1, 0}) == 2.5);

    Array b{true, false};
    CHECK(b.dtype() == DType::Bool);
    CHECK(values(b) == std::vector<double>{1, 0});

    // int64 values that a double cannot hold survive the nested-list path.
    Array big{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()};
    CHECK(big.data<std::int64_t>()[0] == std::numeric_limits<std::int64_t>::max());
    CHECK(big.data<std::int64_t>()[1] == std::numeric_limits<std::int64_t>::min());

    CHECK(Array{{1, 2}, {3, 4}}.is_c_contiguous());
}

TEST_CASE("ragged nested lists are a ShapeError", "[array]") {
    CHECK_THROWS_AS((Array{{1, 2}, {3}}), ShapeError);
    CHECK_THROWS_AS((Array{{1.0}, {2.0, 3.0}}), ShapeError);
    CHECK_THROWS_AS((Array{{{1}, {2}}, {{3}}}), ShapeError);
    CHECK_THROWS_AS((Array{{{1, 2}, {3, 4}}, {{5, 6}, {7}}}), ShapeError);
    CHECK_THROWS_WITH((Array{{1, 2}, {3}}), Contains("ragged"));
}

TEST_CASE("Array from std::vector", "[array]") {
    Array a(std::vector<double>{1, 2, 3});
    CHECK(a.dtype() == DType::Float64);
    CHECK(a.shape() == Dims{3});

    Array b(std::vector<std::int32_t>{1, 2, 3, 4, 5, 6}, Dims{2, 3});
    CHECK(b.dtype() == DType::Int32);
    CHECK(b.shape() == Dims{2, 3});
    CHECK(b.strides() == Dims{3, 1});
    CHECK(b.at({1, 0}) == 4);

    CHECK(Array(std::vector<float>{1.5f}).dtype() == DType::Float32);
    CHECK(Array(std::vector<long long>{1}).dtype() == DType::Int64);
    CHECK(Array(std::vector<std::uint16_t>{1}).dtype() == DType::UInt16);

    Array c(std::vector<bool>{true, false, true});
    CHECK(c.dtype() == DType::Bool);
    CHECK(values(c) == std::vector<double>{1, 0, 1});

    Array e(std::vector<double>{});
    CHECK(e.shape() == Dims{0});
    CHECK(e.size() == 0);

    CHECK_THROWS_AS(Array(std::vector<double>{1, 2, 3, 4, 5}, Dims{2, 3}), ShapeError);
    // The message names both the number of values and the shape.
    CHECK_THROWS_WITH(Array(std::vector<double>{1, 2, 3, 4, 5}, Dims{2, 3}),
                      Contains("5") && Contains("(2, 3)"));
}

TEST_CASE("empty, zeros, full and from_raw", "[array]") {
    Array e = Array::empty(DType::Int16, {4, 5});
    CHECK(e.dtype() == DType::Int16);
    CHECK(e.shape() == Dims{4, 5});
    CHECK(e.itemsize() == 2);
    CHECK(e.is_c_contiguous());
    // Buffers above 64 bytes are 64-byte aligned; smaller ones live in the storage, 16-aligned.
    CHECK(reinterpret_cast<std::uintptr_t>(Array::empty(DType::Int16, {40}).raw_data()) % 64 == 0);
    CHECK(reinterpret_cast<std::uintptr_t>(e.raw_data()) % 16 == 0);

    Array z = Array::zeros(DType::Float32, {2, 3});
    CHECK(values(z) == std::vector<double>(6, 0.0));

    Array f = Array::full(DType::Int32, {3}, 7.9);
    CHECK(f.dtype() == DType::Int32);
    CHECK(values(f) == std::vector<double>{7, 7, 7});
    CHECK(values(Array::full(DType::Bool, {2}, 2.0)) == std::vector<double>{1, 1});

    std::uint16_t raw[] = {1, 2, 3, 4, 5, 6};
    Array r = Array::from_raw(DType::UInt16, {3, 2}, raw);
    CHECK(r.dtype() == DType::UInt16);
    CHECK(r.at({2, 1}) == 6);
    raw[0] = 99; // from_raw copies
    CHECK(r.at({0, 0}) == 1);

    CHECK(Array::zeros(DType::Float64, {0, 3}).size() == 0);
    CHECK_THROWS_AS(Array::empty(DType::Float64, {2, -1}), ValueError);
}

TEST_CASE("shape, strides, size and ndim", "[array]") {
    Array a = arange(24, DType::Float64).reshape({2, 3, 4});
    CHECK(a.ndim() == 3);
    CHECK(a.size() == 24);
    CHECK(a.shape() == Dims{2, 3, 4});
    CHECK(a.strides() == Dims{12, 4, 1});
    CHECK(a.shape(0) == 2);
    CHECK(a.shape(-1) == 4);
    CHECK_THROWS_AS(a.shape(3), ValueError);
    CHECK_THROWS_AS(a.shape(-4), ValueError);

    CHECK(shape_str(Dims{2, 3}) == "(2, 3)");
    CHECK(shape_str(Dims{5}) == "(5,)");
    CHECK(shape_str(Dims{}) == "()");
    CHECK(c_strides(Dims{2, 0, 3}) == Dims{3, 3, 1});
    CHECK(Dims{2, 3, 4}.product() == 24);
    CHECK(Dims{}.product() == 1);
    CHECK(Dims(std::vector<int>{1, 2}) == Dims{1, 2});
    CHECK_THROWS_AS((Dims{1, 1, 1, 1, 1, 1, 1, 1, 1}), ShapeError);
}

// ---- views ----------------------------------------------------------------------------------

TEST_CASE("transpose", "[array]") {
    Array a = arange(6, DType::Int64).reshape({2, 3});
    Array t = a.transpose();
    CHECK(t.shape() == Dims{3, 2});
    CHECK(t.strides() == Dims{1, 3});
    CHECK(!t.is_c_contiguous());
    CHECK(t.shares_memory_with(a));
    CHECK(values(t) == std::vector<double>{0, 3, 1, 4, 2, 5});

    Array b = arange(24, DType::Int64).reshape({2, 3, 4});
    Array p = b.transpose({1, 2, 0});
    CHECK(p.shape() == Dims{3, 4, 2});
    CHECK(p.at({2, 3, 1}) == b.at({1, 2, 3}));
    CHECK(b.transpose({-1, 0, 1}).shape() == Dims{4, 2, 3});
    CHECK_THROWS_AS(b.transpose({0, 0, 1}), ValueError);
    CHECK_THROWS_AS(b.transpose({0, 1}), ValueError);
    CHECK_THROWS_AS(b.transpose({0, 1, 3}), ValueError);
    CHECK(Array(5).transpose().ndim() == 0);
}

TEST_CASE("slice", "[array]") {
    Array a = arange(10, DType::Int64);
    // np.arange(10)[2:8:2], [::-1], [-3:], [8:2:-3], [-1:-11:-4], [5:100], [7:3], [-100:2]
    CHECK(values(a.slice(0, 2, 8, 2)) == std::vector<double>{2, 4, 6});
    CHECK(values(a.slice(0, 9, -11, -1)) == std::vector<double>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
    CHECK(values(a.slice(0, -3, 10)) == std::vector<double>{7, 8, 9});
    CHECK(values(a.slice(0, 8, 2, -3)) == std::vector<double>{8, 5});
    CHECK(values(a.slice(0, -1, -11, -4)) == std::vector<double>{9, 5, 1});
    CHECK(values(a.slice(0, 5, 100)) == std::vector<double>{5, 6, 7, 8, 9});
    CHECK(a.slice(0, 7, 3).size() == 0);
    CHECK(values(a.slice(0, -100, 2)) == std::vector<double>{0, 1});
    CHECK(a.slice(0, 2, 8, 2).strides() == Dims{2});
    CHECK(a.slice(0, 2, 8, 2).shares_memory_with(a));
    CHECK_THROWS_AS(a.slice(0, 0, 5, 0), ValueError);
    CHECK_THROWS_AS(a.slice(1, 0, 5), ValueError);

    Array m = arange(12, DType::Float64).reshape({3, 4});
    Array s = m.slice(1, 3, 0, -2); // m[:, 3:0:-2]
    CHECK(s.shape() == Dims{3, 2});
    CHECK(values(s) == std::vector<double>{3, 1, 7, 5, 11, 9});
    Array s2 = s.slice(-2, -1, -4, -1); // of that, [::-1] on the rows
    CHECK(values(s2) == std::vector<double>{11, 9, 7, 5, 3, 1});
    CHECK(s2.at({0, -1}) == 9);
}

TEST_CASE("reshape", "[array]") {
    Array a = arange(12, DType::Int32);
    Array r = a.reshape({3, 4});
    CHECK(r.shape() == Dims{3, 4});
    CHECK(r.dtype() == DType::Int32);
    CHECK(r.shares_memory_with(a)); // contiguous: a view
    CHECK(a.reshape({-1, 6}).shape() == Dims{2, 6});
    CHECK(a.reshape({2, -1, 2}).shape() == Dims{2, 3, 2});
    CHECK(a.reshape({12}).shape() == Dims{12});
    CHECK(Array(3.0).reshape({1, 1}).shape() == Dims{1, 1});
    CHECK(Array::zeros(DType::Float64, {0, 3}).reshape({-1, 3}).shape() == Dims{0, 3});

    Array t = r.transpose(); // not contiguous: a copy with the logical order
    Array tr = t.reshape({12});
    CHECK(!tr.shares_memory_with(a));
    CHECK(values(tr) == std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});

    CHECK_THROWS_AS(a.reshape({5, 3}), ShapeError);
    CHECK_THROWS_AS(a.reshape({-1, 5}), ShapeError);
    CHECK_THROWS_AS(a.reshape({-1, -1}), ShapeError);
    CHECK_THROWS_AS(a.reshape({-2, -6}), ValueError);
    CHECK_THROWS_WITH(a.reshape({5, 3}), Contains("(12,)") && Contains("(5, 3)"));
}

TEST_CASE("broadcast_to", "[array]") {
    Array a{1.0, 2.0, 3.0};
    Array b = a.broadcast_to({2, 3});
    CHECK(b.shape() == Dims{2, 3});
    CHECK(b.strides() == Dims{0, 1});
    CHECK(values(b) == std::vector<double>{1, 2, 3, 1, 2, 3});
    CHECK(b.shares_memory_with(a));

    Array c = Array{{1}, {2}}.broadcast_to({2, 3});
    CHECK(values(c) == std::vector<double>{1, 1, 1, 2, 2, 2});
    CHECK(values(Array(5).broadcast_to({2})) == std::vector<double>{5, 5});

    CHECK_THROWS_AS(a.broadcast_to({4}), ShapeError);
    CHECK_THROWS_AS(a.broadcast_to({3, 2}), ShapeError);
    CHECK_THROWS_AS((Array{{1, 2}}.broadcast_to({2})), ShapeError);

    CHECK(broadcast_shapes({2, 1, 3}, {4, 1}, "add") == Dims{2, 4, 3});
    CHECK(broadcast_shapes({}, {3}, "add") == Dims{3});
    CHECK_THROWS_AS(broadcast_shapes({2, 3}, {3, 2}, "add"), ShapeError);
    CHECK_THROWS_WITH(broadcast_shapes({2, 3}, {3, 2}, "add"),
                      Contains("add") && Contains("(2, 3)") && Contains("(3, 2)"));
}

// ---- conversion and element access ----------------------------------------------------------

TEST_CASE("astype between every pair of dtypes", "[array]") {
    // 0, 1, 5 and 100 exist in every dtype (as true for bool), so every pair round-trips them.
    for (DType from : kAllDTypes) {
        for (DType to : kAllDTypes) {
            INFO(dtype_name(from) << " -> " << dtype_name(to));
            Array a = Array(std::vector<double>{0, 1, 5, 100}).astype(from);
            Array b = a.astype(to);
            CHECK(b.dtype() == to);
            CHECK(b.shape() == a.shape());
            if (is_bool(from) || is_bool(to))
                CHECK(values(b) == std::vector<double>{0, 1, 1, 1});
            else
                CHECK(values(b) == std::vector<double>{0, 1, 5, 100});
            // Through a non-contiguous view too.
            CHECK(values(a.slice(0, 3, -5, -1).astype(to)) ==
                  std::vector<double>{values(b)[3], values(b)[2], values(b)[1], values(b)[0]});
        }
    }
}

TEST_CASE("astype follows C conversions", "[array]") {
    // Expected values from NumPy's astype.
    CHECK(values(Array(std::vector<std::int8_t>{-1, -3}).astype(DType::UInt8)) ==
          std::vector<double>{255, 253});
    CHECK(values(Array(std::vector<std::int64_t>{-1}).astype(DType::UInt16)) ==
          std::vector<double>{65535});
    CHECK(values(Array(std::vector<std::int16_t>{300}).astype(DType::UInt8)) ==
          std::vector<double>{44});
    CHECK(values(Array(std::vector<std::int32_t>{300}).astype(DType::Int8)) ==
          std::vector<double>{44});
    CHECK(values(Array(std::vector<std::uint8_t>{255}).astype(DType::Int8)) ==
          std::vector<double>{-1});
    CHECK(values(Array(std::vector<std::uint32_t>{4294967295u}).astype(DType::Int32)) ==
          std::vector<double>{-1});
    CHECK(*Array(std::vector<std::int32_t>{-1}).astype(DType::UInt64).data<std::uint64_t>() ==
          18446744073709551615ull);
    // Floats truncate toward zero.
    CHECK(values(Array{2.75, -2.75}.astype(DType::Int32)) == std::vector<double>{2, -2});
    CHECK(values(Array{2.75, 0.5}.astype(DType::UInt8)) == std::vector<double>{2, 0});
    // To bool is != 0 (NaN is true, -0.0 is false).
    CHECK(values(Array{0.5, 0.0, kNan, -0.0}.astype(DType::Bool)) ==
          std::vector<double>{1, 0, 1, 0});
    CHECK(values(Array{3, 0}.astype(DType::Bool)) == std::vector<double>{1, 0});
    CHECK(values(Array{true, false}.astype(DType::Float32)) == std::vector<double>{1, 0});
    CHECK(Array{0.1}.astype(DType::Float32).flat(0) == 0.10000000149011612);
    CHECK(Array(std::vector<std::int64_t>{(1LL << 53) + 1}).astype(DType::Float64).flat(0) ==
          9007199254740992.0);
    CHECK(values(Array{kInf, -kInf}.astype(DType::Float32)) == std::vector<double>{kInf, -kInf});
}

TEST_CASE("at, flat, item and data", "[array]") {
    Array a = arange(6, DType::Float32).reshape({2, 3});
    CHECK(a.at({1, 2}) == 5);
    CHECK(a.at({-1, -3}) == 3);
    CHECK(a.at({0, -1}) == 2);
    CHECK_THROWS_AS(a.at({2, 0}), ValueError);
    CHECK_THROWS_AS(a.at({0, -4}), ValueError);
    CHECK_THROWS_AS(a.at({0}), ValueError);
    CHECK(a.flat(4) == 4);
    CHECK(a.transpose().flat(1) == 3);
    CHECK_THROWS_AS(a.flat(6), ValueError);
    CHECK_THROWS_AS(a.flat(-1), ValueError);

    CHECK(Array(2.5).item<double>() == 2.5);
    CHECK(Array{{7}}.item<int>() == 7);
    CHECK_THROWS_AS(a.item<double>(), ValueError);
    CHECK(Array(3.5).at({}) == 3.5);

    CHECK(a.data<float>()[5] == 5.0f);
    CHECK_THROWS_AS(a.data<double>(), TypeError);
}

TEST_CASE("copy is independent of its source", "[array]") {
    Array a = arange(6, DType::Int64).reshape({2, 3});
    Array c = a.copy();
    CHECK(!c.shares_memory_with(a));
    CHECK(c.equals(a));
    a.data<std::int64_t>()[0] = 42;
    CHECK(c.at({0, 0}) == 0);
    c.data<std::int64_t>()[1] = -1;
    CHECK(a.at({0, 1}) == 1);

    // A copy of a view is C-contiguous with the view's logical values.
    Array t = a.transpose().copy();
    CHECK(t.is_c_contiguous());
    CHECK(t.strides() == Dims{2, 1});
    CHECK(values(t) == std::vector<double>{42, 3, 1, 4, 2, 5});

    // Views see writes through the original.
    Array v = a.slice(1, 1, 3);
    a.data<std::int64_t>()[2] = 9;
    CHECK(v.at({0, 1}) == 9);

    std::mt19937_64 rng(7);
    Array r = tj_test::random_array(rng, DType::Float32, {4, 5});
    Array rc = r.copy();
    CHECK(rc.equals(r));
    r.data<float>()[3] += 1;
    CHECK(!rc.equals(r));
}

TEST_CASE("equals", "[array]") {
    CHECK(Array{1, 2}.equals(Array{1, 2}));
    CHECK(!Array{1, 2}.equals(Array{1, 3}));
    CHECK(!Array{1, 2}.equals(Array{1.0, 2.0})); // dtype differs
    CHECK(!Array{1, 2}.equals(Array{{1, 2}}));   // shape differs
    CHECK(!Array{kNan}.equals(Array{kNan}));
    CHECK(Array{-0.0}.equals(Array{0.0}));
    Array a = arange(6, DType::Int64).reshape({2, 3});
    CHECK(a.transpose().equals(a.transpose().copy()));
    // int64 values a double cannot tell apart still compare unequal.
    Array big1(std::vector<std::int64_t>{(1LL << 53) + 1});
    Array big2(std::vector<std::int64_t>{1LL << 53});
    CHECK(!big1.equals(big2));
    CHECK(Array::zeros(DType::Float64, {0}).equals(Array::zeros(DType::Float64, {0})));
}

TEST_CASE("allclose", "[array]") {
    CHECK(allclose(Array{1.0, 2.0}, Array{1.0, 2.0}));
    CHECK(allclose(Array{1.0}, Array{1.0 + 1e-6}));
    CHECK(!allclose(Array{1.0}, Array{1.0 + 1e-4}));
    CHECK(allclose(Array{1.0}, Array{1.0 + 1e-4}, 1e-3));
    CHECK(allclose(Array{0.0}, Array{1e-9}));
    CHECK(!allclose(Array{0.0}, Array{1e-7}));
    CHECK(allclose(Array{0.0}, Array{1e-7}, 0.0, 1e-6));
    // The tolerance is relative to the second argument, as in NumPy.
    CHECK(allclose(Array{10.0}, Array{11.0}, 0.1, 0.0));
    CHECK(!allclose(Array{11.0}, Array{10.0}, 0.1 - 1e-9, 0.0));
    // NaN.
    CHECK(!allclose(Array{kNan}, Array{kNan}));
    CHECK(allclose(Array{kNan, 1.0}, Array{kNan, 1.0}, 1e-5, 1e-8, true));
    CHECK(!allclose(Array{kNan}, Array{1.0}, 1e-5, 1e-8, true));
    // Infinities are close only to themselves.
    CHECK(allclose(Array{kInf, -kInf}, Array{kInf, -kInf}));
    CHECK(!allclose(Array{kInf}, Array{-kInf}));
    CHECK(!allclose(Array{kInf}, Array{1e308}));
    // Broadcasting.
    CHECK(allclose(Array{{1.0, 2.0}, {1.0, 2.0}}, Array{1.0, 2.0}));
    CHECK(allclose(Array::full(DType::Float32, {3, 2}, 0.5), Array(0.5)));
    CHECK(!allclose(Array{{1.0, 2.0}, {1.0, 2.5}}, Array{1.0, 2.0}));
    CHECK_THROWS_AS(allclose(Array{1.0, 2.0}, Array{1.0, 2.0, 3.0}), ShapeError);
    // Mixed dtypes compare values.
    CHECK(allclose(Array{1, 2}, Array{1.0, 2.0}));
}
