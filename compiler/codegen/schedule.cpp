// The schedule's graph facts (order, users, roots, and the guards of lazy ifelse), computed once
// for every phase.
#include "compiler/codegen/schedule.hpp"

#include "compiler/graph/graph_text.hpp"
#include "compiler/ops/op_def.hpp"

#include <algorithm>
#include <iterator>
#include <map>

namespace tensorjit::codegen {

namespace {

// ---- guards (lazy ifelse) ---------------------------------------------------------------------
// A node is needed when a user that runs needs it: an ifelse needs its condition whenever it
// runs, its then value only when the condition is true and its else value only when it is false;
// every other op needs all its inputs. Walking from the roots (always needed) towards the
// leaves, a node's guard is the intersection of the guards its users give it: a value that both
// branches need, or that something unguarded needs, runs unconditionally, before the choice. So
// work common to both branches is computed once (merge has made it one node) and outside the if.
//
// Why a step can test its guard where it runs: for each literal (c, p) of n's guard, c's guard is
// a subset of n's (every path from a root to n passes a branch of an ifelse on c, and that
// ifelse's path to c carries no more literals), and c comes before n in topo_order (its
// depth-first walk visits an ifelse's condition, input 0, before its branches). Tested in
// schedule order with &&, a condition is read only once the literals under which it runs have
// held; fuse_elemwise orders the step computing c before n's.

bool literal_less(const Schedule& s, const std::pair<const Node*, bool>& a,
                  const std::pair<const Node*, bool>& b) {
    const int ia = s.index.at(a.first), ib = s.index.at(b.first);
    return ia != ib ? ia < ib : a.second < b.second;
}

Guard intersect(const Schedule& s, const Guard& a, const Guard& b) {
    Guard out;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out),
                          [&](const auto& x, const auto& y) { return literal_less(s, x, y); });
    return out;
}

// Nodes that run whenever the kernel does (and so do their inputs): a random draw declares its
// state words at the entry point's top level, where the later steps of its generator read them.
bool always_runs(const Node* n) { return n->op == OpKind::RandomDraw; }

void find_guards(Schedule& s) {
    if (std::none_of(s.order.begin(), s.order.end(),
                     [](const Node* n) { return n->op == OpKind::IfElse; }))
        return;
    std::unordered_map<const Node*, Guard> given; // the intersection of what users gave so far
    for (std::size_t i = s.order.size(); i-- > 0;) {
        const Node* n = s.order[i];
        if (n->is_leaf()) continue;
        Guard g;
        auto it = given.find(n);
        if (it != given.end()) {
            if (!s.is_root.count(n) && !always_runs(n)) g = std::move(it->second);
            given.erase(it);
        }
        for (std::size_t k = 0; k < n->inputs.size(); ++k) {
            const Node* in = n->inputs[k].get();
            if (in->is_leaf()) continue;
            Guard gi = g;
            if (n->op == OpKind::IfElse && k > 0) {
                const std::pair<const Node*, bool> lit{n->inputs[0].get(), k == 1};
                auto pos =
                    std::lower_bound(gi.begin(), gi.end(), lit, [&](const auto& x, const auto& y) {
                        return literal_less(s, x, y);
                    });
                if (pos == gi.end() || *pos != lit) gi.insert(pos, lit);
            }
            auto [jt, fresh] = given.try_emplace(in, gi);
            if (!fresh && !jt->second.empty()) jt->second = intersect(s, jt->second, gi);
        }
        for (const auto& [c, p] : g)
            TJ_INTERNAL_CHECK(s.index.at(c) < static_cast<int>(i))
                << "schedule: the condition " << describe(*c) << " comes after " << describe(*n)
                << ", which it guards";
        if (!g.empty()) s.guard[n] = std::move(g);
    }
    // The results of one scan (same body, same inputs) are one loop, run at the first of their
    // steps: they share the weakest of their guards (their inputs have it already).
    std::map<std::pair<const void*, std::vector<const Node*>>, std::vector<const Node*>> scans;
    for (const Node* n : s.order) {
        if (n->op != OpKind::Scan) continue;
        std::vector<const Node*> inputs;
        for (const auto& in : n->inputs) inputs.push_back(in.get());
        scans[{n->attrs.body.get(), std::move(inputs)}].push_back(n);
    }
    for (const auto& [key, group] : scans) {
        if (group.size() < 2) continue;
        Guard g = s.guard_of(group.front());
        for (const Node* m : group) g = intersect(s, g, s.guard_of(m));
        for (const Node* m : group) {
            if (g.empty())
                s.guard.erase(m);
            else
                s.guard[m] = g;
        }
    }
}

} // namespace

Schedule::Schedule(FunctionGraph g) : graph(std::move(g)) {
    roots = graph.roots();
    order = topo_order(roots);
    for (std::size_t i = 0; i < order.size(); ++i) index[order[i]] = static_cast<int>(i);
    for (const Node* n : order)
        for (const auto& in : n->inputs) users[in.get()].push_back(n);
    for (const auto& r : roots) is_root.insert(r.get());
    find_guards(*this);
}

const Guard& Schedule::guard_of(const Node* n) const {
    static const Guard always;
    auto it = guard.find(n);
    return it == guard.end() ? always : it->second;
}

const Guard& Schedule::guard_of(const Step& st) const {
    return guard_of(st.loop < 0 ? st.node
                                : loops[static_cast<std::size_t>(st.loop)].members.front());
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
        out += "step " + std::to_string(i);
        if (const Guard& g = s.guard_of(st); !g.empty()) {
            out += " [if";
            for (std::size_t k = 0; k < g.size(); ++k)
                out +=
                    std::string(k ? " && " : " ") + (g[k].second ? "" : "!") + name.at(g[k].first);
            out += "]";
        }
        out += ": ";
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
