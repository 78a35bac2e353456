// Cumulative reductions: cumsum and cumprod (along an axis or over the flattened input).
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/ops/reductions.hpp"

namespace tensorjit {

using namespace reduce_detail;

namespace {

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

} // namespace

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

// ---- public functions -------------------------------------------------------------------------

Var cumsum(const Var& x, const Axes& axis) { return cumulation(OpKind::Cumsum, x, axis); }
Var cumprod(const Var& x, const Axes& axis) { return cumulation(OpKind::Cumprod, x, axis); }

} // namespace tensorjit
