// tj::print_profile: the profiles as PyTensor's ProfileStats.summary prints them, a "Function
// profiling" block per function, then its steps sorted by time.
#include "compiler/function/profile_record.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <ostream>
#include <string>

namespace tensorjit {

namespace {

std::string format(const char* fmt, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a);
    return buf;
}

std::string percent(double part, double whole) {
    return format("%5.1f%%", whole > 0 ? 100.0 * part / whole : 0.0);
}

void print_function(std::ostream& os, const ProfileStats& p) {
    os << "Function profiling\n==================\n";
    os << "  Function: " << p.name << " (key " << p.cache_key.substr(0, 16) << ")\n";
    const double per_call = p.calls ? p.seconds / static_cast<double>(p.calls) : 0.0;
    os << "  Time in " << p.calls << (p.calls == 1 ? " call: " : " calls: ")
       << format("%.3e s", p.seconds) << " (" << format("%.3e s", per_call) << " per call)\n";
    const double other = std::max(0.0, p.seconds - p.bind_seconds - p.kernel_seconds -
                                           p.alloc_seconds - p.update_seconds);
    const std::pair<const char*, double> split[] = {
        {"argument checks:  ", p.bind_seconds},  {"kernel:           ", p.kernel_seconds},
        {"output allocation:", p.alloc_seconds}, {"updates:          ", p.update_seconds},
        {"other:            ", other}, // locks, the frame, moving the results out
    };
    for (const auto& [label, s] : split)
        os << "    " << label << " " << format("%.3e s", s) << "  " << percent(s, p.seconds)
           << "\n";
    if (!p.calls) {
        os << "\n";
        return;
    }

    double in_steps = 0;
    for (const auto& s : p.steps) in_steps += s.seconds;
    os << "\n  Steps (" << p.steps.size() << " in the kernel, " << format("%.3e s", in_steps)
       << " in them)\n  -----\n";
    os << "  <% time> <sum %> <time> <time per call> <calls> <bytes/call> <step>\n";
    std::vector<const StepStats*> order;
    for (const auto& s : p.steps) order.push_back(&s);
    std::stable_sort(order.begin(), order.end(), [](const StepStats* a, const StepStats* b) {
        return a->seconds > b->seconds;
    });
    double sum = 0;
    for (const StepStats* s : order) {
        sum += s->seconds;
        const double each = s->calls ? s->seconds / static_cast<double>(s->calls) : 0.0;
        const unsigned long long bytes = s->calls ? s->bytes / s->calls : 0;
        char line[160];
        std::snprintf(line, sizeof line, "  %7s  %7s  %.3es  %.3es  %7llu  %11llu  ",
                      percent(s->seconds, in_steps).c_str(), percent(sum, in_steps).c_str(),
                      s->seconds, each, s->calls, bytes);
        os << line << s->description << "\n";
    }
    os << "\n";
}

} // namespace

void print_profile(std::ostream& os) {
    const std::vector<ProfileStats> all = profile_stats();
    if (all.empty()) {
        os << "tensorjit: no function was profiled (FunctionOptions::profile, TJ_PROFILE=1)\n";
        return;
    }
    for (const auto& p : all) print_function(os, p);
    os.flush();
}

void print_profile() { print_profile(std::cerr); }

} // namespace tensorjit
