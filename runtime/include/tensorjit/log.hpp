/// \file
/// The library's log: what it compiles, hits and misses in the cache, warnings. Off by default
/// (TJ_LOG_LEVEL sets the level at start-up); lines go to stderr, with a timestamp, unless the
/// application routes them itself:
///
///     tj::set_log_level(tj::LogLevel::Debug);
///     tj::set_log_sink([](tj::LogLevel level, std::string_view line) { my_log(level, line); });
#pragma once

#include <tensorjit/export.hpp>

#include <functional>
#include <string_view>

TJ_API_BEGIN
namespace tensorjit {

enum class LogLevel { Trace, Debug, Info, Warn, Error, Off };

/// The lowest level that is logged. Thread-safe.
void set_log_level(LogLevel level);
LogLevel log_level();

/// Receives each log line: its level and its text (no timestamp or prefix: the application adds
/// its own). Called from whichever thread logs, one call at a time (the library serializes
/// them); it must not call back into tensorjit's logging. Warnings that the library prints on
/// stderr even with logging off (an unusable cache directory or entry) go to the sink instead.
using LogSink = std::function<void(LogLevel level, std::string_view line)>;

/// Routes every line to `sink`; an empty sink restores stderr. Thread-safe.
void set_log_sink(LogSink sink);

} // namespace tensorjit
TJ_API_END
