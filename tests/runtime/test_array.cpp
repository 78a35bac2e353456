// Tests of tj::Array: construction, views, conversions, comparisons, the dtype tables and the
// NumPy-compatible repr. Every expected table and string below was generated with NumPy 1.24.
#include <tensorjit/array.hpp>

#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

using namespace tensorjit;
using Catch::Matchers::Contains;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr float kNanF = std::numeric_limits<float>::quiet_NaN();

constexpr DType kAllDTypes[] = {DType::Bool,   DType::Int8,    DType::Int16,  DType::Int32,
                                DType::Int64,  DType::UInt8,   DType::UInt16, DType::UInt32,
                                DType::UInt64, DType::Float32, DType::Float64};

/// np.arange(n).astype(dtype).
Array arange(std::int64_t n, DType dtype) {
    std::vector<double> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 0.0);
    return Array(v).astype(dtype);
}

/// a / d element-wise, as a C-contiguous float64 array of a's shape (Array has no arithmetic).
Array div(const Array& a, double d) {
    std::vector<double> v;
    for (std::int64_t i = 0; i < a.size(); ++i) v.push_back(a.flat(i) / d);
    return Array(v, a.shape());
}

/// The logical values of a in C order.
std::vector<double> values(const Array& a) {
    std::vector<double> v;
    for (std::int64_t i = 0; i < a.size(); ++i) v.push_back(a.flat(i));
    return v;
}

void check_repr(const Array& a, const std::string& expected) {
    INFO("dtype " << dtype_name(a.dtype()) << ", shape " << shape_str(a.shape()));
    CHECK(repr(a) == expected);
    std::ostringstream os;
    os << a;
    CHECK(os.str() == expected);
}

} // namespace

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

// ---- dtypes ---------------------------------------------------------------------------------

TEST_CASE("dtype names and sizes", "[array]") {
    const char* names[] = {"bool",   "int8",   "int16",  "int32",   "int64",  "uint8",
                           "uint16", "uint32", "uint64", "float32", "float64"};
    std::size_t sizes[] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8};
    for (int i = 0; i < kNumDTypes; ++i) {
        CHECK(dtype_name(kAllDTypes[i]) == names[i]);
        CHECK(dtype_size(kAllDTypes[i]) == sizes[i]);
        CHECK(static_cast<int>(kAllDTypes[i]) == i);
    }
    CHECK(dtype_kernel_type(DType::Float64) == "double");
    CHECK(dtype_kernel_type(DType::UInt8) == "unsigned char");
    CHECK(true_divide_dtype(DType::Int32) == DType::Float64);
    CHECK(true_divide_dtype(DType::Float32) == DType::Float32);
    CHECK(true_divide_dtype(DType::Bool) == DType::Float64);
    CHECK(is_float(DType::Float32));
    CHECK(is_signed_int(DType::Int8));
    CHECK(!is_signed_int(DType::UInt8));
    CHECK(is_unsigned_int(DType::UInt64));
    CHECK(is_integer(DType::Int64));
    CHECK(!is_integer(DType::Bool));
    CHECK(is_bool(DType::Bool));
}

