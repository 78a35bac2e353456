// The host of profiled kernels and the timing of a profiled call.
#include "compiler/function/profile_host.hpp"

#include "codegen_templates/profile.h"

namespace tensorjit::detail {

namespace {
std::uint64_t ns_between(ProfileClock::time_point a, ProfileClock::time_point b) {
    return b > a ? static_cast<std::uint64_t>(
                       std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count())
                 : 0;
}
} // namespace

void* ProfiledHost::alloc(int slot, int ndim, const long long* shape) noexcept {
    const auto t = ProfileClock::now();
    void* p = st_.alloc(slot, ndim, shape);
    alloc_ns += ns_between(t, ProfileClock::now());
    return p;
}
void ProfiledHost::shape_error(int node, int na, const long long* a, int nb,
                               const long long* b) noexcept {
    st_.shape_error(node, na, a, nb, b);
}
void ProfiledHost::extent_error(int node, int kind, int na, const long long* a, int axis_a, int nb,
                                const long long* b, int axis_b) noexcept {
    st_.extent_error(node, kind, na, a, axis_a, nb, b, axis_b);
}
void ProfiledHost::value_error(int node, int code, long long value) noexcept {
    st_.value_error(node, code, value);
}
void* ProfiledHost::scratch(int which, long long bytes) noexcept {
    return st_.scratch(which, bytes);
}

void ProfiledHost::prof_begin(int step) noexcept {
    const auto t = ProfileClock::now();
    if (step == TJ_PROFILE_KERNEL)
        kernel_begin = t;
    else
        step_begin_ = t;
}

void ProfiledHost::prof_end(int step, long long bytes) noexcept {
    const auto t = ProfileClock::now();
    if (step == TJ_PROFILE_KERNEL)
        kernel_end = t;
    else
        profile_.add_step(step, ns_between(step_begin_, t), bytes);
}

ProfiledCall::ProfiledCall(FunctionProfile& profile, CallState& st, ProfileClock::time_point start)
    : profile_(profile), st_(st), host_(st, profile), start_(start) {
    st_.host = &host_;
}

void ProfiledCall::commit() {
    CallTimes t;
    t.total = ns_between(start_, ProfileClock::now());
    t.bind = ns_between(bind_begin_, bind_end_);
    t.alloc = host_.alloc_ns;
    const std::uint64_t kernel = ns_between(host_.kernel_begin, host_.kernel_end);
    t.kernel = kernel > t.alloc ? kernel - t.alloc : 0;
    t.updates = ns_between(host_.kernel_end, executed_);
    profile_.add_call(t);
}

} // namespace tensorjit::detail
