// fp32 FMA peak with ymm (AVX2 + FMA): 12 independent accumulation chains.
// Why 12: an FMA's result is ready after ~4 cycles and a core issues 2 per cycle (Intel since
// Haswell, AMD Zen 3/4), so 8 chains in flight saturate it; 12 leave margin for a 5-cycle
// latency while 12 accumulators + 2 operands still fit the 16 ymm registers (no spills).
// Run: make bench FILTER=peak/fma_f32_avx2
#include <immintrin.h>

#include "bench/cpu/peak_fma.h"

namespace ikb {

double peak_fma_f32_avx2(std::int64_t trips, float mul, float add) {
  static_assert(kPeakChainsAvx2 == 12, "the unrolled chains below");
  const __m256 m = _mm256_set1_ps(mul), a = _mm256_set1_ps(add);
  // Distinct starting values: identical chains would be merged into one by the compiler
  // (GCC 12 does exactly that), leaving a single latency-bound chain.
  __m256 c0 = _mm256_set1_ps(0.00f), c1 = _mm256_set1_ps(0.01f), c2 = _mm256_set1_ps(0.02f),
         c3 = _mm256_set1_ps(0.03f), c4 = _mm256_set1_ps(0.04f), c5 = _mm256_set1_ps(0.05f),
         c6 = _mm256_set1_ps(0.06f), c7 = _mm256_set1_ps(0.07f), c8 = _mm256_set1_ps(0.08f),
         c9 = _mm256_set1_ps(0.09f), c10 = _mm256_set1_ps(0.10f), c11 = _mm256_set1_ps(0.11f);
  for (std::int64_t t = 0; t < trips; ++t) {
    // acc = acc * m + a with |m| < 1 converges: no overflow, no denormals, any trip count.
    c0 = _mm256_fmadd_ps(c0, m, a);
    c1 = _mm256_fmadd_ps(c1, m, a);
    c2 = _mm256_fmadd_ps(c2, m, a);
    c3 = _mm256_fmadd_ps(c3, m, a);
    c4 = _mm256_fmadd_ps(c4, m, a);
    c5 = _mm256_fmadd_ps(c5, m, a);
    c6 = _mm256_fmadd_ps(c6, m, a);
    c7 = _mm256_fmadd_ps(c7, m, a);
    c8 = _mm256_fmadd_ps(c8, m, a);
    c9 = _mm256_fmadd_ps(c9, m, a);
    c10 = _mm256_fmadd_ps(c10, m, a);
    c11 = _mm256_fmadd_ps(c11, m, a);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                           _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  double sum = 0;
  for (float v : out) sum += v;
  return sum;
}

}  // namespace ikb
