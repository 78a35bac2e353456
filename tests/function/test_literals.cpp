// Literal arguments and defaults (C++ scalars and braced lists are weakly typed: accepted by an
// input of any dtype when their values survive the conversion, as PyTensor accepts Python
// values), typed arguments (the safe-cast rule), tj::config().floatX, and the messages of shape
// errors of contractions (dot, matmul, tensordot: "not aligned") and broadcasts (the "declare it
// as 1" hint only where a run-time 1 would have broadcast).
#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include "support/test_util.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using tj::Array;
using tj::DType;

namespace {

// Restores floatX when a test ends, however it ends.
struct FloatXGuard {
    DType saved = tj::config().floatX;
    ~FloatXGuard() { tj::config().floatX = saved; }
};

const std::vector<DType> kAllDTypes = {
    DType::Bool,   DType::Int8,   DType::Int16,  DType::Int32,   DType::Int64,   DType::UInt8,
    DType::UInt16, DType::UInt32, DType::UInt64, DType::Float32, DType::Float64,
};

// f(x) = x for a scalar input of dtype t.
tj::Function identity(DType t, int ndim = 0) {
    auto x = tj::tensor("x", t, ndim == 0 ? tj::Dims{} : tj::Dims{tj::dyn});
    return tj::function({x}, x, {.name = std::string("id_") + std::string(tj::dtype_name(t))});
}

// The value of element i of a as an exact integer (or bool).
long long int_at(const Array& a, std::int64_t i = 0) {
    const Array c = a.astype(DType::Int64).copy();
    return c.data<std::int64_t>()[i];
}

std::string refused(const std::function<void()>& call, const std::vector<std::string>& parts) {
    return tj_test::expect_error<tj::TypeError>(call, parts);
}

} // namespace

TEST_CASE("literals: braced lists make arrays of the literals' dtype", "[literals]") {
    CHECK(Array({1, 2}).dtype() == DType::Int64);
    CHECK(Array({1.0, 2.0}).dtype() == DType::Float64);
    CHECK(Array({1.0f, 2.0f}).dtype() == DType::Float32);
    CHECK(Array({{0.5f, 1.0f}, {2.0f, 3.0f}}).dtype() == DType::Float32);
    CHECK(Array({true, false}).dtype() == DType::Bool);
    CHECK(Array({1u, 2u}).dtype() == DType::Int64);
    const Array big({1ull, 18446744073709551615ull});
    CHECK(big.dtype() == DType::UInt64);
    CHECK(big.data<std::uint64_t>()[1] == std::numeric_limits<std::uint64_t>::max());
    const Array f({0.1f, 2.5f});
    CHECK(f.data<float>()[0] == 0.1f);
    CHECK(Array(1.5f).dtype() == DType::Float32);
}

TEST_CASE("literals: a C++ scalar is accepted by every dtype that holds its value", "[literals]") {
    for (DType t : kAllDTypes) {
        INFO(tj::dtype_name(t));
        auto f = identity(t);
        // 1, 0, true, 1.0 and 1.0f survive every conversion.
        for (const tj::Arg& one : {tj::Arg(1), tj::Arg(true), tj::Arg(1.0), tj::Arg(1.0f),
                                   tj::Arg(1u), tj::Arg(static_cast<std::int8_t>(1))}) {
            const Array r = f(one);
            CHECK(r.dtype() == t);
            CHECK(r.item_double() == 1.0);
        }
        CHECK(f(0).item_double() == 0.0);
        CHECK(f(false).item_double() == 0.0);
    }
}

