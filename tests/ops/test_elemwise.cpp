// Element-wise ops: JIT against the reference implementation over shapes (0-d, empty, broadcast,
// transposed and strided views) and dtypes; dtype promotion; static and run-time shape errors.
#include <catch2/catch.hpp>

#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

using tj::Array;
using tj::DType;
using tj::Var;
using tj_test::expect_error;

namespace {

struct ElemwiseRecord {
    const char* name;
    int arity;
    std::function<Var(const std::vector<Var>&)> build;
    std::vector<DType> dtypes;
    double lo, hi; // input domain
};

const std::vector<DType> kAll = {DType::Bool,   DType::Int8,    DType::Int16,  DType::Int32,
                                 DType::Int64,  DType::UInt8,   DType::UInt16, DType::UInt32,
                                 DType::UInt64, DType::Float32, DType::Float64};
const std::vector<DType> kNumeric = {DType::Int8,  DType::Int16,  DType::Int32,   DType::Int64,
                                     DType::UInt8, DType::UInt32, DType::Float32, DType::Float64};
const std::vector<DType> kSigned = {DType::Int8, DType::Int32, DType::Int64, DType::Float32,
                                    DType::Float64};
const std::vector<DType> kFloats = {DType::Float32, DType::Float64};

// One record per op: adding an op's record adds all of its differential tests.
const std::vector<ElemwiseRecord>& records() {
    static const std::vector<ElemwiseRecord> r = {
        {"add", 2, [](auto& v) { return v[0] + v[1]; }, kAll, -50, 50},
        {"sub", 2, [](auto& v) { return v[0] - v[1]; }, kNumeric, -50, 50},
        {"mul", 2, [](auto& v) { return v[0] * v[1]; }, kAll, -10, 10},
        {"true_div", 2, [](auto& v) { return v[0] / v[1]; }, kFloats, 0.5, 4},
        {"pow", 2, [](auto& v) { return tj::pow(v[0], v[1]); }, kFloats, 0.5, 2},
        {"pow_int",
         2,
         [](auto& v) { return tj::pow(v[0], v[1]); },
         {DType::Int32, DType::Int64},
         0,
         6},
        {"neg", 1, [](auto& v) { return -v[0]; }, kSigned, -50, 50},
        {"abs", 1, [](auto& v) { return tj::abs(v[0]); }, kSigned, -50, 50},
        {"exp", 1, [](auto& v) { return tj::exp(v[0]); }, kFloats, -10, 10},
        {"log", 1, [](auto& v) { return tj::log(v[0]); }, kFloats, 0.01, 100},
        {"tanh", 1, [](auto& v) { return tj::tanh(v[0]); }, kFloats, -5, 5},
        {"lt", 2, [](auto& v) { return v[0] < v[1]; }, kNumeric, -3, 3},
        {"gt", 2, [](auto& v) { return v[0] > v[1]; }, kNumeric, -3, 3},
        {"le", 2, [](auto& v) { return v[0] <= v[1]; }, kNumeric, -3, 3},
        {"ge", 2, [](auto& v) { return v[0] >= v[1]; }, kNumeric, -3, 3},
        {"cast_f64", 1, [](auto& v) { return tj::cast(v[0], DType::Float64); }, kAll, -100, 100},
        {"cast_i8", 1, [](auto& v) { return tj::cast(v[0], DType::Int8); }, kNumeric, -100, 100},
        {"cast_bool", 1, [](auto& v) { return tj::cast(v[0], DType::Bool); }, kAll, -2, 2},
        {"logistic", 1, [](auto& v) { return 1 / (1 + tj::exp(-v[0])); }, kFloats, -8, 8},
        {"chain", 2, [](auto& v) { return tj::tanh(v[0] * 0.5) * v[1] + tj::exp(-tj::abs(v[1])); },
         kFloats, -3, 3},
    };
    return r;
}

double rtol_for(DType t) { return t == DType::Float32 ? 2e-6 : t == DType::Float64 ? 1e-13 : 0; }

// The input cases: for each operand, a shape and how the array is laid out.
enum class Layout { Contiguous, Transposed, Strided };
struct Operand {
    tj::Dims shape;
    Layout layout = Layout::Contiguous;
};
struct Case {
    const char* name;
    std::vector<Operand> operands; // one per arity position (unary uses the first)
};

const std::vector<Case> kCases = {
    {"0-d", {{{}}, {{}}}},
    {"vector", {{{7}}, {{7}}}},
    {"empty axis", {{{0, 3}}, {{0, 3}}}},
    {"matrix", {{{3, 5}}, {{3, 5}}}},
    {"broadcast (3,1)x(1,4)", {{{3, 1}}, {{1, 4}}}},
    {"broadcast row", {{{3, 4}}, {{1, 4}}}},
    {"broadcast 0-d", {{{3, 4}}, {{1, 1}}}},
    {"transposed", {{{4, 3}, Layout::Transposed}, {{4, 3}, Layout::Transposed}}},
    {"strided", {{{3, 4}, Layout::Strided}, {{3, 4}, Layout::Contiguous}}},
    {"mixed", {{{3, 4}, Layout::Transposed}, {{3, 4}, Layout::Strided}}},
    {"rank 3", {{{2, 3, 4}}, {{3, 1}}}},
};

Array make_operand(std::mt19937_64& rng, DType t, const Operand& op, double lo, double hi) {
    switch (op.layout) {
    case Layout::Contiguous:
        return tj_test::random_array(rng, t, op.shape, lo, hi);
    case Layout::Transposed: {
        tj::Dims rev;
        for (int i = op.shape.size() - 1; i >= 0; --i) rev.push_back(op.shape[i]);
        return tj_test::random_array(rng, t, rev, lo, hi).transpose();
    }
    case Layout::Strided: {
        tj::Dims wide = op.shape;
        wide[wide.size() - 1] *= 2;
        return tj_test::random_array(rng, t, wide, lo, hi).slice(-1, 0, wide[wide.size() - 1], 2);
    }
    }
    return {};
}

} // namespace

