/// storage_plan: gives every value the kernel stores a slot of the frame: inputs, shared
/// variables, outputs (fresh arrays), updates (in place: the variable's own slot; otherwise a
/// buffer swapped in after the call) and temporaries, whose workspace buffers are reused by
/// liveness.
///
/// The schedule is a straight line, so a temporary is live over an interval of steps: from the
/// step that writes it to the last step that reads it, or that reads a value which may alias it
/// (a view; an ifelse's value is a view of its branches), or whose guard tests it (lazy ifelse). A
/// step its guard skips writes nothing, and every step reading its value runs only when it ran,
/// so the intervals stay valid. Two temporaries interfere when their intervals overlap; the
/// interference graph (Boost.Graph) is coloured greedily in order of start, which is optimal on
/// interval graphs: the minimum number of buffers. Buffers are shared only by values of the same
/// dtype, rank and run-time shape (the members and full-shape operands of one fused loop, or equal
/// static shapes), so a reused buffer is never reallocated: the steady-state call allocates nothing
/// but its outputs. Needs fuse_elemwise and inplace before it.
#include "compiler/codegen/passes.hpp"

#include "compiler/ops/op_def.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/sequential_vertex_coloring.hpp>

#include <map>
#include <numeric>
#include <tuple>

namespace tensorjit::codegen {

namespace {

// Nodes whose run-time shapes are equal share a class.
class ShapeClasses {
  public:
    int find(const Node* n) {
        auto [it, fresh] = parent_.emplace(n, n);
        while (it->second != n) {
            n = it->second;
            it = parent_.find(n);
        }
        return id(n);
    }
    void unite(const Node* a, const Node* b) {
        parent_.emplace(a, a);
        parent_.emplace(b, b);
        a = root(a);
        b = root(b);
        if (a != b) parent_[a] = b;
    }
    const Node* root(const Node* n) {
        while (parent_.at(n) != n) n = parent_.at(n);
        return n;
    }

