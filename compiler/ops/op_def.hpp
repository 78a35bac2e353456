/// \file
/// OpDef: everything about one operation in one record (type rule, reference evaluation, kernel
/// template, gradient), registered with TJ_REGISTER_OP beside its definition and looked up by
/// OpKind. Passes ask the registry for op facts instead of switching on kinds.
#pragma once

#include "compiler/graph/node.hpp"

#include <functional>
#include <span>
#include <vector>

namespace tensorjit {

class EmitContext;

struct OpDef {
    OpKind kind = OpKind::Input;
    /// The kernel may make the result a view of input 0 (EmitContext::emit_view): storage_plan
    /// keeps the input's buffer alive while the view is, and inplace does not overwrite it.
    bool view = false;
    /// Number of inputs, or -1 for any.
    int arity = -1;
    /// Rewrites the inputs before typing (casts to a common dtype, weak constants); may throw
    /// TypeError naming the op.
    std::function<void(std::vector<NodePtr>& inputs, Attrs& attrs)> prepare;
    /// The output type of prepared inputs; throws TypeError/ShapeError naming the op.
    std::function<TensorType(std::span<const NodePtr> inputs, const Attrs& attrs)> type_rule;
    /// Reference evaluation on arrays (independent of the kernel templates): the test oracle and
    /// constant folding. Inputs have the prepared dtypes; the result has node.type's dtype.
    std::function<Array(std::span<const Array> inputs, const Node& node)> reference;
    /// Element-wise ops: the scalar functor of codegen_templates/scalar_ops.hpp ("tj_exp").
    const char* functor = nullptr;
    /// Other ops: writes the node's code into the kernel.
    std::function<void(EmitContext& e, const Node& node)> emit;
    /// Reverse mode: the gradient for each input given the output's gradient `gout` (an
    /// undefined Var for an input that gets none, e.g. an integer one). Unset: the op is not
    /// differentiable and grad() raises a TypeError naming it.
    std::function<std::vector<Var>(const Node& node, const Var& out, const Var& gout)> pullback;

    bool is_elementwise() const { return functor != nullptr; }
};

/// The record of op k; InternalError when no record was registered.
const OpDef& op_def(OpKind k);

/// A new node: runs the op's preparation (casts to a common dtype, weak constants) and type rule.
/// Throws TypeError/ShapeError naming the op when the inputs do not fit.
NodePtr make_node(OpKind op, std::vector<NodePtr> inputs, Attrs attrs = {});
/// Casts n to dtype (returns n itself when it already has it; weak constants are re-made).
NodePtr cast_to(const NodePtr& n, DType dtype);

/// Registers an OpDef at static-initialization time.
struct OpRegistrar {
    explicit OpRegistrar(OpDef def);
};

#define TJ_CONCAT_INNER(a, b) a##b
#define TJ_CONCAT(a, b) TJ_CONCAT_INNER(a, b)
/// `TJ_REGISTER_OP(OpDef{...});` next to the op's definition.
#define TJ_REGISTER_OP(...)                                                                        \
    static const ::tensorjit::OpRegistrar TJ_CONCAT(tj_op_registrar_, __LINE__) { __VA_ARGS__ }

} // namespace tensorjit
