// Element-wise ops: one record each (dtype rule, scalar reference, kernel functor, derivative).
#include "compiler/ops/elemwise.hpp"

#include "compiler/ops/op_def.hpp"

#include <cmath>
#include <string>
#include <type_traits>

namespace tensorjit {

// ---- typing -----------------------------------------------------------------------------------

Dims broadcast_static(std::span<const NodePtr> inputs, const char* op) {
    int nd = 0;
    for (const auto& in : inputs) nd = std::max(nd, in->type.ndim());
    Dims out;
    out.resize(nd, 1);
    // Which input fixed each known extent, for the message.
    std::vector<const Node*> fixed_by(nd, nullptr);
    for (const auto& in : inputs) {
        const Dims& s = in->type.shape;
        for (int i = 0; i < s.size(); ++i) {
            int o = nd - s.size() + i;
            std::int64_t d = s[i];
            if (d == 1) continue;
            if (out[o] == 1) {
                out[o] = d;
                fixed_by[o] = in.get();
            } else if (d == dyn) {
                continue;
            } else if (out[o] == dyn) {
                out[o] = d;
                fixed_by[o] = in.get();
            } else if (out[o] != d) {
                TJ_THROW(ShapeError) << op << ": shapes " << fixed_by[o]->type.str() << " and "
                                     << in->type.str() << " cannot broadcast (axis " << o
                                     << ": " << out[o] << " vs " << d << ")";
            }
        }
    }
    return out;
}

DType float_for(DType t) {
    if (is_float(t)) return t;
    return dtype_size(t) <= 2 ? DType::Float32 : DType::Float64;
}

// NumPy 2 / JAX weak scalars: a C++ scalar constant takes the dtype of the tensors it meets,
// except that a float scalar turns integer tensors into float64 (and an int scalar turns bool
// tensors into int64).
DType common_dtype(const std::vector<NodePtr>& inputs) {
    bool any_strong = false;
    DType strong = DType::Bool;
    for (const auto& in : inputs)
        if (!in->weak) {
            strong = any_strong ? promote(strong, in->type.dtype) : in->type.dtype;
            any_strong = true;
        }
    DType result = strong;
    for (const auto& in : inputs) {
        if (!in->weak) continue;
        DType w = in->type.dtype;
        if (!any_strong) {
            result = result == DType::Bool && w != DType::Bool ? w : promote(result, w);
            continue;
        }
        if (is_float(w) && !is_float(result)) result = DType::Float64;
        else if (is_integer(w) && result == DType::Bool) result = DType::Int64;
    }
    return result;
}

void prepare_elemwise(const ElemwiseSpec& spec, std::vector<NodePtr>& inputs) {
    const char* op = op_name(spec.kind);
    // where(cond, a, b): the condition becomes bool; only the values take part in promotion.
    const std::size_t first = spec.rule == DtypeRule::Where ? 1 : 0;
    if (first) inputs[0] = cast_to(inputs[0], DType::Bool);
    DType compute = common_dtype(std::vector<NodePtr>(inputs.begin() + first, inputs.end()));
    switch (spec.rule) {
    case DtypeRule::NoBool:
        for (std::size_t i = 0; i < inputs.size(); ++i)
            TJ_CHECK(inputs[i]->type.dtype != DType::Bool, TypeError)
                << op << ": input " << i + 1 << "/" << inputs.size() << " has dtype bool, which "
                << op << " does not support (use logical ops)";
        break;
    case DtypeRule::TrueDiv:
        if (!is_float(compute)) compute = DType::Float64;
        break;
    case DtypeRule::FloatMath:
        compute = float_for(compute);
        break;
    case DtypeRule::BoolAsInt8:
        if (compute == DType::Bool) compute = DType::Int8;
        break;
    case DtypeRule::IntOrFloat:
        if (compute == DType::Bool) compute = float_for(compute);
        break;
    case DtypeRule::Bitwise: {
        for (std::size_t i = 0; i < inputs.size(); ++i)
            TJ_CHECK(!is_float(inputs[i]->type.dtype), TypeError)
                << op << ": input " << i + 1 << "/" << inputs.size() << " has dtype "
                << dtype_name(inputs[i]->type.dtype) << ", expected bool or an integer dtype";
        // uint64 with a signed integer promotes to float64, as in NumPy.
        std::string dtypes;
        for (const auto& in : inputs)
            dtypes += (dtypes.empty() ? "" : " and ") + std::string(dtype_name(in->type.dtype));
        TJ_CHECK(!is_float(compute), TypeError)
            << op << ": inputs of dtypes " << dtypes << " promote to " << dtype_name(compute)
            << ", expected bool or an integer dtype";
        break;
    }
    default:
        break;
    }
    for (std::size_t i = first; i < inputs.size(); ++i) inputs[i] = cast_to(inputs[i], compute);
}

TensorType type_elemwise(const ElemwiseSpec& spec, std::span<const NodePtr> inputs) {
    // The values' dtype: the last input's (where's first input is its bool condition).
    DType out = spec.rule == DtypeRule::Compare ? DType::Bool : inputs.back()->type.dtype;
    return TensorType{out, broadcast_static(inputs, op_name(spec.kind))};
}

namespace {

Var in(const Node& n, int i) { return Var(n.inputs[i]); }

// The scalar references. Integer math follows C (wrap-around), like NumPy's kernels.
template <class T> T ref_pow(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
        return std::pow(a, b);
    } else if constexpr (std::is_same_v<T, bool>) {
        return a || !b;
    } else {
        // Integers to negative powers: 0 here (NumPy raises); 1 for base 1, +-1 for base -1.
        if (b < 0) return a == 1 ? 1 : a == static_cast<T>(-1) ? ((b & 1) ? a : 1) : 0;
        // Square-and-multiply in unsigned arithmetic (wraps as C's integer kernels do).
        using U = std::make_unsigned_t<T>;
        U r = 1, base = static_cast<U>(a);
        for (U e = static_cast<U>(b); e > 0; e >>= 1) {
            if (e & 1) r = static_cast<U>(r * base);
            base = static_cast<U>(base * base);
        }
        return static_cast<T>(r);
    }
}

} // namespace

