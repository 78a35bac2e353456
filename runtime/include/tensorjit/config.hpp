/// \file
/// Process-wide settings, as PyTensor's `pytensor.config`: `tj::config().floatX`.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/dtype.hpp>

#include <atomic>

TJ_API_BEGIN
namespace tensorjit {

/// A float dtype setting: Float32 or Float64. Assigning another dtype is a ValueError. Reads and
/// writes are atomic (no lock): any thread may read it while another assigns it.
class FloatXSetting {
  public:
    explicit FloatXSetting(DType initial);
    FloatXSetting(const FloatXSetting&) = delete;
    FloatXSetting& operator=(const FloatXSetting&) = delete;
    /// `tj::config().floatX = tj::DType::Float32;`
    FloatXSetting& operator=(DType dtype);
    /// `tj::DType t = tj::config().floatX;`
    operator DType() const { return value_.load(std::memory_order_relaxed); }
    DType get() const { return *this; }

  private:
    std::atomic<DType> value_;
};

/// The settings of this process.
///
/// They are globals rather than FunctionOptions because they act when a graph is built, before
/// any function exists: `tj::vector()` fixes its variable's dtype when it is called, and the
/// function compiled later only sees that type (as in PyTensor, where config.floatX is read by
/// the constructors, not by pytensor.function).
struct Config {
    /// PyTensor's config.floatX: the dtype of the float tensors made without a dtype:
    /// tj::scalar(), vector(), matrix(), tensor3(), tensor4() and tj::zeros(), ones(), eye()
    /// without a dtype argument, the float random variables of tj::RandomStream (uniform, normal,
    /// exponential, gamma, beta: drawn as float64 and rounded, as PyTensor does) and the float
    /// arrays of tj::Generator (the float64 draws rounded; NumPy's float32 algorithms, its
    /// dtype=np.float32, are not implemented). The prefixed constructors (dvector, fmatrix...),
    /// tj::shared (the value's dtype) and C++ scalars in expressions (weak: they take the dtype
    /// of the tensor they meet) do not read it. Initially the TJ_FLOATX environment variable
    /// ("float32" or "float64"), float64 when unset.
    FloatXSetting floatX;

    explicit Config(DType floatx) : floatX(floatx) {}
};

/// The settings. The first call reads the environment; a bad TJ_FLOATX makes every call a
/// ValueError naming it.
Config& config();

} // namespace tensorjit
TJ_API_END
