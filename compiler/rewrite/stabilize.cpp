/// stabilize: replaces numerically unstable expressions by stable equivalents
/// (rules_stabilize.cpp), bottom-up until none applies. Needs canonical form before it (the rules
/// match it).
#include "compiler/rewrite/local_rewrite.hpp"
#include "compiler/rewrite/passes.hpp"

namespace tensorjit {

FunctionGraph stabilize(FunctionGraph g) {
    const std::vector<NodePtr> roots = apply_rewrites(g.roots(), "stabilize");
    return replace_roots(g, roots);
}

} // namespace tensorjit
