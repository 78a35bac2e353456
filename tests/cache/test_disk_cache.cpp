// Tests of cache/: the disk cache's round trip, corruption handling, concurrency and maintenance
// (list, verify, prune, clear). SHA-256 and XXH3 themselves are tested in
// tests/runtime/test_hash.cpp; directories in test_cache_dirs.cpp, hostile files in
// test_hostile_entries.cpp.
#include "disk_cache_test_util.hpp"

TEST_CASE("disk cache: store then load round trip", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path() / "a" / "b" / "cache");
    REQUIRE(cache.enabled());
    CHECK(cache.disabled_reason().empty());
    CHECK((fs::status(cache.dir()).permissions() & fs::perms::all) == fs::perms::owner_all);

    Entry e = sample_entry("round trip");
    e.object += std::string("\0\xff\x80", 3); // binary bytes survive
    cache.store(kKey, e);
    auto loaded = cache.load(kKey);
    REQUIRE(loaded);
    CHECK(same(*loaded, e));
    CHECK(cache.source_path(kKey) == cache.dir() / (kKey + ".cpp"));
    CHECK(read_all(cache.source_path(kKey)) == e.source);
    // Nothing but the entry and its source is left behind.
    CHECK(names_in(cache.dir()) == std::vector<std::string>{kKey + ".cpp", kKey + ".tjk"});

    SECTION("empty sections") {
        // Empty object and source; the metadata must still name the key.
        const Entry bare{"", "", R"({"key": ")" + kKey + "\"}"};
        cache.store(kKey, bare);
        auto empty = cache.load(kKey);
        REQUIRE(empty);
        CHECK(same(*empty, bare));
    }
    SECTION("a second store replaces the entry") {
        Entry other = sample_entry("other");
        cache.store(kKey, other);
        auto again = cache.load(kKey);
        REQUIRE(again);
        CHECK(same(*again, other));
    }
    SECTION("a second DiskCache on the same directory sees the entry") {
        DiskCache reopened(cache.dir());
        REQUIRE(reopened.enabled());
        auto again = reopened.load(kKey);
        REQUIRE(again);
        CHECK(same(*again, e));
    }
}

TEST_CASE("disk cache: a missing key is absent", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    REQUIRE(cache.enabled());
    CHECK_FALSE(cache.load(kKey));
    CHECK(names_in(tmp.path()).empty());
}

TEST_CASE("disk cache: invalid keys are absent and never written", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    for (std::string key : {std::string(""), std::string(15, 'a'), std::string(129, 'a'),
                            std::string("0123456789ABCDEF"), std::string("../../0123456789abcdef"),
                            std::string("0123456789abcdeg"), std::string("0123456789abcde/")}) {
        CAPTURE(key);
        cache.store(key, sample_entry());
        CHECK_FALSE(cache.load(key));
        CHECK(cache.source_path(key).empty());
    }
    CHECK(names_in(tmp.path()).empty());
    // The limits themselves are valid.
    for (std::string key : {std::string(16, 'f'), std::string(128, '0')}) {
        cache.store(key, sample_entry("", key));
        CHECK(cache.load(key));
    }
}

TEST_CASE("disk cache: a truncated entry is absent and removed", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    cache.store(kKey, sample_entry("truncate"));
    const fs::path path = tmp.path() / (kKey + ".tjk");
    const std::string full = read_all(path);
    REQUIRE(full.size() > kHeaderSize + 10);
    for (std::size_t length : {std::size_t(0), std::size_t(5), kHeaderSize - 1, kHeaderSize,
                               full.size() / 2, full.size() - 1}) {
        CAPTURE(length);
        write_all(path, full.substr(0, length));
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::exists(path));
    }
    // Appended junk is caught too.
    write_all(path, full + "x");
    CHECK_FALSE(cache.load(kKey));
    CHECK_FALSE(fs::exists(path));
}

