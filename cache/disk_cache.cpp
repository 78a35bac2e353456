// The on-disk kernel cache. Every entry is one self-checking file published by rename, so a reader
// never sees a half-written entry and concurrent writers (threads or processes) need no lock: the
// last rename wins and every copy is complete.
//
// Entry file <key>.tjk (format 2):
//   bytes  0..8    "TJCACHE2"
//   bytes  8..32   lengths of the object, source and metadata sections, little-endian uint64 each
//   bytes 32..64   XXH3-128 (lowercase hex) of bytes 0..32 followed by every byte from 64 on
//   bytes 64..     object, source, metadata, back to back
// The lengths must add up to the file size exactly, which catches truncation and appended junk
// before hashing; the checksum also covers the magic and the lengths. The checksum only has to
// catch accidents: the directory is private (check_dir), and whoever can write into it could
// compute any checksum, cryptographic or not. Readers check the header (and a total size bound)
// before reading the rest, and trust an entry only when its metadata names the key it was looked
// up by. Format 1 ("TJCACHE1", a SHA-256 checksum in a 96-byte header) is stale: such an entry is
// dropped as a miss without the corruption warning.
#include "cache/disk_cache.hpp"

#include "runtime/hash.hpp"
#include "runtime/log.hpp"

#include <nlohmann/json.hpp>

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

