/// \file
/// Rewrite rules written as patterns, one identity per line (Halide's `rewrite(x + 0, x)`,
/// tinygrad's UPat):
///
///     TJ_RULE(x + 0, x),
///     TJ_RULE(pow(x, 2), sqr(x)),
///     TJ_RULE_IF((x + c1) + y, (x + y) + c1, !is_constant(y)),
///
/// A pattern is a tree of op applications over wildcards (`x`, `y`, `z`, `u` match any node,
/// `c1`, `c2` only constants; the same wildcard twice matches the same value) and numbers (a
/// constant whose every element equals the number). add, mul and the other commutative ops also
/// match with their operands swapped. The right-hand side is built from the bindings through the
/// ops' type rules; its numbers are scalar constants of the matched node's dtype, and a node whose
/// inputs are all small constants is folded to its value. A rule applies only when its result has
/// the matched node's exact type (a cast is added when only the dtype differs): rewrites never
/// change a shape, a broadcast or a dtype. Nothing here knows a particular rule; rules_*.cpp hold
/// them.
#pragma once

#include "compiler/graph/node.hpp"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tensorjit::pattern {

/// A pattern (left-hand side) or a template (right-hand side).
struct Pat {
    enum class Kind : std::uint8_t { Any, Const, Number, Apply };
    Kind kind = Kind::Any;
    int slot = -1;             ///< Any, Const: the binding slot
    double number = 0;         ///< Number
    OpKind op = OpKind::Input; ///< Apply
    std::vector<Pat> args;     ///< Apply
    int attrs_slot = -1;       ///< Apply: binds (LHS) or reuses (RHS) the node's attrs

    Pat() = default;
    Pat(double v) : kind(Kind::Number), number(v) {} // NOLINT: numbers are patterns
    Pat(int v) : Pat(static_cast<double>(v)) {}      // NOLINT
    static Pat any(int slot);
    static Pat constant(int slot);
    static Pat apply(OpKind op, std::vector<Pat> args, int attrs_slot = -1);
};

constexpr int kSlots = 8; ///< wildcards x y z u c1 c2 and two attrs slots

/// What a match bound: nodes by wildcard slot, attributes by attrs slot.
struct Match {
    std::array<NodePtr, kSlots> node;
    std::array<const Attrs*, kSlots> attrs{};
    const NodePtr& operator[](const Pat& wildcard) const { return node.at(wildcard.slot); }
};

// The wildcards.
inline const Pat x = Pat::any(0);
inline const Pat y = Pat::any(1);
inline const Pat z = Pat::any(2);
inline const Pat u = Pat::any(3);
inline const Pat c1 = Pat::constant(4);
inline const Pat c2 = Pat::constant(5);

Pat operator+(const Pat& a, const Pat& b);
Pat operator-(const Pat& a, const Pat& b);
Pat operator*(const Pat& a, const Pat& b);
Pat operator/(const Pat& a, const Pat& b);
Pat operator-(const Pat& a);
Pat neg(const Pat& a);
Pat sqr(const Pat& a);
Pat sqrt(const Pat& a);
Pat reciprocal(const Pat& a);
Pat pow(const Pat& a, const Pat& b);
Pat exp(const Pat& a);
Pat log(const Pat& a);
Pat log1p(const Pat& a);
Pat sigmoid(const Pat& a);
Pat softplus(const Pat& a);
Pat logaddexp(const Pat& a, const Pat& b);
/// fill(shape_of, value): value broadcast to the shape of both.
Pat fill(const Pat& a, const Pat& b);
/// An op with attributes: `op(kind, {args}, A)` binds the node's attrs to A on the left and
/// gives the new node the same attrs on the right.
Pat op(OpKind kind, std::vector<Pat> args, int attrs_slot = -1);
inline constexpr int A = 6; ///< an attrs slot

// Conditions (TJ_RULE_IF): small predicates on the bindings.
using Condition = std::function<bool(const Match&)>;
Condition is_constant(const Pat& w);
Condition is_float(const Pat& w);
Condition operator!(Condition c);
Condition operator&&(Condition a, Condition b);

/// Builds a replacement that a template cannot say (TJ_RULE_TO), from the bindings.
using Builder = std::function<NodePtr(const Match&)>;

/// One rule: its text ("x + 0 -> x"), pattern, replacement (a template, or a builder) and
/// optional condition.
struct Rule {
    std::string text;
    Pat lhs, rhs;
    Condition when;
    Builder make;
};

#define TJ_RULE(lhs, rhs)                                                                          \
    ::tensorjit::pattern::Rule {                                                                   \
#lhs " -> " #rhs, (lhs), (rhs), {}                                                         \
    }
#define TJ_RULE_IF(lhs, rhs, cond)                                                                 \
    ::tensorjit::pattern::Rule { #lhs " -> " #rhs " if " #cond, (lhs), (rhs), (cond) }
#define TJ_RULE_TO(lhs, builder)                                                                   \
    ::tensorjit::pattern::Rule { #lhs " -> " #builder, (lhs), {}, {}, (builder) }
#define TJ_RULE_TO_IF(lhs, builder, cond)                                                          \
    ::tensorjit::pattern::Rule { #lhs " -> " #builder " if " #cond, (lhs), {}, (cond), (builder) }

/// Matches rule.lhs at n (and its condition); the bindings, or nothing.
std::optional<Match> match(const Rule& rule, const NodePtr& n);
/// Builds rule.rhs from m for the node n; nullptr when the ops' type rules refuse it or the
/// result would not have n's type.
NodePtr instantiate(const Rule& rule, const Match& m, const NodePtr& n);
/// match, then instantiate: the replacement of n, or nullptr.
NodePtr apply(const Rule& rule, const NodePtr& n);

} // namespace tensorjit::pattern
