// tj::Generator against NumPy bit for bit: the golden file (shared/golden/), the ziggurat tables,
// SeedSequence, the state words, and one stream through scalar draws, array draws and the C
// functions. Distribution fits and parameter errors: test_generator_distributions.cpp.
#include "generator_test_util.hpp"

TEST_CASE("golden: every case and key of numpy_pcg64.json matches bit for bit", "[random]") {
    const Value& cases = golden().at("cases");
    REQUIRE(cases.size() >= 8);
    REQUIRE(cases.is_array());
    for (const Value& c : cases) {
        const std::uint64_t seed = as_uint64(c.at("seed"));
        for (const auto& item : c.items()) {
            const std::string& key = item.key();
            const Value& expected = item.value();
            INFO("seed " << seed << ", key " << key);
            if (key == "seed") continue;
            if (key == "seedseq_generate_state_uint32x4") {
                auto words = tj::SeedSequence(seed).generate_state_u32(4);
                REQUIRE(words.size() == expected.size());
                for (std::size_t i = 0; i < words.size(); ++i)
                    CHECK(words[i] == as_uint64(expected.at(i)));
                continue;
            }
            if (key == "pcg64_state_after_seeding") {
                auto st = tj::Generator(seed).pcg_state();
                CHECK(st.state == parse_u128(as_text(expected.at("state"))));
                CHECK(st.inc == parse_u128(as_text(expected.at("inc"))));
                CHECK_FALSE(st.has_uint32);
                CHECK(st.uinteger == 0);
                continue;
            }
            auto rec = std::find_if(draw_records().begin(), draw_records().end(),
                                    [&](const DrawRecord& r) { return key == r.key; });
            // A key this test does not know is a failure, so new golden data is never skipped.
            REQUIRE(rec != draw_records().end());
            tj::Generator g(seed);
            tj::Array got = rec->draw(g);
            if (key == "exponential_x8_hex") {
                tj::Array e = tj::Generator(seed).standard_exponential({8});
                for (std::size_t i = 0; i < expected.size(); ++i)
                    CHECK(bits(1.5 * e.flat(static_cast<std::int64_t>(i))) ==
                          bits(as_double(expected.at(i))));
            }
            if (key.ends_with("_hex")) {
                check_hex(got, expected);
            } else if (key == "random_raw_uint64_x8") {
                REQUIRE(got.dtype() == tj::DType::UInt64);
                const std::uint64_t* p = got.data<std::uint64_t>();
                for (std::size_t i = 0; i < expected.size(); ++i)
                    CHECK(p[i] == as_uint64(expected.at(i)));
            } else {
                check_ints(got, expected);
            }
        }
    }
}

TEST_CASE("golden: the seed tutorial's logistic-regression data (seed 2882)", "[random]") {
    const Value& lr = golden().at("logistic_regression_data_seed2882");
    // The calls this test reproduces; a change of the description must change the test too.
    REQUIRE(as_text(lr.at("calls")) ==
            "standard_normal((400,784)); integers(size=400, low=0, high=2); standard_normal(784)");
    tj::Generator g(2882);
    tj::Array x = g.standard_normal({400, 784});
    tj::Array y = g.integers(0, 2, {400});
    tj::Array w0 = g.standard_normal({784});
    REQUIRE(x.shape() == tj::Dims{400, 784});
    REQUIRE(y.dtype() == tj::DType::Int64);

    const double* xp = x.data<double>();
    for (int i = 0; i < 8; ++i) {
        INFO("x first " << i << ": " << hex(xp[i]));
        CHECK(bits(xp[i]) == bits(as_double(lr.at("x_first8_hex").at(i))));
        INFO("x last " << i << ": " << hex(xp[x.size() - 8 + i]));
        CHECK(bits(xp[x.size() - 8 + i]) == bits(as_double(lr.at("x_last8_hex").at(i))));
    }
    double x_sum = numpy_sum(xp, x.size());
    INFO("x sum " << hex(x_sum));
    CHECK(bits(x_sum) == bits(as_double(lr.at("x_sum_hex"))));

    auto yv = to_ints(y);
    CHECK(std::accumulate(yv.begin(), yv.end(), std::int64_t{0}) == as_int64(lr.at("y_sum")));
    for (int i = 0; i < 16; ++i) CHECK(yv[i] == as_int64(lr.at("y_first16").at(i)));

    const double* wp = w0.data<double>();
    for (int i = 0; i < 8; ++i) CHECK(bits(wp[i]) == bits(as_double(lr.at("w0_first8_hex").at(i))));
    double w_sum = numpy_sum(wp, w0.size());
    INFO("w0 sum " << hex(w_sum));
    CHECK(bits(w_sum) == bits(as_double(lr.at("w0_sum_hex"))));
}