namespace {

// The magic ends in the format version; another version is stale, not corrupt.
constexpr std::string_view kMagic = "TJCACHE2";
constexpr std::string_view kMagicStem = "TJCACHE";
constexpr std::size_t kLengthsEnd = 8 + 3 * 8;
constexpr std::size_t kChecksumSize = 32;
constexpr std::size_t kHeaderSize = kLengthsEnd + kChecksumSize;
constexpr std::string_view kEntryExt = ".tjk";
constexpr std::string_view kSourceExt = ".cpp";
constexpr std::string_view kTempMarker = ".tmp.";
// No kernel object comes near this; a bigger file is corrupt or planted and is not read.
constexpr std::uint64_t kMaxEntryBytes = std::uint64_t(1) << 30;

std::string errno_message(int err) {
    return std::error_code(err, std::generic_category()).message();
}

bool valid_key(std::string_view key) {
    if (key.size() < 16 || key.size() > 128) return false;
    return std::all_of(key.begin(), key.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The key of a file called <key><ext>, or "" when the name is not of that form.
std::string_view key_of(std::string_view name, std::string_view ext) {
    if (name.size() <= ext.size() || name.substr(name.size() - ext.size()) != ext) return {};
    std::string_view key = name.substr(0, name.size() - ext.size());
    return valid_key(key) ? key : std::string_view();
}

// Whether name is a temporary left by store(): <key>.tjk.tmp.* or <key>.cpp.tmp.*.
bool is_temporary(std::string_view name) {
    std::size_t at = name.find(kTempMarker);
    if (at == std::string_view::npos) return false;
    std::string_view target = name.substr(0, at);
    return !key_of(target, kEntryExt).empty() || !key_of(target, kSourceExt).empty();
}

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_u64(std::string_view bytes, std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
}

// Reads into data[at..] until it is full or the file ends; returns how many bytes data holds.
std::size_t read_some(int fd, std::string& data, std::size_t at, std::string* error) {
    while (at < data.size()) {
        ssize_t n = ::read(fd, data.data() + at, data.size() - at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            *error = "cannot read: " + errno_message(errno);
            break;
        }
        if (n == 0) break;
        at += static_cast<std::size_t>(n);
    }
    return at;
}

// The prefix of what check_header() says about an entry of another format version.
constexpr std::string_view kStaleFormat = "stale: written by another tensorjit version";

// Why the header of an entry file of file_size bytes is wrong, or "".
std::string check_header(std::string_view header, std::uint64_t file_size) {
    if (header.substr(0, kMagic.size()) != kMagic) {
        if (header.substr(0, kMagicStem.size()) == kMagicStem) {
            // The version byte comes from the file: named only when it is a digit.
            const char version = header[kMagicStem.size()];
            return std::string(kStaleFormat) + (version >= '0' && version <= '9'
                                                    ? std::string(" (entry format ") + version + ")"
                                                    : std::string());
        }
        return "bad magic, not a tensorjit cache entry";
    }
    const std::uint64_t payload = file_size - kHeaderSize;
    std::uint64_t total = 0;
    for (int i = 0; i < 3; ++i) {
        const std::uint64_t length = get_u64(header, 8 + 8 * i);
        // Compared this way round so that huge (corrupted) lengths cannot overflow the sum.
        if (length > payload - total) break;
        total += length;
        if (i == 2 && total == payload) return "";
    }
    return "section lengths do not add up to the file size, " + std::to_string(file_size) +
           " bytes: truncated or overwritten";
}

std::string checksum(std::string_view file) {
    return Xxh3().update(file.substr(0, kLengthsEnd)).update(file.substr(kHeaderSize)).hex128();
}

std::string encode(const Entry& entry) {
    std::string out;
    out.reserve(kHeaderSize + entry.object.size() + entry.source.size() + entry.metadata.size());
    out += kMagic;
    put_u64(out, entry.object.size());
    put_u64(out, entry.source.size());
    put_u64(out, entry.metadata.size());
    out.append(kChecksumSize, '0'); // filled in below
    out += entry.object;
    out += entry.source;
    out += entry.metadata;
    out.replace(kLengthsEnd, kChecksumSize, checksum(out));
    return out;
}

// The entry held by the bytes of an entry file, or nullopt with *why saying what is wrong.
std::optional<Entry> decode(std::string_view file, std::string* why) {
    if (file.size() < kHeaderSize) {
        *why = "truncated: " + std::to_string(file.size()) + " bytes, shorter than the header";
        return std::nullopt;
    }
    if (*why = check_header(file, file.size()); !why->empty()) return std::nullopt;
    std::uint64_t lengths[3] = {};
    for (int i = 0; i < 3; ++i) lengths[i] = get_u64(file, 8 + 8 * i);
    if (checksum(file) != file.substr(kLengthsEnd, kChecksumSize)) {
        *why = "checksum mismatch";
        return std::nullopt;
    }
    Entry entry;
    entry.object = file.substr(kHeaderSize, lengths[0]);
    entry.source = file.substr(kHeaderSize + lengths[0], lengths[1]);
    entry.metadata = file.substr(kHeaderSize + lengths[0] + lengths[1], lengths[2]);
    return entry;
}

// The contents of a file read in one go, plus which inode they came from.
struct FileRead {
    bool missing = false; // no such file: a plain cache miss, not an error
    std::string error;    // why it could not be read ("" when it was)
    std::string data;
    dev_t dev = 0;
    ino_t ino = 0;
};

FileRead read_file(const fs::path& path) {
    FileRead r;
    // O_NOFOLLOW: entries are never symbolic links; O_NONBLOCK: a FIFO planted under an entry's
    // name must not hang the reader (it has no effect on regular files).
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT) r.missing = true;
        r.error = err == ELOOP ? "it is a symbolic link" : "cannot open: " + errno_message(err);
        return r;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        r.error = "cannot stat: " + errno_message(errno);
    } else {
        r.dev = st.st_dev;
        r.ino = st.st_ino;
        if (S_ISDIR(st.st_mode)) {
            r.error = "it is a directory, not a file";
        } else if (!S_ISREG(st.st_mode)) {
            r.error = "it is not a regular file";
        } else if (static_cast<std::uint64_t>(st.st_size) > kMaxEntryBytes) {
            r.error = std::to_string(st.st_size) + " bytes, larger than any entry can be";
        } else {
            // The header first: lengths that do not match the file size mean the rest is not
            // worth reading.
            const std::size_t size = static_cast<std::size_t>(st.st_size);
            r.data.resize(std::min(size, kHeaderSize));
            std::size_t got = read_some(fd, r.data, 0, &r.error);
            if (r.error.empty() && got == kHeaderSize) {
                r.error = check_header(r.data, size);
                if (r.error.empty()) {
                    r.data.resize(size);
                    got = read_some(fd, r.data, got, &r.error);
                }
            }
            // Shorter than fstat said: decode() reports the truncation.
            r.data.resize(got);
        }
    }
    ::close(fd);
    return r;
}

// Removes a bad entry (a file, or a directory squatting on an entry's name). When the inode that
// was read is known, a file that has been replaced meanwhile — by a concurrent store publishing a
// good copy — is left alone.
bool discard(const fs::path& path, dev_t dev = 0, ino_t ino = 0) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return false;
    if (ino != 0 && (st.st_dev != dev || st.st_ino != ino)) return false;
    std::error_code ec;
    bool removed = S_ISDIR(st.st_mode) ? fs::remove_all(path, ec) > 0 : fs::remove(path, ec);
    if (ec) log().warn("cannot remove {}: {}", path.string(), ec.message());
    return removed;
}

// A name no other writer uses: the pid and a counter separate threads and processes on this host,
// the random part processes in other containers or hosts sharing the directory.
std::string temp_suffix() {
    static std::atomic<std::uint64_t> counter{0};
    thread_local std::mt19937_64 rng = [] {
        std::uint64_t seed =
            static_cast<std::uint64_t>(::getpid()) ^
            static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        try {
            seed ^= std::uint64_t(std::random_device()()) << 32 | std::random_device()();
        } catch (const std::exception&) {
            // No entropy source: the pid, counter and clock still make the name unique here.
        }
        return std::mt19937_64(seed);
    }();
    char buf[80];
    std::snprintf(buf, sizeof buf, ".tmp.%ld.%llu.%016llx", static_cast<long>(::getpid()),
                  static_cast<unsigned long long>(counter.fetch_add(1)),
                  static_cast<unsigned long long>(rng()));
    return buf;
}

