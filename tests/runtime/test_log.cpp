// The log (#12 item 7): tj::set_log_level and tj::set_log_sink route lines to the application,
// compile lines name the function, stderr lines carry a timestamp, the cc1 argument dump is at
// trace level only, and a TJ_LOG_LEVEL that names no level is a warning listing the valid ones.
#include "runtime/log.hpp"
#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <mutex>
#include <regex>
#include <string>
#include <vector>

namespace tj = tensorjit;

namespace {

struct Captured {
    std::mutex mutex;
    std::vector<std::pair<tj::LogLevel, std::string>> lines;
    bool contains(tj::LogLevel level, const std::string& text) {
        std::lock_guard lock(mutex);
        for (const auto& [l, t] : lines)
            if (l == level && t.find(text) != std::string::npos) return true;
        return false;
    }
};

// Installs a capturing sink and a level for the scope; restores stderr and the old level.
class SinkScope {
  public:
    explicit SinkScope(tj::LogLevel level) : old_(tj::log_level()) {
        tj::set_log_sink([this](tj::LogLevel l, std::string_view line) {
            std::lock_guard lock(captured.mutex);
            captured.lines.emplace_back(l, std::string(line));
        });
        tj::set_log_level(level);
    }
    ~SinkScope() {
        tj::set_log_sink({});
        tj::set_log_level(old_);
    }
    Captured captured;

  private:
    tj::LogLevel old_;
};

} // namespace

TEST_CASE("set_log_sink receives the compile lines, which name the function", "[log]") {
    SinkScope scope(tj::LogLevel::Debug);
    auto x = tj::dvector("x");
    // A graph no other test builds, so that this process compiles it (or loads it from disk).
    auto f = tj::function({x}, tj::tanh(x) * 7.25 - 0.125, {.name = "log_test_fn"});
    CHECK((scope.captured.contains(tj::LogLevel::Debug, "(log_test_fn): ") ||
           scope.captured.contains(tj::LogLevel::Debug, "(log_test_fn): memory hit")));
    // Lines come without timestamp or prefix: the application adds its own.
    for (const auto& [level, line] : scope.captured.lines)
        CHECK_FALSE(line.starts_with("[tensorjit"));
    // An unnamed function is named by its outputs.
    auto y = tj::dvector("y_out_name");
    auto g = tj::function({y}, tj::sinh(y) * 3.5);
    CHECK(scope.captured.contains(tj::LogLevel::Debug, "(outputs: mul)"));
    CHECK(tj::log_level() == tj::LogLevel::Debug);
}

TEST_CASE("warnings printed even with logging off go to the application's sink", "[log]") {
    SinkScope scope(tj::LogLevel::Off);
    tj_test::StderrCapture err;
    tj::warn_once("log-test-kind", "a log test warning");
    CHECK(err.text().empty());
    CHECK(scope.captured.contains(tj::LogLevel::Warn, "a log test warning"));
    // Below the level: nothing.
    tj::log().debug("not this one");
    CHECK_FALSE(scope.captured.contains(tj::LogLevel::Debug, "not this one"));
}

TEST_CASE("stderr lines have a timestamp; TJ_LOG_LEVEL is checked; cc1 arguments at trace only",
          "[log][process]") {
    tj_test::TempDir dir;
    const std::string probe = "TJ_CACHE_DIR='" + dir.path().string() + "' '" +
                              std::string(TJ_BINARY_DIR) + "/tests/tj_tool_cache_probe' 2>&1";
    std::string out;
    REQUIRE(tj_test::run_command("env TJ_LOG_LEVEL=debug " + probe, &out) == 0);
    const std::regex line(
        R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[tensorjit D\] kernel [0-9a-f]{16} \()");
    CHECK(std::regex_search(out, line));
    CHECK_THAT(out, !Catch::Contains("clang driver arguments"));
    out.clear();
    tj_test::TempDir dir2;
    REQUIRE(tj_test::run_command("env TJ_LOG_LEVEL=trace TJ_CACHE_DIR='" + dir2.path().string() +
                                     "' '" + std::string(TJ_BINARY_DIR) +
                                     "/tests/tj_tool_cache_probe' 2>&1",
                                 &out) == 0);
    CHECK_THAT(out, Catch::Contains("[tensorjit T] clang driver arguments for cc1"));
    out.clear();
    REQUIRE(tj_test::run_command("env TJ_LOG_LEVEL=loud " + probe, &out) == 0);
    CHECK_THAT(out, Catch::Contains("TJ_LOG_LEVEL=loud is not a level (use trace, debug, info, "
                                    "warn, error, critical or off)"));
    CHECK_THAT(out, !Catch::Contains("[tensorjit D]"));
}
