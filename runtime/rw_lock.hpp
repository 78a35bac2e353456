/// \file
/// A reader/writer lock in one atomic word, for the call path.
///
/// std::shared_mutex (a pthread rwlock) costs two out-of-line calls and several atomic
/// operations per uncontended lock/unlock pair, about 8 ns on the call of a small function.
/// This lock takes one compare-exchange to lock and one atomic read-modify-write to unlock when
/// nobody waits; waiters sleep on the word (C++20 atomic wait, a futex on Linux).
///
/// Word layout: bit 31 a writer holds the lock, bit 30 a writer waits (new readers then wait
/// too, so writers are not starved), bit 29 someone sleeps on the word (an unlock must wake it),
/// bits 0..28 the number of readers. Meets the SharedMutex requirements (std::shared_lock and
/// std::unique_lock work with it). Not recursive; a thread that holds it must not lock it again.
#pragma once

#include <atomic>
#include <cstdint>

namespace tensorjit {

class RwLock {
  public:
    RwLock() = default;
    RwLock(const RwLock&) = delete;
    RwLock& operator=(const RwLock&) = delete;

    void lock_shared() noexcept {
        std::uint32_t s = word_.load(std::memory_order_relaxed);
        if ((s & (kWriter | kWriterWaits)) == 0 &&
            word_.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                        std::memory_order_relaxed))
            return;
        lock_shared_slow();
    }
    void unlock_shared() noexcept {
        const std::uint32_t s = word_.fetch_sub(1, std::memory_order_release);
        // The last reader leaving wakes a writer that sleeps.
        if ((s & kReaders) == 1 && (s & kSleepers)) wake();
    }
    void lock() noexcept {
        std::uint32_t s = 0;
        if (word_.compare_exchange_weak(s, kWriter, std::memory_order_acquire,
                                        std::memory_order_relaxed))
            return;
        lock_slow();
    }
    void unlock() noexcept {
        const std::uint32_t s = word_.fetch_and(~kWriter, std::memory_order_release);
        if (s & kSleepers) wake();
    }
    bool try_lock_shared() noexcept {
        std::uint32_t s = word_.load(std::memory_order_relaxed);
        while ((s & (kWriter | kWriterWaits)) == 0)
            if (word_.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                            std::memory_order_relaxed))
                return true;
        return false;
    }
    bool try_lock() noexcept {
        std::uint32_t s = word_.load(std::memory_order_relaxed);
        while ((s & (kWriter | kReaders)) == 0)
            if (word_.compare_exchange_weak(s, (s | kWriter) & ~kWriterWaits,
                                            std::memory_order_acquire, std::memory_order_relaxed))
                return true;
        return false;
    }

  private:
    static constexpr std::uint32_t kWriter = 1u << 31;
    static constexpr std::uint32_t kWriterWaits = 1u << 30;
    static constexpr std::uint32_t kSleepers = 1u << 29;
    static constexpr std::uint32_t kReaders = kSleepers - 1;

    void lock_shared_slow() noexcept;
    void lock_slow() noexcept;
    /// One round of waiting after seeing `seen`: a pause while spinning, then sleep on the word.
    void pause_or_sleep(int spin, std::uint32_t seen) noexcept;
    void wake() noexcept;

    std::atomic<std::uint32_t> word_{0};
};

} // namespace tensorjit
