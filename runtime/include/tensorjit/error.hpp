/// \file
/// The exceptions tensorjit raises, split by who is at fault (Halide's three classes).
#pragma once

#include <tensorjit/export.hpp>

#include <sstream>
#include <stdexcept>
#include <string>

TJ_API_BEGIN
namespace tensorjit {

/// Base of every tensorjit exception.
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The caller did something wrong: a bad argument, type, shape or value.
class UserError : public Error {
  public:
    using Error::Error;
};
/// A dtype does not fit (wrong input dtype, unsafe cast, update of another type).
class TypeError : public UserError {
  public:
    using UserError::UserError;
};
/// Shapes or ranks do not fit (broadcasting, static shapes, reshape sizes).
class ShapeError : public UserError {
  public:
    using UserError::UserError;
};
/// A value is outside its domain (negative scale, probability outside [0, 1], bad axis).
class ValueError : public UserError {
  public:
    using UserError::UserError;
};
/// A function was called with missing, unknown, duplicated or too many arguments.
class ArgumentError : public UserError {
  public:
    using UserError::UserError;
};
/// A bug in tensorjit: carries the pass or op where it was detected.
class InternalError : public Error {
  public:
    explicit InternalError(const std::string& what)
        : Error(what + " (this is a tensorjit bug: please report it)") {}
};
/// Clang or the JIT failed on a generated kernel; the message carries the diagnostics and the
/// path of the kernel source kept for inspection.
class CompileError : public Error {
  public:
    CompileError(const std::string& what, std::string diagnostics, std::string source_path)
        : Error(what), diagnostics_(std::move(diagnostics)), source_path_(std::move(source_path)) {}
    const std::string& diagnostics() const { return diagnostics_; }
    const std::string& source_path() const { return source_path_; }

  private:
    std::string diagnostics_;
    std::string source_path_;
};

namespace detail {
/// Collects a message with << and throws E when it goes out of scope (TJ_USER_CHECK).
template <class E> class Thrower {
  public:
    Thrower() = default;
    Thrower(const Thrower&) = delete;
    [[noreturn]] ~Thrower() noexcept(false) { throw E(os_.str()); }
    template <class T> Thrower& operator<<(const T& v) {
        os_ << v;
        return *this;
    }

  private:
    std::ostringstream os_;
};
} // namespace detail

} // namespace tensorjit
TJ_API_END

/// `TJ_CHECK(cond, ShapeError) << "message";` throws the named exception when cond is false.
/// (A `while` rather than `if/else`: no dangling else when used under an unbraced `if`; the
/// loop never repeats because the Thrower throws at the end of the statement.)
#define TJ_CHECK(cond, E)                                                                          \
    while (!(cond)) ::tensorjit::detail::Thrower<::tensorjit::E>()
#define TJ_USER_CHECK(cond) TJ_CHECK(cond, UserError)
#define TJ_INTERNAL_CHECK(cond) TJ_CHECK(cond, InternalError)
#define TJ_THROW(E) ::tensorjit::detail::Thrower<::tensorjit::E>()
