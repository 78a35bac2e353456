// The element-wise op table: one record per op of the library (a row of
// compiler/include/tensorjit/elementwise_ops.def, or cast), plus "op (variant)" records (weak
// scalars, broadcast gradient shapes). Every suite of test_elemwise_table.cpp runs on every
// record, as tests named "<record>: <suite>" and tagged [op][elemwise][<op>], so
// `tj_test_ops "[sqrt]"` runs one op. A record holds (ElemwiseRecord in elemwise_table.hpp):
//   name, arity, build   the op on `arity` inputs; the tag is the name up to the first space;
//   dtypes, lo, hi       the JIT suite: the input dtypes, and the domain of the random inputs;
//   types                the dtype suite: NumPy's result dtypes (numpy 1.24 / scipy.special,
//                        float16 read as float32: tensorjit has no float16), Err for a TypeError;
//                        over_all() for unary ops (one per dtype of kAll), over_pairs() for binary
//                        ops (one per pair of kPairs), or explicit rows; the shorthands below
//                        name the common rows;
//   grad                 the gradient suite: order 1 (verify_grad) or 2 (and the gradient of the
//                        gradient with respect to each input), point shapes and domain;
//   tol                  a factor on the JIT suite's relative tolerance (default 1);
//   without_rewrites     the JIT suite also runs without the graph rewrites (arithmetic that the
//                        rewrites turn into other ops; it doubles the compiles);
//   edges                the edge suite: hand-checked values (0, -0, +-inf, NaN, domain
//                        boundaries, integer wrap-around) through tj::eval and through the JIT;
//                        the sign of a zero result is checked.
// An empty field skips its suite; designated initializers go in this order. Adding an op is one
// record here, e.g. NumPy's hypot:
//   {.name = "hypot", .arity = 2, .build = [](auto& v) { return tj::hypot(v[0], v[1]); },
//    .dtypes = kAll, .lo = -5, .hi = 5, .types = float_pairs, .grad = {.order = 2},
//    .edges = {{F64, {3, 4}, 5}, {F64, {-0.0, 0.0}, 0.0}, {F64, {kInf, kNaN}, kInf}}},
// (logaddexp alike: float_pairs, edges such as {F64, {-kInf, -kInf}, -kInf}). Hand-written tests
// of the element-wise ops live beside this file, one concept each: test_elemwise_dtypes.cpp
// (promotion, weak scalars, type errors), test_elemwise_shapes.cpp (shape errors, names),
// test_elemwise_operators.cpp (operators and aliases), test_elemwise_grad.cpp (gradients at
// special points).
#include "ops/elemwise_table.hpp"

