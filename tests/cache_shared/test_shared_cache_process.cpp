// The shared cache layers seen from separate processes (tj_tool_shared_cache_probe): one process
// warms a layer, another with a cold local directory gets hits without Clang; a server killed or
// stalled mid-run, a corrupted value, oversize values, a bad URL and concurrent writers all end
// with right results.
#include <catch2/catch.hpp>

#include "redis_server.hpp"

#include "cache/entry_format.hpp"
#include "cache/redis_layer.hpp"
#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace tensorjit::cache;

namespace {

struct Probe {
    int status = -1;
    std::string out;
    long compiles = -1;
    long disk_hits = -1;
    std::map<int, std::string> keys;
    std::map<int, std::vector<double>> values;
};

// Runs the probe with a private local cache directory and env (VAR=value ...); the variables the
// probe reads are cleared first, so that the caller's environment (ctest's TJ_CACHE_DIR, a
// developer's TJ_CACHE_REDIS) cannot leak in. `timeout` turns a hang into a failure.
Probe run_probe(const fs::path& local, const std::string& env, const std::string& args) {
    Probe p;
    const std::string cmd =
        "env -u TJ_CACHE_SHARED -u TJ_CACHE_REDIS -u TJ_CACHE_REDIS_TIMEOUT_MS "
        "-u TJ_CACHE_REDIS_MAX_BYTES -u TJ_CACHE_READONLY -u TJ_LOG_LEVEL TJ_CACHE_DIR='" +
        local.string() + "' " + env + " timeout 300 '" + std::string(TJ_BINARY_DIR) +
        "/tests/tj_tool_shared_cache_probe' " + args + " 2>&1";
    p.status = tj_test::run_command(cmd, &p.out);
    std::smatch m;
    if (std::regex_search(p.out, m, std::regex("clang_compiles=(\\d+) disk_hits=(\\d+)"))) {
        p.compiles = std::stol(m[1]);
        p.disk_hits = std::stol(m[2]);
    }
    std::istringstream lines(p.out);
    std::string line;
    const std::regex fline("^f (-?\\d+) key=([0-9a-f]+) values=(.*)$");
    while (std::getline(lines, line)) {
        if (!std::regex_match(line, m, fline)) continue;
        const int k = std::stoi(m[1]);
        p.keys[k] = m[2];
        std::istringstream vs(m[3].str());
        double v;
        while (vs >> v) p.values[k].push_back(v);
    }
    return p;
}

// Every f_K(x) = x * K + 1 at x = 0, 1, 2.5 is right.
void check_values(const Probe& p, const std::vector<int>& ks) {
    INFO(p.out);
    REQUIRE(p.status == 0);
    for (int k : ks) {
        INFO("f " << k);
        REQUIRE(p.values.count(k) == 1);
        CHECK(p.values.at(k) == std::vector<double>{1.0, k + 1.0, 2.5 * k + 1.0});
    }
}

std::size_t count_entries(const fs::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".tjk") ++n;
    return n;
}

// Long timeouts by default: a loaded machine (two cores, sanitizers) must not make a healthy
// server look slow. The stalled-server test passes a short one.
std::string redis_env(const tj_test::RedisServer& server, int timeout_ms = 5000) {
    return "TJ_CACHE_REDIS_TIMEOUT_MS=" + std::to_string(timeout_ms) + " TJ_CACHE_REDIS='" +
           server.url() + "'";
}

// The value Redis holds for key is a whole entry of that key.
void check_redis_value(tj_test::RedisClient& client, const std::string& key) {
    INFO("key " << key);
    auto raw = client.get(redis_key(key));
    REQUIRE(raw);
    std::string why;
    auto entry = detail::decode(*raw, &why);
    INFO(why);
    REQUIRE(entry);
    CHECK(metadata_key(entry->metadata) == key);
}

const std::vector<int> kKs = {2, 3, 5};

} // namespace