// ---- records ----------------------------------------------------------------------------------

// Cast: the target dtype is attrs.dtype; C conversion, nonzero -> true.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Cast,
    .arity = 1,
    .type_rule = [](std::span<const NodePtr> in, const Attrs& a) {
        return TensorType{a.dtype, in[0]->type.shape};
    },
    .reference = [](std::span<const Array> in, const Node& n) { return in[0].astype(n.attrs.dtype); },
    .functor = "tj_cast",
    // d/dx cast(x) = cast back (no gradient into integers)
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        if (!is_float(n.inputs[0]->type.dtype)) return {Var()};
        return {cast(g, n.inputs[0]->type.dtype)};
    },
});

// identity(x) = x, materialized as a copy (function outputs that are inputs or shared values).
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Identity, 1, DtypeRule::Arith, "tj_identity"},
                                      [](auto a, auto) { return a; }),
                         [](const Node&, const Var&, const Var& g) -> std::vector<Var> {
                             return {g};
                         }));

// d/dx -x = -1
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Neg, 1, DtypeRule::NoBool, "tj_neg"},
                                      [](auto a, auto) { return static_cast<decltype(a)>(-a); }),
                         [](const Node&, const Var&, const Var& g) -> std::vector<Var> {
                             return {-g};
                         }));

// d/dx |x| = sign(x) (0 at 0)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Abs, 1, DtypeRule::Arith, "tj_abs"},
                                      [](auto a, auto) {
                                          using T = decltype(a);
                                          if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>)
                                              return a;
                                          else
                                              return static_cast<T>(a < 0 ? -a : a);
                                      }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var x = in(n, 0);
                             Var sign = cast(x > 0, x.dtype()) - cast(x < 0, x.dtype());
                             return {g * sign};
                         }));

// d/dx exp(x) = exp(x)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Exp, 1, DtypeRule::FloatMath, "tj_exp"},
                                      [](auto a, auto) { return std::exp(a); }),
                         [](const Node&, const Var& out, const Var& g) -> std::vector<Var> {
                             return {g * out};
                         }));

// d/dx log(x) = 1/x
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Log, 1, DtypeRule::FloatMath, "tj_log"},
                                      [](auto a, auto) { return std::log(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {g / in(n, 0)};
                         }));

// d/dx tanh(x) = 1 - tanh(x)^2
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Tanh, 1, DtypeRule::FloatMath, "tj_tanh"},
                                      [](auto a, auto) { return std::tanh(a); }),
                         [](const Node&, const Var& out, const Var& g) -> std::vector<Var> {
                             return {g * (1 - out * out)};
                         }));

// d/dx sigmoid(x) = sigmoid(x) (1 - sigmoid(x))
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Sigmoid, 1, DtypeRule::FloatMath, "tj_sigmoid"},
                                      [](auto a, auto) {
                                          using T = decltype(a);
                                          return static_cast<T>(1 / (1 + std::exp(-a)));
                                      }),
                         [](const Node&, const Var& out, const Var& g) -> std::vector<Var> {
                             return {g * out * (1 - out)};
                         }));

// d/dx softplus(x) = sigmoid(x); softplus(x) = log(1 + exp(x)) without overflow
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Softplus, 1, DtypeRule::FloatMath, "tj_softplus"},
                                      [](auto a, auto) {
                                          using T = decltype(a);
                                          return static_cast<T>(a > 0 ? a + std::log1p(std::exp(-a))
                                                                      : std::log1p(std::exp(a)));
                                      }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {g * sigmoid(in(n, 0))};
                         }));

// d/dx log1p(x) = 1 / (1 + x)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Log1p, 1, DtypeRule::FloatMath, "tj_log1p"},
                                      [](auto a, auto) { return std::log1p(a); }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {g / (1 + in(n, 0))};
                         }));

// d(a+b) = (1, 1)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Add, 2, DtypeRule::Arith, "tj_add"},
                                      [](auto a, auto b) { return a + b; }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {sum_to(g, in(n, 0)), sum_to(g, in(n, 1))};
                         }));

