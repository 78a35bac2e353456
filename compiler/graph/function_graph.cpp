// The function graph's roots.
#include "compiler/graph/function_graph.hpp"

namespace tensorjit {

std::vector<NodePtr> FunctionGraph::roots() const {
    std::vector<NodePtr> r = outputs;
    for (const auto& u : updates) r.push_back(u.second);
    return r;
}

} // namespace tensorjit
