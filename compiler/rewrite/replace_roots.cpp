// The phases' common last step: a graph with new roots.
#include "compiler/rewrite/passes.hpp"

namespace tensorjit {

FunctionGraph replace_roots(const FunctionGraph& g, std::span<const NodePtr> roots) {
    FunctionGraph out = g;
    for (std::size_t i = 0; i < g.outputs.size(); ++i) out.outputs[i] = roots[i];
    for (std::size_t i = 0; i < g.updates.size(); ++i)
        out.updates[i].second = roots[g.outputs.size() + i];
    return out;
}

FunctionGraph replace_in(const FunctionGraph& g,
                         const std::unordered_map<const Node*, NodePtr>& repl) {
    if (repl.empty()) return g;
    return replace_roots(g, replace_nodes(g.roots(), repl));
}

} // namespace tensorjit
