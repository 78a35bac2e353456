/// \file
/// PCG64 (NumPy's default bit generator: a 128-bit LCG with the XSL-RR output) on the 6-word
/// state of codegen_templates/random.h, shared by the distributions, tj::Generator and the C ABI
/// of the JIT kernels. Internal to the runtime.
///
/// Word layout: s[0..1] state hi/lo, s[2..3] inc hi/lo, s[4] has_uint32, s[5] uinteger.
#pragma once

#include <tensorjit/generator.hpp>

#include <cstdint>

namespace tensorjit::detail {

using u32 = std::uint32_t;
using u64 = unsigned long long;
using u128 = unsigned __int128;

/// The LCG multiplier of pcg64.
inline constexpr u128 kPcgMult =
    (static_cast<u128>(2549297995355413924ULL) << 64) | 4865540595714422341ULL;

/// The 128-bit value of the words hi and lo.
inline u128 join(u64 hi, u64 lo) { return (static_cast<u128>(hi) << 64) | lo; }

/// One LCG step of the state words s[0..1].
inline void pcg_step(u64* s) {
    u128 state = join(s[0], s[1]) * kPcgMult + join(s[2], s[3]);
    s[0] = static_cast<u64>(state >> 64);
    s[1] = static_cast<u64>(state);
}

/// The next 64-bit output (pcg64_next64).
inline u64 next_u64(u64* s) {
    pcg_step(s);
    // XSL-RR: xor the halves, rotate right by the top 6 bits of the state.
    u64 x = s[0] ^ s[1];
    unsigned rot = static_cast<unsigned>(s[0] >> 58);
    return (x >> rot) | (x << ((64 - rot) & 63));
}

/// The next 32-bit output: the low half of a 64-bit draw, then its buffered high half
/// (pcg64_next32).
inline u32 next_u32(u64* s) {
    if (s[4]) {
        // NumPy leaves the stale half in uinteger; keeping it keeps the state words equal.
        s[4] = 0;
        return static_cast<u32>(s[5]);
    }
    u64 next = next_u64(s);
    s[4] = 1;
    s[5] = next >> 32;
    return static_cast<u32>(next & 0xffffffffULL);
}

/// A double in [0, 1) from the top 53 bits of a 64-bit draw.
inline double next_double(u64* s) {
    return static_cast<double>(next_u64(s) >> 11) * (1.0 / 9007199254740992.0);
}

/// Seeds the 6 words from seq as NumPy's PCG64(seed_seq) does (pcg_setseq_128_srandom_r on the
/// first four 64-bit words of seq's state); the 32-bit buffer is empty.
void seed_words(u64* s, const SeedSequence& seq);

} // namespace tensorjit::detail
