/// \file
/// Compiled functions: tj::function(inputs, outputs, options), In (defaults and names),
/// keyword arguments, shared variables with updates, givens, and copies that share machine code.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/tensor.hpp>

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

struct SharedStorage;
struct GraphFileOptions; // tensorjit/graph_file.hpp

/// A static shape that may be absent: `{1, tj::dyn}`, `{tj::dyn}`, a Dims, or nothing. (Not
/// std::optional<Dims>, which cannot be initialized from a braced list of extents.)
class OptionalShape {
  public:
    OptionalShape() = default;
    OptionalShape(std::nullopt_t) {}
    OptionalShape(std::initializer_list<std::int64_t> extents) : dims_(Dims(extents)) {}
    OptionalShape(const Dims& dims) : dims_(dims) {}
    explicit operator bool() const { return dims_.has_value(); }
    const Dims& operator*() const { return *dims_; }
    const Dims* operator->() const { return &*dims_; }

  private:
    std::optional<Dims> dims_;
};

/// Options of tj::shared: a name and a static shape (`{1, tj::dyn}`; default: the value's rank
/// with every extent dynamic): `tj::shared(v, {.name = "w", .shape = {tj::dyn}})`.
struct SharedOptions {
    std::string name;
    OptionalShape shape;
};

/// Options of SharedVar::get_value: `w.get_value({.borrow = true})`.
struct GetValueOptions {
    /// PyTensor's borrow=True: a read-only view of the current value instead of a copy. The view
    /// is a snapshot that stays valid and unchanged: calls and set_value never write into memory
    /// another tj::Array views (an update that would write in place copies the value first), so
    /// a later update leaves the view with the old value, whose buffer it keeps alive.
    bool borrow = false;
};

/// Options of SharedVar::set_value: `w.set_value(v, {.borrow = true})`.
struct SetValueOptions {
    /// PyTensor's borrow=True: an array of the variable's dtype in C order becomes the value
    /// without a copy (others are copied, as without borrow); calls read its memory in place. It
    /// must be writable (ValueError for a read-only array): once no other tj::Array views it,
    /// updates may write into it.
    bool borrow = false;
};

/// A symbolic variable with a value that persists across calls and is shared by every function
/// that uses it.
class SharedVar : public Var {
  public:
    SharedVar() = default;
    /// A copy of the current value, or with {.borrow = true} a read-only view of it.
    Array get_value(const GetValueOptions& options = {}) const;
    /// Replaces the value by a copy of `value` (or, with {.borrow = true}, by `value` itself).
    /// The dtype must cast safely to the variable's (TypeError otherwise), the rank and the
    /// static extents must match (ShapeError).
    void set_value(const Array& value, const SetValueOptions& options = {});
    /// The storage (internal; used by functions and copies).
    const std::shared_ptr<SharedStorage>& storage() const { return storage_; }

  private:
    friend SharedVar shared(const Array&, SharedOptions);
    friend class SharedAccess;
    std::shared_ptr<SharedStorage> storage_;
};

/// A new shared variable holding a copy of value.
SharedVar shared(const Array& value, SharedOptions options = {});
/// `tj::shared(v, "w")`. A template, so that a braced list (`{.name = "w"}`) only ever means
/// SharedOptions.
template <class S, class = std::enable_if_t<std::is_convertible_v<const S&, std::string>>>
SharedVar shared(const Array& value, const S& name) {
    return shared(value, SharedOptions{std::string(name), std::nullopt});
}