TEST_CASE("literals: integer limits of each integer dtype", "[literals]") {
    auto check_limits = [](DType t, long long lo, long long hi) {
        INFO(tj::dtype_name(t));
        auto f = identity(t);
        CHECK(int_at(f(lo)) == lo);
        CHECK(int_at(f(hi)) == hi);
        const std::string name(tj::dtype_name(t));
        refused([&] { f(hi + 1); },
                {"input \"x\" has dtype " + name, "the value " + std::to_string(hi + 1),
                 "does not fit in " + name, "allow_input_downcast"});
        if (lo > std::numeric_limits<long long>::min())
            refused([&] { f(lo - 1); }, {"the value " + std::to_string(lo - 1)});
    };
    check_limits(DType::Int8, -128, 127);
    check_limits(DType::Int16, -32768, 32767);
    check_limits(DType::Int32, -2147483648LL, 2147483647LL);
    check_limits(DType::UInt8, 0, 255);
    check_limits(DType::UInt16, 0, 65535);
    check_limits(DType::UInt32, 0, 4294967295LL);

    auto i64 = identity(DType::Int64);
    CHECK(int_at(i64(std::numeric_limits<long long>::max())) ==
          std::numeric_limits<long long>::max());
    CHECK(int_at(i64(std::numeric_limits<long long>::min())) ==
          std::numeric_limits<long long>::min());
    refused([&] { i64(9223372036854775808ull); }, {"the value 9223372036854775808"});

    auto u64 = identity(DType::UInt64);
    const Array top = u64(18446744073709551615ull);
    CHECK(top.data<std::uint64_t>()[0] == 18446744073709551615ull);
    refused([&] { u64(-1); }, {"the value -1", "does not fit in uint64"});

    auto b = identity(DType::Bool);
    refused([&] { b(2); }, {"the value 2", "does not fit in bool"});
    refused([&] { b(-1); }, {"the value -1"});
}

TEST_CASE("literals: floats into integer, bool and float dtypes", "[literals]") {
    auto i32 = identity(DType::Int32);
    CHECK(int_at(i32(2.0)) == 2);
    CHECK(int_at(i32(-7.0f)) == -7);
    refused([&] { i32(2.5); }, {"the value 2.5", "is not an integer"});
    refused([&] { i32(std::nan("")); }, {"is not an integer"});
    refused([&] { i32(3e9); }, {"the value 3e+09", "does not fit in int32"});
    auto b = identity(DType::Bool);
    CHECK(b(1.0).item_double() == 1.0);
    refused([&] { b(0.5); }, {"the value 0.5"});

    auto f32 = identity(DType::Float32);
    CHECK(f32(0.1).data<float>()[0] == 0.1f); // rounded, as PyTensor takes Python floats
    CHECK(f32(3.4e38).data<float>()[0] == 3.4e38f);
    CHECK(std::isinf(f32(std::numeric_limits<double>::infinity()).data<float>()[0]));
    CHECK(std::isnan(f32(std::nan("")).data<float>()[0]));
    CHECK(f32(16777216).data<float>()[0] == 16777216.0f);
    refused([&] { f32(3.5e38); }, {"the value 3.5e+38", "overflows float32"});
    refused([&] { f32(16777217); },
            {"the value 16777217", "is not exactly representable in float32"});

    auto f64 = identity(DType::Float64);
    CHECK(f64(1e300).item_double() == 1e300);
    CHECK(f64(9007199254740992LL).item_double() == 9007199254740992.0);
    refused([&] { f64(9007199254740993LL); }, {"not exactly representable in float64"});

    // allow_input_downcast converts anyway (C conversion; a float saturates in an integer dtype).
    auto x = tj::iscalar("x");
    auto lossy = tj::function({x}, x, {.allow_input_downcast = true});
    CHECK(int_at(lossy(2.75)) == 2);
    CHECK(int_at(lossy(1e30)) == std::numeric_limits<std::int32_t>::max());
}

