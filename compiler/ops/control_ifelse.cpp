// Lazy ifelse (PyTensor's ifelse): one IfElse node (condition, then, else) per value chosen.
// Laziness is not the op's business: the code generator runs each step only under the conditions
// of the ifelse branches that need it (compiler/codegen/schedule.cpp, Schedule::guard), so the
// node's own step only makes its slot hold the chosen value (a view of it, or a copy for a
// function output or an update).
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"

#include <tensorjit/control.hpp>

#include <string>

namespace tensorjit {

namespace {

std::string label(const Node& n) {
    return n.name.empty() ? n.type.str() : "\"" + n.name + "\" (" + n.type.str() + ")";
}

void check_condition(const Node& cond) {
    TJ_CHECK(cond.type.ndim() == 0, TypeError)
        << "ifelse: the condition " << label(cond)
        << " must be a scalar (0-d; non-zero is true), got rank " << cond.type.ndim();
}

// A weak branch (a C++ scalar) takes the other branch's dtype, as weak constants do in
// element-wise ops; two weak branches promote as they would there.
void prepare_branches(NodePtr& then_n, NodePtr& else_n) {
    if (then_n->weak == else_n->weak) {
        if (!then_n->weak) return;
        const DType t = common_dtype({then_n, else_n});
        then_n = cast_to(then_n, t);
        else_n = cast_to(else_n, t);
        return;
    }
    if (then_n->weak)
        then_n = cast_to(then_n, else_n->type.dtype);
    else
        else_n = cast_to(else_n, then_n->type.dtype);
}

// The type of the chosen value: the branches' dtype and rank, an extent static where both have
// the same one.
TensorType ifelse_type(const TensorType& a, const TensorType& b) {
    Dims shape;
    for (int d = 0; d < a.ndim(); ++d) shape.push_back(a.shape[d] == b.shape[d] ? a.shape[d] : dyn);
    return TensorType{a.dtype, shape};
}

bool same_kind(const TensorType& a, const TensorType& b) {
    return a.dtype == b.dtype && a.ndim() == b.ndim();
}

// Said when one branch is 0-d and the other is not (a C++ scalar against a tensor).
const char* rank_hint(const TensorType& a, const TensorType& b) {
    return a.ndim() != b.ndim() && (a.ndim() == 0 || b.ndim() == 0)
               ? " (a scalar branch needs a 0-d other branch: tj::fill(x, value) makes a tensor "
                 "of x's shape)"
               : "";
}

} // namespace

TJ_REGISTER_OP(OpDef{
    .kind = OpKind::IfElse,
    // The value is a view of the chosen branch: storage_plan keeps both branches' buffers alive
    // while it is, and inplace overwrites neither under it.
    .view = true,
    .arity = 3,
    .prepare = [](std::vector<NodePtr>& in, Attrs&) { prepare_branches(in[1], in[2]); },
    .type_rule =
        [](std::span<const NodePtr> in, const Attrs&) {
            check_condition(*in[0]);
            const TensorType &a = in[1]->type, &b = in[2]->type;
            TJ_CHECK(same_kind(a, b), TypeError)
                << "ifelse: the then branch has type " << a.str() << " and the else branch "
                << b.str() << "; they must have the same dtype and rank" << rank_hint(a, b);
            return ifelse_type(a, b);
        },
    .reference =
        [](std::span<const Array> in, const Node&) {
            // Non-zero (NaN included) is true, as Python's bool().
            return in[in[0].item_double() != 0 ? 1 : 2].copy();
        },
    .emit =
        [](EmitContext& e, const Node& n) {
            // src is the condition; v the chosen branch's array (a temporary aliases it, an
            // output or update gets a copy).
            const std::string t = EmitContext::ctype(n.inputs[0]->type.dtype);
            e.emit_view(n, "    tj_arr v = *(*(const " + t + "*)src->data != 0 ? " +
                               e.arr(n.inputs[1].get()) + " : " + e.arr(n.inputs[2].get()) +
                               ");\n");
        },
    // The chosen branch gets the gradient, the other zeros of its own shape; the condition none.
    .pullback = [](const Node& n, const Var&, const Var& g) -> std::vector<Var> {
        const Var c(n.inputs[0]), a(n.inputs[1]), b(n.inputs[2]);
        const Var gg = g.dtype() == n.type.dtype ? g : cast(g, n.type.dtype);
        return {Var(), ifelse(c, gg, zeros_like(a)), ifelse(c, zeros_like(b), gg)};
    },
});

std::vector<Var> ifelse(const Var& cond, const std::vector<Var>& then_vars,
                        const std::vector<Var>& else_vars) {
    TJ_CHECK(cond.defined(), ValueError) << "ifelse: the condition is an undefined variable";
    check_condition(*cond.node());
    TJ_CHECK(then_vars.size() == else_vars.size(), ValueError)
        << "ifelse: " << then_vars.size() << " then value" << (then_vars.size() == 1 ? "" : "s")
        << " but " << else_vars.size() << " else value" << (else_vars.size() == 1 ? "" : "s")
        << " (one of each per output)";
    // Every pair is checked before any node is made, so an error names its output.
    std::vector<std::pair<NodePtr, NodePtr>> pairs;
    for (std::size_t i = 0; i < then_vars.size(); ++i) {
        TJ_CHECK(then_vars[i].defined() && else_vars[i].defined(), ValueError)
            << "ifelse: output " << i << ": the " << (then_vars[i].defined() ? "else" : "then")
            << " value is an undefined variable";
        NodePtr a = then_vars[i].node(), b = else_vars[i].node();
        prepare_branches(a, b);
        TJ_CHECK(same_kind(a->type, b->type), TypeError)
            << "ifelse: output " << i << ": the then value has type " << a->type.str()
            << " and the else value " << b->type.str() << "; they must have the same dtype and rank"
            << rank_hint(a->type, b->type);
        pairs.emplace_back(std::move(a), std::move(b));
    }
    std::vector<Var> out;
    for (auto& [a, b] : pairs)
        out.emplace_back(make_node(OpKind::IfElse, {cond.node(), std::move(a), std::move(b)}));
    return out;
}

Var ifelse(const Var& cond, const Var& then_var, const Var& else_var) {
    return ifelse(cond, std::vector<Var>{then_var}, std::vector<Var>{else_var})[0];
}

} // namespace tensorjit
