// The pipeline: every phase of the compiler's middle and back end, in order. Each phase is a free
// function in a file of its own (compiler/rewrite/passes.hpp, compiler/codegen/passes.hpp).
#include "compiler/codegen/pipeline.hpp"

#include "compiler/codegen/passes.hpp"
#include "compiler/graph/graph_text.hpp"
#include "compiler/rewrite/passes.hpp"
#include "runtime/log.hpp"

#include <chrono>
#include <cstdlib>

namespace tensorjit::codegen {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

bool time_passes() {
    static const bool on = std::getenv("TJ_TIME_PASSES") != nullptr;
    return on;
}

// Runs one graph phase, timed (TJ_TIME_PASSES) and traced (the graph after it).
FunctionGraph run(const char* name, FunctionGraph (*phase)(FunctionGraph), FunctionGraph g) {
    const auto t = Clock::now();
    g = phase(std::move(g));
    if (time_passes()) log().info("phase {}: {:.3f} ms", name, ms_since(t));
    if (log().should_log(spdlog::level::trace))
        log().trace("graph after {}:\n{}", name, graph_text(g));
    return g;
}

// Runs one schedule phase, timed and traced (the schedule after it).
void run_schedule(const char* name, void (*phase)(Schedule&), Schedule& s) {
    const auto t = Clock::now();
    phase(s);
    if (time_passes()) log().info("phase {}: {:.3f} ms", name, ms_since(t));
    if (log().should_log(spdlog::level::trace))
        log().trace("schedule after {}:\n{}", name, schedule_text(s));
}

} // namespace

FunctionGraph rewrite_graph(const FunctionGraph& input) {
    FunctionGraph g = input;
    if (!g.rewrites) return g;
    g = run("merge", merge, std::move(g));
    g = run("canonicalize", canonicalize, std::move(g));
    g = run("stabilize", stabilize, std::move(g));
    g = run("canonicalize", canonicalize, std::move(g));
    return run("specialize", specialize, std::move(g));
}

Schedule schedule_graph(const FunctionGraph& input, PipelineTimes* times) {
    const auto t0 = Clock::now();
    FunctionGraph g = rewrite_graph(input);
    const auto t1 = Clock::now();
    Schedule s(std::move(g));
    run_schedule("fuse_elemwise", fuse_elemwise, s);
    run_schedule("inplace", inplace, s);
    run_schedule("storage_plan", storage_plan, s);
    if (times) {
        times->rewrite_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
        times->codegen_ms = ms_since(t1);
    }
    return s;
}

KernelSource compile_graph(const FunctionGraph& input, const std::string& symbol,
                           PipelineTimes* times) {
    Schedule s = schedule_graph(input, times);
    const auto t = Clock::now();
    KernelSource src = emit(s, symbol);
    if (time_passes()) log().info("phase emit: {:.3f} ms", ms_since(t));
    if (times) times->codegen_ms += ms_since(t);
    return src;
}

} // namespace tensorjit::codegen