  private:
    int id(const Node* r) {
        auto [it, fresh] = ids_.emplace(r, static_cast<int>(ids_.size()));
        return it->second;
    }
    std::unordered_map<const Node*, const Node*> parent_;
    std::unordered_map<const Node*, int> ids_;
};

bool fully_static(const TensorType& t) {
    for (auto e : t.shape)
        if (e == dyn) return false;
    return true;
}

} // namespace

void storage_plan(Schedule& s) {
    BindingPlan& plan = s.plan;
    plan = BindingPlan{};
    s.slot.clear();
    for (const Node* n : s.order) plan.node_names.push_back(describe(*n, 2));
    auto add_slot = [&](const Node* n, SlotPlan::Kind kind, int index) {
        const int k = static_cast<int>(plan.slots.size());
        plan.slots.push_back({kind, index, n->type.dtype, n->type.ndim()});
        s.slot[n] = k;
        return k;
    };
    for (std::size_t i = 0; i < s.graph.inputs.size(); ++i)
        add_slot(s.graph.inputs[i].get(), SlotPlan::Kind::Input, static_cast<int>(i));
    for (std::size_t i = 0; i < s.graph.shared.size(); ++i)
        add_slot(s.graph.shared[i].get(), SlotPlan::Kind::Shared, static_cast<int>(i));
    for (std::size_t i = 0; i < s.graph.outputs.size(); ++i) {
        const Node* o = s.graph.outputs[i].get();
        auto it = s.slot.find(o);
        plan.output_slots.push_back(it != s.slot.end()
                                        ? it->second
                                        : add_slot(o, SlotPlan::Kind::Output, static_cast<int>(i)));
    }
    for (const auto& [sh, value] : s.graph.updates) {
        const Node* v = value.get();
        auto var = s.in_place.find(v);
        if (var != s.in_place.end()) {
            s.slot[v] = s.slot.at(var->second);
            plan.updates.push_back({sh, s.slot.at(var->second)});
            continue;
        }
        auto it = s.slot.find(v);
        plan.updates.push_back(
            {sh, it != s.slot.end() ? it->second : add_slot(v, SlotPlan::Kind::Update, sh)});
    }

    // Liveness over the steps: where each stored value is written and last read.
    std::unordered_map<const Node*, int> def, last;
    std::vector<const Node*> temps;
    ShapeClasses shapes;
    for (std::size_t pos = 0; pos < s.steps.size(); ++pos) {
        const Step& st = s.steps[pos];
        const int p = static_cast<int>(pos);
        // A step's guard reads its conditions where the step runs (lazy ifelse).
        for (const auto& [c, polarity] : s.guard_of(st)) last[c] = std::max(last[c], p);
        if (st.loop >= 0) {
            const FusedLoop& loop = s.loops[static_cast<std::size_t>(st.loop)];
            for (const Node* o : loop.outputs) def[o] = p;
            for (const Node* r : loop.reductions) def[r] = p;
            for (const Node* op : loop.operands) last[op] = std::max(last[op], p);
            const Node* first = loop.members.front();
            for (const Node* m : loop.members) shapes.unite(m, first);
            for (const Node* op : loop.operands)
                if (op->type.ndim() == first->type.ndim() && !op->is_leaf()) {
                    bool same = true;
                    for (int d = 0; d < op->type.ndim(); ++d)
                        same = same && (op->type.shape[d] == 1) == (first->type.shape[d] == 1);
                    if (same) shapes.unite(op, first);
                }
        } else if (st.node->op == OpKind::Scan) {
            // One loop computes every result of a scan, at the first of their steps.
            const std::vector<const Node*> group = scan_group(s, st.node);
            if (group.front() != st.node) continue;
            for (const Node* m : group) def[m] = p;
            for (const auto& in : st.node->inputs) last[in.get()] = std::max(last[in.get()], p);
        } else {
            def[st.node] = p;
            for (const auto& in : st.node->inputs) last[in.get()] = std::max(last[in.get()], p);
        }
    }
    // A value read through a view stays live while the view is.
    for (std::size_t i = s.order.size(); i-- > 0;) {
        const Node* n = s.order[i];
        if (n->is_leaf() || !op_def(n->op).view) continue;
        for (const auto& in : n->inputs)
            last[in.get()] = std::max(last[in.get()], std::max(last[n], def[n]));
    }
    for (const Node* n : s.order)
        if (def.count(n) && !s.slot.count(n)) temps.push_back(n);
    std::sort(temps.begin(), temps.end(),
              [&](const Node* a, const Node* b) { return def.at(a) < def.at(b); });

    // The interference graph (Boost.Graph): one vertex per temporary, an edge between two
    // temporaries of the same kind of buffer whose lives overlap. Colouring it gives the buffers;
    // greedy colouring in order of start is optimal on an interval graph, so the workspace is
    // the minimum the schedule needs.
    std::map<std::string, int> static_class;
    std::vector<std::tuple<int, int, int>> kind(temps.size());
    std::vector<int> end(temps.size());
    for (std::size_t i = 0; i < temps.size(); ++i) {
        const Node* n = temps[i];
        int cls = shapes.find(n);
        if (fully_static(n->type))
            cls = -1 - static_class.emplace(n->type.str(), static_cast<int>(static_class.size()))
                           .first->second;
        kind[i] = {cls, static_cast<int>(n->type.dtype), n->type.ndim()};
        end[i] = std::max(last[n], def.at(n));
    }
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
    Graph g(temps.size());
    // temps are sorted by start: the live ones of each kind when a temporary starts are the ones
    // it interferes with.
    std::map<std::tuple<int, int, int>, std::vector<std::size_t>> live;
    for (std::size_t i = 0; i < temps.size(); ++i) {
        auto& act = live[kind[i]];
        const int start = def.at(temps[i]);
        std::erase_if(act, [&](std::size_t j) { return end[j] < start; });
        for (std::size_t j : act) boost::add_edge(j, i, g);
        act.push_back(i);
    }
    std::vector<std::size_t> color_of(temps.size());
    auto color =
        boost::make_iterator_property_map(color_of.begin(), boost::get(boost::vertex_index, g));
    boost::sequential_vertex_coloring(g, color);
    // One slot per (kind, colour).
    std::map<std::pair<std::tuple<int, int, int>, std::size_t>, int> slot_of;
    for (std::size_t i = 0; i < temps.size(); ++i) {
        auto [it, fresh] = slot_of.emplace(std::pair{kind[i], color_of[i]}, 0);
        if (fresh) it->second = add_slot(temps[i], SlotPlan::Kind::Temp, 0);
        s.slot[temps[i]] = it->second;
    }
}

} // namespace tensorjit::codegen
