/// \file
/// Looking at graphs: tj::dprint, a tree per output in the style of PyTensor's debugprint, and
/// tj::to_dot, the same graph as Graphviz text. Both show the graph as built
/// (`tj::Stage::before`, the default) or as the compiler leaves it (`tj::Stage::after`: rewritten,
/// with each computed node annotated with the fused loop or the kernel step it became).
///
///     auto x = tj::dmatrix("x");
///     std::cout << tj::dprint(1 / (1 + tj::exp(-x)));
///
///     true_div [id A] float64[?, ?]
///      |1 [id B] float64[]
///      |add [id C] float64[?, ?]
///        |1 [id D] float64[]
///        |exp [id E] float64[?, ?]
///          |neg [id F] float64[?, ?]
///            |x [id G] float64[?, ?]
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/function.hpp>
#include <tensorjit/tensor.hpp>

#include <cstddef>
#include <string>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

/// Which graph dprint and to_dot show: the graph as built, or after the compiler's rewrites and
/// fusion (what the kernel computes).
enum class Stage { before, after };

/// Options of tj::dprint and tj::to_dot: `{.types = false}`, `{.stage = tj::Stage::after}`.
struct DprintOptions {
    /// Append each node's type ("float64[?, 3]").
    bool types = true;
    /// The graph as built, or as compiled (rewritten, annotated with loops and kernel steps).
    Stage stage = Stage::before;
    /// Expand nodes up to this depth below each output (-1: no limit); deeper inputs print as
    /// "...". dprint only.
    int depth = -1;
    /// Stop after this many node lines, or this many bytes of text, saying so on a last line:
    /// a graph of 100000 nodes must not print megabytes. dprint only.
    std::size_t max_lines = 2000;
    std::size_t max_bytes = 1 << 20;
};

/// A graph as an indented tree, one line per node, as PyTensor's debugprint: each output is a
/// root, its inputs follow one level deeper (" |"), every node gets an id (`[id A]`, ..., `[id
/// Z]`, `[id BA]`, ...), and a computed node reached again prints only its head and id (shared
/// subexpressions are printed once). Leaves print their names (or "<float64[?]>"), scalar
/// constants their value, other constants their shape. With `Stage::after` the graph is
/// rewritten as tj::function would (the TJ_REWRITES default applies) and computed nodes carry
/// `[loop k]` (a member of fused loop k) or `[step i: op]` (a kernel step of its own), followed
/// by the list of kernel steps.
std::string dprint(const Var& output, const DprintOptions& options = {});
/// The same for several outputs, sharing ids.
std::string dprint(const std::vector<Var>& outputs, const DprintOptions& options = {});
/// A compiled function's graph: its outputs, then its updates (marked "update <name>"). With
/// `Stage::after`, the graph its kernel computes.
std::string dprint(const FunctionBase& function, const DprintOptions& options = {});

/// The graph in Graphviz's dot language (written by Boost.Graph's write_graphviz): one vertex per
/// node labelled with its op or name and type, edges from inputs to users, the outputs as plain
/// text vertices. With `Stage::after`, each fused loop's members share a fill colour and carry
/// their loop number. `dot -Tsvg` renders it. Not truncated.
std::string to_dot(const std::vector<Var>& outputs, const DprintOptions& options = {});
std::string to_dot(const Var& output, const DprintOptions& options = {});
std::string to_dot(const FunctionBase& function, const DprintOptions& options = {});

} // namespace tensorjit
TJ_API_END
