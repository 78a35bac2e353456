// The rewrite phases, in order, with per-phase timing at debug level.
#include "compiler/rewrite/pipeline.hpp"

#include "compiler/ops/op_def.hpp"
#include "compiler/rewrite/local_rewrite.hpp"
#include "runtime/hash.hpp"
#include "runtime/log.hpp"

#include <tensorjit/checked.hpp>

#include <chrono>
#include <cstdlib>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace tensorjit {

namespace {

// Applies a node mapping to every root of g.
FunctionGraph remap(const FunctionGraph& g, const std::unordered_map<const Node*, NodePtr>& repl) {
    if (repl.empty()) return g;
    std::vector<NodePtr> roots = replace_nodes(g.roots(), repl);
    FunctionGraph out = g;
    for (std::size_t i = 0; i < g.outputs.size(); ++i) out.outputs[i] = roots[i];
    for (std::size_t i = 0; i < g.updates.size(); ++i)
        out.updates[i].second = roots[g.outputs.size() + i];
    return out;
}

} // namespace

FunctionGraph rewrite_phase(FunctionGraph g, const char* phase) {
    std::vector<NodePtr> roots = apply_rewrites(g.roots(), phase);
    for (std::size_t i = 0; i < g.outputs.size(); ++i) g.outputs[i] = roots[i];
    for (std::size_t i = 0; i < g.updates.size(); ++i)
        g.updates[i].second = roots[g.outputs.size() + i];
    return g;
}

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
    return remap(g, repl);
}

FunctionGraph constant_fold(FunctionGraph g) {
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
    return remap(g, folded);
}

FunctionGraph rewrite_pipeline(FunctionGraph g) {
    static const bool time_passes = std::getenv("TJ_TIME_PASSES") != nullptr;
    auto phase = [&](const char* name, FunctionGraph (*pass)(FunctionGraph)) {
        auto t = std::chrono::steady_clock::now();
        g = pass(std::move(g));
        if (time_passes)
            log().info(
                "after {}: {:.3f} ms", name,
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t)
                    .count());
    };
    phase("merge", merge);
    phase("canonicalize",
          [](FunctionGraph x) { return rewrite_phase(std::move(x), "canonicalize"); });
    phase("stabilize", [](FunctionGraph x) { return rewrite_phase(std::move(x), "stabilize"); });
    phase("constant_fold", constant_fold);
    phase("merge", merge);
    return g;
}

} // namespace tensorjit
