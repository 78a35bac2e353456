// The library logger: stderr sink, level from TJ_LOG_LEVEL, off by default.
#include "runtime/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

namespace tensorjit {

spdlog::logger& log() {
    static std::shared_ptr<spdlog::logger> logger = [] {
        auto l = std::make_shared<spdlog::logger>(
            "tensorjit", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        l->set_pattern("[tensorjit %L] %v");
        const char* env = std::getenv("TJ_LOG_LEVEL");
        l->set_level(env ? spdlog::level::from_str(env) : spdlog::level::off);
        return l;
    }();
    return *logger;
}

void warn_once(std::string_view kind, const std::string& message) {
    static std::mutex mu;
    static std::set<std::string, std::less<>> seen;
    bool first = false;
    {
        std::lock_guard<std::mutex> lock(mu);
        first = seen.emplace(kind).second;
    }
    if (first && !log().should_log(spdlog::level::warn))
        std::fprintf(stderr, "tensorjit: warning: %s\n", message.c_str());
    log().warn("{}", message);
}

} // namespace tensorjit
