/// \file
/// Control flow: lazy ifelse, and scan (PyTensor's loops with taps, until and gradients), both
/// lowered to native code inside the one generated kernel.
#pragma once

#include <tensorjit/export.hpp>
#include <tensorjit/tensor.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace tensorjit {

// ---- ifelse ---------------------------------------------------------------------------------

/// PyTensor's lazy ifelse: `then_vars` when the scalar `cond` is true (non-zero), `else_vars`
/// otherwise. Only the chosen branch is computed (work both branches need is computed once,
/// before the choice), so the other branch's errors do not happen. `cond` is a 0-d value of any
/// dtype (TypeError naming it otherwise); the lists have one value per output (ValueError when
/// their lengths differ). Each pair of branch values must have the same dtype and rank (TypeError
/// naming the output otherwise; a C++ scalar takes the other value's dtype); a static extent is
/// kept where both branches agree. Gradients flow to the chosen branch (zeros to the other).
/// tj::switch_ / tj::where stay element-wise and compute both sides.
TJ_API std::vector<Var> ifelse(const Var& cond, const std::vector<Var>& then_vars,
                               const std::vector<Var>& else_vars);
/// One value.
TJ_API Var ifelse(const Var& cond, const Var& then_var, const Var& else_var);

// ---- scan -----------------------------------------------------------------------------------

/// A sequence scan iterates over axis 0: `x` alone reads x[t] at step t; with taps, e.g.
/// `{x, {-1, 0}}`, the step reads x[t - 1] and x[t] (the first step is the one whose deepest
/// tap is row 0, and there are len - (max tap - min tap) steps).
struct ScanSequence {
    Var input;
    std::vector<int> taps{0};
    ScanSequence(Var v) : input(std::move(v)) {} // NOLINT: a Var is a sequence with tap 0
    ScanSequence(Var v, std::vector<int> t) : input(std::move(v)), taps(std::move(t)) {}
    template <class V, class = std::enable_if_t<std::is_convertible_v<V, Var> &&
                                                !std::is_same_v<std::decay_t<V>, Var>>>
    ScanSequence(V&& v) : input(Var(std::forward<V>(v))) {} // NOLINT
};

/// One result of a scan. `tj::none` (or `{}`) for a result that is not fed back (a map); an
/// initial value for a recurrent state fed back with tap -1; with taps, e.g.
/// `{x0, {-1, -2}}`, the initial value has one row per step back: x0[0] is the oldest
/// (x0[depth - 1] is the value at step -1), as in PyTensor.
struct ScanOutputInfo {
    Var initial;
    std::vector<int> taps;
    ScanOutputInfo() = default;
    ScanOutputInfo(NoneT) {}                                   // NOLINT: tj::none, a map result
    ScanOutputInfo(Var v) : initial(std::move(v)), taps{-1} {} // NOLINT
    ScanOutputInfo(Var v, std::vector<int> t) : initial(std::move(v)), taps(std::move(t)) {}
    template <class V, class = std::enable_if_t<std::is_convertible_v<V, Var> &&
                                                !std::is_same_v<std::decay_t<V>, Var> &&
                                                !std::is_same_v<std::decay_t<V>, NoneT>>>
    ScanOutputInfo(V&& v) : initial(Var(std::forward<V>(v))), taps{-1} {} // NOLINT
    bool recurrent() const { return initial.defined(); }
};

/// The stop condition a step returns: the loop ends after the step where it is true.
struct Until {
    Var condition;
};
/// PyTensor's until: `return tj::ScanStep{{next}, tj::until(next > 100)};`.
inline Until until(const Var& condition) { return Until{condition}; }

/// What the step function returns: one value per outputs_info entry, updates of shared
/// variables (applied once, after the loop, with the last step's values; the variable reads its
/// updated value at the next step) and an optional until condition. Converts from a Var or a
/// vector of Var.
struct ScanStep {
    std::vector<Var> outputs;
    std::vector<std::pair<Var, Var>> updates;
    Var until;
    ScanStep() = default;
    ScanStep(Var v) : outputs{std::move(v)} {}              // NOLINT
    ScanStep(std::vector<Var> v) : outputs(std::move(v)) {} // NOLINT
    ScanStep(std::initializer_list<Var> v) : outputs(v) {}
    ScanStep(std::vector<Var> v, Until u) : outputs(std::move(v)), until(std::move(u.condition)) {}
    ScanStep(Var v, Until u) : outputs{std::move(v)}, until(std::move(u.condition)) {}
    ScanStep(std::vector<Var> v, std::vector<std::pair<Var, Var>> up, Until u = {})
        : outputs(std::move(v)), updates(std::move(up)), until(std::move(u.condition)) {}
};

