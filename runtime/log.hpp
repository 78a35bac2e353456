/// \file
/// The library's spdlog logger (internal header). Level from TJ_LOG_LEVEL (trace, debug, info,
/// warn, error, critical, off); nothing is printed by default.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace tensorjit {

/// The "tensorjit" logger, writing to stderr; created on first use.
spdlog::logger& log();

/// A warning that reaches stderr even at the default level (off), once per process for each
/// `kind` (later ones of that kind go to the logger at warn level only). For problems the user
/// must hear about though the library works on: an unusable cache entry, a failed cache write.
void warn_once(std::string_view kind, const std::string& message);

} // namespace tensorjit
