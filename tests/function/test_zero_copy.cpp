// Zero-copy interop (issue 12, item 3): calls read wrapped memory of any layout in place and
// never write it, f.call_into writes outputs into the caller's arrays, get_value({.borrow})
// returns a read-only snapshot without a copy, set_value({.borrow}) adopts an array. Values are
// checked against the copying call; that no argument is copied is counted in
// test_call_allocations.cpp.
#include <catch2/catch.hpp>

#include "support/test_util.hpp"
#include "support/tutorial_model.hpp"

#include <tensorjit/tensorjit.hpp>

#include <atomic>
#include <cstring>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

using Catch::Matchers::Contains;
using namespace tj::literals;

namespace {

std::vector<double> iota_vector(std::size_t n, double start = 0) {
    std::vector<double> v(n);
    std::iota(v.begin(), v.end(), start);
    return v;
}

std::vector<double> values(const tj::Array& a) {
    std::vector<double> v;
    for (std::int64_t i = 0; i < a.size(); ++i) v.push_back(a.flat(i));
    return v;
}

// A page of doubles that the process may read but not write: a kernel writing it would crash.
class ReadOnlyPage {
  public:
    explicit ReadOnlyPage(const std::vector<double>& v) {
        size_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        REQUIRE(v.size() * sizeof(double) <= size_);
        mem_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        REQUIRE(mem_ != MAP_FAILED);
        std::memcpy(mem_, v.data(), v.size() * sizeof(double));
        REQUIRE(mprotect(mem_, size_, PROT_READ) == 0);
    }
    ~ReadOnlyPage() { munmap(mem_, size_); }
    ReadOnlyPage(const ReadOnlyPage&) = delete;
    const double* data() const { return static_cast<const double*>(mem_); }

  private:
    void* mem_ = nullptr;
    std::size_t size_ = 0;
};

// Whether the function's kernel writes an update in place (into the variable's buffer).
bool in_place(const tj::FunctionBase& f) {
    return f.kernel_source({.templates = false}).find("/* in place:") != std::string::npos;
}

} // namespace

TEST_CASE("arguments of any layout are read in place", "[function][zero_copy]") {
    auto x = tj::dmatrix("x");
    auto v = tj::dvector("v");
    auto f = tj::function({x, v}, tj::exp(x) * 2 + v - tj::sum(x, 0));
    std::vector<double> buf = iota_vector(12, -3);
    for (auto& e : buf) e /= 4;
    const std::vector<double> vec{0.5, -1.5, 2.5};
    const tj::Array vv = tj::Array::wrap(vec.data(), tj::DType::Float64, {3});
    auto check = [&](const tj::Array& a) {
        INFO("strides " << tj::shape_str(a.strides()));
        // The reference: the same call with C-contiguous copies.
        CHECK(tj_test::all_close(f(a, vv), f(a.copy(), vv.copy())));
    };
    check(tj::Array::wrap(buf.data(), tj::DType::Float64, {4, 3}));
    check(tj::Array::wrap(buf.data(), tj::DType::Float64, {4, 3}, {8, 32}));        // Fortran order
    check(tj::Array::wrap(buf.data() + 11, tj::DType::Float64, {4, 3}, {-24, -8})); // reversed
    check(tj::Array::wrap(buf.data() + 9, tj::DType::Float64, {4, 3}, {-24, 8}));
    check(tj::Array::wrap(buf.data(), tj::DType::Float64, {4, 3}, {0, 8}));   // broadcast rows
    check(tj::Array::wrap(buf.data(), tj::DType::Float64, {4, 3}, {8, 0}));   // broadcast columns
    check(tj::Array::wrap(buf.data(), tj::DType::Float64, {2, 3}, {48, 16})); // every other
    // The vector too: reversed, and broadcast from one element.
    const tj::Array a = tj::Array::wrap(buf.data(), tj::DType::Float64, {4, 3});
    CHECK(tj_test::all_close(f(a, tj::Array::wrap(vec.data() + 2, tj::DType::Float64, {3}, {-8})),
                             f(a, tj::Array({2.5, -1.5, 0.5}))));
    CHECK(tj_test::all_close(f(a, tj::Array::wrap(vec.data(), tj::DType::Float64, {3}, {0})),
                             f(a, tj::Array({0.5, 0.5, 0.5}))));
}

