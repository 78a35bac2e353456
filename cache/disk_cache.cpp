// The on-disk kernel cache. Every entry is one self-checking file (entry_format.hpp) published
// by rename (cache_files.hpp), so a reader never sees a half-written entry and concurrent writers
// (threads or processes) need no lock: the last rename wins and every copy is complete.
#include "cache/disk_cache.hpp"

#include "cache/cache_files.hpp"
#include "cache/entry_format.hpp"
#include "runtime/hash.hpp"
#include "runtime/log.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <system_error>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace tensorjit::cache {

using namespace detail;

namespace {

// The logger is off by default, but a refused cache costs every later run a recompile, so the
// user hears about it once per process and directory even with logging off.
void warn_disabled(const fs::path& dir, const std::string& reason) {
    log().warn("{}; kernels will not be cached on disk", reason);
    static std::mutex mutex;
    static auto* warned = new std::set<std::string>; // leaked: usable during static destruction
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (!warned->insert(dir.string()).second) return;
    }
    std::fprintf(stderr, "tensorjit: warning: %s; kernels will not be cached on disk\n",
                 reason.c_str());
}

// The home directory of the effective user from the password database (getpwuid_r: getpwuid
// is not thread-safe), or "".
std::string home_from_passwd() {
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::string buf(size > 0 ? static_cast<std::size_t>(size) : 16384, '\0');
    struct passwd pw;
    struct passwd* found = nullptr;
    if (::getpwuid_r(::geteuid(), &pw, buf.data(), buf.size(), &found) != 0 || !found ||
        !found->pw_dir)
        return "";
    return found->pw_dir;
}

// Why the metadata of an entry looked up by key does not fit it, or "".
std::string key_mismatch(const Entry& entry, std::string_view key) {
    std::optional<std::string> named = metadata_key(entry.metadata);
    if (!named) return "its metadata names no key";
    // Shortened: the text comes from the file, which may be hostile.
    if (*named != key) return "its metadata names another key, " + named->substr(0, 128);
    return "";
}

} // namespace

DiskCache& DiskCache::global() {
    // TJ_CACHE_READONLY=1: use the cache read-only (as ccache's CCACHE_READONLY), e.g. one that CI
    // warmed and the application must not change.
    static DiskCache cache(default_dir(), [] {
        const char* ro = std::getenv("TJ_CACHE_READONLY");
        return ro && *ro && std::strcmp(ro, "0") != 0;
    }());
    return cache;
}

fs::path DiskCache::default_dir() {
    if (const char* dir = std::getenv("TJ_CACHE_DIR"); dir && *dir) return dir;
    // The XDG base directory spec says to ignore a relative XDG_CACHE_HOME.
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/')
        return fs::path(xdg) / "tensorjit";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".cache" / "tensorjit";
    // HOME is unset for some daemons and containers.
    if (std::string home = home_from_passwd(); !home.empty())
        return fs::path(home) / ".cache" / "tensorjit";
    return private_temp_dir() / "cache";
}

DiskCache::DiskCache(fs::path dir, bool read_only) : dir_(std::move(dir)), read_only_(read_only) {
    bool writable = false;
    try {
        disabled_reason_ = check_dir(dir_, &writable);
    } catch (const std::exception& e) {
        disabled_reason_ = "cache directory " + dir_.string() + " cannot be opened: " + e.what();
    }
    enabled_ = disabled_reason_.empty();
    if (!enabled_) {
        warn_disabled(dir_, disabled_reason_);
        return;
    }
    if (!writable) read_only_ = true;
    if (read_only_)
        log().info("cache directory {} is used read-only{}", dir_.string(),
                   writable ? "" : " (not writable)");
}

fs::path DiskCache::entry_path(std::string_view key) const {
    return dir_ / (std::string(key) + std::string(kEntryExt));
}

std::optional<Entry> DiskCache::load(std::string_view key) {
    return load_entry(key, /*code_only=*/false, nullptr);
}

std::optional<Entry> DiskCache::load_code(std::string_view key, std::string* stamp) {
    return load_entry(key, /*code_only=*/true, stamp);
}

