/// canonicalize: applies the "canonicalize" local rewrites bottom-up until none applies, then
/// merges the nodes the rewrites made equal. Needs nothing before it.
#include "compiler/rewrite/local_rewrite.hpp"
#include "compiler/rewrite/passes.hpp"

namespace tensorjit {

FunctionGraph canonicalize(FunctionGraph g) {
    const std::vector<NodePtr> roots = apply_rewrites(g.roots(), "canonicalize");
    return merge(replace_roots(g, roots));
}

} // namespace tensorjit