TEST_CASE("read-only arguments are never written, in-place updates included",
          "[function][zero_copy]") {
    const ReadOnlyPage page(iota_vector(8, 1));
    const tj::Array x = tj::Array::wrap(page.data(), tj::DType::Float64, {8}); // const: read-only
    REQUIRE(x.read_only());
    auto w = tj::shared(tj::Array::zeros(tj::DType::Float64, {8}), "w");
    auto xv = tj::dvector("x");
    // w + x alone reads w, element by element: the update is written in place, into w's buffer.
    auto f = tj::function({xv}, tj::sum(xv * 2), {.updates = {{w, w + xv}}});
    REQUIRE(in_place(f));
    CHECK(f(x).item<double>() == 72);
    CHECK(f(x.slice(0, 7, -9, -1)).item<double>() == 72); // reversed: the strided kernel
    CHECK(values(w.get_value()) == std::vector<double>(8, 9));
    CHECK(values(x) == iota_vector(8, 1));
    // A read-only array cannot become a variable's value without a copy.
    CHECK_THROWS_WITH(w.set_value(x, {.borrow = true}),
                      Contains("\"w\"") && Contains("array is read-only"));
    w.set_value(x); // a copy is fine
    f(x);
    CHECK(values(w.get_value()) == std::vector<double>{2, 4, 6, 8, 10, 12, 14, 16});
}

TEST_CASE("call_into writes the output into the caller's array", "[function][zero_copy]") {
    auto x = tj::dmatrix("x");
    auto f = tj::function({x}, tj::tanh(x) * 3 + 1);
    const tj::Array arg = tj::Array(std::vector<double>{0.1, -0.2, 0.3, 0.4, -0.5, 0.6}, {2, 3});
    const tj::Array expected = f(arg);

    SECTION("a C-contiguous array is the kernel's output buffer") {
        tj::Array out = tj::Array::empty(tj::DType::Float64, {2, 3});
        void* before = out.raw_data();
        f.call_into(out, arg);
        CHECK(out.raw_data() == before);
        CHECK(out.equals(expected));
        // Wrapped memory: the kernel writes the caller's buffer.
        std::vector<double> buf(6, -7);
        f.call_into(tj::Array::wrap(buf.data(), tj::DType::Float64, {2, 3}), arg);
        CHECK(buf == values(expected));
    }
    SECTION("a strided view receives the value; memory around it is untouched") {
        std::vector<double> buf(24, -7);
        const tj::Array big = tj::Array::wrap(buf.data(), tj::DType::Float64, {4, 6});
        const tj::Array every_other = big.slice(0, 0, 4, 2).slice(1, 1, 6, 2); // (2, 3)
        f.call_into(every_other, arg);
        CHECK(every_other.equals(expected));
        int untouched = 0;
        for (double e : buf) untouched += e == -7;
        CHECK(untouched == 24 - 6);
        // Fortran order, and reversed axes.
        tj::Array fortran = tj::Array::empty(tj::DType::Float64, {3, 2}).transpose();
        f.call_into(fortran, arg);
        CHECK(fortran.equals(expected));
        tj::Array reversed = tj::Array::empty(tj::DType::Float64, {2, 3}).slice(1, 2, -4, -1);
        f.call_into(reversed, arg);
        CHECK(reversed.equals(expected));
        // Calling again reuses the private buffer and gives the same values.
        f.call_into(every_other, arg);
        CHECK(every_other.equals(expected));
    }
    SECTION("0-d and empty outputs") {
        auto s = tj::dscalar("s");
        auto g = tj::function({s}, s * s + 1);
        double cell = 0;
        g.call_into(tj::Array::wrap(&cell, tj::DType::Float64, {}), 3);
        CHECK(cell == 10);
        tj::Array none = tj::Array::wrap(static_cast<double*>(nullptr), tj::DType::Float64, {0, 3});
        f.call_into(none, tj::Array::zeros(tj::DType::Float64, {0, 3}));
        CHECK(none.shape() == tj::Dims{0, 3});
    }
    SECTION("keyword arguments and defaults") {
        auto [a, b] = tj::dscalars("a", "b");
        auto g = tj::function({a, tj::In(b, 10, "bee")}, a - b);
        tj::Array out = tj::Array::empty(tj::DType::Float64, {});
        g.call_into(out, 1);
        CHECK(out.item<double>() == -9);
        g.call_into(out, 1, "bee"_a = 4);
        CHECK(out.item<double>() == -3);
        const std::vector<tj::Arg> args{5, 2};
        g.call_into(out, args);
        CHECK(out.item<double>() == 3);
    }
}

