/// specialize: replaces nodes whose inputs are all constants by their value (reference
/// evaluation) when the value is small (at most 64 elements). Needs canonical form before it (so
/// constant operands are gathered); after it no computed node has only constant inputs.
#include "compiler/rewrite/passes.hpp"

#include "compiler/ops/op_def.hpp"

#include <tensorjit/checked.hpp>

#include <unordered_map>
#include <unordered_set>

namespace tensorjit {

FunctionGraph specialize(FunctionGraph g) {
    constexpr std::int64_t kMaxFolded = 64; // elements of a folded constant
    std::vector<NodePtr> roots = g.roots();
    std::unordered_map<const Node*, NodePtr> folded;
    std::unordered_set<const Node*> is_root;
    for (const auto& r : roots) is_root.insert(r.get());
    for (const Node* n : topo_order(roots)) {
        // Roots stay computed nodes: the emitter gives each its own slot.
        if (n->is_leaf() || is_root.count(n)) continue;
        const OpDef& d = op_def(n->op);
        if (!d.reference) continue;
        // Only small results are kept (below): do not compute a large one to drop it (a constant
        // alloc of a huge shape would allocate it here).
        std::int64_t static_size = 1;
        for (auto e : n->type.shape)
            if (e != dyn && !checked::mul(static_size, e, &static_size))
                static_size = kMaxFolded + 1;
        if (static_size > kMaxFolded) continue;
        std::vector<Array> values;
        bool all_const = true;
        for (const auto& in : n->inputs) {
            auto f = folded.find(in.get());
            const Node* src = f != folded.end() ? f->second.get() : in.get();
            if (src->op != OpKind::Constant) {
                all_const = false;
                break;
            }
            values.push_back(*src->value);
        }
        if (!all_const) continue;
        Array v;
        try {
            v = d.reference(values, *n);
        } catch (const UserError&) {
            continue; // left to fail at run time with the kernel's message
        }
        if (v.size() > kMaxFolded) continue;
        folded[n] = make_constant(v.astype(n->type.dtype));
    }
    return replace_in(g, folded);
}

} // namespace tensorjit