TEST_CASE("ziggurat_tables.inc equals ziggurat_tables.json entry by entry", "[random]") {
    const Value z = parse_golden("ziggurat_tables.json");
    const Value& t = z.at("tables");
    auto check_u = [&](const char* name, const auto* table) {
        INFO(name);
        REQUIRE(t.at(name).at("values").size() == 256);
        for (std::size_t i = 0; i < 256; ++i)
            CHECK(static_cast<std::uint64_t>(table[i]) == as_uint64(t.at(name).at("values").at(i)));
    };
    auto check_f = [&](const char* name, const auto* table) {
        INFO(name);
        REQUIRE(t.at(name).at("values").size() == 256);
        for (std::size_t i = 0; i < 256; ++i)
            CHECK(bits(static_cast<double>(table[i])) ==
                  bits(as_double(t.at(name).at("values").at(i))));
    };
    check_u("ki_double", zig::ki_double);
    check_u("ke_double", zig::ke_double);
    check_u("ki_float", zig::ki_float);
    check_u("ke_float", zig::ke_float);
    check_f("wi_double", zig::wi_double);
    check_f("fi_double", zig::fi_double);
    check_f("we_double", zig::we_double);
    check_f("fe_double", zig::fe_double);
    check_f("wi_float", zig::wi_float);
    check_f("fi_float", zig::fi_float);
    check_f("we_float", zig::we_float);
    check_f("fe_float", zig::fe_float);
    const Value& c = z.at("constants");
    CHECK(bits(zig::ziggurat_nor_r) == bits(as_double(c.at("ziggurat_nor_r").at("value"))));
    CHECK(bits(zig::ziggurat_nor_inv_r) == bits(as_double(c.at("ziggurat_nor_inv_r").at("value"))));
    CHECK(bits(zig::ziggurat_exp_r) == bits(as_double(c.at("ziggurat_exp_r").at("value"))));
    CHECK(bits(double{zig::ziggurat_nor_r_f}) ==
          bits(as_double(c.at("ziggurat_nor_r_f").at("value"))));
    CHECK(bits(double{zig::ziggurat_exp_r_f}) ==
          bits(as_double(c.at("ziggurat_exp_r_f").at("value"))));
}

TEST_CASE("SeedSequence: words, spawn keys and children", "[random]") {
    // An integer is split into uint32 words, least significant first; 0 is one word.
    CHECK(tj::SeedSequence(0).entropy() == std::vector<std::uint32_t>{0});
    CHECK(tj::SeedSequence(4294967303ULL).entropy() == std::vector<std::uint32_t>{7, 1});
    CHECK(tj::SeedSequence(std::vector<std::uint32_t>{7, 1}).pool() ==
          tj::SeedSequence(4294967303ULL).pool());

    // uint64 state words pair the uint32 words little-endian.
    tj::SeedSequence ss(12345);
    auto w32 = ss.generate_state_u32(8);
    auto w64 = ss.generate_state_u64(4);
    for (int i = 0; i < 4; ++i)
        CHECK(w64[i] == (std::uint64_t{w32[2 * i]} | (std::uint64_t{w32[2 * i + 1]} << 32)));

    for (std::uint64_t seed : {0ULL, 42ULL, 2882ULL, 4294967303ULL}) {
        INFO("seed " << seed);
        tj::SeedSequence parent(seed);
        auto first = parent.spawn(3);
        CHECK(parent.n_children_spawned() == 3);
        auto more = parent.spawn(2);
        CHECK(parent.n_children_spawned() == 5);
        first.insert(first.end(), more.begin(), more.end());
        for (std::uint64_t k = 0; k < 5; ++k) {
            INFO("child " << k);
            tj::SeedSequence direct(seed, {k});
            CHECK(first[k].spawn_key() == std::vector<std::uint64_t>{k});
            CHECK(first[k].entropy() == parent.entropy());
            CHECK(first[k].pool() == direct.pool());
            CHECK(tj::Generator(first[k]).random_raw() == tj::Generator(direct).random_raw());
        }
        // Children of children extend the key; the key changes the stream.
        auto grandchild = first[1].spawn(1)[0];
        CHECK(grandchild.spawn_key() == std::vector<std::uint64_t>{1, 0});
        CHECK(grandchild.pool() == tj::SeedSequence(seed, {1, 0}).pool());
        CHECK(tj::SeedSequence(seed, {0}).pool() != tj::SeedSequence(seed).pool());
        CHECK(tj::SeedSequence(seed, {0}).pool() != tj::SeedSequence(seed, {1}).pool());
    }
    // A key entry above 32 bits contributes two words.
    CHECK(tj::SeedSequence(5, {1ULL << 32}).pool() ==
          tj::SeedSequence(std::vector<std::uint32_t>{5}, {1ULL << 32}).pool());
    CHECK(tj::SeedSequence(5, {1ULL << 32}).pool() != tj::SeedSequence(5, {0}).pool());
    // Entropy from the OS gives different sequences.
    CHECK(tj::SeedSequence::from_os_entropy().pool() != tj::SeedSequence::from_os_entropy().pool());
}

