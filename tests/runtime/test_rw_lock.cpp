// RwLock (runtime/rw_lock.hpp): exclusion, shared readers, writers not starved by readers, and
// the sleeping path (waiters past their spin are woken by the unlock). Run under TSan in CI.
#include "runtime/rw_lock.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

using tensorjit::RwLock;

TEST_CASE("RwLock: writers exclude everyone, readers see consistent state", "[threads]") {
    RwLock lock;
    long a = 0, b = 0; // written only under the exclusive lock, always equal outside it
    std::atomic<long> torn{0};
    constexpr int kWriters = 4, kReaders = 4, kIters = 20000;
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w)
        threads.emplace_back([&] {
            for (int i = 0; i < kIters; ++i) {
                std::unique_lock g(lock);
                ++a;
                ++b;
            }
        });
    for (int r = 0; r < kReaders; ++r)
        threads.emplace_back([&] {
            for (int i = 0; i < kIters; ++i) {
                std::shared_lock g(lock);
                if (a != b) torn.fetch_add(1);
            }
        });
    for (auto& t : threads) t.join();
    CHECK(torn.load() == 0);
    CHECK(a == long{kWriters} * kIters);
    CHECK(b == a);
}

TEST_CASE("RwLock: readers share, a writer excludes readers and writers", "[threads]") {
    RwLock lock;
    lock.lock_shared();
    CHECK(lock.try_lock_shared()); // a second reader gets in
    CHECK_FALSE(lock.try_lock());  // a writer does not
    lock.unlock_shared();
    CHECK_FALSE(lock.try_lock());
    lock.unlock_shared();
    REQUIRE(lock.try_lock());
    CHECK_FALSE(lock.try_lock_shared());
    CHECK_FALSE(lock.try_lock());
    lock.unlock();
    CHECK(lock.try_lock_shared());
    lock.unlock_shared();
}

TEST_CASE("RwLock: waiters that went to sleep are woken by the unlock", "[threads]") {
    RwLock lock;
    lock.lock();
    std::atomic<int> got{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i)
        threads.emplace_back([&] {
            std::shared_lock g(lock);
            got.fetch_add(1);
        });
    threads.emplace_back([&] {
        std::unique_lock g(lock);
        got.fetch_add(1);
    });
    // Long enough for every waiter to pass its spin and sleep on the lock word.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(got.load() == 0);
    lock.unlock();
    for (auto& t : threads) t.join();
    CHECK(got.load() == 4);
}

TEST_CASE("RwLock: a waiting writer is not starved by a stream of readers", "[threads]") {
    RwLock lock;
    std::atomic<bool> writer_done{false}, writer_waiting{false};
    std::atomic<long> reads_after_wait{0};
    constexpr long kLimit = 20'000'000; // readers give up here; a starved writer fails the test
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r)
        readers.emplace_back([&] {
            for (long i = 0; i < kLimit && !writer_done.load(); ++i) {
                std::shared_lock g(lock);
                if (writer_waiting.load()) reads_after_wait.fetch_add(1);
            }
        });
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::thread writer([&] {
        writer_waiting = true;
        std::unique_lock g(lock);
        writer_done = true;
    });
    writer.join();
    for (auto& t : readers) t.join();
    CHECK(writer_done.load());
    // New readers queue behind the waiting writer: only a few get in after it announced itself.
    CHECK(reads_after_wait.load() < 100000);
}
