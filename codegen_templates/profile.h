/* \file
 * Profiling hooks (FunctionOptions::profile, TJ_PROFILE=1): pasted only into kernels compiled
 * with profiling on, so that the kernels of unprofiled functions stay what they are. The runtime
 * implements them (runtime/kernel_host.cpp): they forward to the frame's KernelHost, which times
 * the steps with a monotonic clock. Includes no standard header. */
#ifndef TJ_PROFILE_H
#define TJ_PROFILE_H

#ifndef TJ_KERNEL_ABI_H
#include "kernel_abi.h"
#endif

/* The step number of the whole kernel: the entry point begins and ends it around its steps. */
#define TJ_PROFILE_KERNEL (-1)

#ifdef __cplusplus
extern "C" {
#endif
/* Step `step` (its index in the binding plan's profile steps, or TJ_PROFILE_KERNEL) starts. */
void tj_rt_prof_begin(tj_frame* f, int step);
/* Step `step` ended, after reading and writing `bytes` bytes of arrays. A step that fails
 * returns before it ends: only the steps of calls that succeed are counted. */
void tj_rt_prof_end(tj_frame* f, int step, long long bytes);
#ifdef __cplusplus
}
#endif

/* The bytes of an array of rank nd with these extents and elements of `itemsize` bytes. */
static inline long long tj_prof_bytes(int nd, const long long* shape, long long itemsize) {
    long long n = itemsize;
    for (int d = 0; d < nd; ++d) n *= shape[d];
    return n;
}

#endif