/// A call argument: a C++ scalar, an Array (any strides), a nested initializer list, a
/// std::vector, or a keyword argument (`"w"_a = 1`).
///
/// C++ scalars and braced lists are literals, weakly typed as Python values are in PyTensor: an
/// input of any dtype accepts a literal whose values survive the conversion to its dtype
/// (`f(3)` or `f({1, 2})` for an int32 input, `f({1.0f, 2.0f})` or `f(0.1)` for float32):
/// integers exactly, an integral float into an integer dtype, any float into float64 and,
/// rounded, into float32 within its range. Other values are a TypeError naming the input and the
/// value. A tj::Array or a std::vector has its dtype, which must cast safely to the input's
/// (np.can_cast; int32 into int64, float32 into float64); allow_input_downcast lifts both rules.
class Arg {
  public:
    Arg() = default;
    /// A literal: its kind is Bool, Int64 (signed integers), UInt64 (unsigned), Float32 (float) or
    /// Float64 (double).
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>> Arg(T v) {
        if constexpr (std::is_same_v<T, bool>)
            set_scalar(DType::Bool, v ? 1.0 : 0.0, v ? 1 : 0);
        else if constexpr (std::is_integral_v<T>)
            set_scalar(std::is_signed_v<T> ? DType::Int64 : DType::UInt64, static_cast<double>(v),
                       static_cast<long long>(v));
        else
            set_scalar(std::is_same_v<T, float> ? DType::Float32 : DType::Float64,
                       static_cast<double>(v), 0);
    }
    Arg(const Array& a) : array_(a), kind_(Kind::Array) {}
    /// Literal lists: `{1, 2}` (int64 values), `{1.0f, 2.0f}` (float32), `{{1.0, 2.0}}` (float64).
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    Arg(std::initializer_list<T> v) : Arg(Array(v)) {
        literal_ = true;
    }
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    Arg(std::initializer_list<std::initializer_list<T>> v) : Arg(Array(v)) {
        literal_ = true;
    }
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    Arg(std::initializer_list<std::initializer_list<std::initializer_list<T>>> v) : Arg(Array(v)) {
        literal_ = true;
    }
    template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
    Arg(const std::vector<T>& v) : Arg(Array(v)) {}

    enum class Kind : unsigned char { None, Scalar, Array };
    Kind kind() const { return kind_; }
    /// The keyword ("" for a positional argument).
    std::string_view keyword() const { return keyword_; }
    DType scalar_dtype() const { return scalar_dtype_; }
    double scalar_double() const { return d_; }
    long long scalar_int() const { return i_; }
    const Array& array() const { return *array_; }
    /// True for a braced list (weakly typed, as a C++ scalar).
    bool literal() const { return literal_; }

  private:
    friend struct KeywordName;
    void set_scalar(DType t, double d, long long i) {
        kind_ = Kind::Scalar;
        scalar_dtype_ = t;
        d_ = d;
        i_ = i;
    }
    std::optional<Array> array_;
    double d_ = 0;
    long long i_ = 0;
    std::string_view keyword_;
    Kind kind_ = Kind::None;
    bool literal_ = false;
    DType scalar_dtype_ = DType::Float64;
};

/// An input of a function, with an optional default value and an optional name under which it
/// can be passed as a keyword argument (the variable's own name always works too). The default
/// is a value as a call argument is (Arg): a C++ scalar or a braced list is a literal, accepted
/// when its values survive the conversion to the input's dtype (`tj::In(lr, 0.1)` for a float32
/// input holds 0.1 rounded to float32); a tj::Array must cast safely, or be 0-d and convert
/// exactly.
struct In {
    In(const Var& v) : variable(v) {}
    In(const Var& v, const Arg& default_value, std::string name = "");
    Var variable;
    std::optional<Array> value;
    std::string name;
    /// The default value is a literal (a C++ scalar or a braced list).
    bool literal = false;
};

/// (variable, expression) pairs, given as a braced list, a vector or a std::map.
class Pairs {
  public:
    Pairs() = default;
    Pairs(std::initializer_list<std::pair<Var, Var>> pairs) : pairs_(pairs) {}
    Pairs(std::vector<std::pair<Var, Var>> pairs) : pairs_(std::move(pairs)) {}
    /// Pairs of anything convertible to Var (`std::vector<std::pair<tj::SharedVar, tj::Var>>`).
    template <class K, class V, class A,
              class = std::enable_if_t<std::is_convertible_v<const K&, Var> &&
                                       std::is_convertible_v<const V&, Var>>>
    Pairs(const std::vector<std::pair<K, V>, A>& pairs) : pairs_(pairs.begin(), pairs.end()) {}
    template <class K, class V, class C, class A>
    Pairs(const std::map<K, V, C, A>& m) : pairs_(m.begin(), m.end()) {}
    const std::vector<std::pair<Var, Var>>& items() const { return pairs_; }
    bool empty() const { return pairs_.empty(); }

  private:
    std::vector<std::pair<Var, Var>> pairs_;
};

