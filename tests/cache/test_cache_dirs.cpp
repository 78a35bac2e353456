// Tests of cache/: which directories the disk cache uses, refuses, or uses read-only.
#include "disk_cache_test_util.hpp"
TEST_CASE("disk cache: a directory others can write is refused", "[cache]") {
    tj_test::TempDir tmp;
    const fs::path dir = tmp.path() / "shared";
    fs::create_directory(dir);
    fs::permissions(dir, fs::perms::all);

    StderrCapture err;
    DiskCache cache(dir);
    DiskCache again(dir);
    const std::string printed = err.text();

    CHECK_FALSE(cache.enabled());
    CHECK_THAT(cache.disabled_reason(), Catch::Contains(dir.string()));
    CHECK_THAT(cache.disabled_reason(), Catch::Contains("writable by other users (mode 0777)"));
    // Visible by default, once per directory.
    CHECK(count_of(printed, "tensorjit: warning: cache directory " + dir.string()) == 1);
    CHECK_THAT(printed, Catch::Contains("kernels will not be cached on disk"));

    // Behaves as an empty cache that does not keep anything.
    write_all(dir / (kKey + ".tjk"), "planted");
    CHECK_FALSE(cache.load(kKey));
    CHECK(fs::exists(dir / (kKey + ".tjk")));
    fs::remove(dir / (kKey + ".tjk"));
    cache.store(kKey, sample_entry());
    CHECK(names_in(dir).empty());
    CHECK(cache.list().empty());
    CHECK(cache.verify(true).empty());
    CHECK(cache.prune(0) == 0);
    CHECK(cache.clear() == 0);
    // The source then goes to a private folder under the temporary directory.
    const fs::path source = cache.source_path(kKey);
    CHECK(source.filename() == kKey + ".cpp");
    CHECK(source.parent_path().filename() == "tensorjit-" + std::to_string(::geteuid()));

    SECTION("group-writable is refused too") {
        fs::permissions(dir, fs::perms::owner_all | fs::perms::group_all);
        DiskCache group(dir);
        CHECK_FALSE(group.enabled());
        CHECK_THAT(group.disabled_reason(), Catch::Contains("mode 0770"));
    }
    SECTION("the same directory at mode 0700 is accepted") {
        fs::permissions(dir, fs::perms::owner_all);
        DiskCache fixed(dir);
        CHECK(fixed.enabled());
    }
}

