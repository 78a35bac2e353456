// Canonical serialization of function graphs for the cache key.
#include "compiler/function/graph_key.hpp"

#include "compiler/codegen/templates.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/hash.hpp"

#include <string_view>
#include <unordered_map>

namespace tensorjit {

namespace {

// Both canonical texts of g, with the types (`typed`) and without (`untyped`), written in one
// walk: the key needs both, and the walk costs more than the writing.
void canonical_texts(const FunctionGraph& g, std::string* typed, std::string* untyped) {
    auto both = [&](std::string_view text) {
        *typed += text;
        *untyped += text;
    };
    both("tjgraph 1\n");
    std::unordered_map<const Node*, std::string> ref;
    for (std::size_t i = 0; i < g.inputs.size(); ++i) {
        ref[g.inputs[i].get()] = "i" + std::to_string(i);
        both("input " + std::to_string(i));
        *typed += " " + g.inputs[i]->type.str();
        both("\n");
    }
    std::unordered_map<const SharedStorage*, std::size_t> shared;
    for (std::size_t i = 0; i < g.shared.size(); ++i) {
        shared[g.shared[i]->storage.get()] = i;
        both("shared " + std::to_string(i));
        *typed += " " + g.shared[i]->type.str();
        both("\n");
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
            both(name + " = constant ");
            both(dtype_name(v.dtype()));
            both(shape_str(v.shape()) + " " + sha256_hex(bytes) + "\n");
            ref[n] = std::move(name);
            continue;
        }
        default:
            break;
        }
        std::string name = "n" + std::to_string(next++);
        both(name + " = ");
        both(op_name(n->op));
        both("{" + n->attrs.canonical() + "} ");
        *typed += n->type.str() + " ";
        both("(");
        for (std::size_t i = 0; i < n->inputs.size(); ++i) {
            if (i) both(", ");
            both(ref.at(n->inputs[i].get()));
        }
        both(")\n");
        ref[n] = std::move(name);
    }
    for (const auto& o : g.outputs) both("output " + ref.at(o.get()) + "\n");
    for (const auto& [sh, v] : g.updates)
        both("update s" + std::to_string(sh) + " " + ref.at(v.get()) + "\n");
}

} // namespace

std::string canonical_text(const FunctionGraph& g, bool types) {
    std::string typed, untyped;
    canonical_texts(g, &typed, &untyped);
    return types ? typed : untyped;
}

std::vector<std::pair<const char*, const std::string*>> KeyComponents::fields() const {
    return {{"graph", &graph},         {"signature", &signature}, {"toolchain", &toolchain},
            {"templates", &templates}, {"target", &target},       {"codegen", &codegen}};
}

namespace {

// The components of g's key, given the hash of its canonical text without types.
KeyComponents components_of(const FunctionGraph& g, const jit::Target& target,
                            std::string graph_hash) {
    KeyComponents c;
    c.graph = std::move(graph_hash);
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

// The key of the components and the canonical text with types.
std::string key_of(const KeyComponents& components, std::string_view typed_text) {
    Sha256 h;
    h.update("tensorjit cache key v2\n");
    for (const auto& [name, value] : components.fields()) {
        h.update(name);
        h.update(": ");
        h.update(*value);
        h.update("\n");
    }
    h.update(typed_text);
    return h.hex();
}

} // namespace

KeyComponents key_components(const FunctionGraph& g, const jit::Target& target) {
    return components_of(g, target, sha256_hex(canonical_text(g, false)));
}

std::string graph_key(const FunctionGraph& g, const KeyComponents& components) {
    return key_of(components, canonical_text(g));
}

std::string graph_key(const FunctionGraph& g, const jit::Target& target,
                      KeyComponents* components) {
    std::string typed, untyped;
    canonical_texts(g, &typed, &untyped);
    *components = components_of(g, target, sha256_hex(untyped));
    return key_of(*components, typed);
}

std::string graph_key(const FunctionGraph& g) {
    KeyComponents components;
    return graph_key(g, jit::default_target(), &components);
}

} // namespace tensorjit