TEST_CASE("a read-only shared directory serves a process with a cold local directory",
          "[cache_shared][process]") {
    tj_test::TempDir tmp;
    const fs::path shared = tmp.path() / "shared", cold = tmp.path() / "cold";
    const Probe warm = run_probe(shared, "", "2 3 5");
    check_values(warm, kKs);
    CHECK(warm.compiles == 3);
    REQUIRE(count_entries(shared) == 3);
    std::map<fs::path, std::string> before;
    for (const auto& e : fs::directory_iterator(shared))
        before[e.path().filename()] = std::to_string(fs::file_size(e.path()));

    const Probe hit =
        run_probe(cold, "TJ_LOG_LEVEL=debug TJ_CACHE_SHARED='" + shared.string() + "'", "2 3 5");
    check_values(hit, kKs);
    CHECK(hit.compiles == 0);
    CHECK(hit.keys == warm.keys);
    // Which layer served each kernel (the debug log line of a hit).
    for (const auto& [k, key] : warm.keys)
        CHECK_THAT(hit.out, Catch::Contains("kernel " + key.substr(0, 16)) &&
                                Catch::Contains(": shared hit"));
    // Copied into the local directory on the hit: a third process needs no shared layer.
    CHECK(count_entries(cold) == 3);
    const Probe local = run_probe(cold, "TJ_LOG_LEVEL=debug", "2 3 5");
    check_values(local, kKs);
    CHECK(local.compiles == 0);
    CHECK_THAT(local.out, Catch::Contains(": local hit"));
    // The shared directory was not written.
    std::map<fs::path, std::string> after;
    for (const auto& e : fs::directory_iterator(shared))
        after[e.path().filename()] = std::to_string(fs::file_size(e.path()));
    CHECK(after == before);

    SECTION("a function the shared directory lacks is compiled, and not written there") {
        const Probe more =
            run_probe(tmp.path() / "cold2", "TJ_CACHE_SHARED='" + shared.string() + "'", "3 7");
        check_values(more, {3, 7});
        CHECK(more.compiles == 1);
        CHECK(count_entries(shared) == 3);
    }
    SECTION("a missing shared directory is warned about; builds go on") {
        const Probe missing =
            run_probe(tmp.path() / "cold3",
                      "TJ_CACHE_SHARED='" + (tmp.path() / "nowhere").string() + "'", "2 3 5");
        check_values(missing, kKs);
        CHECK(missing.compiles == 3);
        CHECK_THAT(missing.out, Catch::Contains("tensorjit: warning: shared cache directory") &&
                                    Catch::Contains("is not a directory"));
        CHECK_FALSE(fs::exists(tmp.path() / "nowhere"));
    }
}

TEST_CASE("Redis warmed by one process serves another with a cold local directory",
          "[cache_shared][process][redis]") {
    tj_test::TempDir tmp;
    tj_test::RedisServer server;
    tj_test::RedisClient client(server.port());

    const Probe warm = run_probe(tmp.path() / "a", redis_env(server), "2 3 5");
    check_values(warm, kKs);
    CHECK(warm.compiles == 3);
    REQUIRE(client.keys("tensorjit:v3:*").size() == 3);
    for (const auto& [k, key] : warm.keys) check_redis_value(client, key);

    const Probe hit =
        run_probe(tmp.path() / "b", "TJ_LOG_LEVEL=debug " + redis_env(server), "2 3 5");
    check_values(hit, kKs);
    CHECK(hit.compiles == 0);
    CHECK(hit.keys == warm.keys);
    CHECK_THAT(hit.out, Catch::Contains(": redis hit"));
    CHECK(count_entries(tmp.path() / "b") == 3); // copied to the local directory

    SECTION("the local copy serves the next process without Redis") {
        server.kill();
        const Probe local = run_probe(tmp.path() / "b", "", "2 3 5");
        check_values(local, kKs);
        CHECK(local.compiles == 0);
        CHECK(local.disk_hits == 3);
    }
    SECTION("--redis URL (tj::RedisCache::use_for_builds) instead of TJ_CACHE_REDIS") {
        const Probe cli = run_probe(tmp.path() / "c", "", "--redis '" + server.url() + "' 2 3 5 7");
        check_values(cli, {2, 3, 5, 7});
        CHECK(cli.compiles == 1);
        CHECK(client.keys("tensorjit:v3:*").size() == 4);
        check_redis_value(client, cli.keys.at(7));
    }
}

