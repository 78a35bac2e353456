// PCG64 on the 6-word state (see pcg64.hpp): seeding from a SeedSequence, and Pcg64State,
// the words as NumPy's bit_generator.state dictionary holds them.
#include "runtime/pcg64.hpp"

namespace tensorjit {

namespace detail {

void seed_words(u64* s, const SeedSequence& seq) {
    auto v = seq.generate_state_u64(4);
    u128 initstate = join(v[0], v[1]);
    u128 initseq = join(v[2], v[3]);
    // pcg_setseq_128_srandom_r
    u128 state = 0;
    u128 inc = (initseq << 1) | 1;
    s[2] = static_cast<u64>(inc >> 64);
    s[3] = static_cast<u64>(inc);
    s[0] = s[1] = 0;
    pcg_step(s);
    state = join(s[0], s[1]) + initstate;
    s[0] = static_cast<u64>(state >> 64);
    s[1] = static_cast<u64>(state);
    pcg_step(s);
    s[4] = 0;
    s[5] = 0;
}

} // namespace detail

using detail::join;
using detail::seed_words;
using detail::u64;

std::array<std::uint64_t, 6> Pcg64State::to_words() const {
    return {static_cast<std::uint64_t>(state >> 64),
            static_cast<std::uint64_t>(state),
            static_cast<std::uint64_t>(inc >> 64),
            static_cast<std::uint64_t>(inc),
            has_uint32 ? 1U : 0U,
            uinteger};
}

Pcg64State Pcg64State::from_words(const std::array<std::uint64_t, 6>& w) {
    TJ_CHECK(w[4] <= 1, ValueError)
        << "Generator state: has_uint32 word must be 0 or 1, got " << w[4];
    TJ_CHECK(w[5] <= 0xffffffffULL, ValueError)
        << "Generator state: uinteger word must fit in 32 bits, got " << w[5];
    Pcg64State st;
    st.state = join(w[0], w[1]);
    st.inc = join(w[2], w[3]);
    st.has_uint32 = w[4] != 0;
    st.uinteger = static_cast<std::uint32_t>(w[5]);
    return st;
}

Pcg64State Pcg64State::from_seed_sequence(const SeedSequence& seed_seq) {
    std::array<u64, 6> w{};
    seed_words(w.data(), seed_seq);
    return from_words({w[0], w[1], w[2], w[3], w[4], w[5]});
}

} // namespace tensorjit
