// The shared cache layers in process: Redis URLs, the Redis layer against a real server (round
// trip, bad values, size limits, a dead or stalled server, many threads), the read-only shared
// directory, the lookup order, and tj::RedisCache for tools.
#include <catch2/catch.hpp>

#include "redis_server.hpp"

#include "cache/disk_cache.hpp"
#include "cache/entry_format.hpp"
#include "cache/redis_layer.hpp"
#include "cache/shared_layers.hpp"
#include "support/test_util.hpp"

#include <tensorjit/redis_cache.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace fs = std::filesystem;
using namespace tensorjit::cache;

namespace {

// A key of the form the cache uses (lowercase hex), distinct per n.
std::string key_n(int n) {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%032x", 0x5eed0000 + n);
    return buf;
}

// An entry whose metadata names key, as get_kernel()'s does.
Entry entry_for(const std::string& key, const std::string& tag = "",
                std::size_t object_bytes = 64) {
    Entry e;
    e.object = std::string("\177ELF") + std::string(object_bytes, 'o') + tag;
    e.source = "extern \"C\" void k() { /* " + tag + " */ }\n";
    e.metadata = R"({"key": ")" + key + R"(", "tag": ")" + tag + "\"}";
    return e;
}

bool same(const Entry& a, const Entry& b) {
    return a.object == b.object && a.source == b.source && a.metadata == b.metadata;
}

// Long timeouts where the server is healthy (a loaded machine must not make it look slow),
// short ones where it is meant to stall.
RedisOptions options(int timeout_ms = 3000) {
    RedisOptions o;
    o.connect_timeout = std::chrono::milliseconds(timeout_ms);
    o.command_timeout = std::chrono::milliseconds(timeout_ms);
    return o;
}

RedisLayer layer_for(const tj_test::RedisServer& server, RedisOptions o = options()) {
    RedisUrl url;
    REQUIRE(parse_redis_url(server.url(), &url) == "");
    return RedisLayer(url, o);
}

} // namespace

TEST_CASE("Redis URLs: redis://[:password@]host:port[/db] and nothing else", "[cache_shared]") {
    RedisUrl u;
    REQUIRE(parse_redis_url("redis://127.0.0.1:6379/3", &u) == "");
    CHECK(u.host == "127.0.0.1");
    CHECK(u.port == 6379);
    CHECK(u.db == 3);
    CHECK(u.password.empty());
    CHECK(u.display() == "redis://127.0.0.1:6379/3");

    REQUIRE(parse_redis_url("redis://cache-1.example.internal:7000", &u) == "");
    CHECK(u.host == "cache-1.example.internal");
    CHECK(u.port == 7000);
    CHECK(u.db == 0);

    // A password may hold %-escaped characters; it never appears in display().
    REQUIRE(parse_redis_url("redis://:p%40ss:w0rd@h:1/0", &u) == "");
    CHECK(u.password == "p@ss:w0rd");
    CHECK(u.display() == "redis://:***@h:1/0");

    REQUIRE(parse_redis_url("redis://[::1]:6380/1", &u) == "");
    CHECK(u.host == "::1");
    CHECK(u.port == 6380);
    CHECK(u.display() == "redis://[::1]:6380/1");

    const std::vector<std::pair<std::string, std::string>> bad = {
        {"", "not a redis:// URL"},
        {"http://h:1", "not a redis:// URL"},
        {"rediss://h:1", "TLS"},
        {"redis://h", "no port"},
        {"redis://h:", "the port ''"},
        {"redis://h:0", "the port '0'"},
        {"redis://h:65536", "the port '65536'"},
        {"redis://h:12x", "the port '12x'"},
        {"redis://:1", "no host"},
        {"redis://h:1/x", "the database 'x'"},
        {"redis://h:1/-1", "the database '-1'"},
        {"redis://h:1/0?timeout=1", "query"},
        {"redis://user:pw@h:1", "user name"},
        {"redis://:@h:1", "password after ':' is empty"},
        {"redis://:p%4@h:1", "%-escape"},
        {"redis://h/x:1", "no port"},
        {"redis://h h:1", "not a host name"},
        {"redis://[::1:1", "unclosed"},
        {"redis://[::1]", "no port"},
        {"redis://[zz]:1", "IPv6"},
    };
    for (const auto& [url, why] : bad) {
        INFO("url: " << url);
        RedisUrl out;
        const std::string refused = parse_redis_url(url, &out);
        CHECK_THAT(refused, Catch::Contains(why));
        CHECK_THAT(refused, Catch::Contains("expected redis://[:password@]host:port[/db]"));
    }
    // The password is not repeated in a refusal.
    RedisUrl out;
    CHECK_THAT(parse_redis_url("redis://:s3cret@h", &out), !Catch::Contains("s3cret"));
}

