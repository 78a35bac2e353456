/// \file
/// EmitContext: what an OpDef's `emit` sees while a kernel is written (the code being written
/// and the names of values). ops/ defines the interface and codegen/ implements it
/// (EmitContext), so op records never include the code generator.
#pragma once

#include "compiler/graph/node.hpp"

#include <sstream>
#include <string>

namespace tensorjit {

class EmitContext {
  public:
    virtual ~EmitContext() = default;
    /// The kernel body being written (inside the entry point).
    virtual std::ostringstream& out() = 0;
    /// An expression of type `tj_arr*` holding the value of n (a slot, or a constant).
    virtual std::string arr(const Node* n) = 0;
    /// The slot of a materialized node.
    virtual int slot(const Node* n) const = 0;
    /// The node's id (index into the plan's node names, for tj_rt_* error calls).
    virtual int id(const Node* n) const = 0;
    /// A fresh identifier with the given prefix.
    virtual std::string fresh(const char* prefix) = 0;
    /// Asks for a template file to be pasted before the entry point (once).
    virtual void require_template(const char* name) = 0;
    /// True when n's slot is a temporary (so n may alias another value's memory).
    virtual bool is_temp(const Node* n) const = 0;
    /// Emits a view op: `build` is code that fills a local `tj_arr v` from `const tj_arr* src`
    /// (n's first input). A temporary aliases the view; a result gets a contiguous copy.
    virtual void emit_view(const Node& n, const std::string& build) = 0;

    /// The C type of a dtype ("double").
    static std::string ctype(DType t);
    /// Writes a C literal of the given dtype for value (exact: floats in hex).
    static std::string literal(DType t, double value);
};

/// The exact C literal of the scalar of dtype t at p (floats in hex, NaN/inf as builtins).
std::string c_literal(DType t, const void* p);

} // namespace tensorjit