struct FunctionOptions {
    /// New values of shared variables, computed from the values before the call and applied
    /// together after the outputs.
    Pairs updates;
    /// Replacements of variables or expressions by others of the same type.
    Pairs givens;
    /// Leave out the default updates of random variables' generator states.
    bool no_default_updates = false;
    /// Accept arguments whose conversion to the input's dtype loses precision.
    bool allow_input_downcast = false;
    /// The function's name in error messages.
    std::string name;
    /// Run the graph rewrites (merge, canonicalize, stabilize, constant folding). Off, the graph
    /// is lowered as built (PyTensor's FAST_COMPILE spirit; tests compare both). Unset: on,
    /// unless the environment has TJ_REWRITES=off (as PyTensor's optimizer=None flag).
    std::optional<bool> rewrites;
    /// Profile the function (tensorjit/profile.hpp): count its calls and time their parts, and
    /// time each step of its kernel (fused loops, BLAS calls, other ops) with the bytes it moves;
    /// tj::print_profile prints the table. The kernel is instrumented (another cache entry).
    /// Unset: off, unless the environment has TJ_PROFILE=1 (or on), which also prints the table
    /// to stderr at exit (as PyTensor's profile flag).
    std::optional<bool> profile;
};

struct CopyOptions {
    /// Shared variables to replace by others of the same type in the copy.
    std::vector<std::pair<SharedVar, SharedVar>> swap;
    /// Drop every update (the copy leaves shared variables alone).
    bool delete_updates = false;
};

/// `"name"_a = value` makes a keyword argument.
struct KeywordName {
    std::string_view name;
    Arg operator=(Arg value) const {
        value.keyword_ = name;
        return value;
    }
};
inline namespace literals {
inline KeywordName operator""_a(const char* s, std::size_t n) { return {std::string_view(s, n)}; }
} // namespace literals

/// Counters of what building functions did in this process (for tests and tools).
struct CompileStats {
    unsigned long long functions_built = 0; ///< tj::function calls that succeeded
    unsigned long long clang_compiles = 0;  ///< kernels compiled by Clang
    unsigned long long disk_hits = 0;       ///< kernels loaded from the disk cache
    unsigned long long memory_hits = 0;     ///< kernels reused from this process
};
CompileStats compile_stats();

// Internal (hidden): declared outside the export pragma, which would otherwise give the class
// default visibility and export its members.
TJ_API_END
namespace detail {
class FunctionImpl;
struct FunctionInternals; // compiler/function/graph_view.hpp: tj::dprint and tj::to_dot
} // namespace detail
TJ_API_BEGIN

/// Options of FunctionBase::kernel_source.
struct KernelSourceOptions {
    /// Include the kernel templates pasted before the generated code (kernel ABI, scalar ops,
    /// loops). Off: the generated part alone (constants, fused loops and the entry point).
    bool templates = true;
};

/// What single- and multi-output functions share.
///
/// Thread safety: a function (and each of its copies) may be called from any number of threads
/// at once; every call has its own frame and buffers. A call holds the shared variables it uses
/// from reading their values until its updates are applied: calls that only read a variable run
/// in parallel, a call that updates it runs alone on it (calls updating the same variable are
/// serialized per variable, in some order), so a call's updates apply atomically and nobody sees
/// a torn or half-updated value. SharedVar::get_value and set_value take the same locks.
/// tj::function may be called from many threads; concurrent builds of one graph compile once.
/// Building, copying or assigning one Function object while another thread uses that same
/// object is not synchronized (as for any C++ value type).
class FunctionBase {
  public:
    /// Calls with arguments in a span; returns every output.
    std::vector<Array> call(std::span<const Arg> args) const;
    /// The generated kernel source (from the cache entry or the compile).
    const std::string& kernel_source() const;
    /// The same with options: `f.kernel_source({.templates = false})` is the generated code
    /// without the templates it is compiled with.
    std::string kernel_source(const KernelSourceOptions& options) const;
    /// The cache key (hex SHA-256).
    const std::string& cache_key() const;
    /// Number of explicit inputs.
    std::size_t num_inputs() const;
    const std::string& name() const;
    /// Writes the function as a graph file (tensorjit/graph_file.hpp): the document
    /// tj::save_function writes for the inputs, outputs and options it was built with (its graph
    /// before rewrites, defaults, names, the current values of its shared variables), so that
    /// tj::load_function gives a function with the same cache key. A copy writes the shared
    /// variables it uses, and no updates when it was made with delete_updates. ValueError
    /// naming the file when it cannot be written.
    void save(const std::filesystem::path& path) const;
    /// The same with the file options of save_function: `f.save(p, {.values = Values::Beside})`.
    void save(const std::filesystem::path& path, const GraphFileOptions& options) const;

