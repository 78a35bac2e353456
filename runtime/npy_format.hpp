/// \file
/// The `.npy` format on byte streams (internal header): what save_npy/load_npy put in a file and
/// what an `.npz` archive holds in each member (npz.cpp). The format is NumPy's
/// (numpy.lib.format): the magic "\x93NUMPY", a version, a little-endian header length, a
/// Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': ...} padded with spaces
/// and a newline so that the data starts at a multiple of 64 bytes, then the raw elements.
#pragma once

#include <tensorjit/array.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace tensorjit {

class InputFile;

namespace npy {

/// Where an `.npy` image is written to.
class Sink {
  public:
    virtual ~Sink() = default;
    virtual void write(const void* data, std::size_t n) = 0;
};

/// Where an `.npy` image is read from.
class Source {
  public:
    virtual ~Source() = default;
    /// How many bytes the source can still deliver at most: the reader refuses a header whose
    /// data would not fit before allocating for it.
    virtual std::uint64_t remaining() const = 0;
    /// Reads up to n bytes into dst; returns how many were read (fewer than n only at the end).
    /// Throws ValueError naming the file on a read error or corrupt (compressed) data.
    virtual std::size_t read(void* dst, std::size_t n) = 0;
};

/// The header numpy.save writes for `array` (magic to final newline), and whether the data
/// follows in Fortran order (an F-contiguous array that is not C-contiguous).
std::string header_for(const Array& array, bool* fortran_order);

/// Writes the `.npy` image of `array`: header_for's header, then the elements.
void write_npy(Sink& out, const Array& array);

/// Reads one `.npy` image, and no byte beyond its data. `where` starts every error message (the
/// file's path, and the member of an `.npz`).
Array read_npy(Source& in, const std::string& where);

/// The bytes [begin, end) of a file as a Source.
class FileRangeSource final : public Source {
  public:
    FileRangeSource(const InputFile& file, std::uint64_t begin, std::uint64_t end)
        : file_(file), pos_(begin), end_(end) {}
    std::uint64_t remaining() const override { return end_ - pos_; }
    std::size_t read(void* dst, std::size_t n) override;

  private:
    const InputFile& file_;
    std::uint64_t pos_, end_;
};

} // namespace npy
} // namespace tensorjit
