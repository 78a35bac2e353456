/// merge: common subexpression elimination. Nodes with the same op, attributes, type and
/// (merged) inputs become one node; constants merge by dtype, shape and value, shared variables
/// by storage. Needs nothing before it; runs first so that later phases see each value once.
#include "compiler/rewrite/passes.hpp"

#include "runtime/hash.hpp"

#include <unordered_map>

namespace tensorjit {

FunctionGraph merge(FunctionGraph g) {
    // Nodes are visited inputs-first, so a node's inputs are already canonical when its key is
    // made.
    std::vector<NodePtr> roots = g.roots();
    const std::unordered_map<const Node*, NodePtr> owner = owners(roots);
    const std::vector<const Node*> order = topo_order(roots);
    std::unordered_map<std::string, NodePtr> by_key;
    std::unordered_map<const Node*, const Node*> canon; // node -> representative
    std::unordered_map<const Node*, std::string> id;
    std::unordered_map<const Node*, NodePtr> repl;
    by_key.reserve(order.size());
    canon.reserve(order.size());
    id.reserve(order.size());
    for (const Node* n : order) {
        std::string key;
        if (n->op == OpKind::Input || n->op == OpKind::Shared) {
            key = "leaf" + std::to_string(n->serial);
            if (n->op == OpKind::Shared)
                key = "shared" + std::to_string(reinterpret_cast<std::uintptr_t>(n->storage.get()));
        } else if (n->op == OpKind::Constant) {
            const Array& v = *n->value;
            const std::string_view bytes(static_cast<const char*>(v.raw_data()),
                                         static_cast<std::size_t>(v.size()) * v.itemsize());
            // Small constants (the scalars of long chains) keep their bytes; large ones a digest.
            key = "c" + std::string(dtype_name(v.dtype())) + shape_str(v.shape()) +
                  (bytes.size() <= 64 ? "=" + std::string(bytes) : sha256_hex(bytes));
        } else {
            key = std::string(op_name(n->op)) + "{" + n->attrs.canonical() + "}" + n->type.str() +
                  "(";
            for (const auto& in : n->inputs) key += id.at(canon.at(in.get())) + ",";
            key += ")";
        }
        auto [it, fresh] = by_key.emplace(std::move(key), owner.at(n));
        canon[n] = it->second.get();
        if (fresh)
            id[n] = "#" + std::to_string(id.size());
        else
            repl[n] = it->second;
    }
    return replace_in(g, repl);
}

} // namespace tensorjit
