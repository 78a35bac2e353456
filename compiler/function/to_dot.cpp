// tj::to_dot: a graph as Graphviz text, written by Boost.Graph's write_graphviz.
#include "compiler/function/graph_view.hpp"

// GCC 12 reports a boost::optional inside adjacency_list's edge iterator, which write_graphviz
// walks, as maybe uninitialized: a known false positive of its middle end, not of this code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>

#include <sstream>
#include <unordered_map>

namespace tensorjit {

namespace {

struct VertexInfo {
    std::string label;
    std::string shape;
    std::string fill; // "" for none
};

using DotGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, VertexInfo,
                                       boost::property<boost::edge_name_t, std::string>>;

// A dot string literal: quotes and backslashes escaped, line breaks as dot's centred "\n".
std::string quoted(const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') q += '\\';
        if (c == '\n') {
            q += "\\n";
            continue;
        }
        q += c;
    }
    return q + "\"";
}

// Fill colours of fused loops, repeated past the end (light, so that labels stay readable).
const char* loop_colour(int loop) {
    static const char* const colours[] = {"lightblue", "palegreen", "lightsalmon", "khaki",
                                          "plum",      "lightcyan", "pink",        "wheat"};
    return colours[static_cast<std::size_t>(loop) % (sizeof colours / sizeof *colours)];
}

std::string render(const graph_view::GraphView& v, const DprintOptions& o) {
    DotGraph g;
    std::unordered_map<const Node*, DotGraph::vertex_descriptor> vertex;
    // topo_order is iterative, so graphs of any depth are fine.
    for (const Node* n : topo_order(v.roots)) {
        VertexInfo info;
        info.label = graph_view::node_head(*n);
        if (o.types) info.label += "\n" + n->type.str();
        if (n->op == OpKind::Constant) {
            info.shape = "plaintext";
        } else if (n->is_leaf()) {
            info.shape = "ellipse";
        } else {
            info.shape = "box";
            const std::string a = v.annotation(n);
            if (!a.empty()) info.label += "\n" + a.substr(1);
            if (v.schedule) {
                auto loop = v.schedule->loop_of.find(n);
                if (loop != v.schedule->loop_of.end()) info.fill = loop_colour(loop->second);
            }
        }
        const auto u = boost::add_vertex(info, g);
        vertex.emplace(n, u);
        for (std::size_t i = 0; i < n->inputs.size(); ++i)
            boost::add_edge(vertex.at(n->inputs[i].get()), u,
                            n->inputs.size() > 1 ? std::to_string(i) : std::string(), g);
    }
    // The outputs (and updates) as text vertices the roots point to.
    for (std::size_t i = 0; i < v.roots.size(); ++i) {
        const std::string& label = v.labels[i];
        const auto u = boost::add_vertex(
            VertexInfo{label.empty() ? "output " + std::to_string(i) : label, "plaintext", ""}, g);
        boost::add_edge(vertex.at(v.roots[i].get()), u, std::string(), g);
    }

    std::ostringstream os;
    boost::write_graphviz(
        os, g,
        [&](std::ostream& out, DotGraph::vertex_descriptor u) {
            const VertexInfo& info = g[u];
            out << "[label=" << quoted(info.label) << ", shape=" << info.shape;
            if (!info.fill.empty()) out << ", style=filled, fillcolor=" << info.fill;
            out << "]";
        },
        [&](std::ostream& out, DotGraph::edge_descriptor e) {
            const std::string& name = boost::get(boost::edge_name, g, e);
            if (!name.empty()) out << "[label=" << quoted(name) << "]";
        },
        [](std::ostream& out) { out << "node [fontname=\"monospace\"];\n"; });
    return os.str();
}

} // namespace

std::string to_dot(const std::vector<Var>& outputs, const DprintOptions& options) {
    return render(graph_view::make_view(outputs, options.stage), options);
}

std::string to_dot(const Var& output, const DprintOptions& options) {
    return to_dot(std::vector<Var>{output}, options);
}

std::string to_dot(const FunctionBase& function, const DprintOptions& options) {
    return render(graph_view::make_view(function, options.stage), options);
}

} // namespace tensorjit