TEST_CASE("Generator state: 6 words, round trips, the buffered uint32 half", "[random]") {
    tj::Generator g(42);
    tj::Array s0 = g.state();
    REQUIRE(s0.dtype() == tj::DType::UInt64);
    REQUIRE(s0.shape() == tj::Dims{6});
    auto st = g.pcg_state();
    CHECK(st.to_words()[0] == s0.data<std::uint64_t>()[0]);
    CHECK(tj::Pcg64State::from_words(st.to_words()) == st);
    CHECK(st.inc % 2 == 1);

    // One int64 draw on [0, 2) uses half of a 64-bit output and keeps the other half.
    g.integers(0, 2, {1});
    tj::Array s1 = g.state();
    CHECK(s1.data<std::uint64_t>()[4] == 1);
    tj::Array after = g.integers(0, 1000, {7});
    tj::Generator h(0);
    h.set_state(s1);
    CHECK(h.integers(0, 1000, {7}).equals(after));
    h.set_state(s0);
    tj::Generator fresh(42);
    CHECK(h.standard_normal({5}).equals(fresh.standard_normal({5})));
    CHECK(tj::Generator(st).random_raw() == tj::Generator(42).random_raw());

    // A state array shared with a kernel: the C functions advance the same words.
    tj::Generator a(7), b(7);
    for (int i = 0; i < 5; ++i) CHECK(tj_rng_next_uint64(a.state_words()) == b.random_raw());
    CHECK(a.state().equals(b.state()));

    CHECK_THROWS_AS(h.set_state(tj::Array(std::vector<double>(6, 0.0))), tj::TypeError);
    CHECK_THROWS_AS(h.set_state(tj::Array(std::vector<std::uint64_t>(5, 1))), tj::ShapeError);
    CHECK_VALUE_ERROR(h.set_state(tj::Array(std::vector<std::uint64_t>{1, 2, 3, 5, 2, 0})),
                      "has_uint32 word must be 0 or 1, got 2");
    CHECK_VALUE_ERROR(h.set_state(tj::Array(std::vector<std::uint64_t>{1, 2, 3, 5, 1, 1ULL << 32})),
                      "uinteger word must fit in 32 bits");
}

