// Stabilizing rewrites, one identity per line (pattern.hpp): numerically unstable expressions
// become stable equivalents, PyTensor's set plus log(exp(a) + exp(b)). The stabilize phase applies
// them after canonicalize and match its form (1 / x is reciprocal(x), negations at the root),
// and grad applies them to a cost before differentiating it, so that saturated logistic losses
// neither overflow nor give NaN gradients. Their results may hold a double negation; the
// canonicalize that follows removes it.
#include "compiler/rewrite/local_rewrite.hpp"

#include "compiler/ops/op_def.hpp"
#include "compiler/ops/reductions.hpp"

namespace tensorjit {

namespace {
using namespace pattern;

// log(sum(exp(x), axes)) -> logsumexp(x, axes): the maximum taken out before exp.
NodePtr logsumexp_of(const Match& m) {
    const Attrs& a = *m.attrs[A];
    const std::vector<int> axes(a.ints.begin() + 1, a.ints.end());
    return logsumexp(Var(m[x]), Axes(axes), a.ints[0] != 0).node();
}

// logsumexp's own log(sum(exp(x - m))), with m its maximum kept out of the gradient, is stable.
bool not_shifted(const Match& m) {
    const Node& v = *m[x];
    return !(v.op == OpKind::Sub && v.inputs[1]->op == OpKind::DisconnectedGrad);
}
} // namespace

// One identity per line (clang-format would reflow the table).
// clang-format off
TJ_REGISTER_RULES(stabilize,
    TJ_RULE(reciprocal(1 + exp(x)), sigmoid(neg(x))),
    TJ_RULE(1 - sigmoid(x), sigmoid(neg(x))),
    TJ_RULE(log(sigmoid(x)), neg(softplus(neg(x)))),
    TJ_RULE(log(1 + exp(x)), softplus(x)),
    TJ_RULE(log1p(exp(x)), softplus(x)),
    TJ_RULE(log(exp(x) + exp(y)), logaddexp(x, y)),
    TJ_RULE(log(1 + x), log1p(x)),
    TJ_RULE(log(op(OpKind::Softmax, {x}, A)), op(OpKind::LogSoftmax, {x}, A)),
    TJ_RULE_TO_IF(log(op(OpKind::Sum, {exp(x)}, A)), logsumexp_of, not_shifted));
// clang-format on

} // namespace tensorjit
