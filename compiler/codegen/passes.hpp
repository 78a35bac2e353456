/// \file
/// The codegen phases, one free function per file, run in this order by pipeline.cpp:
/// fuse_elemwise -> inplace -> storage_plan -> emit.
#pragma once

#include "compiler/codegen/kernel_emitter.hpp"
#include "compiler/codegen/schedule.hpp"

#include <string>

namespace tensorjit::codegen {

/// fuse_elemwise.cpp
void fuse_elemwise(Schedule& s);
/// inplace.cpp
void inplace(Schedule& s);
/// storage_plan.cpp
void storage_plan(Schedule& s);
/// emit.cpp
KernelSource emit(Schedule& s, const std::string& symbol);

} // namespace tensorjit::codegen