TEST_CASE("promote matches np.result_type for arrays", "[array]") {
    using enum DType;
    // Rows and columns in kAllDTypes order; generated with
    // np.result_type(np.zeros(1, a), np.zeros(1, b)).
    const DType expected[kNumDTypes][kNumDTypes] = {
        {Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, Float32, Float64},
        {Int8, Int8, Int16, Int32, Int64, Int16, Int32, Int64, Float64, Float32, Float64},
        {Int16, Int16, Int16, Int32, Int64, Int16, Int32, Int64, Float64, Float32, Float64},
        {Int32, Int32, Int32, Int32, Int64, Int32, Int32, Int64, Float64, Float64, Float64},
        {Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Float64, Float64, Float64},
        {UInt8, Int16, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, Float32, Float64},
        {UInt16, Int32, Int32, Int32, Int64, UInt16, UInt16, UInt32, UInt64, Float32, Float64},
        {UInt32, Int64, Int64, Int64, Int64, UInt32, UInt32, UInt32, UInt64, Float64, Float64},
        {UInt64, Float64, Float64, Float64, Float64, UInt64, UInt64, UInt64, UInt64, Float64,
         Float64},
        {Float32, Float32, Float32, Float64, Float64, Float32, Float32, Float64, Float64, Float32,
         Float64},
        {Float64, Float64, Float64, Float64, Float64, Float64, Float64, Float64, Float64, Float64,
         Float64},
    };
    for (int i = 0; i < kNumDTypes; ++i)
        for (int j = 0; j < kNumDTypes; ++j) {
            INFO(dtype_name(kAllDTypes[i]) << ", " << dtype_name(kAllDTypes[j]));
            CHECK(promote(kAllDTypes[i], kAllDTypes[j]) == expected[i][j]);
        }
}

TEST_CASE("can_cast_safely matches np.can_cast(a, b, 'safe')", "[array]") {
    // Rows are `from`, columns `to`, in kAllDTypes order.
    const int expected[kNumDTypes][kNumDTypes] = {
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1},
        {0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1}, {0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1},
        {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1},
        {0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1}, {0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1},
        {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1},
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
    };
    for (int i = 0; i < kNumDTypes; ++i)
        for (int j = 0; j < kNumDTypes; ++j) {
            INFO(dtype_name(kAllDTypes[i]) << " -> " << dtype_name(kAllDTypes[j]));
            CHECK(can_cast_safely(kAllDTypes[i], kAllDTypes[j]) == (expected[i][j] != 0));
        }
}

// ---- printing -------------------------------------------------------------------------------

TEST_CASE("repr: lists of arrays", "[array][print]") {
    auto str = [](const std::vector<Array>& list) {
        std::ostringstream os;
        os << list;
        return os.str();
    };
    CHECK(str({}) == "[]");
    CHECK(str({Array::full(DType::Int32, {}, 3)}) == "[array(3, dtype=int32)]");
    CHECK(str({Array{1, 2}, Array{{1.5, 2.0}, {3.0, 4.0}}}) ==
          "[array([1, 2]), array([[1.5, 2. ],\n"
          "       [3. , 4. ]])]");
}

TEST_CASE("repr: float64 values", "[array][print]") {
    check_repr(Array{{0.5, 0.7310585786300049}, {0.2689414213699951, 0.11920292202211755}},
               "array([[0.5       , 0.73105858],\n"
               "       [0.26894142, 0.11920292]])");
    check_repr(Array(34.0), "array(34.)");
    check_repr(Array(0), "array(0)");
    check_repr(Array(-7), "array(-7)");
    check_repr(Array(-0.5), "array(-0.5)");
    check_repr(Array(true), "array(True)");
    check_repr(Array(false), "array(False)");
    check_repr(Array{{1., 0.}, {-1., -2.}},
               "array([[ 1.,  0.],\n"
               "       [-1., -2.]])");
    check_repr(Array{-1.5, 2.25, -3.0}, "array([-1.5 ,  2.25, -3.  ])");
    check_repr(Array{1.0 / 3, 2.0 / 3, 10.0}, "array([ 0.33333333,  0.66666667, 10.        ])");
    check_repr(Array{-0.0, 1.0}, "array([-0.,  1.])");
    check_repr(Array{0.0, 0.0}, "array([0., 0.])");
}

TEST_CASE("repr: nan and inf", "[array][print]") {
    check_repr(Array{kNan, kInf, -kInf}, "array([ nan,  inf, -inf])");
    check_repr(Array{kNan, kInf}, "array([nan, inf])");
    check_repr(Array{1.5, kNan, -kInf}, "array([ 1.5,  nan, -inf])");
    check_repr(Array{kNan, -kInf, 1e10}, "array([   nan,   -inf, 1.e+10])");
    check_repr(Array(kNan), "array(nan)");
    check_repr(Array(-kInf), "array(-inf)");
}