// Writes data to a fresh temporary beside target, then renames it over target, so target is
// always either the old file or the complete new one. Logs and returns false on failure.
bool publish(const fs::path& target, std::string_view data) {
    fs::path tmp;
    int fd = -1;
    int err = 0;
    for (int attempt = 0; attempt < 4 && fd < 0; ++attempt) {
        tmp = target;
        tmp += temp_suffix();
        fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        err = errno;
        if (fd < 0 && err != EEXIST) break;
    }
    if (fd < 0) {
        warn_once("write", "cannot create " + tmp.string() + ": " + errno_message(err) +
                               "; kernels are not being cached on disk");
        return false;
    }
    std::string failure;
    for (std::size_t done = 0; done < data.size();) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            failure = "cannot write " + tmp.string() + ": " + errno_message(n < 0 ? errno : EIO);
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    // close() can report a delayed write error (NFS, quotas).
    if (::close(fd) != 0 && failure.empty())
        failure = "cannot write " + tmp.string() + ": " + errno_message(errno);
    if (failure.empty()) {
        std::error_code ec;
        fs::rename(tmp, target, ec);
        if (!ec) return true;
        failure = "cannot rename " + tmp.string() + " to " + target.string() + ": " + ec.message();
    }
    ::unlink(tmp.c_str());
    warn_once("write", failure + "; kernels are not being cached on disk");
    return false;
}

// Creates dir (mode 0700) if needed and checks that it is safe to load code from: a directory
// that someone else can write could be fed a malicious object file. Returns why it is refused,
// or "" when it is fine; *writable says whether we may write into it.
std::string check_dir(const fs::path& dir, bool* writable) {
    *writable = false;
    if (dir.empty()) return "cache directory path is empty";
    const std::string name = dir.string();
    // "a/b/" names the directory b, but its filename() is empty.
    const fs::path target = dir.has_filename() ? dir : dir.parent_path();
    // Parents get the usual permissions; only the cache directory itself must be private.
    std::error_code ec;
    if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
    if (ec) return "cache directory " + name + " cannot be created: " + ec.message();
    if (::mkdir(target.c_str(), 0700) == 0) {
        // mkdir honours the umask; state the mode we mean.
        ::chmod(target.c_str(), 0700);
    } else if (errno != EEXIST) {
        return "cache directory " + name + " cannot be created: " + errno_message(errno);
    }
    struct stat st;
    if (::stat(target.c_str(), &st) != 0)
        return "cache directory " + name + " cannot be accessed: " + errno_message(errno);
    if (!S_ISDIR(st.st_mode)) return "cache directory " + name + " is not a directory";
    if (st.st_uid != ::geteuid())
        return "cache directory " + name + " is owned by another user (uid " +
               std::to_string(st.st_uid) + ")";
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        char mode[16];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return "cache directory " + name + " is writable by other users (mode " + mode + ")";
    }
    if (::access(target.c_str(), R_OK | X_OK) != 0)
        return "cache directory " + name + " is not readable: " + errno_message(errno);
    // Ours but not writable (mode 0500, or a read-only mount, where even root gets EROFS): a
    // cache that was filled elsewhere and is meant to be used read-only.
    *writable = ::access(target.c_str(), W_OK) == 0;
    return "";
}

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

fs::path private_temp_dir() {
    std::error_code ec;
    fs::path tmp = fs::temp_directory_path(ec);
    if (ec) tmp = "/tmp";
    return tmp / ("tensorjit-" + std::to_string(::geteuid()));
}

// Why the metadata of an entry looked up by key does not fit it, or "".
std::string key_mismatch(const Entry& entry, std::string_view key) {
    std::optional<std::string> named = metadata_key(entry.metadata);
    if (!named) return "its metadata names no key";
    // Shortened: the text comes from the file, which may be hostile.
    if (*named != key) return "its metadata names another key, " + named->substr(0, 128);
    return "";
}

// The names in dir (files, directories, anything), or none if it cannot be read.
std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec))
        names.push_back(it->path().filename().string());
    if (ec) log().warn("cannot list cache directory {}: {}", dir.string(), ec.message());
    return names;
}

} // namespace

std::optional<std::string> metadata_key(std::string_view metadata) {
    // Without exceptions: text that is not JSON (or not UTF-8) parses to a discarded value.
    const nlohmann::json json = nlohmann::json::parse(metadata, nullptr, false);
    if (!json.is_object()) return std::nullopt;
    const auto it = json.find("key");
    if (it == json.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

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
    if (!enabled_ || !valid_key(key)) return std::nullopt;
    try {
        const fs::path path = entry_path(key);
        FileRead file = read_file(path);
        if (file.missing) return std::nullopt;
        std::string why = file.error;
        std::optional<Entry> entry;
        if (why.empty()) entry = decode(file.data, &why);
        if (entry) why = key_mismatch(*entry, key);
        if (why.empty()) {
            // The mtime is the last-used time prune() goes by; failing to set it is harmless.
            if (!read_only_) ::utimensat(AT_FDCWD, path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
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
