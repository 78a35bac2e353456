// Canonical serialization of function graphs for the cache key.
#include "compiler/function/graph_key.hpp"

#include "compiler/codegen/templates.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/hash.hpp"

#include <sstream>
#include <unordered_map>

namespace tensorjit {

std::string canonical_text(const FunctionGraph& g) {
    std::ostringstream os;
    os << "tjgraph 1\n";
    std::unordered_map<const Node*, std::string> ref;
    for (std::size_t i = 0; i < g.inputs.size(); ++i) {
        ref[g.inputs[i].get()] = "i" + std::to_string(i);
        os << "input " << i << " " << g.inputs[i]->type.str() << "\n";
    }
    std::unordered_map<const SharedStorage*, std::size_t> shared;
    for (std::size_t i = 0; i < g.shared.size(); ++i) {
        shared[g.shared[i]->storage.get()] = i;
        os << "shared " << i << " " << g.shared[i]->type.str() << "\n";
    }
    std::vector<NodePtr> roots = g.roots();
    std::size_t next = 0;
    for (const Node* n : topo_order(roots)) {
        switch (n->op) {
        case OpKind::Input:
            continue; // named above; an input outside g.inputs was rejected by function()
        case OpKind::Shared:
            ref[n] = "s" + std::to_string(shared.at(n->storage.get()));
            continue;
        case OpKind::Constant: {
            const Array& v = *n->value;
            std::string bytes(static_cast<const char*>(v.raw_data()),
                              static_cast<std::size_t>(v.size()) * v.itemsize());
            std::string name = "n" + std::to_string(next++);
            os << name << " = constant " << dtype_name(v.dtype()) << shape_str(v.shape()) << " "
               << sha256_hex(bytes) << "\n";
            ref[n] = name;
            continue;
        }
        default:
            break;
        }
        std::string name = "n" + std::to_string(next++);
        os << name << " = " << op_name(n->op) << "{" << n->attrs.canonical() << "} "
           << n->type.str() << " (";
        for (std::size_t i = 0; i < n->inputs.size(); ++i)
            os << (i ? ", " : "") << ref.at(n->inputs[i].get());
        os << ")\n";
        ref[n] = name;
    }
    for (const auto& o : g.outputs) os << "output " << ref.at(o.get()) << "\n";
    for (const auto& [sh, v] : g.updates) os << "update s" << sh << " " << ref.at(v.get()) << "\n";
    return os.str();
}

std::string graph_key(const FunctionGraph& g) {
    Sha256 h;
    h.update("tensorjit cache key v1\n");
    h.update("codegen " + std::to_string(kCodegenVersion) + "\n");
    h.update(g.rewrites ? "rewrites on\n" : "rewrites off\n");
    h.update("strided leaves " + std::to_string(g.strided_leaves) + "\n");
    h.update(jit::target_id());
    h.update("\n");
    h.update(codegen::templates_hash());
    h.update("\n");
    h.update(canonical_text(g));
    return h.hex();
}

} // namespace tensorjit