TEST_CASE("literals: braced lists into inputs of another dtype", "[literals]") {
    // The report: {1, 2} for an ivector and {1.0f, 2.0f} for an fvector.
    auto iv = identity(DType::Int32, 1);
    const Array r = iv({1, 2});
    CHECK(r.dtype() == DType::Int32);
    CHECK(int_at(r, 0) == 1);
    CHECK(int_at(r, 1) == 2);
    CHECK(int_at(iv({1.0, -2.0}), 1) == -2);
    refused(
        [&] {
            iv({1LL, 2147483648LL});
        },
        {"input \"x\" has dtype int32", "element [1] = 2147483648", "does not fit in int32"});
    refused([&] { iv({1.0, 2.5}); }, {"element [1] = 2.5", "is not an integer"});

    auto fv = identity(DType::Float32, 1);
    const Array rf = fv({1.0f, 2.0f});
    CHECK(rf.dtype() == DType::Float32);
    CHECK(rf.data<float>()[1] == 2.0f);
    const Array rd = fv({0.1, 0.2}); // doubles, rounded
    CHECK(rd.data<float>()[0] == 0.1f);
    CHECK(rd.data<float>()[1] == 0.2f);
    CHECK(fv({1, 2}).data<float>()[1] == 2.0f);
    refused([&] { fv({1.0, 1e39}); }, {"element [1] = 1e+39", "overflows float32"});

    auto i8 = identity(DType::Int8, 1);
    CHECK(int_at(i8({127, -128}), 1) == -128);
    refused([&] { i8({0, 0, 128}); }, {"element [2] = 128"});
    auto u8 = identity(DType::UInt8, 1);
    refused([&] { u8({-1}); }, {"element [0] = -1", "does not fit in uint8"});
    auto bv = identity(DType::Bool, 1);
    CHECK(int_at(bv({0, 1}), 1) == 1);
    refused([&] { bv({0, 2}); }, {"element [1] = 2"});
    auto u64 = identity(DType::UInt64, 1);
    CHECK(u64({18446744073709551615ull}).data<std::uint64_t>()[0] == 18446744073709551615ull);

    // Nested lists: the element is named by its multi-index.
    auto m = tj::imatrix("m");
    auto im = tj::function({m}, m);
    CHECK(int_at(im({{1, 2}, {3, 4}}), 3) == 4);
    refused([&] { im({{1LL, 2LL}, {3LL, 1LL << 40}}); }, {"element [1, 1] = 1099511627776"});
}

TEST_CASE("literals: typed arrays keep the safe-cast rule", "[literals]") {
    auto iv = identity(DType::Int32, 1);
    refused(
        [&] {
            iv(Array(std::vector<long>{1, 2}));
        },
        {"an array of dtype int64 cannot be cast to it safely", ".astype(tj::DType::Int32)",
         "allow_input_downcast"});
    auto lv = identity(DType::Int64, 1);
    CHECK(int_at(lv(Array(std::vector<int>{1, 2})), 1) == 2); // int32 -> int64: safe
    auto fv = identity(DType::Float32, 1);
    refused([&] { fv(Array(std::vector<double>{0.5})); },
            {"input \"x\" has dtype float32", "an array of dtype float64",
             ".astype(tj::DType::Float32)"});
    refused([&] { fv(std::vector<double>{0.5}); }, {"an array of dtype float64"});
    auto x = tj::fvector("x");
    auto lossy = tj::function({x}, x, {.allow_input_downcast = true});
    CHECK(lossy(Array(std::vector<double>{0.1})).data<float>()[0] == 0.1f);
}

TEST_CASE("literals: a refused argument changes no shared variable", "[literals]") {
    auto w = tj::shared(Array(std::vector<int>{5}), {.name = "w"});
    auto x = tj::ivector("x");
    auto f = tj::function({x}, tj::sum(x), {.updates = {{w, w + 1}}});
    CHECK(int_at(f({1, 2})) == 3);
    CHECK(int_at(w.get_value()) == 6);
    refused([&] { f({1LL, 1LL << 40}); }, {"element [1]"});
    CHECK(int_at(w.get_value()) == 6);
}

TEST_CASE("literals: In defaults are literals too", "[literals]") {
    auto lr = tj::fscalar("lr");
    auto x = tj::fscalar("x");
    auto f = tj::function({x, tj::In(lr, 0.1)}, x * lr);
    const Array r = f(2.0f);
    CHECK(r.dtype() == DType::Float32);
    CHECK(r.data<float>()[0] == 2.0f * 0.1f);
    CHECK(f(2.0f, 0.5).data<float>()[0] == 1.0f);

    auto n = tj::iscalar("n");
    auto g = tj::function({tj::In(n, 3)}, n * 2);
    CHECK(int_at(g()) == 6);
    auto h = tj::function({tj::In(n, 4.0)}, n * 2);
    CHECK(int_at(h()) == 8);
    tj_test::expect_error<tj::TypeError>(
        [&] { tj::function({tj::In(n, 1LL << 40)}, n * 2); },
        {"the default value of input \"n\", 1099511627776, does not fit in int32"});
    tj_test::expect_error<tj::TypeError>([&] { tj::function({tj::In(n, 2.5)}, n * 2); },
                                         {"2.5, is not an integer"});
    auto b = tj::bscalar("b");
    tj_test::expect_error<tj::TypeError>([&] { tj::function({tj::In(b, 300)}, b); },
                                         {"300", "does not fit in int8"});

    // Lists as defaults, and typed arrays (0-d: exact values only).
    auto v = tj::ivector("v");
    auto s = tj::function({tj::In(v, {1, 2, 3})}, tj::sum(v));
    CHECK(int_at(s()) == 6);
    tj_test::expect_error<tj::TypeError>(
        [&] {
            tj::function({tj::In(v, {1.0f, 2.5f})}, tj::sum(v));
        },
        {"has the element [1] = 2.5, which is not an integer"});
    auto half = tj::function({tj::In(lr, Array(0.5))}, lr);
    CHECK(half().data<float>()[0] == 0.5f);
    tj_test::expect_error<tj::TypeError>([&] { tj::function({tj::In(lr, Array(0.1))}, lr); },
                                         {"has dtype float64", ".astype(tj::DType::Float32)"});
}