// d(a-b) = (1, -1)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Sub, 2, DtypeRule::NoBool, "tj_sub"},
                                      [](auto a, auto b) { return a - b; }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {sum_to(g, in(n, 0)), sum_to(-g, in(n, 1))};
                         }));

// d(a*b) = (b, a)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Mul, 2, DtypeRule::Arith, "tj_mul"},
                                      [](auto a, auto b) { return a * b; }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             return {sum_to(g * in(n, 1), in(n, 0)), sum_to(g * in(n, 0), in(n, 1))};
                         }));

// d(a/b) = (1/b, -a/b^2)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::TrueDiv, 2, DtypeRule::TrueDiv, "tj_div"},
                                      [](auto a, auto b) { return a / b; }),
                         [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
                             Var a = in(n, 0), b = in(n, 1);
                             return {sum_to(g / b, a), sum_to(-g * a / (b * b), b)};
                         }));

// d(a^b) = (b a^(b-1), a^b log a)
TJ_REGISTER_OP(with_grad(elemwise_def({OpKind::Pow, 2, DtypeRule::Arith, "tj_pow"},
                                      [](auto a, auto b) { return ref_pow(a, b); }),
                         [](const Node& n, const Var& out, const Var& g) -> std::vector<Var> {
                             Var a = in(n, 0), b = in(n, 1);
                             if (!is_float(a.dtype())) return {Var(), Var()};
                             Var ga = sum_to(g * b * pow(a, b - 1), a);
                             // Constant exponents (the common x**2) need no log(a) term.
                             if (b.node()->op == OpKind::Constant) return {ga, Var()};
                             return {ga, sum_to(g * out * log(a), b)};
                         }));

TJ_REGISTER_OP(elemwise_def({OpKind::Lt, 2, DtypeRule::Compare, "tj_lt"},
                            [](auto a, auto b) { return a < b; }));
TJ_REGISTER_OP(elemwise_def({OpKind::Gt, 2, DtypeRule::Compare, "tj_gt"},
                            [](auto a, auto b) { return a > b; }));
TJ_REGISTER_OP(elemwise_def({OpKind::Le, 2, DtypeRule::Compare, "tj_le"},
                            [](auto a, auto b) { return a <= b; }));
TJ_REGISTER_OP(elemwise_def({OpKind::Ge, 2, DtypeRule::Compare, "tj_ge"},
                            [](auto a, auto b) { return a >= b; }));

// fill(x, v) = v broadcast to the shape of x (and of v): the gradient of reductions uses it.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Fill,
    .arity = 2,
    .type_rule = [](std::span<const NodePtr> in, const Attrs&) {
        return TensorType{in[1]->type.dtype, broadcast_static(in, "fill")};
    },
    .reference = [](std::span<const Array> in, const Node& n) {
        Dims shape = broadcast_shapes(in[0].shape(), in[1].shape(), "fill");
        return in[1].broadcast_to(shape).copy();
    },
    .functor = "tj_fill_value",
    // d fill(x, v)/dv = g summed back to v's shape; x only gives the shape
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        return {Var(), sum_to(g, in(n, 1))};
    },
});

// ---- public functions -------------------------------------------------------------------------

namespace {
Var apply(OpKind k, std::vector<Var> in) {
    std::vector<NodePtr> nodes;
    for (const auto& v : in) nodes.push_back(v.node());
    return Var(make_node(k, std::move(nodes)));
}
} // namespace

Var operator+(const Var& a, const Var& b) { return apply(OpKind::Add, {a, b}); }
Var operator-(const Var& a, const Var& b) { return apply(OpKind::Sub, {a, b}); }
Var operator*(const Var& a, const Var& b) { return apply(OpKind::Mul, {a, b}); }
Var operator/(const Var& a, const Var& b) { return apply(OpKind::TrueDiv, {a, b}); }
Var operator-(const Var& a) { return apply(OpKind::Neg, {a}); }
Var operator<(const Var& a, const Var& b) { return apply(OpKind::Lt, {a, b}); }
Var operator>(const Var& a, const Var& b) { return apply(OpKind::Gt, {a, b}); }
Var operator<=(const Var& a, const Var& b) { return apply(OpKind::Le, {a, b}); }
Var operator>=(const Var& a, const Var& b) { return apply(OpKind::Ge, {a, b}); }
Var exp(const Var& x) { return apply(OpKind::Exp, {x}); }
Var log(const Var& x) { return apply(OpKind::Log, {x}); }
Var tanh(const Var& x) { return apply(OpKind::Tanh, {x}); }
Var sigmoid(const Var& x) { return apply(OpKind::Sigmoid, {x}); }
Var softplus(const Var& x) { return apply(OpKind::Softplus, {x}); }
Var log1p(const Var& x) { return apply(OpKind::Log1p, {x}); }
Var abs(const Var& x) { return apply(OpKind::Abs, {x}); }
Var pow(const Var& x, const Var& y) { return apply(OpKind::Pow, {x, y}); }

Var cast(const Var& x, DType dtype) {
    TJ_CHECK(x.defined(), ValueError) << "cast: undefined variable";
    return Var(cast_to(x.node(), dtype));
}

} // namespace tensorjit
