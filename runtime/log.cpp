// The library logger: stderr sink, level from TJ_LOG_LEVEL, off by default.
#include "runtime/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>

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

} // namespace tensorjit