TEST_CASE("call_into of several outputs", "[function][zero_copy]") {
    auto x = tj::dvector("x");
    auto y = tj::exp(x);
    auto f = tj::function({x}, {y, tj::sum(x), y, x > 0});
    const tj::Array arg({-1.0, 0.5, 2.0});
    const std::vector<tj::Array> expected = f(arg);
    std::vector<tj::Array> outs{tj::Array::empty(tj::DType::Float64, {3}),
                                tj::Array::empty(tj::DType::Float64, {}),
                                tj::Array::empty(tj::DType::Float64, {6}).slice(0, 0, 6, 2),
                                tj::Array::empty(tj::DType::Bool, {3})};
    f.call_into(outs, arg);
    for (std::size_t i = 0; i < outs.size(); ++i) CHECK(outs[i].equals(expected[i]));
    // The same value twice: two arrays, not one memory.
    CHECK_FALSE(outs[0].may_share_memory(outs[2]));
    // A braced list of arrays.
    tj::Array a = tj::Array::empty(tj::DType::Float64, {3}),
              b = tj::Array::empty(tj::DType::Float64, {});
    tj::Array c = tj::Array::empty(tj::DType::Float64, {3}),
              d = tj::Array::empty(tj::DType::Bool, {3});
    f.call_into({a, b, c, d}, arg);
    CHECK(c.equals(expected[2]));
    CHECK(d.equals(expected[3]));

    CHECK_THROWS_WITH(f.call_into({a, b}, arg),
                      Contains("the function has 4 outputs, got 2 arrays"));
    CHECK_THROWS_WITH(f.call_into({a, b, a, d}, arg),
                      Contains("output array 3 overlaps the memory of output array 1"));
    CHECK_THROWS_WITH(f.call_into({a, b, tj::Array::empty(tj::DType::Float64, {4}), d}, arg),
                      Contains("output array 3 has shape (4,), but it receives the value of "
                               "output array 1, of shape (3,)"));
}

TEST_CASE("call_into checks its arrays; a failed call changes nothing", "[function][zero_copy]") {
    auto acc = tj::shared(0.0, "acc");
    auto w = tj::shared(tj::Array::zeros(tj::DType::Float64, {3}), "w");
    auto x = tj::dvector("x");
    // acc: an update swapped in after the kernel; w: an update written in place, last.
    auto f =
        tj::function({x}, x * 2, {.updates = {{acc, acc + tj::sum(x)}, {w, w + x}}, .name = "f"});
    REQUIRE(in_place(f));
    const tj::Array arg({1.0, 2.0, 3.0});
    auto unchanged = [&] {
        CHECK(acc.get_value().item<double>() == 0);
        CHECK(values(w.get_value()) == std::vector<double>{0, 0, 0});
    };
    SECTION("dtype, rank and the shape the call computes") {
        CHECK_THROWS_WITH(f.call_into(tj::Array::empty(tj::DType::Float32, {3}), arg),
                          Contains("f: call_into: the output array has dtype float32, the call "
                                   "computes float64"));
        CHECK_THROWS_WITH(f.call_into(tj::Array::empty(tj::DType::Float64, {3, 1}), arg),
                          Contains("has shape (3, 1), the call computes a 1-d value"));
        // The shape is known when the kernel allocates the output: an error of the call.
        CHECK_THROWS_AS(f.call_into(tj::Array::empty(tj::DType::Float64, {4}), arg),
                        tj::ValueError);
        CHECK_THROWS_WITH(f.call_into(tj::Array::empty(tj::DType::Float64, {4}), arg),
                          Contains("f: call_into: the output array has shape (4,), the call "
                                   "computes shape (3,)"));
        unchanged();
    }
    SECTION("read-only arrays") {
        std::vector<double> buf(3);
        const double* cbuf = buf.data();
        CHECK_THROWS_WITH(f.call_into(tj::Array::wrap(cbuf, tj::DType::Float64, {3}), arg),
                          Contains("the output array: array is read-only"));
        CHECK_THROWS_WITH(f.call_into(w.get_value({.borrow = true}), arg),
                          Contains("array is read-only"));
        unchanged();
    }
    SECTION("memory shared with an argument or a shared variable") {
        tj::Array data({1.0, 2.0, 3.0, 4.0});
        CHECK_THROWS_WITH(f.call_into(data.slice(0, 0, 3), data.slice(0, 1, 4)),
                          Contains("overlaps the memory of input \"x\""));
        // A variable the function only reads (one it updates in place is copied first, as its
        // buffer is shared: no overlap is left).
        auto g = tj::function({x}, x * w, {.updates = {{acc, acc + tj::sum(x)}}, .name = "g"});
        tj::Array mine = tj::Array::zeros(tj::DType::Float64, {3});
        w.set_value(mine, {.borrow = true});
        CHECK_THROWS_WITH(g.call_into(mine, arg),
                          Contains("g: call_into: the output array overlaps the memory of shared "
                                   "variable \"w\""));
        unchanged();
        f.call_into(mine, arg);
        CHECK(values(mine) == std::vector<double>{2, 4, 6});
        CHECK(values(w.get_value()) == std::vector<double>{1, 2, 3});
    }
    SECTION("the same call with a right array applies the updates") {
        tj::Array out = tj::Array::empty(tj::DType::Float64, {3});
        f.call_into(out, arg);
        CHECK(values(out) == std::vector<double>{2, 4, 6});
        CHECK(acc.get_value().item<double>() == 6);
        CHECK(values(w.get_value()) == std::vector<double>{1, 2, 3});
    }
}

