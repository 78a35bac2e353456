// The element-wise ops: the rows of <tensorjit/elementwise_ops.def> expanded into their OpDef
// records (dtype rule, scalar reference, kernel functor, pullback) and the public functions and
// operators that build them. Nothing about a particular op is written here.
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/elemwise_grad.hpp"
#include "compiler/ops/elemwise_reference.hpp"
#include "compiler/ops/op_def.hpp"

#include <cmath>
#include <vector>

namespace tensorjit {

// ---- records ----------------------------------------------------------------------------------

// The reference as a lambda of the row's inputs a, b, c (elemwise_reference calls unary ones with
// the value twice).
#define TJ_EW_REFERENCE_1(expr) [](auto a, auto) { return expr; }
#define TJ_EW_REFERENCE_2(expr) [](auto a, auto b) { return expr; }
#define TJ_EW_REFERENCE_3(expr) [](auto a, auto b, auto c) { return expr; }
// `TJ_EW_PULLBACK (body)`: nothing for an empty body, else `, lambda` with the body.
#define TJ_EW_PULLBACK(...)                                                                        \
    __VA_OPT__(,                                                                                   \
               []([[maybe_unused]] const Node& n, [[maybe_unused]] const Var& out,                 \
                  [[maybe_unused]] const Var& g) -> std::vector<Var> { __VA_ARGS__ })
#define TJ_ELEMWISE(kind, op, arity, rule, functor, libm, reference, pullback, ...)                \
    TJ_REGISTER_OP(elemwise_def({OpKind::kind, arity, DtypeRule::rule, #functor},                  \
                                TJ_EW_REFERENCE_##arity(reference) TJ_EW_PULLBACK pullback));
#include <tensorjit/elementwise_ops.def>
#undef TJ_ELEMWISE

// ---- public functions -------------------------------------------------------------------------

namespace {
Var apply(OpKind k, std::initializer_list<const Var*> in) {
    std::vector<NodePtr> nodes;
    nodes.reserve(in.size());
    for (const Var* v : in) {
        TJ_CHECK(v->defined(), ValueError) << op_name(k) << ": undefined variable";
        nodes.push_back(v->node());
    }
    return Var(make_node(k, std::move(nodes)));
}
} // namespace

#define TJ_EW_ARGS_1 &x
#define TJ_EW_ARGS_2 &a, &b
#define TJ_EW_ARGS_3 &a, &b, &c
#define TJ_EW_DEFINE(kind, arity, name)                                                            \
    Var name(TJ_EW_PARAMS_##arity) { return apply(OpKind::kind, {TJ_EW_ARGS_##arity}); }
#define TJ_ELEMWISE(kind, op, arity, rule, functor, libm, reference, pullback, ...)                \
    TJ_EW_EACH(TJ_EW_DEFINE, kind, arity, __VA_ARGS__)
#include <tensorjit/elementwise_ops.def>
#undef TJ_ELEMWISE

} // namespace tensorjit
