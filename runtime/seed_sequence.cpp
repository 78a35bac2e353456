// NumPy's SeedSequence (numpy/random/bit_generator.pyx), transcribed so that the same entropy and
// spawn key give the same state words.
#include <tensorjit/generator.hpp>

#include <random>

namespace tensorjit {
namespace {

using u32 = std::uint32_t;

// ---- SeedSequence constants (numpy/random/bit_generator.pyx) ---------------------------------
constexpr u32 kInitA = 0x43b0d7e5;
constexpr u32 kMultA = 0x931e8875;
constexpr u32 kInitB = 0x8b51f9dd;
constexpr u32 kMultB = 0x58f38ded;
constexpr u32 kMixMultL = 0xca01f9dd;
constexpr u32 kMixMultR = 0x4973f715;
constexpr int kXShift = 16;
constexpr std::size_t kPoolSize = 4;

u32 hashmix(u32 value, u32& hash_const) {
    value ^= hash_const;
    hash_const *= kMultA;
    value *= hash_const;
    value ^= value >> kXShift;
    return value;
}

u32 mix(u32 x, u32 y) {
    u32 result = kMixMultL * x - kMixMultR * y;
    result ^= result >> kXShift;
    return result;
}

// NumPy's _int_to_uint32_array: least significant word first, 0 is one word.
void append_int_words(std::vector<u32>& out, std::uint64_t v) {
    out.push_back(static_cast<u32>(v));
    if (v >> 32) out.push_back(static_cast<u32>(v >> 32));
}

} // namespace

// ---- SeedSequence ------------------------------------------------------------------------------

SeedSequence::SeedSequence(std::uint64_t entropy, std::vector<std::uint64_t> spawn_key)
    : spawn_key_(std::move(spawn_key)) {
    append_int_words(entropy_, entropy);
    mix_entropy();
}

SeedSequence::SeedSequence(std::vector<std::uint32_t> entropy_words,
                           std::vector<std::uint64_t> spawn_key)
    : entropy_(std::move(entropy_words)), spawn_key_(std::move(spawn_key)) {
    mix_entropy();
}

SeedSequence SeedSequence::from_os_entropy() {
    // NumPy draws 128 bits from the OS (randbits(128)).
    std::random_device rd;
    std::vector<std::uint32_t> words(4);
    for (auto& w : words) w = rd();
    // Drop high zero words so that entropy() reads as the integer NumPy would hold.
    while (words.size() > 1 && words.back() == 0) words.pop_back();
    return SeedSequence(std::move(words));
}

void SeedSequence::mix_entropy() {
    // get_assembled_entropy: zero padding to the pool size separates the run entropy from the
    // spawn key only when there is a spawn key.
    std::vector<u32> entropy = entropy_;
    if (!spawn_key_.empty() && entropy.size() < kPoolSize) entropy.resize(kPoolSize, 0);
    for (auto k : spawn_key_) append_int_words(entropy, k);

    u32 hash_const = kInitA;
    for (std::size_t i = 0; i < kPoolSize; ++i)
        pool_[i] = hashmix(i < entropy.size() ? entropy[i] : 0, hash_const);
    for (std::size_t src = 0; src < kPoolSize; ++src)
        for (std::size_t dst = 0; dst < kPoolSize; ++dst)
            if (src != dst) pool_[dst] = mix(pool_[dst], hashmix(pool_[src], hash_const));
    for (std::size_t src = kPoolSize; src < entropy.size(); ++src)
        for (std::size_t dst = 0; dst < kPoolSize; ++dst)
            pool_[dst] = mix(pool_[dst], hashmix(entropy[src], hash_const));
}

std::vector<std::uint32_t> SeedSequence::generate_state_u32(std::size_t n_words) const {
    std::vector<std::uint32_t> out(n_words);
    u32 hash_const = kInitB;
    for (std::size_t i = 0; i < n_words; ++i) {
        u32 d = pool_[i % kPoolSize];
        d ^= hash_const;
        hash_const *= kMultB;
        d *= hash_const;
        d ^= d >> kXShift;
        out[i] = d;
    }
    return out;
}

std::vector<std::uint64_t> SeedSequence::generate_state_u64(std::size_t n_words) const {
    auto w = generate_state_u32(2 * n_words);
    std::vector<std::uint64_t> out(n_words);
    // Little-endian pairing: the first word is the low half, whatever the host's endianness.
    for (std::size_t i = 0; i < n_words; ++i)
        out[i] =
            static_cast<std::uint64_t>(w[2 * i]) | (static_cast<std::uint64_t>(w[2 * i + 1]) << 32);
    return out;
}

std::vector<SeedSequence> SeedSequence::spawn(std::size_t n) {
    std::vector<SeedSequence> children;
    children.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto key = spawn_key_;
        key.push_back(n_children_spawned_ + i);
        children.emplace_back(entropy_, std::move(key));
    }
    n_children_spawned_ += n;
    return children;
}

} // namespace tensorjit