TEST_CASE("a failed call_into with several in-place updates changes nothing",
          "[function][zero_copy]") {
    // Two in-place updates of different shapes (two loops written last) and outputs computed by
    // those loops: a wrong output shape must be found before either variable is written.
    auto u = tj::shared(tj::Array::zeros(tj::DType::Float64, {2}), "u");
    auto v = tj::shared(tj::Array::zeros(tj::DType::Float64, {3}), "v");
    auto [a, b] = tj::dvectors("a", "b");
    auto un = u * 2 + a, vn = v * 3 + b;
    auto f = tj::function({a, b}, {u * 2, v * 3}, {.updates = {{u, un}, {v, vn}}});
    REQUIRE(in_place(f));
    const tj::Array aa({1.0, 2.0}), bb({1.0, 2.0, 3.0});
    tj::Array o1 = tj::Array::empty(tj::DType::Float64, {2});
    CHECK_THROWS_AS(f.call_into({o1, tj::Array::empty(tj::DType::Float64, {4})}, aa, bb),
                    tj::ValueError);
    CHECK_THROWS_AS(f.call_into({tj::Array::empty(tj::DType::Float64, {5}),
                                 tj::Array::empty(tj::DType::Float64, {3})},
                                aa, bb),
                    tj::ValueError);
    CHECK(values(u.get_value()) == std::vector<double>{0, 0});
    CHECK(values(v.get_value()) == std::vector<double>{0, 0, 0});
    tj::Array o2 = tj::Array::empty(tj::DType::Float64, {3});
    f.call_into({o1, o2}, aa, bb);
    CHECK(values(u.get_value()) == std::vector<double>{1, 2});
    CHECK(values(v.get_value()) == std::vector<double>{1, 2, 3});
    CHECK(values(o1) == std::vector<double>{0, 0});
    // A folded reduction stored by the second loop: its array is allocated with the checks too.
    auto g = tj::function({a, b}, {u * 2, tj::sum(v * 3)}, {.updates = {{u, un}, {v, vn}}});
    REQUIRE(in_place(g));
    tj::Array total = tj::Array::empty(tj::DType::Float64, {});
    CHECK_THROWS_AS(g.call_into({tj::Array::empty(tj::DType::Float64, {1}), total}, aa, bb),
                    tj::ValueError);
    CHECK(values(v.get_value()) == std::vector<double>{1, 2, 3});
    g.call_into({o1, total}, aa, bb);
    CHECK(values(o1) == std::vector<double>{2, 4});
    CHECK(total.item<double>() == 18);
    CHECK(values(u.get_value()) == std::vector<double>{3, 6});
    CHECK(values(v.get_value()) == std::vector<double>{4, 8, 12});
}

