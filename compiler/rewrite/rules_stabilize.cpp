// Canonicalizing and stabilizing rewrites, one identity each. Stabilization runs on a cost graph
// before it is differentiated (grad) and in the pipeline, so that saturated logistic losses
// neither overflow nor produce NaN gradients.
#include "compiler/rewrite/local_rewrite.hpp"

#include "compiler/ops/op_def.hpp"

namespace tensorjit {

namespace {
NodePtr op1(OpKind k, const NodePtr& a) { return make_node(k, {a}); }
// The other operand of a binary node whose one operand is the constant v, or nullptr.
NodePtr other_than_constant(const NodePtr& n, double v) {
    if (is_constant_value(*n->inputs[0], v)) return n->inputs[1];
    if (is_constant_value(*n->inputs[1], v)) return n->inputs[0];
    return nullptr;
}
// Keeps a rewrite from changing the shape: a replacement built from the non-constant operand
// must have the node's static shape (a constant that broadcast it would be lost).
bool same_shape(const NodePtr& a, const NodePtr& n) { return a->type.shape == n->type.shape; }
} // namespace

/// neg(neg(x)) -> x
TJ_REGISTER_REWRITE(canonicalize, local_neg_neg_to_x, OpKind::Neg) {
    if (n->inputs[0]->op == OpKind::Neg) return n->inputs[0]->inputs[0];
    return nullptr;
}

/// 1 / (1 + exp(u)) -> sigmoid(-u)
TJ_REGISTER_REWRITE(stabilize, local_inv_1_plus_exp_to_sigmoid, OpKind::TrueDiv) {
    if (!is_constant_value(*n->inputs[0], 1)) return nullptr;
    const NodePtr& d = n->inputs[1];
    if (d->op != OpKind::Add) return nullptr;
    NodePtr e = other_than_constant(d, 1);
    if (!e || e->op != OpKind::Exp || !same_shape(e, n)) return nullptr;
    const NodePtr& u = e->inputs[0];
    NodePtr minus_u = u->op == OpKind::Neg ? u->inputs[0] : op1(OpKind::Neg, u);
    return op1(OpKind::Sigmoid, minus_u);
}

/// 1 - sigmoid(x) -> sigmoid(-x)
TJ_REGISTER_REWRITE(stabilize, local_1_minus_sigmoid_to_sigmoid_neg, OpKind::Sub) {
    if (!is_constant_value(*n->inputs[0], 1)) return nullptr;
    const NodePtr& s = n->inputs[1];
    if (s->op != OpKind::Sigmoid || !same_shape(s, n)) return nullptr;
    const NodePtr& x = s->inputs[0];
    return op1(OpKind::Sigmoid, x->op == OpKind::Neg ? x->inputs[0] : op1(OpKind::Neg, x));
}

/// log(sigmoid(x)) -> -softplus(-x)
TJ_REGISTER_REWRITE(stabilize, local_log_sigmoid_to_softplus, OpKind::Log) {
    const NodePtr& s = n->inputs[0];
    if (s->op != OpKind::Sigmoid) return nullptr;
    const NodePtr& x = s->inputs[0];
    return op1(OpKind::Neg,
               op1(OpKind::Softplus, x->op == OpKind::Neg ? x->inputs[0] : op1(OpKind::Neg, x)));
}

/// log(1 + exp(x)) -> softplus(x)
TJ_REGISTER_REWRITE(stabilize, local_log_1_plus_exp_to_softplus, OpKind::Log) {
    const NodePtr& a = n->inputs[0];
    if (a->op != OpKind::Add) return nullptr;
    NodePtr e = other_than_constant(a, 1);
    if (!e || e->op != OpKind::Exp || !same_shape(e, n)) return nullptr;
    return op1(OpKind::Softplus, e->inputs[0]);
}

/// log(1 + x) -> log1p(x)
TJ_REGISTER_REWRITE(stabilize, local_log_1_plus_x_to_log1p, OpKind::Log) {
    const NodePtr& a = n->inputs[0];
    if (a->op != OpKind::Add) return nullptr;
    NodePtr x = other_than_constant(a, 1);
    if (!x || x->op == OpKind::Exp || !same_shape(x, n)) return nullptr;
    return op1(OpKind::Log1p, x);
}

} // namespace tensorjit
