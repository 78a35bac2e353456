/// \file
/// What tj::dprint and tj::to_dot show (compiler/function/debug_print.cpp, to_dot.cpp): the roots
/// of a graph with their labels, before or after the compiler's phases, and for the latter the
/// schedule that says which fused loop or kernel step each node became.
#pragma once

#include "compiler/codegen/schedule.hpp"
#include "compiler/function/function_impl.hpp"

#include <tensorjit/debug_print.hpp>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tensorjit {

/// FunctionBase's state, for the graph views (FunctionBase befriends this).
struct detail::FunctionInternals {
    static const FunctionImpl& impl(const FunctionBase& f);
};

namespace graph_view {

struct GraphView {
    std::vector<NodePtr> roots;
    /// Per root: "" or what it is ("update w").
    std::vector<std::string> labels;
    /// Set for Stage::after: the rewritten graph's schedule (roots point into it).
    std::optional<codegen::Schedule> schedule;
    /// Stage::after: computed node -> the step that computes it (a loop's members included).
    std::unordered_map<const Node*, int> step_of;

    /// " [loop 0]", " [step 2: gemv]" (with " [in place]" for an update written in place), or "".
    std::string annotation(const Node* n) const;
};

/// The view of outputs built from Vars (Stage::after: as tj::function would compile them).
GraphView make_view(const std::vector<Var>& outputs, Stage stage);
/// The view of a compiled function: outputs, then updates.
GraphView make_view(const FunctionBase& function, Stage stage);

/// "add", "cast{float32}", "sum{0,1}" for a computed node; the name (or "<float64[?]>") of an
/// input or shared variable; the value of a scalar constant, a short vector's values, or
/// "constant(2, 3)".
std::string node_head(const Node& n);

} // namespace graph_view
} // namespace tensorjit
