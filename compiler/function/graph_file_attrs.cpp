// Checks of attributes that type rules take on trust: the public builders (reduce_attrs) validate
// them before make_node, so a graph file must be checked here before its nodes are typed.
#include "compiler/function/graph_file_format.hpp"
#include "compiler/ops/op_def.hpp"

#include <algorithm>
#include <vector>

namespace tensorjit::graph_file {

namespace {

// Strictly increasing axes in [0, ndim) from ints[first] on.
std::optional<std::string> axes_problem(const Attrs& a, std::size_t first, int ndim) {
    for (std::size_t k = first; k < a.ints.size(); ++k) {
        const std::int64_t d = a.ints[k];
        if (d < 0 || d >= ndim)
            return "axis " + std::to_string(d) + " is out of bounds for rank " +
                   std::to_string(ndim);
        if (k > first && d <= a.ints[k - 1])
            return "axes must be distinct and increasing (" + std::to_string(a.ints[k - 1]) +
                   ", then " + std::to_string(d) + ")";
    }
    return std::nullopt;
}

// Distinct axes in [0, ndim), in any order.
std::optional<std::string> distinct_axes_problem(const Attrs& a, int ndim) {
    std::vector<bool> seen(static_cast<std::size_t>(std::max(ndim, 0)), false);
    for (const std::int64_t d : a.ints) {
        if (d < 0 || d >= ndim)
            return "axis " + std::to_string(d) + " is out of bounds for rank " +
                   std::to_string(ndim);
        if (seen[static_cast<std::size_t>(d)]) return "axis " + std::to_string(d) + " is repeated";
        seen[static_cast<std::size_t>(d)] = true;
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> attrs_problem(OpKind op, std::span<const NodePtr> inputs,
                                         const Attrs& a) {
    switch (op) {
    // reduce_attrs: ints = {keepdims, sorted distinct axes...} of input 0.
    case OpKind::Sum:
    case OpKind::Mean:
    case OpKind::Prod:
    case OpKind::Max:
    case OpKind::Min:
    case OpKind::Argmax:
    case OpKind::Argmin:
    case OpKind::All:
    case OpKind::Any:
    case OpKind::Softmax:
    case OpKind::LogSoftmax:
        if (inputs.empty()) return std::nullopt; // arity is checked by the caller
        if (a.ints.empty()) return std::string("attrs.ints is empty (needs keepdims, axes...)");
        if (a.ints[0] != 0 && a.ints[0] != 1)
            return "keepdims is " + std::to_string(a.ints[0]) + ", not 0 or 1";
        return axes_problem(a, 1, inputs[0]->type.ndim());
    case OpKind::AxesSize:
        if (inputs.empty()) return std::nullopt;
        return axes_problem(a, 0, inputs[0]->type.ndim());
    // ints: a permutation of the input's axes.
    case OpKind::Transpose:
        if (inputs.empty()) return std::nullopt;
        if (a.ints.size() != static_cast<std::size_t>(inputs[0]->type.ndim()))
            return "the permutation has " + std::to_string(a.ints.size()) + " axes for rank " +
                   std::to_string(inputs[0]->type.ndim());
        return distinct_axes_problem(a, inputs[0]->type.ndim());
    // ints: axes of the output (inserted) or of the input (dropped).
    case OpKind::ExpandDims: {
        if (inputs.empty()) return std::nullopt;
        const std::size_t out_nd = static_cast<std::size_t>(inputs[0]->type.ndim()) + a.ints.size();
        if (out_nd > static_cast<std::size_t>(kMaxNdim))
            return "the result would have rank " + std::to_string(out_nd) + ", more than " +
                   std::to_string(kMaxNdim);
        return distinct_axes_problem(a, static_cast<int>(out_nd));
    }
    case OpKind::Squeeze:
        if (inputs.empty()) return std::nullopt;
        return distinct_axes_problem(a, inputs[0]->type.ndim());
    case OpKind::Cast:
        if (!a.ints.empty()) return std::string("cast takes no integer attributes");
        return std::nullopt;
    default:
        // Element-wise ops have no attributes (their builders pass none): any would only make
        // a different cache key for the same kernel.
        if (op_def(op).is_elementwise() && !(a == Attrs{}))
            return std::string("element-wise ops take no attributes");
        return std::nullopt;
    }
}

} // namespace tensorjit::graph_file
