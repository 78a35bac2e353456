// tj::dprint: a graph as PyTensor's debugprint shows it, and the graph views it shares with
// tj::to_dot (graph_view.hpp).
#include "compiler/function/graph_view.hpp"

#include "compiler/codegen/pipeline.hpp"
#include "compiler/graph/scan_body.hpp"
#include "compiler/ops/op_def.hpp"

#include <tensorjit/error.hpp>

#include <charconv>
#include <cstdlib>
#include <string_view>
#include <unordered_set>

namespace tensorjit {

const detail::FunctionImpl& detail::FunctionInternals::impl(const FunctionBase& f) {
    TJ_CHECK(f.impl_, ValueError) << "dprint/to_dot of an empty tj::Function";
    return *f.impl_;
}

namespace graph_view {

namespace {

// The TJ_REWRITES default of tj::function (function.cpp), so that Stage::after on Vars shows
// what a function built from them without options would compute.
bool rewrites_enabled() {
    const char* v = std::getenv("TJ_REWRITES");
    return !v || (std::string_view(v) != "off" && std::string_view(v) != "0");
}

std::string number_text(double x, DType dtype) {
    if (dtype == DType::Bool) return x != 0 ? "true" : "false";
    // Shortest text that reads back to the same double: "0.1", not "0.10000000000000001".
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
    return ec == std::errc() ? std::string(buf, end) : "?";
}

std::string constant_head(const Node& n) {
    const Array& v = *n.value;
    if (v.ndim() == 0) return number_text(v.item_double(), v.dtype());
    // Short vectors by value: index lists and small shapes are often what one looks for.
    if (v.ndim() == 1 && v.size() <= 8) {
        const Array d = v.astype(DType::Float64); // C-contiguous, as every constant's value
        const auto* p = static_cast<const double*>(d.raw_data());
        std::string s = "[";
        for (std::int64_t i = 0; i < v.size(); ++i)
            s += (i ? ", " : "") + number_text(p[i], v.dtype());
        return s + "]";
    }
    std::string s = "constant(";
    for (int d = 0; d < v.ndim(); ++d) s += (d ? ", " : "") + std::to_string(v.shape()[d]);
    return s + ")";
}

} // namespace

std::string node_head(const Node& n) {
    if (n.op == OpKind::Constant) return constant_head(n);
    if (n.op == OpKind::Input || n.op == OpKind::Shared)
        return n.name.empty() ? "<" + n.type.str() + ">" : n.name;
    std::string s = op_name(n.op);
    if (n.op == OpKind::Cast) {
        s += "{" + std::string(dtype_name(n.attrs.dtype)) + "}";
    } else if (!n.attrs.ints.empty()) {
        s += "{";
        for (std::size_t i = 0; i < n.attrs.ints.size(); ++i)
            s += (i ? "," : "") + std::to_string(n.attrs.ints[i]);
        s += "}";
    }
    return s;
}

std::string GraphView::annotation(const Node* n) const {
    if (!schedule || n->is_leaf()) return "";
    std::string s;
    auto loop = schedule->loop_of.find(n);
    if (loop != schedule->loop_of.end()) {
        s = " [loop " + std::to_string(loop->second) + "]";
    } else {
        auto step = step_of.find(n);
        if (step != step_of.end())
            s = " [step " + std::to_string(step->second) + ": " + op_name(n->op) + "]";
    }
    if (schedule->in_place.count(n)) s += " [in place]";
    return s;
}

namespace {

// Fills the Stage::after part of a view from the graph the compiler starts with.
void schedule_view(GraphView& v, const FunctionGraph& g) {
    v.schedule.emplace(codegen::schedule_graph(g));
    const codegen::Schedule& s = *v.schedule;
    v.roots = s.roots;
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
        const codegen::Step& st = s.steps[i];
        if (st.loop < 0) {
            v.step_of[st.node] = static_cast<int>(i);
            continue;
        }
        const codegen::FusedLoop& l = s.loops[static_cast<std::size_t>(st.loop)];
        for (const Node* m : l.members) v.step_of[m] = static_cast<int>(i);
        for (const Node* r : l.reductions) v.step_of[r] = static_cast<int>(i);
    }
}

std::vector<std::string> function_labels(const FunctionGraph& g) {
    std::vector<std::string> labels(g.outputs.size());
    for (const auto& [sh, value] : g.updates) {
        const Node& var = *g.shared[static_cast<std::size_t>(sh)];
        labels.push_back("update " + (var.name.empty() ? "<" + var.type.str() + ">" : var.name));
    }
    return labels;
}

} // namespace

GraphView make_view(const std::vector<Var>& outputs, Stage stage) {
    GraphView v;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        TJ_CHECK(outputs[i].defined(), ValueError)
            << "dprint/to_dot: output " << i + 1 << " is an undefined variable";
        v.roots.push_back(outputs[i].node());
    }
    v.labels.assign(v.roots.size(), "");
    if (stage == Stage::before) return v;
    // The function graph tj::function would make, with every input the outputs read (built
    // here rather than by detail::function_graph: unrelated inputs may share a name).
    FunctionGraph g;
    g.rewrites = rewrites_enabled();
    const auto owner = owners(v.roots);
    for (const Node* n : topo_order(v.roots)) {
        if (n->op == OpKind::Input) g.inputs.push_back(owner.at(n));
        if (n->op == OpKind::Shared) g.shared.push_back(owner.at(n));
    }
    for (const NodePtr& r : v.roots)
        g.outputs.push_back(r->is_leaf() ? make_node(OpKind::Identity, {r}) : r);
    schedule_view(v, g);
    return v;
}

