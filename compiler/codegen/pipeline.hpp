/// \file
/// The compiler's phases in order, from a function graph to one kernel's C++ source.
#pragma once

#include "compiler/codegen/kernel_emitter.hpp"
#include "compiler/graph/function_graph.hpp"

#include <string>

namespace tensorjit::codegen {

/// Milliseconds spent in the graph rewrites and in code generation (fusion to text).
struct PipelineTimes {
    double rewrite_ms = 0;
    double codegen_ms = 0;
};

/// Runs every phase on g (the rewrites only when g.rewrites) and returns the kernel `symbol`.
/// TJ_LOG_LEVEL=trace logs the graph after each phase, TJ_TIME_PASSES each phase's time.
KernelSource compile_graph(const FunctionGraph& g, const std::string& symbol,
                           PipelineTimes* times = nullptr);

} // namespace tensorjit::codegen
