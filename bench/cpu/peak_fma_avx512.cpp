// fp32 FMA peak with zmm (AVX-512F): 16 independent accumulation chains.
// Why 16: 2 FMA ports x ~4 cycles latency = 8 chains in flight saturate a core with two
// 512-bit FMA units (Xeon Skylake-SP and later); 16 cover a longer latency and Zen 4, which
// runs each zmm FMA as two 256-bit halves (same FLOP/s as ymm: guide §8). 16 + 2 of 32 zmm.
// Run: make bench FILTER=peak/fma_f32_avx512
#include <immintrin.h>

#include "bench/cpu/peak_fma.h"

namespace ikb {

double peak_fma_f32_avx512(std::int64_t trips, float mul, float add) {
  static_assert(kPeakChainsAvx512 == 16, "the unrolled chains below");
  const __m512 m = _mm512_set1_ps(mul), a = _mm512_set1_ps(add);
  // Distinct starting values: identical chains may be merged into one by the compiler.
  __m512 c[16];
  for (int j = 0; j < 16; ++j) c[j] = _mm512_set1_ps(0.01f * float(j));
  for (std::int64_t t = 0; t < trips; ++t) {
    // Unrolled, the array lives in zmm2..17 (objdump: 16 vfmadd132ps, no stack in the loop).
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) c[j] = _mm512_fmadd_ps(c[j], m, a);
  }
  __m512 s = _mm512_setzero_ps();
  for (auto& v : c) s = _mm512_add_ps(s, v);
  // Not _mm512_reduce_add_ps: GCC 12's header trips -Wuninitialized in it.
  alignas(64) float out[16];
  _mm512_store_ps(out, s);
  double sum = 0;
  for (float v : out) sum += v;
  return sum;
}

}  // namespace ikb