TEST_CASE("a Redis server killed mid-run: builds fall back to compiling, with a warning",
          "[cache_shared][process][redis]") {
    tj_test::TempDir tmp;
    tj_test::RedisServer server;
    const std::vector<int> ks = {2, 3, 5, 7};
    // Redis holds every kernel; the second process gets the first half from it, then the
    // server dies and the second half is compiled.
    REQUIRE(run_probe(tmp.path() / "a", redis_env(server), "2 3 5 7").compiles == 4);

    const fs::path pause = tmp.path() / "pause";
    fs::create_directory(pause);
    Probe mid;
    std::thread runner([&] {
        mid = run_probe(tmp.path() / "b", redis_env(server),
                        "--pause '" + pause.string() + "' 2 3 5 7");
    });
    bool ready = false;
    for (int i = 0; i < 1200 && !(ready = fs::exists(pause / "ready")); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (ready) server.kill();
    std::ofstream(pause / "go") << "go\n";
    runner.join();
    REQUIRE(ready);
    check_values(mid, ks);
    CHECK(mid.compiles == 2);
    CHECK_THAT(mid.out, Catch::Contains("tensorjit: warning: Redis cache " + server.url() +
                                        " cannot be used") &&
                            Catch::Contains("compiled locally"));
}

TEST_CASE("a stalled Redis server costs a timeout, not a hang", "[cache_shared][process][redis]") {
    tj_test::TempDir tmp;
    tj_test::RedisServer server;
    REQUIRE(run_probe(tmp.path() / "a", redis_env(server), "2 3 5").compiles == 3);
    server.pause();
    // With the default timeouts (200 ms to connect, 500 ms per command) the same holds.
    const Probe slow = run_probe(tmp.path() / "b", redis_env(server, 200), "2 3 5");
    server.resume();
    INFO(slow.out);
    CHECK(slow.status != 124); // timeout(1) killed it: a hang
    check_values(slow, kKs);
    CHECK(slow.compiles == 3);
    CHECK_THAT(slow.out, Catch::Contains("tensorjit: warning: Redis cache") &&
                             Catch::Contains("cannot be used"));
}

TEST_CASE("a corrupted value in Redis is detected, recompiled and replaced",
          "[cache_shared][process][redis]") {
    tj_test::TempDir tmp;
    tj_test::RedisServer server;
    tj_test::RedisClient client(server.port());
    const Probe warm = run_probe(tmp.path() / "a", redis_env(server), "2 3 5");
    REQUIRE(warm.compiles == 3);
    const std::string key = warm.keys.at(3);
    const auto good = client.get(redis_key(key));
    REQUIRE(good);

    std::string bad = *good, why;
    SECTION("a flipped byte in the object code") {
        bad[detail::kHeaderSize + 40] ^= 0x01;
        why = "checksum mismatch";
    }
    SECTION("truncated") {
        bad.resize(bad.size() / 2);
        why = "truncated or overwritten";
    }
    SECTION("another kernel's entry under this key") {
        bad = *client.get(redis_key(warm.keys.at(5)));
        why = "names another key";
    }
    client.set(redis_key(key), bad);

    const Probe again = run_probe(tmp.path() / "b", redis_env(server), "2 3 5");
    check_values(again, kKs);
    CHECK(again.compiles == 1); // f 3 only
    CHECK_THAT(again.out, Catch::Contains("tensorjit: warning: Redis cache") &&
                              Catch::Contains(why) &&
                              Catch::Contains("compiling the kernel again"));
    // The recompiled kernel replaced the bad value.
    const auto now = client.get(redis_key(key));
    REQUIRE(now);
    CHECK(*now != bad);
    check_redis_value(client, key);
    // And serves the next cold process.
    const Probe third = run_probe(tmp.path() / "c", redis_env(server), "2 3 5");
    check_values(third, kKs);
    CHECK(third.compiles == 0);
}

TEST_CASE("concurrent writers to one Redis server", "[cache_shared][process][redis]") {
    tj_test::TempDir tmp;
    tj_test::RedisServer server;
    // Three processes of three threads each, overlapping sets of functions, cold local
    // directories: the same keys are compiled and set by several writers at once.
    const std::vector<std::string> sets = {"1 2 3 4", "3 4 5 6", "2 4 6 8"};
    std::vector<Probe> probes(sets.size());
    std::vector<std::thread> runners;
    for (std::size_t i = 0; i < sets.size(); ++i)
        runners.emplace_back([&, i] {
            probes[i] = run_probe(tmp.path() / ("p" + std::to_string(i)), redis_env(server),
                                  "--threads 3 " + sets[i]);
        });
    for (auto& r : runners) r.join();
    std::map<int, std::string> keys;
    for (std::size_t i = 0; i < sets.size(); ++i) {
        std::vector<int> ks;
        std::istringstream in(sets[i]);
        for (int k; in >> k;) ks.push_back(k);
        check_values(probes[i], ks);
        CHECK_THAT(probes[i].out, !Catch::Contains("warning"));
        for (const auto& [k, key] : probes[i].keys) {
            // Every process computed the same key for the same function.
            auto [it, fresh] = keys.emplace(k, key);
            CHECK(it->second == key);
        }
    }
    REQUIRE(keys.size() == 7);
    tj_test::RedisClient client(server.port());
    CHECK(client.keys("tensorjit:v3:*").size() == 7);
    for (const auto& [k, key] : keys) check_redis_value(client, key);
    // Everything is served from Redis now.
    const Probe all = run_probe(tmp.path() / "all", redis_env(server), "--threads 2 1 2 3 4 5 6 8");
    check_values(all, {1, 2, 3, 4, 5, 6, 8});
    CHECK(all.compiles == 0);
}

TEST_CASE("values over TJ_CACHE_REDIS_MAX_BYTES are neither set nor used",
          "[cache_shared][process][redis]") {
    tj_test::TempDir tmp;
    tj_test::RedisServer server;
    tj_test::RedisClient client(server.port());
    SECTION("set") {
        const Probe p =
            run_probe(tmp.path() / "a", "TJ_CACHE_REDIS_MAX_BYTES=100 " + redis_env(server), "2 3");
        check_values(p, {2, 3});
        CHECK(p.compiles == 2);
        CHECK_THAT(p.out, Catch::Contains("larger than 100 bytes (TJ_CACHE_REDIS_MAX_BYTES)"));
        CHECK(client.keys("*").empty());
    }
    SECTION("get") {
        REQUIRE(run_probe(tmp.path() / "a", redis_env(server), "2 3").compiles == 2);
        const Probe p =
            run_probe(tmp.path() / "b", "TJ_CACHE_REDIS_MAX_BYTES=100 " + redis_env(server), "2 3");
        check_values(p, {2, 3});
        CHECK(p.compiles == 2);
        CHECK_THAT(p.out, Catch::Contains("larger than 100 bytes"));
    }
}

TEST_CASE("a bad TJ_CACHE_REDIS URL is warned about and the layer disabled",
          "[cache_shared][process]") {
    tj_test::TempDir tmp;
    const int port = tj_test::free_port();
    SECTION("malformed") {
        const Probe p =
            run_probe(tmp.path() / "a", "TJ_CACHE_REDIS='redis://:s3cret@127.0.0.1/0'", "2 3");
        check_values(p, {2, 3});
        CHECK(p.compiles == 2);
        CHECK_THAT(p.out, Catch::Contains("tensorjit: warning: TJ_CACHE_REDIS is not a usable "
                                          "Redis URL (no port after the host") &&
                              Catch::Contains("the Redis cache layer is disabled"));
        CHECK_THAT(p.out, !Catch::Contains("s3cret"));
    }
    SECTION("no server there") {
        const std::string url = "redis://127.0.0.1:" + std::to_string(port) + "/0";
        const Probe p = run_probe(tmp.path() / "a", "TJ_CACHE_REDIS='" + url + "'", "2 3");
        check_values(p, {2, 3});
        CHECK(p.compiles == 2);
        CHECK_THAT(p.out, Catch::Contains("tensorjit: warning: Redis cache " + url +
                                          " cannot be used (cannot connect"));
    }
    SECTION("malformed limits are ignored with a warning") {
        const Probe p =
            run_probe(tmp.path() / "a",
                      "TJ_CACHE_REDIS_TIMEOUT_MS=soon TJ_CACHE_REDIS='redis://127.0.0.1:" +
                          std::to_string(port) + "'",
                      "2");
        check_values(p, {2});
        CHECK_THAT(p.out, Catch::Contains("TJ_CACHE_REDIS_TIMEOUT_MS='soon' is not a number"));
    }
}

TEST_CASE("tensorjit-cache warm --redis fills Redis for every machine",
          "[cache_shared][process][redis][cli]") {
    tj_test::TempDir tmp;
    tj_test::RedisServer server;
    tj_test::RedisClient client(server.port());
    namespace tj = tensorjit;
    auto x = tj::dvector("x");
    const fs::path file = tmp.path() / "f.tjgraph";
    tj::save_function(file, {x}, {tj::exp(x) * 3 + 1}, {.name = "f"});
    const std::string cli = "env -u TJ_CACHE_REDIS '" + std::string(TJ_BINARY_DIR) +
                            "/tensorjit-cache' --dir '" + (tmp.path() / "ci").string() + "' ";
    std::string out;
    // CI warms its own directory and Redis.
    REQUIRE(tj_test::run_command(
                cli + "warm '" + file.string() + "' --redis '" + server.url() + "' 2>&1", &out) ==
            0);
    CHECK_THAT(out, Catch::Contains("1 compiled"));
    REQUIRE(client.keys("tensorjit:v3:*").size() == 1);
    // A machine with a cold local directory and TJ_CACHE_REDIS compiles nothing.
    const std::string probe = "env -u TJ_CACHE_SHARED -u TJ_LOG_LEVEL TJ_CACHE_DIR='" +
                              (tmp.path() / "app").string() + "' " + redis_env(server) + " '" +
                              std::string(TJ_BINARY_DIR) + "/tests/tj_tool_graph_file_probe' '" +
                              file.string() + "'";
    out.clear();
    REQUIRE(tj_test::run_command(probe, &out) == 0);
    CHECK_THAT(out, Catch::Contains("\"clang_compiles\": 0, \"disk_hits\": 1"));
    // Warming again with the entry already in the local directory pushes it to a fresh Redis.
    client.run({"FLUSHALL"});
    out.clear();
    REQUIRE(tj_test::run_command(
                cli + "warm '" + file.string() + "' --redis '" + server.url() + "' 2>&1", &out) ==
            0);
    CHECK_THAT(out, Catch::Contains("0 compiled, 1 already cached"));
    CHECK(client.keys("tensorjit:v3:*").size() == 1);
    // A server that cannot be reached is an error for warm (exit 1), not a silent fallback.
    server.kill();
    out.clear();
    CHECK(tj_test::run_command(
              cli + "warm '" + file.string() + "' --redis '" + server.url() + "' 2>&1", &out) == 1);
    CHECK_THAT(out, Catch::Contains("tensorjit-cache: "));
}