TEST_CASE("repr: scientific notation", "[array][print]") {
    check_repr(Array{1e-5, 1.0}, "array([1.e-05, 1.e+00])");
    check_repr(Array{1.23456789e10, 1e-3}, "array([1.23456789e+10, 1.00000000e-03])");
    check_repr(Array{1e8}, "array([1.e+08])");
    check_repr(Array{99999999.0}, "array([99999999.])");
    check_repr(Array{1e16, 1.0}, "array([1.e+16, 1.e+00])");
    check_repr(Array{1e-100, 1.0}, "array([1.e-100, 1.e+000])");
    check_repr(Array{0.0, 1e-5, -2.5e-5}, "array([ 0.0e+00,  1.0e-05, -2.5e-05])");
    check_repr(Array{1.0, 1000.0}, "array([   1., 1000.])");
    check_repr(Array{1.0, 1000.5}, "array([1.0000e+00, 1.0005e+03])");
    check_repr(Array{-1e20, 3.5}, "array([-1.0e+20,  3.5e+00])");
    check_repr(Array{1e-4, 5e-4}, "array([0.0001, 0.0005])");
    check_repr(Array{0.001953125}, "array([0.00195312])");
    check_repr(Array{123456.789, 0.5}, "array([1.23456789e+05, 5.00000000e-01])");
    check_repr(Array{0.1 + 0.2}, "array([0.3])");
    check_repr(Array(1e300), "array(1.e+300)");
}

TEST_CASE("repr: integers and bools", "[array][print]") {
    check_repr(Array{1, -20, 300}, "array([  1, -20, 300])");
    check_repr(Array{{1, 2}, {-3, 40}},
               "array([[ 1,  2],\n"
               "       [-3, 40]])");
    check_repr(Array{true, false}, "array([ True, False])");
    check_repr(Array{{true}, {true}},
               "array([[ True],\n"
               "       [ True]])");
}

TEST_CASE("repr: dtype suffixes", "[array][print]") {
    check_repr(Array(std::vector<std::int32_t>{1, 2}), "array([1, 2], dtype=int32)");
    check_repr(Array(std::vector<float>{1, 2}), "array([1., 2.], dtype=float32)");
    check_repr(Array(std::uint8_t{3}), "array(3, dtype=uint8)");
    check_repr(Array(std::vector<std::int8_t>{-128, 127, 0}),
               "array([-128,  127,    0], dtype=int8)");
    check_repr(Array(std::vector<std::int16_t>{-300, 7}), "array([-300,    7], dtype=int16)");
    check_repr(Array(std::vector<std::uint16_t>{65535, 0}), "array([65535,     0], dtype=uint16)");
    check_repr(Array(std::vector<std::uint32_t>{4294967295u, 1}),
               "array([4294967295,          1], dtype=uint32)");
    check_repr(Array(std::vector<std::uint64_t>{18446744073709551615ull, 0}),
               "array([18446744073709551615,                    0], dtype=uint64)");
    check_repr(Array(std::vector<std::int64_t>{INT64_MIN, INT64_MAX}),
               "array([-9223372036854775808,  9223372036854775807])");
    check_repr(Array::full(DType::Int32, {}, -5), "array(-5, dtype=int32)");
}

