// Element-wise shapes: static shapes propagate, bad static shapes fail at build time, bad run-time
// shapes raise a ShapeError naming the op, the function's own input names and both shapes.
#include <catch2/catch.hpp>

#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <string>
#include <vector>

using tj::Array;
using tj::DType;
using tj_test::expect_error;

TEST_CASE("static shapes propagate and bad static shapes fail at build time",
          "[op][elemwise][shapes]") {
    auto a = tj::tensor("a", DType::Float64, {3, tj::dyn});
    auto b = tj::tensor("b", DType::Float64, {tj::dyn, 4});
    auto c = a + b;
    CHECK(c.type().shape == tj::Dims{3, 4});
    auto d = tj::tensor("d", DType::Float64, {1, 5});
    CHECK((a * d).type().shape == tj::Dims{3, 5});
    auto e = tj::tensor("e", DType::Float64, {4, 5});
    expect_error<tj::ShapeError>([&] { (void)(a + e); }, {"add", "float64[3, ?]", "float64[4, 5]"});
}

TEST_CASE("incompatible shapes at call time raise a ShapeError naming the op and both shapes",
          "[op][elemwise][shapes]") {
    auto [x, y] = tj::dmatrices("x", "y");
    auto f = tj::function({x, y}, tj::exp(x) + y);
    expect_error<tj::ShapeError>(
        [&] {
            f(Array::zeros(DType::Float64, {2, 3}), Array::zeros(DType::Float64, {4, 3}));
        },
        {"add(exp(x), y)", "(2, 3)", "(4, 3)"});
    // The function still works afterwards.
    CHECK(f(Array::zeros(DType::Float64, {2, 3}), Array::zeros(DType::Float64, {2, 3})).shape() ==
          tj::Dims{2, 3});
}

TEST_CASE("a kernel shared through the cache reports each function's own names",
          "[op][elemwise][shapes]") {
    auto [p, q] = tj::dmatrices("p", "q");
    auto [a, b] = tj::dmatrices("a", "b");
    auto f1 = tj::function({p, q}, tj::exp(p) + q);
    auto f2 = tj::function({a, b}, tj::exp(a) + b); // same graph: the same kernel
    REQUIRE(f1.cache_key() == f2.cache_key());
    expect_error<tj::ShapeError>(
        [&] {
            f2(Array::zeros(DType::Float64, {2, 3}), Array::zeros(DType::Float64, {4, 3}));
        },
        {"add(exp(a), b)"});
}
