// Crash recovery for compiles (see crash_recovery.hpp), and the faults tests inject.
#include "compiler/jit/crash_recovery.hpp"

#include <llvm/Support/CrashRecoveryContext.h>
#include <llvm/Support/ErrorHandling.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <string>

// ---- crash recovery -----------------------------------------------------------------------------
//
// A crash in Clang or LLVM (a bug, an assertion turned into abort, a stack overflow on deep
// input) or a call to report_fatal_error (which ends in exit(1)) must not end the host process.
// Each compile runs on a thread of its own with a large stack, inside an
// llvm::CrashRecoveryContext. Our handler for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT and
// SIGTRAP jumps back to RunSafely when the signal comes from a compile thread, and passes it to
// the handler it replaced otherwise; our fatal error handler jumps back for report_fatal_error.
// LLVM's own handlers are not used: they run on the faulting stack, and they disable recovery
// for good on the first signal from elsewhere. Ours are re-installed before each compile when
// the host (or a test framework) replaced them. The compile thread has an alternate signal
// stack and the handler runs on it (SA_ONSTACK), so that even a stack overflow is recovered
// from: without it the kernel cannot deliver SIGSEGV on the exhausted stack and kills the
// process. What the crashed compile allocated is leaked (longjmp runs no destructors), and a
// lock it held stays held.

namespace tensorjit::jit::detail {
namespace {

constexpr std::size_t kCompileStackBytes = std::size_t{64} << 20;
constexpr std::size_t kAltStackBytes = std::size_t{256} << 10;

// Where the fatal error handler writes the reason, on a compile thread.
thread_local std::string* fatal_error_reason = nullptr;

void on_fatal_error(void*, const char* reason, bool) {
    if (llvm::CrashRecoveryContext* crc = llvm::CrashRecoveryContext::GetCurrent()) {
        if (fatal_error_reason) *fatal_error_reason = reason ? reason : "";
        crc->HandleExit(1); // back to RunSafely; does not return
    }
    // Not in a compile (say, while the JIT links an object): as LLVM without a handler, which
    // then exits. Nothing can be done about it from here.
    std::fprintf(stderr, "LLVM ERROR: %s\n", reason ? reason : "");
}

constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
constexpr int kNumCrashSignals = static_cast<int>(std::size(kCrashSignals));

// True on a compile thread while its compile runs under crash recovery.
thread_local bool in_protected_compile = false;

// The handlers that were installed before ours, per signal of kCrashSignals: signals that are
// not ours (another thread, or this one outside a compile) go to them.
std::mutex handlers_mutex;
struct sigaction previous_handlers[kNumCrashSignals];

int signal_index(int sig) {
    for (int i = 0; i < kNumCrashSignals; ++i)
        if (kCrashSignals[i] == sig) return i;
    return -1;
}

// Our handler for the crash signals. In a compile: back to RunSafely, as LLVM's own handler
// does. Elsewhere: the previous handler gets the signal (a fault re-executes and meets it; a
// raised signal is raised again).
void on_crash_signal(int sig) {
    if (in_protected_compile) {
        if (llvm::CrashRecoveryContext* crc = llvm::CrashRecoveryContext::GetCurrent()) {
            sigset_t mask;
            sigemptyset(&mask);
            sigaddset(&mask, sig);
            sigprocmask(SIG_UNBLOCK, &mask, nullptr);
            crc->HandleExit(128 + sig); // does not return
        }
    }
    const int i = signal_index(sig);
    if (i >= 0) sigaction(sig, &previous_handlers[i], nullptr);
    raise(sig);
}

// Makes on_crash_signal the handler of every crash signal, keeping what it replaces as the
// previous handler. Called before every compile: a host (or a test framework) may have
// installed its own handlers since the last one.
void install_crash_handlers() {
    std::lock_guard<std::mutex> lock(handlers_mutex);
    for (int i = 0; i < kNumCrashSignals; ++i) {
        struct sigaction current;
        if (sigaction(kCrashSignals[i], nullptr, &current) != 0) continue;
        if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == on_crash_signal) continue;
        struct sigaction ours {};
        ours.sa_handler = on_crash_signal;
        // On the compile thread's alternate stack, so that a stack overflow can be handled.
        ours.sa_flags = SA_ONSTACK;
        sigemptyset(&ours.sa_mask);
        if (sigaction(kCrashSignals[i], &ours, nullptr) == 0) previous_handlers[i] = current;
    }
}

void enable_crash_recovery() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Save the host's handlers first: Enable installs LLVM's, which we then replace.
        {
            std::lock_guard<std::mutex> lock(handlers_mutex);
            for (int i = 0; i < kNumCrashSignals; ++i)
                sigaction(kCrashSignals[i], nullptr, &previous_handlers[i]);
        }
        // Needed for CrashRecoveryContext::GetCurrent and RunSafely's jump buffer.
        llvm::CrashRecoveryContext::Enable();
        {
            std::lock_guard<std::mutex> lock(handlers_mutex);
            struct sigaction ours {};
            ours.sa_handler = on_crash_signal;
            ours.sa_flags = SA_ONSTACK;
            sigemptyset(&ours.sa_mask);
            for (int sig : kCrashSignals) sigaction(sig, &ours, nullptr);
        }
        llvm::install_fatal_error_handler(on_fatal_error, nullptr);
    });
    install_crash_handlers();
}

