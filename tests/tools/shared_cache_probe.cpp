// A separate process for the shared cache layer tests (tests/cache_shared/): builds
// f_K(x) = x * K + 1 for each integer K given, evaluates it at x = [0, 1, 2.5] and prints
//   f K key=<cache key> values=<f(0)> <f(1)> <f(2.5)>
// per function, then "clang_compiles=N disk_hits=M". The cache layers come from the environment
// (TJ_CACHE_DIR, TJ_CACHE_SHARED, TJ_CACHE_REDIS) or --redis URL (tj::RedisCache::use_for_builds,
// as tensorjit-cache warm --redis does). --threads T builds every function from T threads at
// once; --pause DIR, after the first half of the functions, creates DIR/ready and waits for
// DIR/go (so that a test can kill the server mid-run).
#include <tensorjit/redis_cache.hpp>
#include <tensorjit/tensorjit.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Built {
    std::string key;
    std::vector<double> values;
};

Built build(int k) {
    auto x = tj::dvector("x");
    auto f = tj::function({x}, x * k + 1);
    const tj::Array out = f(tj::Array(std::vector<double>{0.0, 1.0, 2.5}));
    Built b;
    b.key = f.cache_key();
    for (std::int64_t i = 0; i < out.size(); ++i) b.values.push_back(out.flat(i));
    return b;
}

void wait_for_go(const fs::path& dir) {
    std::ofstream(dir / "ready") << "ready\n";
    // Bounded: a test that never says go fails on the missing output instead of hanging.
    for (int i = 0; i < 1200 && !fs::exists(dir / "go"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

int run(int argc, char** argv) {
    int threads = 1;
    fs::path pause;
    std::vector<int> ks;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--redis" && i + 1 < argc) {
            tj::RedisCache(argv[++i]).use_for_builds();
        } else if (a == "--threads" && i + 1 < argc) {
            threads = std::atoi(argv[++i]);
        } else if (a == "--pause" && i + 1 < argc) {
            pause = argv[++i];
        } else {
            ks.push_back(std::atoi(a.c_str()));
        }
    }
    if (ks.empty() || threads < 1) {
        std::cerr << "usage: shared_cache_probe [--redis URL] [--threads T] [--pause DIR] K...\n";
        return 2;
    }
    std::map<int, Built> results;
    std::mutex mu;
    auto build_range = [&](std::size_t from, std::size_t to) {
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t)
            pool.emplace_back([&, t] {
                // Each thread starts at another function: same and different keys at once.
                for (std::size_t i = 0; i < to - from; ++i) {
                    const int k = ks[from + (i + static_cast<std::size_t>(t)) % (to - from)];
                    Built b = build(k);
                    std::lock_guard<std::mutex> lock(mu);
                    auto [it, fresh] = results.emplace(k, b);
                    if (!fresh && (it->second.key != b.key || it->second.values != b.values))
                        std::cerr << "threads disagree on f " << k << "\n";
                }
            });
        for (auto& th : pool) th.join();
    };
    const std::size_t half = pause.empty() ? ks.size() : ks.size() / 2;
    build_range(0, half);
    if (!pause.empty()) {
        wait_for_go(pause);
        build_range(half, ks.size());
    }
    for (const auto& [k, b] : results) {
        std::printf("f %d key=%s values=", k, b.key.c_str());
        for (double v : b.values) std::printf(" %.17g", v);
        std::printf("\n");
    }
    const auto stats = tj::compile_stats();
    std::printf("clang_compiles=%llu disk_hits=%llu\n", stats.clang_compiles, stats.disk_hits);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "shared_cache_probe: " << e.what() << "\n";
        return 1;
    }
}
