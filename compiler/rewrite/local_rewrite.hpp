/// \file
/// Local rewrites: a replacement for one node (same type, same values) or nothing. Most are
/// pattern rules (pattern.hpp), registered by phase with TJ_REGISTER_RULES beside their
/// definition, one identity per line; a rewrite that a pattern cannot say is a function
/// registered with TJ_REGISTER_REWRITE. apply_rewrites applies a phase's rewrites bottom-up until
/// none applies.
#pragma once

#include "compiler/graph/node.hpp"
#include "compiler/ops/op_def.hpp" // TJ_CONCAT
#include "compiler/rewrite/pattern.hpp"

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tensorjit {

/// Returns the replacement of n, or nullptr when the rewrite does not apply.
using LocalRewriteFn = std::function<NodePtr(const NodePtr& n)>;

struct LocalRewrite {
    std::string phase; ///< "canonicalize" or "stabilize"
    std::string name;  ///< the rule's text ("x + 0 -> x") or the function's name
    OpKind kind;       ///< the op kind of the nodes it looks at
    LocalRewriteFn fn;
};

struct RewriteRegistrar {
    explicit RewriteRegistrar(LocalRewrite r);
    /// Registers pattern rules, in order (the first that applies to a node wins).
    RewriteRegistrar(const char* phase, std::vector<pattern::Rule> rules);
    /// Registers one function for nodes of several kinds.
    RewriteRegistrar(const char* phase, const char* name, std::span<const OpKind> kinds,
                     LocalRewriteFn fn);
};

/// The rewrites of a phase, in registration order.
std::vector<const LocalRewrite*> rewrites_of(std::string_view phase);

#define TJ_REGISTER_REWRITE(phase, name, kind)                                                     \
    static NodePtr name(const NodePtr& n);                                                         \
    static const ::tensorjit::RewriteRegistrar TJ_CONCAT(tj_rewrite_, name){                       \
        ::tensorjit::LocalRewrite{#phase, #name, kind, &name}};                                    \
    static NodePtr name(const NodePtr& n)

/// `TJ_REGISTER_RULES(canonicalize, TJ_RULE(x + 0, x), ...);` at namespace scope, with
/// `using namespace tensorjit::pattern;` in effect.
#define TJ_REGISTER_RULES(phase, ...)                                                              \
    static const ::tensorjit::RewriteRegistrar TJ_CONCAT(tj_rules_, __LINE__) {                    \
#phase, std::vector < ::tensorjit::pattern::Rule> { __VA_ARGS__ }                          \
    }

/// Applies the phase's rewrites to the graphs of roots until none applies; returns the new roots
/// in order. The rule sets terminate (each rule shrinks the graph, folds constants or moves a
/// negation or a constant towards the root); a rule set that does not is a bug, reported as an
/// InternalError naming the rules that kept applying, never cut short silently.
std::vector<NodePtr> apply_rewrites(std::span<const NodePtr> roots, std::string_view phase);

namespace testing {
/// While alive, every rewrite applied on this thread is reported to `seen` by name (tests check
/// which rules a graph exercises).
class RewriteObserver {
  public:
    explicit RewriteObserver(std::function<void(const std::string& name)> seen);
    ~RewriteObserver();
    RewriteObserver(const RewriteObserver&) = delete;
    RewriteObserver& operator=(const RewriteObserver&) = delete;

  private:
    std::function<void(const std::string&)> seen_;
    const std::function<void(const std::string&)>* previous_;
};
} // namespace testing

/// True when n is a constant whose every element equals v.
bool is_constant_value(const Node& n, double v);

} // namespace tensorjit
