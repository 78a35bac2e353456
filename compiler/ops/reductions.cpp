// Reductions: the helpers shared by the family (reductions.hpp); sum, mean, prod, all, any,
// axes_size and sum_to (the gradient of broadcasting); var and std built from them.
#include "compiler/ops/reductions.hpp"
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace tensorjit {

Attrs reduce_attrs(const Var& x, const Axes& axes, bool keepdims, const char* op) {
    TJ_CHECK(x.defined(), ValueError) << op << ": undefined variable";
    Attrs a;
    a.ints.push_back(keepdims ? 1 : 0);
    const int nd = x.ndim();
    std::vector<int> list;
    if (axes.all()) {
        for (int d = 0; d < nd; ++d) list.push_back(d);
    } else {
        for (int ax : axes.list()) {
            TJ_CHECK(ax >= -nd && ax < nd, ValueError)
                << op << ": axis " << ax << " is out of bounds for " << x.type().str();
            int n = ax < 0 ? ax + nd : ax;
            TJ_CHECK(std::find(list.begin(), list.end(), n) == list.end(), ValueError)
                << op << ": axis " << ax << " is repeated";
            list.push_back(n);
        }
    }
    std::sort(list.begin(), list.end());
    for (int d : list) a.ints.push_back(d);
    return a;
}

bool is_reduced(const Attrs& a, int d) {
    return std::find(a.ints.begin() + 1, a.ints.end(), d) != a.ints.end();
}

Dims reduced_shape(const Dims& in, const Attrs& a) {
    Dims out;
    for (int d = 0; d < in.size(); ++d) {
        if (!is_reduced(a, d))
            out.push_back(in[d]);
        else if (a.ints[0])
            out.push_back(1);
    }
    return out;
}

DType sum_dtype(DType t) {
    if (is_float(t)) return t;
    return is_unsigned_int(t) ? DType::UInt64 : DType::Int64;
}

Var expand_reduced(const Var& g, const Attrs& a) {
    // A scalar (every axis reduced) broadcasts against the input as it is.
    if (a.ints[0] || a.ints.size() <= 1 || g.ndim() == 0) return g;
    Attrs e;
    e.ints.assign(a.ints.begin() + 1, a.ints.end());
    return Var(make_node(OpKind::ExpandDims, {g.node()}, e));
}

namespace reduce_detail {

TensorType reduced_type(std::span<const NodePtr> in, const Attrs& a) {
    return TensorType{in[0]->type.dtype, reduced_shape(in[0]->type.shape, a)};
}

void to_sum_dtype(std::vector<NodePtr>& in, Attrs&) {
    in[0] = cast_to(in[0], sum_dtype(in[0]->type.dtype));
}

std::vector<Var> no_gradient(const Node&, const Var&, const Var&) { return {Var()}; }

Var reduction(OpKind k, const Var& x, const Axes& axis, bool keepdims) {
    return Var(make_node(k, {x.node()}, reduce_attrs(x, axis, keepdims, op_name(k))));
}

Var as_float(const Var& x) { return is_float(x.dtype()) ? x : cast(x, DType::Float64); }

} // namespace reduce_detail

using namespace reduce_detail;

namespace {

// ost[d] = the output's stride along input axis d (0 where reduced), from the allocated slot.
void write_output_strides(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const int slot = e.slot(&n);
    for (int d = 0, j = 0; d < n.inputs[0]->type.ndim(); ++d) {
        if (!is_reduced(n.attrs, d)) {
            os << "    ost[" << d << "] = f->slots[" << slot << "].strides[" << j++ << "];\n";
        } else {
            os << "    ost[" << d << "] = 0;\n";
            if (n.attrs.ints[0]) ++j;
        }
    }
}

void write_count(EmitContext& e, const Node& n) {
    auto& os = e.out();
    os << "    long long cnt = 1;\n";
    for (std::size_t d = 1; d < n.attrs.ints.size(); ++d)
        os << "    cnt *= a->shape[" << n.attrs.ints[d] << "];\n";
}

} // namespace

void emit_reduce_strides(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const int rin = n.inputs[0]->type.ndim();
    os << "    long long ost[" << std::max(1, rin) << "] = {0};\n";
    os << "    int red[" << std::max(1, rin) << "] = {0};\n";
    for (std::size_t d = 1; d < n.attrs.ints.size(); ++d)
        os << "    red[" << n.attrs.ints[d] << "] = 1;\n";
    write_output_strides(e, n);
}

void emit_reduce_loop(EmitContext& e, const Node& n, const std::string& init,
                      const std::string& op_expr, const std::string& check,
                      const std::string& epilogue) {
    auto& os = e.out();
    const Node* x = n.inputs[0].get();
    const int rin = x->type.ndim(), rout = n.type.ndim();
    const std::string t = EmitContext::ctype(n.type.dtype);
    const int slot = e.slot(&n);
    os << "  { /* " << describe(n) << " */\n";
    os << "    const tj_arr* a = " << e.arr(x) << ";\n";
    os << "    long long osh[" << std::max(1, rout) << "], ost[" << std::max(1, rin) << "];\n";
    int j = 0;
    for (int d = 0; d < rin; ++d) {
        if (!is_reduced(n.attrs, d))
            os << "    osh[" << j++ << "] = a->shape[" << d << "];\n";
        else if (n.attrs.ints[0])
            os << "    osh[" << j++ << "] = 1;\n";
    }
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << rout
       << ", osh);\n";
    os << "    if (!o) return 1;\n";
    os << "    const long long n_out = tj_prod(" << rout << ", osh);\n";
    // The element count is written once, before its first use (sum's kernel has none).
    if (!check.empty()) {
        write_count(e, n);
        os << check;
    }
    os << "    tj_fill(o, n_out, " << init << ");\n";
    write_output_strides(e, n);
    if (op_expr.rfind("tj_op_", 0) == 0)
        os << "    tj_reduce(a, " << rin << ", o, ost, " << op_expr << "());\n";
    else
        os << "    tj_reduce(a, " << rin << ", o, ost, [](" << t << " u, " << t << " v) { return "
           << op_expr << "; });\n";
    if (!epilogue.empty()) {
        if (check.empty()) write_count(e, n);
        os << epilogue;
    }
    os << "  }\n";
    e.require_template("reduce.hpp");
}

namespace {

// Reference: plain loops in C order; integers accumulate exactly in the output type, floats in
// long double (an independent, more accurate order than the kernel's).
Array reduce_reference(const Array& x, const Node& n, bool mean) {
    const Dims out_shape = reduced_shape(x.shape(), n.attrs);
    Dims keep = x.shape();
    for (int d = 0; d < keep.size(); ++d)
        if (is_reduced(n.attrs, d)) keep[d] = 1;
    const Dims kst = c_strides(keep);
    std::int64_t count = 1;
    for (int d = 0; d < x.ndim(); ++d)
        if (is_reduced(n.attrs, d)) count *= x.shape()[d];
    Array out = Array::zeros(n.type.dtype, out_shape);
    const Array xc = x.copy();
    visit_dtype(n.type.dtype, [&](auto tv) {
        using T = decltype(tv);
        using Acc = std::conditional_t<std::is_floating_point_v<T>, long double, T>;
        std::vector<Acc> sums(static_cast<std::size_t>(keep.product()), Acc{});
        const T* in = static_cast<const T*>(xc.raw_data());
        for (std::int64_t i = 0; i < x.size(); ++i) {
            std::int64_t rem = i, off = 0;
            for (int d = x.ndim() - 1; d >= 0; --d) {
                std::int64_t idx = rem % x.shape()[d];
                rem /= x.shape()[d];
                if (!is_reduced(n.attrs, d)) off += idx * kst[d];
            }
            sums[static_cast<std::size_t>(off)] =
                static_cast<Acc>(sums[static_cast<std::size_t>(off)] + in[i]);
        }
        T* o = static_cast<T*>(out.raw_data());
        for (std::size_t j = 0; j < sums.size(); ++j)
            o[j] =
                mean ? static_cast<T>(sums[j] / static_cast<Acc>(count)) : static_cast<T>(sums[j]);
    });
    return out;
}

void emit_reduce(EmitContext& e, const Node& n, bool mean) {
    const std::string t = EmitContext::ctype(n.type.dtype);
    emit_reduce_loop(
        e, n, "(" + t + ")0", "tj_op_add", "",
        mean ? "    for (long long i = 0; i < n_out; ++i) o[i] = o[i] / (" + t + ")cnt;\n" : "");
}

// d sum(x)/dx = g broadcast back over the reduced axes; mean divides by their total extent.
std::vector<Var> reduce_pullback(const Node& n, const Var& g, bool mean) {
    Var x(n.inputs[0]);
    Var full(make_node(OpKind::Fill, {x.node(), expand_reduced(g, n.attrs).node()}));
    if (mean) {
        Attrs a;
        a.ints.assign(n.attrs.ints.begin() + 1, n.attrs.ints.end());
        Var count(make_node(OpKind::AxesSize, {x.node()}, a));
        full = full / cast(count, full.dtype());
    }
    return {full};
}

} // namespace

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Sum,
    .arity = 1,
    .prepare = [](std::vector<NodePtr>& in,
                  Attrs&) { in[0] = cast_to(in[0], sum_dtype(in[0]->type.dtype)); },
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            return TensorType{in[0]->type.dtype, reduced_shape(in[0]->type.shape, a)};
        },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return reduce_reference(in[0], n, false); },
    .emit = [](EmitContext& e, const Node& n) { emit_reduce(e, n, false); },
    .pullback = [](const Node& n, const Var&,
                   const Var& g) { return reduce_pullback(n, g, false); },
});

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Mean,
    .arity = 1,
    .prepare =
        [](std::vector<NodePtr>& in, Attrs&) {
            if (!is_float(in[0]->type.dtype)) in[0] = cast_to(in[0], DType::Float64);
        },
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            return TensorType{in[0]->type.dtype, reduced_shape(in[0]->type.shape, a)};
        },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return reduce_reference(in[0], n, true); },
    .emit = [](EmitContext& e, const Node& n) { emit_reduce(e, n, true); },
    .pullback = [](const Node& n, const Var&, const Var& g) { return reduce_pullback(n, g, true); },
});

