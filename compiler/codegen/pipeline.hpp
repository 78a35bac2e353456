/// \file
/// The compiler's phases in order, from a function graph to one kernel's C++ source:
/// merge -> canonicalize -> stabilize -> canonicalize -> specialize (compiler/rewrite/, graph to
/// graph; only when the graph's rewrites are on) -> fuse_elemwise -> inplace -> storage_plan ->
/// emit (compiler/codegen/, on a Schedule).
#pragma once

#include "compiler/codegen/kernel_emitter.hpp"
#include "compiler/codegen/schedule.hpp"
#include "compiler/graph/function_graph.hpp"

#include <string>

namespace tensorjit::codegen {

/// Milliseconds spent in the graph rewrites and in code generation (fusion to text).
struct PipelineTimes {
    double rewrite_ms = 0;
    double codegen_ms = 0;
};

/// Runs the graph phases (merge -> canonicalize -> stabilize -> canonicalize -> specialize) when
/// g.rewrites, else returns g.
FunctionGraph rewrite_graph(const FunctionGraph& g);

/// Runs the phases up to storage_plan (all but emit): what the kernel will be, for tests.
Schedule schedule_graph(const FunctionGraph& g, PipelineTimes* times = nullptr);

/// Runs every phase on g (the rewrites only when g.rewrites) and returns the kernel `symbol`.
/// TJ_LOG_LEVEL=trace logs the graph after each phase, TJ_TIME_PASSES each phase's time.
KernelSource compile_graph(const FunctionGraph& g, const std::string& symbol,
                           PipelineTimes* times = nullptr);

} // namespace tensorjit::codegen
