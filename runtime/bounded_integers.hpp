/// \file
/// NumPy's bounded integer draws (numpy/random/src/distributions/distributions.c) on the PCG64
/// words: Lemire's method on [0, rng] for 64- and 32-bit values, the buffered 16-, 8- and 1-bit
/// draws of the small integer dtypes, and random_interval's masked rejection. Internal to the
/// runtime; inline, as the fill loops of tj::Generator and the kernels call them per value.
#pragma once

#include "runtime/pcg64.hpp"

#include <cstdint>

namespace tensorjit::detail {

// Lemire on [0, rng], rng < 2^32 - 1.
inline u32 bounded_lemire_u32(u64* s, u32 rng) {
    const u32 rng_excl = rng + 1;
    u64 m = static_cast<u64>(next_u32(s)) * rng_excl;
    u32 leftover = static_cast<u32>(m & 0xffffffffULL);
    if (leftover < rng_excl) {
        // rng_excl is a cheap upper bound of the threshold: the modulo is rarely needed.
        const u32 threshold = (0xffffffffU - rng) % rng_excl;
        while (leftover < threshold) {
            m = static_cast<u64>(next_u32(s)) * rng_excl;
            leftover = static_cast<u32>(m & 0xffffffffULL);
        }
    }
    return static_cast<u32>(m >> 32);
}

// Lemire on [0, rng], rng < 2^64 - 1, with a 128-bit product.
inline u64 bounded_lemire_u64(u64* s, u64 rng) {
    const u64 rng_excl = rng + 1;
    u128 m = static_cast<u128>(next_u64(s)) * rng_excl;
    u64 leftover = static_cast<u64>(m);
    if (leftover < rng_excl) {
        const u64 threshold = (~0ULL - rng) % rng_excl;
        while (leftover < threshold) {
            m = static_cast<u128>(next_u64(s)) * rng_excl;
            leftover = static_cast<u64>(m);
        }
    }
    return static_cast<u64>(m >> 64);
}

// random_bounded_uint64_fill for one value: [0, rng] on the 32-bit path when rng fits.
inline u64 bounded_u64(u64* s, u64 rng) {
    if (rng == 0) return 0;
    if (rng <= 0xffffffffULL) {
        if (rng == 0xffffffffULL) return next_u32(s);
        return bounded_lemire_u32(s, static_cast<u32>(rng));
    }
    if (rng == ~0ULL) return next_u64(s);
    return bounded_lemire_u64(s, rng);
}

// random_bounded_uint32_fill for one value.
inline u32 bounded_u32(u64* s, u32 rng) {
    if (rng == 0) return 0;
    if (rng == 0xffffffffU) return next_u32(s);
    return bounded_lemire_u32(s, rng);
}

// random_interval: smallest all-ones mask >= max, then rejection (NumPy's shuffle uses this).
inline u64 interval(u64* s, u64 max) {
    if (max == 0) return 0;
    u64 mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    u64 value;
    if (max <= 0xffffffffULL) {
        while ((value = (next_u32(s) & mask)) > max) {
        }
    } else {
        while ((value = (next_u64(s) & mask)) > max) {
        }
    }
    return value;
}

// The buffered 16-, 8- and 1-bit draws of the small integer dtypes: one 32-bit draw is cut into
// pieces; the buffer lives for one fill call, as in NumPy.
struct SmallBuffer {
    u32 buf = 0;
    int bcnt = 0;
};

inline std::uint16_t buffered_u16(u64* s, SmallBuffer& b) {
    if (!b.bcnt) {
        b.buf = next_u32(s);
        b.bcnt = 1;
    } else {
        b.buf >>= 16;
        b.bcnt -= 1;
    }
    return static_cast<std::uint16_t>(b.buf);
}

inline std::uint8_t buffered_u8(u64* s, SmallBuffer& b) {
    if (!b.bcnt) {
        b.buf = next_u32(s);
        b.bcnt = 3;
    } else {
        b.buf >>= 8;
        b.bcnt -= 1;
    }
    return static_cast<std::uint8_t>(b.buf);
}

inline std::uint16_t bounded_u16(u64* s, std::uint16_t rng, SmallBuffer& b) {
    if (rng == 0) return 0;
    if (rng == 0xffff) return buffered_u16(s, b);
    const std::uint16_t rng_excl = rng + 1;
    u32 m = static_cast<u32>(buffered_u16(s, b)) * rng_excl;
    std::uint16_t leftover = static_cast<std::uint16_t>(m & 0xffff);
    if (leftover < rng_excl) {
        const std::uint16_t threshold = static_cast<std::uint16_t>(0xffff - rng) % rng_excl;
        while (leftover < threshold) {
            m = static_cast<u32>(buffered_u16(s, b)) * rng_excl;
            leftover = static_cast<std::uint16_t>(m & 0xffff);
        }
    }
    return static_cast<std::uint16_t>(m >> 16);
}

inline std::uint8_t bounded_u8(u64* s, std::uint8_t rng, SmallBuffer& b) {
    if (rng == 0) return 0;
    if (rng == 0xff) return buffered_u8(s, b);
    const std::uint8_t rng_excl = rng + 1;
    std::uint16_t m = static_cast<std::uint16_t>(buffered_u8(s, b) * rng_excl);
    std::uint8_t leftover = static_cast<std::uint8_t>(m & 0xff);
    if (leftover < rng_excl) {
        const std::uint8_t threshold = static_cast<std::uint8_t>(0xff - rng) % rng_excl;
        while (leftover < threshold) {
            m = static_cast<std::uint16_t>(buffered_u8(s, b) * rng_excl);
            leftover = static_cast<std::uint8_t>(m & 0xff);
        }
    }
    return static_cast<std::uint8_t>(m >> 8);
}

inline bool bounded_bool(u64* s, bool off, bool rng, SmallBuffer& b) {
    if (!rng) return off;
    if (!b.bcnt) {
        b.buf = next_u32(s);
        b.bcnt = 31;
    } else {
        b.buf >>= 1;
        b.bcnt -= 1;
    }
    return (b.buf & 1U) != 0;
}

} // namespace tensorjit::detail
