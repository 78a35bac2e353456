// The text form of a graph (one line per node).
#include "compiler/graph/graph_text.hpp"

#include <sstream>
#include <unordered_map>

namespace tensorjit {

namespace {

std::string constant_text(const Node& n) {
    const Array& v = *n.value;
    if (v.ndim() != 0) return "constant<" + n.type.str() + ">";
    std::ostringstream os;
    os.precision(17);
    os << v.item_double();
    if (v.dtype() != DType::Float64) os << ":" << dtype_name(v.dtype());
    return os.str();
}

std::string leaf_label(const Node& n) {
    if (n.op == OpKind::Constant) return constant_text(n);
    return n.name.empty() ? "<" + n.type.str() + ">" : n.name;
}

} // namespace

std::string graph_text(std::span<const NodePtr> roots, std::span<const std::string> labels) {
    std::unordered_map<const Node*, std::string> name;
    std::string out;
    int next = 0;
    for (const Node* n : topo_order(roots)) {
        if (n->is_leaf()) {
            name[n] = leaf_label(*n);
            continue;
        }
        std::string id = "%" + std::to_string(next++);
        out += id + " = " + op_name(n->op);
        if (n->op == OpKind::Cast) {
            out += "{" + std::string(dtype_name(n->attrs.dtype)) + "}";
        } else if (!n->attrs.ints.empty()) {
            out += "{";
            for (std::size_t i = 0; i < n->attrs.ints.size(); ++i)
                out += (i ? "," : "") + std::to_string(n->attrs.ints[i]);
            out += "}";
        }
        out += "(";
        for (std::size_t i = 0; i < n->inputs.size(); ++i)
            out += (i ? ", " : "") + name.at(n->inputs[i].get());
        out += ") : " + n->type.str() + "\n";
        name[n] = std::move(id);
    }
    for (std::size_t i = 0; i < roots.size(); ++i)
        out += (i < labels.size() ? labels[i] : "out" + std::to_string(i)) + " = " +
               name.at(roots[i].get()) + "\n";
    return out;
}

std::string graph_text(const FunctionGraph& g) {
    std::vector<std::string> labels;
    for (std::size_t i = 0; i < g.outputs.size(); ++i) labels.push_back("out" + std::to_string(i));
    for (const auto& [sh, v] : g.updates) {
        const Node& var = *g.shared[static_cast<std::size_t>(sh)];
        labels.push_back("update " + (var.name.empty() ? "s" + std::to_string(sh) : var.name));
    }
    return graph_text(g.roots(), labels);
}

} // namespace tensorjit
