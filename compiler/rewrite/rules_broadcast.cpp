// Broadcast constants: a constant of one element whose every extent is 1 (the gradient of a
// mean over a vector makes `[1.0] / N`, of shape (1,)) broadcasts exactly as the scalar with its
// value does, so an element-wise op reads it as that scalar. The op's result keeps its type (the
// rewrite applies only where another operand gives the shape); in a fused loop the scalar is a
// literal, folds with other constants, and no (1,)-shaped value needs a loop of its own.
#include "compiler/rewrite/local_rewrite.hpp"

namespace tensorjit {

namespace {

const OpKind kElementwise[] = {
    OpKind::Cast,
    OpKind::Fill,
#define TJ_ELEMWISE(E, ...) OpKind::E,
#include <tensorjit/elementwise_ops.def>
#undef TJ_ELEMWISE
};

bool one_element_block(const Node& n) {
    if (n.op != OpKind::Constant || n.type.ndim() == 0) return false;
    for (auto e : n.type.shape)
        if (e != 1) return false;
    return true;
}

NodePtr scalar_operands(const NodePtr& n) {
    std::vector<NodePtr> inputs = n->inputs;
    bool changed = false;
    for (auto& in : inputs)
        if (one_element_block(*in)) {
            in = make_constant(in->value->reshape(Dims{}), in->weak);
            changed = true;
        }
    if (!changed) return nullptr;
    NodePtr r;
    try {
        r = make_node(n->op, std::move(inputs), n->attrs);
    } catch (const UserError&) {
        return nullptr;
    }
    return r->type == n->type ? r : nullptr;
}

const RewriteRegistrar scalar_operands_registrar{"canonicalize", "local_scalar_operands",
                                                 kElementwise, scalar_operands};

} // namespace

} // namespace tensorjit