TEST_CASE("literals: floatX sets the dtype of the constructors without one", "[literals]") {
    FloatXGuard guard;
    tj::config().floatX = DType::Float64; // the default, unless TJ_FLOATX says otherwise
    CHECK(tj::config().floatX == DType::Float64);
    CHECK(tj::scalar().dtype() == DType::Float64);
    CHECK(tj::zeros({2}).dtype() == DType::Float64);

    tj::config().floatX = DType::Float32;
    CHECK(tj::config().floatX.get() == DType::Float32);
    CHECK(tj::scalar("s").dtype() == DType::Float32);
    CHECK(tj::vector().dtype() == DType::Float32);
    CHECK(tj::matrix().dtype() == DType::Float32);
    CHECK(tj::tensor3().dtype() == DType::Float32);
    CHECK(tj::tensor4().dtype() == DType::Float32);
    CHECK(tj::zeros({2}).dtype() == DType::Float32);
    CHECK(tj::ones({2}).dtype() == DType::Float32);
    CHECK(tj::eye(3).dtype() == DType::Float32);
    // Not read by: explicit dtypes, the prefixed constructors, shared values, weak scalars.
    CHECK(tj::vector("i", DType::Int32).dtype() == DType::Int32);
    CHECK(tj::dvector().dtype() == DType::Float64);
    CHECK(tj::fvector().dtype() == DType::Float32);
    CHECK(tj::shared(0.5).dtype() == DType::Float64);
    auto x = tj::vector("x");
    CHECK((x * 0.5).dtype() == DType::Float32);
    auto f = tj::function({x}, x * 0.5);
    CHECK(f({1.0, 3.0}).data<float>()[1] == 1.5f);

    tj_test::expect_error<tj::ValueError>([] { tj::config().floatX = DType::Int32; },
                                          {"floatX must be float32 or float64, got int32"});
    CHECK(tj::config().floatX == DType::Float32);

    tj::config().floatX = DType::Float64;
    CHECK(tj::vector().dtype() == DType::Float64);
}

TEST_CASE("literals: the README's floatX and literals block runs as written", "[literals]") {
    FloatXGuard guard;
    tj::config().floatX = tj::DType::Float32; // or TJ_FLOATX=float32
    auto xs = tj::vector("xs");               // float32[?]
    auto k = tj::fscalar("k");
    auto scaled = tj::function({xs, tj::In(k, 0.1)}, xs * k); // the default is 0.1 rounded
    const Array r = scaled({1.0, 2.0});                       // float literals into float32
    auto ids = tj::ivector("ids");
    auto twice_ids = tj::function({ids}, ids * 2);
    const Array i = twice_ids({1, 2}); // int literals into int32
    tj::config().floatX = tj::DType::Float64;

    CHECK(xs.type().str() == "float32[?]");
    REQUIRE(r.dtype() == DType::Float32);
    CHECK(r.data<float>()[1] == 2.0f * 0.1f);
    REQUIRE(i.dtype() == DType::Int32);
    CHECK(i.data<std::int32_t>()[1] == 4);
}

