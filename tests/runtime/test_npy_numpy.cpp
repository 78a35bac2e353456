// .npy/.npz files exchanged with NumPy itself (Debian's python3-numpy, 1.24): tensorjit loads
// what numpy.save / savez / savez_compressed write, NumPy loads what tensorjit writes, and
// tensorjit's .npy files are byte-identical to numpy.save's. The values travel as text beside the
// files (floats as exact hex), so each side checks every element against the other's.
// Without Python and NumPy these tests fail: CI installs python3-numpy (scripts/setup.sh).
#include <tensorjit/npy.hpp>

#include "array_test_util.hpp"
#include "npy_test_util.hpp"
#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace tensorjit;
using namespace npy_test;
using array_test::kAllDTypes;
using tj_test::TempDir;

namespace {

// A Python interpreter that imports NumPy: $TJ_PYTHON, else Debian's /usr/bin/python3 (where
// python3-numpy installs; a python3 earlier on PATH, pyenv's, may lack NumPy), else python3.
std::string python_with_numpy() {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("TJ_PYTHON")) candidates.emplace_back(env);
    candidates.emplace_back("/usr/bin/python3");
    candidates.emplace_back("python3");
    for (const auto& c : candidates)
        if (tj_test::run_command("'" + c + "' -c 'import numpy' >/dev/null 2>&1") == 0) return c;
    FAIL("these tests need Python 3 with NumPy (Debian: apt-get install python3-numpy, as "
         "scripts/setup.sh does; or set TJ_PYTHON to an interpreter that has it)");
    return {};
}

// Runs a Python script with the directory as its argument; the script exits non-zero on failure.
void run_python(const std::string& script, const std::filesystem::path& dir) {
    const std::string python = python_with_numpy();
    const auto file = dir / "script.py";
    write_bytes(file, script);
    std::string out;
    const int status = tj_test::run_command(
        "'" + python + "' '" + file.string() + "' '" + dir.string() + "' 2>&1", &out);
    INFO("python output:\n" << out);
    REQUIRE(status == 0);
}

// Writes, for each array, a .npy file, its values in C order, and how NumPy must see it.
const char* const kNumpyWrites = R"PY(
import sys
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(5)
dtypes = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
          'float32', 'float64']
shapes = [(), (0,), (7,), (2, 3), (2, 3, 4), (3, 0, 2)]

def values(dt, shape):
    n = int(np.prod(shape))
    if dt == 'bool':
        v = rng.integers(0, 2, n).astype(bool)
    elif dt[0] in 'iu':
        info = np.iinfo(dt)
        v = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
        v[:2] = [info.min, info.max][:n]
    else:
        v = (rng.standard_normal(n) * 1e3).astype(dt)
        fi = np.finfo(dt)
        special = np.array([np.nan, -0.0, np.inf, -np.inf, fi.tiny / 4, fi.max], dtype=dt)
        v[:min(n, 6)] = special[:min(n, 6)]
    return v.reshape(shape)

def text(x, dt):
    if dt == 'bool':
        return '1' if x else '0'
    if dt.startswith('float'):
        return float(x).hex()
    return str(int(x))

manifest = []
def record(label, a):
    c = a.copy(order='C')  # np.ascontiguousarray would make a 0-d array 1-d
    fortran = a.ndim >= 2 and a.size > 0 and a.flags.f_contiguous and not a.flags.c_contiguous
    manifest.append(' '.join([label, c.dtype.name, 'F' if fortran else 'C', str(c.ndim)] +
                             [str(d) for d in c.shape] +
                             [text(x, c.dtype.name) for x in c.ravel()]))

members = {}
for dt in dtypes:
    for i, shape in enumerate(shapes):
        a = values(dt, shape)
        variants = {'C': a, 'F': np.array(a, order='F')}
        if a.dtype.itemsize > 1:
            variants['BE'] = a.astype(a.dtype.newbyteorder('>'))
            variants['BEF'] = np.array(variants['BE'], order='F')
        if a.ndim >= 2 and a.shape[-1] > 1:
            variants['strided'] = a[..., ::2]
        for v, arr in variants.items():
            label = f'{dt}_{i}_{v}'
            np.save(f'{out}/{label}.npy', arr)
            record(label + '.npy', arr)
            members[label] = arr
np.savez(f'{out}/stored.npz', **members)
np.savez_compressed(f'{out}/compressed.npz', **members)
for label, arr in members.items():
    record('stored.npz:' + label, arr)
    record('compressed.npz:' + label, arr)
with open(f'{out}/manifest.txt', 'w') as f:
    f.write('\n'.join(manifest) + '\n')
)PY";

// Loads what tensorjit wrote, compares with the manifest, and compares each .npy file's bytes
// with numpy.save's for the same array.
const char* const kNumpyReads = R"PY(
import io
import sys
import zipfile
import numpy as np

