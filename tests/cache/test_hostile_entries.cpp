// Tests of cache/: entries that were planted or misfiled (another key's entry, symlinks, FIFOs,
// huge files), metadata keys, and temporaries left by killed writers.
#include "disk_cache_test_util.hpp"

TEST_CASE("metadata_key reads the top-level key field", "[cache]") {
    CHECK(metadata_key(R"({"format": 1, "key": "00ff", "plan": "x"})") == "00ff");
    CHECK(metadata_key("{\n  \"format\": 1,\n  \"key\":\"abc\"\n}\n") == "abc");
    CHECK(metadata_key(R"({"format": 1})") == std::nullopt);
    CHECK(metadata_key("") == std::nullopt);
    CHECK(metadata_key("not json at all") == std::nullopt);
    // Only the top level counts: not a nested object's key, not a string value that says "key".
    CHECK(metadata_key(R"({"plan": {"key": "11"}, "key": "22"})") == "22");
    CHECK(metadata_key(R"({"plan": {"key": "11"}})") == std::nullopt);
    CHECK(metadata_key(R"({"note": "key", "x": ["key", "33"]})") == std::nullopt);
    CHECK(metadata_key(R"({"plan": "\"key\": \"44\"", "key": "55"})") == "55");
    // Not a plain string: refused.
    CHECK(metadata_key(R"({"key": 12})") == std::nullopt);
    CHECK(metadata_key(R"({"key": null})") == std::nullopt);
    CHECK(metadata_key(R"({"key": "unterminated)") == std::nullopt);
    // Parsed as JSON: escapes are decoded (the result must still equal the lookup key, which is
    // plain hex), and text after the object or a second document is refused.
    CHECK(metadata_key(R"({"key": "ab\u0063"})") == "abc");
    CHECK(metadata_key(R"({"key": "aa"} {"key": "bb"})") == std::nullopt);
    CHECK(metadata_key(R"(["key", "aa"])") == std::nullopt);
    CHECK(metadata_key("{\"key\": \"a\xff\"}") == std::nullopt); // not UTF-8
    // Deep nesting (hostile metadata) is refused or read, never a crash.
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    CHECK(metadata_key(R"({"x": )" + deep + R"(, "key": "cc"})") == "cc");
}

TEST_CASE("disk cache: an entry filed under another key's name is refused", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const std::string other(32, 'e');
    cache.store(kKey, sample_entry("mine"));
    const fs::path moved = tmp.path() / (other + ".tjk");
    fs::copy_file(tmp.path() / (kKey + ".tjk"), moved);

    StderrCapture err;
    CHECK_FALSE(cache.load(other));
    err.text();
    CHECK_FALSE(fs::exists(moved)); // treated like a corrupt entry: removed
    REQUIRE(cache.load(kKey));      // the original is untouched
    CHECK(same(*cache.load(kKey), sample_entry("mine")));

    SECTION("metadata without a key is refused too") {
        Entry e = sample_entry();
        e.metadata = R"({"format": 1})";
        cache.store(kKey, e);
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::exists(tmp.path() / (kKey + ".tjk")));
    }
    SECTION("verify reports it and --repair removes it") {
        fs::copy_file(tmp.path() / (kKey + ".tjk"), moved);
        CHECK(cache.verify(false) == std::vector<std::string>{other});
        CHECK(fs::exists(moved));
        CHECK(cache.verify(true) == std::vector<std::string>{other});
        CHECK_FALSE(fs::exists(moved));
        CHECK(cache.verify(false).empty());
        CHECK(cache.load(kKey));
    }
    SECTION("tensorjit-cache verify reports it") {
        fs::copy_file(tmp.path() / (kKey + ".tjk"), moved);
        const std::string cli =
            "'" + tool("tensorjit-cache") + "' --dir '" + tmp.path().string() + "' ";
        std::string out;
        CHECK(tj_test::run_command(cli + "verify 2>&1", &out) == 1);
        CHECK_THAT(out, Catch::Contains("corrupted: " + other));
        CHECK_THAT(out, Catch::Contains("1 corrupted entries"));
        out.clear();
        CHECK(tj_test::run_command(cli + "verify --repair 2>&1", &out) == 0);
        CHECK_FALSE(fs::exists(moved));
        CHECK(fs::exists(tmp.path() / (kKey + ".tjk")));
    }
}

TEST_CASE("disk cache: a symlink to a valid entry is refused and its target kept", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const std::string other(32, 'c');
    cache.store(other, sample_entry("target", other));
    // Even a link to an entry that would be valid under this name.
    tj_test::TempDir elsewhere;
    DiskCache outside(elsewhere.path());
    outside.store(kKey, sample_entry("outside"));
    const fs::path path = tmp.path() / (kKey + ".tjk");
    fs::create_symlink(elsewhere.path() / (kKey + ".tjk"), path);
    StderrCapture err;
    CHECK_FALSE(cache.load(kKey));
    err.text();
    CHECK_FALSE(fs::exists(fs::symlink_status(path)));
    CHECK(outside.load(kKey)); // the target is not touched
    CHECK(cache.load(other));
}