GraphView make_view(const FunctionBase& function, Stage stage) {
    const FunctionGraph& g = detail::FunctionInternals::impl(function).kernels().graph();
    GraphView v;
    v.labels = function_labels(g);
    if (stage == Stage::before)
        v.roots = g.roots();
    else
        schedule_view(v, g);
    return v;
}

} // namespace graph_view

namespace {

// PyTensor's ids: A..Z, then BA, BB, ... (base 26 with A as the zero digit).
std::string id_text(std::size_t k) {
    std::string s;
    do {
        s.insert(s.begin(), static_cast<char>('A' + k % 26));
        k /= 26;
    } while (k);
    return s;
}

std::string print(const graph_view::GraphView& v, const DprintOptions& o) {
    std::unordered_map<const Node*, std::string> id;
    std::unordered_set<const Node*> expanded;
    auto id_of = [&](const Node* n) -> const std::string& {
        auto [it, fresh] = id.try_emplace(n);
        if (fresh) it->second = id_text(id.size() - 1);
        return it->second;
    };

    // An explicit stack, not recursion: a chain of 100000 nodes is 100000 levels deep. The
    // indentation is kept per level ("bar": whether the ancestor at that level has siblings
    // still to print), so frames stay small however deep the walk goes.
    struct Frame {
        const Node* n;
        int depth;
        bool last;
        int root; // index of the root, or -1
    };
    std::vector<Frame> stack;
    for (std::size_t i = v.roots.size(); i-- > 0;)
        stack.push_back({v.roots[i].get(), 0, true, static_cast<int>(i)});
    std::vector<char> bar;
    std::string out;
    std::size_t lines = 0;
    bool truncated = false;

    while (!stack.empty()) {
        if (lines >= o.max_lines || out.size() >= o.max_bytes) {
            truncated = true;
            break;
        }
        const Frame f = stack.back();
        stack.pop_back();
        const Node* n = f.n;
        bar.resize(static_cast<std::size_t>(f.depth) + 1);
        bar[static_cast<std::size_t>(f.depth)] = !f.last;
        std::string line;
        for (int d = 1; d < f.depth; ++d) line += bar[static_cast<std::size_t>(d)] ? " |" : "  ";
        if (f.depth > 0) line += " |";
        if (!n) { // the depth limit's marker
            out += line + "...\n";
            ++lines;
            continue;
        }
        line += graph_view::node_head(*n) + " [id " + id_of(n) + "]";
        if (f.root >= 0 && !v.labels[static_cast<std::size_t>(f.root)].empty())
            line += " (" + v.labels[static_cast<std::size_t>(f.root)] + ")";
        const bool seen = !n->is_leaf() && expanded.count(n);
        if (!seen) {
            if (o.types) line += " " + n->type.str();
            line += v.annotation(n);
        }
        out += line + "\n";
        ++lines;
        if (seen || n->inputs.empty()) continue;
        if (o.depth >= 0 && f.depth >= o.depth) {
            stack.push_back({nullptr, f.depth + 1, true, -1});
            continue;
        }
        expanded.insert(n);
        for (std::size_t i = n->inputs.size(); i-- > 0;)
            stack.push_back({n->inputs[i].get(), f.depth + 1, i + 1 == n->inputs.size(), -1});
    }
    if (truncated)
        out += "... truncated after " + std::to_string(lines) + " lines (" +
               std::to_string(out.size()) + " bytes) of a graph of " +
               std::to_string(topo_order(v.roots).size()) +
               " nodes (DprintOptions::max_lines, max_bytes)\n";

    if (v.schedule) {
        // The kernel: what each step computes, by the ids printed above ("?" for a node the
        // truncated tree did not reach).
        const codegen::Schedule& s = *v.schedule;
        auto ref = [&](const Node* n) {
            auto it = id.find(n);
            return "[id " + (it == id.end() ? std::string("?") : it->second) + "]";
        };
        auto refs = [&](const std::vector<const Node*>& nodes) {
            std::string t;
            const std::size_t shown = std::min<std::size_t>(nodes.size(), 8);
            for (std::size_t i = 0; i < shown; ++i) t += (i ? " " : "") + ref(nodes[i]);
            if (shown < nodes.size()) t += " ... (" + std::to_string(nodes.size()) + ")";
            return t;
        };
        out += "kernel: " + std::to_string(s.steps.size()) + " step" +
               (s.steps.size() == 1 ? "" : "s") + "\n";
        // Lazy ifelse: " (if [id B] and not [id D])" after a step that runs only then.
        auto condition = [&](const codegen::Step& st) {
            const codegen::Guard& g = s.guard_of(st);
            std::string t;
            for (std::size_t k = 0; k < g.size(); ++k)
                t += std::string(k ? " and " : " (if ") + (g[k].second ? "" : "not ") +
                     ref(g[k].first);
            return t.empty() ? t : t + ")";
        };
        const std::size_t shown = std::min<std::size_t>(s.steps.size(), o.max_lines);
        for (std::size_t i = 0; i < shown; ++i) {
            const codegen::Step& st = s.steps[i];
            out += " step " + std::to_string(i) + ": ";
            if (st.loop < 0) {
                out +=
                    std::string(op_name(st.node->op)) + " " + ref(st.node) + condition(st) + "\n";
                continue;
            }
            const codegen::FusedLoop& l = s.loops[static_cast<std::size_t>(st.loop)];
            out += "loop " + std::to_string(st.loop) + " of " + std::to_string(l.members.size()) +
                   " node" + (l.members.size() == 1 ? "" : "s") + " " + refs(l.members);
            if (!l.outputs.empty()) out += ", stores " + refs(l.outputs);
            if (!l.reductions.empty()) out += ", reduces to " + refs(l.reductions);
            if (l.deferred) out += ", runs last (in place)";
            out += condition(st) + "\n";
        }
        if (shown < s.steps.size())
            out += " ... " + std::to_string(s.steps.size() - shown) + " more steps\n";
    }

    // Scan bodies, as PyTensor's "Inner graphs": each once, after the graph that uses it (a body
    // inside a body is printed within its parent's).
    std::vector<const Node*> scans;
    std::unordered_set<const ScanBody*> bodies;
    if (!truncated)
        for (const Node* n : topo_order(v.roots))
            if (n->op == OpKind::Scan && bodies.insert(n->attrs.body.get()).second)
                scans.push_back(n);
    if (!scans.empty()) out += "\nInner graphs:\n";
    for (const Node* n : scans) {
        const ScanBody& b = *n->attrs.body;
        auto taps_text = [](const std::vector<std::vector<int>>& all) {
            std::string t;
            for (const auto& taps : all) {
                t += t.empty() ? "{" : ", {";
                for (std::size_t i = 0; i < taps.size(); ++i)
                    t += (i ? ", " : "") + std::to_string(taps[i]);
                t += "}";
            }
            return t.empty() ? std::string("none") : t;
        };
        auto it = id.find(n);
        out += "\n" + b.name + " [id " + (it == id.end() ? std::string("?") : it->second) +
               "]: sequences " + taps_text(b.seq_taps) + ", states " + taps_text(b.state_taps) +
               ", " + std::to_string(b.n_nonseq) + " non-sequence" + (b.n_nonseq == 1 ? "" : "s") +
               (b.go_backwards ? ", backwards" : "") + (b.has_until ? ", until" : "") + "\n";
        graph_view::GraphView inner;
        inner.roots = b.outputs;
        for (int k = 0; k < static_cast<int>(b.outputs.size()); ++k)
            inner.labels.push_back(k < b.n_states()
                                       ? (k < b.n_visible ? "result " : "carried ") +
                                             std::to_string(k)
                                       : std::string("until"));
        DprintOptions io = o;
        io.stage = Stage::before;
        out += print(inner, io);
    }
    return out;
}

} // namespace

std::string dprint(const std::vector<Var>& outputs, const DprintOptions& options) {
    return print(graph_view::make_view(outputs, options.stage), options);
}

std::string dprint(const Var& output, const DprintOptions& options) {
    return dprint(std::vector<Var>{output}, options);
}

std::string dprint(const FunctionBase& function, const DprintOptions& options) {
    return print(graph_view::make_view(function, options.stage), options);
}

} // namespace tensorjit
