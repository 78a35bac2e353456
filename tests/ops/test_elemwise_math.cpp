// Element-wise math ops (compiler/ops/elemwise_math.cpp). One record per op drives four suites,
// registered per op so that `tj_test_ops "[sqrt]"` runs one op:
//   1. dtype rule: result dtypes against NumPy's (tables below), bad builds;
//   2. reference edge cases: hand-checked values (0, -0, +-inf, NaN, domain boundaries) through
//      tj::eval, and the same values through the JIT;
//   3. JIT vs reference on random inputs over shapes (0-d, vector, empty axis, matrix, static-1
//      broadcasting, transposed and strided views) x every supported dtype;
//   4. gradients: verify_grad at random points of the domain, order 1 and order 2.
#include <catch2/catch.hpp>

#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

using tj::Array;
using tj::DType;
using tj::Var;

namespace {

constexpr DType B = DType::Bool, I8 = DType::Int8, I16 = DType::Int16, I32 = DType::Int32,
                I64 = DType::Int64, U8 = DType::UInt8, U16 = DType::UInt16, U32 = DType::UInt32,
                U64 = DType::UInt64, F32 = DType::Float32, F64 = DType::Float64;
// A dtype-table entry meaning "TypeError".
constexpr DType Err = static_cast<DType>(255);
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<DType> kAll = {B, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64};
const std::vector<DType> kNoBool = {I8, I16, I32, I64, U8, U16, U32, U64, F32, F64};
const std::vector<DType> kIntBool = {B, I8, I16, I32, I64, U8, U16, U32, U64};

using Build = std::function<Var(const std::vector<Var>&)>;

struct MathRecord {
    const char* name; // op name, or "op (variant)": the tag is the op name
    int arity;
    Build build;
    std::vector<DType> dtypes; // input dtypes of the JIT tests
    double lo, hi;             // input domain of the random values
    double tol;                // multiplies the per-dtype relative tolerance of the JIT test
    bool grad;                 // verify_grad, order 1
    bool grad2;                // verify_grad of the gradient, order 2
};

// One record per op: adding a record adds all of its tests.
const std::vector<MathRecord>& records() {
    static const std::vector<MathRecord> r = {
        {"sign", 1, [](auto& v) { return tj::sign(v[0]); }, kNoBool, -5, 5, 1, true, false},
        {"sqr", 1, [](auto& v) { return tj::sqr(v[0]); }, kAll, -10, 10, 1, true, true},
        {"sqrt", 1, [](auto& v) { return tj::sqrt(v[0]); }, kAll, 0.01, 50, 1, true, true},
        {"reciprocal", 1, [](auto& v) { return tj::reciprocal(v[0]); }, kAll, 0.2, 5, 1, true,
         true},
        {"maximum", 2, [](auto& v) { return tj::maximum(v[0], v[1]); }, kAll, -5, 5, 1, true, true},
        {"minimum", 2, [](auto& v) { return tj::minimum(v[0], v[1]); }, kAll, -5, 5, 1, true, true},
        {"maximum (weak scalar)", 1, [](auto& v) { return tj::maximum(v[0], 0.5); }, kAll, -3, 3, 1,
         true, false},
        {"clip", 3, [](auto& v) { return tj::clip(v[0], v[1], v[2]); }, kAll, -3, 3, 1, true, true},
        {"clip (weak bounds)", 1, [](auto& v) { return tj::clip(v[0], -1, 2); }, kAll, -3, 3, 1,
         true, true},
        {"exp2", 1, [](auto& v) { return tj::exp2(v[0]); }, kAll, -5, 5, 1, true, true},
        {"expm1", 1, [](auto& v) { return tj::expm1(v[0]); }, kAll, -3, 3, 1, true, true},
        {"log2", 1, [](auto& v) { return tj::log2(v[0]); }, kAll, 0.05, 20, 1, true, true},
        {"log10", 1, [](auto& v) { return tj::log10(v[0]); }, kAll, 0.05, 20, 1, true, true},
        {"sin", 1, [](auto& v) { return tj::sin(v[0]); }, kAll, -4, 4, 1, true, true},
        {"cos", 1, [](auto& v) { return tj::cos(v[0]); }, kAll, -4, 4, 1, true, true},
        {"tan", 1, [](auto& v) { return tj::tan(v[0]); }, kAll, -1.3, 1.3, 1, true, true},
        {"arcsin", 1, [](auto& v) { return tj::arcsin(v[0]); }, kAll, -0.95, 0.95, 1, true, true},
        {"arccos", 1, [](auto& v) { return tj::arccos(v[0]); }, kAll, -0.95, 0.95, 1, true, true},
        {"arctan", 1, [](auto& v) { return tj::arctan(v[0]); }, kAll, -5, 5, 1, true, true},
        {"arctan2", 2, [](auto& v) { return tj::arctan2(v[0], v[1]); }, kAll, -3, 3, 1, true, true},
        {"sinh", 1, [](auto& v) { return tj::sinh(v[0]); }, kAll, -3, 3, 1, true, true},
        {"cosh", 1, [](auto& v) { return tj::cosh(v[0]); }, kAll, -3, 3, 1, true, true},
        {"arcsinh", 1, [](auto& v) { return tj::arcsinh(v[0]); }, kAll, -5, 5, 1, true, true},
        {"arccosh", 1, [](auto& v) { return tj::arccosh(v[0]); }, kAll, 1.1, 10, 1, true, true},
        {"arctanh", 1, [](auto& v) { return tj::arctanh(v[0]); }, kAll, -0.95, 0.95, 1, true, true},
        {"erf", 1, [](auto& v) { return tj::erf(v[0]); }, kAll, -3, 3, 1, true, true},
        {"erfc", 1, [](auto& v) { return tj::erfc(v[0]); }, kAll, -3, 3, 1, true, true},
        {"erfinv", 1, [](auto& v) { return tj::erfinv(v[0]); }, kAll, -0.95, 0.95, 1, true, true},
        {"gammaln", 1, [](auto& v) { return tj::gammaln(v[0]); }, kAll, 0.2, 6, 1, true, true},
        {"floor", 1, [](auto& v) { return tj::floor(v[0]); }, kAll, -5, 5, 1, true, false},
        {"ceil", 1, [](auto& v) { return tj::ceil(v[0]); }, kAll, -5, 5, 1, true, false},
        {"round", 1, [](auto& v) { return tj::round(v[0]); }, kAll, -5, 5, 1, true, false},
        {"trunc", 1, [](auto& v) { return tj::trunc(v[0]); }, kAll, -5, 5, 1, true, false},
        {"isnan", 1, [](auto& v) { return tj::isnan(v[0]); }, kAll, -5, 5, 1, false, false},
        {"isinf", 1, [](auto& v) { return tj::isinf(v[0]); }, kAll, -5, 5, 1, false, false},
        {"floor_div", 2, [](auto& v) { return tj::floor_div(v[0], v[1]); }, kAll, -6, 6, 1, true,
         false},
        {"mod", 2, [](auto& v) { return v[0] % v[1]; }, kAll, -6, 6, 1, true, true},
        {"eq", 2, [](auto& v) { return tj::eq(v[0], v[1]); }, kAll, -3, 3, 1, false, false},
        {"neq", 2, [](auto& v) { return tj::neq(v[0], v[1]); }, kAll, -3, 3, 1, false, false},
        {"and", 2, [](auto& v) { return v[0] & v[1]; }, kIntBool, -50, 50, 1, false, false},
        {"or", 2, [](auto& v) { return v[0] | v[1]; }, kIntBool, -50, 50, 1, false, false},
        {"xor", 2, [](auto& v) { return v[0] ^ v[1]; }, kIntBool, -50, 50, 1, false, false},
        {"invert", 1, [](auto& v) { return ~v[0]; }, kIntBool, -50, 50, 1, false, false},
        {"where", 3, [](auto& v) { return tj::where(v[0] > 0, v[1], v[2]); }, kAll, -3, 3, 1, true,
         true},
        // The condition as given: cast to bool (nonzero is true).
        {"where (cond cast)", 3, [](auto& v) { return tj::where(v[0], v[1], v[2]); }, kAll, -2, 2,
         1, false, false},
    };
    return r;
}

std::string dname(DType t) { return t == Err ? "TypeError" : std::string(tj::dtype_name(t)); }

// ---- 1. dtype rules: NumPy's result dtypes (numpy 1.24 / scipy.special for erf, erfc, erfinv,
// gammaln), float16 read as float32 (tensorjit has no float16) ---------------------------------

// Unary ops: the result for each input dtype of kAll, in order.
const std::map<std::string, std::array<DType, 11>>& unary_types() {
    static const std::map<std::string, std::array<DType, 11>> t = {
        {"sign", {Err, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64}},
        {"sqr", {I8, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64}},
        {"sqrt", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"reciprocal", {I8, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64}},
        {"exp2", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"expm1", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"log2", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"log10", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"sin", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"cos", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"tan", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"arcsin", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"arccos", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"arctan", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"sinh", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"cosh", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"arcsinh", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"arccosh", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"arctanh", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"erf", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"erfc", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"erfinv", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"gammaln", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"floor", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"ceil", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"round", {F32, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64}},
        {"trunc", {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64}},
        {"isnan", {B, B, B, B, B, B, B, B, B, B, B}},
        {"isinf", {B, B, B, B, B, B, B, B, B, B, B}},
        {"invert", {B, I8, I16, I32, I64, U8, U16, U32, U64, Err, Err}},
    };
    return t;
}

// Binary ops: the result for each pair of kPairs, in order.
const std::vector<std::array<DType, 2>> kPairs = {{B, B},     {B, I8},    {I8, U8},   {I32, I64},
                                                  {U64, I64}, {I64, F32}, {I16, F32}, {U8, U8},
                                                  {I8, I16},  {F32, F64}, {U32, I32}, {U16, U64}};
const std::map<std::string, std::array<DType, 12>>& binary_types() {
    static const std::map<std::string, std::array<DType, 12>> t = {
        {"maximum", {B, I8, I16, I64, F64, F64, F32, U8, I16, F64, I64, U64}},
        {"minimum", {B, I8, I16, I64, F64, F64, F32, U8, I16, F64, I64, U64}},
        {"arctan2", {F32, F32, F32, F64, F64, F64, F32, F32, F32, F64, F64, F64}},
        {"floor_div", {I8, I8, I16, I64, F64, F64, F32, U8, I16, F64, I64, U64}},
        {"mod", {I8, I8, I16, I64, F64, F64, F32, U8, I16, F64, I64, U64}},
        {"eq", {B, B, B, B, B, B, B, B, B, B, B, B}},
        {"neq", {B, B, B, B, B, B, B, B, B, B, B, B}},
        {"and", {B, I8, I16, I64, Err, Err, Err, U8, I16, Err, I64, U64}},
        {"or", {B, I8, I16, I64, Err, Err, Err, U8, I16, Err, I64, U64}},
        {"xor", {B, I8, I16, I64, Err, Err, Err, U8, I16, Err, I64, U64}},
    };
    return t;
}

// Ternary ops: np.clip(x, lo, hi) and np.where(c, a, b).
struct TernaryType {
    const char* op;
    std::array<DType, 3> in;
    DType out;
};
const std::vector<TernaryType> kTernaryTypes = {
    {"clip", {F32, F32, F32}, F32},
    {"clip", {I32, I64, I8}, I64},
    {"clip", {U8, I8, I8}, I16},
    {"clip", {B, B, B}, B},
    {"clip", {I16, F32, F32}, F32},
    {"clip", {F32, I32, I32}, F64},
    {"clip", {U64, I64, I64}, F64},
    {"clip", {F64, I8, B}, F64},
    {"where (cond cast)", {B, F32, F64}, F64},
    {"where (cond cast)", {F32, I32, I32}, I32},
    {"where (cond cast)", {I8, I8, U8}, I16},
    {"where (cond cast)", {B, B, B}, B},
    {"where (cond cast)", {B, U64, I64}, F64},
    {"where (cond cast)", {I64, B, I32}, I32},
    {"where (cond cast)", {U8, F32, I16}, F32},
};

// The dtype rows of a record: (input dtypes, expected result).
std::vector<std::pair<std::vector<DType>, DType>> type_rows(const std::string& name) {
    std::vector<std::pair<std::vector<DType>, DType>> rows;
    if (auto it = unary_types().find(name); it != unary_types().end())
        for (std::size_t i = 0; i < kAll.size(); ++i) rows.push_back({{kAll[i]}, it->second[i]});
    if (auto it = binary_types().find(name); it != binary_types().end())
        for (std::size_t i = 0; i < kPairs.size(); ++i)
            rows.push_back({{kPairs[i][0], kPairs[i][1]}, it->second[i]});
    for (const auto& t : kTernaryTypes)
        if (name == t.op) rows.push_back({{t.in[0], t.in[1], t.in[2]}, t.out});
    return rows;
}

void test_types(const MathRecord& rec) {
    for (const auto& [in, want] : type_rows(rec.name)) {
        std::vector<Var> vars;
        std::string sig;
        for (std::size_t i = 0; i < in.size(); ++i) {
            vars.push_back(tj::tensor("x" + std::to_string(i), in[i], {tj::dyn}));
            sig += (i ? ", " : "") + dname(in[i]);
        }
        INFO(rec.name << "(" << sig << ") should give " << dname(want));
        if (want == Err) {
            CHECK_THROWS_AS(rec.build(vars), tj::TypeError);
            continue;
        }
        Var out = rec.build(vars);
        CHECK(dname(out.dtype()) == dname(want));
        CHECK(out.type().shape == tj::Dims{tj::dyn});
    }
    // Static shapes propagate; known extents that cannot broadcast are a ShapeError naming the op.
    if (rec.arity >= 2) {
        std::vector<Var> ok, bad;
        for (int i = 0; i < rec.arity; ++i) {
            ok.push_back(tj::tensor("s" + std::to_string(i), rec.dtypes.back(),
                                    i == 0 ? tj::Dims{3, 1} : tj::Dims{1, tj::dyn}));
            bad.push_back(tj::tensor("b" + std::to_string(i), rec.dtypes.back(),
                                     i == 0 ? tj::Dims{3} : tj::Dims{4}));
        }
        CHECK(rec.build(ok).type().shape == tj::Dims{3, tj::dyn});
        std::string tag = rec.name;
        tag = tag.substr(0, tag.find(' '));
        tj_test::expect_error<tj::ShapeError>([&] { (void)rec.build(bad); },
                                              {tag + ":", "cannot broadcast"});
    }
}

// ---- 2. reference edge cases, hand-checked (NumPy/SciPy/C99 Annex F agree unless noted) -------

struct EdgeRow {
    const char* op; // record name
    DType dtype;    // of every input
    std::vector<double> in;
    double want; // a zero's sign is checked; NaN matches NaN
};

const std::vector<EdgeRow>& edge_rows() {
    static const std::vector<EdgeRow> r = {
        // sign: -0 gives +0, NaN stays NaN (NumPy)
        {"sign", F64, {0.0}, 0.0},
        {"sign", F64, {-0.0}, 0.0},
        {"sign", F64, {-3}, -1},
        {"sign", F64, {kInf}, 1},
        {"sign", F64, {-kInf}, -1},
        {"sign", F64, {kNaN}, kNaN},
        {"sign", I8, {-128}, -1},
        {"sign", I8, {0.0}, 0.0},
        {"sign", U8, {200}, 1},
        // sqr: integers wrap
        {"sqr", F64, {-3}, 9},
        {"sqr", F64, {kInf}, kInf},
        {"sqr", F64, {kNaN}, kNaN},
        {"sqr", I8, {16}, 0.0},
        {"sqr", I8, {-12}, -112},
        {"sqr", I8, {-128}, 0.0},
        {"sqr", I32, {46341}, -2147479015},
        {"sqr", B, {1}, 1},
        {"sqrt", F64, {-1}, kNaN},
        {"sqrt", F64, {0.0}, 0.0},
        {"sqrt", F64, {-0.0}, -0.0},
        {"sqrt", F64, {kInf}, kInf},
        {"sqrt", F64, {4}, 2},
        {"sqrt", F64, {kNaN}, kNaN},
        {"sqrt", I32, {9}, 3},
        // reciprocal: integer division; 1 / 0 is 0 for integers (NumPy: undefined)
        {"reciprocal", F64, {0.0}, kInf},
        {"reciprocal", F64, {-0.0}, -kInf},
        {"reciprocal", F64, {4}, 0.25},
        {"reciprocal", F64, {kInf}, 0.0},
        {"reciprocal", I32, {2}, 0.0},
        {"reciprocal", I32, {-1}, -1},
        {"reciprocal", I32, {1}, 1},
        {"reciprocal", I32, {0.0}, 0.0},
        // maximum/minimum: NaN wins; equal values give the first (-0 vs 0: NumPy's SIMD loops
        // differ there)
        {"maximum", F64, {kNaN, 1}, kNaN},
        {"maximum", F64, {1, kNaN}, kNaN},
        {"maximum", F64, {-0.0, 0.0}, -0.0},
        {"maximum", F64, {0.0, -0.0}, 0.0},
        {"maximum", F64, {-kInf, -1e+308}, -1e+308},
        {"maximum", I8, {-5, 3}, 3},
        {"maximum", U8, {200, 100}, 200},
        {"maximum", B, {1, 0.0}, 1},
        {"minimum", F64, {kNaN, 1}, kNaN},
        {"minimum", F64, {1, kNaN}, kNaN},
        {"minimum", F64, {-0.0, 0.0}, -0.0},
        {"minimum", F64, {0.0, -0.0}, 0.0},
        {"minimum", F64, {kInf, 1e+308}, 1e+308},
        {"minimum", I8, {-5, 3}, -5},
        {"minimum", U8, {200, 100}, 100},
        // clip = minimum(maximum(x, lo), hi): hi wins where lo > hi; NaN in any input propagates
        {"clip", F64, {5, 0.0, 1}, 1},
        {"clip", F64, {-1, 0.0, 1}, 0.0},
        {"clip", F64, {kNaN, 0.0, 1}, kNaN},
        {"clip", F64, {0.5, 0.0, 1}, 0.5},
        {"clip", F64, {0.5, 3, 1}, 1},
        {"clip", F64, {0.5, kNaN, 1}, kNaN},
        {"clip", F64, {-kInf, 0.0, 1}, 0.0},
        {"clip", I32, {-7, -5, 5}, -5},
        {"clip", I32, {9, -5, 5}, 5},
        {"exp2", F64, {-kInf}, 0.0},
        {"exp2", F64, {10}, 1024},
        {"exp2", F64, {-1}, 0.5},
        {"exp2", F64, {kInf}, kInf},
        {"exp2", F64, {-0.0}, 1},
        {"expm1", F64, {-0.0}, -0.0},
        {"expm1", F64, {kInf}, kInf},
        {"expm1", F64, {-kInf}, -1},
        {"expm1", F64, {0.0}, 0.0},
        {"log2", F64, {0.0}, -kInf},
        {"log2", F64, {-0.0}, -kInf},
        {"log2", F64, {-1}, kNaN},
        {"log2", F64, {8}, 3},
        {"log2", F64, {kInf}, kInf},
        {"log10", F64, {0.0}, -kInf},
        {"log10", F64, {1000}, 3},
        {"log10", F64, {-2}, kNaN},
        {"log10", F64, {kInf}, kInf},
        {"sin", F64, {0.0}, 0.0},
        {"sin", F64, {-0.0}, -0.0},
        {"sin", F64, {kInf}, kNaN},
        {"sin", F64, {kNaN}, kNaN},
        {"cos", F64, {0.0}, 1},
        {"cos", F64, {kInf}, kNaN},
        {"cos", F64, {-kInf}, kNaN},
        {"tan", F64, {-0.0}, -0.0},
        {"tan", F64, {0.0}, 0.0},
        {"tan", F64, {kInf}, kNaN},
        {"arcsin", F64, {1}, 1.5707963267948966},
        {"arcsin", F64, {-1}, -1.5707963267948966},
        {"arcsin", F64, {2}, kNaN},
        {"arcsin", F64, {-0.0}, -0.0},
        {"arccos", F64, {1}, 0.0},
        {"arccos", F64, {-1}, 3.141592653589793},
        {"arccos", F64, {1.5}, kNaN},
        {"arccos", F64, {0.0}, 1.5707963267948966},
        {"arctan", F64, {kInf}, 1.5707963267948966},
        {"arctan", F64, {-kInf}, -1.5707963267948966},
        {"arctan", F64, {-0.0}, -0.0},
        // arctan2(y, x): the sign of a zero y picks +-pi on the negative x axis
        {"arctan2", F64, {0.0, -1}, 3.141592653589793},
        {"arctan2", F64, {-0.0, -1}, -3.141592653589793},
        {"arctan2", F64, {0.0, 0.0}, 0.0},
        {"arctan2", F64, {-0.0, 0.0}, -0.0},
        {"arctan2", F64, {1, 0.0}, 1.5707963267948966},
        {"arctan2", F64, {kInf, kInf}, 0.7853981633974483},
        {"arctan2", F64, {-1, -kInf}, -3.141592653589793},
        {"arctan2", F64, {kNaN, 1}, kNaN},
        {"sinh", F64, {-0.0}, -0.0},
        {"sinh", F64, {kInf}, kInf},
        {"sinh", F64, {-kInf}, -kInf},
        {"cosh", F64, {0.0}, 1},
        {"cosh", F64, {-kInf}, kInf},
        {"cosh", F64, {kNaN}, kNaN},
        {"arcsinh", F64, {-kInf}, -kInf},
        {"arcsinh", F64, {-0.0}, -0.0},
        {"arcsinh", F64, {kInf}, kInf},
        {"arccosh", F64, {1}, 0.0},
        {"arccosh", F64, {0.5}, kNaN},
        {"arccosh", F64, {kInf}, kInf},
        {"arctanh", F64, {1}, kInf},
        {"arctanh", F64, {-1}, -kInf},
        {"arctanh", F64, {2}, kNaN},
        {"arctanh", F64, {-0.0}, -0.0},
        {"erf", F64, {kInf}, 1},
        {"erf", F64, {-kInf}, -1},
        {"erf", F64, {-0.0}, -0.0},
        {"erf", F64, {kNaN}, kNaN},
        {"erfc", F64, {-kInf}, 2},
        {"erfc", F64, {kInf}, 0.0},
        {"erfc", F64, {0.0}, 1},
        // erfinv: odd (-0 gives -0 where SciPy gives +0), +-inf at +-1, NaN outside [-1, 1]
        {"erfinv", F64, {1}, kInf},
        {"erfinv", F64, {-1}, -kInf},
        {"erfinv", F64, {0.0}, 0.0},
        {"erfinv", F64, {-0.0}, -0.0},
        {"erfinv", F64, {1.5}, kNaN},
        {"erfinv", F64, {-1.5}, kNaN},
        {"erfinv", F64, {kNaN}, kNaN},
        {"erfinv", F64, {0.5}, 0.4769362762044699},
        {"erfinv", F64, {-0.999}, -2.3267537655135246},
        {"erfinv", F64, {1e-300}, 8.862269254527580e-301},
        {"erfinv", F64, {0.99999999999999989}, 5.863584748755169},
        {"erfinv", F32, {1}, kInf},
        {"erfinv", F32, {-1}, -kInf},
        {"erfinv", F32, {0.0}, 0.0},
        {"erfinv", F32, {2}, kNaN},
        {"erfinv", F32, {0.5}, 0.47693628},
        // gammaln = log |Gamma(x)|: inf at the poles
        {"gammaln", F64, {1}, 0.0},
        {"gammaln", F64, {2}, 0.0},
        {"gammaln", F64, {0.0}, kInf},
        {"gammaln", F64, {-1}, kInf},
        {"gammaln", F64, {-2}, kInf},
        {"gammaln", F64, {kInf}, kInf},
        {"gammaln", F64, {0.5}, 0.5723649429247001},
        {"gammaln", F64, {-0.5}, 1.2655121234846454},
        {"floor", F64, {-0.5}, -1},
        {"floor", F64, {-0.0}, -0.0},
        {"floor", F64, {2.7}, 2},
        {"floor", F64, {-kInf}, -kInf},
        {"floor", F64, {kNaN}, kNaN},
        {"floor", I32, {-3}, -3},
        {"ceil", F64, {-0.5}, -0.0},
        {"ceil", F64, {2.1}, 3},
        {"ceil", F64, {-0.0}, -0.0},
        {"ceil", F64, {kInf}, kInf},
        {"trunc", F64, {-2.7}, -2},
        {"trunc", F64, {-0.3}, -0.0},
        {"trunc", F64, {2.7}, 2},
        {"trunc", F64, {-kInf}, -kInf},
        // round: half to even, the sign of zero kept
        {"round", F64, {0.5}, 0.0},
        {"round", F64, {1.5}, 2},
        {"round", F64, {2.5}, 2},
        {"round", F64, {-0.5}, -0.0},
        {"round", F64, {-1.5}, -2},
        {"round", F64, {-2.5}, -2},
        {"round", F64, {-0.4}, -0.0},
        {"round", F64, {3.5}, 4},
        {"round", F64, {0.49999999999999994}, 0.0},
        {"round", F64, {4503599627370497.0}, 4503599627370497.0},
        {"round", F64, {kInf}, kInf},
        {"round", F64, {-kInf}, -kInf},
        {"round", F64, {kNaN}, kNaN},
        {"round", F64, {-0.0}, -0.0},
        {"round", F32, {0.5}, 0.0},
        {"round", F32, {1.5}, 2},
        {"round", F32, {-0.5}, -0.0},
        {"round", F32, {2.5}, 2},
        {"round", I32, {7}, 7},
        {"round", I32, {-7}, -7},
        {"round", B, {1}, 1},
        {"isnan", F64, {kNaN}, 1},
        {"isnan", F64, {kInf}, 0.0},
        {"isnan", F64, {0.0}, 0.0},
        {"isnan", I32, {5}, 0.0},
        {"isinf", F64, {-kInf}, 1},
        {"isinf", F64, {kInf}, 1},
        {"isinf", F64, {kNaN}, 0.0},
        {"isinf", F64, {1e+308}, 0.0},
        // floor_div: toward -inf; integers by 0 give 0, MIN // -1 wraps (NumPy); floats as Python
        {"floor_div", I32, {-7, 2}, -4},
        {"floor_div", I32, {7, -2}, -4},
        {"floor_div", I32, {-7, -2}, 3},
        {"floor_div", I32, {7, 2}, 3},
        {"floor_div", I32, {7, 0.0}, 0.0},
        {"floor_div", I32, {0.0, 0.0}, 0.0},
        {"floor_div", I32, {-1, 3}, -1},
        {"floor_div", I8, {-128, -1}, -128},
        {"floor_div", I8, {-128, 1}, -128},
        {"floor_div", U8, {7, 0.0}, 0.0},
        {"floor_div", U8, {200, 3}, 66},
        {"floor_div", I64, {-9223372036854775808.0, -1}, -9223372036854775808.0},
        {"floor_div", F64, {-7, 2}, -4},
        {"floor_div", F64, {7, -2}, -4},
        {"floor_div", F64, {1, 0.1}, 9},
        {"floor_div", F64, {1, 0.0}, kInf},
        {"floor_div", F64, {-1, 0.0}, -kInf},
        {"floor_div", F64, {0.0, 0.0}, kNaN},
        {"floor_div", F64, {-1, kInf}, -1},
        {"floor_div", F64, {1, kInf}, 0.0},
        {"floor_div", F64, {kInf, 1}, kNaN},
        {"floor_div", F64, {-0.0, 1}, -0.0},
        {"floor_div", F64, {0.0, -1}, -0.0},
        {"floor_div", F64, {kNaN, 1}, kNaN},
        {"floor_div", B, {1, 1}, 1},
        {"floor_div", B, {1, 0.0}, 0.0},
        // mod: the sign of the divisor; integers modulo 0 give 0; floats: NaN for b = 0 or a = inf
        {"mod", I32, {-7, 2}, 1},
        {"mod", I32, {7, -2}, -1},
        {"mod", I32, {-7, -2}, -1},
        {"mod", I32, {7, 2}, 1},
        {"mod", I32, {7, 0.0}, 0.0},
        {"mod", I32, {-1, 3}, 2},
        {"mod", I8, {-128, -1}, 0.0},
        {"mod", U8, {7, 0.0}, 0.0},
        {"mod", U8, {200, 3}, 2},
        {"mod", I64, {-9223372036854775808.0, -1}, 0.0},
        {"mod", F64, {-7, 2}, 1},
        {"mod", F64, {7, -2}, -1},
        {"mod", F64, {1, 0.1}, 0.09999999999999995},
        {"mod", F64, {-1, kInf}, kInf},
        {"mod", F64, {1, kInf}, 1},
        {"mod", F64, {5, 0.0}, kNaN},
        {"mod", F64, {kInf, 3}, kNaN},
        {"mod", F64, {-0.0, 5}, 0.0},
        {"mod", F64, {0.0, -5}, -0.0},
        {"mod", F64, {6, 3}, 0.0},
        {"mod", F64, {-6, 3}, 0.0},
        {"eq", F64, {kNaN, kNaN}, 0.0},
        {"eq", F64, {-0.0, 0.0}, 1},
        {"eq", F64, {1, 2}, 0.0},
        {"eq", I8, {3, 3}, 1},
        {"neq", F64, {kNaN, kNaN}, 1},
        {"neq", F64, {-0.0, 0.0}, 0.0},
        {"neq", F64, {1, 2}, 1},
        {"and", B, {1, 0.0}, 0.0},
        {"and", B, {1, 1}, 1},
        {"and", I8, {12, 10}, 8},
        {"and", I8, {-1, 5}, 5},
        {"and", U8, {255, 15}, 15},
        {"or", B, {1, 0.0}, 1},
        {"or", B, {0.0, 0.0}, 0.0},
        {"or", I8, {12, 10}, 14},
        {"or", U16, {256, 1}, 257},
        {"xor", B, {1, 1}, 0.0},
        {"xor", B, {1, 0.0}, 1},
        {"xor", I8, {12, 10}, 6},
        {"xor", I64, {-1, 0.0}, -1},
        {"invert", B, {1}, 0.0},
        {"invert", B, {0.0}, 1},
        {"invert", I8, {0.0}, -1},
        {"invert", I8, {5}, -6},
        {"invert", I8, {-128}, 127},
        {"invert", U8, {0.0}, 255},
        {"invert", U8, {15}, 240},
        {"invert", I64, {-1}, 0.0},
        // where: a float condition is true where nonzero (NaN included)
        {"where (cond cast)", F64, {1, 1, 2}, 1},
        {"where (cond cast)", F64, {0.0, 1, 2}, 2},
        {"where (cond cast)", F64, {kNaN, 1, 2}, 1},
        {"where (cond cast)", F64, {-0.0, 1, 2}, 2},
        {"where (cond cast)", B, {1, 0.0, 1}, 0.0},
        {"where (cond cast)", I32, {0.0, 5, -5}, -5},
        {"where (cond cast)", I32, {3, 5, -5}, 5},
    };
    return r;
}

// got matches want: NaN for NaN, a zero of the same sign, else within rtol.
bool matches(double got, double want, double rtol) {
    if (std::isnan(want)) return std::isnan(got);
    if (want == 0) return got == 0 && std::signbit(got) == std::signbit(want);
    if (std::isinf(want)) return got == want;
    return std::abs(got - want) <= rtol * std::abs(want);
}

// Relative tolerance of an edge value: a few ulp (erfinv's expected values come from SciPy).
double edge_rtol(DType t) { return t == F32 ? 4e-7 : t == F64 ? 1e-15 : 0; }

void test_edges(const MathRecord& rec) {
    // Grouped by dtype, the rows also run through the JIT as one vector each.
    std::map<DType, std::vector<const EdgeRow*>> by_dtype;
    for (const auto& row : edge_rows())
        if (std::string(row.op) == rec.name) by_dtype[row.dtype].push_back(&row);
    for (const auto& [dtype, rows] : by_dtype) {
        std::vector<Var> vars;
        for (int i = 0; i < rec.arity; ++i)
            vars.push_back(tj::tensor("x" + std::to_string(i), dtype, {tj::dyn}));
        Var out = rec.build(vars);
        std::vector<std::vector<double>> columns(rec.arity);
        for (const EdgeRow* row : rows) {
            REQUIRE(static_cast<int>(row->in.size()) == rec.arity);
            std::vector<std::pair<Var, Array>> bind;
            std::vector<Var> scalars;
            for (int i = 0; i < rec.arity; ++i) {
                scalars.push_back(tj::tensor("s" + std::to_string(i), dtype, {}));
                bind.push_back({scalars[i], Array::full(dtype, {}, row->in[i])});
                columns[i].push_back(row->in[i]);
            }
            Array got = tj::eval(rec.build(scalars), bind);
            INFO("reference " << rec.name << "(" << tj::dtype_name(dtype) << " " << Array(row->in)
                              << ") = " << got << ", want " << row->want);
            CHECK(matches(got.item_double(), row->want, edge_rtol(got.dtype())));
        }
        std::vector<tj::In> ins(vars.begin(), vars.end());
        std::vector<tj::Arg> args;
        for (const auto& c : columns) args.push_back(Array(c).astype(dtype));
        Array got = tj::function(ins, out)(std::span<const tj::Arg>(args));
        REQUIRE(got.size() == static_cast<std::int64_t>(rows.size()));
        for (std::size_t k = 0; k < rows.size(); ++k) {
            INFO("JIT " << rec.name << "(" << tj::dtype_name(dtype) << " " << Array(rows[k]->in)
                        << ") = " << got.flat(k) << ", want " << rows[k]->want);
            CHECK(matches(got.flat(k), rows[k]->want, edge_rtol(got.dtype())));
        }
    }
}

// ---- 3. JIT vs reference over shapes and dtypes -----------------------------------------------

enum class Layout { Contiguous, Transposed, Strided };
struct Operand {
    tj::Dims shape;
    Layout layout = Layout::Contiguous;
};
struct Case {
    const char* name;
    std::array<Operand, 3> operands; // one per arity position
    bool unary;                      // also run for unary ops (operand 0 is distinct)
};
constexpr Layout T = Layout::Transposed, S = Layout::Strided;
const std::vector<Case> kCases = {
    {"0-d", {{{{}}, {{}}, {{}}}}, true},
    {"vector", {{{{7}}, {{7}}, {{7}}}}, true},
    {"empty axis", {{{{0, 3}}, {{0, 3}}, {{1, 3}}}}, true},
    {"matrix", {{{{3, 5}}, {{3, 5}}, {{3, 5}}}}, true},
    {"broadcast (3,1)x(1,4)", {{{{3, 1}}, {{1, 4}}, {{3, 4}}}}, true},
    {"broadcast 0-d", {{{{3, 4}}, {{}}, {{1, 1}}}}, false},
    {"transposed", {{{{4, 3}, T}, {{4, 3}, T}, {{4, 3}, T}}}, true},
    {"strided", {{{{3, 4}, S}, {{3, 4}}, {{1, 4}, S}}}, true},
    {"mixed", {{{{3, 4}, T}, {{3, 4}, S}, {{3, 4}}}}, false},
    {"rank 3", {{{{2, 3, 4}}, {{3, 1}}, {{4}}}}, true},
};

Array random_operand(std::mt19937_64& rng, DType t, const Operand& op, double lo, double hi) {
    // Integer dtypes draw from [floor(lo), ceil(hi)).
    if (!tj::is_float(t)) {
        lo = std::floor(lo);
        hi = std::ceil(hi);
    }
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

double rtol_for(DType t) { return t == F32 ? 2e-6 : t == F64 ? 1e-13 : 0; }

void test_jit(const MathRecord& rec) {
    std::mt19937_64 rng(1234);
    for (DType t : rec.dtypes) {
        for (const auto& c : kCases) {
            if (rec.arity == 1 && !c.unary) continue;
            std::vector<Var> vars;
            std::vector<Array> values;
            for (int i = 0; i < rec.arity; ++i) {
                const Operand& op = c.operands[i];
                // Static extents of 1 broadcast (PyTensor); the others are dynamic.
                tj::Dims type_shape;
                for (auto d : op.shape) type_shape.push_back(d == 1 ? 1 : tj::dyn);
                vars.push_back(tj::tensor("x" + std::to_string(i), t, type_shape));
                values.push_back(random_operand(rng, t, op, rec.lo, rec.hi));
            }
            Var out = rec.build(vars);
            std::vector<tj::In> ins(vars.begin(), vars.end());
            std::vector<tj::Arg> args(values.begin(), values.end());
            Array got = tj::function(ins, out)(std::span<const tj::Arg>(args));
            std::vector<std::pair<Var, Array>> bind;
            for (int i = 0; i < rec.arity; ++i) bind.push_back({vars[i], values[i]});
            Array want = tj::eval(out, bind);
            INFO(rec.name << " " << tj::dtype_name(t) << " " << c.name);
            INFO("got " << got << "\nwant " << want);
            REQUIRE(got.dtype() == want.dtype());
            REQUIRE(got.dtype() == out.dtype());
            REQUIRE(got.shape() == want.shape());
            if (tj::is_float(got.dtype()))
                CHECK(tj::allclose(got, want, rec.tol * rtol_for(got.dtype()), 1e-300, true));
            else
                CHECK(got.equals(want));
        }
    }
}

// ---- 4. gradients -------------------------------------------------------------------------------

// Point shapes: a matrix for unary ops, static-1 broadcasting for the others (sum_to).
std::vector<tj::Dims> grad_shapes(int arity) {
    if (arity == 1) return {{2, 3}};
    if (arity == 2) return {{2, 1}, {1, 3}};
    return {{2, 3}, {1, 3}, {2, 1}};
}

void test_grad(const MathRecord& rec) {
    std::mt19937_64 rng(99);
    for (int trial = 0; trial < 2; ++trial) {
        std::vector<Array> point;
        for (const auto& shape : grad_shapes(rec.arity))
            point.push_back(tj_test::random_array(rng, F64, shape, rec.lo, rec.hi));
        INFO(rec.name << " at " << point);
        CHECK_NOTHROW(tj::verify_grad(rec.build, point));
        if (!rec.grad2) continue;
        // Order 2: the gradient with respect to each input is itself checked.
        for (int k = 0; k < rec.arity; ++k) {
            INFO("second order, through the gradient of input " << k + 1);
            CHECK_NOTHROW(tj::verify_grad(
                [&](const std::vector<Var>& v) {
                    return tj::grad(tj::sum(rec.build(v)), v[k], {.allow_disconnected = true});
                },
                point));
        }
    }
}

// ---- registration: the suites of every record, tagged [op][elemwise][<op>] ---------------------

class RecordTest : public Catch::ITestInvoker {
  public:
    RecordTest(void (*fn)(const MathRecord&), std::size_t index) : fn_(fn), index_(index) {}
    void invoke() const override { fn_(records()[index_]); }

  private:
    void (*fn_)(const MathRecord&);
    std::size_t index_;
};

void add_test(std::size_t index, void (*fn)(const MathRecord&), const std::string& what,
              const std::string& extra_tags = "") {
    const std::string label = records()[index].name;
    const std::string tags =
        "[op][elemwise][" + label.substr(0, label.find(' ')) + "]" + extra_tags;
    const std::string name = label + ": " + what;
    Catch::AutoReg(new RecordTest(fn, index), CATCH_INTERNAL_LINEINFO, Catch::StringRef(),
                   Catch::NameAndTags(name, tags));
}

[[maybe_unused]] const bool kRegistered = [] {
    for (std::size_t i = 0; i < records().size(); ++i) {
        const MathRecord& rec = records()[i];
        if (!type_rows(rec.name).empty() || rec.arity >= 2)
            add_test(i, test_types, "dtype rule (NumPy) and static shapes", "[types]");
        bool has_edges = false;
        for (const auto& row : edge_rows()) has_edges |= std::string(row.op) == rec.name;
        if (has_edges) add_test(i, test_edges, "reference and JIT at edge values", "[edge]");
        add_test(i, test_jit, "JIT matches the reference over shapes and dtypes", "[jit]");
        if (rec.grad) add_test(i, test_grad, "verify_grad at random points", "[grad]");
    }
    return true;
}();

} // namespace

// ---- hand-written cases -----------------------------------------------------------------------

TEST_CASE("bitwise ops refuse floats, naming the op and the input", "[op][elemwise][invert][and]"
                                                                    "[xor][sign][errors]") {
    auto x = tj::dvector("x");
    auto i = tj::ivector("i");
    CHECK_THAT(
        tj_test::expect_error<tj::TypeError>([&] { return ~x; }),
        Catch::Equals("invert: input 1/1 has dtype float64, expected bool or an integer dtype"));
    CHECK_THAT(
        tj_test::expect_error<tj::TypeError>([&] { return tj::and_(i, tj::fvector("f")); }),
        Catch::Equals("and: input 2/2 has dtype float32, expected bool or an integer dtype"));
    CHECK_THAT(tj_test::expect_error<tj::TypeError>([&] { return i | 1.5; }),
               Catch::Equals("or: input 2/2 has dtype float64, expected bool or an integer dtype"));
    // uint64 with int64 promotes to float64, as in NumPy.
    CHECK_THAT(tj_test::expect_error<tj::TypeError>(
                   [&] { return tj::xor_(tj::vector("u", U64), tj::lvector("l")); }),
               Catch::Equals("xor: inputs of dtypes uint64 and int64 promote to float64, expected "
                             "bool or an integer dtype"));
    CHECK_THAT(
        tj_test::expect_error<tj::TypeError>([&] { return tj::sign(tj::vector("flags", B)); }),
        Catch::Contains("sign: input 1/1 has dtype bool"));
    CHECK_THROWS_AS(tj::sqrt(Var()), tj::ValueError);
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

TEST_CASE("maximum, minimum and clip send the gradient of ties to x", "[op][elemwise][maximum]"
                                                                      "[minimum][clip][grad]") {
    auto [x, y] = tj::dvectors("x", "y");
    auto f = tj::function({x, y}, std::vector<Var>{tj::grad(tj::sum(tj::maximum(x, y)), x),
                                                   tj::grad(tj::sum(tj::maximum(x, y)), y),
                                                   tj::grad(tj::sum(tj::minimum(x, y)), x)});
    auto r = f(Array{1.0, 2.0, 3.0}, Array{1.0, 0.0, 5.0});
    CHECK(r[0].equals(Array{1.0, 1.0, 0.0}));
    CHECK(r[1].equals(Array{0.0, 0.0, 1.0}));
    CHECK(r[2].equals(Array{1.0, 0.0, 1.0}));
    // clip: x inside [lo, hi] (bounds included), lo below, hi above or where lo > hi.
    auto [v, lo, hi] = tj::dvectors("v", "lo", "hi");
    auto cost = tj::sum(tj::clip(v, lo, hi));
    auto g = tj::function(
        {v, lo, hi}, std::vector<Var>{tj::grad(cost, v), tj::grad(cost, lo), tj::grad(cost, hi)});
    auto gc = g(Array{0.0, 1.0, -1.0, 2.0, 0.5}, Array{0.0, 0.0, 0.0, 0.0, 3.0},
                Array{1.0, 1.0, 1.0, 1.0, 1.0});
    CHECK(gc[0].equals(Array{1.0, 1.0, 0.0, 0.0, 0.0}));
    CHECK(gc[1].equals(Array{0.0, 0.0, 1.0, 0.0, 0.0}));
    CHECK(gc[2].equals(Array{0.0, 0.0, 0.0, 1.0, 1.0}));
}

TEST_CASE("piecewise-constant ops have a zero gradient, not a disconnected one",
          "[op][elemwise][floor][ceil][round][trunc][sign][floor_div][grad]") {
    auto x = tj::dvector("x");
    for (auto op : {tj::floor, tj::ceil, tj::round, tj::trunc, tj::sign}) {
        Var g = tj::grad(tj::sum(op(x) * x), x); // d(x op(x)) = op(x)
        auto f = tj::function({x}, std::vector<Var>{g, op(x)});
        auto r = f(Array{-1.5, 0.3, 2.5});
        CHECK(r[0].equals(r[1]));
        CHECK_NOTHROW(tj::grad(tj::sum(op(x)), x));
    }
    auto y = tj::dvector("y");
    auto gy = tj::function({x, y}, tj::grad(tj::sum(tj::floor_div(x, y)), y));
    CHECK(gy(Array{1.0, 5.0}, Array{0.3, 2.0}).equals(Array{0.0, 0.0}));
}

TEST_CASE("gradients at special points", "[op][elemwise][gammaln][erfinv][mod][where][grad]") {
    auto x = tj::dvector("x");
    // d/dx gammaln = digamma: -gamma at 1, -gamma - 2 ln 2 at 1/2, through the reflection at
    // -1/2, and 1 - gamma at 2; then trigamma(1) = pi^2 / 6 as the second derivative.
    auto d = tj::function({x}, tj::grad(tj::sum(tj::gammaln(x)), x));
    Array got = d(Array{1.0, 0.5, -0.5, 2.0, 10.0});
    const std::vector<double> want = {-0.5772156649015329, -1.9635100260214235, 0.03648997397857652,
                                      0.42278433509846713, 2.251752589066721};
    for (std::size_t i = 0; i < want.size(); ++i)
        CHECK(got.flat(i) == Approx(want[i]).epsilon(1e-11));
    auto d2 = tj::function({x}, tj::grad(tj::sum(tj::grad(tj::sum(tj::gammaln(x)), x)), x));
    CHECK(d2(Array{1.0}).flat(0) == Approx(1.6449340668482264).epsilon(1e-9));
    tj::verify_grad([](const std::vector<Var>& v) { return tj::gammaln(v[0]); },
                    {Array{-0.7, -1.5, -2.3, 0.05}});
    // d/dx erfinv at 0 = sqrt(pi) / 2.
    auto e = tj::function({x}, tj::grad(tj::sum(tj::erfinv(x)), x));
    CHECK(e(Array{0.0}).flat(0) == Approx(0.886226925452758).epsilon(1e-14));
    tj::verify_grad([](const std::vector<Var>& v) { return tj::erfinv(v[0]); },
                    {Array{-0.999, 0.9999, 1e-8}}, {.rel_tol = 1e-4});
    // d(a % b)/db = -floor(a / b), negative divisors included.
    tj::verify_grad([](const std::vector<Var>& v) { return v[0] % v[1]; },
                    {Array{7.3, -7.3, 7.3, -2.5}, Array{2.0, 2.0, -2.0, -0.7}});
    // where: each branch gets the gradient where it is chosen.
    auto w = tj::function({x}, tj::grad(tj::sum(tj::where(x > 0, x * x, -x)), x));
    CHECK(w(Array{0.0, 3.0, -1.0}).equals(Array{-1.0, 6.0, -1.0}));
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
