/// \file
/// Profiling of compiled functions, as PyTensor's ProfileStats: a function built with
/// `{.profile = true}` (or every function, when the environment has TJ_PROFILE=1) counts its calls
/// and times their parts, and its kernel times each of its steps (fused loops, BLAS calls, other
/// ops) and counts the bytes they read and write. tj::print_profile prints the table;
/// TJ_PROFILE=1 also prints it to stderr at exit. Off, a function pays nothing for it.
#pragma once

#include <tensorjit/export.hpp>

#include <iosfwd>
#include <string>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

/// One step of a profiled kernel.
struct StepStats {
    int step = 0;                 ///< its place in the kernel: the step-th one timed
    std::string description;      ///< "loop 0: add, exp", "gemv: dot(x, w)", "transpose(x)"...
    unsigned long long calls = 0; ///< how many times it ran to its end
    double seconds = 0;           ///< total time in it, allocation of its outputs included
    unsigned long long bytes = 0; ///< bytes of the arrays it read and wrote, over all its calls
};

/// The profile of one function (each copy of a function has its own).
struct ProfileStats {
    std::string name;             ///< FunctionOptions::name ("function" when unnamed)
    std::string cache_key;        ///< its kernel's key
    unsigned long long calls = 0; ///< calls that returned (a call that throws is not counted)
    double seconds = 0;           ///< total time in those calls, from the call to its results
    double bind_seconds = 0;      ///< argument checks and binding
    double kernel_seconds = 0;    ///< the kernel, allocation not included
    double alloc_seconds = 0;     ///< allocating outputs and temporaries, asked by the kernel
    double update_seconds = 0;    ///< applying the updates of shared variables
    std::vector<StepStats> steps; ///< in the kernel's order
};

/// The profiles of the profiled functions built in this process, in the order they were built,
/// also of those that are gone (until reset_profile).
std::vector<ProfileStats> profile_stats();

/// Prints the profiles as PyTensor's ProfileStats.summary does: per function, its calls and the
/// split of their time, then its steps sorted by time: `<% time> <sum %> <time> <time per call>
/// <calls> <bytes/call> <step>`.
void print_profile(std::ostream& os);
/// The same to std::cerr.
void print_profile();

/// Zeroes the counters of every profiled function and forgets those that are gone.
void reset_profile();

} // namespace tensorjit
TJ_API_END
