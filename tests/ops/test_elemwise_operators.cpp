// Element-wise operators and aliases (&, |, ^, ~, %, switch_, astype) build the same ops as the
// named functions.
#include <catch2/catch.hpp>

#include "ops/elemwise_table.hpp"

#include <tensorjit/tensorjit.hpp>

#include <string>
#include <vector>

using tj::Array;
using tj::Var;
using namespace tj_test::elemwise; // the dtype shorthands

TEST_CASE("operators, aliases and astype build the same ops", "[op][elemwise][where][mod][and]") {
    auto [a, b] = tj::lvectors("a", "b");
    auto c = tj::vector("c", B);
    CHECK(tj::to_string(a & b) == tj::to_string(tj::and_(a, b)));
    CHECK(tj::to_string(a | b) == tj::to_string(tj::or_(a, b)));
    CHECK(tj::to_string(a ^ b) == tj::to_string(tj::xor_(a, b)));
    CHECK(tj::to_string(~a) == tj::to_string(tj::invert(a)));
    CHECK(tj::to_string(a % b) == tj::to_string(tj::mod(a, b)));
    CHECK(tj::to_string(tj::switch_(c, a, b)) == tj::to_string(tj::where(c, a, b)));
    CHECK(a.astype(F32).dtype() == F32);
    CHECK(a.astype(I64).node() == a.node());
    auto f = tj::function({a, b}, tj::floor_div(a, b) * b + a % b);
    Array x = Array(std::vector<long long>{-7, 7, -7, 7, 5, -9});
    Array y = Array(std::vector<long long>{2, -2, -2, 2, 3, 4});
    // Python's identity a == (a // b) * b + a % b.
    CHECK(f(x, y).equals(x));
}