void* protected_thread_main(void* arg) {
    auto& run = *static_cast<ProtectedRun*>(arg);
    std::unique_ptr<char[]> alt(new char[kAltStackBytes]);
    stack_t stack{};
    stack.ss_sp = alt.get();
    stack.ss_size = kAltStackBytes;
    const bool alt_installed = sigaltstack(&stack, nullptr) == 0;
    fatal_error_reason = &run.fatal_error;
    {
        llvm::CrashRecoveryContext crc;
        in_protected_compile = true;
        run.crashed = !crc.RunSafely(run.body);
        in_protected_compile = false;
        run.ret_code = crc.RetCode;
    }
    fatal_error_reason = nullptr;
    if (alt_installed) {
        stack_t off{};
        off.ss_flags = SS_DISABLE;
        sigaltstack(&off, nullptr);
    }
    return nullptr;
}

} // namespace

// Runs `body` on a new thread with a kCompileStackBytes stack under crash recovery and waits
// for it. Returns false with `error` set when the thread could not be started.
bool run_protected(ProtectedRun& run, std::string& error) {
    enable_crash_recovery();
    pthread_attr_t attributes;
    if (int e = pthread_attr_init(&attributes)) {
        error = std::strerror(e);
        return false;
    }
    pthread_attr_setstacksize(&attributes, kCompileStackBytes);
    // A wider guard than one page: a large frame could otherwise step over it.
    pthread_attr_setguardsize(&attributes, std::size_t{1} << 20);
    pthread_t thread;
    const int e = pthread_create(&thread, &attributes, protected_thread_main, &run);
    pthread_attr_destroy(&attributes);
    if (e) {
        error = std::strerror(e);
        return false;
    }
    pthread_join(thread, nullptr);
    return true;
}

thread_local testing::Fault next_fault = testing::Fault::None;

namespace {

// Deliberately exhausts the stack (for testing::Fault::StackOverflow).
volatile int overflow_limit = -1; // never reached: the recursion only ends in SIGSEGV
[[gnu::noinline]] int recurse_forever(int depth) {
    volatile char frame[4096];
    frame[0] = static_cast<char>(depth);
    if (depth == overflow_limit) return frame[0];
    return recurse_forever(depth + 1) + frame[0];
}

} // namespace

void inject(testing::Fault fault) {
    switch (fault) {
    case testing::Fault::None:
        return;
    case testing::Fault::Segfault:
        std::raise(SIGSEGV);
        return;
    case testing::Fault::Abort:
        std::abort();
    case testing::Fault::FatalError:
        llvm::report_fatal_error("tensorjit test: a deliberate fatal error", false);
    case testing::Fault::StackOverflow:
        recurse_forever(0);
        return;
    }
}

const char* fault_name(int ret_code) {
    switch (ret_code - 128) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGBUS:
        return "SIGBUS";
    case SIGILL:
        return "SIGILL";
    case SIGFPE:
        return "SIGFPE";
    case SIGABRT:
        return "SIGABRT";
    case SIGTRAP:
        return "SIGTRAP";
    default:
        return nullptr;
    }
}

} // namespace tensorjit::jit::detail

namespace tensorjit::jit {

void testing::inject_fault_in_next_compile(Fault fault) { detail::next_fault = fault; }

} // namespace tensorjit::jit
