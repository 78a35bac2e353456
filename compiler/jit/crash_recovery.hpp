/// \file
/// Running a compile so that a crash in Clang or LLVM does not end the host process: on a
/// thread of its own with a large stack, under llvm::CrashRecoveryContext and our signal and
/// fatal error handlers (see crash_recovery.cpp); and the faults tests inject into a compile.
/// Internal to compiler/jit/.
#pragma once

#include "compiler/jit/jit.hpp"

#include <llvm/ADT/STLFunctionalExtras.h>

#include <string>

namespace tensorjit::jit::detail {

/// What ran on a compile thread.
struct ProtectedRun {
    llvm::function_ref<void()> body;
    bool crashed = false;
    int ret_code = 0;
    std::string fatal_error; // the reason given to report_fatal_error, if that is what happened
};

/// Runs `run.body` on a new thread with a 64 MB stack under crash recovery and waits for it;
/// `run` then says whether it crashed. Returns false with `error` set when the thread could not
/// be started.
bool run_protected(ProtectedRun& run, std::string& error);

/// The fault the next compile on this thread injects (testing::inject_fault_in_next_compile).
extern thread_local testing::Fault next_fault;

/// Makes `fault` happen; called inside the protected region of a compile.
void inject(testing::Fault fault);

/// The name of the signal a crashed run's ret_code stands for, or nullptr if none.
const char* fault_name(int ret_code);

} // namespace tensorjit::jit::detail