d = sys.argv[1]
errors = []
archives = {}
members = {}
checked = 0

def parse(dt, toks):
    if dt == 'bool':
        return np.array([t == '1' for t in toks], dtype=bool)
    if dt.startswith('float'):
        return np.array([float(t) if t.lstrip('-') in ('nan', 'inf') else float.fromhex(t)
                         for t in toks], dtype=dt)
    return np.array([int(t) for t in toks], dtype=dt)

for line in open(f'{d}/manifest.txt'):
    toks = line.split()
    label, dt, order, ndim = toks[0], toks[1], toks[2], int(toks[3])
    shape = tuple(int(t) for t in toks[4:4 + ndim])
    expected = parse(dt, toks[4 + ndim:]).reshape(shape)
    if ':' in label:
        name, member = label.split(':', 1)
        if name not in archives:
            archives[name] = np.load(f'{d}/{name}')
        members.setdefault(name, set()).add(member)
        a = archives[name][member]
    else:
        a = np.load(f'{d}/{label}')
        same = np.array(expected, order='F') if order == 'F' else expected
        buf = io.BytesIO()
        np.save(buf, same)
        if buf.getvalue() != open(f'{d}/{label}', 'rb').read():
            errors.append(f'{label}: the bytes differ from numpy.save of the same array')
    checked += 1
    if a.dtype != np.dtype(dt) or a.shape != shape:
        errors.append(f'{label}: got {a.dtype} {a.shape}, expected {dt} {shape}')
        continue
    if dt.startswith('float'):
        nan = np.isnan(expected)
        ok = (np.array_equal(np.isnan(a), nan) and np.array_equal(a[~nan], expected[~nan]) and
              np.array_equal(np.signbit(a[~nan]), np.signbit(expected[~nan])))
    else:
        ok = np.array_equal(a, expected)
    if not ok:
        errors.append(f'{label}: values differ: {a!r} expected {expected!r}')
    if order == 'F' and not a.flags.f_contiguous:
        errors.append(f'{label}: not loaded in Fortran order')

for name, npz in archives.items():
    if set(npz.files) != members[name]:
        errors.append(f'{name}: members {sorted(npz.files)}, expected {sorted(members[name])}')
    with zipfile.ZipFile(f'{d}/{name}') as z:
        bad = z.testzip()
        if bad is not None:
            errors.append(f'{name}: CRC error in {bad}')
        method = zipfile.ZIP_DEFLATED if name.startswith('compressed') else zipfile.ZIP_STORED
        for info in z.infolist():
            if info.compress_type != method:
                errors.append(f'{name}: {info.filename} has method {info.compress_type}')

print(f'numpy {np.__version__}: checked {checked} arrays')
if errors or checked == 0:
    print('\n'.join(errors[:40]))
    sys.exit(1)
)PY";

// The manifest's text of element i of a C-contiguous array.
std::string element_text(const Array& c, std::int64_t i) {
    return visit_dtype(c.dtype(), [&](auto zero) -> std::string {
        using T = decltype(zero);
        const T v = static_cast<const T*>(c.raw_data())[i];
        if constexpr (std::is_same_v<T, bool>)
            return v ? "1" : "0";
        else if constexpr (std::is_floating_point_v<T>) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%a", static_cast<double>(v));
            return buf;
        } else
            return std::to_string(v);
    });
}

// Whether element i of a C-contiguous array is the manifest's text (exactly; NaN is any NaN).
bool element_matches(const Array& c, std::int64_t i, const std::string& text) {
    return visit_dtype(c.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T v = static_cast<const T*>(c.raw_data())[i];
        if constexpr (std::is_same_v<T, bool>)
            return text == (v ? "1" : "0");
        else if constexpr (std::is_floating_point_v<T>) {
            const double want = std::strtod(text.c_str(), nullptr);
            if (std::isnan(want)) return std::isnan(v);
            return static_cast<double>(v) == want && std::signbit(v) == std::signbit(want);
        } else if constexpr (std::is_signed_v<T>)
            return static_cast<long long>(v) == std::stoll(text);
        else
            return static_cast<unsigned long long>(v) == std::stoull(text);
    });
}

// Values with the extremes of the dtype first.
Array sample(std::mt19937_64& rng, DType t, const Dims& shape) {
    Array a = is_float(t) ? tj_test::random_array(rng, t, shape, -1e3, 1e3)
                          : tj_test::random_array(rng, t, shape, 0, is_bool(t) ? 2 : 100);
    visit_dtype(t, [&](auto zero) {
        using T = decltype(zero);
        T* p = static_cast<T*>(a.raw_data());
        std::vector<T> special;
        if constexpr (std::is_floating_point_v<T>)
            special = {std::numeric_limits<T>::quiet_NaN(), T(-0.0),
                       std::numeric_limits<T>::infinity(), std::numeric_limits<T>::denorm_min(),
                       std::numeric_limits<T>::lowest()};
        else if constexpr (!std::is_same_v<T, bool>)
            special = {std::numeric_limits<T>::min(), std::numeric_limits<T>::max()};
        for (std::size_t i = 0; i < special.size() && std::int64_t(i) < a.size(); ++i)
            p[i] = special[i];
    });
    return a;
}

} // namespace

