// The library logger: one spdlog logger whose single sink writes to stderr (with a timestamp) or
// hands lines to the application's sink; level from TJ_LOG_LEVEL, off by default.
#include "runtime/log.hpp"

#include <tensorjit/log.hpp>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>

namespace tensorjit {

namespace {

LogLevel from_spdlog(spdlog::level::level_enum l) {
    switch (l) {
    case spdlog::level::trace:
        return LogLevel::Trace;
    case spdlog::level::debug:
        return LogLevel::Debug;
    case spdlog::level::info:
        return LogLevel::Info;
    case spdlog::level::warn:
        return LogLevel::Warn;
    case spdlog::level::err:
    case spdlog::level::critical:
        return LogLevel::Error;
    default:
        return LogLevel::Off;
    }
}

spdlog::level::level_enum to_spdlog(LogLevel l) {
    switch (l) {
    case LogLevel::Trace:
        return spdlog::level::trace;
    case LogLevel::Debug:
        return spdlog::level::debug;
    case LogLevel::Info:
        return spdlog::level::info;
    case LogLevel::Warn:
        return spdlog::level::warn;
    case LogLevel::Error:
        return spdlog::level::err;
    case LogLevel::Off:
        break;
    }
    return spdlog::level::off;
}

// stderr, or the application's sink; base_sink's mutex serializes lines and sink changes.
class Sink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    Sink() {
        set_formatter_(std::make_unique<spdlog::pattern_formatter>(
            "[%Y-%m-%d %H:%M:%S.%e] [tensorjit %L] %v"));
    }
    void set_target(LogSink target) {
        std::lock_guard<std::mutex> lock(mutex_);
        target_ = std::move(target);
    }
    // A line the logger's level would drop, for the application's sink only; false without one.
    bool deliver(LogLevel level, std::string_view line) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!target_) return false;
        target_(level, line);
        return true;
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        if (target_) {
            target_(from_spdlog(msg.level),
                    std::string_view(msg.payload.data(), msg.payload.size()));
            return;
        }
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        std::fwrite(formatted.data(), 1, formatted.size(), stderr);
    }
    void flush_() override { std::fflush(stderr); }

  private:
    LogSink target_;
};

Sink& sink() {
    static auto* s = new std::shared_ptr<Sink>(std::make_shared<Sink>()); // outlives statics
    return **s;
}

// TJ_LOG_LEVEL; a value that names no level is a warning listing the valid ones.
spdlog::level::level_enum initial_level() {
    const char* env = std::getenv("TJ_LOG_LEVEL");
    if (!env || !*env) return spdlog::level::off;
    static const std::array<const char*, 8> names = {"trace",   "debug", "info",     "warn",
                                                     "warning", "error", "critical", "off"};
    for (const char* n : names)
        if (std::strcmp(env, n) == 0) return spdlog::level::from_str(env);
    std::fprintf(stderr,
                 "tensorjit: warning: TJ_LOG_LEVEL=%s is not a level (use trace, debug, info, "
                 "warn, error, critical or off); logging stays off\n",
                 env);
    return spdlog::level::off;
}

} // namespace

spdlog::logger& log() {
    static std::shared_ptr<spdlog::logger> logger = [] {
        // The sink is shared with the logger by an aliasing pointer to the leaked one.
        auto l = std::make_shared<spdlog::logger>(
            "tensorjit", std::shared_ptr<Sink>(std::shared_ptr<Sink>{}, &sink()));
        l->set_level(initial_level());
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
    if (first && !log().should_log(spdlog::level::warn)) {
        // The application's sink gets it as a warning; otherwise stderr, even with logging off.
        if (!sink().deliver(LogLevel::Warn, message))
            std::fprintf(stderr, "tensorjit: warning: %s\n", message.c_str());
    }
    log().warn("{}", message);
}

void set_log_level(LogLevel level) { log().set_level(to_spdlog(level)); }

LogLevel log_level() { return from_spdlog(log().level()); }

void set_log_sink(LogSink s) { sink().set_target(std::move(s)); }

} // namespace tensorjit
