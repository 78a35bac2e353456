// Canonical serialization of function graphs for the cache key.
#include "compiler/function/graph_key.hpp"

#include "compiler/codegen/templates.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/hash.hpp"

#include <sstream>
#include <unordered_map>

namespace tensorjit {

std::string canonical_text(const FunctionGraph& g, bool types) {
    std::ostringstream os;
    os << "tjgraph 1\n";
    std::unordered_map<const Node*, std::string> ref;
    for (std::size_t i = 0; i < g.inputs.size(); ++i) {
        ref[g.inputs[i].get()] = "i" + std::to_string(i);
        os << "input " << i << (types ? " " + g.inputs[i]->type.str() : "") << "\n";
    }
    std::unordered_map<const SharedStorage*, std::size_t> shared;
    for (std::size_t i = 0; i < g.shared.size(); ++i) {
        shared[g.shared[i]->storage.get()] = i;
        os << "shared " << i << (types ? " " + g.shared[i]->type.str() : "") << "\n";
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
           << (types ? n->type.str() + " " : "") << "(";
        for (std::size_t i = 0; i < n->inputs.size(); ++i)
            os << (i ? ", " : "") << ref.at(n->inputs[i].get());
        os << ")\n";
        ref[n] = name;
    }
    for (const auto& o : g.outputs) os << "output " << ref.at(o.get()) << "\n";
    for (const auto& [sh, v] : g.updates) os << "update s" << sh << " " << ref.at(v.get()) << "\n";
    return os.str();
}

std::vector<std::pair<const char*, const std::string*>> KeyComponents::fields() const {
    return {{"graph", &graph},         {"signature", &signature}, {"toolchain", &toolchain},
            {"templates", &templates}, {"target", &target},       {"codegen", &codegen}};
}

KeyComponents key_components(const FunctionGraph& g, const jit::Target& target) {
    KeyComponents c;
    c.graph = sha256_hex(canonical_text(g, false));
    std::string sig = "inputs (";
    for (std::size_t i = 0; i < g.inputs.size(); ++i)
        sig += (i ? ", " : "") + g.inputs[i]->type.str();
    sig += "), shared (";
    for (std::size_t i = 0; i < g.shared.size(); ++i)
        sig += (i ? ", " : "") + g.shared[i]->type.str();
    sig += "), strided leaves " + std::to_string(g.strided_leaves);
    c.signature = std::move(sig);
    c.toolchain = jit::toolchain_id() + "; codegen " + std::to_string(kCodegenVersion);
    c.templates = codegen::templates_hash();
    c.target = target.triple + "; " + (target.native ? "native " : "cpu=") + target.cpu + "; " +
               target.features;
    c.codegen = g.rewrites ? "rewrites on" : "rewrites off";
    if (g.profile) c.codegen += "; profile on";
    return c;
}

std::string graph_key(const FunctionGraph& g, const KeyComponents& components) {
    Sha256 h;
    h.update("tensorjit cache key v2\n");
    for (const auto& [name, value] : components.fields()) {
        h.update(name);
        h.update(": ");
        h.update(*value);
        h.update("\n");
    }
    h.update(canonical_text(g));
    return h.hex();
}

std::string graph_key(const FunctionGraph& g) {
    return graph_key(g, key_components(g, jit::default_target()));
}

} // namespace tensorjit
