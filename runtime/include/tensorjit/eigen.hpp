/// \file
/// Eigen interop without copies (optional: include it where Eigen is available; tensorjit itself
/// never includes Eigen, and <tensorjit/tensorjit.hpp> does not include this header).
///
/// - tj::wrap(m): a tj::Array viewing an Eigen matrix, vector, Map, Ref or Block with direct
///   access to its memory, with its strides: Eigen's default column-major storage gives an array
///   in Fortran order, RowMajor a C-order one. Vectors (known as such at compile time) give 1-d
///   arrays, everything else 2-d. Read-only when the expression's memory is const (a const
///   matrix, an Eigen::Map<const ...>). A temporary matrix would dangle: it does not compile.
/// - tj::as_eigen_map<T>(a): an Eigen::Map over a 1-d (as one column) or 2-d array of dtype T
///   with its strides; T = `const double` for read-only access (a non-const T needs a writable
///   array). tj::as_eigen_vector<T>(a) maps a 1-d array as a vector.
/// Both view the same memory: keep its owner alive while the view is used (tj::wrap takes an
/// optional keep_alive, as Array::wrap does).
#pragma once

#include <tensorjit/array.hpp>

#include <Eigen/Core>

#include <memory>
#include <type_traits>
#include <utility>

namespace tensorjit {

/// An array viewing the memory of an Eigen dense object, without a copy.
template <class E, class D = std::remove_cvref_t<E>,
          class = std::enable_if_t<std::is_base_of_v<Eigen::DenseBase<D>, D>>>
Array wrap(E&& m, std::shared_ptr<void> keep_alive = {}) {
    static_assert(
        !(std::is_rvalue_reference_v<E&&> && std::is_base_of_v<Eigen::PlainObjectBase<D>, D>),
        "tj::wrap: a temporary Eigen matrix would dangle: wrap a named one");
    static_assert(static_cast<bool>(D::Flags & Eigen::DirectAccessBit),
                  "tj::wrap: the Eigen expression has no memory of its own: evaluate it into a "
                  "matrix first");
    using Scalar = typename D::Scalar;
    constexpr auto item = static_cast<std::int64_t>(sizeof(Scalar));
    // data() is const Scalar* for a const object or a map of const: a read-only array.
    auto* data = m.data();
    if constexpr (D::IsVectorAtCompileTime) {
        return Array::wrap(data, dtype_v<Scalar>, {static_cast<std::int64_t>(m.size())},
                           {static_cast<std::int64_t>(m.innerStride()) * item},
                           std::move(keep_alive));
    } else {
        const auto inner = static_cast<std::int64_t>(m.innerStride()) * item;
        const auto outer = static_cast<std::int64_t>(m.outerStride()) * item;
        return Array::wrap(
            data, dtype_v<Scalar>,
            {static_cast<std::int64_t>(m.rows()), static_cast<std::int64_t>(m.cols())},
            D::IsRowMajor ? Dims{outer, inner} : Dims{inner, outer}, std::move(keep_alive));
    }
}

/// The Eigen::Map type as_eigen_map returns: a column-major dynamic matrix with run-time strides.
template <class T>
using EigenMap = Eigen::Map<
    std::conditional_t<std::is_const_v<T>,
                       const Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, Eigen::Dynamic>,
                       Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>,
    Eigen::Unaligned, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;
/// The Eigen::Map type as_eigen_vector returns.
template <class T>
using EigenVectorMap =
    Eigen::Map<std::conditional_t<std::is_const_v<T>,
                                  const Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, 1>,
                                  Eigen::Matrix<T, Eigen::Dynamic, 1>>,
               Eigen::Unaligned, Eigen::InnerStride<Eigen::Dynamic>>;

namespace eigen_detail {
// The typed pointer: TypeError when T is not the array's dtype, ValueError for write access to a
// read-only array (Array::data / cdata).
template <class T> T* pointer(const Array& a) {
    if constexpr (std::is_const_v<T>)
        return a.cdata<std::remove_const_t<T>>();
    else
        return a.data<T>();
}
[[noreturn]] inline void bad_map(const Array& a, const char* what, const char* why) {
    TJ_THROW(ValueError) << what << ": cannot map an array of shape " << shape_str(a.shape())
                         << " and strides " << shape_str(a.strides()) << ": " << why;
}
inline void check_strides(const Array& a, const char* what) {
    for (int d = 0; d < a.ndim(); ++d)
        if (a.strides()[d] < 0) bad_map(a, what, "Eigen needs non-negative strides");
}
} // namespace eigen_detail

/// An Eigen::Map over a 1-d (as one column) or 2-d array of dtype T, with its strides.
template <class T> EigenMap<T> as_eigen_map(const Array& a) {
    if (a.ndim() != 1 && a.ndim() != 2) eigen_detail::bad_map(a, "as_eigen_map", "not 1-d or 2-d");
    eigen_detail::check_strides(a, "as_eigen_map");
    T* p = eigen_detail::pointer<T>(a);
    const Eigen::Index rows = a.shape(0), cols = a.ndim() == 2 ? a.shape(1) : 1;
    const Eigen::Index inner = a.strides()[0], outer = a.ndim() == 2 ? a.strides()[1] : rows;
    return EigenMap<T>(p, rows, cols, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(outer, inner));
}

/// An Eigen::Map over a 1-d array of dtype T as a column vector, with its stride.
template <class T> EigenVectorMap<T> as_eigen_vector(const Array& a) {
    if (a.ndim() != 1) eigen_detail::bad_map(a, "as_eigen_vector", "not 1-d");
    eigen_detail::check_strides(a, "as_eigen_vector");
    return EigenVectorMap<T>(eigen_detail::pointer<T>(a), a.shape(0),
                             Eigen::InnerStride<Eigen::Dynamic>(a.strides()[0]));
}

} // namespace tensorjit
