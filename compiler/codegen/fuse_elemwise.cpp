/// fuse_elemwise: groups element-wise nodes into multi-output fused loops (PyTensor's
/// FusionOptimizer making Composites) and orders the kernel's steps.
///
/// Two element-wise nodes share a loop when they have the same loop shape and the same level:
/// - the same shape: the same rank and the same static-1 axes, and connected by an element-wise
///   edge (an input and its consumer) or by an operand both read with that shape. Broadcasting is
///   static, so such nodes have equal extents at run time; a node that broadcasts (a static 1
///   where its consumer has none) gets a loop of its own instead of being recomputed per element.
/// - the same level: the number of non-element-wise steps (gemv, reductions, ...) on the longest
///   path from the leaves, with every element-wise node as late as its users allow. A step
///   between two nodes puts them on different levels, so loops never depend on each other in a
///   cycle; nodes with one consumer or many, and sibling outputs of the same inputs, fuse alike.
/// A sum or mean over every axis of a member folds into the member's loop: the loop accumulates
/// it and the member is stored only if something else reads it (PyTensor fuses such a CAReduce
/// of a Composite too).
/// Lazy ifelse: only nodes with the same guard (Schedule::guard) share a loop, and a step runs
/// after the steps computing the conditions of its guard.
/// A group is cut (in topological order) past kMaxFusedOps members or kMaxLoopArrays arrays: LLVM's
/// time grows faster than linearly in the size of one loop. Needs the rewrites before it (merged
/// values, so siblings see one operand).
#include "compiler/codegen/passes.hpp"

#include "compiler/ops/op_def.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <queue>
#include <tuple>

