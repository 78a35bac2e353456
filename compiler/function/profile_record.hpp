/// \file
/// The profile of one function (FunctionOptions::profile): the counters its calls add to, kept in
/// a process-wide registry so that tj::profile_stats and tj::print_profile (tensorjit/profile.hpp)
/// report functions that are gone, as PyTensor prints its profiles at exit.
#pragma once

#include <tensorjit/profile.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tensorjit::detail {

using ProfileClock = std::chrono::steady_clock;

/// What one profiled call measured, in nanoseconds.
struct CallTimes {
    std::uint64_t total = 0;
    std::uint64_t bind = 0;
    std::uint64_t kernel = 0; ///< allocation not included
    std::uint64_t alloc = 0;
    std::uint64_t updates = 0;
};

/// The counters of one profiled function. Calls add to them with relaxed atomics, no lock: a
/// snapshot taken while calls run may see part of a call, never a torn counter.
class FunctionProfile {
  public:
    /// `steps`: what each step of the kernel is (BindingPlan::profile_steps, names resolved).
    FunctionProfile(std::string name, std::string key, std::vector<std::string> steps);
    FunctionProfile(const FunctionProfile&) = delete;
    FunctionProfile& operator=(const FunctionProfile&) = delete;

    /// Counts one call that returned.
    void add_call(const CallTimes& t) noexcept;
    /// Counts one run of step `step` (ignored when the kernel has no such step).
    void add_step(int step, std::uint64_t ns, long long bytes) noexcept;
    ProfileStats snapshot() const;
    void reset() noexcept;

  private:
    struct Step {
        std::atomic<std::uint64_t> calls{0}, ns{0}, bytes{0};
    };
    std::string name_;
    std::string key_;
    std::vector<std::string> descriptions_;
    std::unique_ptr<Step[]> steps_; // one per description
    std::atomic<std::uint64_t> calls_{0}, total_{0}, bind_{0}, kernel_{0}, alloc_{0}, updates_{0};
};

/// A new profile, registered: tj::profile_stats reports it from now on.
std::shared_ptr<FunctionProfile> new_function_profile(std::string name, std::string key,
                                                      std::vector<std::string> steps);

/// The default of FunctionOptions::profile: whether the environment has TJ_PROFILE=1 (or "on").
/// Read once; when on, the profiles are printed to stderr at exit.
bool profile_enabled();

} // namespace tensorjit::detail
