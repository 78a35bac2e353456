/// \file
/// The schedule: what the codegen phases (passes.hpp) decide about a rewritten function graph
/// before its kernel is written. fuse_elemwise fills `loops` and `steps`, inplace fills
/// `in_place`, storage_plan fills `plan` and `slot`; emit only renders.
#pragma once

#include "compiler/codegen/binding_plan.hpp"
#include "compiler/graph/function_graph.hpp"

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace tensorjit::codegen {

/// One fused element-wise loop (PyTensor's Composite): every member has the loop's shape, the
/// loop computes all members per element and stores the ones read outside it.
struct FusedLoop {
    std::vector<const Node*> members; ///< topological order
    std::unordered_set<const Node*> member_set;
    std::vector<const Node*> outputs;  ///< members stored: read after the loop or roots
    std::vector<const Node*> operands; ///< values the loop reads and does not compute
    /// Full reductions (sum, mean over every axis) of members, accumulated while the loop runs
    /// and stored after it; their inputs are stored only if something else reads them.
    std::vector<const Node*> reductions;
    bool deferred = false; ///< (inplace) runs last: it overwrites a shared variable
};

/// When a value is needed (lazy ifelse): a conjunction of (condition, polarity) literals, each
/// condition a 0-d value that is true when non-zero, in schedule order of the conditions. Empty:
/// always.
using Guard = std::vector<std::pair<const Node*, bool>>;

/// One step of the kernel: a fused loop, or a node with a kernel template of its own.
struct Step {
    int loop = -1;              ///< index into Schedule::loops, or -1
    const Node* node = nullptr; ///< the node when loop < 0
};

struct Schedule {
    explicit Schedule(FunctionGraph g);

    FunctionGraph graph;
    std::vector<NodePtr> roots;                 ///< graph.roots()
    std::vector<const Node*> order;             ///< topo_order(roots)
    std::unordered_map<const Node*, int> index; ///< position in order
    std::unordered_map<const Node*, std::vector<const Node*>> users;
    std::unordered_set<const Node*> is_root;
    /// Lazy ifelse: the computed nodes that run only under a condition, each with its guard
    /// (schedule.cpp says how guards are found). A node not listed always runs; a graph without
    /// ifelse lists none. Steps run inside `if (guard)`; a fused loop's members share one guard.
    std::unordered_map<const Node*, Guard> guard;

    std::vector<FusedLoop> loops;                 ///< fuse_elemwise
    std::unordered_map<const Node*, int> loop_of; ///< element-wise or folded node -> its loop
    std::vector<Step> steps;                      ///< fuse_elemwise: the order of execution
    /// inplace: update values written straight into their variable's buffer -> the variable.
    std::unordered_map<const Node*, const Node*> in_place;

    BindingPlan plan;                          ///< storage_plan
    std::unordered_map<const Node*, int> slot; ///< storage_plan: materialized value -> slot

    /// For a leaf: whether the signature promises a C-contiguous array (constants always;
    /// inputs and shared variables per graph.strided_leaves). False for other nodes.
    bool contiguous_leaf(const Node* n) const;

    /// The guard of a node (empty when it always runs) and of a step (its loop's members').
    const Guard& guard_of(const Node* n) const;
    const Guard& guard_of(const Step& st) const;

    /// True for an element-wise node (one that fuses).
    static bool fusable_kind(const Node* n);
};

/// The Scan nodes of the scan n belongs to (same body, same inputs: one loop computes them all),
/// in the order of the schedule's steps; the first is where the loop runs (scan_group.cpp).
std::vector<const Node*> scan_group(const Schedule& s, const Node* n);

/// The graph (graph_text) followed by one line per step, the values written in place and, once
/// storage_plan ran, each stored value's slot: what TJ_LOG_LEVEL=trace prints after each phase.
std::string schedule_text(const Schedule& s);

} // namespace tensorjit::codegen
