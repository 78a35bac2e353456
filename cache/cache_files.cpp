// The disk cache's file operations (cache_files.hpp).
#include "cache/cache_files.hpp"

#include "cache/entry_format.hpp"
#include "runtime/log.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tensorjit::cache::detail {

namespace {

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

} // namespace

std::string errno_message(int err) {
    return std::error_code(err, std::generic_category()).message();
}

bool valid_key(std::string_view key) {
    if (key.size() < 16 || key.size() > 128) return false;
    return std::all_of(key.begin(), key.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string_view key_of(std::string_view name, std::string_view ext) {
    if (name.size() <= ext.size() || name.substr(name.size() - ext.size()) != ext) return {};
    std::string_view key = name.substr(0, name.size() - ext.size());
    return valid_key(key) ? key : std::string_view();
}

bool is_temporary(std::string_view name) {
    std::size_t at = name.find(kTempMarker);
    if (at == std::string_view::npos) return false;
    std::string_view target = name.substr(0, at);
    return !key_of(target, kEntryExt).empty() || !key_of(target, kSourceExt).empty();
}

FileRead read_file(const fs::path& path, bool code_only) {
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
            r.size = size;
            r.data.resize(std::min(size, kHeaderSize));
            std::size_t got = read_some(fd, r.data, 0, &r.error);
            if (r.error.empty() && got == kHeaderSize) {
                r.error = check_header(r.data, size);
                if (r.error.empty()) {
                    r.data.resize(code_only ? section_offset(r.data, kSource) : size);
                    got = read_some(fd, r.data, got, &r.error);
                }
            }
            // Shorter than fstat said: decode() or decode_code() reports the truncation.
            r.data.resize(got);
        }
    }
    ::close(fd);
    return r;
}

bool discard(const fs::path& path, dev_t dev, ino_t ino) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return false;
    if (ino != 0 && (st.st_dev != dev || st.st_ino != ino)) return false;
    std::error_code ec;
    bool removed = S_ISDIR(st.st_mode) ? fs::remove_all(path, ec) > 0 : fs::remove(path, ec);
    if (ec) log().warn("cannot remove {}: {}", path.string(), ec.message());
    return removed;
}

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

fs::path private_temp_dir() {
    std::error_code ec;
    fs::path tmp = fs::temp_directory_path(ec);
    if (ec) tmp = "/tmp";
    return tmp / ("tensorjit-" + std::to_string(::geteuid()));
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec))
        names.push_back(it->path().filename().string());
    if (ec) log().warn("cannot list cache directory {}: {}", dir.string(), ec.message());
    return names;
}

} // namespace tensorjit::cache::detail