TEST_CASE("call_into of an output that is also an update", "[function][zero_copy]") {
    auto w = tj::shared(tj::Array({1.0, 2.0}), "w");
    auto x = tj::dvector("x");
    auto next = w * x;
    auto f = tj::function({x}, next, {.updates = {{w, next}}});
    tj::Array out = tj::Array::empty(tj::DType::Float64, {2});
    f.call_into(out, tj::Array({3.0, 4.0}));
    CHECK(values(out) == std::vector<double>{3, 8});
    CHECK(values(w.get_value()) == std::vector<double>{3, 8});
    // The variable has its own copy: writing the output array does not change it.
    out.copy_from(tj::Array(0.0));
    CHECK(values(w.get_value()) == std::vector<double>{3, 8});
    // Into a strided view.
    tj::Array strided = tj::Array::zeros(tj::DType::Float64, {4}).slice(0, 0, 4, 2);
    f.call_into(strided, tj::Array({2.0, 0.5}));
    CHECK(values(strided) == std::vector<double>{6, 4});
    CHECK(values(w.get_value()) == std::vector<double>{6, 4});
}

TEST_CASE("call_into trains the tutorial's model as the copying call does",
          "[function][zero_copy]") {
    tj::Generator rng(2882);
    const tj::Array w0 = rng.standard_normal({20});
    const tj::Array xs = rng.standard_normal({50, 20});
    const tj::Array ys = rng.integers(0, 2, {50}).astype(tj::DType::Float64);
    auto m1 = tj_test::logistic_model(w0), m2 = tj_test::logistic_model(w0);
    auto train = [](const tj_test::LogisticModel& m) {
        return tj::function({m.x, m.y}, {m.prediction, m.xent},
                            {.updates = {{m.w, m.w - 0.1 * m.gw}, {m.b, m.b - 0.1 * m.gb}}});
    };
    auto t1 = train(m1), t2 = train(m2);
    // The data as Fortran-order external memory, the outputs into wrapped buffers.
    std::vector<double> fortran(50 * 20);
    for (int i = 0; i < 50; ++i)
        for (int j = 0; j < 20; ++j) fortran[static_cast<std::size_t>(j * 50 + i)] = xs.at({i, j});
    const tj::Array xf = tj::Array::wrap(fortran.data(), tj::DType::Float64, {50, 20}, {8, 400});
    std::vector<double> xent(50);
    tj::Array prediction = tj::Array::empty(tj::DType::Bool, {50});
    const tj::Array xent_out = tj::Array::wrap(xent.data(), tj::DType::Float64, {50});
    for (int step = 0; step < 10; ++step) {
        const auto r = t1(xs, ys);
        t2.call_into({prediction, xent_out}, xf, ys);
        CHECK(prediction.equals(r[0]));
        CHECK(tj_test::all_close(xent_out, r[1]));
    }
    CHECK(tj_test::all_close(m1.w.get_value(), m2.w.get_value()));
    CHECK(tj_test::all_close(m1.b.get_value(), m2.b.get_value()));
}

TEST_CASE("get_value with borrow is a read-only snapshot without a copy", "[function][zero_copy]") {
    auto w = tj::shared(tj::Array({1.0, 2.0, 3.0}), "w");
    const tj::Array v = w.get_value({.borrow = true});
    CHECK(v.read_only());
    CHECK(values(v) == std::vector<double>{1, 2, 3});
    // No copy: every borrow views the same buffer; a plain get_value copies.
    CHECK(w.get_value({.borrow = true}).raw_data() == v.raw_data());
    CHECK(w.get_value().raw_data() != v.raw_data());
    CHECK_THROWS_WITH(v.data<double>(), Contains("array is read-only"));
    CHECK_THROWS_WITH(v.copy_from(tj::Array(0.0)), Contains("array is read-only"));
    CHECK(v.cdata<double>()[2] == 3);

    auto x = tj::dvector("x");
    SECTION("an update written in place leaves it unchanged") {
        auto f = tj::function({x}, tj::sum(x), {.updates = {{w, w + x}}});
        REQUIRE(in_place(f));
        f(tj::Array({10.0, 10.0, 10.0}));
        CHECK(values(v) == std::vector<double>{1, 2, 3});
        CHECK(values(w.get_value()) == std::vector<double>{11, 12, 13});
        // Once no borrow is left, the update writes the variable's buffer again (no copy).
        const void* now = w.get_value({.borrow = true}).raw_data();
        f(tj::Array({1.0, 1.0, 1.0}));
        CHECK(w.get_value({.borrow = true}).raw_data() == now);
        CHECK(values(w.get_value()) == std::vector<double>{12, 13, 14});
    }
    SECTION("an update swapped in, and set_value, leave it unchanged") {
        auto g = tj::function({x}, tj::sum(x), {.updates = {{w, x + tj::max(w)}}});
        REQUIRE_FALSE(in_place(g));
        for (int i = 0; i < 3; ++i) g(tj::Array({5.0, 6.0, 7.0}));
        CHECK(values(v) == std::vector<double>{1, 2, 3});
        w.set_value(tj::Array({0.0, 0.0, 0.0}));
        CHECK(values(v) == std::vector<double>{1, 2, 3});
        CHECK(values(w.get_value()) == std::vector<double>{0, 0, 0});
    }
}

