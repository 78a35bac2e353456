// Shape ops: expand_dims (more to come: reshape, dimshuffle, squeeze, concatenate, ...).
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"

namespace tensorjit {

namespace {} // namespace

// expand_dims(x, axes): extent-1 axes inserted at the given (sorted) output positions.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::ExpandDims,
    .arity = 1,
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs& a) {
            const int out_nd = in[0]->type.ndim() + static_cast<int>(a.ints.size());
            Dims s;
            for (int d = 0, j = 0; d < out_nd; ++d) {
                bool inserted = false;
                for (auto ax : a.ints) inserted |= ax == d;
                s.push_back(inserted ? 1 : in[0]->type.shape[j++]);
            }
            return TensorType{in[0]->type.dtype, s};
        },
    .reference =
        [](std::span<const Array> in, const Node& n) {
            Dims s;
            for (int d = 0, j = 0; d < n.type.ndim(); ++d) {
                bool inserted = false;
                for (auto ax : n.attrs.ints) inserted |= ax == d;
                s.push_back(inserted ? 1 : in[0].shape()[j++]);
            }
            return in[0].reshape(s).copy();
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            std::string view = "    tj_arr v;\n    v.data = src->data;\n";
            for (int d = 0, j = 0; d < n.type.ndim(); ++d) {
                bool inserted = false;
                for (auto ax : n.attrs.ints) inserted |= ax == d;
                std::string sd = std::to_string(d);
                if (inserted) {
                    view += "    v.shape[" + sd + "] = 1;\n    v.strides[" + sd + "] = 0;\n";
                } else {
                    view += "    v.shape[" + sd + "] = src->shape[" + std::to_string(j) +
                            "];\n    v.strides[" + sd + "] = src->strides[" + std::to_string(j) +
                            "];\n";
                    ++j;
                }
            }
            e.emit_view(n, view);
        },
    // d expand_dims(x) = g summed over the inserted (extent-1) axes
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        std::vector<int> axes(n.attrs.ints.begin(), n.attrs.ints.end());
        return {sum(g, axes)};
    },
});

} // namespace tensorjit