struct ScanOptions {
    std::vector<ScanSequence> sequences;
    std::vector<ScanOutputInfo> outputs_info;
    std::vector<Var> non_sequences;
    /// The number of steps: an integer scalar (a C++ integer works); undefined = the length of
    /// the shortest sequence. With sequences, it must not exceed their steps (ValueError at the
    /// call); negative is a ValueError. With until it is the most steps the loop may run; an
    /// until loop with neither n_steps nor sequences runs until the condition holds.
    Var n_steps;
    bool go_backwards = false;
    /// A stop condition computed from the step's new outputs (in the order of outputs_info), as
    /// an alternative to returning tj::until from the step function.
    std::function<Var(const std::vector<Var>& outputs)> until;
    /// Names the scan in messages and in dprint.
    std::string name;
};

/// The results of a scan: per outputs_info entry the values of every step stacked along a new
/// axis 0 (n_steps rows; the initial values are not included), and the updates of the shared
/// variables the step function updated and of the random generators it drew from: pass them
/// to tj::function (`.updates = r.updates`). A result that is only ever indexed at [-1] keeps
/// only the last step's value (the save_mem rewrite).
struct ScanResult {
    std::vector<Var> outputs;
    std::vector<std::pair<Var, Var>> updates;
    const Var& operator[](std::size_t i) const { return outputs.at(i); }
    std::size_t size() const { return outputs.size(); }
    /// The one result of a single-output scan (ValueError when there are several).
    TJ_API const Var& output() const;
    operator const Var&() const { return output(); } // NOLINT: PyTensor returns the one result
};

/// The step function as scan calls it: its arguments are, in order, each sequence's taps, each
/// recurrent state's taps, then the non-sequences.
using ScanFn = std::function<ScanStep(const std::vector<Var>&)>;

/// PyTensor's scan. `fn` builds one step from symbolic variables; it may read any other
/// variable (shared variables, outer expressions: they become loop-invariant inputs) and draw
/// from a RandomStream (a fresh draw per step). Errors: TypeError when fn returns the wrong
/// number or types of outputs (naming the output), ValueError for taps without enough initial
/// values, bad taps, and (at the call) sequences too short or a negative n_steps.
TJ_API ScanResult scan(const ScanFn& fn, const ScanOptions& options);

namespace detail {
template <class F, std::size_t... I>
ScanStep call_with_vars(F& f, const std::vector<Var>& a, std::index_sequence<I...>) {
    return ScanStep(f(a[I]...));
}
template <class F, std::size_t N> constexpr bool invocable_with_n() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
        return std::is_invocable_v<F&, decltype((void)I, std::declval<const Var&>())...>;
    }
    (std::make_index_sequence<N>{});
}
template <class F, std::size_t N = 0> constexpr std::size_t var_arity() {
    if constexpr (N > 12)
        return static_cast<std::size_t>(-1);
    else if constexpr (invocable_with_n<F, N>())
        return N;
    else
        return var_arity<F, N + 1>();
}
} // namespace detail

/// The same with a step function taking its arguments one by one:
/// `tj::scan([](tj::Var x_t, tj::Var h) { return tj::tanh(x_t + h); }, {...})`.
template <class F, class = std::enable_if_t<!std::is_convertible_v<F, ScanFn> ||
                                            !std::is_invocable_v<F&, const std::vector<Var>&>>>
ScanResult scan(F fn, const ScanOptions& options) {
    constexpr std::size_t n = detail::var_arity<F>();
    static_assert(n != static_cast<std::size_t>(-1),
                  "tj::scan: the step function must take tj::Var arguments (at most 12) or a "
                  "const std::vector<tj::Var>&");
    return scan(ScanFn([fn](const std::vector<Var>& a) mutable -> ScanStep {
                    if (a.size() != n)
                        throw TypeError("scan: the step function takes " + std::to_string(n) +
                                        " arguments, but scan passes " + std::to_string(a.size()) +
                                        " (sequence taps, state taps, non-sequences)");
                    return detail::call_with_vars(fn, a, std::make_index_sequence<n>{});
                }),
                options);
}

} // namespace tensorjit
