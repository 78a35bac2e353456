/// \file
/// tj::Generator: NumPy's `np.random.default_rng(seed)` (PCG64 seeded through SeedSequence),
/// bit for bit, and tj::SeedSequence. The draw routines themselves are C functions on a 6-word
/// state (codegen_templates/random.h) so that JIT-compiled kernels and this class share one
/// implementation. See shared/spec/RANDOM.md.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/array.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

/// NumPy's SeedSequence with the default pool of 4 words: turns entropy (an integer or a
/// sequence of integers) plus a spawn key into well-mixed seed words.
class SeedSequence {
  public:
    /// SeedSequence(entropy, spawn_key): the integer is split into uint32 words, least significant
    /// first (0 is one word 0); so are the spawn-key entries.
    explicit SeedSequence(std::uint64_t entropy, std::vector<std::uint64_t> spawn_key = {});
    /// SeedSequence([w0, w1, ...], spawn_key): entropy given as uint32 words, least significant
    /// first. Equals NumPy's SeedSequence for the list [w0, w1, ...] and, when the last word is not
    /// 0, for the big integer sum(w_i << 32 i). An empty list is treated as NumPy treats `[]`.
    explicit SeedSequence(std::vector<std::uint32_t> entropy_words,
                          std::vector<std::uint64_t> spawn_key = {});
    /// A sequence seeded with 128 bits from std::random_device (NumPy's `SeedSequence()`).
    static SeedSequence from_os_entropy();

    /// The entropy as uint32 words, least significant first.
    const std::vector<std::uint32_t>& entropy() const { return entropy_; }
    const std::vector<std::uint64_t>& spawn_key() const { return spawn_key_; }
    /// How many children spawn() has handed out so far.
    std::uint64_t n_children_spawned() const { return n_children_spawned_; }
    /// The mixed pool of 4 words (NumPy's `pool`).
    const std::array<std::uint32_t, 4>& pool() const { return pool_; }

    /// generate_state(n, np.uint32).
    std::vector<std::uint32_t> generate_state_u32(std::size_t n_words) const;
    /// generate_state(n, np.uint64): 2n uint32 words paired little-endian.
    std::vector<std::uint64_t> generate_state_u64(std::size_t n_words) const;
    /// n children SeedSequence(entropy, spawn_key + (k,)) for k = n_children_spawned(), ...;
    /// advances n_children_spawned() by n.
    std::vector<SeedSequence> spawn(std::size_t n);

  private:
    void mix_entropy();

    std::vector<std::uint32_t> entropy_;
    std::vector<std::uint64_t> spawn_key_;
    std::uint64_t n_children_spawned_ = 0;
    std::array<std::uint32_t, 4> pool_{};
};

/// PCG64 (XSL-RR 128/64) state as NumPy's bit_generator.state holds it, with its plain 6-word
/// form: {state hi, state lo, inc hi, inc lo, has_uint32, uinteger}. The 6-word form is what a
/// generator-state shared variable (uint64 array of shape (6,)) and the kernels' tj_rng_* C
/// functions use.
struct Pcg64State {
    /// The 128-bit LCG state (NumPy's state["state"]["state"]).
    unsigned __int128 state = 0;
    /// The odd LCG increment (NumPy's state["state"]["inc"]).
    unsigned __int128 inc = 1;
    /// True when half of a 64-bit draw is saved for the next 32-bit draw.
    bool has_uint32 = false;
    std::uint32_t uinteger = 0;

    /// The 6-word form.
    std::array<std::uint64_t, 6> to_words() const;
    /// From the 6-word form; ValueError when has_uint32 is not 0/1 or uinteger exceeds 32 bits.
    static Pcg64State from_words(const std::array<std::uint64_t, 6>& words);
    /// PCG64 seeded as NumPy's PCG64(seed_seq): from seed_seq.generate_state(4, uint64).
    static Pcg64State from_seed_sequence(const SeedSequence& seed_seq);
    friend bool operator==(const Pcg64State&, const Pcg64State&) = default;
};

/// NumPy's Generator(PCG64(...)). Every method draws exactly as the NumPy method of the same name
/// (same algorithm, same number and order of draws, arrays filled in C order) unless its comment
/// says otherwise. Methods taking `size` return an array of that shape: the float ones of dtype
/// tj::config().floatX (float64 unless set; with float32 they hold the float64 draws rounded:
/// NumPy's float32 algorithms, dtype=np.float32, are not implemented), the others as stated;
/// an empty `size` ({}) gives a 0-d array, as NumPy's size=() does (same draws as size=None). The
/// overloads without `size` return one scalar. Bad parameters throw ValueError naming the method,
/// the parameter and the value. Not thread-safe (as NumPy's, without its lock).
class Generator {
  public:
    /// default_rng(seed).
    explicit Generator(std::uint64_t seed);
    /// Generator(PCG64(seed_seq)).
    explicit Generator(const SeedSequence& seed_seq);
    /// A generator in the given state.
    explicit Generator(const Pcg64State& state);

