/// \file
/// NumPy's file formats for arrays: `.npy` (one array, numpy.save / numpy.load) and `.npz` (a ZIP
/// archive of `.npy` members, numpy.savez / numpy.savez_compressed), read and written
/// byte-compatibly with NumPy 1.24. Every dtype of tensorjit has a NumPy equivalent; NumPy's
/// other dtypes (float16, complex, strings, objects, structured records) cannot be loaded.
///
///     tj::save_npz("model.npz", {{"w", w}, {"b", b}});
///     auto params = tj::load_npz("model.npz"); // params.at("w"), params.at("b")
///
/// A file that cannot be read or written, or that is not a valid file of the format, raises
/// tj::ValueError whose message starts with the file's path (and names the member for a
/// `.npz`), followed by what is wrong.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/array.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

/// Writes `array` as an `.npy` file (format version 1.0; 2.0 if the header needed more than
/// 65535 bytes), with the bytes numpy.save writes for the same array: a C-contiguous or
/// non-contiguous array is written in C order, a Fortran-contiguous one (a transposed view) in
/// Fortran order with `fortran_order: True`. Values are in the machine's byte order, which the
/// header records. Replaces an existing file.
void save_npy(const std::filesystem::path& path, const Array& array);

/// Reads an `.npy` file of format version 1.0, 2.0 or 3.0 and any byte order. A file in Fortran
/// order gives an array with Fortran strides (as numpy.load does: a transposed view of its own
/// buffer); bytes after the array's data are ignored, as NumPy ignores them.
Array load_npy(const std::filesystem::path& path);

/// Writes the arrays as an `.npz` archive, one member `<name>.npy` per array in the given order,
/// stored (numpy.savez) or, with `compressed`, deflated (numpy.savez_compressed). Names must be
/// distinct. Replaces an existing file.
void save_npz(const std::filesystem::path& path,
              const std::vector<std::pair<std::string, Array>>& arrays, bool compressed = false);

/// Reads every member of an `.npz` archive (stored or deflated), keyed by the member's name
/// without its `.npy` suffix. Every member's CRC-32 is checked. An archive whose members are not
/// all `.npy` files (numpy.load would hand those out as raw bytes) raises ValueError naming the
/// member.
std::map<std::string, Array> load_npz(const std::filesystem::path& path);

} // namespace tensorjit
TJ_API_END
