// Lazy ifelse: branches that are the same value, a condition known at compile time, an ifelse
// nested in a branch of one on the same condition, and an element-wise op both branches apply
// (lifted out, so that only the operand that differs is chosen). Work that both branches need is
// hoisted by the code generator, not here: merge makes it one node, and a node both branches
// need runs unconditionally before the choice (compiler/codegen/schedule.cpp).
//
// Each rewrite removes a node or moves an ifelse past an element-wise op towards the leaves,
// so the set terminates.
#include "compiler/rewrite/local_rewrite.hpp"

namespace tensorjit {

namespace {
using namespace pattern;
} // namespace

// clang-format off
TJ_REGISTER_RULES(canonicalize,
    TJ_RULE(op(OpKind::IfElse, {x, y, y}), y));
// clang-format on

// ifelse(constant c, a, b) -> the branch c chooses (when it has the node's type: a branch with a
// static extent the other lacks stays an ifelse, whose type has it unknown).
TJ_REGISTER_REWRITE(canonicalize, local_ifelse_constant_condition, OpKind::IfElse) {
    const Node& c = *n->inputs[0];
    if (c.op != OpKind::Constant) return nullptr;
    const NodePtr& chosen = n->inputs[c.value->item_double() != 0 ? 1 : 2];
    return chosen->type == n->type ? chosen : nullptr;
}

// ifelse(c, ifelse(c, a, b), d) -> ifelse(c, a, d), and ifelse(c, d, ifelse(c, a, b)) ->
// ifelse(c, d, b): the inner choice is known where it is needed. The result keeps the node's
// type (which may know fewer extents than a and d would give).
TJ_REGISTER_REWRITE(canonicalize, local_ifelse_nested_same_condition, OpKind::IfElse) {
    const NodePtr& c = n->inputs[0];
    for (std::size_t k = 1; k <= 2; ++k) {
        const Node& inner = *n->inputs[k];
        if (inner.op != OpKind::IfElse || inner.inputs[0] != c) continue;
        std::vector<NodePtr> inputs = n->inputs;
        inputs[k] = inner.inputs[k];
        return make_node_typed(OpKind::IfElse, std::move(inputs), n->attrs, n->type);
    }
    return nullptr;
}

// ifelse(c, f(p, w), f(q, w)) -> f(ifelse(c, p, q), w) for an element-wise f whose operands differ
// in one place only, where p and q have the same type (so f broadcasts the chosen one as it
// did): f is then computed once, whichever branch is taken, and can fuse with what reads it.
TJ_REGISTER_REWRITE(canonicalize, local_ifelse_lift_elemwise, OpKind::IfElse) {
    const Node& a = *n->inputs[1];
    const Node& b = *n->inputs[2];
    if (a.op != b.op || a.is_leaf() || !op_def(a.op).is_elementwise() || !(a.attrs == b.attrs) ||
        a.inputs.size() != b.inputs.size())
        return nullptr;
    std::size_t differ = a.inputs.size();
    for (std::size_t i = 0; i < a.inputs.size(); ++i) {
        if (a.inputs[i] == b.inputs[i]) continue;
        if (differ != a.inputs.size()) return nullptr;
        differ = i;
    }
    if (differ == a.inputs.size()) return nullptr;
    const NodePtr& p = a.inputs[differ];
    const NodePtr& q = b.inputs[differ];
    if (!(p->type == q->type)) return nullptr;
    NodePtr r;
    try {
        std::vector<NodePtr> inputs = a.inputs;
        inputs[differ] = make_node(OpKind::IfElse, {n->inputs[0], p, q});
        r = make_node(a.op, std::move(inputs), a.attrs);
    } catch (const UserError&) {
        return nullptr;
    }
    return r->type == n->type ? r : nullptr;
}

} // namespace tensorjit
