// Building nodes through their op records: preparation, arity and type rule.
#include "compiler/ops/op_def.hpp"

namespace tensorjit {

NodePtr make_node(OpKind op, std::vector<NodePtr> inputs, Attrs attrs) {
    const OpDef& def = op_def(op);
    for (std::size_t i = 0; i < inputs.size(); ++i)
        TJ_CHECK(inputs[i] != nullptr, ValueError) << op_name(op) << ": input " << i + 1 << "/"
                                                   << inputs.size() << " is an undefined variable";
    TJ_CHECK(def.arity < 0 || static_cast<int>(inputs.size()) == def.arity, TypeError)
        << op_name(op) << ": takes " << def.arity << " inputs, got " << inputs.size();
    if (def.prepare) def.prepare(inputs, attrs);
    TensorType type = def.type_rule(inputs, attrs);
    return make_node_typed(op, std::move(inputs), std::move(attrs), std::move(type));
}

NodePtr cast_to(const NodePtr& n, DType dtype) {
    if (n->type.dtype == dtype) return n;
    if (n->op == OpKind::Constant) return make_constant(n->value->astype(dtype), false, n->name);
    Attrs a;
    a.dtype = dtype;
    return make_node(OpKind::Cast, {n}, a);
}

} // namespace tensorjit
