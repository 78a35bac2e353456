// Shape rewrites: an op that reads only its input's shape (shape, axes_size) reads it from the
// earliest value that has it. The size of an element-wise result is the size of any of its
// inputs with the same rank and the same static-1 axes (broadcasting is static), so
// axes_size(sub(a, b)) becomes axes_size(a), and so on down to a leaf or a non-element-wise op.
// The value's own computation no longer has to run first: in the gradient of mean(xent), the
// count N is then known before the loop that computes xent, and the loops on both sides fuse.
// (As PyTensor's shape feature, a shape error of the skipped computation is raised where that
// computation runs, not by the shape op.)
#include "compiler/rewrite/local_rewrite.hpp"

#include "compiler/ops/op_def.hpp"

namespace tensorjit {

namespace {

bool same_loop_shape(const Node& a, const Node& b) {
    if (a.type.ndim() != b.type.ndim()) return false;
    for (int d = 0; d < a.type.ndim(); ++d)
        if ((a.type.shape[d] == 1) != (b.type.shape[d] == 1)) return false;
    return true;
}

bool elementwise(const Node& n) { return op_def(n.op).is_elementwise(); }

// The input of n's element-wise input that has its shape (a leaf first), or nullptr.
NodePtr shape_source(const NodePtr& n) {
    const Node& e = *n->inputs[0];
    if (!elementwise(e)) return nullptr;
    NodePtr best;
    for (const auto& in : e.inputs)
        if (same_loop_shape(*in, e) && (!best || (in->is_leaf() && !best->is_leaf()))) best = in;
    return best ? make_node(n->op, {best}, n->attrs) : nullptr;
}

} // namespace

TJ_REGISTER_REWRITE(canonicalize, local_shape_of_elemwise, OpKind::ShapeOf) {
    return shape_source(n);
}

TJ_REGISTER_REWRITE(canonicalize, local_axes_size_of_elemwise, OpKind::AxesSize) {
    return shape_source(n);
}

} // namespace tensorjit
