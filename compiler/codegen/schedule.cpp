// The schedule's graph facts (order, users, roots), computed once for every phase.
#include "compiler/codegen/schedule.hpp"

#include "compiler/graph/graph_text.hpp"
#include "compiler/ops/op_def.hpp"

#include <algorithm>

namespace tensorjit::codegen {

Schedule::Schedule(FunctionGraph g) : graph(std::move(g)) {
    roots = graph.roots();
    order = topo_order(roots);
    for (std::size_t i = 0; i < order.size(); ++i) index[order[i]] = static_cast<int>(i);
    for (const Node* n : order)
        for (const auto& in : n->inputs) users[in.get()].push_back(n);
    for (const auto& r : roots) is_root.insert(r.get());
}

bool Schedule::contiguous_leaf(const Node* n) const {
    if (n->op == OpKind::Constant) return true;
    std::size_t leaf = 0;
    if (n->op == OpKind::Input) {
        auto it = std::find_if(graph.inputs.begin(), graph.inputs.end(),
                               [&](const NodePtr& p) { return p.get() == n; });
        if (it == graph.inputs.end()) return false;
        leaf = static_cast<std::size_t>(it - graph.inputs.begin());
    } else if (n->op == OpKind::Shared) {
        auto it = std::find_if(graph.shared.begin(), graph.shared.end(),
                               [&](const NodePtr& p) { return p->storage == n->storage; });
        if (it == graph.shared.end()) return false;
        leaf = graph.inputs.size() + static_cast<std::size_t>(it - graph.shared.begin());
    } else {
        return false;
    }
    return !(graph.strided_leaves >> std::min<std::size_t>(leaf, 63) & 1);
}

bool Schedule::fusable_kind(const Node* n) {
    return !n->is_leaf() && op_def(n->op).is_elementwise();
}

std::string schedule_text(const Schedule& s) {
    // Names as graph_text gives them: %k for the k-th computed node in order, leaves by name.
    std::unordered_map<const Node*, std::string> name;
    int next = 0;
    for (const Node* n : s.order)
        name[n] = n->is_leaf() ? describe(*n, 0) : "%" + std::to_string(next++);
    auto list = [&](const std::vector<const Node*>& nodes) {
        std::string out;
        for (const Node* n : nodes) out += " " + name.at(n);
        return out;
    };
    std::string out = graph_text(s.graph);
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
        const Step& st = s.steps[i];
        out += "step " + std::to_string(i) + ": ";
        if (st.loop < 0) {
            out += std::string(op_name(st.node->op)) + " " + name.at(st.node) + "\n";
            continue;
        }
        const FusedLoop& l = s.loops[static_cast<std::size_t>(st.loop)];
        out += "loop " + l.members.back()->type.str() + (l.deferred ? " (deferred)" : "") +
               " computes" + list(l.members) + "; stores" + list(l.outputs) + "; reads" +
               list(l.operands) + (l.reductions.empty() ? "" : "; reduces" + list(l.reductions)) +
               "\n";
    }
    for (const auto& [v, var] : s.in_place)
        out += "in place: " + name.at(v) + " -> " + name.at(var) + "\n";
    for (const Node* n : s.order) {
        auto it = s.slot.find(n);
        if (it != s.slot.end() && !n->is_leaf())
            out += "slot " + std::to_string(it->second) + ": " + name.at(n) + "\n";
    }
    return out;
}

} // namespace tensorjit::codegen