TEST_CASE("Redis keys are namespaced by the entry format", "[cache_shared]") {
    CHECK(redis_key(key_n(1)) == "tensorjit:v3:" + key_n(1));
}

TEST_CASE("the Redis layer stores and loads checksummed entries", "[cache_shared][redis]") {
    tj_test::RedisServer server;
    RedisLayer layer = layer_for(server);
    tj_test::RedisClient client(server.port());
    const std::string key = key_n(1);

    CHECK_FALSE(layer.load(key).has_value()); // a miss
    CHECK_FALSE(layer.backing_off());
    REQUIRE(layer.store(key, entry_for(key, "one")));
    auto loaded = layer.load(key);
    REQUIRE(loaded);
    CHECK(same(*loaded, entry_for(key, "one")));

    // The value is the entry file's bytes, under the namespaced key.
    CHECK(client.keys("*") == std::vector<std::string>{redis_key(key)});
    auto raw = client.get(redis_key(key));
    REQUIRE(raw);
    CHECK(*raw == detail::encode(entry_for(key, "one")));

    // A second store replaces the value.
    REQUIRE(layer.store(key, entry_for(key, "two")));
    loaded = layer.load(key);
    REQUIRE(loaded);
    CHECK(same(*loaded, entry_for(key, "two")));

    // Keys the cache never uses are absent, and not stored.
    CHECK_FALSE(layer.store("not-a-key", entry_for("not-a-key")));
    CHECK_FALSE(layer.load("not-a-key").has_value());
    CHECK(client.keys("*").size() == 1);
    CHECK(layer.kind() == CacheLayer::Redis);
    CHECK(layer.name() == server.url());
}

TEST_CASE("the password and database of the URL are used", "[cache_shared][redis]") {
    tj_test::RedisServer server;
    tj_test::RedisClient client(server.port()); // connected before the password is set
    client.run({"CONFIG", "SET", "requirepass", "s3cret:@/"});
    const std::string host = "127.0.0.1:" + std::to_string(server.port());
    const std::string key = key_n(14);
    RedisUrl url;
    REQUIRE(parse_redis_url("redis://:s3cret%3A%40%2F@" + host + "/2", &url) == "");
    RedisLayer layer(url, options());
    REQUIRE(layer.store(key, entry_for(key)));
    REQUIRE(layer.load(key).has_value());
    CHECK(layer.name() == "redis://:***@" + host + "/2");
    CHECK(client.keys("*").empty()); // database 0
    client.run({"SELECT", "2"});
    CHECK(client.keys("*") == std::vector<std::string>{redis_key(key)});

    REQUIRE(parse_redis_url("redis://:n0tit@" + host + "/2", &url) == "");
    RedisLayer wrong(url, options());
    CHECK_FALSE(wrong.load(key).has_value());
    CHECK(wrong.backing_off());
    CHECK_THAT(wrong.last_error(), Catch::Contains("AUTH refused"));
    CHECK_THAT(wrong.last_error(), !Catch::Contains("n0tit"));
}

TEST_CASE("a bad value in Redis is a miss, and the next store replaces it",
          "[cache_shared][redis]") {
    tj_test::RedisServer server;
    RedisLayer layer = layer_for(server);
    tj_test::RedisClient client(server.port());
    const std::string key = key_n(2);
    const std::string good = detail::encode(entry_for(key, "good", 4096));

    std::string bad;
    SECTION("a flipped byte in the object") {
        bad = good;
        bad[detail::kHeaderSize + 100] ^= 0x20;
    }
    SECTION("truncated") { bad = good.substr(0, good.size() - 10); }
    SECTION("junk appended") { bad = good + "junk"; }
    SECTION("not an entry") { bad = "hello"; }
    SECTION("a valid entry of another key") {
        bad = detail::encode(entry_for(key_n(3), "other", 4096));
    }
    SECTION("a valid entry whose metadata names no key") {
        Entry e = entry_for(key, "nokey");
        e.metadata = "{}";
        bad = detail::encode(e);
    }
    client.set(redis_key(key), bad);
    CHECK_FALSE(layer.load(key).has_value());
    // A bad value is the value's fault, not the server's: the layer goes on.
    CHECK_FALSE(layer.backing_off());
    REQUIRE(layer.store(key, entry_for(key, "good", 4096)));
    CHECK(client.get(redis_key(key)) == good);
    auto loaded = layer.load(key);
    REQUIRE(loaded);
    CHECK(same(*loaded, entry_for(key, "good", 4096)));
}

