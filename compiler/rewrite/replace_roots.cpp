// The phases' common last step: a graph with new roots.
#include "compiler/rewrite/passes.hpp"

#include "compiler/ops/op_def.hpp"

namespace tensorjit {

namespace {
// Roots are computed values (the emitter gives each a slot of its own): a root that a rewrite
// reduced to a leaf (x * 1 -> x, or a constant) becomes a copy of it, as FunctionGraph makes
// outputs that are leaves.
NodePtr computed(const NodePtr& n) { return n->is_leaf() ? make_node(OpKind::Identity, {n}) : n; }
} // namespace

FunctionGraph replace_roots(const FunctionGraph& g, std::span<const NodePtr> roots) {
    FunctionGraph out = g;
    for (std::size_t i = 0; i < g.outputs.size(); ++i) out.outputs[i] = computed(roots[i]);
    for (std::size_t i = 0; i < g.updates.size(); ++i)
        out.updates[i].second = computed(roots[g.outputs.size() + i]);
    return out;
}

FunctionGraph replace_in(const FunctionGraph& g,
                         const std::unordered_map<const Node*, NodePtr>& repl) {
    if (repl.empty()) return g;
    return replace_roots(g, replace_nodes(g.roots(), repl));
}

} // namespace tensorjit
