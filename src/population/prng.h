// A small, fully specified pseudo-random generator for synthetic populations.
//
// Populations must be byte-identical for the same seed on every machine and
// every standard library, so nothing here uses <random>'s distributions (whose
// algorithms are implementation-defined) or floating point (whose libm results
// may differ). Everything is 64-bit integer arithmetic: SplitMix64 (Steele,
// Lea and Flood, 2014) for the stream, Lemire's multiply-shift for bounded draws.
//
// Thread-safety: a Prng is a value; copies are independent streams.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace bursar::population {

// SplitMix64's output function: a bijective 64-bit mixer.
constexpr uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Prng {
 public:
  explicit constexpr Prng(uint64_t state) : state_(state) {}

  // An independent stream for a tuple of keys (seed, enterprise, year, purpose...):
  // each key is folded through the mixer, so streams for neighbouring keys share
  // nothing and drawing more from one never shifts another.
  static constexpr Prng For(std::initializer_list<uint64_t> keys) {
    uint64_t h = 0x6A09E667F3BCC909ULL;
    for (uint64_t k : keys) h = Mix64(h ^ Mix64(k + 0x9E3779B97F4A7C15ULL));
    return Prng(h);
  }

  constexpr uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return Mix64(state_);
  }

  // Uniform in [0, n). REQUIRES: n > 0. The bias (< n / 2^64) is irrelevant here.
  constexpr uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

  // Uniform in [lo, hi]. REQUIRES: lo <= hi, hi - lo < 2^63.
  constexpr int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }

  // True with probability per_mille / 1000.
  constexpr bool PerMille(uint64_t per_mille) { return Below(1000) < per_mille; }

  // A heavy-tailed integer in [10^lo_exp, 10^hi_exp): the decade is uniform,
  // then a quarter-decade within it (boundaries 1, 1.78, 3.16, 5.62), then a
  // uniform value inside that quarter. This approximates a log-uniform
  // distribution with integers only. REQUIRES: 0 <= lo_exp < hi_exp <= 18.
  constexpr int64_t LogUniform(int lo_exp, int hi_exp) {
    // Quarter-decade boundaries times 10^4 (10^(k/4) rounded).
    constexpr int64_t kQuarter[5] = {10000, 17783, 31623, 56234, 100000};
    int exp = lo_exp + static_cast<int>(Below(static_cast<uint64_t>(hi_exp - lo_exp)));
    int q = static_cast<int>(Below(4));
    int64_t p = 1;
    for (int i = 0; i < exp; ++i) p *= 10;
    // lo = p * kQuarter[q] / 10^4 computed without overflow for p <= 10^17.
    int64_t lo = exp >= 4 ? p / 10000 * kQuarter[q] : p * kQuarter[q] / 10000;
    int64_t hi = exp >= 4 ? p / 10000 * kQuarter[q + 1] : p * kQuarter[q + 1] / 10000;
    if (hi <= lo) return lo;
    return Between(lo, hi - 1);
  }

 private:
  uint64_t state_;
};

}  // namespace bursar::population
