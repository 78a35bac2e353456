// More reductions: prod, max, min, argmax, argmin, all, any; cumsum and cumprod; softmax and
// log_softmax. var, std and logsumexp are compositions of these in the graph.
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/reduce.hpp"

#include <tensorjit/grad.hpp>

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace tensorjit {

namespace {

// ---- references ---------------------------------------------------------------------------------

// For each output position of a reduction with attributes `a` (C order), the elements of x
// along the reduced axes, in C order.
template <class T> std::vector<std::vector<T>> reduced_groups(const Array& x, const Attrs& a) {
    Dims keep = x.shape();
    for (int d = 0; d < keep.size(); ++d)
        if (is_reduced(a, d)) keep[d] = 1;
    const Dims kst = c_strides(keep);
    std::vector<std::vector<T>> groups(static_cast<std::size_t>(keep.product()));
    const Array xc = x.copy();
    const T* in = static_cast<const T*>(xc.raw_data());
    for (std::int64_t i = 0; i < x.size(); ++i) {
        std::int64_t rem = i, off = 0;
        for (int d = x.ndim() - 1; d >= 0; --d) {
            const std::int64_t idx = rem % x.shape()[d];
            rem /= x.shape()[d];
            if (!is_reduced(a, d)) off += idx * kst[d];
        }
        groups[static_cast<std::size_t>(off)].push_back(in[i]);
    }
    return groups;
}

// The result of reduction node n from one value per group: f(group), converted to n's dtype.
template <class F> Array reduce_groups(const Array& x, const Node& n, F f) {
    Array out = Array::zeros(n.type.dtype, reduced_shape(x.shape(), n.attrs));
    visit_dtype(x.dtype(), [&](auto tv) {
        using T = decltype(tv);
        auto groups = reduced_groups<T>(x, n.attrs);
        visit_dtype(n.type.dtype, [&](auto ov) {
            using O = decltype(ov);
            O* o = static_cast<O*>(out.raw_data());
            for (std::size_t j = 0; j < groups.size(); ++j) o[j] = static_cast<O>(f(groups[j]));
        });
    });
    return out;
}

// Integers multiply with wrap-around (as NumPy's kernels), floats in long double.
template <class T> T product_of(const std::vector<T>& v) {
    if constexpr (std::is_floating_point_v<T>) {
        long double p = 1;
        for (T x : v) p *= x;
        return static_cast<T>(p);
    } else {
        std::uint64_t p = 1;
        for (T x : v) p *= static_cast<std::uint64_t>(x);
        return static_cast<T>(p);
    }
}

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

// ---- gradients --------------------------------------------------------------------------------

Var in0(const Node& n) { return Var(n.inputs[0]); }

// d prod(x)/dx_i = the product of the other elements. Written without dividing by zeros: with
// z the zero mask and p the product of the non-zero elements of each slice, the gradient is
// p / x where the slice has no zero, p at the zero of a slice with exactly one, 0 elsewhere.
std::vector<Var> prod_pullback(const Node& n, const Var& g) {
    const Var x = in0(n);
    const DType t = x.dtype();
    std::vector<int> axes(n.attrs.ints.begin() + 1, n.attrs.ints.end());
    const Var z = cast(x >= 0, t) * cast(x <= 0, t);
    const Var count = sum(z, axes, true);
    const Var nonzero = x + z;
    const Var p = prod(nonzero, axes, true);
    const Var none = cast(count < 0.5, t);
    const Var one = cast(count > 0.5, t) * cast(count < 1.5, t);
    const Var ge = expand_reduced(g, n.attrs);
    return {ge * (none * p / nonzero + one * z * p)};
}

// d max(x)/dx = g where x equals the maximum (every tie gets it, as PyTensor), else 0.
std::vector<Var> extreme_pullback(const Node& n, const Var& out, const Var& g, bool largest) {
    const Var x = in0(n);
    const Var m = expand_reduced(out, n.attrs);
    const Var hit = cast(eq(x, m), x.dtype());
    return {expand_reduced(g, n.attrs) * hit};
}

// softmax: ds = s (g - sum(g s)); log_softmax: g - exp(l) sum(g), both over the softmax axes.
std::vector<Var> softmax_pullback(const Node& n, const Var& out, const Var& g, bool log_out) {
    std::vector<int> axes(n.attrs.ints.begin() + 1, n.attrs.ints.end());
    if (log_out) return {g - exp(out) * sum(g, axes, true)};
    return {out * (g - sum(g * out, axes, true))};
}

// ---- cumulative ops ---------------------------------------------------------------------------

// attrs.ints = {axis (-1: over the flattened input), reverse}; a second input, when present,
// gives the result's shape (flattened mode only: the gradient of a flattened cumulation).
TensorType cumulate_type(std::span<const NodePtr> in, const Attrs& a, OpKind k) {
    TJ_INTERNAL_CHECK(in.size() == 1 || (in.size() == 2 && a.ints[0] < 0))
        << op_name(k) << ": takes one input (or two when flattened)";
    const TensorType& x = in[0]->type;
    if (a.ints[0] >= 0) return TensorType{x.dtype, x.shape};
    if (in.size() == 2) return TensorType{x.dtype, in[1]->type.shape};
    std::int64_t size = 1;
    for (auto d : x.shape) size = (d == dyn || size == dyn) ? dyn : size * d;
    return TensorType{x.dtype, Dims{size}};
}

// Reference: each line along the axis (or the whole array) accumulated in long double or in
// uint64 (wrap-around), independently of tj_cumulate's odometer.
Array cumulate_reference(std::span<const Array> in, const Node& n, bool product) {
    const Array xc = in[0].copy();
    const int axis = static_cast<int>(n.attrs.ints[0]);
    const bool reverse = n.attrs.ints[1] != 0;
    Dims shape = axis >= 0 ? xc.shape() : in.size() == 2 ? in[1].shape() : Dims{xc.size()};
    Array out = Array::zeros(n.type.dtype, shape);
    // Flattened: one line through all elements; along an axis: lines of that axis.
    const std::int64_t len = axis >= 0 ? xc.shape()[axis] : xc.size();
    const std::int64_t step = axis >= 0 ? c_strides(xc.shape())[axis] : 1;
    visit_dtype(n.type.dtype, [&](auto tv) {
        using T = decltype(tv);
        using Acc = std::conditional_t<std::is_floating_point_v<T>, long double, std::uint64_t>;
        const T* x = static_cast<const T*>(xc.raw_data());
        T* o = static_cast<T*>(out.raw_data());
        for (std::int64_t start = 0; start < xc.size(); ++start) {
            // start is the first element of a line when its index along the axis is 0.
            if (len == 0 || (start / step) % len != 0 || (axis < 0 && start != 0)) continue;
            Acc acc = product ? 1 : 0;
            for (std::int64_t i = 0; i < len; ++i) {
                const std::int64_t k = start + (reverse ? len - 1 - i : i) * step;
                acc = product ? static_cast<Acc>(acc * static_cast<Acc>(x[k]))
                              : static_cast<Acc>(acc + static_cast<Acc>(x[k]));
                o[k] = static_cast<T>(acc);
            }
        }
    });
    return out;
}

// Kernel: tj_cumulate walks the input in C order (backwards when reversed), so the result is
// C-contiguous whatever the input's strides.
void emit_cumulate(EmitContext& e, const Node& n, bool product) {
    auto& os = e.out();
    const Node* x = n.inputs[0].get();
    const int rin = x->type.ndim(), rout = n.type.ndim();
    const std::string t = EmitContext::ctype(n.type.dtype);
    const int axis = static_cast<int>(n.attrs.ints[0]);
    e.require_template("reduce.hpp");
    os << "  { /* " << describe(n) << " */\n";
    os << "    const tj_arr* a = " << e.arr(x) << ";\n";
    os << "    long long osh[" << std::max(1, rout) << "];\n";
    if (axis >= 0) {
        for (int d = 0; d < rin; ++d) os << "    osh[" << d << "] = a->shape[" << d << "];\n";
    } else if (n.inputs.size() == 2) {
        const Node* like = n.inputs[1].get();
        os << "    const tj_arr* like = " << e.arr(like) << ";\n";
        for (int d = 0; d < rout; ++d) os << "    osh[" << d << "] = like->shape[" << d << "];\n";
        os << "    if (tj_prod(" << rout << ", osh) != tj_prod(" << rin
           << ", a->shape)) return tj_rt_shape_error(f, " << e.id(&n) << ", " << rin
           << ", a->shape, " << rout << ", osh);\n";
    } else {
        os << "    osh[0] = tj_prod(" << rin << ", a->shape);\n";
    }
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << e.slot(&n) << ", " << rout
       << ", osh);\n";
    os << "    if (!o) return 1;\n";
    os << "    tj_cumulate(a, " << rin << ", " << axis << ", " << n.attrs.ints[1] << ", o, "
       << (product ? "tj_op_mul" : "tj_op_add") << "());\n";
    os << "  }\n";
}

Var cumulate(OpKind k, const Var& x, int axis, bool reverse, const Var& like) {
    Attrs a;
    a.ints = {axis, reverse ? 1 : 0};
    std::vector<NodePtr> in{x.node()};
    if (like.defined()) in.push_back(like.node());
    return Var(make_node(k, std::move(in), a));
}

// The same cumulation of g, backwards, with the shape of the original input.
Var reverse_cumsum(const Node& n, const Var& g) {
    const int axis = static_cast<int>(n.attrs.ints[0]);
    const Var x = in0(n);
    // A flattened cumulation of anything but a vector goes back to the input's shape.
    const Var like = axis < 0 && n.inputs.size() == 1 && x.ndim() != 1 ? x : Var();
    return cumulate(OpKind::Cumsum, g, axis, n.attrs.ints[1] == 0, like);
}

// ---- softmax ----------------------------------------------------------------------------------

Array softmax_reference(const Array& x, const Node& n, bool log_out) {
    // The groups are the slices along the softmax axes; results go back to their positions.
    Array out = Array::zeros(n.type.dtype, x.shape());
    Dims keep = x.shape();
    for (int d = 0; d < keep.size(); ++d)
        if (is_reduced(n.attrs, d)) keep[d] = 1;
    const Dims kst = c_strides(keep);
    const Array xc = x.copy();
    visit_dtype(n.type.dtype, [&](auto tv) {
        using T = decltype(tv);
        if constexpr (std::is_floating_point_v<T>) {
            const T* in = static_cast<const T*>(xc.raw_data());
            T* o = static_cast<T*>(out.raw_data());
            std::vector<std::vector<std::int64_t>> members(
                static_cast<std::size_t>(keep.product()));
            for (std::int64_t i = 0; i < x.size(); ++i) {
                std::int64_t rem = i, off = 0;
                for (int d = x.ndim() - 1; d >= 0; --d) {
                    const std::int64_t idx = rem % x.shape()[d];
                    rem /= x.shape()[d];
                    if (!is_reduced(n.attrs, d)) off += idx * kst[d];
                }
                members[static_cast<std::size_t>(off)].push_back(i);
            }
            for (const auto& m : members) {
                long double mx = -INFINITY;
                bool nan = false;
                for (auto i : m) {
                    nan |= std::isnan(in[i]);
                    mx = std::max<long double>(mx, in[i]);
                }
                long double s = 0;
                for (auto i : m) s += std::exp(static_cast<long double>(in[i]) - mx);
                for (auto i : m) {
                    const long double v = static_cast<long double>(in[i]) - mx;
                    o[i] = nan ? static_cast<T>(NAN)
                               : static_cast<T>(log_out ? v - std::log(s) : std::exp(v) / s);
                }
            }
        }
    });
    return out;
}

// Kernel: per slice along the axes, three walks (max, sum of exp, write) in tj_softmax.
void emit_softmax(EmitContext& e, const Node& n, bool log_out) {
    auto& os = e.out();
    const Node* x = n.inputs[0].get();
    const int r = x->type.ndim();
    const std::string t = EmitContext::ctype(n.type.dtype);
    const int slot = e.slot(&n);
    e.require_template("reduce.hpp");
    os << "  { /* " << describe(n) << " */\n";
    os << "    const tj_arr* a = " << e.arr(x) << ";\n";
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << r
       << ", a->shape);\n";
    os << "    if (!o) return 1;\n";
    os << "    long long ost[" << std::max(1, r) << "] = {0};\n";
    os << "    int red[" << std::max(1, r) << "] = {0};\n";
    for (int d = 0; d < r; ++d)
        os << "    ost[" << d << "] = f->slots[" << slot << "].strides[" << d << "];\n";
    for (std::size_t d = 1; d < n.attrs.ints.size(); ++d)
        os << "    red[" << n.attrs.ints[d] << "] = 1;\n";
    os << "    tj_walk outer, inner;\n";
    os << "    tj_split_axes(a, " << r << ", ost, red, &outer, &inner);\n";
    os << "    tj_softmax<" << t << ">(a, outer, inner, o, " << (log_out ? 1 : 0) << ");\n";
    os << "  }\n";
}

TensorType same_type(std::span<const NodePtr> in, const Attrs&) { return in[0]->type; }

TensorType reduced_type(std::span<const NodePtr> in, const Attrs& a) {
    return TensorType{in[0]->type.dtype, reduced_shape(in[0]->type.shape, a)};
}

void to_sum_dtype(std::vector<NodePtr>& in, Attrs&) {
    in[0] = cast_to(in[0], sum_dtype(in[0]->type.dtype));
}
void to_bool(std::vector<NodePtr>& in, Attrs&) { in[0] = cast_to(in[0], DType::Bool); }
void to_float(std::vector<NodePtr>& in, Attrs&) {
    if (!is_float(in[0]->type.dtype)) in[0] = cast_to(in[0], DType::Float64);
}

// No gradient flows through integer or boolean results (grad() stops there): argmax, argmin,
// all and any are disconnected from their input, as in PyTensor.
std::vector<Var> no_gradient(const Node&, const Var&, const Var&) { return {Var()}; }

} // namespace

// ---- records ----------------------------------------------------------------------------------

// prod(x, axes): dtype as sum (integers in int64/uint64); the empty product is 1.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Prod,
    .arity = 1,
    .prepare = to_sum_dtype,
    .type_rule = reduced_type,
    .reference =
        [](std::span<const Array> in, const Node& n) {
            return reduce_groups(in[0], n, [](const auto& v) { return product_of(v); });
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            const std::string t = EmitContext::ctype(n.type.dtype);
            emit_reduce_loop(e, n, "(" + t + ")1", "tj_op_mul");
        },
    .pullback = [](const Node& n, const Var&, const Var& g) { return prod_pullback(n, g); },
});

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