TEST_CASE("npy: tensorjit loads the .npy and .npz files NumPy writes", "[npy]") {
    TempDir dir;
    run_python(kNumpyWrites, dir.path());
    std::ifstream manifest(dir.path() / "manifest.txt");
    std::map<std::string, std::map<std::string, Array>> archives;
    int files = 0, members = 0;
    for (std::string line; std::getline(manifest, line);) {
        std::istringstream in(line);
        std::string label, dtype, order;
        int ndim = 0;
        in >> label >> dtype >> order >> ndim;
        Dims shape;
        for (int k = 0; k < ndim; ++k) {
            std::int64_t e = 0;
            in >> e;
            shape.push_back(e);
        }
        INFO(label);
        Array a;
        if (const auto colon = label.find(':'); colon != std::string::npos) {
            const std::string file = label.substr(0, colon), member = label.substr(colon + 1);
            if (!archives.count(file)) archives[file] = load_npz(dir.path() / file);
            REQUIRE(archives[file].count(member) == 1);
            a = archives[file].at(member);
            ++members;
        } else {
            a = load_npy(dir.path() / label);
            ++files;
        }
        REQUIRE(dtype_name(a.dtype()) == dtype);
        REQUIRE(a.shape() == shape);
        // Fortran-order data loads with Fortran strides, as in NumPy.
        if (order == "F") CHECK(!a.is_c_contiguous());
        const Array c = a.copy();
        std::int64_t mismatches = 0, first = -1;
        std::string text, first_text;
        for (std::int64_t i = 0; in >> text; ++i) {
            if (i >= c.size() || !element_matches(c, i, text)) {
                if (first < 0) first = i, first_text = text;
                ++mismatches;
            }
        }
        INFO("first mismatch at " << first << ": expected " << first_text);
        CHECK(mismatches == 0);
    }
    CHECK(files > 200);
    CHECK(members == 2 * files);
    CHECK(archives.size() == 2);
}

TEST_CASE("npy: NumPy loads what tensorjit writes, and numpy.save writes the same bytes", "[npy]") {
    TempDir dir;
    std::mt19937_64 rng(3);
    const std::vector<Dims> shapes = {{}, {0}, {7}, {2, 3}, {2, 3, 4}, {3, 0, 2}};
    std::vector<std::pair<std::string, Array>> arrays;
    std::string manifest;
    auto record = [&](const std::string& label, const Array& a, bool fortran) {
        const Array c = a.copy();
        manifest += label + " " + std::string(dtype_name(a.dtype())) + (fortran ? " F " : " C ") +
                    std::to_string(a.ndim());
        for (std::int64_t e : a.shape()) manifest += " " + std::to_string(e);
        for (std::int64_t i = 0; i < c.size(); ++i) manifest += " " + element_text(c, i);
        manifest += "\n";
    };
    for (DType t : kAllDTypes)
        for (std::size_t s = 0; s < shapes.size(); ++s) {
            const Dims& shape = shapes[s];
            const std::string stem = std::string(dtype_name(t)) + "_" + std::to_string(s);
            std::vector<std::tuple<std::string, Array, bool>> variants;
            variants.emplace_back("C", sample(rng, t, shape), false);
            // The transpose of a C-contiguous array of the reversed shape: Fortran-contiguous.
            Dims reversed = shape;
            std::reverse(reversed.begin(), reversed.end());
            variants.emplace_back("F", sample(rng, t, reversed).transpose(), true);
            if (shape.size() >= 2 && shape[shape.size() - 1] > 1) {
                Dims wide = shape;
                wide[wide.size() - 1] *= 2;
                variants.emplace_back(
                    "strided", sample(rng, t, wide).slice(-1, 0, wide[wide.size() - 1], 2), false);
            }
            for (const auto& [v, a, fortran] : variants) {
                const std::string label = stem + "_" + v;
                save_npy(dir.path() / (label + ".npy"), a);
                record(label + ".npy", a, fortran);
                arrays.emplace_back(label, a);
            }
        }
    save_npz(dir.path() / "stored.npz", arrays);
    save_npz(dir.path() / "compressed.npz", arrays, true);
    for (const auto& [label, a] : arrays) {
        const bool fortran = label.ends_with("_F");
        record("stored.npz:" + label, a, fortran);
        record("compressed.npz:" + label, a, fortran);
    }
    write_bytes(dir.path() / "manifest.txt", manifest);
    run_python(kNumpyReads, dir.path());
}
