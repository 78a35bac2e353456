// cast and fill: the element-wise ops whose typing is not a row of the element-wise table (cast
// takes its target dtype from attrs, fill takes the value's dtype and the broadcast shape).
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/op_def.hpp"

namespace tensorjit {

// Cast: the target dtype is attrs.dtype; C conversion, nonzero -> true.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Cast,
    .arity = 1,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            return TensorType{a.dtype, in[0]->type.shape};
        },
    .reference = [](std::span<const Array> in,
                    const Node& n) { return in[0].astype(n.attrs.dtype); },
    .functor = "tj_cast",
    // d/dx cast(x) = cast back (no gradient into integers)
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        if (!is_float(n.inputs[0]->type.dtype)) return {Var()};
        return {cast(g, n.inputs[0]->type.dtype)};
    },
});

// fill(x, v) = v broadcast to the shape of x (and of v): the gradient of reductions uses it.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::Fill,
    .arity = 2,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs&) {
            return TensorType{in[1]->type.dtype, broadcast_static(in, "fill")};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            Dims shape = broadcast_shapes(in[0].shape(), in[1].shape(), "fill");
            return in[1].broadcast_to(shape).copy();
        },
    .functor = "tj_fill_value",
    // d fill(x, v)/dv = g summed back to v's shape; x only gives the shape
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        return {Var(), sum_to(g, Var(n.inputs[1]))};
    },
});

Var cast(const Var& x, DType dtype) {
    TJ_CHECK(x.defined(), ValueError) << "cast: undefined variable";
    return Var(cast_to(x.node(), dtype));
}

Var Var::astype(DType dtype) const { return cast(*this, dtype); }

} // namespace tensorjit