// all(x, axes) / any: bool; the input is tested against 0 (NaN is true).
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::All,
    .arity = 1,
    .prepare = to_bool,
    .type_rule = reduced_type,
    .reference =
        [](std::span<const Array> in, const Node& n) {
            return reduce_groups(in[0], n, [](const auto& v) {
                return std::all_of(v.begin(), v.end(), [](auto b) { return b != 0; });
            });
        },
    .emit = [](EmitContext& e, const Node& n) { emit_reduce_loop(e, n, "true", "tj_op_and"); },
    .pullback = no_gradient,
});

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Any,
    .arity = 1,
    .prepare = to_bool,
    .type_rule = reduced_type,
    .reference =
        [](std::span<const Array> in, const Node& n) {
            return reduce_groups(in[0], n, [](const auto& v) {
                return std::any_of(v.begin(), v.end(), [](auto b) { return b != 0; });
            });
        },
    .emit = [](EmitContext& e, const Node& n) { emit_reduce_loop(e, n, "false", "tj_op_or"); },
    .pullback = no_gradient,
});

// cumsum(x, axis): dtype as sum. d cumsum(x)/dx = the reverse cumulative sum of g.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Cumsum,
    .arity = -1,
    .prepare = to_sum_dtype,
    .type_rule = [](std::span<const NodePtr> in,
                    const Attrs& a) { return cumulate_type(in, a, OpKind::Cumsum); },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return cumulate_reference(in, n, false); },
    .emit = [](EmitContext& e, const Node& n) { emit_cumulate(e, n, false); },
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        std::vector<Var> r{reverse_cumsum(n, g)};
        if (n.inputs.size() == 2) r.push_back(Var());
        return r;
    },
});

