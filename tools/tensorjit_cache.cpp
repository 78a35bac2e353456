// tensorjit-cache: inspect, maintain and fill the kernel cache (path, list, stats, verify, prune,
// clear, warm, explain), with ccache's conventions: a global --dir, --help for every command,
// --version, human sizes and ages, --json for scripts, size suffixes, non-zero exits for errors.
#include <tensorjit/cache.hpp>
#include <tensorjit/precompile.hpp>
#include <tensorjit/redis_cache.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace tj = tensorjit;
namespace fs = std::filesystem;

namespace {

constexpr const char* kVersion = "tensorjit-cache " TJ_VERSION;

// Exit codes: 0 fine, 1 the command failed (corrupted entries, failed compiles, a refused
// directory), 2 bad usage.
constexpr int kFailed = 1;
constexpr int kUsage = 2;

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string human_size(std::uintmax_t bytes) {
    static const char* const units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        ++u;
    }
    std::ostringstream os;
    if (u == 0)
        os << bytes << " B";
    else
        os << std::fixed << std::setprecision(v < 10 ? 1 : 0) << v << " " << units[u];
    return os.str();
}

// "500M", "2G", "1.5GB", "10k", "4096", "64KiB": bytes (K/M/G/T are powers of 1000, KiB/MiB/GiB/
// TiB of 1024, as ccache's max_size). UsageError for anything else, negative sizes included.
std::uintmax_t parse_size(const std::string& text) {
    std::size_t end = 0;
    double number = 0;
    try {
        if (text.empty() || text[0] == '-' || text[0] == '+') throw std::invalid_argument("");
        number = std::stod(text, &end);
    } catch (const std::exception&) {
        throw UsageError("'" + text + "' is not a size (e.g. 500M, 2G, 64KiB, 4096)");
    }
    std::string unit = text.substr(end);
    for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static const std::pair<const char*, double> units[] = {{"", 1},
                                                           {"B", 1},
                                                           {"K", 1e3},
                                                           {"KB", 1e3},
                                                           {"M", 1e6},
                                                           {"MB", 1e6},
                                                           {"G", 1e9},
                                                           {"GB", 1e9},
                                                           {"T", 1e12},
                                                           {"TB", 1e12},
                                                           {"KIB", 1024.0},
                                                           {"MIB", 1048576.0},
                                                           {"GIB", 1073741824.0},
                                                           {"TIB", 1099511627776.0}};
    for (const auto& [name, factor] : units)
        if (unit == name) {
            const double bytes = number * factor;
            if (!std::isfinite(bytes) || bytes < 0 || bytes > 1.8e19)
                throw UsageError("'" + text + "' is out of range");
            return static_cast<std::uintmax_t>(bytes);
        }
    throw UsageError("'" + text + "' has an unknown unit (use K, M, G, T or KiB, MiB, GiB, TiB)");
}

std::int64_t age_seconds(fs::file_time_type t) {
    return std::chrono::duration_cast<std::chrono::seconds>(fs::file_time_type::clock::now() - t)
        .count();
}

std::string human_age(fs::file_time_type t) {
    const auto secs = age_seconds(t);
    if (secs < 120) return std::to_string(secs) + " s ago";
    if (secs < 7200) return std::to_string(secs / 60) + " min ago";
    if (secs < 172800) return std::to_string(secs / 3600) + " h ago";
    return std::to_string(secs / 86400) + " days ago";
}

std::string seconds_text(double s) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(s < 10 ? 2 : 1) << s << " s";
    return os.str();
}

// ---- commands -----------------------------------------------------------------------------------