TEST_CASE("set_value with borrow adopts the array", "[function][zero_copy]") {
    auto w = tj::shared(tj::Array::zeros(tj::DType::Float64, {3}), "w");
    auto x = tj::dvector("x");
    auto read = tj::function({x}, tj::sum(w * x));
    std::vector<double> buf{1, 2, 3};
    tj::Array mine = tj::Array::wrap(buf.data(), tj::DType::Float64, {3});
    w.set_value(mine, {.borrow = true});
    CHECK(w.get_value({.borrow = true}).raw_data() == buf.data());
    CHECK(read(tj::Array({1.0, 1.0, 1.0})).item<double>() == 6);
    buf[0] = 100; // the function reads the caller's memory
    CHECK(read(tj::Array({1.0, 1.0, 1.0})).item<double>() == 105);

    // An update never writes memory another tj::Array views: `mine` keeps its values.
    auto inc = tj::function({x}, tj::sum(x), {.updates = {{w, w + x}}});
    REQUIRE(in_place(inc));
    inc(tj::Array({1.0, 1.0, 1.0}));
    CHECK(buf == std::vector<double>{100, 2, 3});
    CHECK(values(w.get_value()) == std::vector<double>{101, 3, 4});

    SECTION("once the caller's arrays are gone, an in-place update writes the adopted memory") {
        w.set_value(tj::Array::wrap(buf.data(), tj::DType::Float64, {3}), {.borrow = true});
        mine = tj::Array(0.0);
        inc(tj::Array({1.0, 1.0, 1.0}));
        CHECK(buf == std::vector<double>{101, 3, 4});
    }
    SECTION("another dtype or layout is copied") {
        std::vector<float> floats{1, 2, 3};
        w.set_value(tj::Array::wrap(floats.data(), tj::DType::Float32, {3}), {.borrow = true});
        CHECK(w.get_value({.borrow = true}).raw_data() != static_cast<void*>(floats.data()));
        w.set_value(mine.slice(0, 2, -4, -1), {.borrow = true});
        CHECK(w.get_value({.borrow = true}).raw_data() != mine.raw_data());
        CHECK(values(w.get_value()) == std::vector<double>{3, 2, 100});
    }
}

TEST_CASE("borrowed values stay consistent while another thread updates the variable",
          "[function][zero_copy][threads]") {
    // Every update adds 1 to every element, in place: a view the kernel wrote while another
    // thread read it would show elements of two different steps (and a data race to TSan).
    auto w = tj::shared(tj::Array::zeros(tj::DType::Float64, {4096}), "w");
    auto x = tj::dscalar("x");
    auto step = tj::function({x}, x, {.updates = {{w, w + x}}});
    REQUIRE(in_place(step));
    std::atomic<bool> done{false};
    std::thread updater([&] {
        for (int i = 0; i < 300; ++i) step(1.0);
        done = true;
    });
    long torn = 0, changed = 0, snapshots = 0;
    double last = -1;
    while (!done || snapshots == 0) {
        const tj::Array v = w.get_value({.borrow = true});
        const double* p = v.cdata<double>();
        const double first = p[0];
        for (std::int64_t i = 1; i < v.size(); ++i) torn += p[i] != first;
        std::this_thread::yield();
        for (std::int64_t i = 0; i < v.size(); ++i) changed += p[i] != first; // a snapshot
        CHECK(first >= last);
        last = first;
        ++snapshots;
    }
    updater.join();
    CHECK(torn == 0);
    CHECK(changed == 0);
    CHECK(w.get_value().at({4095}) == 300);
}