// cumprod(x, axis): dtype as sum. d cumprod(x)_i/dx_j = cumprod(x)_i / x_j for j <= i, so the
// gradient is the reverse cumulative sum of g * out divided by x (PyTensor's form: not finite
// where x == 0).
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Cumprod,
    .arity = -1,
    .prepare = to_sum_dtype,
    .type_rule = [](std::span<const NodePtr> in,
                    const Attrs& a) { return cumulate_type(in, a, OpKind::Cumprod); },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return cumulate_reference(in, n, true); },
    .emit = [](EmitContext& e, const Node& n) { emit_cumulate(e, n, true); },
    .pullback = [](const Node& n, const Var& out, const Var& g) -> std::vector<Var> {
        std::vector<Var> r{reverse_cumsum(n, g * out) / in0(n)};
        if (n.inputs.size() == 2) r.push_back(Var());
        return r;
    },
});

// softmax(x, axes) = exp(x - max) / sum(exp(x - max)) over the axes; integers give float64.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Softmax,
    .arity = 1,
    .prepare = to_float,
    .type_rule = same_type,
    .reference = [](std::span<const Array> in,
                    const Node& n) { return softmax_reference(in[0], n, false); },
    .emit = [](EmitContext& e, const Node& n) { emit_softmax(e, n, false); },
    .pullback = [](const Node& n, const Var& out,
                   const Var& g) { return softmax_pullback(n, out, g, false); },
});