  protected:
    friend struct detail::FunctionInternals;
    FunctionBase() = default;
    explicit FunctionBase(std::shared_ptr<detail::FunctionImpl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<detail::FunctionImpl> copy_impl(const CopyOptions& options) const;
    /// The first output only (no vector for single-output functions).
    Array call_first(std::span<const Arg> args) const;
    /// A call that writes its outputs into `outs` (call_into).
    void call_into_span(std::span<const Array> outs, std::span<const Arg> args) const;
    std::shared_ptr<detail::FunctionImpl> impl_;
};

/// The arrays MultiFunction::call_into writes: a braced list `{a, b}`, or a std::vector,
/// std::array or span of tj::Array. (A parameter type: it refers to the list, not a copy.)
class OutputArrays {
  public:
    OutputArrays(std::initializer_list<Array> arrays) : arrays_(arrays.begin(), arrays.size()) {}
    template <class C,
              class = std::enable_if_t<std::is_convertible_v<const C&, std::span<const Array>>>>
    OutputArrays(const C& arrays) : arrays_(std::span<const Array>(arrays)) {}
    std::span<const Array> arrays() const { return arrays_; }

  private:
    std::span<const Array> arrays_;
};

/* call_into(out, args...): the call operators' arguments after the output array(s) OUT, which
   TO_SPAN(out) makes a span of. */
#define TJ_FUNCTION_CALL_INTO(OUT, TO_SPAN)                                                        \
    void call_into(OUT out) const { call_into_span(TO_SPAN(out), {}); }                            \
    void call_into(OUT out, const Arg& a) const {                                                  \
        call_into_span(TO_SPAN(out), std::span<const Arg>(&a, 1));                                 \
    }                                                                                              \
    void call_into(OUT out, const Arg& a, const Arg& b) const {                                    \
        const Arg args[] = {a, b};                                                                 \
        call_into_span(TO_SPAN(out), args);                                                        \
    }                                                                                              \
    void call_into(OUT out, const Arg& a, const Arg& b, const Arg& c) const {                      \
        const Arg args[] = {a, b, c};                                                              \
        call_into_span(TO_SPAN(out), args);                                                        \
    }                                                                                              \
    void call_into(OUT out, const Arg& a, const Arg& b, const Arg& c, const Arg& d) const {        \
        const Arg args[] = {a, b, c, d};                                                           \
        call_into_span(TO_SPAN(out), args);                                                        \
    }                                                                                              \
    void call_into(OUT out, const Arg& a, const Arg& b, const Arg& c, const Arg& d, const Arg& e)  \
        const {                                                                                    \
        const Arg args[] = {a, b, c, d, e};                                                        \
        call_into_span(TO_SPAN(out), args);                                                        \
    }                                                                                              \
    void call_into(OUT out, const Arg& a, const Arg& b, const Arg& c, const Arg& d, const Arg& e,  \
                   const Arg& g) const {                                                           \
        const Arg args[] = {a, b, c, d, e, g};                                                     \
        call_into_span(TO_SPAN(out), args);                                                        \
    }                                                                                              \
    template <class... A, class = std::enable_if_t<(sizeof...(A) > 6) &&                           \
                                                   (std::is_convertible_v<const A&, Arg> && ...)>> \
    void call_into(OUT out, const A&... a) const {                                                 \
        const Arg args[] = {Arg(a)...};                                                            \
        call_into_span(TO_SPAN(out), args);                                                        \
    }                                                                                              \
    template <class S,                                                                             \
              class = std::enable_if_t<std::is_convertible_v<const S&, std::span<const Arg>>>>     \
    void call_into(OUT out, const S& args) const {                                                 \
        call_into_span(TO_SPAN(out), std::span<const Arg>(args));                                  \
    }
#define TJ_ONE_OUTPUT(out) std::span<const Array>(&out, 1)
#define TJ_OUTPUT_LIST(out) out.arrays()

#define TJ_FUNCTION_CALL_OPERATORS(R, CALL)                                                        \
    R operator()() const { return CALL({}); }                                                      \
    R operator()(const Arg& a) const { return CALL(std::span<const Arg>(&a, 1)); }                 \
    R operator()(const Arg& a, const Arg& b) const {                                               \
        const Arg args[] = {a, b};                                                                 \
        return CALL(args);                                                                         \
    }                                                                                              \
    R operator()(const Arg& a, const Arg& b, const Arg& c) const {                                 \
        const Arg args[] = {a, b, c};                                                              \
        return CALL(args);                                                                         \
    }                                                                                              \
    R operator()(const Arg& a, const Arg& b, const Arg& c, const Arg& d) const {                   \
        const Arg args[] = {a, b, c, d};                                                           \
        return CALL(args);                                                                         \
    }                                                                                              \
    R operator()(const Arg& a, const Arg& b, const Arg& c, const Arg& d, const Arg& e) const {     \
        const Arg args[] = {a, b, c, d, e};                                                        \
        return CALL(args);                                                                         \
    }                                                                                              \
    R operator()(const Arg& a, const Arg& b, const Arg& c, const Arg& d, const Arg& e,             \
                 const Arg& g) const {                                                             \
        const Arg args[] = {a, b, c, d, e, g};                                                     \
        return CALL(args);                                                                         \
    }                                                                                              \
    /* Any number of positional arguments past six (braced lists only up to six). */               \
    template <class... A, class = std::enable_if_t<(sizeof...(A) > 6) &&                           \
                                                   (std::is_convertible_v<const A&, Arg> && ...)>> \
    R operator()(const A&... a) const {                                                            \
        const Arg args[] = {Arg(a)...};                                                            \
        return CALL(args);                                                                         \
    }                                                                                              \
    /* A span or vector of Arg. A template, so that a braced list is one argument. */              \
    template <class S,                                                                             \
              class = std::enable_if_t<std::is_convertible_v<const S&, std::span<const Arg>>>>     \
    R operator()(const S& args) const {                                                            \
        return CALL(std::span<const Arg>(args));                                                   \
    }

/// A compiled function with one output: a call returns the array itself.
class Function : public FunctionBase {
  public:
    Function() = default;
    explicit Function(std::shared_ptr<detail::FunctionImpl> impl) : FunctionBase(std::move(impl)) {}
    TJ_FUNCTION_CALL_OPERATORS(Array, call_first)
    /// `f.call_into(out, args...)`: the call with its output written into `out` (no allocation):
    /// `out` must have the output's dtype and the shape the call computes (ValueError naming
    /// both otherwise, and the call changes nothing), be writable and share no memory with an
    /// argument or a shared variable the function reads. A C-contiguous `out` is written by
    /// the kernel itself; another layout (a strided view) receives a copy of the value.
    TJ_FUNCTION_CALL_INTO(const Array&, TJ_ONE_OUTPUT)
    /// A copy sharing the compiled kernel (no rewrites, codegen or Clang).
    Function copy(const CopyOptions& options = {}) const { return Function(copy_impl(options)); }
};

/// A compiled function with several outputs: a call returns them in order.
class MultiFunction : public FunctionBase {
  public:
    MultiFunction() = default;
    explicit MultiFunction(std::shared_ptr<detail::FunctionImpl> impl)
        : FunctionBase(std::move(impl)) {}
    TJ_FUNCTION_CALL_OPERATORS(std::vector<Array>, call)
    /// `f.call_into({o1, o2}, args...)`: Function::call_into with one array per output, which
    /// must not share memory with one another either.
    TJ_FUNCTION_CALL_INTO(OutputArrays, TJ_OUTPUT_LIST)
    MultiFunction copy(const CopyOptions& options = {}) const {
        return MultiFunction(copy_impl(options));
    }
};
#undef TJ_FUNCTION_CALL_OPERATORS
#undef TJ_FUNCTION_CALL_INTO
#undef TJ_ONE_OUTPUT
#undef TJ_OUTPUT_LIST

/// Compiles a function of `inputs` computing `output` (graph -> rewrites -> one C++ kernel ->
/// Clang -> ORC JIT; cached on disk by graph hash).
Function function(const std::vector<In>& inputs, const Var& output,
                  const FunctionOptions& options = {});
/// The same with several outputs, computed by one kernel.
MultiFunction function(const std::vector<In>& inputs, const std::vector<Var>& outputs,
                       const FunctionOptions& options = {});

} // namespace tensorjit

/// Shared variables and expressions as std::map keys (identity order; Var's < is symbolic).
template <> struct std::less<tensorjit::Var> {
    bool operator()(const tensorjit::Var& a, const tensorjit::Var& b) const {
        return a.node().get() < b.node().get();
    }
};
template <> struct std::less<tensorjit::SharedVar> {
    bool operator()(const tensorjit::SharedVar& a, const tensorjit::SharedVar& b) const {
        return a.node().get() < b.node().get();
    }
};
TJ_API_END
