// Binary files over POSIX descriptors: pread/pwrite keep no shared position, and errno gives the
// reason a read or write failed (iostreams only set a failbit).
#include "runtime/binary_file.hpp"

#include <tensorjit/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tensorjit {

namespace {

// pread/pwrite take at most SSIZE_MAX bytes, and Linux moves at most ~2 GiB per call anyway.
constexpr std::size_t kMaxIo = std::size_t{1} << 30;

} // namespace

InputFile::InputFile(const std::filesystem::path& path) : name_(path.string()) {
    do {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd_ < 0 && errno == EINTR);
    TJ_CHECK(fd_ >= 0, ValueError)
        << name_ << ": cannot open for reading: " << std::strerror(errno);
    struct stat st {};
    const bool stat_ok = ::fstat(fd_, &st) == 0;
    const int err = errno;
    if (!stat_ok || !S_ISREG(st.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        // The formats need the size and random access: a pipe or a directory has neither.
        TJ_THROW(ValueError) << name_ << ": cannot read: "
                             << (stat_ok ? "not a regular file" : std::strerror(err));
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
}

InputFile::~InputFile() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t InputFile::read_at(std::uint64_t offset, void* dst, std::size_t n) const {
    std::size_t done = 0;
    auto* out = static_cast<char*>(dst);
    while (done < n) {
        const std::size_t want = std::min(n - done, kMaxIo);
        const ssize_t got = ::pread(fd_, out + done, want, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) continue;
        TJ_CHECK(got >= 0, ValueError) << name_ << ": read error: " << std::strerror(errno);
        if (got == 0) break;
        done += static_cast<std::size_t>(got);
    }
    return done;
}

OutputFile::OutputFile(const std::filesystem::path& path) : name_(path.string()) {
    do {
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    } while (fd_ < 0 && errno == EINTR);
    TJ_CHECK(fd_ >= 0, ValueError)
        << name_ << ": cannot open for writing: " << std::strerror(errno);
}

OutputFile::~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
}

void OutputFile::write(const void* data, std::size_t n) {
    write_at(offset_, data, n);
    offset_ += n;
}

void OutputFile::write_at(std::uint64_t offset, const void* data, std::size_t n) {
    std::size_t done = 0;
    const auto* in = static_cast<const char*>(data);
    while (done < n) {
        const std::size_t want = std::min(n - done, kMaxIo);
        const ssize_t put = ::pwrite(fd_, in + done, want, static_cast<off_t>(offset + done));
        if (put < 0 && errno == EINTR) continue;
        TJ_CHECK(put > 0, ValueError)
            << name_ << ": write error: " << (put < 0 ? std::strerror(errno) : "nothing written");
        done += static_cast<std::size_t>(put);
    }
}

void OutputFile::close() {
    const int fd = fd_;
    fd_ = -1;
    TJ_CHECK(::close(fd) == 0, ValueError) << name_ << ": write error: " << std::strerror(errno);
}

} // namespace tensorjit