TEST_CASE("scalar draws, array draws and the C functions give one stream", "[random]") {
    for (std::uint64_t seed : {0ULL, 42ULL, 18446744073709551615ULL}) {
        INFO("seed " << seed);
        // tj_rng_seed seeds as Generator(seed): entropy words of the seed, empty spawn key.
        unsigned long long c[6];
        unsigned int ent[2] = {static_cast<unsigned>(seed), static_cast<unsigned>(seed >> 32)};
        tj_rng_seed(c, ent, (seed >> 32) ? 2 : 1, nullptr, 0);
        tj::Generator arr(seed), sca(seed);
        CHECK(std::equal(c, c + 6, tj::Generator(seed).state_words()));

        auto same = [&](const tj::Array& a, auto scalar_draw, auto c_draw) {
            auto v = to_doubles(a);
            for (double x : v) {
                double s = static_cast<double>(scalar_draw());
                double k = static_cast<double>(c_draw());
                CHECK(bits(s) == bits(x));
                CHECK(bits(k) == bits(x));
            }
        };
        same(
            arr.random({4}), [&] { return sca.random(); }, [&] { return tj_rng_next_double(c); });
        same(
            arr.uniform(-2, 5, {4}), [&] { return sca.uniform(-2, 5); },
            [&] { return tj_rng_uniform(c, -2, 5); });
        same(
            arr.normal(1, 3, {40}), [&] { return sca.normal(1, 3); },
            [&] { return tj_rng_normal(c, 1, 3); });
        same(
            arr.standard_normal({4}), [&] { return sca.standard_normal(); },
            [&] { return tj_rng_standard_normal(c); });
        same(
            arr.exponential(2, {40}), [&] { return sca.exponential(2); },
            [&] { return tj_rng_exponential(c, 2); });
        same(
            arr.standard_exponential({4}), [&] { return sca.standard_exponential(); },
            [&] { return tj_rng_standard_exponential(c); });
        same(
            arr.gamma(0.7, 2, {10}), [&] { return sca.gamma(0.7, 2); },
            [&] { return tj_rng_gamma(c, 0.7, 2); });
        same(
            arr.standard_gamma(3, {10}), [&] { return sca.standard_gamma(3); },
            [&] { return tj_rng_standard_gamma(c, 3); });
        same(
            arr.beta(0.5, 0.7, {10}), [&] { return sca.beta(0.5, 0.7); },
            [&] { return tj_rng_beta(c, 0.5, 0.7); });
        same(
            arr.integers(-3, 1000000000000000LL, {9}),
            [&] { return sca.integers(-3, 1000000000000000LL); },
            [&] { return tj_rng_integers(c, -3, 1000000000000000LL); });
        same(
            arr.integers(-3, 9, {9}, tj::DType::Int32), [&] { return sca.integers(-3, 9); },
            [&] { return tj_rng_integers32(c, -3, 9); });
        same(
            arr.binomial(40, 0.2, {10}), [&] { return sca.binomial(40, 0.2); },
            [&] { return tj_rng_binomial(c, 40, 0.2); });
        same(
            arr.binomial(500, 0.9, {10}), [&] { return sca.binomial(500, 0.9); },
            [&] { return tj_rng_binomial(c, 500, 0.9); });
        same(
            arr.bernoulli(0.3, {10}), [&] { return sca.bernoulli(0.3); },
            [&] { return tj_rng_bernoulli(c, 0.3); });
        same(
            arr.poisson(4.5, {10}), [&] { return sca.poisson(4.5); },
            [&] { return tj_rng_poisson(c, 4.5); });
        same(
            arr.poisson(1e6, {10}), [&] { return sca.poisson(1e6); },
            [&] { return tj_rng_poisson(c, 1e6); });
        CHECK(std::equal(c, c + 6, arr.state_words()));
    }
    // Invalid parameters: the C functions return a marker and leave the state alone.
    tj::Generator g(3);
    unsigned long long* s = g.state_words();
    tj::Array before = g.state();
    CHECK(std::isnan(tj_rng_normal(s, 0, -1)));
    CHECK(std::isnan(tj_rng_standard_gamma(s, -1)));
    CHECK(std::isnan(tj_rng_gamma(s, 1, NAN)));
    CHECK(std::isnan(tj_rng_beta(s, 0, 1)));
    CHECK(std::isnan(tj_rng_exponential(s, -2)));
    CHECK(tj_rng_binomial(s, 10, 1.5) == -1);
    CHECK(tj_rng_binomial(s, -1, 0.5) == -1);
    CHECK(tj_rng_bernoulli(s, NAN) == -1);
    CHECK(tj_rng_poisson(s, -3) == -1);
    CHECK(tj_rng_integers(s, 5, 5) == 5);
    CHECK(g.state().equals(before));
}