TEST_CASE("repr: float32 precision", "[array][print]") {
    check_repr(Array(2.5f), "array(2.5, dtype=float32)");
    check_repr(Array(3.0f), "array(3., dtype=float32)");
    check_repr(Array(0.1f), "array(0.1, dtype=float32)");
    check_repr(Array(std::vector<float>{0.1f, 0.2f, 0.3f}),
               "array([0.1, 0.2, 0.3], dtype=float32)");
    check_repr(Array(std::vector<float>{1.0f / 3, 2.0f / 3, 1e-3f}),
               "array([0.33333334, 0.6666667 , 0.001     ], dtype=float32)");
    check_repr(Array(std::vector<float>{0.1f, 1.2345678e10f}),
               "array([1.0000000e-01, 1.2345678e+10], dtype=float32)");
    // Past the shortest digits NumPy prints the exact float32 value: 1e-20f is 9.99999968e-21.
    check_repr(Array(std::vector<float>{1e-20f, 1.2345678f}),
               "array([9.9999997e-21, 1.2345678e+00], dtype=float32)");
    check_repr(Array(std::vector<float>{91147504.0f, 1.5f}),
               "array([9.11475e+07, 1.50000e+00], dtype=float32)");
    check_repr(Array(std::vector<float>{kNanF, 2.0f}), "array([nan,  2.], dtype=float32)");
}

TEST_CASE("repr: empty arrays", "[array][print]") {
    check_repr(Array::empty(DType::Float64, {0}), "array([], dtype=float64)");
    check_repr(Array::zeros(DType::Float64, {0, 3}), "array([], shape=(0, 3), dtype=float64)");
    check_repr(Array::empty(DType::Int64, {0}), "array([], dtype=int64)");
    check_repr(Array::zeros(DType::Int32, {2, 0}), "array([], shape=(2, 0), dtype=int32)");
    check_repr(Array::empty(DType::Bool, {0}), "array([], dtype=bool)");
    check_repr(Array::empty(DType::Float32, {0}), "array([], dtype=float32)");
    check_repr(Array::zeros(DType::Float64, {2, 3}),
               "array([[0., 0., 0.],\n"
               "       [0., 0., 0.]])");
    check_repr(Array::full(DType::UInt8, {2, 2}, 7),
               "array([[7, 7],\n"
               "       [7, 7]], dtype=uint8)");
}

TEST_CASE("repr: line wrapping and rank 3 and 4", "[array][print]") {
    check_repr(arange(30, DType::Float64),
               "array([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12.,\n"
               "       13., 14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25.,\n"
               "       26., 27., 28., 29.])");
    check_repr(div(arange(30, DType::Float64), 7),
               "array([0.        , 0.14285714, 0.28571429, 0.42857143, 0.57142857,\n"
               "       0.71428571, 0.85714286, 1.        , 1.14285714, 1.28571429,\n"
               "       1.42857143, 1.57142857, 1.71428571, 1.85714286, 2.        ,\n"
               "       2.14285714, 2.28571429, 2.42857143, 2.57142857, 2.71428571,\n"
               "       2.85714286, 3.        , 3.14285714, 3.28571429, 3.42857143,\n"
               "       3.57142857, 3.71428571, 3.85714286, 4.        , 4.14285714])");
    check_repr(arange(100, DType::Int64),
               "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n"
               "       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,\n"
               "       34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50,\n"
               "       51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67,\n"
               "       68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84,\n"
               "       85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99])");
    check_repr(arange(40, DType::Int32),
               "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n"
               "       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,\n"
               "       34, 35, 36, 37, 38, 39], dtype=int32)");
    check_repr(arange(21, DType::Int16),
               "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n"
               "       17, 18, 19, 20], dtype=int16)");
    check_repr(arange(12, DType::Float32),
               "array([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11.],\n"
               "      dtype=float32)");
    check_repr(div(arange(10, DType::Float64), 3).astype(DType::Float32),
               "array([0.        , 0.33333334, 0.6666667 , 1.        , 1.3333334 ,\n"
               "       1.6666666 , 2.        , 2.3333333 , 2.6666667 , 3.        ],\n"
               "      dtype=float32)");
    check_repr(arange(24, DType::Int64).reshape({2, 3, 4}),
               "array([[[ 0,  1,  2,  3],\n"
               "        [ 4,  5,  6,  7],\n"
               "        [ 8,  9, 10, 11]],\n"
               "\n"
               "       [[12, 13, 14, 15],\n"
               "        [16, 17, 18, 19],\n"
               "        [20, 21, 22, 23]]])");
    check_repr(arange(16, DType::Float64).reshape({2, 2, 2, 2}),
               "array([[[[ 0.,  1.],\n"
               "         [ 2.,  3.]],\n"
               "\n"
               "        [[ 4.,  5.],\n"
               "         [ 6.,  7.]]],\n"
               "\n"
               "\n"
               "       [[[ 8.,  9.],\n"
               "         [10., 11.]],\n"
               "\n"
               "        [[12., 13.],\n"
               "         [14., 15.]]]])");
}

