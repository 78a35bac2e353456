// The local-rewrite driver.
#include "compiler/rewrite/local_rewrite.hpp"

#include "compiler/ops/op_def.hpp"
#include "runtime/log.hpp"

#include <unordered_map>

namespace tensorjit {

namespace {
std::vector<LocalRewrite>& registry() {
    static std::vector<LocalRewrite> r;
    return r;
}
} // namespace

RewriteRegistrar::RewriteRegistrar(LocalRewrite r) { registry().push_back(r); }

bool is_constant_value(const Node& n, double v) {
    if (n.op != OpKind::Constant || n.value->size() == 0) return false;
    for (std::int64_t i = 0; i < n.value->size(); ++i)
        if (n.value->flat(i) != v) return false;
    return true;
}

std::vector<NodePtr> apply_rewrites(std::span<const NodePtr> roots_in, std::string_view phase) {
    std::vector<const LocalRewrite*> rules;
    for (const auto& r : registry())
        if (phase == r.phase) rules.push_back(&r);
    std::vector<NodePtr> roots(roots_in.begin(), roots_in.end());
    if (rules.empty()) return roots;
    for (int sweep = 0; sweep < 4; ++sweep) {
        bool changed = false;
        std::unordered_map<const Node*, NodePtr> done;
        const std::unordered_map<const Node*, NodePtr> owner = owners(roots);
        for (const Node* raw : topo_order(roots)) {
            NodePtr n = owner.at(raw);
            if (!n->is_leaf()) {
                std::vector<NodePtr> inputs;
                bool rebuilt = false;
                for (const auto& in : n->inputs) {
                    inputs.push_back(done.at(in.get()));
                    rebuilt |= inputs.back() != in;
                }
                if (rebuilt) n = make_node_typed(n->op, std::move(inputs), n->attrs, n->type);
                // A replacement may itself be rewritten (bounded: rules shrink or stabilize).
                for (int round = 0; round < 8; ++round) {
                    NodePtr r;
                    for (const LocalRewrite* rule : rules) {
                        if (rule->kind != n->op) continue;
                        r = rule->fn(n);
                        if (!r) continue;
                        TJ_INTERNAL_CHECK(r->type.dtype == n->type.dtype &&
                                          r->type.ndim() == n->type.ndim())
                            << "rewrite " << rule->name << " changed the type of " << describe(*n)
                            << " from " << n->type.str() << " to " << r->type.str();
                        log().trace("rewrite {}: {} -> {}", rule->name, describe(*n), describe(*r));
                        break;
                    }
                    if (!r) break;
                    n = r;
                    changed = true;
                }
            }
            done[raw] = n;
        }
        for (auto& r : roots) r = done.at(r.get());
        if (!changed) break;
    }
    return roots;
}

} // namespace tensorjit