TEST_CASE("disk cache: a flipped byte anywhere makes the entry absent", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const Entry e = sample_entry("flip");
    cache.store(kKey, e);
    const fs::path path = tmp.path() / (kKey + ".tjk");
    const std::string good = read_all(path);
    const std::size_t object = kHeaderSize, metadata = object + e.object.size(),
                      source = metadata + e.metadata.size();
    REQUIRE(source + e.source.size() == good.size());

    struct Where {
        const char* what;
        std::size_t at;
    };
    for (Where w : {Where{"magic", 3}, Where{"object length", 8}, Where{"metadata length", 17},
                    Where{"source length", 31}, Where{"checksum", 40}, Where{"source checksum", 70},
                    Where{"object", object}, Where{"object end", metadata - 1},
                    Where{"metadata", metadata + 2}, Where{"source", source + 5},
                    Where{"last byte", good.size() - 1}}) {
        CAPTURE(w.what, w.at);
        std::string bad = good;
        bad[w.at] = static_cast<char>(bad[w.at] ^ 0x01);
        write_all(path, bad);
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::exists(path));
    }
    // And the pristine file still loads.
    write_all(path, good);
    auto loaded = cache.load(kKey);
    REQUIRE(loaded);
    CHECK(same(*loaded, e));
}

TEST_CASE("disk cache: garbage and huge lengths are rejected", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const fs::path path = tmp.path() / (kKey + ".tjk");

    std::string garbage;
    for (int i = 0; i < 500; ++i) garbage.push_back(static_cast<char>(i * 131 + 7));
    write_all(path, garbage);
    CHECK_FALSE(cache.load(kKey));
    CHECK_FALSE(fs::exists(path));

    // Right magic, lengths that would overflow a naive sum.
    std::string header = "TJCACHE3" + std::string(24, '\xff') + std::string(64, '0') + "payload";
    write_all(path, header);
    CHECK_FALSE(cache.load(kKey));
    CHECK_FALSE(fs::exists(path));

    // Lengths that add up modulo 2^64 to the payload size.
    std::string wrap = "TJCACHE3";
    for (std::uint64_t v : {std::uint64_t(1), ~std::uint64_t(0), std::uint64_t(3)})
        for (int i = 0; i < 8; ++i) wrap.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    wrap += std::string(64, '0') + "abc";
    write_all(path, wrap);
    CHECK_FALSE(cache.load(kKey));
    CHECK_FALSE(fs::exists(path));
}

TEST_CASE("disk cache: a directory or symlink under an entry's name", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const fs::path path = tmp.path() / (kKey + ".tjk");

    SECTION("directory") {
        fs::create_directory(path);
        write_all(path / "inside", "x");
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::exists(path));
    }
    SECTION("directory found by store") {
        fs::create_directory(path);
        CHECK_NOTHROW(cache.store(kKey, sample_entry()));
        // The rename failed; the temporary was cleaned up.
        CHECK(names_in(tmp.path()) == std::vector<std::string>{kKey + ".cpp", kKey + ".tjk"});
        CHECK(fs::is_directory(path));
    }
    SECTION("dangling symlink") {
        fs::create_symlink(tmp.path() / "nowhere", path);
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::is_symlink(fs::symlink_status(path)));
    }
    SECTION("fifo") {
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        CHECK_FALSE(cache.load(kKey)); // must not block
        CHECK_FALSE(fs::exists(fs::symlink_status(path)));
    }
    // In every case the name can be reused afterwards.
    if (!fs::is_directory(path)) {
        cache.store(kKey, sample_entry("after"));
        auto loaded = cache.load(kKey);
        REQUIRE(loaded);
        CHECK(same(*loaded, sample_entry("after")));
    }
}

TEST_CASE("disk cache: load refreshes the last-used time", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    cache.store(kKey, sample_entry());
    const fs::path path = tmp.path() / (kKey + ".tjk");
    const auto old = fs::file_time_type::clock::now() - std::chrono::hours(48);
    fs::last_write_time(path, old);
    REQUIRE(cache.load(kKey));
    CHECK(fs::last_write_time(path) > old + std::chrono::hours(47));
}

TEST_CASE("disk cache: concurrent stores of the same key all succeed", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    constexpr int kThreads = 8;
    std::vector<Entry> entries;
    for (int t = 0; t < kThreads; ++t)
        entries.push_back(sample_entry("writer " + std::to_string(t) + std::string(5000 * t, 'x')));

    for (int round = 0; round < 5; ++round) {
        std::vector<std::thread> threads;
        std::atomic<int> bad_loads{0};
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 10; ++i) {
                    cache.store(kKey, entries[t]);
                    // A reader racing the writers sees a complete entry (never a partial one).
                    auto seen = cache.load(kKey);
                    if (!seen || std::none_of(entries.begin(), entries.end(),
                                              [&](const Entry& e) { return same(e, *seen); }))
                        ++bad_loads;
                }
            });
        for (auto& th : threads) th.join();
        CHECK(bad_loads == 0);
        auto loaded = cache.load(kKey);
        REQUIRE(loaded);
        CHECK(std::any_of(entries.begin(), entries.end(),
                          [&](const Entry& e) { return same(e, *loaded); }));
        // No temporaries left behind.
        CHECK(names_in(tmp.path()) == std::vector<std::string>{kKey + ".cpp", kKey + ".tjk"});
    }
}