    /// The state as a uint64 array of shape (6,) (the 6-word form of Pcg64State).
    Array state() const;
    /// Sets the state from a uint64 array of shape (6,); TypeError for another dtype, ShapeError
    /// for another shape, ValueError for a bad has_uint32/uinteger word.
    void set_state(const Array& state);
    /// The state as NumPy's bit_generator.state holds it.
    Pcg64State pcg_state() const;
    /// Puts the generator in that state.
    void set_pcg_state(const Pcg64State& state);
    /// The 6 state words the tj_rng_* C functions draw from (valid while the generator lives).
    /// `unsigned long long` as in the C ABI (std::uint64_t is `unsigned long`, another type).
    unsigned long long* state_words() { return words_.data(); }

    /// bit_generator.random_raw(): the next raw 64-bit output.
    std::uint64_t random_raw();
    /// bit_generator.random_raw(n) as a uint64 array.
    Array random_raw(const Dims& size);

    /// Uniform on [0, 1): (next_uint64 >> 11) * 2^-53.
    double random();
    Array random(const Dims& size);
    /// low + (high - low) * random(). ValueError when high - low is not finite.
    double uniform(double low, double high);
    Array uniform(double low, double high, const Dims& size);

    /// Standard normal by NumPy's 256-layer ziggurat.
    double standard_normal();
    Array standard_normal(const Dims& size);
    /// loc + scale * standard_normal(); ValueError when scale < 0 or NaN.
    double normal(double loc, double scale);
    Array normal(double loc, double scale, const Dims& size);

    /// Uniform integers in [low, high) (high exclusive), by NumPy's default (Lemire) method.
    /// dtype: Int64 (default) and Int32/UInt64/UInt32 use the 64/32-bit paths; Int16/UInt16,
    /// Int8/UInt8 and Bool use NumPy's buffered 16/8/1-bit paths. ValueError when low >= high or
    /// a bound does not fit the dtype.
    std::int64_t integers(std::int64_t low, std::int64_t high);
    Array integers(std::int64_t low, std::int64_t high, const Dims& size,
                   DType dtype = DType::Int64);

    /// Standard exponential by NumPy's 256-layer ziggurat.
    double standard_exponential();
    Array standard_exponential(const Dims& size);
    /// scale * standard_exponential(); ValueError when scale < 0 or NaN.
    double exponential(double scale);
    Array exponential(double scale, const Dims& size);

    /// Marsaglia-Tsang (shape > 1), rejection from exponential (shape < 1); ValueError when
    /// shape < 0 or NaN.
    double standard_gamma(double shape);
    Array standard_gamma(double shape, const Dims& size);
    /// scale * standard_gamma(shape); ValueError when shape or scale < 0 or NaN.
    double gamma(double shape, double scale);
    Array gamma(double shape, double scale, const Dims& size);

    /// Beta(a, b): Johnk's algorithm when a, b <= 1, else a ratio of gammas (as NumPy).
    /// ValueError when a or b <= 0 or NaN.
    double beta(double a, double b);
    Array beta(double a, double b, const Dims& size);

    /// Binomial(n, p) as int64, by NumPy's inversion (n p <= 30) or BTPE. ValueError when n < 0 or
    /// p is outside [0, 1] or NaN.
    std::int64_t binomial(std::int64_t n, double p);
    Array binomial(std::int64_t n, double p, const Dims& size);

    /// NumPy has no bernoulli: this is binomial(1, p) (same draws), as int64 0/1.
    std::int64_t bernoulli(double p);
    Array bernoulli(double p, const Dims& size);

    /// Poisson(lam) as int64: multiplication method (lam < 10) or PTRS. ValueError when lam < 0,
    /// NaN, or too large (> about 9.2e18).
    std::int64_t poisson(double lam);
    Array poisson(double lam, const Dims& size);

    /// choice(n, size, replace, p): int64 samples from range(n). With p (length n, non-negative,
    /// summing to 1 within sqrt(eps)): inverse CDF on random(); without replacement: NumPy's
    /// Floyd / tail-shuffle algorithms (distinct values), or its repeated-draw loop with p.
    Array choice(std::int64_t n, const Dims& size, bool replace = true,
                 const std::optional<std::vector<double>>& p = std::nullopt);
    /// choice(a, ...): elements (rows along axis 0) of a at the indices choice(len(a), ...) draws;
    /// the result has shape size + a.shape[1:] and a's dtype.
    Array choice(const Array& a, const Dims& size, bool replace = true,
                 const std::optional<std::vector<double>>& p = std::nullopt);

    /// permutation(n): a shuffled arange(n) (int64), by NumPy's Fisher-Yates with random_interval.
    Array permutation(std::int64_t n);
    /// permutation(a): a copy of a with its rows along axis 0 shuffled (same draws as
    /// permutation(a.shape[0])); ValueError for a 0-d array.
    Array permutation(const Array& a);

  private:
    std::vector<std::int64_t> shuffled_indices(std::int64_t n);
    std::vector<std::int64_t> choice_indices(std::int64_t n, std::int64_t count, bool replace,
                                             const std::optional<std::vector<double>>& p,
                                             const char* who);

    std::array<unsigned long long, 6> words_{};
};

} // namespace tensorjit
TJ_API_END