TEST_CASE("repr: summarization above 1000 elements", "[array][print]") {
    check_repr(arange(2000, DType::Int64), "array([   0,    1,    2, ..., 1997, 1998, 1999])");
    check_repr(div(arange(2000, DType::Float64), 3).reshape({20, 100}),
               "array([[0.00000000e+00, 3.33333333e-01, 6.66666667e-01, ...,\n"
               "        3.23333333e+01, 3.26666667e+01, 3.30000000e+01],\n"
               "       [3.33333333e+01, 3.36666667e+01, 3.40000000e+01, ...,\n"
               "        6.56666667e+01, 6.60000000e+01, 6.63333333e+01],\n"
               "       [6.66666667e+01, 6.70000000e+01, 6.73333333e+01, ...,\n"
               "        9.90000000e+01, 9.93333333e+01, 9.96666667e+01],\n"
               "       ...,\n"
               "       [5.66666667e+02, 5.67000000e+02, 5.67333333e+02, ...,\n"
               "        5.99000000e+02, 5.99333333e+02, 5.99666667e+02],\n"
               "       [6.00000000e+02, 6.00333333e+02, 6.00666667e+02, ...,\n"
               "        6.32333333e+02, 6.32666667e+02, 6.33000000e+02],\n"
               "       [6.33333333e+02, 6.33666667e+02, 6.34000000e+02, ...,\n"
               "        6.65666667e+02, 6.66000000e+02, 6.66333333e+02]])");
    check_repr(arange(2000, DType::Int32).reshape({10, 10, 20}),
               "array([[[   0,    1,    2, ...,   17,   18,   19],\n"
               "        [  20,   21,   22, ...,   37,   38,   39],\n"
               "        [  40,   41,   42, ...,   57,   58,   59],\n"
               "        ...,\n"
               "        [ 140,  141,  142, ...,  157,  158,  159],\n"
               "        [ 160,  161,  162, ...,  177,  178,  179],\n"
               "        [ 180,  181,  182, ...,  197,  198,  199]],\n"
               "\n"
               "       [[ 200,  201,  202, ...,  217,  218,  219],\n"
               "        [ 220,  221,  222, ...,  237,  238,  239],\n"
               "        [ 240,  241,  242, ...,  257,  258,  259],\n"
               "        ...,\n"
               "        [ 340,  341,  342, ...,  357,  358,  359],\n"
               "        [ 360,  361,  362, ...,  377,  378,  379],\n"
               "        [ 380,  381,  382, ...,  397,  398,  399]],\n"
               "\n"
               "       [[ 400,  401,  402, ...,  417,  418,  419],\n"
               "        [ 420,  421,  422, ...,  437,  438,  439],\n"
               "        [ 440,  441,  442, ...,  457,  458,  459],\n"
               "        ...,\n"
               "        [ 540,  541,  542, ...,  557,  558,  559],\n"
               "        [ 560,  561,  562, ...,  577,  578,  579],\n"
               "        [ 580,  581,  582, ...,  597,  598,  599]],\n"
               "\n"
               "       ...,\n"
               "\n"
               "       [[1400, 1401, 1402, ..., 1417, 1418, 1419],\n"
               "        [1420, 1421, 1422, ..., 1437, 1438, 1439],\n"
               "        [1440, 1441, 1442, ..., 1457, 1458, 1459],\n"
               "        ...,\n"
               "        [1540, 1541, 1542, ..., 1557, 1558, 1559],\n"
               "        [1560, 1561, 1562, ..., 1577, 1578, 1579],\n"
               "        [1580, 1581, 1582, ..., 1597, 1598, 1599]],\n"
               "\n"
               "       [[1600, 1601, 1602, ..., 1617, 1618, 1619],\n"
               "        [1620, 1621, 1622, ..., 1637, 1638, 1639],\n"
               "        [1640, 1641, 1642, ..., 1657, 1658, 1659],\n"
               "        ...,\n"
               "        [1740, 1741, 1742, ..., 1757, 1758, 1759],\n"
               "        [1760, 1761, 1762, ..., 1777, 1778, 1779],\n"
               "        [1780, 1781, 1782, ..., 1797, 1798, 1799]],\n"
               "\n"
               "       [[1800, 1801, 1802, ..., 1817, 1818, 1819],\n"
               "        [1820, 1821, 1822, ..., 1837, 1838, 1839],\n"
               "        [1840, 1841, 1842, ..., 1857, 1858, 1859],\n"
               "        ...,\n"
               "        [1940, 1941, 1942, ..., 1957, 1958, 1959],\n"
               "        [1960, 1961, 1962, ..., 1977, 1978, 1979],\n"
               "        [1980, 1981, 1982, ..., 1997, 1998, 1999]]], dtype=int32)");
    check_repr(arange(1001, DType::Bool), "array([False,  True,  True, ...,  True,  True,  True])");
    check_repr(arange(60, DType::Int64).reshape({2, 30}),
               "array([[ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,\n"
               "        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29],\n"
               "       [30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45,\n"
               "        46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59]])");
    check_repr(div(arange(1001, DType::Float64), 7),
               "array([0.00000000e+00, 1.42857143e-01, 2.85714286e-01, ...,\n"
               "       1.42571429e+02, 1.42714286e+02, 1.42857143e+02])");
    check_repr(arange(1000, DType::Int64).slice(0, 0, 1000, 100),
               "array([  0, 100, 200, 300, 400, 500, 600, 700, 800, 900])");
}