namespace tj_test::elemwise {

std::vector<TypeRow> over_all(const std::array<DType, 11>& out) {
    std::vector<TypeRow> rows;
    for (std::size_t i = 0; i < kAll.size(); ++i) rows.push_back({{kAll[i]}, out[i]});
    return rows;
}

std::vector<TypeRow> over_pairs(const std::array<DType, 12>& out) {
    std::vector<TypeRow> rows;
    for (std::size_t i = 0; i < kPairs.size(); ++i)
        rows.push_back({{kPairs[i][0], kPairs[i][1]}, out[i]});
    return rows;
}

const std::vector<ElemwiseRecord>& elemwise_records() {
    // The common dtype rows. NumPy's float functions: float32 up to 16-bit inputs, else float64.
    static const auto float_math =
        over_all({F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F64});
    static const auto same_all = over_all({B, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64});
    static const auto bool_all = over_all({B, B, B, B, B, B, B, B, B, B, B});
    // NumPy's promotion of the pairs (uint64 with a signed integer gives float64).
    static const auto promote_pairs =
        over_pairs({B, I8, I16, I64, F64, F64, F32, U8, I16, F64, I64, U64});
    // Binary float functions (arctan2, hypot, logaddexp): the float rule of the promotion.
    static const auto float_pairs =
        over_pairs({F32, F32, F32, F64, F64, F64, F32, F32, F32, F64, F64, F64});
    static const auto bool_pairs = over_pairs({B, B, B, B, B, B, B, B, B, B, B, B});
    // np.where(c, a, b): the values promote, the condition's dtype does not count.
    static const std::vector<TypeRow> where_rows = {
        {{B, F32, F64}, F64}, {{F32, I32, I32}, I32}, {{I8, I8, U8}, I16},  {{B, B, B}, B},
        {{B, U64, I64}, F64}, {{I64, B, I32}, I32},   {{U8, F32, I16}, F32}};
    // The records are laid out by hand, a few lines each: clang-format would give every nested
    // brace of the edge lists a line of its own.
    // clang-format off
    static const std::vector<ElemwiseRecord> table = {
    // ---- arithmetic ----
    // identity: a function output that is one of its inputs is copied (the Identity op)
    {.name = "identity", .arity = 1, .build = [](auto& v) { return v[0]; }, .dtypes = kAll,
     .lo = -50, .hi = 50, .types = same_all,
     .edges = {{F64, {-0.0}, -0.0}, {F64, {kNaN}, kNaN}, {F64, {-kInf}, -kInf}, {I8, {-128}, -128},
               {U8, {255}, 255}, {B, {1}, 1}}},
    // add: integers wrap; bool + bool stays bool (NumPy's logical or)
    {.name = "add", .arity = 2, .build = [](auto& v) { return v[0] + v[1]; }, .dtypes = kAll,
     .lo = -50, .hi = 50, .types = promote_pairs,
     .grad = {.order = 2, .shapes = {{3, 4}, {3, 4}}, .lo = -2, .hi = 2}, .without_rewrites = true,
     .edges = {{F64, {-0.0, -0.0}, -0.0}, {F64, {-0.0, 0.0}, 0.0}, {F64, {kInf, -kInf}, kNaN},
               {F64, {kInf, 1}, kInf}, {F64, {kNaN, 1}, kNaN}, {F64, {1e308, 1e308}, kInf},
               {I8, {127, 1}, -128}, {U8, {255, 1}, 0.0}, {B, {1, 1}, 1}, {B, {0.0, 0.0}, 0.0}}},
    {.name = "add (broadcast)", .arity = 2, .build = [](auto& v) { return v[0] + v[1]; },
     .grad = {.order = 2, .shapes = {{3, 4}, {1, 4}}, .lo = -2, .hi = 2}},
    // A C++ int takes the tensor's dtype (NumPy 2's weak scalars), except that bool becomes int64
    {.name = "add (weak scalar)", .arity = 1, .build = [](auto& v) { return v[0] + 1; },
     .dtypes = kAll, .lo = -50, .hi = 50,
     .types = over_all({I64, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64}),
     .edges = {{I8, {127}, -128}, {U8, {255}, 0.0}, {B, {1}, 2}, {F32, {-1}, 0.0},
               {F64, {-1}, 0.0}}},
    // sub: NumPy refuses bool - bool only
    {.name = "sub", .arity = 2, .build = [](auto& v) { return v[0] - v[1]; }, .dtypes = kNumeric,
     .lo = -50, .hi = 50,
     .types = over_pairs({Err, I8, I16, I64, F64, F64, F32, U8, I16, F64, I64, U64}),
     .grad = {.order = 2, .shapes = {{3, 4}, {4}}, .lo = -2, .hi = 2}, .without_rewrites = true,
     .edges = {{F64, {0.0, 0.0}, 0.0}, {F64, {-0.0, 0.0}, -0.0}, {F64, {0.0, -0.0}, 0.0},
               {F64, {kInf, kInf}, kNaN}, {F64, {kNaN, 1}, kNaN}, {I8, {-128, 1}, 127},
               {U8, {0.0, 1}, 255}}},
    {.name = "mul", .arity = 2, .build = [](auto& v) { return v[0] * v[1]; }, .dtypes = kAll,
     .lo = -10, .hi = 10, .types = promote_pairs,
     .grad = {.order = 2, .shapes = {{3, 4}, {3, 1}}, .lo = -2, .hi = 2}, .without_rewrites = true,
     .edges = {{F64, {-0.0, 5}, -0.0}, {F64, {0.0, -5}, -0.0}, {F64, {0.0, kInf}, kNaN},
               {F64, {-kInf, -2}, kInf}, {F64, {kNaN, 0.0}, kNaN}, {I8, {16, 16}, 0.0},
               {I8, {-128, -1}, -128}, {B, {1, 0.0}, 0.0}, {B, {1, 1}, 1}}},
    // A C++ double turns integer and bool tensors into float64 and keeps float32
    {.name = "mul (weak float)", .arity = 1, .build = [](auto& v) { return v[0] * 0.5; },
     .dtypes = kAll, .lo = -10, .hi = 10,
     .types = over_all({F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}),
     .edges = {{I32, {3}, 1.5}, {B, {1}, 0.5}, {F32, {-0.0}, -0.0}, {F64, {kInf}, kInf},
               {U8, {255}, 127.5}}},
    // true_div: integers divide in float64; x / +-0 is +-inf, 0 / 0 NaN
    {.name = "true_div", .arity = 2, .build = [](auto& v) { return v[0] / v[1]; },
     .dtypes = kFloats, .lo = 0.5, .hi = 4,
     .types = over_pairs({F64, F64, F64, F64, F64, F64, F32, F64, F64, F64, F64, F64}),
     .grad = {.order = 2, .shapes = {{5}, {5}}, .lo = 0.5, .hi = 2}, .without_rewrites = true,
     .edges = {{F64, {1, 0.0}, kInf}, {F64, {1, -0.0}, -kInf}, {F64, {-1, 0.0}, -kInf},
               {F64, {0.0, 0.0}, kNaN}, {F64, {-0.0, 5}, -0.0}, {F64, {kInf, kInf}, kNaN},
               {F64, {5, kInf}, 0.0}, {F64, {-5, kInf}, -0.0}, {I32, {7, 2}, 3.5},
               {I32, {1, 0.0}, kInf}, {I32, {0.0, 0.0}, kNaN}, {I32, {-7, 2}, -3.5}}},
    // pow: C99 pow for floats (pow(x, 0) = 1 = pow(1, y), NaN included); NumPy computes
    // bool ** bool in int8
    {.name = "pow", .arity = 2, .build = [](auto& v) { return tj::pow(v[0], v[1]); },
     .dtypes = kFloats, .lo = 0.5, .hi = 2,
     .types = over_pairs({I8, I8, I16, I64, F64, F64, F32, U8, I16, F64, I64, U64}),
     .grad = {.order = 2, .shapes = {{4}, {4}}}, .without_rewrites = true,
     .edges = {{F64, {0.0, 0.0}, 1}, {F64, {kNaN, 0.0}, 1}, {F64, {1, kNaN}, 1},
               {F64, {-8, 1.0 / 3}, kNaN}, {F64, {0.0, -1}, kInf}, {F64, {-0.0, -1}, -kInf},
               {F64, {-0.0, 3}, -0.0}, {F64, {-0.0, 2}, 0.0}, {F64, {-1, kInf}, 1},
               {F64, {2, -kInf}, 0.0}, {F64, {-2, 3}, -8}, {F64, {kInf, -1}, 0.0},
               {F64, {2, 0.5}, 1.4142135623730951}}},
    // integer powers wrap (NumPy raises for negative exponents: not checked)
    {.name = "pow (integer)", .arity = 2, .build = [](auto& v) { return tj::pow(v[0], v[1]); },
     .dtypes = {I32, I64}, .lo = 0, .hi = 6, .without_rewrites = true,
     .edges = {{I32, {2, 10}, 1024}, {I32, {2, 31}, -2147483648.0}, {I32, {3, 0.0}, 1},
               {I32, {0.0, 0.0}, 1}, {I32, {-2, 3}, -8}, {I8, {2, 7}, -128}}},
    {.name = "pow (constant exponent)", .arity = 1,
     .build = [](auto& v) { return tj::pow(v[0], 3); },
     .grad = {.order = 2, .shapes = {{4}}, .lo = -2, .hi = 2}},
    // neg: NumPy refuses bool; unsigned integers wrap
    {.name = "neg", .arity = 1, .build = [](auto& v) { return -v[0]; }, .dtypes = kSigned,
     .lo = -50, .hi = 50,
     .types = over_all({Err, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64}),
     .grad = {.order = 2, .shapes = {{4}}, .lo = -2, .hi = 2}, .without_rewrites = true,
     .edges = {{F64, {0.0}, -0.0}, {F64, {-0.0}, 0.0}, {F64, {kInf}, -kInf}, {F64, {kNaN}, kNaN},
               {F64, {-kInf}, kInf}, {F32, {0.0}, -0.0}, {I8, {-128}, -128}, {I32, {7}, -7},
               {U8, {1}, 255}}},
    // abs: abs(-0) is +0 (NumPy: fabs), MIN wraps to itself
    {.name = "abs", .arity = 1, .build = [](auto& v) { return tj::abs(v[0]); }, .dtypes = kSigned,
     .lo = -50, .hi = 50, .types = same_all,
     .grad = {.order = 2, .shapes = {{6}}, .lo = 0.2, .hi = 2}, .without_rewrites = true,
     .edges = {{F64, {-0.0}, 0.0}, {F64, {0.0}, 0.0}, {F64, {-kInf}, kInf}, {F64, {kNaN}, kNaN},
               {F64, {-2.5}, 2.5}, {F32, {-0.0}, 0.0}, {I8, {-128}, -128}, {I8, {-5}, 5},
               {I32, {0.0}, 0.0}}},
    {.name = "exp", .arity = 1, .build = [](auto& v) { return tj::exp(v[0]); }, .dtypes = kFloats,
     .lo = -10, .hi = 10, .types = float_math,
     .grad = {.order = 2, .shapes = {{2, 3}}, .lo = -2, .hi = 2}, .without_rewrites = true,
     .edges = {{F64, {-kInf}, 0.0}, {F64, {kInf}, kInf}, {F64, {kNaN}, kNaN}, {F64, {0.0}, 1},
               {F64, {-0.0}, 1}, {F64, {710}, kInf}, {F64, {-746}, 0.0}, {F32, {89}, kInf},
               {I32, {0.0}, 1}}},
    {.name = "log", .arity = 1, .build = [](auto& v) { return tj::log(v[0]); }, .dtypes = kFloats,
     .lo = 0.01, .hi = 100, .types = float_math,
     .grad = {.order = 2, .shapes = {{2, 3}}, .lo = 0.2, .hi = 3}, .without_rewrites = true,
     .edges = {{F64, {0.0}, -kInf}, {F64, {-0.0}, -kInf}, {F64, {-1}, kNaN}, {F64, {1}, 0.0},
               {F64, {kInf}, kInf}, {F64, {kNaN}, kNaN}, {F64, {-kInf}, kNaN},
               {F32, {0.0}, -kInf}}},
    {.name = "log1p", .arity = 1, .build = [](auto& v) { return tj::log1p(v[0]); },
     .dtypes = kAll, .lo = -0.5, .hi = 3, .types = float_math,
     .grad = {.order = 2, .shapes = {{5}}},
     .edges = {{F64, {-1}, -kInf}, {F64, {-0.0}, -0.0}, {F64, {0.0}, 0.0}, {F64, {-2}, kNaN},
               {F64, {kInf}, kInf}, {F64, {kNaN}, kNaN}, {F64, {1e-300}, 1e-300}}},
    {.name = "tanh", .arity = 1, .build = [](auto& v) { return tj::tanh(v[0]); }, .dtypes = kFloats,
     .lo = -5, .hi = 5, .types = float_math,
     .grad = {.order = 2, .shapes = {{5}}, .lo = -2, .hi = 2}, .without_rewrites = true,
     .edges = {{F64, {-0.0}, -0.0}, {F64, {0.0}, 0.0}, {F64, {kInf}, 1}, {F64, {-kInf}, -1},
               {F64, {kNaN}, kNaN}, {F64, {30}, 1}, {F32, {-0.0}, -0.0}}},
    // sigmoid: SciPy's expit (its dtypes too), no overflow for large |x|
    {.name = "sigmoid", .arity = 1, .build = [](auto& v) { return tj::sigmoid(v[0]); },
     .dtypes = kAll, .lo = -8, .hi = 8, .types = float_math,
     .grad = {.order = 2, .shapes = {{5}}, .lo = -4, .hi = 4},
     .edges = {{F64, {0.0}, 0.5}, {F64, {-0.0}, 0.5}, {F64, {kInf}, 1}, {F64, {-kInf}, 0.0},
               {F64, {kNaN}, kNaN}, {F64, {-800}, 0.0}, {F64, {800}, 1}, {F32, {-100}, 0.0}}},
    // softplus = NumPy's logaddexp(0, x) (its dtypes too), no overflow for large |x|
    {.name = "softplus", .arity = 1, .build = [](auto& v) { return tj::softplus(v[0]); },
     .dtypes = kAll, .lo = -8, .hi = 8, .types = float_math,
     .grad = {.order = 2, .shapes = {{5}}, .lo = -4, .hi = 4},
     .edges = {{F64, {0.0}, 0.6931471805599453}, {F64, {-kInf}, 0.0}, {F64, {kInf}, kInf},
               {F64, {kNaN}, kNaN}, {F64, {800}, 800}, {F64, {-800}, 0.0},
               {F64, {1}, 1.3132616875182228}}},
    // comparisons: false with NaN, -0 == 0
    {.name = "lt", .arity = 2, .build = [](auto& v) { return v[0] < v[1]; }, .dtypes = kNumeric,
     .lo = -3, .hi = 3, .types = bool_pairs, .without_rewrites = true,
     .edges = {{F64, {kNaN, 1}, 0.0}, {F64, {1, kNaN}, 0.0}, {F64, {-0.0, 0.0}, 0.0},
               {F64, {-kInf, kInf}, 1}, {I8, {-128, 127}, 1}, {U8, {200, 100}, 0.0}}},
    {.name = "gt", .arity = 2, .build = [](auto& v) { return v[0] > v[1]; }, .dtypes = kNumeric,
     .lo = -3, .hi = 3, .types = bool_pairs, .without_rewrites = true,
     .edges = {{F64, {kNaN, 1}, 0.0}, {F64, {0.0, -0.0}, 0.0}, {F64, {kInf, 1e308}, 1},
               {I32, {-1, -2}, 1}}},
    {.name = "le", .arity = 2, .build = [](auto& v) { return v[0] <= v[1]; }, .dtypes = kNumeric,
     .lo = -3, .hi = 3, .types = bool_pairs, .without_rewrites = true,
     .edges = {{F64, {kNaN, kNaN}, 0.0}, {F64, {-0.0, 0.0}, 1}, {F64, {kInf, kInf}, 1},
               {I32, {3, 3}, 1}}},
    {.name = "ge", .arity = 2, .build = [](auto& v) { return v[0] >= v[1]; }, .dtypes = kNumeric,
     .lo = -3, .hi = 3, .types = bool_pairs, .without_rewrites = true,
     .edges = {{F64, {kNaN, kNaN}, 0.0}, {F64, {0.0, -0.0}, 1}, {F64, {-kInf, -kInf}, 1},
               {U8, {0.0, 1}, 0.0}}},
    // casts: C conversions (floats truncate toward 0, integers wrap), nonzero (NaN too) is true
    {.name = "cast (float64)", .arity = 1, .build = [](auto& v) { return tj::cast(v[0], F64); },
     .dtypes = kAll, .lo = -100, .hi = 100,
     .types = over_all({F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64}),
     .without_rewrites = true,
     .edges = {{F32, {-0.0}, -0.0}, {F32, {kInf}, kInf}, {F32, {kNaN}, kNaN}, {B, {1}, 1},
               {U8, {255}, 255}}},
    {.name = "cast (int8)", .arity = 1, .build = [](auto& v) { return tj::cast(v[0], I8); },
     .dtypes = kNumeric, .lo = -100, .hi = 100,
     .types = over_all({I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8}), .without_rewrites = true,
     .edges = {{I32, {200}, -56}, {I32, {-129}, 127}, {F64, {-3.7}, -3}, {F64, {3.7}, 3},
               {F64, {-0.0}, 0.0}, {U8, {255}, -1}, {I16, {256}, 0.0}}},
    {.name = "cast (bool)", .arity = 1, .build = [](auto& v) { return tj::cast(v[0], B); },
     .dtypes = kAll, .lo = -2, .hi = 2, .types = bool_all, .without_rewrites = true,
     .edges = {{F64, {kNaN}, 1}, {F64, {-0.0}, 0.0}, {F64, {0.0}, 0.0}, {F64, {1e-300}, 1},
               {F64, {-kInf}, 1}, {I32, {0.0}, 0.0}, {I32, {-7}, 1}, {U8, {0.0}, 0.0}}},
    // the gradient goes back through a narrowing cast (order 1: float32 rounding)
    {.name = "cast (float32, scaled)", .arity = 1,
     .build = [](auto& v) { return tj::cast(v[0], F32) * 2; },
     .grad = {.order = 1, .shapes = {{4}}, .lo = -2, .hi = 2}},
    // composites: fused chains of the ops above
    {.name = "composite (logistic)", .arity = 1,
     .build = [](auto& v) { return 1 / (1 + tj::exp(-v[0])); }, .dtypes = kFloats, .lo = -8,
     .hi = 8, .without_rewrites = true},
    {.name = "composite (chain)", .arity = 2,
     .build = [](auto& v) { return tj::tanh(v[0] * 0.5) * v[1] + tj::exp(-tj::abs(v[1])); },
     .dtypes = kFloats, .lo = -3, .hi = 3, .without_rewrites = true},
    // ---- math ----
    // sign: -0 gives +0, NaN stays NaN (NumPy)
    {.name = "sign", .arity = 1, .build = [](auto& v) { return tj::sign(v[0]); }, .dtypes = kNoBool,
     .lo = -5, .hi = 5, .types = over_all({Err, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64}),
     .grad = {.order = 1},
     .edges = {{F64, {0.0}, 0.0}, {F64, {-0.0}, 0.0}, {F64, {-3}, -1}, {F64, {kInf}, 1},
               {F64, {-kInf}, -1}, {F64, {kNaN}, kNaN}, {I8, {-128}, -1}, {I8, {0.0}, 0.0},
               {U8, {200}, 1}}},
    // sqr: integers wrap
    {.name = "sqr", .arity = 1, .build = [](auto& v) { return tj::sqr(v[0]); }, .dtypes = kAll,
     .lo = -10, .hi = 10, .types = over_all({I8, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64}),
     .grad = {.order = 2},
     .edges = {{F64, {-3}, 9}, {F64, {kInf}, kInf}, {F64, {kNaN}, kNaN}, {I8, {16}, 0.0},
               {I8, {-12}, -112}, {I8, {-128}, 0.0}, {I32, {46341}, -2147479015}, {B, {1}, 1}}},
    {.name = "sqrt", .arity = 1, .build = [](auto& v) { return tj::sqrt(v[0]); }, .dtypes = kAll,
     .lo = 0.01, .hi = 50, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {-1}, kNaN}, {F64, {0.0}, 0.0}, {F64, {-0.0}, -0.0}, {F64, {kInf}, kInf},
               {F64, {4}, 2}, {F64, {kNaN}, kNaN}, {I32, {9}, 3}}},
    // reciprocal: integer division; 1 / 0 is 0 for integers (NumPy: undefined)
    {.name = "reciprocal", .arity = 1, .build = [](auto& v) { return tj::reciprocal(v[0]); },
     .dtypes = kAll, .lo = 0.2, .hi = 5,
     .types = over_all({I8, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64}), .grad = {.order = 2},
     .edges = {{F64, {0.0}, kInf}, {F64, {-0.0}, -kInf}, {F64, {4}, 0.25}, {F64, {kInf}, 0.0},
               {I32, {2}, 0.0}, {I32, {-1}, -1}, {I32, {1}, 1}, {I32, {0.0}, 0.0}}},
    // maximum/minimum: NaN wins; equal values give the first (-0 vs 0: NumPy's SIMD loops differ
    // there)
    {.name = "maximum", .arity = 2, .build = [](auto& v) { return tj::maximum(v[0], v[1]); },
     .dtypes = kAll, .lo = -5, .hi = 5, .types = promote_pairs, .grad = {.order = 2},
     .edges = {{F64, {kNaN, 1}, kNaN}, {F64, {1, kNaN}, kNaN}, {F64, {-0.0, 0.0}, -0.0},
               {F64, {0.0, -0.0}, 0.0}, {F64, {-kInf, -1e+308}, -1e+308}, {I8, {-5, 3}, 3},
               {U8, {200, 100}, 200}, {B, {1, 0.0}, 1}}},
    {.name = "minimum", .arity = 2, .build = [](auto& v) { return tj::minimum(v[0], v[1]); },
     .dtypes = kAll, .lo = -5, .hi = 5, .types = promote_pairs, .grad = {.order = 2},
     .edges = {{F64, {kNaN, 1}, kNaN}, {F64, {1, kNaN}, kNaN}, {F64, {-0.0, 0.0}, -0.0},
               {F64, {0.0, -0.0}, 0.0}, {F64, {kInf, 1e+308}, 1e+308}, {I8, {-5, 3}, -5},
               {U8, {200, 100}, 100}}},
    {.name = "maximum (weak scalar)", .arity = 1,
     .build = [](auto& v) { return tj::maximum(v[0], 0.5); }, .dtypes = kAll, .lo = -3, .hi = 3,
     .grad = {.order = 1}},
    // clip = minimum(maximum(x, lo), hi): hi wins where lo > hi; NaN in any input propagates
    {.name = "clip", .arity = 3, .build = [](auto& v) { return tj::clip(v[0], v[1], v[2]); },
     .dtypes = kAll, .lo = -3, .hi = 3,
     .types = {{{F32, F32, F32}, F32}, {{I32, I64, I8}, I64}, {{U8, I8, I8}, I16}, {{B, B, B}, B},
               {{I16, F32, F32}, F32}, {{F32, I32, I32}, F64}, {{U64, I64, I64}, F64},
               {{F64, I8, B}, F64}},
     .grad = {.order = 2},
     .edges = {{F64, {5, 0.0, 1}, 1}, {F64, {-1, 0.0, 1}, 0.0}, {F64, {kNaN, 0.0, 1}, kNaN},
               {F64, {0.5, 0.0, 1}, 0.5}, {F64, {0.5, 3, 1}, 1}, {F64, {0.5, kNaN, 1}, kNaN},
               {F64, {-kInf, 0.0, 1}, 0.0}, {I32, {-7, -5, 5}, -5}, {I32, {9, -5, 5}, 5}}},
    {.name = "clip (weak bounds)", .arity = 1,
     .build = [](auto& v) { return tj::clip(v[0], -1, 2); }, .dtypes = kAll, .lo = -3, .hi = 3,
     .grad = {.order = 2}},
    {.name = "exp2", .arity = 1, .build = [](auto& v) { return tj::exp2(v[0]); }, .dtypes = kAll,
     .lo = -5, .hi = 5, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {-kInf}, 0.0}, {F64, {10}, 1024}, {F64, {-1}, 0.5}, {F64, {kInf}, kInf},
               {F64, {-0.0}, 1}}},
    {.name = "expm1", .arity = 1, .build = [](auto& v) { return tj::expm1(v[0]); }, .dtypes = kAll,
     .lo = -3, .hi = 3, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {-0.0}, -0.0}, {F64, {kInf}, kInf}, {F64, {-kInf}, -1}, {F64, {0.0}, 0.0}}},
    {.name = "log2", .arity = 1, .build = [](auto& v) { return tj::log2(v[0]); }, .dtypes = kAll,
     .lo = 0.05, .hi = 20, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {0.0}, -kInf}, {F64, {-0.0}, -kInf}, {F64, {-1}, kNaN}, {F64, {8}, 3},
               {F64, {kInf}, kInf}}},
    {.name = "log10", .arity = 1, .build = [](auto& v) { return tj::log10(v[0]); }, .dtypes = kAll,
     .lo = 0.05, .hi = 20, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {0.0}, -kInf}, {F64, {1000}, 3}, {F64, {-2}, kNaN}, {F64, {kInf}, kInf}}},
    {.name = "sin", .arity = 1, .build = [](auto& v) { return tj::sin(v[0]); }, .dtypes = kAll,
     .lo = -4, .hi = 4, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {0.0}, 0.0}, {F64, {-0.0}, -0.0}, {F64, {kInf}, kNaN}, {F64, {kNaN}, kNaN}}},
    {.name = "cos", .arity = 1, .build = [](auto& v) { return tj::cos(v[0]); }, .dtypes = kAll,
     .lo = -4, .hi = 4, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {0.0}, 1}, {F64, {kInf}, kNaN}, {F64, {-kInf}, kNaN}}},
    {.name = "tan", .arity = 1, .build = [](auto& v) { return tj::tan(v[0]); }, .dtypes = kAll,
     .lo = -1.3, .hi = 1.3, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {-0.0}, -0.0}, {F64, {0.0}, 0.0}, {F64, {kInf}, kNaN}}},
    {.name = "arcsin", .arity = 1, .build = [](auto& v) { return tj::arcsin(v[0]); },
     .dtypes = kAll, .lo = -0.95, .hi = 0.95, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {1}, 1.5707963267948966}, {F64, {-1}, -1.5707963267948966}, {F64, {2}, kNaN},
               {F64, {-0.0}, -0.0}}},
    {.name = "arccos", .arity = 1, .build = [](auto& v) { return tj::arccos(v[0]); },
     .dtypes = kAll, .lo = -0.95, .hi = 0.95, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {1}, 0.0}, {F64, {-1}, 3.141592653589793}, {F64, {1.5}, kNaN},
               {F64, {0.0}, 1.5707963267948966}}},
    {.name = "arctan", .arity = 1, .build = [](auto& v) { return tj::arctan(v[0]); },
     .dtypes = kAll, .lo = -5, .hi = 5, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {kInf}, 1.5707963267948966}, {F64, {-kInf}, -1.5707963267948966},
               {F64, {-0.0}, -0.0}}},
    // arctan2(y, x): the sign of a zero y picks +-pi on the negative x axis
    {.name = "arctan2", .arity = 2, .build = [](auto& v) { return tj::arctan2(v[0], v[1]); },
     .dtypes = kAll, .lo = -3, .hi = 3, .types = float_pairs, .grad = {.order = 2},
     .edges = {{F64, {0.0, -1}, 3.141592653589793}, {F64, {-0.0, -1}, -3.141592653589793},
               {F64, {0.0, 0.0}, 0.0}, {F64, {-0.0, 0.0}, -0.0},
               {F64, {1, 0.0}, 1.5707963267948966}, {F64, {kInf, kInf}, 0.7853981633974483},
               {F64, {-1, -kInf}, -3.141592653589793}, {F64, {kNaN, 1}, kNaN}}},
    // hypot: inf wins over NaN (C99)
    {.name = "hypot", .arity = 2, .build = [](auto& v) { return tj::hypot(v[0], v[1]); },
     .dtypes = kAll, .lo = -5, .hi = 5, .types = float_pairs, .grad = {.order = 2},
     .edges = {{F64, {3, 4}, 5}, {F32, {-3, 4}, 5}, {F64, {-0.0, 0.0}, 0.0},
               {F64, {kInf, kNaN}, kInf}, {F64, {kNaN, -kInf}, kInf}, {F64, {kNaN, 1}, kNaN},
               {F64, {1e308, 1e308}, 1.4142135623730951e308}}},
    // logaddexp: equal infinities stay infinite, no overflow at 1000
    {.name = "logaddexp", .arity = 2, .build = [](auto& v) { return tj::logaddexp(v[0], v[1]); },
     .dtypes = kAll, .lo = -3, .hi = 3, .types = float_pairs, .grad = {.order = 2},
     .edges = {{F64, {0.0, 0.0}, 0.6931471805599453}, {F64, {1, 2}, 2.313261687518223},
               {F64, {-kInf, -kInf}, -kInf}, {F64, {kInf, kInf}, kInf},
               {F64, {kInf, -kInf}, kInf}, {F64, {-kInf, 1}, 1}, {F64, {kNaN, 1}, kNaN},
               {F64, {1000, 1000}, 1000.6931471805599}, {F64, {-1000, 999}, 999}}},
    {.name = "sinh", .arity = 1, .build = [](auto& v) { return tj::sinh(v[0]); }, .dtypes = kAll,
     .lo = -3, .hi = 3, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {-0.0}, -0.0}, {F64, {kInf}, kInf}, {F64, {-kInf}, -kInf}}},
    {.name = "cosh", .arity = 1, .build = [](auto& v) { return tj::cosh(v[0]); }, .dtypes = kAll,
     .lo = -3, .hi = 3, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {0.0}, 1}, {F64, {-kInf}, kInf}, {F64, {kNaN}, kNaN}}},
    {.name = "arcsinh", .arity = 1, .build = [](auto& v) { return tj::arcsinh(v[0]); },
     .dtypes = kAll, .lo = -5, .hi = 5, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {-kInf}, -kInf}, {F64, {-0.0}, -0.0}, {F64, {kInf}, kInf}}},
    {.name = "arccosh", .arity = 1, .build = [](auto& v) { return tj::arccosh(v[0]); },
     .dtypes = kAll, .lo = 1.1, .hi = 10, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {1}, 0.0}, {F64, {0.5}, kNaN}, {F64, {kInf}, kInf}}},
    {.name = "arctanh", .arity = 1, .build = [](auto& v) { return tj::arctanh(v[0]); },
     .dtypes = kAll, .lo = -0.95, .hi = 0.95, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {1}, kInf}, {F64, {-1}, -kInf}, {F64, {2}, kNaN}, {F64, {-0.0}, -0.0}}},
    {.name = "erf", .arity = 1, .build = [](auto& v) { return tj::erf(v[0]); }, .dtypes = kAll,
     .lo = -3, .hi = 3, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {kInf}, 1}, {F64, {-kInf}, -1}, {F64, {-0.0}, -0.0}, {F64, {kNaN}, kNaN}}},
    {.name = "erfc", .arity = 1, .build = [](auto& v) { return tj::erfc(v[0]); }, .dtypes = kAll,
     .lo = -3, .hi = 3, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {-kInf}, 2}, {F64, {kInf}, 0.0}, {F64, {0.0}, 1}}},
    // erfinv: odd (-0 gives -0 where SciPy gives +0), +-inf at +-1, NaN outside [-1, 1]
    {.name = "erfinv", .arity = 1, .build = [](auto& v) { return tj::erfinv(v[0]); },
     .dtypes = kAll, .lo = -0.95, .hi = 0.95, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {1}, kInf}, {F64, {-1}, -kInf}, {F64, {0.0}, 0.0}, {F64, {-0.0}, -0.0},
               {F64, {1.5}, kNaN}, {F64, {-1.5}, kNaN}, {F64, {kNaN}, kNaN},
               {F64, {0.5}, 0.4769362762044699}, {F64, {-0.999}, -2.3267537655135246},
               {F64, {1e-300}, 8.862269254527580e-301},
               {F64, {0.99999999999999989}, 5.863584748755169}, {F32, {1}, kInf},
               {F32, {-1}, -kInf}, {F32, {0.0}, 0.0}, {F32, {2}, kNaN}, {F32, {0.5}, 0.47693628}}},
    // gammaln = log |Gamma(x)|: inf at the poles
    {.name = "gammaln", .arity = 1, .build = [](auto& v) { return tj::gammaln(v[0]); },
     .dtypes = kAll, .lo = 0.2, .hi = 6, .types = float_math, .grad = {.order = 2},
     .edges = {{F64, {1}, 0.0}, {F64, {2}, 0.0}, {F64, {0.0}, kInf}, {F64, {-1}, kInf},
               {F64, {-2}, kInf}, {F64, {kInf}, kInf}, {F64, {0.5}, 0.5723649429247001},
               {F64, {-0.5}, 1.2655121234846454}}},
    {.name = "floor", .arity = 1, .build = [](auto& v) { return tj::floor(v[0]); }, .dtypes = kAll,
     .lo = -5, .hi = 5, .types = float_math, .grad = {.order = 1},
     .edges = {{F64, {-0.5}, -1}, {F64, {-0.0}, -0.0}, {F64, {2.7}, 2}, {F64, {-kInf}, -kInf},
               {F64, {kNaN}, kNaN}, {I32, {-3}, -3}}},
    {.name = "ceil", .arity = 1, .build = [](auto& v) { return tj::ceil(v[0]); }, .dtypes = kAll,
     .lo = -5, .hi = 5, .types = float_math, .grad = {.order = 1},
     .edges = {{F64, {-0.5}, -0.0}, {F64, {2.1}, 3}, {F64, {-0.0}, -0.0}, {F64, {kInf}, kInf}}},
    // round: half to even, the sign of zero kept
    {.name = "round", .arity = 1, .build = [](auto& v) { return tj::round(v[0]); }, .dtypes = kAll,
     .lo = -5, .hi = 5, .types = over_all({F32, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64}),
     .grad = {.order = 1},
     .edges = {{F64, {0.5}, 0.0}, {F64, {1.5}, 2}, {F64, {2.5}, 2}, {F64, {-0.5}, -0.0},
               {F64, {-1.5}, -2}, {F64, {-2.5}, -2}, {F64, {-0.4}, -0.0}, {F64, {3.5}, 4},
               {F64, {0.49999999999999994}, 0.0}, {F64, {4503599627370497.0}, 4503599627370497.0},
               {F64, {kInf}, kInf}, {F64, {-kInf}, -kInf}, {F64, {kNaN}, kNaN}, {F64, {-0.0}, -0.0},
               {F32, {0.5}, 0.0}, {F32, {1.5}, 2}, {F32, {-0.5}, -0.0}, {F32, {2.5}, 2},
               {I32, {7}, 7}, {I32, {-7}, -7}, {B, {1}, 1}}},
    {.name = "trunc", .arity = 1, .build = [](auto& v) { return tj::trunc(v[0]); }, .dtypes = kAll,
     .lo = -5, .hi = 5, .types = float_math, .grad = {.order = 1},
     .edges = {{F64, {-2.7}, -2}, {F64, {-0.3}, -0.0}, {F64, {2.7}, 2}, {F64, {-kInf}, -kInf}}},
    {.name = "isnan", .arity = 1, .build = [](auto& v) { return tj::isnan(v[0]); }, .dtypes = kAll,
     .lo = -5, .hi = 5, .types = bool_all,
     .edges = {{F64, {kNaN}, 1}, {F64, {kInf}, 0.0}, {F64, {0.0}, 0.0}, {I32, {5}, 0.0}}},
    {.name = "isinf", .arity = 1, .build = [](auto& v) { return tj::isinf(v[0]); }, .dtypes = kAll,
     .lo = -5, .hi = 5, .types = bool_all,
     .edges = {{F64, {-kInf}, 1}, {F64, {kInf}, 1}, {F64, {kNaN}, 0.0}, {F64, {1e+308}, 0.0}}},
    // floor_div: toward -inf; integers by 0 give 0, MIN // -1 wraps (NumPy); floats as Python
    {.name = "floor_div", .arity = 2, .build = [](auto& v) { return tj::floor_div(v[0], v[1]); },
     .dtypes = kAll, .lo = -6, .hi = 6,
     .types = over_pairs({I8, I8, I16, I64, F64, F64, F32, U8, I16, F64, I64, U64}),
     .grad = {.order = 1},
     .edges = {{I32, {-7, 2}, -4}, {I32, {7, -2}, -4}, {I32, {-7, -2}, 3}, {I32, {7, 2}, 3},
               {I32, {7, 0.0}, 0.0}, {I32, {0.0, 0.0}, 0.0}, {I32, {-1, 3}, -1},
               {I8, {-128, -1}, -128}, {I8, {-128, 1}, -128}, {U8, {7, 0.0}, 0.0},
               {U8, {200, 3}, 66}, {I64, {-9223372036854775808.0, -1}, -9223372036854775808.0},
               {F64, {-7, 2}, -4}, {F64, {7, -2}, -4}, {F64, {1, 0.1}, 9}, {F64, {1, 0.0}, kInf},
               {F64, {-1, 0.0}, -kInf}, {F64, {0.0, 0.0}, kNaN}, {F64, {-1, kInf}, -1},
               {F64, {1, kInf}, 0.0}, {F64, {kInf, 1}, kNaN}, {F64, {-0.0, 1}, -0.0},
               {F64, {0.0, -1}, -0.0}, {F64, {kNaN, 1}, kNaN}, {B, {1, 1}, 1}, {B, {1, 0.0}, 0.0}}},
    // mod: the sign of the divisor; integers modulo 0 give 0; floats: NaN for b = 0 or a = inf
    {.name = "mod", .arity = 2, .build = [](auto& v) { return v[0] % v[1]; }, .dtypes = kAll,
     .lo = -6, .hi = 6,
     .types = over_pairs({I8, I8, I16, I64, F64, F64, F32, U8, I16, F64, I64, U64}),
     .grad = {.order = 2},
     .edges = {{I32, {-7, 2}, 1}, {I32, {7, -2}, -1}, {I32, {-7, -2}, -1}, {I32, {7, 2}, 1},
               {I32, {7, 0.0}, 0.0}, {I32, {-1, 3}, 2}, {I8, {-128, -1}, 0.0}, {U8, {7, 0.0}, 0.0},
               {U8, {200, 3}, 2}, {I64, {-9223372036854775808.0, -1}, 0.0}, {F64, {-7, 2}, 1},
               {F64, {7, -2}, -1}, {F64, {1, 0.1}, 0.09999999999999995}, {F64, {-1, kInf}, kInf},
               {F64, {1, kInf}, 1}, {F64, {5, 0.0}, kNaN}, {F64, {kInf, 3}, kNaN},
               {F64, {-0.0, 5}, 0.0}, {F64, {0.0, -5}, -0.0}, {F64, {6, 3}, 0.0},
               {F64, {-6, 3}, 0.0}}},
    {.name = "eq", .arity = 2, .build = [](auto& v) { return tj::eq(v[0], v[1]); }, .dtypes = kAll,
     .lo = -3, .hi = 3, .types = bool_pairs,
     .edges = {{F64, {kNaN, kNaN}, 0.0}, {F64, {-0.0, 0.0}, 1}, {F64, {1, 2}, 0.0},
               {I8, {3, 3}, 1}}},
    {.name = "neq", .arity = 2, .build = [](auto& v) { return tj::neq(v[0], v[1]); },
     .dtypes = kAll, .lo = -3, .hi = 3, .types = bool_pairs,
     .edges = {{F64, {kNaN, kNaN}, 1}, {F64, {-0.0, 0.0}, 0.0}, {F64, {1, 2}, 1}}},
    {.name = "and", .arity = 2, .build = [](auto& v) { return v[0] & v[1]; }, .dtypes = kIntBool,
     .lo = -50, .hi = 50,
     .types = over_pairs({B, I8, I16, I64, Err, Err, Err, U8, I16, Err, I64, U64}),
     .edges = {{B, {1, 0.0}, 0.0}, {B, {1, 1}, 1}, {I8, {12, 10}, 8}, {I8, {-1, 5}, 5},
               {U8, {255, 15}, 15}}},
    {.name = "or", .arity = 2, .build = [](auto& v) { return v[0] | v[1]; }, .dtypes = kIntBool,
     .lo = -50, .hi = 50,
     .types = over_pairs({B, I8, I16, I64, Err, Err, Err, U8, I16, Err, I64, U64}),
     .edges = {{B, {1, 0.0}, 1}, {B, {0.0, 0.0}, 0.0}, {I8, {12, 10}, 14}, {U16, {256, 1}, 257}}},
    {.name = "xor", .arity = 2, .build = [](auto& v) { return v[0] ^ v[1]; }, .dtypes = kIntBool,
     .lo = -50, .hi = 50,
     .types = over_pairs({B, I8, I16, I64, Err, Err, Err, U8, I16, Err, I64, U64}),
     .edges = {{B, {1, 1}, 0.0}, {B, {1, 0.0}, 1}, {I8, {12, 10}, 6}, {I64, {-1, 0.0}, -1}}},
    {.name = "invert", .arity = 1, .build = [](auto& v) { return ~v[0]; }, .dtypes = kIntBool,
     .lo = -50, .hi = 50, .types = over_all({B, I8, I16, I32, I64, U8, U16, U32, U64, Err, Err}),
     .edges = {{B, {1}, 0.0}, {B, {0.0}, 1}, {I8, {0.0}, -1}, {I8, {5}, -6}, {I8, {-128}, 127},
               {U8, {0.0}, 255}, {U8, {15}, 240}, {I64, {-1}, 0.0}}},
    // where: the values promote (NumPy's where); the condition only picks
    {.name = "where", .arity = 3, .build = [](auto& v) { return tj::where(v[0] > 0, v[1], v[2]); },
     .dtypes = kAll, .lo = -3, .hi = 3, .types = where_rows, .grad = {.order = 2}},
    // where (cond cast): a condition that is not bool is true where nonzero (NaN included)
    {.name = "where (cond cast)", .arity = 3,
     .build = [](auto& v) { return tj::where(v[0], v[1], v[2]); }, .dtypes = kAll, .lo = -2,
     .hi = 2, .types = where_rows,
     .edges = {{F64, {1, 1, 2}, 1}, {F64, {0.0, 1, 2}, 2}, {F64, {kNaN, 1, 2}, 1},
               {F64, {-0.0, 1, 2}, 2}, {B, {1, 0.0, 1}, 0.0}, {I32, {0.0, 5, -5}, -5},
               {I32, {3, 5, -5}, 5}}},

    };
    // clang-format on
    return table;
}

} // namespace tj_test::elemwise