TEST_CASE("a key holding another Redis type is a miss", "[cache_shared][redis]") {
    tj_test::RedisServer server;
    RedisLayer layer = layer_for(server);
    tj_test::RedisClient client(server.port());
    const std::string key = key_n(4);
    // A list under the key: GETRANGE answers WRONGTYPE, which is the value's fault.
    client.run({"RPUSH", redis_key(key), "x"});
    CHECK_FALSE(layer.load(key).has_value());
    CHECK_THAT(layer.last_error(), Catch::Contains("WRONGTYPE"));
    CHECK_FALSE(layer.backing_off());
    // SET replaces whatever type was there.
    REQUIRE(layer.store(key, entry_for(key)));
    CHECK(layer.load(key).has_value());
}

TEST_CASE("values over the size limit are neither stored nor read", "[cache_shared][redis]") {
    tj_test::RedisServer server;
    tj_test::RedisClient client(server.port());
    const std::string key = key_n(5);
    const std::string value = detail::encode(entry_for(key, "", 1000));
    RedisOptions o = options();

    SECTION("store refuses a value one byte over the limit") {
        o.max_value_bytes = value.size() - 1;
        RedisLayer layer = layer_for(server, o);
        CHECK_FALSE(layer.store(key, entry_for(key, "", 1000)));
        CHECK_THAT(layer.last_error(), Catch::Contains("larger than"));
        CHECK(client.keys("*").empty());
        CHECK_FALSE(layer.backing_off());
    }
    SECTION("a value exactly at the limit is stored and read") {
        o.max_value_bytes = value.size();
        RedisLayer layer = layer_for(server, o);
        REQUIRE(layer.store(key, entry_for(key, "", 1000)));
        auto loaded = layer.load(key);
        REQUIRE(loaded);
        CHECK(same(*loaded, entry_for(key, "", 1000)));
    }
    SECTION("a value over the limit that is already there is a miss") {
        client.set(redis_key(key), value);
        o.max_value_bytes = value.size() - 1;
        RedisLayer layer = layer_for(server, o);
        CHECK_FALSE(layer.load(key).has_value());
        CHECK_THAT(layer.last_error(), Catch::Contains("larger than"));
        // The value was not damaged by the bounded read.
        CHECK(client.get(redis_key(key)) == value);
    }
}

TEST_CASE("a server that is down makes the layer back off", "[cache_shared][redis]") {
    const std::string key = key_n(6);
    SECTION("nothing listens on the port") {
        RedisUrl url;
        REQUIRE(parse_redis_url("redis://127.0.0.1:" + std::to_string(tj_test::free_port()),
                                &url) == "");
        RedisLayer layer(url, options());
        CHECK_FALSE(layer.load(key).has_value());
        CHECK(layer.backing_off());
        CHECK_THAT(layer.last_error(), Catch::Contains("cannot connect"));
        CHECK_FALSE(layer.store(key, entry_for(key)));
        CHECK_THAT(layer.ping(), Catch::Contains("cannot connect"));
    }
    SECTION("the server is killed while the layer holds a connection") {
        tj_test::RedisServer server;
        RedisLayer layer = layer_for(server);
        REQUIRE(layer.store(key, entry_for(key)));
        REQUIRE(layer.load(key)); // a pooled connection now
        server.kill();
        // Writing to the dead connection must not raise SIGPIPE in this process: a value larger
        // than the socket buffer takes several writes, and the ones after the peer's reset fail
        // with EPIPE.
        CHECK_FALSE(layer.store(key, entry_for(key, "after", std::size_t(8) << 20)));
        CHECK(layer.backing_off());
        CHECK_FALSE(layer.load(key).has_value());
        CHECK_FALSE(layer.last_error().empty());
    }
}