TEST_CASE("disk cache: a directory another user owns is refused", "[cache]") {
    tj_test::TempDir tmp;
    const fs::path dir = tmp.path() / "theirs";
    fs::create_directory(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    // The tests run as root, who can give the directory away; others cannot, so skip then.
    if (::chown(dir.c_str(), 65534, 65534) != 0) {
        WARN("cannot chown a directory to nobody; skipping");
        return;
    }
    StderrCapture err;
    DiskCache cache(dir);
    err.text();
    CHECK_FALSE(cache.enabled());
    CHECK_THAT(cache.disabled_reason(), Catch::Contains(dir.string()));
    CHECK_THAT(cache.disabled_reason(), Catch::Contains("owned by another user (uid 65534)"));
    cache.store(kKey, sample_entry());
    CHECK(names_in(dir).empty());
    CHECK_FALSE(cache.load(kKey));
}

TEST_CASE("disk cache: a directory that cannot be created is refused", "[cache]") {
    tj_test::TempDir tmp;
    write_all(tmp.path() / "file", "not a directory");
    StderrCapture err;
    DiskCache under_file(tmp.path() / "file" / "cache");
    DiskCache is_file(tmp.path() / "file");
    DiskCache empty{fs::path()};
    const std::string printed = err.text();
    CHECK_FALSE(under_file.enabled());
    CHECK_THAT(under_file.disabled_reason(), Catch::Contains("cannot be created"));
    CHECK_THAT(under_file.disabled_reason(),
               Catch::Contains((tmp.path() / "file" / "cache").string()));
    CHECK_FALSE(is_file.enabled());
    CHECK_THAT(is_file.disabled_reason(), Catch::Contains("is not a directory"));
    CHECK_FALSE(empty.enabled());
    CHECK_FALSE(under_file.load(kKey));
    CHECK_NOTHROW(under_file.store(kKey, sample_entry()));
    CHECK(count_of(printed, "tensorjit: warning: ") == 3);
}

TEST_CASE("disk cache: default_dir follows the environment", "[cache]") {
    EnvVar tj("TJ_CACHE_DIR", nullptr);
    EnvVar xdg("XDG_CACHE_HOME", nullptr);
    EnvVar home("HOME", "/home/someone");

    CHECK(DiskCache::default_dir() == fs::path("/home/someone/.cache/tensorjit"));
    {
        EnvVar set("XDG_CACHE_HOME", "/var/cache/me");
        CHECK(DiskCache::default_dir() == fs::path("/var/cache/me/tensorjit"));
        EnvVar explicit_dir("TJ_CACHE_DIR", "/opt/tj-cache");
        CHECK(DiskCache::default_dir() == fs::path("/opt/tj-cache"));
        EnvVar empty_dir("TJ_CACHE_DIR", "");
        CHECK(DiskCache::default_dir() == fs::path("/var/cache/me/tensorjit"));
    }
    {
        // A relative XDG_CACHE_HOME is invalid and ignored.
        EnvVar relative("XDG_CACHE_HOME", "relative/cache");
        CHECK(DiskCache::default_dir() == fs::path("/home/someone/.cache/tensorjit"));
    }
    {
        // Without HOME, the password database's home directory.
        EnvVar no_home("HOME", nullptr);
        const fs::path dir = DiskCache::default_dir();
        CHECK(dir.is_absolute());
        CHECK((dir.filename() == "cache" || dir.filename() == "tensorjit"));
        CHECK(dir != fs::path("/home/someone/.cache/tensorjit"));
    }
    CHECK(DiskCache::default_dir() == fs::path("/home/someone/.cache/tensorjit"));
}

TEST_CASE("disk cache: global() is one cache at default_dir()", "[cache]") {
    // Only under ctest, which points TJ_CACHE_DIR at the build tree: a test never touches the
    // user's own cache.
    if (!std::getenv("TJ_CACHE_DIR")) return;
    DiskCache& a = DiskCache::global();
    CHECK(&a == &DiskCache::global());
    CHECK(a.dir() == DiskCache::default_dir());
}

TEST_CASE("disk cache: a read-only cache serves hits and writes nothing", "[cache]") {
    tj_test::TempDir tmp;
    const std::string other(32, 'b'), corrupt(32, 'c');
    {
        DiskCache writer(tmp.path());
        writer.store(kKey, sample_entry("ro"));
        writer.store(corrupt, sample_entry("bad", corrupt));
    }
    write_all(tmp.path() / (corrupt + ".tjk"), "garbage");
    const fs::path stale = tmp.path() / (kKey + ".tjk.tmp.1.2.3");
    write_all(stale, "partial");
    const auto day_ago = fs::file_time_type::clock::now() - std::chrono::hours(24);
    fs::last_write_time(stale, day_ago);
    fs::last_write_time(tmp.path() / (kKey + ".tjk"), day_ago);
    const auto before = names_in(tmp.path());

    DiskCache cache(tmp.path(), true);
    CHECK(cache.enabled());
    CHECK(cache.read_only());
    CHECK(cache.disabled_reason().empty());
    StderrCapture err;
    auto hit = cache.load(kKey);
    REQUIRE(hit);
    CHECK(same(*hit, sample_entry("ro")));
    CHECK_FALSE(cache.load(corrupt)); // refused but not removed
    cache.store(other, sample_entry("new", other));
    cache.store(other, sample_entry("new", other));
    CHECK(cache.verify(true) == std::vector<std::string>{corrupt});
    CHECK(cache.prune(0, std::chrono::seconds(0)) == 0);
    CHECK(cache.clear() == 0);
    CHECK(cache.list().size() == 2); // list does not check contents
    const std::string printed = err.text();
    CHECK(names_in(tmp.path()) == before);
    CHECK(fs::last_write_time(tmp.path() / (kKey + ".tjk")) == day_ago); // not even the mtime
    CHECK_FALSE(cache.load(other));
    // store() warns at most once per process (the first read-only store of the process says so).
    CHECK(count_of(printed, "is read-only") <= 1);
    // The source of a new kernel goes where it can be written, as for a disabled cache.
    CHECK(cache.source_path(kKey).parent_path().filename() ==
          "tensorjit-" + std::to_string(::geteuid()));
}

TEST_CASE("disk cache: a directory of ours that we cannot write is used read-only", "[cache]") {
    tj_test::TempDir tmp;
    const fs::path dir = tmp.path() / "ro";
    {
        DiskCache writer(dir);
        writer.store(kKey, sample_entry("ro"));
    }
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec, fs::perm_options::replace);
    StderrCapture err;
    DiskCache cache(dir);
    const std::string printed = err.text();
    // Not refused: no "will not be cached" warning, hits work.
    CHECK(cache.enabled());
    CHECK_THAT(printed, !Catch::Contains("kernels will not be cached on disk"));
    CHECK(cache.load(kKey));
    if (::access(dir.c_str(), W_OK) == 0) {
        // Root: permission bits do not stop us, so the directory really is writable (a
        // read-only mount would not be); nothing to detect.
        WARN("running as root: mode 0500 does not make the directory read-only; skipped");
        CHECK_FALSE(cache.read_only());
    } else {
        CHECK(cache.read_only());
        cache.store(std::string(32, 'd'), sample_entry("x", std::string(32, 'd')));
        CHECK(names_in(dir) == std::vector<std::string>{kKey + ".cpp", kKey + ".tjk"});
    }
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);

    SECTION("others-writable stays refused even when read-only is asked for") {
        fs::permissions(dir, fs::perms::all, fs::perm_options::replace);
        StderrCapture err2;
        DiskCache shared(dir, true);
        err2.text();
        CHECK_FALSE(shared.enabled());
        CHECK_FALSE(shared.load(kKey));
        fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    }
}