// log_softmax(x, axes) = (x - max) - log(sum(exp(x - max))) over the axes.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::LogSoftmax,
    .arity = 1,
    .prepare = to_float,
    .type_rule = same_type,
    .reference = [](std::span<const Array> in,
                    const Node& n) { return softmax_reference(in[0], n, true); },
    .emit = [](EmitContext& e, const Node& n) { emit_softmax(e, n, true); },
    .pullback = [](const Node& n, const Var& out,
                   const Var& g) { return softmax_pullback(n, out, g, true); },
});

// ---- public functions -------------------------------------------------------------------------

namespace {

Var reduction(OpKind k, const Var& x, const Axes& axis, bool keepdims) {
    return Var(make_node(k, {x.node()}, reduce_attrs(x, axis, keepdims, op_name(k))));
}

Var cumulation(OpKind k, const Var& x, const Axes& axis) {
    const char* op = op_name(k);
    TJ_CHECK(x.defined(), ValueError) << op << ": undefined variable";
    if (axis.all()) return cumulate(k, x, -1, false, Var());
    TJ_CHECK(axis.list().size() == 1, ValueError)
        << op << ": takes one axis or none, got " << axis.list().size() << " axes";
    const int nd = x.ndim(), ax = axis.list()[0];
    TJ_CHECK(ax >= -nd && ax < nd, ValueError)
        << op << ": axis " << ax << " is out of bounds for " << x.type().str();
    return cumulate(k, x, ax < 0 ? ax + nd : ax, false, Var());
}

Var as_float(const Var& x) { return is_float(x.dtype()) ? x : cast(x, DType::Float64); }

} // namespace