TEST_CASE("a stalled server costs a timeout, then the layer backs off", "[cache_shared][redis]") {
    tj_test::RedisServer server;
    const std::string key = key_n(7);
    RedisLayer layer = layer_for(server, options(200));
    REQUIRE(layer.store(key, entry_for(key)));
    server.pause();
    // If the timeout did not work the load below would wait for the server; the watchdog resumes
    // it after a minute, and the load would then return the entry, failing the checks.
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::thread watchdog([&] {
        std::unique_lock<std::mutex> lock(mu);
        if (!cv.wait_for(lock, std::chrono::seconds(60), [&] { return done; })) server.resume();
    });
    const auto loaded = layer.load(key);
    {
        std::lock_guard<std::mutex> lock(mu);
        done = true;
    }
    cv.notify_one();
    watchdog.join();
    CHECK_FALSE(loaded.has_value());
    CHECK(layer.backing_off());
    CHECK_FALSE(layer.store(key, entry_for(key, "later"))); // not tried while backing off
    server.resume();
    // ping() ignores the back-off: the server answers again.
    CHECK(layer.ping() == "");
    CHECK_FALSE(layer.backing_off());
    auto again = layer.load(key);
    REQUIRE(again);
    CHECK(same(*again, entry_for(key)));
}

TEST_CASE("many threads use one Redis layer at once", "[cache_shared][redis]") {
    tj_test::RedisServer server;
    RedisLayer layer = layer_for(server);
    constexpr int kThreads = 8, kKeys = 5, kRounds = 20;
    std::atomic<int> bad{0}, stored{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int r = 0; r < kRounds; ++r) {
                // Every thread writes every key (same keys from many writers) with its own tag.
                const std::string key = key_n(100 + (t + r) % kKeys);
                const std::string tag = "t" + std::to_string(t) + "r" + std::to_string(r);
                if (layer.store(key, entry_for(key, tag, 2000))) ++stored;
                auto e = layer.load(key);
                // Whoever's copy won, it is whole and this key's.
                if (!e || metadata_key(e->metadata) != key) {
                    ++bad;
                    continue;
                }
                const auto meta = nlohmann::json::parse(e->metadata);
                if (!same(*e, entry_for(key, meta.at("tag").get<std::string>(), 2000))) ++bad;
            }
        });
    for (auto& th : threads) th.join();
    CHECK(bad == 0);
    CHECK(stored == kThreads * kRounds);
    CHECK_FALSE(layer.backing_off());
    tj_test::RedisClient client(server.port());
    const auto keys = client.keys("tensorjit:*");
    CHECK(keys.size() == static_cast<std::size_t>(kKeys));
    for (int k = 0; k < kKeys; ++k) {
        const std::string key = key_n(100 + k);
        auto raw = client.get(redis_key(key));
        REQUIRE(raw);
        std::string why;
        auto e = detail::decode(*raw, &why);
        INFO(why);
        REQUIRE(e);
        CHECK(metadata_key(e->metadata) == key);
    }
}

TEST_CASE("the read-only shared directory serves entries and writes nothing", "[cache_shared]") {
    tj_test::TempDir tmp;
    const fs::path shared = tmp.path() / "shared";
    const std::string key = key_n(8);
    {
        DiskCache writer(shared);
        writer.store(key, entry_for(key, "shared"));
    }
    const auto before = fs::last_write_time(shared / (key + ".tjk"));
    SharedDirLayer layer(shared);
    REQUIRE(layer.enabled());
    auto e = layer.load(key);
    REQUIRE(e);
    CHECK(same(*e, entry_for(key, "shared")));
    CHECK_FALSE(layer.load(key_n(9)).has_value());
    CHECK_FALSE(layer.store(key_n(9), entry_for(key_n(9))));
    CHECK_FALSE(fs::exists(shared / (key_n(9) + ".tjk")));
    // Not even the last-used time of a hit is touched.
    CHECK(fs::last_write_time(shared / (key + ".tjk")) == before);
    CHECK(layer.kind() == CacheLayer::SharedDir);
    CHECK(layer_name(layer.kind()) == "shared");

    SECTION("a corrupted entry there is a miss and stays") {
        const fs::path file = shared / (key + ".tjk");
        fs::resize_file(file, fs::file_size(file) - 1);
        CHECK_FALSE(layer.load(key).has_value());
        CHECK(fs::exists(file));
    }
}

TEST_CASE("a shared directory that is missing or unsafe is not used", "[cache_shared]") {
    tj_test::TempDir tmp;
    SECTION("missing: not created") {
        SharedDirLayer layer(tmp.path() / "absent");
        CHECK_FALSE(layer.enabled());
        CHECK_FALSE(layer.load(key_n(1)).has_value());
        CHECK_FALSE(fs::exists(tmp.path() / "absent"));
    }
    SECTION("writable by others") {
        const fs::path dir = tmp.path() / "open";
        fs::create_directory(dir);
        {
            DiskCache writer(dir);
            writer.store(key_n(1), entry_for(key_n(1)));
        }
        fs::permissions(dir, fs::perms::all);
        SharedDirLayer layer(dir);
        CHECK_FALSE(layer.enabled());
        CHECK_FALSE(layer.load(key_n(1)).has_value());
    }
}