int cmd_list(tj::KernelCache& c, bool json) {
    const auto entries = c.list();
    std::uintmax_t total = 0;
    for (const auto& e : entries) total += e.bytes;
    const auto stale = c.temporaries();
    if (json) {
        nlohmann::json j;
        j["dir"] = c.dir().string();
        j["read_only"] = c.read_only();
        j["entries"] = nlohmann::json::array();
        for (const auto& e : entries)
            j["entries"].push_back({{"key", e.key},
                                    {"function", e.function},
                                    {"target", e.target},
                                    {"bytes", e.bytes},
                                    {"age_seconds", age_seconds(e.last_used)}});
        j["bytes"] = total;
        j["stale_temporaries"] = {{"count", stale.count}, {"bytes", stale.bytes}};
        std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return 0;
    }
    std::cout << std::left << std::setw(18) << "KEY" << std::setw(24) << "FUNCTION" << std::setw(22)
              << "TARGET" << std::right << std::setw(9) << "SIZE"
              << "  LAST USED\n";
    for (const auto& e : entries) {
        std::string function = e.function.empty() ? "-" : e.function;
        if (function.size() > 22) function = function.substr(0, 21) + "~";
        std::string target = e.target.empty() ? "-" : e.target;
        if (target.size() > 20) target = target.substr(0, 19) + "~";
        std::cout << std::left << std::setw(18) << e.key.substr(0, 16) << std::setw(24) << function
                  << std::setw(22) << target << std::right << std::setw(9) << human_size(e.bytes)
                  << "  " << human_age(e.last_used) << "\n";
    }
    std::cout << entries.size() << " entries, " << human_size(total) << " (" << total
              << " bytes) in " << c.dir().string() << (c.read_only() ? " (read-only)" : "") << "\n";
    // Leftovers of killed writers; prune and verify --repair remove them.
    std::cout << stale.count << " stale temporaries (" << stale.bytes << " bytes)\n";
    return 0;
}

int cmd_stats(tj::KernelCache& c, bool json, bool zero) {
    if (zero) {
        c.zero_counters();
        std::cout << "counters zeroed\n";
        return 0;
    }
    const tj::CacheStats s = c.stats();
    const tj::CacheCounters n = c.counters();
    if (json) {
        nlohmann::json j;
        j["dir"] = c.dir().string();
        j["entries"] = s.entries;
        j["bytes"] = s.bytes;
        j["layers"] = nlohmann::json::object();
        for (const auto& [name, l] : n.layers)
            j["layers"][name] = {{"hits", l.hits}, {"misses", l.misses}};
        j["compiles"] = n.compiles;
        j["compile_failures"] = n.compile_failures;
        j["compile_seconds"] = n.compile_seconds;
        j["saved_seconds"] = n.saved_seconds;
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << "cache directory      " << c.dir().string()
              << (c.read_only() ? " (read-only)" : "") << "\n";
    std::cout << "entries              " << s.entries << "\n";
    std::cout << "size                 " << human_size(s.bytes) << "\n";
    for (const auto& [name, l] : n.layers) {
        const std::uint64_t all = l.hits + l.misses;
        std::cout << std::left << std::setw(21) << (name + " hits") << l.hits;
        if (all) std::cout << " / " << all << " (" << (100 * l.hits / all) << "%)";
        std::cout << "\n";
    }
    std::cout << "compiles             " << n.compiles << "\n";
    std::cout << "compile failures     " << n.compile_failures << "\n";
    std::cout << "compile time spent   " << seconds_text(n.compile_seconds) << "\n";
    std::cout << "compile time saved   " << seconds_text(n.saved_seconds) << "\n";
    return 0;
}

struct WarmJob {
    fs::path file;
    std::string cpu;
};

// Compiles every (file, target) with `jobs` threads; a progress line on a terminal, one line per
// job otherwise; a summary at the end. Non-zero when any job failed.
int cmd_warm(const std::vector<std::string>& files, const std::vector<std::string>& cpus,
             int jobs) {
    std::vector<WarmJob> work;
    for (const std::string& f : files)
        for (const std::string& cpu : cpus.empty() ? std::vector<std::string>{""} : cpus)
            work.push_back({f, cpu});
    const bool tty = ::isatty(STDERR_FILENO);
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    std::mutex mutex; // output and totals
    std::size_t done = 0, compiled = 0, cached = 0, failed = 0;
    std::uintmax_t bytes = 0;
    std::atomic<std::size_t> next{0};
    auto progress = [&](const std::string& current) {
        // Under mutex.
        const double t = elapsed();
        const double eta =
            done ? t / static_cast<double>(done) * static_cast<double>(work.size() - done) : 0;
        std::cerr << "\r\033[K[" << done << "/" << work.size() << "] " << current << "  "
                  << seconds_text(t) << " elapsed"
                  << (done ? ", eta " + seconds_text(eta) : std::string()) << std::flush;
    };
    auto worker = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < work.size();) {
            const WarmJob& job = work[i];
            const std::string label =
                job.file.string() + (job.cpu.empty() ? "" : " for " + job.cpu);
            if (tty) {
                std::lock_guard lock(mutex);
                progress(label);
            }
            const tj::WarmResult r = tj::warm_graph_file(job.file, job.cpu);
            std::lock_guard lock(mutex);
            ++done;
            bytes += r.bytes;
            const char* what = "";
            switch (r.status) {
            case tj::WarmResult::Status::Compiled:
                ++compiled;
                what = "compiled";
                break;
            case tj::WarmResult::Status::Cached:
                ++cached;
                what = "cached";
                break;
            case tj::WarmResult::Status::Failed:
                ++failed;
                what = "FAILED";
                break;
            }
            if (tty) std::cerr << "\r\033[K";
            std::ostringstream line;
            line << "[" << done << "/" << work.size() << "] " << what << "  " << r.function << " ("
                 << job.file.string() << ") for " << r.target;
            if (!r.key.empty()) line << "  key " << r.key.substr(0, 16);
            line << "  " << seconds_text(r.seconds);
            if (r.status == tj::WarmResult::Status::Failed) line << "\n    " << r.error;
            std::cout << line.str() << std::endl;
            if (tty && done < work.size()) progress("");
        }
    };
    std::vector<std::thread> threads;
    const int n = std::max(1, std::min<int>(jobs, static_cast<int>(work.size())));
    for (int t = 1; t < n; ++t) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
    if (tty) std::cerr << "\r\033[K";
    std::cout << "warm: " << work.size() << " function(s): " << compiled << " compiled, " << cached
              << " already cached, " << failed << " failed in " << seconds_text(elapsed()) << ", "
              << human_size(bytes) << "\n";
    return failed ? kFailed : 0;
}

