// Element-wise dtype rules beyond the table's per-op rows (elemwise_table.cpp): promotion across
// ops, weak C++ scalars, float math on integers and float32, and the TypeErrors of bad dtypes.
#include <catch2/catch.hpp>

#include "ops/elemwise_table.hpp"
#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <cmath>
#include <string>
#include <vector>

using tj::Array;
using tj::Var;
using tj_test::expect_error;
using namespace tj_test::elemwise; // the dtype shorthands

TEST_CASE("dtype promotion follows NumPy, with weak C++ scalars", "[op][elemwise][types]") {
    auto i32 = tj::ivector("a");
    auto i64 = tj::lvector("b");
    auto f32 = tj::fvector("c");
    auto f64 = tj::dvector("d");
    auto b = tj::bvector("e");
    CHECK((i32 + i64).dtype() == DType::Int64);
    CHECK((i64 + f32).dtype() == DType::Float64);
    CHECK((i32 / i32).dtype() == DType::Float64);
    CHECK((f32 / i32).dtype() == DType::Float64);
    CHECK((b * b).dtype() == DType::Int8);
    CHECK((f32 * 2).dtype() == DType::Float32);
    CHECK((f32 * 0.1).dtype() == DType::Float32);
    CHECK((i32 * 2).dtype() == DType::Int32);
    CHECK((i32 * 0.5).dtype() == DType::Float64);
    CHECK((f64 > 0.5).dtype() == DType::Bool);
    CHECK(tj::exp(i32).dtype() == DType::Float64);
    CHECK(tj::exp(tj::bvector("s")).dtype() == DType::Float32);
    CHECK((tj::cast(b, DType::Bool) + true).dtype() == DType::Bool);
}

TEST_CASE("weak C++ scalars take the dtype of the tensors they meet", "[op][elemwise][types]") {
    auto f32 = tj::fvector("f");
    auto i32 = tj::ivector("i");
    auto u8 = tj::vector("u", U8);
    auto flags = tj::vector("b", B);
    CHECK(tj::clip(f32, 0, 1).dtype() == F32);
    CHECK(tj::clip(i32, 0, 10).dtype() == I32);
    CHECK(tj::clip(i32, 0.5, 2).dtype() == F64);
    CHECK(tj::maximum(f32, 0.5).dtype() == F32);
    CHECK(tj::where(flags, f32, 0).dtype() == F32);
    CHECK(tj::where(flags, 1, 2.5).dtype() == F64);
    CHECK(tj::where(flags, tj::vector("s", I16), 1).dtype() == I16);
    CHECK(tj::floor_div(i32, 2).dtype() == I32);
    CHECK((u8 % 2).dtype() == U8);
    CHECK((f32 % 2).dtype() == F32);
    CHECK((flags & 1).dtype() == I64);
    CHECK((flags & true).dtype() == B);
    CHECK(tj::arctan2(f32, 2).dtype() == F32);
    CHECK(tj::isnan(i32).dtype() == B);
    CHECK(tj::round(i32).dtype() == I32);
    CHECK(tj::sqrt(tj::bvector("b8")).dtype() == F32);
}

TEST_CASE("float32 math stays in float32, integers compute in float", "[op][elemwise][jit]") {
    auto f = tj::fvector("f");
    auto i = tj::vector("i", I16);
    auto fn = tj::function({f, i}, std::vector<Var>{tj::erfinv(f), tj::gammaln(i), tj::sqrt(i)});
    auto r = fn(Array(std::vector<float>{0.5f, -0.25f}), Array::full(I16, {2}, 4));
    CHECK(r[0].dtype() == F32);
    CHECK(r[0].flat(0) == Approx(0.4769362762044699).epsilon(1e-6));
    CHECK(r[1].dtype() == F32);
    CHECK(r[1].flat(0) == Approx(std::log(6.0)).epsilon(1e-6));
    CHECK(r[2].equals(Array(std::vector<float>{2.0f, 2.0f})));
}

TEST_CASE("op type errors name the op and the input", "[op][elemwise][errors]") {
    auto b = tj::tensor("flags", DType::Bool, {tj::dyn});
    expect_error<tj::TypeError>([&] { (void)(b - b); }, {"sub", "input 1/2", "bool"});
    CHECK_THROWS_AS(-b, tj::TypeError);
    CHECK_THROWS_AS(tj::Var() + 1, tj::ValueError);
}

TEST_CASE("bitwise ops refuse floats, naming the op and the input", "[op][elemwise][invert][and]"
                                                                    "[xor][sign][errors]") {
    auto x = tj::dvector("x");
    auto i = tj::ivector("i");
    CHECK_THAT(
        expect_error<tj::TypeError>([&] { return ~x; }),
        Catch::Equals("invert: input 1/1 has dtype float64, expected bool or an integer dtype"));
    CHECK_THAT(
        expect_error<tj::TypeError>([&] { return tj::and_(i, tj::fvector("f")); }),
        Catch::Equals("and: input 2/2 has dtype float32, expected bool or an integer dtype"));
    CHECK_THAT(expect_error<tj::TypeError>([&] { return i | 1.5; }),
               Catch::Equals("or: input 2/2 has dtype float64, expected bool or an integer dtype"));
    // uint64 with int64 promotes to float64, as in NumPy.
    CHECK_THAT(expect_error<tj::TypeError>(
                   [&] { return tj::xor_(tj::vector("u", U64), tj::lvector("l")); }),
               Catch::Equals("xor: inputs of dtypes uint64 and int64 promote to float64, expected "
                             "bool or an integer dtype"));
    CHECK_THAT(expect_error<tj::TypeError>([&] { return tj::sign(tj::vector("flags", B)); }),
               Catch::Contains("sign: input 1/1 has dtype bool"));
    CHECK_THROWS_AS(tj::sqrt(Var()), tj::ValueError);
}