TEST_CASE("disk cache: special files at an entry's name never block", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const fs::path path = tmp.path() / (kKey + ".tjk");
    StderrCapture err;
    SECTION("fifo, load") {
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        CHECK_FALSE(cache.load(kKey));
    }
    SECTION("fifo, verify") {
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        CHECK(cache.verify(false) == std::vector<std::string>{kKey});
        CHECK(cache.verify(true) == std::vector<std::string>{kKey});
        CHECK_FALSE(fs::exists(fs::symlink_status(path)));
    }
    SECTION("fifo, list skips it") {
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        CHECK(cache.list().empty());
    }
    SECTION("directory") {
        fs::create_directory(path);
        CHECK_FALSE(cache.load(kKey));
        CHECK_FALSE(fs::exists(path));
    }
    err.text();
}

TEST_CASE("disk cache: a huge file with a bad header is not read", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    const fs::path path = tmp.path() / (kKey + ".tjk");
    // Sparse: no disk space used. Reading one whole would raise the peak RSS by its size.
    const std::uintmax_t size = GENERATE(std::uintmax_t(512) << 20, std::uintmax_t(3) << 30);
    SECTION("garbage header") { write_all(path, std::string(200, 'G')); }
    SECTION("right magic, lengths that do not add up") {
        Entry e = sample_entry();
        cache.store(kKey, e);
    }
    fs::resize_file(path, size);
    const long before = peak_rss_kib();
    StderrCapture err;
    CHECK_FALSE(cache.load(kKey));
    err.text();
    CHECK(peak_rss_kib() - before < 64 * 1024);
    CHECK_FALSE(fs::exists(path));
    // load_code (a kernel's load) too.
    write_all(path, std::string(200, 'G'));
    fs::resize_file(path, size);
    const long before_code = peak_rss_kib();
    CHECK_FALSE(cache.load_code(kKey));
    CHECK(peak_rss_kib() - before_code < 64 * 1024);
    CHECK_FALSE(fs::exists(path));
    // verify too.
    write_all(path, std::string(200, 'G'));
    fs::resize_file(path, size);
    const long before_verify = peak_rss_kib();
    CHECK(cache.verify(true) == std::vector<std::string>{kKey});
    CHECK(peak_rss_kib() - before_verify < 64 * 1024);
    CHECK_FALSE(fs::exists(path));
}

TEST_CASE("disk cache: stale temporaries are counted, pruned and repaired away", "[cache]") {
    tj_test::TempDir tmp;
    DiskCache cache(tmp.path());
    cache.store(kKey, sample_entry());
    const fs::path old_tmp = tmp.path() / (kKey + ".tjk.tmp.123.4.deadbeef");
    const fs::path old_src = tmp.path() / (kKey + ".cpp.tmp.123.5.deadbeef");
    const fs::path young = tmp.path() / (kKey + ".tjk.tmp.999.1.cafe");
    const fs::path not_ours = tmp.path() / "notes.tmp.1";
    write_all(old_tmp, std::string(100, 'p'));
    write_all(old_src, std::string(30, 's'));
    write_all(young, std::string(7, 'y'));
    write_all(not_ours, "mine");
    const auto hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
    for (const auto& p : {old_tmp, old_src, not_ours}) fs::last_write_time(p, hour_ago);

    auto stale = cache.temporaries();
    CHECK(stale.count == 2);
    CHECK(stale.bytes == 130);
    auto all = cache.temporaries(std::chrono::seconds(0));
    CHECK(all.count == 3);
    CHECK(all.bytes == 137);
    CHECK(cache.list().size() == 1); // temporaries are not entries

    SECTION("prune removes the old ones, not the young one") {
        CHECK(cache.prune(std::uintmax_t(1) << 40) == 0);
        CHECK_FALSE(fs::exists(old_tmp));
        CHECK_FALSE(fs::exists(old_src));
        CHECK(fs::exists(young));
        CHECK(fs::exists(not_ours));
        CHECK(cache.load(kKey));
        CHECK(cache.prune(std::uintmax_t(1) << 40, std::chrono::seconds(0)) == 0);
        CHECK_FALSE(fs::exists(young));
    }
    SECTION("verify without repair keeps them, with repair removes the old ones") {
        CHECK(cache.verify(false).empty());
        CHECK(fs::exists(old_tmp));
        CHECK(cache.verify(true).empty());
        CHECK_FALSE(fs::exists(old_tmp));
        CHECK_FALSE(fs::exists(old_src));
        CHECK(fs::exists(young));
        CHECK(fs::exists(not_ours));
    }
    SECTION("tensorjit-cache list counts them, prune removes them") {
        const std::string cli =
            "'" + tool("tensorjit-cache") + "' --dir '" + tmp.path().string() + "' ";
        std::string out;
        REQUIRE(tj_test::run_command(cli + "list", &out) == 0);
        CHECK_THAT(out, Catch::Contains("1 entries"));
        CHECK_THAT(out, Catch::Contains("2 stale temporaries (130 bytes)"));
        out.clear();
        REQUIRE(tj_test::run_command(cli + "prune --max-bytes 1000000000", &out) == 0);
        CHECK_FALSE(fs::exists(old_tmp));
        CHECK(fs::exists(young));
        out.clear();
        REQUIRE(tj_test::run_command(cli + "list", &out) == 0);
        CHECK_THAT(out, Catch::Contains("0 stale temporaries (0 bytes)"));
    }
}
