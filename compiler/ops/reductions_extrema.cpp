// Reductions to an extreme: max, min, argmax, argmin.
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/reductions.hpp"

#include <cmath>

namespace tensorjit {

using namespace reduce_detail;

namespace {

// NaN wins (NumPy's maximum/minimum propagate it); otherwise the largest (smallest) value.
template <class T> T extreme_of(const std::vector<T>& v, bool largest) {
    T best = v[0];
    for (T x : v) {
        if constexpr (std::is_floating_point_v<T>) {
            if (std::isnan(x)) return x;
        }
        if (largest ? x > best : x < best) best = x;
    }
    return best;
}

// The C-order index of the first extreme element; the first NaN when there is one (NumPy).
template <class T> std::int64_t arg_extreme_of(const std::vector<T>& v, bool largest) {
    std::size_t best = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if constexpr (std::is_floating_point_v<T>) {
            if (std::isnan(v[i])) return static_cast<std::int64_t>(i);
        }
        if (largest ? v[i] > v[best] : v[i] < v[best]) best = i;
    }
    return static_cast<std::int64_t>(best);
}

// Throws NumPy's error for a reduction without identity over an empty axis with a non-empty
// result.
void check_not_empty(const Array& x, const Node& n, const char* what) {
    std::int64_t cnt = 1, out = 1;
    for (int d = 0; d < x.ndim(); ++d) {
        if (is_reduced(n.attrs, d))
            cnt *= x.shape()[d];
        else
            out *= x.shape()[d];
    }
    TJ_CHECK(cnt > 0 || out == 0, ValueError) << op_name(n.op) << ": " << what;
}

// ---- kernels ----------------------------------------------------------------------------------

// The check of reductions without identity: cnt reduced elements for each of n_out outputs.
// `code` names a row of the kernel error table (codegen_templates/kernel_abi.h).
std::string empty_check(EmitContext& e, const Node& n, const char* code) {
    return "    if (cnt == 0 && n_out > 0) return tj_rt_value_error(f, " +
           std::to_string(e.id(&n)) + ", " + code + ", 0);\n";
}

// Kernel: the kept axes (outer) and the reduced ones (inner) walked in C order; the result is
// the position within the inner walk, so several axes give the C-order index over them.
void emit_argreduce(EmitContext& e, const Node& n, bool largest) {
    auto& os = e.out();
    const Node* x = n.inputs[0].get();
    const int rin = x->type.ndim(), rout = n.type.ndim();
    const std::string t = EmitContext::ctype(x->type.dtype);
    const int slot = e.slot(&n);
    e.require_template("reduce.hpp");
    os << "  { /* " << describe(n) << " */\n";
    os << "    const tj_arr* a = " << e.arr(x) << ";\n";
    os << "    long long osh[" << std::max(1, rout) << "];\n";
    for (int d = 0, j = 0; d < rin; ++d) {
        if (!is_reduced(n.attrs, d))
            os << "    osh[" << j++ << "] = a->shape[" << d << "];\n";
        else if (n.attrs.ints[0])
            os << "    osh[" << j++ << "] = 1;\n";
    }
    os << "    long long* o = (long long*)tj_rt_alloc(f, " << slot << ", " << rout << ", osh);\n";
    os << "    if (!o) return 1;\n";
    os << "    const long long n_out = tj_prod(" << rout << ", osh);\n";
    os << "    long long cnt = 1;\n";
    for (std::size_t d = 1; d < n.attrs.ints.size(); ++d)
        os << "    cnt *= a->shape[" << n.attrs.ints[d] << "];\n";
    os << empty_check(e, n, largest ? "TJ_E_EMPTY_ARGMAX" : "TJ_E_EMPTY_ARGMIN");
    emit_reduce_strides(e, n);
    os << "    tj_walk outer, inner;\n";
    os << "    tj_split_axes(a, " << rin << ", ost, red, &outer, &inner);\n";
    os << "    tj_argreduce<" << t << ">(a, outer, inner, o, "
       << (largest ? "tj_better_max" : "tj_better_min") << "());\n";
    os << "  }\n";
}

// d max(x)/dx = g where x equals the maximum (every tie gets it, as PyTensor), else 0.
std::vector<Var> extreme_pullback(const Node& n, const Var& out, const Var& g, bool largest) {
    const Var x = in0(n);
    const Var m = expand_reduced(out, n.attrs);
    const Var hit = cast(eq(x, m), x.dtype());
    return {expand_reduced(g, n.attrs) * hit};
}

} // namespace