// axes_size(x) = the product of x's extents along attrs.ints (an int64 scalar).
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::AxesSize,
    .arity = 1,
    .type_rule =
        [](std::span<const NodePtr>, const Attrs&) {
            return TensorType{DType::Int64, {}};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            std::int64_t p = 1;
            for (auto d : n.attrs.ints) p *= in[0].shape()[static_cast<int>(d)];
            return Array(p);
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            auto& os = e.out();
            os << "  { /* " << describe(n) << " */\n    long long* o = (long long*)tj_rt_alloc(f, "
               << e.slot(&n) << ", 0, (const long long*)0);\n    if (!o) return 1;\n    *o = 1";
            for (auto d : n.attrs.ints)
                os << " * " << e.arr(n.inputs[0].get()) << "->shape[" << d << "]";
            os << ";\n  }\n";
        },
    .pullback = [](const Node&, const Var&, const Var&) -> std::vector<Var> { return {Var()}; },
});

Var sum_to(const Var& g, const Var& x) {
    // Broadcasting is static: x was broadcast along its missing leading axes and along the axes
    // where its static extent is 1 and g's is not.
    const TensorType& gt = g.type();
    const TensorType& xt = x.type();
    const int lead = gt.ndim() - xt.ndim();
    TJ_INTERNAL_CHECK(lead >= 0) << "sum_to: " << gt.str() << " has a lower rank than " << xt.str();
    std::vector<int> ones;
    for (int d = 0; d < xt.ndim(); ++d)
        if (xt.shape[d] == 1 && gt.shape[lead + d] != 1) ones.push_back(lead + d);
    Var r = g;
    if (!ones.empty()) r = sum(r, ones, true);
    if (lead > 0) {
        std::vector<int> leading(lead);
        for (int d = 0; d < lead; ++d) leading[d] = d;
        r = sum(r, leading, false);
    }
    return r;
}

Var sum(const Var& x, const Axes& axis, bool keepdims) {
    return Var(make_node(OpKind::Sum, {x.node()}, reduce_attrs(x, axis, keepdims, "sum")));
}

Var mean(const Var& x, const Axes& axis, bool keepdims) {
    return Var(make_node(OpKind::Mean, {x.node()}, reduce_attrs(x, axis, keepdims, "mean")));
}

namespace {

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

void to_bool(std::vector<NodePtr>& in, Attrs&) { in[0] = cast_to(in[0], DType::Bool); }

} // namespace

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

// ---- public functions -------------------------------------------------------------------------

Var prod(const Var& x, const Axes& axis, bool keepdims) {
    return reduction(OpKind::Prod, x, axis, keepdims);
}
Var all(const Var& x, const Axes& axis, bool keepdims) {
    return reduction(OpKind::All, x, axis, keepdims);
}
Var any(const Var& x, const Axes& axis, bool keepdims) {
    return reduction(OpKind::Any, x, axis, keepdims);
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

} // namespace tensorjit