std::optional<Entry> DiskCache::load_entry(std::string_view key, bool code_only,
                                           std::string* stamp) {
    if (!enabled_ || !valid_key(key)) return std::nullopt;
    try {
        const fs::path path = entry_path(key);
        FileRead file = read_file(path, code_only);
        if (file.missing) return std::nullopt;
        std::string why = file.error;
        std::optional<Entry> entry;
        if (why.empty())
            entry = code_only ? decode_code(file.data, file.size, &why) : decode(file.data, &why);
        if (entry && !code_only) why = key_mismatch(*entry, key);
        if (why.empty()) {
            // The mtime is the last-used time prune() goes by; failing to set it is harmless.
            if (!read_only_) ::utimensat(AT_FDCWD, path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
            if (stamp) *stamp = file.data.substr(kLengthsEnd, kChecksumSize);
            return entry;
        }
        if (why.starts_with(kStaleFormat)) {
            // Left by an older (or newer) tensorjit: a plain miss, replaced by the next store.
            log().info("cache entry {} is {}", path.string(), why);
            if (!read_only_) discard(path, file.dev, file.ino);
            return std::nullopt;
        }
        warn_once("corrupt", "cache entry " + path.string() + " is unusable (" + why + ")" +
                                 (read_only_ ? "" : "; removing it") +
                                 " (further bad entries are logged at warn level only)");
        if (!read_only_) discard(path, file.dev, file.ino);
    } catch (const std::exception& e) {
        log().warn("cache entry for key {} cannot be loaded: {}", key, e.what());
    }
    return std::nullopt;
}

namespace {

// An entry file opened for reading parts of it (peek_metadata, load_source): a regular file of a
// size an entry can have, its header read and checked. fd < 0 when not.
struct OpenEntry {
    int fd = -1;
    std::uint64_t size = 0;
    std::string header;
    explicit OpenEntry(const fs::path& path) {
        fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) return;
        struct stat st;
        header.assign(kHeaderSize, '\0');
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
            static_cast<std::uint64_t>(st.st_size) > kMaxEntryBytes ||
            static_cast<std::uint64_t>(st.st_size) < kHeaderSize ||
            ::pread(fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size()) ||
            !check_header(header, static_cast<std::uint64_t>(st.st_size)).empty()) {
            ::close(fd);
            fd = -1;
            return;
        }
        size = static_cast<std::uint64_t>(st.st_size);
    }
    ~OpenEntry() {
        if (fd >= 0) ::close(fd);
    }
    OpenEntry(const OpenEntry&) = delete;
    OpenEntry& operator=(const OpenEntry&) = delete;

    /// The bytes of a section, or nullopt when they cannot be read whole.
    std::optional<std::string> section(Section which) const {
        std::string bytes(header_length(header, which), '\0');
        if (::pread(fd, bytes.data(), bytes.size(),
                    static_cast<off_t>(section_offset(header, which))) !=
            static_cast<ssize_t>(bytes.size()))
            return std::nullopt;
        return bytes;
    }
};

} // namespace