TEST_CASE("repr: non-contiguous views", "[array][print]") {
    check_repr(arange(12, DType::Int64).reshape({3, 4}).transpose(),
               "array([[ 0,  4,  8],\n"
               "       [ 1,  5,  9],\n"
               "       [ 2,  6, 10],\n"
               "       [ 3,  7, 11]])");
    check_repr(arange(12, DType::Float64).reshape({3, 4}).slice(1, 0, 4, 2),
               "array([[ 0.,  2.],\n"
               "       [ 4.,  6.],\n"
               "       [ 8., 10.]])");
    check_repr(arange(10, DType::Int64).slice(0, 9, -11, -1),
               "array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])");
    check_repr(arange(10, DType::Int64).slice(0, -2, 1, -3), "array([8, 5, 2])");
    check_repr(arange(24, DType::Int64).reshape({2, 3, 4}).transpose({1, 0, 2}).slice(2, 3, 0, -2),
               "array([[[ 3,  1],\n"
               "        [15, 13]],\n"
               "\n"
               "       [[ 7,  5],\n"
               "        [19, 17]],\n"
               "\n"
               "       [[11,  9],\n"
               "        [23, 21]]])");
    check_repr(arange(3000, DType::Int64).reshape({3, 1000}).transpose(),
               "array([[   0, 1000, 2000],\n"
               "       [   1, 1001, 2001],\n"
               "       [   2, 1002, 2002],\n"
               "       ...,\n"
               "       [ 997, 1997, 2997],\n"
               "       [ 998, 1998, 2998],\n"
               "       [ 999, 1999, 2999]])");
    check_repr(Array{1.5, -2.0}.broadcast_to({2, 2}),
               "array([[ 1.5, -2. ],\n"
               "       [ 1.5, -2. ]])");
    check_repr(arange(5, DType::Int64).slice(0, 3, 3), "array([], dtype=int64)");
}
