/* \file
 * NumPy-compatible random draws (PCG64 + NumPy's Generator algorithms, shared/spec/RANDOM.md)
 * on a generator state held as 6 words: {state hi, state lo, inc hi, inc lo, has_uint32,
 * uinteger}, the layout of a generator-state shared variable (a uint64 array of shape (6,)).
 * Implemented once in the runtime (runtime/generator.cpp), which tj::Generator also uses, and
 * resolved from the host process by the JIT. Pasted into kernels: includes no standard header.
 *
 * Every function advances the state exactly as the NumPy method of the same name does for one
 * scalar draw. The functions do not report errors: the caller checks parameters (as
 * tj::Generator does, with NumPy's domain). For parameters outside the domain they return without
 * drawing: NaN for the real distributions, -1 for binomial/poisson/bernoulli, `low` for
 * integers, so a kernel can detect it after the fact. */
#ifndef TJ_RANDOM_H
#define TJ_RANDOM_H

#ifdef __cplusplus
extern "C" {
#endif

/* Seeds state6 as NumPy's PCG64(SeedSequence(entropy, spawn_key)): entropy as n_entropy uint32
 * words (least significant first), spawn_key as n_spawn integers. */
void tj_rng_seed(unsigned long long* state6, const unsigned int* entropy, long long n_entropy,
                 const unsigned long long* spawn_key, long long n_spawn);

/* Raw PCG64 output (bit_generator.random_raw()). */
unsigned long long tj_rng_next_uint64(unsigned long long* state6);
/* 32 bits: the saved high half of the previous 64-bit draw if there is one, else the low half of
 * a new draw (whose high half is saved). */
unsigned int tj_rng_next_uint32(unsigned long long* state6);
/* Uniform on [0, 1): (next_uint64 >> 11) * 2^-53 (random()). */
double tj_rng_next_double(unsigned long long* state6);
/* low + (high - low) * next_double (uniform()). */
double tj_rng_uniform(unsigned long long* state6, double low, double high);

/* Ziggurat standard normal; loc + scale * standard_normal (scale >= 0). */
double tj_rng_standard_normal(unsigned long long* state6);
double tj_rng_normal(unsigned long long* state6, double loc, double scale);
/* Ziggurat standard exponential; scale * standard_exponential (scale >= 0). */
double tj_rng_standard_exponential(unsigned long long* state6);
double tj_rng_exponential(unsigned long long* state6, double scale);
/* Gamma(shape) (shape >= 0); scale * standard_gamma(shape) (scale >= 0). */
double tj_rng_standard_gamma(unsigned long long* state6, double shape);
double tj_rng_gamma(unsigned long long* state6, double shape, double scale);
/* Beta(a, b) (a, b > 0). */
double tj_rng_beta(unsigned long long* state6, double a, double b);

/* Uniform integer in [low, high_exclusive) by NumPy's Lemire method, int64 dtype path. */
long long tj_rng_integers(unsigned long long* state6, long long low, long long high_exclusive);
/* The same for the int32 dtype (32-bit path). */
int tj_rng_integers32(unsigned long long* state6, int low, int high_exclusive);
/* NumPy's random_bounded_uint64(0, max): Lemire on [0, max] (choice's shuffles). */
unsigned long long tj_rng_bounded_uint64(unsigned long long* state6, unsigned long long max);
/* NumPy's random_interval(max): masked rejection on [0, max] (shuffle / permutation). */
unsigned long long tj_rng_interval(unsigned long long* state6, unsigned long long max);

/* Binomial(n, p) (n >= 0, 0 <= p <= 1); Bernoulli(p) = binomial(1, p); Poisson(lam) (lam >= 0). */
long long tj_rng_binomial(unsigned long long* state6, long long n, double p);
int tj_rng_bernoulli(unsigned long long* state6, double p);
long long tj_rng_poisson(unsigned long long* state6, double lam);

#ifdef __cplusplus
}
#endif

#endif
