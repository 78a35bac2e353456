// The canonical form, one identity per line (pattern.hpp). The canonicalize phase applies them
// bottom-up to a fixpoint, and so does grad on a cost before differentiating it.
//
// Why the set terminates: every rule either removes a node (identities, double negations),
// folds two constants into one, moves a negation towards the root (it never moves down), moves a
// constant towards the root of an add/mul chain, or moves a fill towards the root; none undoes
// another. tests/rewrite/ checks each rule's result is a fixpoint and runs random graphs.
//
// Every rule applies only where the result has the node's exact type (pattern.hpp), so `x + 0`
// with a matrix of zeros and a vector x is left alone. Like PyTensor, the identities hold for
// values, not for the sign of zero or for NaN from infinities (x - x is 0 for x = inf).
#include "compiler/rewrite/local_rewrite.hpp"

namespace tensorjit {

namespace {
using namespace pattern;
} // namespace

// The rule tables are laid out one identity per line, which clang-format would reflow.
// clang-format off

// Identities.
TJ_REGISTER_RULES(canonicalize,
    TJ_RULE(x + 0, x),
    TJ_RULE(x - 0, x),
    TJ_RULE(0 - x, neg(x)),
    TJ_RULE(x * 1, x),
    TJ_RULE(x * -1, neg(x)),
    TJ_RULE(x / 1, x),
    TJ_RULE(x / -1, neg(x)),
    TJ_RULE(x - x, fill(x, 0)),
    TJ_RULE(pow(x, 1), x),
    TJ_RULE(pow(x, 0), fill(x, 1)),
    TJ_RULE(pow(x, 2), sqr(x)),
    TJ_RULE(pow(x, 0.5), sqrt(x)),
    TJ_RULE_IF(pow(x, -1), reciprocal(x), is_float(x)),
    TJ_RULE_IF(1 / x, reciprocal(x), is_float(x)));

// Negations move towards the root and cancel.
TJ_REGISTER_RULES(canonicalize,
    TJ_RULE(neg(neg(x)), x),
    TJ_RULE(neg(x - y), y - x),
    TJ_RULE(x - neg(y), x + y),
    TJ_RULE(x + neg(y), x - y),
    TJ_RULE(neg(x) - y, neg(x + y)),
    TJ_RULE(neg(x) * y, neg(x * y)),
    TJ_RULE(neg(x) / y, neg(x / y)),
    TJ_RULE(x / neg(y), neg(x / y)),
    TJ_RULE(reciprocal(neg(x)), neg(reciprocal(x))),
    TJ_RULE(sqr(neg(x)), sqr(x)));

// Division chains: one division, at the root (in floats: integer products could overflow).
TJ_REGISTER_RULES(canonicalize,
    TJ_RULE_IF((x / y) / z, x / (y * z), is_float(y) && is_float(z)),
    TJ_RULE_IF(x / (y / z), (x * z) / y, is_float(x) && is_float(z)),
    TJ_RULE(x * reciprocal(y), x / y));

// Constants fold through add and mul chains: they move towards the root of the chain, where
// two of them meet and fold into one.
TJ_REGISTER_RULES(canonicalize,
    TJ_RULE((x + c1) + c2, x + (c1 + c2)),
    TJ_RULE((x - c1) + c2, x + (c2 - c1)),
    TJ_RULE((x + c1) - c2, x + (c1 - c2)),
    TJ_RULE((c1 - x) + c2, (c1 + c2) - x),
    TJ_RULE_IF((x + c1) + y, (x + y) + c1, !is_constant(x) && !is_constant(y)),
    TJ_RULE((x * c1) * c2, x * (c1 * c2)),
    TJ_RULE((x / c1) * c2, x * (c2 / c1)),
    TJ_RULE_IF((x * c1) / c2, x * (c1 / c2), is_float(x)),
    TJ_RULE_IF((c1 / x) * c2, (c1 * c2) / x, is_float(c1)),
    TJ_RULE_IF((x * c1) * y, (x * y) * c1, !is_constant(x) && !is_constant(y)));

// Fills (the gradients of reductions are full of them) move towards the root, where the value
// they fill is the whole shape already and the fill goes.
TJ_REGISTER_RULES(canonicalize,
    TJ_RULE(fill(x, y), y),
    TJ_RULE(neg(fill(x, y)), fill(x, neg(y))),
    TJ_RULE(fill(x, y) + z, fill(x, y + z)),
    TJ_RULE(fill(x, y) * z, fill(x, y * z)),
    TJ_RULE(fill(x, y) - z, fill(x, y - z)),
    TJ_RULE(z - fill(x, y), fill(x, z - y)),
    TJ_RULE(fill(x, y) / z, fill(x, y / z)),
    TJ_RULE(z / fill(x, y), fill(x, z / y)));

// clang-format on

} // namespace tensorjit
