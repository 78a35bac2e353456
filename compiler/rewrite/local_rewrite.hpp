/// \file
/// Local rewrites: functions tracked on an op kind that return a replacement for a node (same
/// dtype and rank, same values) or nothing; registered beside their definition with
/// TJ_REGISTER_REWRITE and applied by phase, bottom-up, to a fixpoint.
#pragma once

#include "compiler/graph/node.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace tensorjit {

/// Returns the replacement of n, or nullptr when the rewrite does not apply.
using LocalRewriteFn = NodePtr (*)(const NodePtr& n);

struct LocalRewrite {
    const char* phase; ///< "canonicalize" or "stabilize"
    const char* name;  ///< local_<from>_to_<to>
    OpKind kind;       ///< the op kind of the nodes it looks at
    LocalRewriteFn fn;
};

struct RewriteRegistrar {
    explicit RewriteRegistrar(LocalRewrite r);
};

#define TJ_REGISTER_REWRITE(phase, name, kind)                                                     \
    static NodePtr name(const NodePtr& n);                                                         \
    static const ::tensorjit::RewriteRegistrar TJ_CONCAT(tj_rewrite_, name){                       \
        ::tensorjit::LocalRewrite{#phase, #name, kind, &name}};                                    \
    static NodePtr name(const NodePtr& n)

/// Applies the phase's rewrites to the graphs of roots until none applies (at most a few
/// sweeps); returns the new roots in order.
std::vector<NodePtr> apply_rewrites(std::span<const NodePtr> roots, std::string_view phase);

/// True when n is a constant whose every element equals v.
bool is_constant_value(const Node& n, double v);

} // namespace tensorjit
