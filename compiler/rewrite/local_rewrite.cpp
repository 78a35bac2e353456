// The local-rewrite driver.
#include "compiler/rewrite/local_rewrite.hpp"

#include "compiler/ops/op_def.hpp"
#include "runtime/log.hpp"

#include <deque>
#include <map>
#include <unordered_map>

namespace tensorjit {

namespace {
// A deque: registration keeps pointers to its elements stable.
std::deque<LocalRewrite>& registry() {
    static std::deque<LocalRewrite> r;
    return r;
}
thread_local const std::function<void(const std::string&)>* observe = nullptr;
} // namespace

namespace testing {
RewriteObserver::RewriteObserver(std::function<void(const std::string&)> seen)
    : seen_(std::move(seen)), previous_(observe) {
    observe = &seen_;
}
RewriteObserver::~RewriteObserver() { observe = previous_; }
} // namespace testing

RewriteRegistrar::RewriteRegistrar(LocalRewrite r) { registry().push_back(std::move(r)); }

RewriteRegistrar::RewriteRegistrar(const char* phase, std::vector<pattern::Rule> rules) {
    for (auto& rule : rules) {
        TJ_INTERNAL_CHECK(rule.lhs.kind == pattern::Pat::Kind::Apply)
            << "rewrite rule " << rule.text << ": the pattern must be an op";
        const OpKind kind = rule.lhs.op;
        std::string name = rule.text;
        registry().push_back(
            LocalRewrite{phase, std::move(name), kind, [rule = std::move(rule)](const NodePtr& n) {
                             return pattern::apply(rule, n);
                         }});
    }
}

RewriteRegistrar::RewriteRegistrar(const char* phase, const char* name,
                                   std::span<const OpKind> kinds, LocalRewriteFn fn) {
    for (OpKind k : kinds) registry().push_back(LocalRewrite{phase, name, k, fn});
}

std::vector<const LocalRewrite*> rewrites_of(std::string_view phase) {
    std::vector<const LocalRewrite*> out;
    for (const auto& r : registry())
        if (phase == r.phase) out.push_back(&r);
    return out;
}

bool is_constant_value(const Node& n, double v) {
    if (n.op != OpKind::Constant || n.value->size() == 0) return false;
    for (std::int64_t i = 0; i < n.value->size(); ++i)
        if (n.value->flat(i) != v) return false;
    return true;
}

std::vector<NodePtr> apply_rewrites(std::span<const NodePtr> roots_in, std::string_view phase) {
    std::unordered_map<OpKind, std::vector<const LocalRewrite*>> rules;
    for (const LocalRewrite* r : rewrites_of(phase)) rules[r->kind].push_back(r);
    std::vector<NodePtr> roots(roots_in.begin(), roots_in.end());
    if (rules.empty()) return roots;
    // Terminating rule sets apply a number of rewrites proportional to the graph: far past that
    // bound, some rules undo each other.
    std::size_t budget = 0, applied = 0;
    std::map<std::string, int> recent; // rules applied after the budget ran out
    for (bool changed = true; changed;) {
        changed = false;
        std::unordered_map<const Node*, NodePtr> done;
        const std::unordered_map<const Node*, NodePtr> owner = owners(roots);
        const std::vector<const Node*> order = topo_order(roots);
        if (budget == 0) budget = 64 * order.size() + 1024;
        for (const Node* raw : order) {
            NodePtr n = owner.at(raw);
            if (!n->is_leaf()) {
                std::vector<NodePtr> inputs;
                bool rebuilt = false;
                for (const auto& in : n->inputs) {
                    inputs.push_back(done.at(in.get()));
                    rebuilt |= inputs.back() != in;
                }
                if (rebuilt) n = make_node_typed(n->op, std::move(inputs), n->attrs, n->type);
                // A replacement may itself be rewritten; its new inner nodes are visited by the
                // next sweep.
                for (bool again = true; again;) {
                    again = false;
                    auto it = rules.find(n->op);
                    if (it == rules.end()) break;
                    for (const LocalRewrite* rule : it->second) {
                        NodePtr r = rule->fn(n);
                        if (!r) continue;
                        TJ_INTERNAL_CHECK(r->type.dtype == n->type.dtype &&
                                          r->type.shape == n->type.shape)
                            << "rewrite " << rule->name << " changed the type of " << describe(*n)
                            << " from " << n->type.str() << " to " << r->type.str();
                        log().trace("rewrite {}: {} -> {}", rule->name, describe(*n), describe(*r));
                        if (observe) (*observe)(rule->name);
                        if (++applied > budget) {
                            ++recent[rule->name];
                            if (applied > budget + 64) {
                                std::string names;
                                for (const auto& [name, count] : recent)
                                    names += "\n  " + name + " (" + std::to_string(count) + "x)";
                                TJ_INTERNAL_CHECK(false)
                                    << "the " << phase << " rewrites do not reach a fixpoint ("
                                    << applied << " rewrites on a graph of " << order.size()
                                    << " nodes); the last ones applied:" << names;
                            }
                        }
                        n = std::move(r);
                        changed = again = true;
                        break;
                    }
                }
            }
            done[raw] = n;
        }
        for (auto& r : roots) r = done.at(r.get());
    }
    return roots;
}

} // namespace tensorjit
