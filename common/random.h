// Seeded random fills: every test and benchmark input comes from here, so a failure prints a
// seed that reproduces it exactly (std::mt19937_64 is specified bit for bit by the standard;
// the distributions below are written out by hand because std::uniform_*_distribution are not).
#pragma once
#include <cstdint>
#include <random>

#include "common/matrix.h"

namespace ik {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  std::uint64_t next_u64() { return gen_(); }
  // Uniform in [lo, hi): the top 24 bits give an exactly representable float in [0, 1).
  float uniform(float lo, float hi) {
    float u = static_cast<float>(gen_() >> 40) * (1.0f / 16777216.0f);
    return lo + (hi - lo) * u;
  }
  // Uniform integer in [lo, hi] (inclusive); the modulo bias is below 2^-40 for small ranges.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    std::uint64_t span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(gen_() % span);
  }

 private:
  std::mt19937_64 gen_;
};

// Fill the rows x cols part of a view; padding between cols and ld is left untouched.
inline void fill_uniform(MatrixView<float> m, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  for (index_t r = 0; r < m.rows; ++r)
    for (index_t c = 0; c < m.cols; ++c) m(r, c) = rng.uniform(lo, hi);
}
// Small integers: products and sums stay exact in fp32 as long as K * lo^2 < 2^24.
inline void fill_small_int(MatrixView<float> m, Rng& rng, int lo = -4, int hi = 4) {
  for (index_t r = 0; r < m.rows; ++r)
    for (index_t c = 0; c < m.cols; ++c) m(r, c) = static_cast<float>(rng.uniform_int(lo, hi));
}

}  // namespace ik
