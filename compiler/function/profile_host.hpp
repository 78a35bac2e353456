/// \file
/// One profiled call (FunctionOptions::profile): the kernel's host during the call, which times
/// the kernel, its steps and its allocations (codegen_templates/profile.h), and the marks the call
/// path sets around binding and the updates. Unprofiled calls never see it.
#pragma once

#include "compiler/function/function_impl.hpp"
#include "compiler/function/profile_record.hpp"

namespace tensorjit::detail {

/// The KernelHost of a profiled kernel: forwards to the call state (CallState), timing tj_rt_alloc
/// and the profile steps. Steps run one after another, so one start time serves them all.
class ProfiledHost final : public KernelHost {
  public:
    ProfiledHost(CallState& st, FunctionProfile& profile) : st_(st), profile_(profile) {}

    void* alloc(int slot, int ndim, const long long* shape) noexcept override;
    void shape_error(int node, int na, const long long* a, int nb,
                     const long long* b) noexcept override;
    void extent_error(int node, int kind, int na, const long long* a, int axis_a, int nb,
                      const long long* b, int axis_b) noexcept override;
    void value_error(int node, int code, long long value) noexcept override;
    void* scratch(int which, long long bytes) noexcept override;
    void prof_begin(int step) noexcept override;
    void prof_end(int step, long long bytes) noexcept override;

    ProfileClock::time_point kernel_begin{}, kernel_end{};
    std::uint64_t alloc_ns = 0;

  private:
    CallState& st_;
    FunctionProfile& profile_;
    ProfileClock::time_point step_begin_{};
};

/// The timing of one profiled call. Made when the call starts; installs its ProfiledHost as the
/// call state's host (and puts the state's own back when destroyed). The call path marks the end
/// of binding and of the kernel's run with its updates, and commits once it has its results: a
/// call that throws is not counted.
class ProfiledCall {
  public:
    ProfiledCall(FunctionProfile& profile, CallState& st, ProfileClock::time_point start);
    ~ProfiledCall() { st_.host = &st_; }
    ProfiledCall(const ProfiledCall&) = delete;
    ProfiledCall& operator=(const ProfiledCall&) = delete;

    void bind_begin() { bind_begin_ = ProfileClock::now(); }
    void bind_end() { bind_end_ = ProfileClock::now(); }
    void executed() { executed_ = ProfileClock::now(); }
    void commit();

  private:
    FunctionProfile& profile_;
    CallState& st_;
    ProfiledHost host_;
    ProfileClock::time_point start_, bind_begin_{}, bind_end_{}, executed_{};
};

} // namespace tensorjit::detail