TEST_CASE("element-wise ops: JIT matches the reference", "[op][elemwise]") {
    std::mt19937_64 rng(1234);
    for (const auto& rec : records()) {
        for (DType t : rec.dtypes) {
            for (const auto& c : kCases) {
                if (rec.arity == 1 && c.operands[0].shape.size() != c.operands[1].shape.size() &&
                    std::string(c.name).rfind("broadcast", 0) == 0)
                    continue;
                // Skip bool for ops where the domain is numeric.
                std::vector<Var> vars;
                std::vector<Array> values;
                for (int i = 0; i < rec.arity; ++i) {
                    const Operand& op = c.operands[i];
                    tj::Dims dyn_shape;
                    for (int d = 0; d < op.shape.size(); ++d)
                        dyn_shape.push_back(op.shape[d] == 1 ? 1 : tj::dyn);
                    vars.push_back(tj::tensor("x" + std::to_string(i), t, dyn_shape));
                    values.push_back(make_operand(rng, t, op, rec.lo, rec.hi));
                }
                Var out = rec.build(vars);
                std::vector<tj::In> ins(vars.begin(), vars.end());
                // With the rewrites and without: both must agree with the reference.
                auto f = tj::function(ins, out);
                auto f_off = tj::function(ins, out, {.rewrites = false});
                std::vector<tj::Arg> args(values.begin(), values.end());
                Array got = f(std::span<const tj::Arg>(args));
                std::vector<std::pair<Var, Array>> bind;
                for (int i = 0; i < rec.arity; ++i) bind.push_back({vars[i], values[i]});
                Array want = tj::eval(out, bind);
                INFO(rec.name << " " << tj::dtype_name(t) << " " << c.name);
                INFO("got " << got << "\nwant " << want);
                REQUIRE(got.dtype() == want.dtype());
                REQUIRE(got.shape() == want.shape());
                REQUIRE(got.dtype() == out.dtype());
                Array got_off = f_off(std::span<const tj::Arg>(args));
                if (tj::is_float(got.dtype())) {
                    CHECK(tj::allclose(got, want, rtol_for(got.dtype()), 1e-300, true));
                    CHECK(tj::allclose(got_off, want, rtol_for(got.dtype()), 1e-300, true));
                } else {
                    CHECK(got.equals(want));
                    CHECK(got_off.equals(want));
                }
            }
        }
    }
}

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

TEST_CASE("op type errors name the op and the input", "[op][elemwise][errors]") {
    auto b = tj::tensor("flags", DType::Bool, {tj::dyn});
    expect_error<tj::TypeError>([&] { (void)(b - b); }, {"sub", "input 1/2", "bool"});
    CHECK_THROWS_AS(-b, tj::TypeError);
    CHECK_THROWS_AS(tj::Var() + 1, tj::ValueError);
}
