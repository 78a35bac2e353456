// A steady-state call allocates nothing but its outputs (DESIGN.md, "Memory"), and one with
// call_into, whatever the layout of its arguments, nothing at all. Heap allocations
// are counted by replacing the global operator new (every variant) and interposing aligned_alloc,
// which tj::Array's storage uses for its buffers and which operator new does not see. Counting is
// on only inside a CountAllocations scope on the thread that opened it, so the other tests of
// this executable (and Clang's or OpenBLAS's threads) go through uncounted.
#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include "support/tutorial_model.hpp"

#include <cmath>
#include <cstdlib>
#include <dlfcn.h>
#include <new>
#include <random>

using namespace tj::literals;

namespace {

// Constant-initialised thread_locals: no TLS guard, so safe to touch from inside operator new.
thread_local bool t_counting = false;
thread_local long t_allocations = 0;
thread_local std::size_t t_largest_buffer = 0; // the largest aligned_alloc while counting

void note_allocation() {
    if (t_counting) ++t_allocations;
}

/// Counts this thread's heap allocations between construction and count().
class CountAllocations {
  public:
    CountAllocations() {
        t_allocations = 0;
        t_largest_buffer = 0;
        t_counting = true;
    }
    ~CountAllocations() { t_counting = false; }
    long count() const { return t_allocations; }
    /// The largest array buffer (aligned_alloc) requested in the scope, in bytes.
    std::size_t largest_buffer() const { return t_largest_buffer; }
};

void* counted_new(std::size_t n) {
    note_allocation();
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}

void* counted_new_aligned(std::size_t n, std::align_val_t al) {
    note_allocation();
    auto a = static_cast<std::size_t>(al);
    // posix_memalign, not aligned_alloc: it takes any size, and it is not the interposed
    // function below, so one aligned new counts once.
    void* p = nullptr;
    if (posix_memalign(&p, a < sizeof(void*) ? sizeof(void*) : a, n ? n : 1) != 0)
        throw std::bad_alloc();
    return p;
}

} // namespace

// ---- replacements (they serve the whole test executable; they count only when asked) ----------

