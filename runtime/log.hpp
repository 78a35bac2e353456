/// \file
/// The library's spdlog logger (internal header). Level from TJ_LOG_LEVEL (trace, debug, info,
/// warn, error, critical, off); nothing is printed by default.
#pragma once

#include <spdlog/spdlog.h>

namespace tensorjit {

/// The "tensorjit" logger, writing to stderr; created on first use.
spdlog::logger& log();

} // namespace tensorjit
