// The counters of profiled functions and their registry: tj::profile_stats, tj::reset_profile
// and the TJ_PROFILE environment variable (the table printed at exit).
#include "compiler/function/profile_record.hpp"

#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string_view>

namespace tensorjit {

namespace detail {

namespace {

constexpr std::memory_order kRelaxed = std::memory_order_relaxed;

double seconds(std::uint64_t ns) { return static_cast<double>(ns) * 1e-9; }

// Every profile made in this process, in the order of the functions' construction. A profile
// outlives its function here, so that it can be printed at exit.
struct Registry {
    std::mutex mutex;
    std::vector<std::shared_ptr<FunctionProfile>> profiles;
};

Registry& registry() {
    static Registry r;
    return r;
}

} // namespace

FunctionProfile::FunctionProfile(std::string name, std::string key, std::vector<std::string> steps)
    : name_(std::move(name)), key_(std::move(key)), descriptions_(std::move(steps)),
      steps_(std::make_unique<Step[]>(descriptions_.size())) {}

void FunctionProfile::add_call(const CallTimes& t) noexcept {
    calls_.fetch_add(1, kRelaxed);
    total_.fetch_add(t.total, kRelaxed);
    bind_.fetch_add(t.bind, kRelaxed);
    kernel_.fetch_add(t.kernel, kRelaxed);
    alloc_.fetch_add(t.alloc, kRelaxed);
    updates_.fetch_add(t.updates, kRelaxed);
}

void FunctionProfile::add_step(int step, std::uint64_t ns, long long bytes) noexcept {
    if (step < 0 || static_cast<std::size_t>(step) >= descriptions_.size()) return;
    Step& s = steps_[static_cast<std::size_t>(step)];
    s.calls.fetch_add(1, kRelaxed);
    s.ns.fetch_add(ns, kRelaxed);
    s.bytes.fetch_add(static_cast<std::uint64_t>(bytes > 0 ? bytes : 0), kRelaxed);
}

ProfileStats FunctionProfile::snapshot() const {
    ProfileStats p;
    p.name = name_;
    p.cache_key = key_;
    p.calls = calls_.load(kRelaxed);
    p.seconds = seconds(total_.load(kRelaxed));
    p.bind_seconds = seconds(bind_.load(kRelaxed));
    p.kernel_seconds = seconds(kernel_.load(kRelaxed));
    p.alloc_seconds = seconds(alloc_.load(kRelaxed));
    p.update_seconds = seconds(updates_.load(kRelaxed));
    for (std::size_t i = 0; i < descriptions_.size(); ++i) {
        const Step& s = steps_[i];
        p.steps.push_back({static_cast<int>(i), descriptions_[i], s.calls.load(kRelaxed),
                           seconds(s.ns.load(kRelaxed)), s.bytes.load(kRelaxed)});
    }
    return p;
}

void FunctionProfile::reset() noexcept {
    for (auto* c : {&calls_, &total_, &bind_, &kernel_, &alloc_, &updates_}) c->store(0, kRelaxed);
    for (std::size_t i = 0; i < descriptions_.size(); ++i) {
        steps_[i].calls.store(0, kRelaxed);
        steps_[i].ns.store(0, kRelaxed);
        steps_[i].bytes.store(0, kRelaxed);
    }
}

std::shared_ptr<FunctionProfile> new_function_profile(std::string name, std::string key,
                                                      std::vector<std::string> steps) {
    auto p = std::make_shared<FunctionProfile>(std::move(name), std::move(key), std::move(steps));
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.profiles.push_back(p);
    return p;
}

bool profile_enabled() {
    static const bool on = [] {
        const char* v = std::getenv("TJ_PROFILE");
        const bool enabled = v && (std::string_view(v) == "1" || std::string_view(v) == "on");
        if (enabled) {
            // The registry is made first, so that it is destroyed after the print at exit.
            registry();
            std::atexit([] { print_profile(std::cerr); });
        }
        return enabled;
    }();
    return on;
}

} // namespace detail

std::vector<ProfileStats> profile_stats() {
    detail::Registry& r = detail::registry();
    std::lock_guard lock(r.mutex);
    std::vector<ProfileStats> out;
    out.reserve(r.profiles.size());
    for (const auto& p : r.profiles) out.push_back(p->snapshot());
    return out;
}

void reset_profile() {
    detail::Registry& r = detail::registry();
    std::lock_guard lock(r.mutex);
    std::erase_if(r.profiles, [](const auto& p) { return p.use_count() == 1; });
    for (const auto& p : r.profiles) p->reset();
}

} // namespace tensorjit
