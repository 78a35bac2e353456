// Constant folding is part of the canonical form (as in PyTensor's canonicalize): a node whose
// inputs are all constants becomes its value (constant_fold.hpp: small values only), so the
// constants that other rules make or meet fold as soon as they appear, and the rules after it
// see them as constants. specialize folds again after stabilize.
#include "compiler/rewrite/constant_fold.hpp"
#include "compiler/rewrite/local_rewrite.hpp"

namespace tensorjit {

namespace {

// Every op kind but identity, which only materializes a root (folding it would give the root
// back as a leaf, to be copied again).
const OpKind kFoldable[] = {
#define X(E, N) OpKind::E,
#include "compiler/graph/op_kinds.def"
#undef X
};

NodePtr fold(const NodePtr& n) {
    if (n->op == OpKind::Identity || n->is_leaf()) return nullptr;
    NodePtr v = fold_constant(*n);
    // A node whose type knows fewer extents than its value has (an ifelse of constants of two
    // shapes, a node rebuilt with its old type) keeps its type: rewrites never change one.
    return v && v->type == n->type ? v : nullptr;
}

const RewriteRegistrar fold_registrar{"canonicalize", "constant_fold", kFoldable, fold};

} // namespace

} // namespace tensorjit