// max(x, axes) / min(x, axes): the input's dtype; NaN propagates; an empty reduction with a
// non-empty result is NumPy's ValueError.
namespace {
OpDef extreme_def(OpKind kind, bool is_max) {
    return OpDef{
        .kind = kind,
        .arity = 1,
        .type_rule = reduced_type,
        .reference =
            [is_max](std::span<const Array> in, const Node& n) {
                check_not_empty(
                    in[0], n,
                    is_max
                        ? "zero-size array to reduction operation maximum which has no identity"
                        : "zero-size array to reduction operation minimum which has no identity");
                return reduce_groups(in[0], n, [is_max](const auto& v) {
                    return v.empty() ? typename std::decay_t<decltype(v)>::value_type{}
                                     : extreme_of(v, is_max);
                });
            },
        .emit =
            [is_max](EmitContext& e, const Node& n) {
                const std::string t = EmitContext::ctype(n.type.dtype);
                emit_reduce_loop(e, n, (is_max ? "tj_lowest((" : "tj_highest((") + t + ")0)",
                                 is_max ? "tj_op_max" : "tj_op_min",
                                 empty_check(e, n, is_max ? "TJ_E_EMPTY_MAX" : "TJ_E_EMPTY_MIN"));
            },
        .pullback = [is_max](const Node& n, const Var& out,
                             const Var& g) { return extreme_pullback(n, out, g, is_max); },
    };
}
} // namespace

TJ_REGISTER_OP(extreme_def(OpKind::Max, true));
TJ_REGISTER_OP(extreme_def(OpKind::Min, false));

// argmax(x, axes) / argmin: int64 index of the first extreme element in C order over the
// reduced axes (the flattened index for all axes); the first NaN wins.
namespace {
OpDef arg_extreme_def(OpKind kind, bool is_max) {
    return OpDef{
        .kind = kind,
        .arity = 1,
        .type_rule =
            [](std::span<const NodePtr> in, const Attrs& a) {
                return TensorType{DType::Int64, reduced_shape(in[0]->type.shape, a)};
            },
        .reference =
            [is_max](std::span<const Array> in, const Node& n) {
                check_not_empty(in[0], n,
                                is_max ? "attempt to get argmax of an empty sequence"
                                       : "attempt to get argmin of an empty sequence");
                return reduce_groups(in[0], n, [is_max](const auto& v) {
                    return v.empty() ? std::int64_t{0} : arg_extreme_of(v, is_max);
                });
            },
        .emit = [is_max](EmitContext& e, const Node& n) { emit_argreduce(e, n, is_max); },
        .pullback = no_gradient,
    };
}
} // namespace

TJ_REGISTER_OP(arg_extreme_def(OpKind::Argmax, true));
TJ_REGISTER_OP(arg_extreme_def(OpKind::Argmin, false));

// ---- public functions -------------------------------------------------------------------------

Var max(const Var& x, const Axes& axis, bool keepdims) {
    return reduction(OpKind::Max, x, axis, keepdims);
}
Var min(const Var& x, const Axes& axis, bool keepdims) {
    return reduction(OpKind::Min, x, axis, keepdims);
}
Var argmax(const Var& x, const Axes& axis, bool keepdims) {
    return reduction(OpKind::Argmax, x, axis, keepdims);
}
Var argmin(const Var& x, const Axes& axis, bool keepdims) {
    return reduction(OpKind::Argmin, x, axis, keepdims);
}

} // namespace tensorjit