void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return counted_new(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return counted_new(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new(std::size_t n, std::align_val_t al) { return counted_new_aligned(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return counted_new_aligned(n, al); }
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
    try {
        return counted_new_aligned(n, al);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
    try {
        return counted_new_aligned(n, al);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

// Array buffers come from aligned_alloc, called from libtensorjit.so: this definition in the
// executable interposes glibc's (the library's call resolves to the first definition in the
// global scope) and forwards to it.
extern "C" void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
    using Fn = void* (*)(std::size_t, std::size_t);
    static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "aligned_alloc"));
    note_allocation();
    if (t_counting && size > t_largest_buffer) t_largest_buffer = size;
    return real(alignment, size);
}

namespace {

constexpr long kCalls = 1000;

// What the one output of a scalar call costs: a 0-d array made the way the kernel's
// allocation callback makes it.
long allocations_of_one_output(tj::DType dtype, const tj::Dims& shape = {}) {
    CountAllocations counter;
    {
        auto a = tj::Array::empty(dtype, shape);
        (void)a;
    }
    return counter.count();
}

} // namespace

TEST_CASE("the allocation counter sees both operator new and aligned_alloc", "[function][alloc]") {
    long n = 0;
    {
        CountAllocations counter;
        // Through volatile pointers, so the compiler cannot drop the allocate-free pairs.
        void* volatile a = ::operator new(16);
        ::operator delete(a);
        void* volatile b = std::aligned_alloc(64, 64);
        std::free(b);
        n = counter.count();
    }
    CHECK(n == 2);
    // A small array keeps its buffer inside its storage: one allocation; a large one has its
    // control block (operator new) and its 64-byte aligned buffer (aligned_alloc).
    CHECK(allocations_of_one_output(tj::DType::Float64) == 1);
    CHECK(allocations_of_one_output(tj::DType::Float64, {1000}) == 2);
}

TEST_CASE("a scalar call allocates only its output", "[function][alloc]") {
    auto [x, y] = tj::dscalars("x", "y");
    auto f = tj::function({x, tj::In(y, 1)}, x + y);
    REQUIRE(f(33).item<double>() == 34); // warm-up: first-call setup is not steady state
    const long per_output = allocations_of_one_output(tj::DType::Float64);
    REQUIRE(per_output > 0);

    SECTION("positional, with a default") {
        long n = 0;
        double sum = 0;
        {
            CountAllocations counter;
            for (long i = 0; i < kCalls; ++i) sum += f(33).item<double>();
            n = counter.count();
        }
        CHECK(sum == 34.0 * kCalls);
        CHECK(n == kCalls * per_output);
    }
    SECTION("a keyword argument") {
        auto [x2, y2, w] = tj::dscalars("x", "y", "w");
        auto g = tj::function({x2, tj::In(y2, 1), tj::In(w, 2, "w_by_name")}, (x2 + y2) * w);
        REQUIRE(g(33, "w_by_name"_a = 1).item<double>() == 34);
        long n = 0;
        double sum = 0;
        {
            CountAllocations counter;
            for (long i = 0; i < kCalls; ++i) sum += g(33, "w_by_name"_a = 1).item<double>();
            n = counter.count();
        }
        CHECK(sum == 34.0 * kCalls);
        CHECK(n == kCalls * per_output);
    }
    SECTION("an array argument is bound without a copy") {
        auto v = tj::dvector("v");
        auto h = tj::function({v}, tj::exp(v) * 2);
        const tj::Array arg = tj::Array::zeros(tj::DType::Float64, {1000});
        REQUIRE(h(arg).shape() == tj::Dims{1000});
        // One output per call, nothing else.
        const long per_vector = allocations_of_one_output(tj::DType::Float64, {1000});
        long n = 0;
        {
            CountAllocations counter;
            for (long i = 0; i < kCalls; ++i) h(arg);
            n = counter.count();
        }
        CHECK(n == kCalls * per_vector);
    }
}

TEST_CASE("an accumulator call allocates only its output (its update reuses a buffer)",
          "[function][alloc]") {
    auto state = tj::shared(0);
    auto inc = tj::iscalar("inc");
    auto accumulator = tj::function({inc}, state, {.updates = {{state, state + inc}}});
    // Two warm-up calls: the first allocates the update buffer, which the swap with the shared
    // value then keeps alive for the next call to reuse.
    REQUIRE(accumulator(1).item<long long>() == 0);
    REQUIRE(accumulator(1).item<long long>() == 1);
    const long per_output = allocations_of_one_output(tj::DType::Int64);

    long n = 0;
    long long last = -1;
    {
        CountAllocations counter;
        for (long i = 0; i < kCalls; ++i) last = accumulator(1).item<long long>();
        n = counter.count();
    }
    CHECK(last == kCalls + 1);
    CHECK(n == kCalls * per_output);
    CHECK(state.get_value().item<long long>() == kCalls + 2);

    SECTION("a copy with a swapped variable behaves the same") {
        auto other = tj::shared(0);
        auto copy = accumulator.copy({.swap = {{state, other}}});
        copy(1);
        copy(1);
        long copy_n = 0;
        {
            CountAllocations copy_counter;
            for (long i = 0; i < kCalls; ++i) copy(1);
            copy_n = copy_counter.count();
        }
        CHECK(copy_n == kCalls * per_output);
        CHECK(other.get_value().item<long long>() == kCalls + 2);
    }
}

TEST_CASE("constant folding does not compute results too large to keep", "[function][alloc]") {
    // arange(2^24) * 2 is constant: folding keeps only results of at most 64 elements, so
    // building must not compute these 128 MiB arrays (only the call does, once per call).
    const std::int64_t n = std::int64_t{1} << 24;
    auto x = tj::vector("x", tj::DType::Int64);
    // A salt unique to this run, so that the build misses the disk cache and runs the rewrites.
    const std::int64_t salt = static_cast<std::int64_t>(std::random_device{}() % 1000000);
    auto big = tj::arange(tj::Var(n)) * 2 + salt;
    std::size_t largest = 0;
    tj::Function f;
    {
        CountAllocations counter;
        f = tj::function({x}, x + big);
        largest = counter.largest_buffer();
    }
    CHECK(largest < 1024 * 1024);
    auto out = f(tj::Array::zeros(tj::DType::Int64, {n}));
    CHECK(out.flat(1) == 2 + salt);
    CHECK(out.flat(n - 1) == 2 * (n - 1) + salt);
}

// ---- call_into: the steady-state call allocates nothing at all -------------------------------

TEST_CASE("call_into of a scalar function allocates nothing", "[function][alloc]") {
    auto [x, y] = tj::dscalars("x", "y");
    auto f = tj::function({x, tj::In(y, 1)}, x + y);
    tj::Array out = tj::Array::empty(tj::DType::Float64, {});
    f.call_into(out, 33);
    long n = 0;
    double sum = 0;
    {
        CountAllocations counter;
        for (long i = 0; i < kCalls; ++i) {
            f.call_into(out, 33);
            sum += out.cdata<double>()[0];
        }
        n = counter.count();
    }
    CHECK(sum == 34.0 * kCalls);
    CHECK(n == 0);
}

TEST_CASE("call_into of the tutorial's training step allocates nothing", "[function][alloc]") {
    // TUTORIAL section 7's train function (outputs, two updates written in place, two gemv),
    // on float64 data so that no argument needs a conversion.
    tj::Generator rng(2882);
    auto m = tj_test::logistic_model(rng.standard_normal({100}));
    const tj::Array xs = rng.standard_normal({400, 100});
    const tj::Array ys = rng.integers(0, 2, {400}).astype(tj::DType::Float64);
    auto train = tj::function({m.x, m.y}, {m.prediction, m.xent},
                              {.updates = {{m.w, m.w - 0.1 * m.gw}, {m.b, m.b - 0.1 * m.gb}}});
    const std::vector<tj::Array> outs{tj::Array::empty(tj::DType::Bool, {400}),
                                      tj::Array::empty(tj::DType::Float64, {400})};
    // Warm-up: the first calls set up buffers that the later ones reuse.
    for (int i = 0; i < 3; ++i) train.call_into(outs, xs, ys);
    auto mean = [](const tj::Array& a) {
        double total = 0;
        for (std::int64_t i = 0; i < a.size(); ++i) total += a.flat(i);
        return total / static_cast<double>(a.size());
    };
    const double cost_before = mean(outs[1]);
    long n = 0;
    {
        CountAllocations counter;
        for (long i = 0; i < 100; ++i) train.call_into(outs, xs, ys);
        n = counter.count();
    }
    CHECK(n == 0);
    // And it trains: the mean cross-entropy went down.
    CHECK(mean(outs[1]) < cost_before);
}

TEST_CASE("arguments of any layout are bound without a copy", "[function][alloc]") {
    // Wrapped memory in Fortran order, reversed, and broadcast (zero strides): the strided
    // kernel reads it in place. A copy of an argument would be an allocation.
    auto x = tj::dmatrix("x");
    auto v = tj::dvector("v");
    auto f = tj::function({x, v}, tj::exp(x) * 2 + v);
    std::vector<double> buf(64 * 32), vec(32);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<double>(i % 7) * 0.1;
    for (std::size_t i = 0; i < vec.size(); ++i) vec[i] = static_cast<double>(i);
    const tj::Array layouts[] = {
        tj::Array::wrap(buf.data(), tj::DType::Float64, {64, 32}, {8, 64 * 8}),
        tj::Array::wrap(buf.data() + 64 * 32 - 1, tj::DType::Float64, {64, 32}, {-32 * 8, -8}),
        tj::Array::wrap(buf.data(), tj::DType::Float64, {64, 32}, {0, 8}),
    };
    const tj::Array vv = tj::Array::wrap(vec.data() + 31, tj::DType::Float64, {32}, {-8});
    tj::Array out = tj::Array::empty(tj::DType::Float64, {64, 32});
    // An output written through strides gets a private buffer, kept from call to call.
    tj::Array strided_out = tj::Array::empty(tj::DType::Float64, {32, 64}).transpose();
    const auto before = tj::compile_stats();
    for (const tj::Array& a : layouts) {
        f.call_into(out, a, vv); // compiles (or loads) the kernel of the layout
        f.call_into(strided_out, a, vv);
        // The kernel for strided arguments (one for these three layouts: both arguments strided).
        const auto after = tj::compile_stats();
        CHECK(after.clang_compiles + after.disk_hits + after.memory_hits ==
              before.clang_compiles + before.disk_hits + before.memory_hits + 1);
        long n = 0;
        {
            CountAllocations counter;
            for (long i = 0; i < 100; ++i) {
                f.call_into(out, a, vv);
                f.call_into(strided_out, a, vv);
            }
            n = counter.count();
        }
        CHECK(n == 0);
        // The values of the same call with C-contiguous copies (the contiguous kernel, whose
        // vectorized exp may round differently in the last place).
        const tj::Array expected = f(a.copy(), vv.copy());
        CHECK(tj::allclose(out, expected, 1e-14, 0));
        CHECK(strided_out.equals(out));
    }
}

// ---- scan: the loop allocates nothing per step -------------------------------------------------

TEST_CASE("a scan allocates nothing per step (call_into of a 1000-step RNN: nothing at all)",
          "[function][alloc][scan]") {
    tj::Var x = tj::matrix("x");
    tj::Var h0 = tj::vector("h0");
    tj::Var W = tj::matrix("W");
    auto r = tj::scan(
        [](tj::Var x_t, tj::Var h, tj::Var w) { return tj::tanh(tj::dot(w, h) + x_t); },
        {.sequences = {x}, .outputs_info = {h0}, .non_sequences = {W}});
    auto stacked = tj::function({x, h0, W}, r.output());
    // Only the last state (save_mem: a ring of rows instead of one per step).
    auto last = tj::function({x, h0, W}, r.output()(-1), {.rewrites = true});
    const tj::Array xs = tj::Array::full(tj::DType::Float64, {1000, 8}, 0.01);
    const tj::Array h = tj::Array::full(tj::DType::Float64, {8}, 0.5);
    const tj::Array w = tj::Array::full(tj::DType::Float64, {8, 8}, 0.1);
    tj::Array out = tj::Array::empty(tj::DType::Float64, {1000, 8});
    tj::Array out_last = tj::Array::empty(tj::DType::Float64, {8});
    stacked.call_into(out, xs, h, w); // warm-up
    last.call_into(out_last, xs, h, w);
    long n = 0;
    {
        CountAllocations counter;
        for (int i = 0; i < 10; ++i) {
            stacked.call_into(out, xs, h, w);
            last.call_into(out_last, xs, h, w);
        }
        n = counter.count();
    }
    CHECK(n == 0);
    for (int j = 0; j < 8; ++j) CHECK(out_last.flat(j) == out.at({999, j}));

    // An until loop grows its rows geometrically: a few allocations per call, not one per step.
    tj::Var s = tj::scalar("s");
    auto until = tj::scan(
        [](tj::Var v) {
            tj::Var next = v + 1.0;
            return tj::ScanStep({next}, tj::until(next >= 4000.0));
        },
        {.outputs_info = {s}});
    auto count_up = tj::function({s}, until.output());
    REQUIRE(count_up(0.0).shape() == tj::Dims{4000});
    {
        CountAllocations counter;
        tj::Array up = count_up(0.0);
        n = counter.count();
        CHECK(up.flat(3999) == 4000.0);
    }
    // 16 rows doubled up to 4096: 9 buffers and the output, each array a buffer and its storage
    // record (allocations_of_one_output).
    CHECK(n == 10 * allocations_of_one_output(tj::DType::Float64, {16}));
}
