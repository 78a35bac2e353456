// A separate process for the disk-cache tests (a fresh process, so that "once per process" can be
// checked): in the cache directory argv[1], loads two corrupt entries and one filed under the
// wrong key, fails two stores, and stores twice into a read-only cache. Every warning goes to
// stderr; the test counts them.
#include "cache/disk_cache.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using tensorjit::cache::DiskCache;
using tensorjit::cache::Entry;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: cache_warnings DIR\n");
        return 2;
    }
    const fs::path dir = argv[1];
    const std::string good(20, 'a'), bad1(20, 'b'), bad2(20, 'c'), moved(20, 'd'), dir1(20, 'e'),
        dir2(20, 'f');
    DiskCache cache(dir);
    if (!cache.enabled() || cache.read_only()) return 3;
    cache.store(good, Entry{"object", "source", R"({"key": ")" + good + "\"}"});
    if (!cache.load(good)) return 4;
    for (const auto& key : {bad1, bad2}) std::ofstream(dir / (key + ".tjk")) << "garbage";
    fs::copy_file(dir / (good + ".tjk"), dir / (moved + ".tjk"));
    for (const auto& key : {bad1, bad2, moved})
        if (cache.load(key)) return 5;
    // A directory under an entry's name: the rename fails.
    for (const auto& key : {dir1, dir2}) {
        fs::create_directory(dir / (key + ".tjk"));
        cache.store(key, Entry{"object", "source", R"({"key": ")" + key + "\"}"});
    }
    DiskCache read_only(dir, true);
    read_only.store(bad1, Entry{"object", "source", R"({"key": ")" + bad1 + "\"}"});
    read_only.store(bad2, Entry{"object", "source", R"({"key": ")" + bad2 + "\"}"});
    if (!read_only.load(good)) return 6;
    std::printf("cache_warnings: done\n");
    return 0;
}
