/// \file
/// The waiting paths of RwLock: spin briefly, then sleep on the word until an unlock wakes us.
#include "runtime/rw_lock.hpp"

namespace tensorjit {

namespace {
constexpr int kSpins = 64;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}
} // namespace

// A sleeper first sets kSleepers with a compare-exchange on the value it saw, then waits on that
// value: an unlock between the two changes the word, so the wait returns at once (no lost
// wake-up); an unlock after it sees kSleepers and wakes every sleeper, which then retry.
void RwLock::pause_or_sleep(int spin, std::uint32_t seen) noexcept {
    if (spin < kSpins) {
        cpu_relax();
        return;
    }
    if ((seen & kSleepers) == 0 &&
        !word_.compare_exchange_weak(seen, seen | kSleepers, std::memory_order_relaxed))
        return; // the word changed: look again
    word_.wait(seen | kSleepers, std::memory_order_relaxed);
}

void RwLock::lock_shared_slow() noexcept {
    for (int spin = 0;; ++spin) {
        std::uint32_t s = word_.load(std::memory_order_relaxed);
        if ((s & (kWriter | kWriterWaits)) == 0) {
            if (word_.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                            std::memory_order_relaxed))
                return;
            continue;
        }
        pause_or_sleep(spin, s);
    }
}

void RwLock::lock_slow() noexcept {
    for (int spin = 0;; ++spin) {
        std::uint32_t s = word_.load(std::memory_order_relaxed);
        if ((s & (kWriter | kReaders)) == 0) {
            if (word_.compare_exchange_weak(s, (s | kWriter) & ~kWriterWaits,
                                            std::memory_order_acquire, std::memory_order_relaxed))
                return;
            continue;
        }
        // Announce the wait so that new readers queue behind this writer.
        if ((s & kWriterWaits) == 0) {
            word_.compare_exchange_weak(s, s | kWriterWaits, std::memory_order_relaxed);
            continue;
        }
        pause_or_sleep(spin, s);
    }
}

void RwLock::wake() noexcept {
    word_.fetch_and(~kSleepers, std::memory_order_relaxed);
    word_.notify_all();
}

} // namespace tensorjit