// A key, a unique prefix of one (as `list` shows them), or a graph file.
std::string resolve_key(tj::KernelCache& c, const std::string& arg) {
    std::error_code ec;
    if (fs::exists(arg, ec)) return arg;
    if (arg.size() < 4 || arg.size() > 128 ||
        arg.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw UsageError("'" + arg + "' is neither a file nor a cache key");
    std::vector<std::string> matches;
    for (const auto& e : c.list())
        if (e.key.compare(0, arg.size(), arg) == 0) matches.push_back(e.key);
    if (matches.size() > 1) throw UsageError("'" + arg + "' is the prefix of several keys");
    if (!matches.empty()) return matches[0];
    if (arg.size() < 16) throw UsageError("no key starts with '" + arg + "'");
    return arg; // explain says there is no such entry
}

int run(int argc, char** argv) {
    CLI::App app{"Inspect, maintain and fill the tensorjit kernel cache.", "tensorjit-cache"};
    app.set_version_flag("--version", kVersion);
    app.require_subcommand(1);
    std::string dir;
    app.add_option("--dir", dir,
                   "the cache directory (default: TJ_CACHE_DIR, else XDG_CACHE_HOME/tensorjit, "
                   "else ~/.cache/tensorjit)");

    auto* path = app.add_subcommand("path", "print the cache directory");
    bool json = false;
    auto* list = app.add_subcommand(
        "list", "entries, most recently used first: key, function, target, size, last use");
    list->add_flag("--json", json, "print JSON (full keys, bytes, ages in seconds)");
    bool zero = false;
    auto* stats = app.add_subcommand(
        "stats", "entries, size, hits and misses per layer, compiles, compile time saved");
    stats->add_flag("--json", json, "print JSON");
    stats->add_flag("--zero,-z", zero, "zero the counters");
    bool repair = false;
    auto* verify = app.add_subcommand(
        "verify", "check every entry's checksum and key (exit 1 when some are corrupted)");
    verify->add_flag("--repair", repair,
                     "remove corrupted entries and temporaries older than 10 minutes");
    std::string max_size;
    auto* prune = app.add_subcommand(
        "prune", "remove old temporaries, then least recently used entries down to a size");
    prune->add_option("--max-size,--max-bytes", max_size, "the size to keep, e.g. 500M, 2G, 0")
        ->required();
    auto* clear = app.add_subcommand("clear", "remove every entry");
    std::vector<std::string> files, cpus;
    int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::string redis;
    auto* warm = app.add_subcommand(
        "warm", "compile the functions of graph files (tj::save_function) into the cache");
    warm->add_option("files", files, "graph files")->required()->check(CLI::ExistingFile);
    warm->add_option("-j,--jobs", jobs, "compile N functions at once (default: the cores)")
        ->check(CLI::PositiveNumber);
    warm->add_option("--target-cpu", cpus,
                     "build for these CPUs (LLVM names: x86-64, x86-64-v2/v3/v4, haswell, "
                     "skylake-avx512, znver3, native...); default: TJ_TARGET_CPU or this host")
        ->delimiter(',');
    warm->add_option("--redis", redis,
                     "also fill this Redis layer (redis://[:password@]host:port[/db]); "
                     "TJ_CACHE_REDIS=URL in the applications then reads it");
    std::string what, explain_cpu;
    auto* explain = app.add_subcommand(
        "explain", "why a key or a graph file's function is (not) cached: the components of "
                   "its key against the nearest entries of the same function graph");
    explain->add_option("what", what, "a cache key (or a prefix of one) or a graph file")
        ->required();
    explain->add_option("--target-cpu", explain_cpu, "for a graph file: the target to key it for");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : kUsage;
    }

    // The library reads these once, on first use: set them before anything touches the cache.
    if (!dir.empty()) ::setenv("TJ_CACHE_DIR", dir.c_str(), 1);
    const fs::path cache_dir = dir.empty() ? tj::KernelCache::default_dir() : fs::path(dir);

    if (path->parsed()) {
        std::cout << cache_dir.string() << "\n";
        return 0;
    }
    if (warm->parsed()) {
        for (const std::string& cpu : cpus) tj::check_target_cpu(cpu);
        tj::KernelCache c(cache_dir); // refuses an unsafe directory up front
        if (c.read_only())
            throw tj::CacheError(cache_dir.string() + " is read-only; cannot warm it");
        // A server that cannot be reached is an error here (CacheError), not a fallback.
        std::optional<tj::RedisCache> shared;
        if (!redis.empty()) {
            shared.emplace(redis);
            shared->use_for_builds();
        }
        return cmd_warm(files, cpus, jobs);
    }
    // Reading commands do not create the directory (KernelCache would): a typo in --dir is an
    // error, not an empty cache.
    std::error_code ec;
    if (!fs::is_directory(cache_dir, ec))
        throw tj::CacheError("cache directory " + cache_dir.string() + " does not exist");
    tj::KernelCache c(cache_dir);
    if (explain->parsed()) {
        tj::check_target_cpu(explain_cpu);
        std::cout << tj::explain_cache(resolve_key(c, what), explain_cpu);
        return 0;
    }
    if (list->parsed()) return cmd_list(c, json);
    if (stats->parsed()) return cmd_stats(c, json, zero);
    const bool changes = prune->parsed() || clear->parsed() || (verify->parsed() && repair);
    if (changes && c.read_only()) {
        std::cerr << "tensorjit-cache: " << cache_dir.string()
                  << " is read-only; nothing can be removed\n";
        return kFailed;
    }
    if (verify->parsed()) {
        auto bad = c.verify(repair);
        for (const auto& k : bad)
            std::cout << "corrupted: " << k << (repair ? " (removed)" : "") << "\n";
        std::cout << bad.size() << " corrupted entries\n";
        return bad.empty() || repair ? 0 : kFailed;
    }
    if (prune->parsed()) {
        std::cout << c.prune(parse_size(max_size)) << " entries removed\n";
        return 0;
    }
    if (clear->parsed()) {
        std::cout << c.clear() << " entries removed\n";
        return 0;
    }
    return kUsage;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const UsageError& e) {
        std::cerr << "tensorjit-cache: " << e.what() << "\n";
        return kUsage;
    } catch (const tj::ValueError& e) {
        // An unknown --target-cpu, a bad graph file for explain.
        std::cerr << "tensorjit-cache: " << e.what() << "\n";
        return kUsage;
    } catch (const std::exception& e) {
        // A refused directory (CacheError says why), or anything unexpected.
        std::cerr << "tensorjit-cache: " << e.what() << "\n";
        return kFailed;
    }
}