TEST_CASE("shared layers are looked up in order and stored into where writable",
          "[cache_shared][redis]") {
    tj_test::TempDir tmp;
    tj_test::RedisServer server;
    const fs::path dir = tmp.path() / "shared";
    const std::string in_dir = key_n(10), in_redis = key_n(11), in_both = key_n(12);
    {
        DiskCache writer(dir);
        writer.store(in_dir, entry_for(in_dir, "dir"));
        writer.store(in_both, entry_for(in_both, "dir"));
    }
    RedisUrl url;
    REQUIRE(parse_redis_url(server.url(), &url) == "");
    auto redis = std::make_shared<RedisLayer>(url, options());
    REQUIRE(redis->store(in_redis, entry_for(in_redis, "redis")));
    REQUIRE(redis->store(in_both, entry_for(in_both, "redis")));

    SharedLayers layers;
    CHECK(layers.empty());
    CHECK_FALSE(layers.load(in_dir).has_value());
    // Added out of order: the directory is still looked up first.
    layers.set(redis);
    layers.set(std::make_shared<SharedDirLayer>(dir));
    CHECK_FALSE(layers.empty());

    auto hit = layers.load(in_dir);
    REQUIRE(hit);
    CHECK(hit->layer == CacheLayer::SharedDir);
    hit = layers.load(in_redis);
    REQUIRE(hit);
    CHECK(hit->layer == CacheLayer::Redis);
    CHECK(same(hit->entry, entry_for(in_redis, "redis")));
    hit = layers.load(in_both);
    REQUIRE(hit);
    CHECK(hit->layer == CacheLayer::SharedDir);
    CHECK(same(hit->entry, entry_for(in_both, "dir")));
    CHECK_FALSE(layers.load(key_n(13)).has_value());

    // store(): Redis takes it, the read-only directory does not.
    layers.store(key_n(13), entry_for(key_n(13), "new"));
    CHECK_FALSE(fs::exists(dir / (key_n(13) + ".tjk")));
    hit = layers.load(key_n(13));
    REQUIRE(hit);
    CHECK(hit->layer == CacheLayer::Redis);

    // set() replaces the layer of the same kind.
    layers.set(std::make_shared<SharedDirLayer>(tmp.path() / "absent"));
    hit = layers.load(in_dir);
    CHECK_FALSE(hit.has_value());
}

TEST_CASE("tj::RedisCache pushes local entries for tools", "[cache_shared][redis]") {
    tj_test::TempDir tmp;
    tj_test::RedisServer server;
    const fs::path local = tmp.path() / "local";
    {
        DiskCache writer(local);
        for (int i = 20; i < 23; ++i) writer.store(key_n(i), entry_for(key_n(i), "local"));
    }
    // A corrupted local entry is skipped, not pushed.
    fs::resize_file(local / (key_n(22) + ".tjk"), 10);
    tensorjit::KernelCache from(local);
    tensorjit::RedisCache redis(server.url());
    CHECK(redis.url() == server.url());
    CHECK_FALSE(redis.contains(key_n(20)));
    CHECK(redis.push(from, key_n(20)));
    CHECK(redis.contains(key_n(20)));
    CHECK_FALSE(redis.push(from, key_n(30))); // not in the local cache
    CHECK(redis.push_all(from) == 2);
    CHECK(redis.contains(key_n(21)));
    CHECK_FALSE(redis.contains(key_n(22)));
    tj_test::RedisClient client(server.port());
    CHECK(client.keys("tensorjit:*").size() == 2);
}

TEST_CASE("tj::RedisCache refuses bad URLs and servers it cannot use", "[cache_shared]") {
    tj_test::expect_error<tensorjit::CacheError>(
        [] { tensorjit::RedisCache("redis://:hunter2@localhost"); },
        {"not a usable Redis URL", "no port"});
    const std::string m = tj_test::expect_error<tensorjit::CacheError>(
        [] { tensorjit::RedisCache("redis://:hunter2@localhost"); });
    CHECK_THAT(m, !Catch::Contains("hunter2"));
    const std::string dead = "redis://127.0.0.1:" + std::to_string(tj_test::free_port()) + "/0";
    tj_test::expect_error<tensorjit::CacheError>([&] { tensorjit::RedisCache{dead}; },
                                                 {dead, "cannot connect"});
}