Var prod(const Var& x, const Axes& axis, bool keepdims) {
    return reduction(OpKind::Prod, x, axis, keepdims);
}
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
Var all(const Var& x, const Axes& axis, bool keepdims) {
    return reduction(OpKind::All, x, axis, keepdims);
}
Var any(const Var& x, const Axes& axis, bool keepdims) {
    return reduction(OpKind::Any, x, axis, keepdims);
}
Var cumsum(const Var& x, const Axes& axis) { return cumulation(OpKind::Cumsum, x, axis); }
Var cumprod(const Var& x, const Axes& axis) { return cumulation(OpKind::Cumprod, x, axis); }
Var softmax(const Var& x, const Axes& axis) { return reduction(OpKind::Softmax, x, axis, false); }
Var log_softmax(const Var& x, const Axes& axis) {
    return reduction(OpKind::LogSoftmax, x, axis, false);
}

// var = sum((x - mean(x))^2) / (n - ddof) over the axes, in the graph.
Var var(const Var& x, const Axes& axis, bool keepdims, int ddof) {
    const Attrs a = reduce_attrs(x, axis, keepdims, "var");
    const std::vector<int> axes(a.ints.begin() + 1, a.ints.end());
    const Var xf = as_float(x);
    const Var d = xf - mean(xf, axes, true);
    const Var ss = sum(d * d, axes, keepdims);
    Attrs count_attrs;
    count_attrs.ints.assign(a.ints.begin() + 1, a.ints.end());
    const Var count(make_node(OpKind::AxesSize, {xf.node()}, count_attrs));
    return ss / cast(count - ddof, ss.dtype());
}

// std = sqrt(var).
Var std(const Var& x, const Axes& axis, bool keepdims, int ddof) {
    TJ_CHECK(x.defined(), ValueError) << "std: undefined variable";
    return sqrt(var(x, axis, keepdims, ddof));
}

// logsumexp = m + log(sum(exp(x - m))) with m the maximum, or 0 where that is infinite (as
// PyTensor's local_log_sum_exp: all -inf gives -inf, a +inf gives +inf). m is kept out of the
// gradient: the value does not depend on it, and d/dx is softmax(x) without its terms.
Var logsumexp(const Var& x, const Axes& axis, bool keepdims) {
    const Attrs a = reduce_attrs(x, axis, keepdims, "logsumexp");
    const std::vector<int> axes(a.ints.begin() + 1, a.ints.end());
    const Var xf = as_float(x);
    const Var mx = max(xf, axes, true);
    const Var m = disconnected_grad(where(isinf(mx), 0, mx));
    const Var lse = log(sum(exp(xf - m), axes, keepdims));
    // Summing the extent-1 axes of m drops them.
    return lse + (keepdims ? m : sum(m, axes, false));
}

} // namespace tensorjit
