/// \file
/// Binary files for the array formats (internal header): positioned reads of a regular file and
/// sequential writes with back-patching, over POSIX file descriptors. Every failure throws
/// tj::ValueError whose message starts with the file's path, the one error type callers of
/// tj::load_npy and friends catch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace tensorjit {

/// A regular file opened for reading; its size is taken once, at open.
class InputFile {
  public:
    explicit InputFile(const std::filesystem::path& path);
    ~InputFile();
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    /// The path as given, for messages.
    const std::string& name() const { return name_; }
    std::uint64_t size() const { return size_; }
    /// Reads up to n bytes at offset into dst; returns how many were read (fewer than n only at
    /// the end of the file).
    std::size_t read_at(std::uint64_t offset, void* dst, std::size_t n) const;

  private:
    std::string name_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

/// A file created (or truncated) for writing. Written sequentially; write_at patches bytes
/// already written (the sizes and checksums of a ZIP member's local header).
class OutputFile {
  public:
    explicit OutputFile(const std::filesystem::path& path);
    /// Closes without the check of close(): call close() to see errors.
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    const std::string& name() const { return name_; }
    /// Bytes written so far (the offset of the next write).
    std::uint64_t offset() const { return offset_; }
    void write(const void* data, std::size_t n);
    void write_at(std::uint64_t offset, const void* data, std::size_t n);
    /// Closes the file; a delayed write error (full disk on NFS) surfaces here.
    void close();

  private:
    std::string name_;
    int fd_ = -1;
    std::uint64_t offset_ = 0;
};

} // namespace tensorjit