TEST_CASE("disk cache: list and prune go by last use", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const auto now = fs::file_time_type::clock::now();
    std::vector<std::string> keys;
    for (int i = 0; i < 4; ++i) {
        std::string key = std::string(16, static_cast<char>('a' + i));
        keys.push_back(key);
        cache.store(key, sample_entry(std::string(1000, 'x'), key));
    }
    // keys[2] most recent, then 0, 3, 1.
    const int age_hours[4] = {2, 4, 1, 3};
    for (int i = 0; i < 4; ++i)
        fs::last_write_time(tmp.path() / (keys[i] + ".tjk"),
                            now - std::chrono::hours(age_hours[i]));

    auto listed = cache.list();
    REQUIRE(listed.size() == 4);
    CHECK(listed[0].key == keys[2]);
    CHECK(listed[1].key == keys[0]);
    CHECK(listed[2].key == keys[3]);
    CHECK(listed[3].key == keys[1]);
    const std::uintmax_t each = listed[0].bytes;
    for (const auto& info : listed) {
        CHECK(info.bytes == each);
        CHECK(info.bytes == fs::file_size(tmp.path() / (info.key + ".tjk")) +
                                fs::file_size(tmp.path() / (info.key + ".cpp")));
    }

    CHECK(cache.prune(4 * each) == 0);
    // Room for two and a half: the two least recently used go.
    CHECK(cache.prune(2 * each + each / 2) == 2);
    CHECK_FALSE(fs::exists(tmp.path() / (keys[1] + ".tjk")));
    CHECK_FALSE(fs::exists(tmp.path() / (keys[1] + ".cpp")));
    CHECK_FALSE(fs::exists(tmp.path() / (keys[3] + ".tjk")));
    CHECK_FALSE(fs::exists(tmp.path() / (keys[3] + ".cpp")));
    CHECK(cache.load(keys[0]));
    CHECK(cache.load(keys[2]));
    // load() made keys[0] the most recent, so it survives a prune down to one entry.
    CHECK(cache.prune(each) == 1);
    CHECK(cache.load(keys[0]));
    CHECK_FALSE(cache.load(keys[2]));
    CHECK(cache.prune(0) == 1);
    CHECK(cache.list().empty());
}

TEST_CASE("disk cache: verify repairs bad entries and clear empties the directory", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const std::string good1(20, '1'), good2(20, '2'), bad(20, '3'), gone(20, '4');
    for (const auto& key : {good1, good2, bad, gone}) cache.store(key, sample_entry(key, key));
    const fs::path bad_path = tmp.path() / (bad + ".tjk");
    std::string bytes = read_all(bad_path);
    bytes[kHeaderSize + 2] ^= 0x40;
    write_all(bad_path, bytes);
    fs::remove(tmp.path() / (gone + ".tjk"));
    fs::create_directory(tmp.path() / (gone + ".tjk"));

    CHECK(cache.verify(false) == std::vector<std::string>{bad, gone});
    CHECK(fs::exists(bad_path)); // reported, not removed
    CHECK(cache.verify(true) == std::vector<std::string>{bad, gone});
    CHECK_FALSE(fs::exists(bad_path));
    CHECK_FALSE(fs::exists(tmp.path() / (bad + ".cpp")));
    CHECK_FALSE(fs::exists(tmp.path() / (gone + ".tjk")));
    CHECK(cache.verify(false).empty());
    CHECK(cache.load(good1));
    CHECK(cache.load(good2));

    // Leftovers of a crashed store go with clear(); files the cache did not make stay.
    write_all(tmp.path() / (good1 + ".tjk.tmp.123.4.deadbeef"), "partial");
    write_all(tmp.path() / (bad + ".cpp.tmp.123.5.deadbeef"), "partial");
    write_all(tmp.path() / (bad + ".cpp"), "orphan source");
    write_all(tmp.path() / "notes.txt", "mine");
    write_all(tmp.path() / "README.tjk", "not a key");
    CHECK(cache.clear() == 2);
    CHECK(names_in(tmp.path()) == std::vector<std::string>{"README.tjk", "notes.txt"});
    CHECK(cache.list().empty());
    CHECK(cache.clear() == 0);
}

// ---- issue 8: never run the wrong code, hostile directories ---------------------------------