namespace tensorjit::codegen {

namespace {

// LLVM's code generation time grows faster than linearly with the size of a loop body (1000
// fused ops took 0.8 s to emit, 5000 took 30 s), and a loop's stride tables live on the kernel's
// stack; optimizing a loop over 128 arrays took 1.5 s.
constexpr int kMaxFusedOps = 128;
constexpr int kMaxLoopArrays = 32;

// The loop shape of a node: its rank and its static-1 axes.
std::pair<int, std::uint64_t> loop_shape(const Node* n) {
    std::uint64_t ones = 0;
    for (int d = 0; d < n->type.ndim(); ++d)
        if (n->type.shape[d] == 1) ones |= std::uint64_t{1} << d;
    return {n->type.ndim(), ones};
}

bool is_scalar_constant(const Node* n) { return n->op == OpKind::Constant && n->type.ndim() == 0; }

struct UnionFind {
    std::vector<int> parent;
    explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
    int find(int a) {
        while (parent[a] != a) a = parent[a] = parent[parent[a]];
        return a;
    }
    void unite(int a, int b) {
        a = find(a);
        b = find(b);
        if (a != b) parent[std::max(a, b)] = std::min(a, b);
    }
};

// A reduction that can fold into the loop computing its input: sum or mean over every axis of
// an element-wise value of rank >= 1, in the value's own dtype (sum's prepare casts integers to
// its accumulator type first). The loop's rank and extents are the input's.
bool foldable_reduction(const Node* n) {
    if (n->op != OpKind::Sum && n->op != OpKind::Mean) return false;
    const Node* x = n->inputs[0].get();
    return Schedule::fusable_kind(x) && x->type.ndim() >= 1 &&
           static_cast<int>(n->attrs.ints.size()) - 1 == x->type.ndim() &&
           n->type.dtype == x->type.dtype;
}

// Orders the steps: each after the steps it reads, otherwise as early as the graph order has it.
void order_steps(Schedule& s) {
    std::unordered_map<const Node*, int> step_of;
    std::vector<Step> steps;
    std::vector<int> first; // per step, the smallest order index of its nodes
    for (std::size_t l = 0; l < s.loops.size(); ++l) {
        for (const Node* m : s.loops[l].members) step_of[m] = static_cast<int>(steps.size());
        for (const Node* r : s.loops[l].reductions) step_of[r] = static_cast<int>(steps.size());
        steps.push_back({static_cast<int>(l), nullptr});
        first.push_back(s.index.at(s.loops[l].members.front()));
    }
    for (const Node* n : s.order)
        if (!n->is_leaf() && !Schedule::fusable_kind(n) && !s.loop_of.count(n)) {
            step_of[n] = static_cast<int>(steps.size());
            steps.push_back({-1, n});
            first.push_back(s.index.at(n));
        }
    std::vector<std::vector<int>> next(steps.size());
    std::vector<int> waiting(steps.size(), 0);
    auto after = [&](const Node* before, int st) {
        auto it = step_of.find(before);
        if (it == step_of.end() || it->second == st) return;
        next[it->second].push_back(st);
        ++waiting[st];
    };
    for (const auto& [n, st] : step_of) {
        for (const auto& in : n->inputs) after(in.get(), st);
        // The conditions its guard tests.
        for (const auto& [c, p] : s.guard_of(n)) after(c, st);
    }
    using Item = std::pair<int, int>; // (first index, step)
    std::priority_queue<Item, std::vector<Item>, std::greater<>> ready;
    for (std::size_t i = 0; i < steps.size(); ++i)
        if (!waiting[i]) ready.push({first[i], static_cast<int>(i)});
    s.steps.clear();
    while (!ready.empty()) {
        const int st = ready.top().second;
        ready.pop();
        s.steps.push_back(steps[st]);
        for (int u : next[st])
            if (--waiting[u] == 0) ready.push({first[u], u});
    }
    TJ_INTERNAL_CHECK(s.steps.size() == steps.size())
        << "fuse_elemwise: the fused loops depend on each other in a cycle";
}

} // namespace

void fuse_elemwise(Schedule& s) {
    const std::size_t n_nodes = s.order.size();
    // Levels: as soon as possible, then element-wise nodes as late as their users allow.
    std::vector<int> level(n_nodes, 0);
    for (std::size_t i = 0; i < n_nodes; ++i) {
        const Node* n = s.order[i];
        if (n->is_leaf()) continue;
        int l = 0;
        for (const auto& in : n->inputs) l = std::max(l, level[s.index.at(in.get())]);
        level[i] = Schedule::fusable_kind(n) ? l : l + 1;
    }
    for (std::size_t i = n_nodes; i-- > 0;) {
        const Node* n = s.order[i];
        if (!Schedule::fusable_kind(n)) continue;
        auto it = s.users.find(n);
        if (it == s.users.end() || it->second.empty()) continue;
        int l = std::numeric_limits<int>::max();
        for (const Node* u : it->second) {
            const int lu = level[s.index.at(u)];
            l = std::min(l, Schedule::fusable_kind(u) ? lu : lu - 1);
        }
        level[i] = std::max(level[i], l);
    }

    // Guards by number (0: always), so that only nodes run under the same conditions fuse.
    std::vector<int> guard_id(n_nodes, 0);
    if (!s.guard.empty()) {
        std::map<Guard, int> ids{{Guard{}, 0}};
        for (std::size_t i = 0; i < n_nodes; ++i)
            guard_id[i] =
                ids.emplace(s.guard_of(s.order[i]), static_cast<int>(ids.size())).first->second;
    }

    UnionFind uf(n_nodes);
    // (operand, level, guard, loop shape) -> the first fusable node reading it with that shape.
    std::map<std::tuple<const Node*, int, int, int, std::uint64_t>, int> readers;
    for (std::size_t i = 0; i < n_nodes; ++i) {
        const Node* n = s.order[i];
        if (!Schedule::fusable_kind(n)) continue;
        const auto shape = loop_shape(n);
        for (const auto& in : n->inputs) {
            const int j = s.index.at(in.get());
            if (loop_shape(in.get()) != shape || is_scalar_constant(in.get())) continue;
            if (Schedule::fusable_kind(in.get()) && level[j] == level[i] &&
                guard_id[j] == guard_id[i]) {
                uf.unite(static_cast<int>(i), j);
                continue;
            }
            auto [it, fresh] = readers.emplace(
                std::tuple{in.get(), level[i], guard_id[i], shape.first, shape.second},
                static_cast<int>(i));
            if (!fresh) uf.unite(static_cast<int>(i), it->second);
        }
    }
    // Components in topological order of their members, cut by the limits.
    std::map<int, std::vector<const Node*>> components;
    for (std::size_t i = 0; i < n_nodes; ++i)
        if (Schedule::fusable_kind(s.order[i]))
            components[uf.find(static_cast<int>(i))].push_back(s.order[i]);
    std::vector<std::vector<const Node*>> groups;
    for (auto& [root, members] : components) {
        const std::unordered_set<const Node*> in_component(members.begin(), members.end());
        std::vector<const Node*> cur;
        std::unordered_set<const Node*> cur_set, cur_operands;
        int stored_count = 0;
        for (const Node* m : members) {
            std::unordered_set<const Node*> fresh;
            for (const auto& in : m->inputs)
                if (!cur_set.count(in.get()) && !is_scalar_constant(in.get()) &&
                    !cur_operands.count(in.get()))
                    fresh.insert(in.get());
            bool stored = s.is_root.count(m) > 0;
            for (const Node* u : s.users[m]) stored = stored || !in_component.count(u);
            const std::size_t arrays =
                cur_operands.size() + stored_count + fresh.size() + (stored ? 1 : 0);
            if (!cur.empty() && (static_cast<int>(cur.size()) >= kMaxFusedOps ||
                                 static_cast<int>(arrays) > kMaxLoopArrays)) {
                groups.push_back(std::move(cur));
                cur.clear();
                cur_set.clear();
                cur_operands.clear();
                stored_count = 0;
            }
            for (const auto& in : m->inputs)
                if (!cur_set.count(in.get()) && !is_scalar_constant(in.get()))
                    cur_operands.insert(in.get());
            stored_count += stored;
            cur.push_back(m);
            cur_set.insert(m);
        }
        groups.push_back(std::move(cur));
    }
    // The loops, in order of their first member.
    std::sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
        return s.index.at(a.front()) < s.index.at(b.front());
    });
    s.loops.clear();
    s.loop_of.clear();
    for (std::size_t l = 0; l < groups.size(); ++l)
        for (const Node* m : groups[l]) s.loop_of[m] = static_cast<int>(l);
    // Full reductions of a member fold into its loop (sum(x*y) is one pass, x*y never stored).
    std::vector<std::vector<const Node*>> reductions(groups.size());
    for (const Node* n : s.order)
        if (foldable_reduction(n)) {
            auto it = s.loop_of.find(n->inputs[0].get());
            if (it == s.loop_of.end() || s.guard_of(n) != s.guard_of(n->inputs[0].get())) continue;
            reductions[static_cast<std::size_t>(it->second)].push_back(n);
        }
    for (std::size_t l = 0; l < reductions.size(); ++l)
        for (const Node* r : reductions[l]) s.loop_of[r] = static_cast<int>(l);
    for (auto& members : groups) {
        FusedLoop loop;
        loop.members = std::move(members);
        loop.member_set.insert(loop.members.begin(), loop.members.end());
        loop.reductions = std::move(reductions[s.loops.size()]);
        const std::unordered_set<const Node*> folded(loop.reductions.begin(),
                                                     loop.reductions.end());
        for (const Node* m : loop.members) {
            bool stored = s.is_root.count(m) > 0;
            for (const Node* u : s.users[m])
                stored = stored || (!loop.member_set.count(u) && !folded.count(u));
            if (stored) loop.outputs.push_back(m);
            for (const auto& in : m->inputs)
                if (!loop.member_set.count(in.get()) &&
                    std::find(loop.operands.begin(), loop.operands.end(), in.get()) ==
                        loop.operands.end())
                    loop.operands.push_back(in.get());
        }
        s.loops.push_back(std::move(loop));
    }
    order_steps(s);
}

} // namespace tensorjit::codegen