TEST_CASE("disk cache: each kind of warning reaches stderr once per process", "[cache]") {
    tj_test::TempDir tmp;
    std::string out;
    const int rc =
        tj_test::run_command("env -u TJ_LOG_LEVEL '" + tool("tests/tj_tool_cache_warnings") +
                                 "' '" + (tmp.path() / "cache").string() + "' 2>&1",
                             &out);
    INFO(out);
    REQUIRE(rc == 0);
    CHECK_THAT(out, Catch::Contains("cache_warnings: done"));
    // Three corrupt entries (two garbage, one under the wrong key): one warning.
    CHECK(count_of(out, "tensorjit: warning: cache entry") == 1);
    CHECK_THAT(out, Catch::Contains("is unusable"));
    // Two failed stores: one warning.
    CHECK(count_of(out, "kernels are not being cached on disk") == 1);
    // Two stores into a read-only cache: one warning.
    CHECK(count_of(out, "is read-only; new kernels are not cached on disk") == 1);
    CHECK(count_of(out, "tensorjit: warning:") == 3);
}

TEST_CASE("disk cache: a read-only bind mount is detected and used read-only", "[cache]") {
    // The real case: even root gets EROFS there. Needs a private mount namespace (unshare, as
    // root or with user namespaces); skipped where there is none.
    tj_test::TempDir tmp;
    const fs::path dir = tmp.path() / "cache";
    std::string out;
    // A real kernel first, compiled by a separate process into the cache.
    const std::string probe = "'" + tool("tests/tj_tool_cache_probe") + "'";
    REQUIRE(tj_test::run_command("TJ_CACHE_DIR='" + dir.string() + "' " + probe, &out) == 0);
    REQUIRE_THAT(out, Catch::Contains("clang_compiles=1"));
    const auto before = names_in(dir);
    // <key>.cpp, <key>.tjk, and the counters the probe kept (stats.json).
    REQUIRE(before.size() == 3);
    REQUIRE(fs::path(before[1]).extension() == ".tjk");
    REQUIRE(before[2] == "stats.json");
    auto read_only = [&](const std::string& command, std::string* output) {
        output->clear();
        const std::string d = "'" + dir.string() + "'";
        return tj_test::run_command("unshare --mount sh -c \"mount --bind " + d + " " + d +
                                        " && mount -o remount,ro,bind " + d + " && " + command +
                                        "\" 2>&1",
                                    output);
    };
    if (read_only("true", &out) != 0) {
        WARN("cannot make a read-only bind mount here; skipped: " << out);
        return;
    }
    const std::string cli = "'" + tool("tensorjit-cache") + "' --dir '" + dir.string() + "' ";
    CHECK(read_only(cli + "list", &out) == 0);
    CHECK_THAT(out, Catch::Contains("1 entries") && Catch::Contains("(read-only)"));
    CHECK(read_only(cli + "verify", &out) == 0);
    CHECK(read_only(cli + "clear", &out) == 1);
    CHECK_THAT(out, Catch::Contains("read-only"));
    // The library serves the hit, compiles nothing, and neither refuses the directory nor
    // complains about it being read-only (nothing needed storing).
    CHECK(read_only("env -u TJ_LOG_LEVEL TJ_CACHE_DIR='" + dir.string() + "' " + probe, &out) == 0);
    CHECK_THAT(out, Catch::Contains("clang_compiles=0 disk_hits=1"));
    CHECK_THAT(out, !Catch::Contains("warning"));
    CHECK(names_in(dir) == before);
    // A kernel not in the cache is compiled and works; one warning says it is not kept.
    fs::remove(dir / before[1]); // the .tjk
    CHECK(read_only("env -u TJ_LOG_LEVEL TJ_CACHE_DIR='" + dir.string() + "' " + probe, &out) == 0);
    CHECK_THAT(out, Catch::Contains("clang_compiles=1"));
    CHECK(count_of(out, "is read-only; new kernels are not cached on disk") == 1);
}