TEST_CASE("literals: floatX sets the dtype of random floats", "[literals]") {
    FloatXGuard guard;
    // The same seeds with floatX float64 and float32: the float32 values are the float64 draws
    // rounded.
    tj::config().floatX = DType::Float64;
    tj::Generator g64(7);
    const Array n64 = g64.normal(0.0, 1.0, {5});
    const Array u64 = g64.uniform(-1.0, 1.0, {3});
    tj::RandomStream s64(11);
    auto v64 = tj::function({}, s64.normal(0.0, 1.0, {4}))();

    tj::config().floatX = DType::Float32;
    tj::Generator g32(7);
    const Array n32 = g32.normal(0.0, 1.0, {5});
    const Array u32 = g32.uniform(-1.0, 1.0, {3});
    REQUIRE(n32.dtype() == DType::Float32);
    REQUIRE(u32.dtype() == DType::Float32);
    for (int i = 0; i < 5; ++i)
        CHECK(n32.data<float>()[i] == static_cast<float>(n64.data<double>()[i]));
    for (int i = 0; i < 3; ++i)
        CHECK(u32.data<float>()[i] == static_cast<float>(u64.data<double>()[i]));
    CHECK(g32.integers(0, 10, {2}).dtype() == DType::Int64);
    tj::RandomStream s32(11);
    auto draw = s32.normal(0.0, 1.0, {4});
    CHECK(draw.dtype() == DType::Float32);
    CHECK(s32.integers(0, 5, {2}).dtype() == DType::Int64);
    const Array v32 = tj::function({}, draw)();
    REQUIRE(v32.dtype() == DType::Float32);
    for (int i = 0; i < 4; ++i)
        CHECK(v32.data<float>()[i] == static_cast<float>(v64.data<double>()[i]));
}

TEST_CASE("shape errors: contractions are 'not aligned' and name the contracted axes",
          "[literals][shape_errors]") {
    auto no_broadcast_words = [](const std::string& m) {
        CHECK_THAT(m, !Catch::Contains("broadcast"));
        CHECK_THAT(m, !Catch::Contains("declare"));
    };
    const Array z53 = Array::zeros(DType::Float64, {5, 3});
    const Array z24 = Array::zeros(DType::Float64, {2, 4});

    // Static shapes: at graph build time.
    auto a = tj::tensor("a", DType::Float64, {5, 3});
    auto b = tj::tensor("b", DType::Float64, {2, 4});
    no_broadcast_words(tj_test::expect_error<tj::ShapeError>(
        [&] { tj::dot(a, b); },
        {"dot: shapes float64[5, 3] and float64[2, 4] not aligned: 3 (dim 1) != 2 (dim 0)"}));
    auto a3 = tj::tensor("a3", DType::Float64, {2, 5, 3});
    auto b46 = tj::tensor("b46", DType::Float64, {4, 6});
    no_broadcast_words(tj_test::expect_error<tj::ShapeError>(
        [&] { tj::matmul(a3, b46); },
        {"matmul: shapes float64[2, 5, 3] and float64[4, 6] not aligned: 3 (dim 2) != 4 (dim 0)"}));
    auto t234 = tj::tensor("t", DType::Float64, {2, 3, 4});
    auto t35 = tj::tensor("u", DType::Float64, {3, 5});
    no_broadcast_words(tj_test::expect_error<tj::ShapeError>(
        [&] {
            tj::tensordot(t234, t35, {1, 2}, {0, 1});
        },
        {"tensordot: shapes float64[2, 3, 4] and float64[3, 5] not aligned: 4 (dim 2) != 5 (dim "
         "1)",
         "contracting axes [1, 2] of the first with [0, 1] of the second"}));

    // Run-time shapes: at call time, also when an extent is 1.
    auto [x, y] = tj::dmatrices("x", "y");
    auto d = tj::function({x, y}, tj::dot(x, y), {.name = "d"});
    no_broadcast_words(tj_test::expect_error<tj::ShapeError>(
        [&] { d(z53, z24); }, {"d: apply node dot", "shapes (5, 3) and (2, 4) not aligned: 3 (dim "
                                                    "1) != 2 (dim 0)"}));
    no_broadcast_words(tj_test::expect_error<tj::ShapeError>(
        [&] {
            d(Array::zeros(DType::Float64, {5, 1}), z24);
        },
        {"not aligned: 1 (dim 1) != 2"}));
    auto v = tj::dvector("v");
    auto mv = tj::function({x, v}, tj::dot(x, v));
    no_broadcast_words(tj_test::expect_error<tj::ShapeError>(
        [&] { mv(z53, Array::zeros(DType::Float64, {4})); },
        {"shapes (5, 3) and (4,) not aligned: 3 (dim 1) != 4 (dim 0)"}));
    // tj::eval (the reference implementations) says the same.
    no_broadcast_words(tj_test::expect_error<tj::ShapeError>(
        [&] {
            tj::eval(tj::dot(x, y), {{x, z53}, {y, z24}});
        },
        {"dot: shapes (5, 3) and (2, 4) not aligned: 3 (dim 1) != 2 (dim 0)"}));

    auto t = tj::dtensor3("t");
    auto mm = tj::function({t, y}, tj::matmul(t, y));
    no_broadcast_words(tj_test::expect_error<tj::ShapeError>(
        [&] {
            mm(Array::zeros(DType::Float64, {2, 5, 3}), Array::zeros(DType::Float64, {4, 6}));
        },
        {"shapes (2, 5, 3) and (4, 6) not aligned: 3 (dim 2) != 4 (dim 0)"}));
    auto t2 = tj::dtensor3("t2");
    auto bm = tj::function({t, t2}, tj::matmul(t, t2));
    const std::string batch = tj_test::expect_error<tj::ShapeError>(
        [&] {
            bm(Array::zeros(DType::Float64, {2, 5, 3}), Array::zeros(DType::Float64, {3, 3, 6}));
        },
        {"cannot broadcast their batch axes: 2 (dim 0) != 3 (dim 0)"});
    CHECK_THAT(batch, !Catch::Contains("declare"));
    // A run-time 1 on a batch axis declared dyn: the broadcast needs a static 1.
    tj_test::expect_error<tj::ShapeError>(
        [&] {
            bm(Array::zeros(DType::Float64, {1, 5, 3}), Array::zeros(DType::Float64, {3, 3, 6}));
        },
        {"1 (dim 0) != 3 (dim 0)", "declare it"});

    auto u = tj::dmatrix("u");
    auto td = tj::function({t, u}, tj::tensordot(t, u, {1, 2}, {0, 1}));
    no_broadcast_words(tj_test::expect_error<tj::ShapeError>(
        [&] {
            td(Array::zeros(DType::Float64, {2, 3, 4}), Array::zeros(DType::Float64, {3, 5}));
        },
        {"shapes (2, 3, 4) and (3, 5) not aligned: 4 (dim 2) != 5 (dim 1)"}));
}

