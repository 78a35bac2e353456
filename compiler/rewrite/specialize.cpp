/// specialize: replaces nodes whose inputs are all constants by their value (reference
/// evaluation, constant_fold.hpp) when the value is small (at most 64 elements). Needs canonical
/// form before it (so constant operands are gathered); after it no computed node but a root has
/// only constant inputs.
#include "compiler/rewrite/constant_fold.hpp"
#include "compiler/rewrite/passes.hpp"

#include <unordered_map>
#include <unordered_set>

namespace tensorjit {

FunctionGraph specialize(FunctionGraph g) {
    std::vector<NodePtr> roots = g.roots();
    std::unordered_map<const Node*, NodePtr> folded;
    std::unordered_set<const Node*> is_root;
    for (const auto& r : roots) is_root.insert(r.get());
    for (const Node* n : topo_order(roots)) {
        // Roots stay computed nodes: the emitter gives each its own slot.
        if (n->is_leaf() || is_root.count(n)) continue;
        std::vector<NodePtr> inputs;
        bool all_const = true, rebuilt = false;
        for (const auto& in : n->inputs) {
            auto f = folded.find(in.get());
            inputs.push_back(f != folded.end() ? f->second : in);
            rebuilt |= f != folded.end();
            all_const = all_const && inputs.back()->op == OpKind::Constant;
        }
        if (!all_const) continue;
        NodePtr v = rebuilt ? fold_constant(*make_node_typed(n->op, inputs, n->attrs, n->type))
                            : fold_constant(*n);
        if (v) folded[n] = std::move(v);
    }
    return replace_in(g, folded);
}

} // namespace tensorjit
