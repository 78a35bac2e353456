/// merge: common subexpression elimination. Nodes with the same op, attributes, type and
/// (merged) inputs become one node; constants merge by dtype, shape and value, shared variables
/// by storage. Needs nothing before it; runs first so that later phases see each value once.
#include "compiler/rewrite/passes.hpp"

#include "runtime/hash.hpp"

#include <map>
#include <unordered_map>

namespace tensorjit {

FunctionGraph merge(FunctionGraph g) {
    // Nodes are visited inputs-first, so a node's inputs are already canonical when its key is
    // made.
    std::map<std::string, NodePtr> by_key;
    std::unordered_map<const Node*, NodePtr> canon; // node -> representative
    std::unordered_map<const Node*, std::string> id;
    std::vector<NodePtr> roots = g.roots();
    const std::unordered_map<const Node*, NodePtr> owner = owners(roots);
    std::unordered_map<const Node*, NodePtr> repl;
    for (const Node* n : topo_order(roots)) {
        std::string key;
        if (n->op == OpKind::Input || n->op == OpKind::Shared) {
            key = "leaf" + std::to_string(n->serial);
            if (n->op == OpKind::Shared)
                key = "shared" + std::to_string(reinterpret_cast<std::uintptr_t>(n->storage.get()));
        } else if (n->op == OpKind::Constant) {
            const Array& v = *n->value;
            key = "c" + std::string(dtype_name(v.dtype())) + shape_str(v.shape()) +
                  sha256_hex(std::string_view(static_cast<const char*>(v.raw_data()),
                                              static_cast<std::size_t>(v.size()) * v.itemsize()));
        } else {
            key = std::string(op_name(n->op)) + "{" + n->attrs.canonical() + "}" + n->type.str() +
                  "(";
            for (const auto& in : n->inputs) key += id.at(canon.at(in.get()).get()) + ",";
            key += ")";
        }
        auto [it, fresh] = by_key.emplace(key, owner.at(n));
        canon[n] = it->second;
        if (fresh)
            id[n] = "#" + std::to_string(id.size());
        else
            repl[n] = it->second;
    }
    return replace_in(g, repl);
}

} // namespace tensorjit