std::optional<std::string> DiskCache::load_source(std::string_view key,
                                                  std::string_view stamp) const {
    if (!enabled_ || !valid_key(key)) return std::nullopt;
    try {
        OpenEntry file(entry_path(key));
        if (file.fd < 0 || file.header.substr(kLengthsEnd, kChecksumSize) != stamp)
            return std::nullopt;
        std::optional<std::string> source = file.section(kSource);
        if (!source ||
            xxh3_128_hex(*source) != file.header.substr(kSourceChecksumAt, kChecksumSize))
            return std::nullopt;
        return source;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void DiskCache::store(std::string_view key, const Entry& entry) {
    if (!enabled_ || !valid_key(key)) return;
    if (read_only_) {
        warn_once("read-only", "cache directory " + dir_.string() +
                                   " is read-only; new kernels are not cached on disk");
        return;
    }
    try {
        // The source goes first, so that whoever finds the entry also finds its source.
        publish(dir_ / (std::string(key) + std::string(kSourceExt)), entry.source);
        publish(entry_path(key), encode(entry));
    } catch (const std::exception& e) {
        warn_once("write", "cache entry for key " + std::string(key) + " cannot be stored in " +
                               dir_.string() + ": " + e.what());
    }
}

fs::path DiskCache::source_path(std::string_view key) const {
    if (!valid_key(key)) return {};
    std::string name = std::string(key) + std::string(kSourceExt);
    // Compile errors write the source there, so it must be writable.
    return enabled_ && !read_only_ ? dir_ / name : private_temp_dir() / name;
}

std::optional<std::string> DiskCache::peek_metadata(std::string_view key) const {
    if (!enabled_ || !valid_key(key)) return std::nullopt;
    try {
        OpenEntry file(entry_path(key));
        if (file.fd < 0) return std::nullopt;
        return file.section(kMetadata);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::vector<EntryInfo> DiskCache::list() const {
    std::vector<EntryInfo> entries;
    if (!enabled_) return entries;
    for (const std::string& name : names_in(dir_)) {
        // Out of memory, say: this name is skipped, the others still done.
        try {
            std::string_view key = key_of(name, kEntryExt);
            if (key.empty()) continue;
            // lstat: only real files count; anything else is for verify() to report.
            struct stat st;
            if (::lstat((dir_ / name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
            EntryInfo info;
            info.key = key;
            info.bytes = static_cast<std::uintmax_t>(st.st_size);
            // The source beside the entry is part of what the entry costs on disk.
            struct stat src;
            if (::lstat(source_path(key).c_str(), &src) == 0 && S_ISREG(src.st_mode))
                info.bytes += static_cast<std::uintmax_t>(src.st_size);
            std::error_code ec;
            info.last_used = fs::last_write_time(dir_ / name, ec);
            if (ec) continue; // removed meanwhile
            entries.push_back(std::move(info));
        } catch (const std::exception& e) {
            log().warn("cache directory {}: {}: {}", dir_.string(), name, e.what());
        }
    }
    std::sort(entries.begin(), entries.end(), [](const EntryInfo& a, const EntryInfo& b) {
        return a.last_used != b.last_used ? a.last_used > b.last_used : a.key < b.key;
    });
    return entries;
}

TemporaryStats DiskCache::temporaries(std::chrono::seconds min_age) const {
    TemporaryStats stats;
    if (!enabled_) return stats;
    const auto now = fs::file_time_type::clock::now();
    for (const std::string& name : names_in(dir_)) {
        // Out of memory, say: this name is skipped, the others still done.
        try {
            if (!is_temporary(name)) continue;
            struct stat st;
            std::error_code ec;
            const fs::path path = dir_ / name;
            if (::lstat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
            auto written = fs::last_write_time(path, ec);
            if (ec || now - written < min_age) continue;
            ++stats.count;
            stats.bytes += static_cast<std::uintmax_t>(st.st_size);
        } catch (const std::exception& e) {
            log().warn("cache directory {}: {}: {}", dir_.string(), name, e.what());
        }
    }
    return stats;
}

std::size_t DiskCache::remove_stale_temporaries(std::chrono::seconds min_age) {
    if (!enabled_ || read_only_) return 0;
    std::size_t removed = 0;
    const auto now = fs::file_time_type::clock::now();
    for (const std::string& name : names_in(dir_)) {
        // Out of memory, say: this name is skipped, the others still done.
        try {
            if (!is_temporary(name)) continue;
            // Young ones may belong to a store still running in another process.
            std::error_code ec;
            const fs::path path = dir_ / name;
            auto written = fs::last_write_time(path, ec);
            if (ec || now - written < min_age) continue;
            removed += discard(path) ? 1 : 0;
        } catch (const std::exception& e) {
            log().warn("cache directory {}: {}: {}", dir_.string(), name, e.what());
        }
    }
    return removed;
}

std::vector<std::string> DiskCache::verify(bool repair, std::chrono::seconds stale_age) {
    std::vector<std::string> bad;
    if (!enabled_) return bad;
    if (repair) repair = !read_only_;
    if (repair) remove_stale_temporaries(stale_age);
    for (const std::string& name : names_in(dir_)) {
        // Out of memory, say: this name is skipped, the others still done.
        try {
            std::string_view key = key_of(name, kEntryExt);
            if (key.empty()) continue;
            const fs::path path = dir_ / name;
            FileRead file = read_file(path);
            if (file.missing) continue; // removed meanwhile
            std::string why = file.error;
            std::optional<Entry> entry;
            if (why.empty()) entry = decode(file.data, &why);
            if (entry) why = key_mismatch(*entry, key);
            if (why.empty()) continue;
            bad.emplace_back(key);
            log().warn("cache entry {} is unusable ({}){}", path.string(), why,
                       repair ? "; removing it" : "");
            if (!repair) continue;
            discard(path, file.dev, file.ino);
            discard(source_path(key));
        } catch (const std::exception& e) {
            log().warn("cache directory {}: {}: {}", dir_.string(), name, e.what());
        }
    }
    std::sort(bad.begin(), bad.end());
    return bad;
}

std::size_t DiskCache::prune(std::uintmax_t max_bytes, std::chrono::seconds stale_age) {
    if (!enabled_ || read_only_) return 0;
    remove_stale_temporaries(stale_age);
    std::vector<EntryInfo> entries = list();
    std::uintmax_t total = 0;
    for (const EntryInfo& e : entries) total += e.bytes;
    std::size_t removed = 0;
    // list() is most recent first: evict from the back.
    for (auto it = entries.rbegin(); it != entries.rend() && total > max_bytes; ++it) {
        std::error_code ec;
        bool gone = fs::remove(entry_path(it->key), ec);
        if (ec) {
            log().warn("cannot remove {}: {}", entry_path(it->key).string(), ec.message());
            continue;
        }
        fs::remove(source_path(it->key), ec);
        // Not removed by us but without error: another process pruned it first; it is gone
        // either way.
        total -= it->bytes;
        removed += gone ? 1 : 0;
    }
    return removed;
}

std::size_t DiskCache::clear() {
    if (!enabled_ || read_only_) return 0;
    std::size_t removed = 0;
    // Only names the cache itself creates are touched, in case the directory is shared with
    // something else (TJ_CACHE_DIR=$HOME by mistake). Temporaries of a store still running in
    // another process go too; its rename then fails and it logs a warning.
    for (const std::string& name : names_in(dir_)) {
        // Out of memory, say: this name is skipped, the others still done.
        try {
            const fs::path path = dir_ / name;
            if (!key_of(name, kEntryExt).empty()) {
                removed += discard(path) ? 1 : 0;
            } else if (!key_of(name, kSourceExt).empty() || is_temporary(name)) {
                discard(path);
            }
        } catch (const std::exception& e) {
            log().warn("cache directory {}: {}: {}", dir_.string(), name, e.what());
        }
    }
    return removed;
}

} // namespace tensorjit::cache