TEST_CASE("shape errors: the 'declare it as 1' hint only where a run-time 1 would broadcast",
          "[literals][shape_errors]") {
    auto [x, y] = tj::dmatrices("x", "y");
    auto add = tj::function({x, y}, x + y);
    // (5, 1) + (5, 3): NumPy broadcasts; static broadcasting needs the 1 declared.
    tj_test::expect_error<tj::ShapeError>(
        [&] {
            add(Array::zeros(DType::Float64, {5, 1}), Array::zeros(DType::Float64, {5, 3}));
        },
        {"cannot broadcast", "declare it with tj::tensor(name, dtype, {1, tj::dyn})"});
    // (1, 3) + (2, 4): axis 1 cannot broadcast in NumPy either; a 1 elsewhere is no reason.
    const std::string m = tj_test::expect_error<tj::ShapeError>(
        [&] {
            add(Array::zeros(DType::Float64, {1, 3}), Array::zeros(DType::Float64, {2, 4}));
        },
        {"cannot broadcast"});
    CHECK_THAT(m, !Catch::Contains("declare"));

    // A join: the extents outside the joined axis, no broadcasting words.
    auto cat = tj::function({x, y}, tj::concatenate({x, y}, 1));
    const std::string j = tj_test::expect_error<tj::ShapeError>(
        [&] {
            cat(Array::zeros(DType::Float64, {2, 3}), Array::zeros(DType::Float64, {1, 3}));
        },
        {"shapes (2, 3) and (1, 3) differ outside the joined axis: 2 (dim 0) != 1 (dim 0)"});
    CHECK_THAT(j, !Catch::Contains("declare"));
    CHECK_THAT(j, !Catch::Contains("broadcast"));
}
