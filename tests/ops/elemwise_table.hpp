/// \file
/// The element-wise op table: the record type and the dtype shorthands. The records themselves
/// are in elemwise_table.cpp (its header comment says how to add an op); test_elemwise_table.cpp
/// runs every suite on every record.
#pragma once

#include <tensorjit/tensorjit.hpp>

#include <array>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace tj_test::elemwise {

using tj::DType;

constexpr DType B = DType::Bool, I8 = DType::Int8, I16 = DType::Int16, I32 = DType::Int32,
                I64 = DType::Int64, U8 = DType::UInt8, U16 = DType::UInt16, U32 = DType::UInt32,
                U64 = DType::UInt64, F32 = DType::Float32, F64 = DType::Float64;
/// A dtype-table result meaning "the build raises a TypeError".
constexpr DType Err = static_cast<DType>(255);
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Input dtype lists of the JIT suite.
inline const std::vector<DType> kAll = {B, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64};
inline const std::vector<DType> kNoBool = {I8, I16, I32, I64, U8, U16, U32, U64, F32, F64};
inline const std::vector<DType> kIntBool = {B, I8, I16, I32, I64, U8, U16, U32, U64};
inline const std::vector<DType> kNumeric = {I8, I16, I32, I64, U8, U32, F32, F64};
inline const std::vector<DType> kSigned = {I8, I32, I64, F32, F64};
inline const std::vector<DType> kFloats = {F32, F64};

/// One dtype-table entry: the result dtype (or Err) of the op for these input dtypes.
struct TypeRow {
    std::vector<DType> in;
    DType out;
};

/// The input pairs of the binary dtype rows.
inline const std::vector<std::array<DType, 2>> kPairs = {
    {B, B},     {B, I8},  {I8, U8},  {I32, I64}, {U64, I64}, {I64, F32},
    {I16, F32}, {U8, U8}, {I8, I16}, {F32, F64}, {U32, I32}, {U16, U64}};

/// Unary rows: the result for each input dtype of kAll, in order.
std::vector<TypeRow> over_all(const std::array<DType, 11>& out);
/// Binary rows: the result for each pair of kPairs, in order.
std::vector<TypeRow> over_pairs(const std::array<DType, 12>& out);

/// An edge value: the op on inputs `in` (every one of dtype `dtype`) gives `want`. A zero's
/// sign is checked (signbit), NaN matches NaN, infinities match exactly.
struct Edge {
    DType dtype;
    std::vector<double> in;
    double want;
};

/// The gradient suite's settings.
struct GradSpec {
    /// 0: no gradient test; 1: verify_grad; 2: also the gradient of the gradient with respect
    /// to each input.
    int order = 0;
    /// Point shapes; empty: a matrix for unary ops, static-1 broadcasting for the others.
    std::vector<tj::Dims> shapes = {};
    /// The points' domain; unset: the record's [lo, hi).
    std::optional<double> lo = {}, hi = {};
};

using Build = std::function<tj::Var(const std::vector<tj::Var>&)>;

/// One element-wise op (or one variant of it): everything every suite needs.
struct ElemwiseRecord {
    std::string name; ///< the op, or "op (variant)"; the tag is the op: [op]
    int arity;
    Build build;                ///< the op on `arity` inputs
    std::vector<DType> dtypes;  ///< input dtypes of the JIT suite; empty: no JIT suite
    double lo = -1, hi = 1;     ///< domain of the random inputs (integers: [floor lo, ceil hi))
    std::vector<TypeRow> types; ///< NumPy's result dtypes; empty: no dtype suite
    GradSpec grad = {};         ///< gradient settings; order 0: no gradient suite
    double tol = 1;             ///< multiplies the JIT suite's per-dtype relative tolerance
    /// The JIT suite also compiles without the graph rewrites (for the arithmetic that the
    /// rewrites turn into other ops); it doubles the suite's compiles.
    bool without_rewrites = false;
    std::vector<Edge> edges = {}; ///< hand-checked values; empty: no edge suite
};

/// The table: every element-wise op of the library.
const std::vector<ElemwiseRecord>& elemwise_records();

/// The tag of a record: its name up to the first space.
inline std::string op_tag(const ElemwiseRecord& r) { return r.name.substr(0, r.name.find(' ')); }

} // namespace tj_test::elemwise
