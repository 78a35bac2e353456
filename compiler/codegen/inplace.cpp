/// inplace: lets an update write its new value straight into the shared variable's buffer when no
/// live value needs the old one, instead of into a buffer swapped in after the kernel.
///
/// An update value qualifies when it is stored by a fused loop L, has the variable's dtype, rank
/// and static 1s, is neither a function output nor another variable's update, and
/// - L reads the variable; every reader of it outside L is a step that can run before L, and L
/// reads the
///   variable only element by element (as an operand of the loop's shape, never through a view);
/// - everything else L stores is read by no other step (L then runs last, after every step that
///   can fail, so a failed call has overwritten nothing: emit checks the shapes of all such loops
///   before any of them writes).
/// Loops chosen this way ("deferred") read no variable another deferred loop overwrites. An update
/// is a root, so its loop always runs (Schedule::guard); a guarded step never writes in place,
/// and the steps a deferred loop must follow, guarded or not, run (or are skipped) before it. A
/// value aliasing the variable through an ifelse (a view of its branches) keeps L from writing in
/// place as any other view does. Needs fuse_elemwise before it; reorders s.steps to put the
/// deferred loops last.
#include "compiler/codegen/passes.hpp"

#include "compiler/ops/op_def.hpp"

#include <algorithm>

namespace tensorjit::codegen {

namespace {

// What v may share memory with: itself, and through chains of views (OpDef::view), their inputs.
std::unordered_set<const Node*> may_alias(const Node* v) {
    std::unordered_set<const Node*> seen{v};
    std::vector<const Node*> stack{v};
    while (!stack.empty()) {
        const Node* n = stack.back();
        stack.pop_back();
        if (n->is_leaf() || !op_def(n->op).view) continue;
        for (const auto& in : n->inputs)
            if (seen.insert(in.get()).second) stack.push_back(in.get());
    }
    return seen;
}

} // namespace

void inplace(Schedule& s) {
    s.in_place.clear();
    std::unordered_set<const Node*> outputs;
    for (const auto& o : s.graph.outputs) outputs.insert(o.get());
    std::unordered_map<const Node*, int> update_count;
    for (const auto& [sh, v] : s.graph.updates) ++update_count[v.get()];
    // What each deferred loop reads (with aliases) and which variables deferred loops overwrite.
    std::vector<std::unordered_set<const Node*>> reads(s.loops.size());
    auto reads_of = [&](int l) -> const std::unordered_set<const Node*>& {
        if (reads[l].empty())
            for (const Node* op : s.loops[l].operands)
                for (const Node* a : may_alias(op)) reads[l].insert(a);
        return reads[l];
    };
    std::unordered_map<const Node*, int> overwritten; // variable -> the loop overwriting it
    for (const auto& [sh, value] : s.graph.updates) {
        const Node* v = value.get();
        const Node* var = s.graph.shared[static_cast<std::size_t>(sh)].get();
        if (!Schedule::fusable_kind(v) || outputs.count(v) || update_count[v] != 1) continue;
        if (v->type.dtype != var->type.dtype || v->type.ndim() != var->type.ndim()) continue;
        bool ok = true;
        for (int d = 0; ok && d < var->type.ndim(); ++d)
            ok = (var->type.shape[d] == 1) == (v->type.shape[d] == 1);
        const int l = s.loop_of.at(v);
        FusedLoop& loop = s.loops[static_cast<std::size_t>(l)];
        ok = ok && s.guard_of(v).empty();
        // The loop's other stored values (folded reductions included) are read by no other step.
        for (const Node* o : loop.outputs)
            for (const Node* u : s.users[o])
                ok = ok && (loop.member_set.count(u) ||
                            std::find(loop.reductions.begin(), loop.reductions.end(), u) !=
                                loop.reductions.end());
        for (const Node* r : loop.reductions) ok = ok && s.users[r].empty();
        // The loop reads the variable (a value that does not need the old one gains nothing in
        // place, and its shape is checked with the variable's name when it is stored), only
        // directly, and no other deferred loop reads it.
        ok =
            ok && std::find(loop.operands.begin(), loop.operands.end(), var) != loop.operands.end();
        for (const Node* op : loop.operands) ok = ok && (op == var || !may_alias(op).count(var));
        for (std::size_t k = 0; ok && k < s.loops.size(); ++k)
            if (static_cast<int>(k) != l && s.loops[k].deferred) ok = !reads_of(k).count(var);
        // This loop reads no variable another deferred loop overwrites.
        for (const auto& [w, writer] : overwritten)
            ok = ok && (writer == l || !reads_of(l).count(w));
        if (!ok) continue;
        loop.deferred = true;
        s.in_place[v] = var;
        overwritten[var] = l;
    }
    std::stable_partition(s.steps.begin(), s.steps.end(), [&](const Step& st) {
        return st.loop < 0 || !s.loops[static_cast<std::size_t>(st.loop)].deferred;
    });
}

} // namespace tensorjit::codegen
