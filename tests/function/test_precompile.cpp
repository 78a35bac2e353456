// Precompiling (#11 items 3, 4, 6): `tensorjit-cache warm` from graph files, for this host and
// for other CPUs, disk hits in another process with TJ_TARGET_CPU, why a miss missed (the debug
// log and `explain`), and the CLI's conventions (stats, list --json, sizes, errors, --help).
#include "support/test_util.hpp"
#include "support/tutorial_model.hpp"

#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace fs = std::filesystem;
namespace tj = tensorjit;

namespace {

std::string cli(const fs::path& cache) {
    return "'" + std::string(TJ_BINARY_DIR) + "/tensorjit-cache' --dir '" + cache.string() + "' ";
}

// Builds the function of a graph file in another process (TJ_CACHE_DIR=cache plus `env`);
// the probe's JSON: clang_compiles, disk_hits, key.
nlohmann::json probe(const fs::path& cache, const fs::path& file, const std::string& env = "",
                     std::string* log = nullptr) {
    std::string out;
    const std::string cmd = "env -u TJ_LOG_LEVEL -u TJ_TARGET_CPU TJ_CACHE_DIR='" + cache.string() +
                            "' " + env + " '" + std::string(TJ_BINARY_DIR) +
                            "/tests/tj_tool_graph_file_probe' '" + file.string() + "' 2>&1";
    REQUIRE(tj_test::run_command(cmd, &out) == 0);
    if (log) *log = out;
    // The JSON is the last line; log lines (TJ_LOG_LEVEL in env) come before it.
    const auto at = out.rfind("{\"clang_compiles\"");
    REQUIRE(at != std::string::npos);
    return nlohmann::json::parse(out.substr(at));
}

// The tutorial's train and predict functions as graph files in dir.
void export_tutorial(const fs::path& dir) {
    tj::Generator rng(2882);
    auto m = tj_test::logistic_model(rng.standard_normal({784}));
    tj::save_function(
        dir / "train.tjgraph", {m.x, m.y}, {m.prediction, m.xent},
        {.updates = {{m.w, m.w - 0.1 * m.gw}, {m.b, m.b - 0.1 * m.gb}}, .name = "train"});
    tj::save_function(dir / "predict.tjgraph", {m.x}, {m.prediction}, {.name = "predict"});
}

int count_of(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

} // namespace

TEST_CASE("warm compiles graph files for several CPUs; another process gets disk hits",
          "[precompile][process][cli]") {
    tj_test::TempDir dir;
    export_tutorial(dir.path());
    const fs::path cache = dir.path() / "cache";
    const std::string files = "'" + (dir.path() / "train.tjgraph").string() + "' '" +
                              (dir.path() / "predict.tjgraph").string() + "'";
    std::string out;
    REQUIRE(tj_test::run_command(
                cli(cache) + "warm " + files + " -j 2 --target-cpu x86-64-v2,native 2>&1", &out) ==
            0);
    CHECK_THAT(out, Catch::Contains("4 function(s): 4 compiled, 0 already cached, 0 failed"));
    CHECK(count_of(out, "compiled  train (") == 2);
    CHECK(count_of(out, "compiled  predict (") == 2);
    CHECK_THAT(out, Catch::Contains("for x86-64-v2"));
    // Not on a terminal: plain lines, no carriage returns or escape sequences.
    CHECK(out.find('\r') == std::string::npos);
    CHECK(out.find('\033') == std::string::npos);

    // Again: everything is cached, nothing compiled.
    out.clear();
    REQUIRE(tj_test::run_command(cli(cache) + "warm " + files + " --target-cpu x86-64-v2,native",
                                 &out) == 0);
    CHECK_THAT(out, Catch::Contains("4 function(s): 0 compiled, 4 already cached, 0 failed"));

    // An application on this host, built for the baseline the cache was warmed for.
    auto hit = probe(cache, dir.path() / "train.tjgraph", "TJ_TARGET_CPU=x86-64-v2");
    CHECK(hit["clang_compiles"] == 0);
    CHECK(hit["disk_hits"] == 1);
    // And for the host itself (native).
    auto native = probe(cache, dir.path() / "predict.tjgraph");
    CHECK(native["clang_compiles"] == 0);
    CHECK(native["disk_hits"] == 1);
    CHECK(native["key"] != hit["key"]);
    // A CPU the cache was not warmed for compiles.
    auto other = probe(cache, dir.path() / "train.tjgraph", "TJ_TARGET_CPU=x86-64");
    CHECK(other["clang_compiles"] == 1);

    // The counters the processes kept: hits and misses of the local layer, compiles.
    out.clear();
    REQUIRE(tj_test::run_command(cli(cache) + "stats --json", &out) == 0);
    const auto stats = nlohmann::json::parse(out);
    CHECK(stats["entries"] == 5);
    CHECK(stats["compiles"] == 5);
    CHECK(stats["layers"]["local"]["hits"] == 6); // 4 by the second warm, 2 by the probes
    CHECK(stats["layers"]["local"]["misses"] == 5);
    CHECK(stats["saved_seconds"].get<double>() > 0);
    out.clear();
    REQUIRE(tj_test::run_command(cli(cache) + "stats", &out) == 0);
    CHECK_THAT(out, Catch::Contains("local hits           6 / 11 (54%)"));
    CHECK_THAT(out, Catch::Contains("compiles             5"));
    REQUIRE(tj_test::run_command(cli(cache) + "stats --zero", &out) == 0);
    out.clear();
    REQUIRE(tj_test::run_command(cli(cache) + "stats --json", &out) == 0);
    CHECK(nlohmann::json::parse(out)["compiles"] == 0);

    // list: a header, function names, targets, human sizes; --json for scripts.
    out.clear();
    REQUIRE(tj_test::run_command(cli(cache) + "list", &out) == 0);
    CHECK_THAT(out, Catch::StartsWith("KEY ") && Catch::Contains("FUNCTION") &&
                        Catch::Contains("LAST USED"));
    CHECK(count_of(out, " train ") == 3);
    CHECK(count_of(out, "cpu=x86-64-v2") == 2);
    CHECK(std::regex_search(out, std::regex("[0-9.]+ KB")));
    CHECK_THAT(out, Catch::Contains("5 entries"));
    out.clear();
    REQUIRE(tj_test::run_command(cli(cache) + "list --json", &out) == 0);
    const auto list = nlohmann::json::parse(out);
    REQUIRE(list["entries"].size() == 5);
    for (const auto& e : list["entries"]) {
        CHECK(e["key"].get<std::string>().size() == 64);
        CHECK((e["function"] == "train" || e["function"] == "predict"));
        CHECK(e["bytes"].get<std::uint64_t>() > 1000);
    }
}

TEST_CASE("warm reports failures and refuses bad arguments", "[precompile][process][cli]") {
    tj_test::TempDir dir;
    export_tutorial(dir.path());
    const fs::path cache = dir.path() / "cache";
    const fs::path bad = dir.path() / "bad.tjgraph";
    std::ofstream(bad) << "{\"format\": \"tensorjit-graph\", \"version\": 1";
    std::string out;
    CHECK(tj_test::run_command(cli(cache) + "warm '" + bad.string() + "' '" +
                                   (dir.path() / "predict.tjgraph").string() + "' 2>&1",
                               &out) == 1);
    CHECK_THAT(out, Catch::Contains("FAILED") && Catch::Contains(bad.string()));
    CHECK_THAT(out, Catch::Contains("1 compiled, 0 already cached, 1 failed"));
    // Usage errors: exit 2 with a message.
    out.clear();
    CHECK(tj_test::run_command(
              cli(cache) + "warm '" + bad.string() + "' --target-cpu pentium-nine 2>&1", &out) ==
          2);
    CHECK_THAT(out, Catch::Contains("unknown target CPU 'pentium-nine'"));
    CHECK(tj_test::run_command(cli(cache) + "warm --jobs 0 '" + bad.string() + "' 2>&1") == 2);
    CHECK(tj_test::run_command(cli(cache) + "warm '" + (dir.path() / "missing").string() +
                               "' 2>&1") == 2);
    CHECK(tj_test::run_command(cli(cache) + "list --bogus 2>&1") == 2);
    CHECK(tj_test::run_command(cli(cache) + "prune --max-size -5M 2>&1", &out) == 2);
    CHECK(tj_test::run_command(cli(cache) + "prune --max-size 5Q 2>&1", &out) == 2);
    CHECK(tj_test::run_command(cli(cache) + "prune 2>&1") == 2);
    CHECK(tj_test::run_command(cli(cache) + "2>&1") == 2);
    // A directory that does not exist is an error for the commands that read it.
    out.clear();
    CHECK(tj_test::run_command(cli(dir.path() / "nowhere") + "list 2>&1", &out) == 1);
    CHECK_THAT(out, Catch::Contains("does not exist"));
    CHECK_FALSE(fs::exists(dir.path() / "nowhere"));
    // --help for every command, --version.
    for (const char* cmd :
         {"path", "list", "stats", "verify", "prune", "clear", "warm", "explain"}) {
        out.clear();
        CHECK(tj_test::run_command(cli(cache) + cmd + " --help", &out) == 0);
        CHECK_THAT(out, Catch::Contains("Usage:") || Catch::Contains("Usage"));
    }
    out.clear();
    CHECK(tj_test::run_command(cli(cache) + "--version", &out) == 0);
    CHECK_THAT(out, Catch::StartsWith("tensorjit-cache "));
}

TEST_CASE("prune takes sizes with suffixes", "[precompile][process][cli]") {
    tj_test::TempDir dir;
    export_tutorial(dir.path());
    const fs::path cache = dir.path() / "cache";
    std::string out;
    REQUIRE(tj_test::run_command(cli(cache) + "warm '" + (dir.path() / "train.tjgraph").string() +
                                 "' '" + (dir.path() / "predict.tjgraph").string() + "'") == 0);
    REQUIRE(tj_test::run_command(cli(cache) + "prune --max-size 1G", &out) == 0);
    CHECK_THAT(out, Catch::Contains("0 entries removed"));
    out.clear();
    // Each entry is above 10 KiB: none fits.
    REQUIRE(tj_test::run_command(cli(cache) + "prune --max-size 10KiB", &out) == 0);
    CHECK_THAT(out, Catch::Contains("2 entries removed"));
}

TEST_CASE("a miss says which key component differs from the nearest entry",
          "[precompile][process][cli]") {
    tj_test::TempDir dir;
    export_tutorial(dir.path());
    // The same function graph for another signature: float32 inputs. (No constant: a constant
    // takes the dtype of the expression, and its value is part of the graph.)
    auto x = tj::fvector("x");
    tj::save_function(dir.path() / "f32.tjgraph", {x}, {tj::exp(x) * x}, {.name = "scale"});
    auto x64 = tj::dvector("x");
    tj::save_function(dir.path() / "f64.tjgraph", {x64}, {tj::exp(x64) * x64}, {.name = "scale"});
    const fs::path cache = dir.path() / "cache";
    const fs::path train = dir.path() / "train.tjgraph";
    REQUIRE(tj_test::run_command(cli(cache) + "warm '" + train.string() + "' '" +
                                 (dir.path() / "f32.tjgraph").string() + "'") == 0);

    // Another target: the debug log of the miss and `explain` name the target and its CPU.
    std::string log;
    auto miss = probe(cache, train, "TJ_TARGET_CPU=x86-64 TJ_LOG_LEVEL=debug", &log);
    CHECK(miss["clang_compiles"] == 1);
    CHECK_THAT(log, Catch::Contains("(train): miss; nearest entry"));
    CHECK_THAT(log, Catch::Contains("differs in 1 component(s)"));
    CHECK_THAT(log, Catch::Contains("target: CPU: cached native"));
    CHECK_THAT(log, Catch::Contains("wanted cpu=x86-64"));

    std::string out;
    REQUIRE(tj_test::run_command(
                cli(cache) + "explain '" + train.string() + "' --target-cpu x86-64-v3", &out) == 0);
    // The nearest entry is the native one or the x86-64 one the probe just made.
    CHECK_THAT(out, Catch::Contains("not cached"));
    CHECK_THAT(out, Catch::Contains("differs in 1 component(s)"));
    CHECK_THAT(out, Catch::Contains("target: CPU: cached "));
    CHECK_THAT(out, Catch::Contains("wanted cpu=x86-64-v3"));
    out.clear();
    REQUIRE(tj_test::run_command(cli(cache) + "explain '" + train.string() + "'", &out) == 0);
    CHECK_THAT(out, Catch::Contains("cached in"));
    CHECK_THAT(out, !Catch::Contains("not cached"));

    // Another signature of the same graph.
    out.clear();
    REQUIRE(tj_test::run_command(
                cli(cache) + "explain '" + (dir.path() / "f64.tjgraph").string() + "'", &out) == 0);
    CHECK_THAT(out, Catch::Contains("nearest entry") && Catch::Contains("(scale)"));
    CHECK_THAT(out, Catch::Contains("signature: cached 'inputs (float32[?])"));
    CHECK_THAT(out, Catch::Contains("wanted 'inputs (float64[?])"));

    // A graph nothing in the cache shares.
    auto y = tj::dvector("y");
    tj::save_function(dir.path() / "new.tjgraph", {y}, {tj::sin(y)});
    out.clear();
    REQUIRE(tj_test::run_command(
                cli(cache) + "explain '" + (dir.path() / "new.tjgraph").string() + "'", &out) == 0);
    CHECK_THAT(out, Catch::Contains("no entry of this function graph"));

    // explain KEY (or a prefix of it, as list shows): the components and the other entries of
    // the graph.
    const std::string key = miss["key"];
    out.clear();
    REQUIRE(tj_test::run_command(cli(cache) + "explain " + key.substr(0, 16), &out) == 0);
    CHECK_THAT(out, Catch::Contains("entry " + key));
    CHECK_THAT(out, Catch::Contains("function: train"));
    for (const char* c : {"graph: ", "signature: ", "toolchain: clang/LLVM ",
                          "templates: ", "target: ", "codegen: rewrites "})
        CHECK_THAT(out, Catch::Contains(std::string("  ") + c));
    CHECK_THAT(out, Catch::Contains("1 other entries of this function graph"));
    CHECK(tj_test::run_command(cli(cache) + "explain 0123456789abcdef0123 2>&1", &out) == 0);
    CHECK_THAT(out, Catch::Contains("no entry 0123456789abcdef0123"));
    CHECK(tj_test::run_command(cli(cache) + "explain zzz 2>&1") == 2);
}

TEST_CASE("TJ_TARGET_CPU this host cannot run is not used", "[precompile][process]") {
    tj_test::TempDir dir;
    export_tutorial(dir.path());
    const fs::path cache = dir.path() / "cache";
    std::string log;
    // An unknown name: a warning, and the host's code (the same key as without the variable).
    auto bogus = probe(cache, dir.path() / "predict.tjgraph", "TJ_TARGET_CPU=pentium-nine", &log);
    CHECK_THAT(log, Catch::Contains("TJ_TARGET_CPU is not used: unknown target CPU"));
    auto native = probe(cache, dir.path() / "predict.tjgraph");
    CHECK(bogus["key"] == native["key"]);
    CHECK(native["clang_compiles"] == 0);
}

TEST_CASE("warm shows a progress line on a terminal", "[precompile][process][cli]") {
    tj_test::TempDir dir;
    export_tutorial(dir.path());
    const fs::path cache = dir.path() / "cache";
    // script(1) (util-linux, in every Debian) runs the command on a pseudo-terminal.
    const std::string cmd = cli(cache) + "warm -j 1 '" + (dir.path() / "train.tjgraph").string() +
                            "' '" + (dir.path() / "predict.tjgraph").string() + "'";
    std::string out;
    REQUIRE(tj_test::run_command("script -qec \"" + cmd + "\" /dev/null", &out) == 0);
    // The line is redrawn in place: done/total, the current file, elapsed time, then an eta.
    CHECK_THAT(out, Catch::Contains("\r\033[K[0/2] " + (dir.path() / "train.tjgraph").string()));
    CHECK_THAT(out, Catch::Contains(" s elapsed, eta "));
    CHECK_THAT(out, Catch::Contains("[2/2] compiled  predict"));
    CHECK_THAT(out, Catch::Contains("2 compiled, 0 already cached, 0 failed"));
}
