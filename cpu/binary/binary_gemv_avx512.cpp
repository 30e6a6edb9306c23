// bgemv_f32b1_8col_avx512: binary-weight GEMV inner loop, 8 columns x 64 floats per step.
//
//   y_pos[j] = sum_k bit(B[j], k) * x[k]   for the 8 columns at b (panel stride 32)
//
// Technique: a 16-bit slice of a weight word is an opmask as it stands (kmovw from memory), and
// vaddps under that mask adds exactly the x lanes whose weight is +1 (Intel SDM Vol. 1 §15.6,
// merge masking): one uop per 16 weights, no decode of the bits at all. x (64 floats = 4 zmm)
// is loaded once per word and reused by the 8 columns; two accumulators per column (16 zmm)
// keep 16 independent add chains in flight against the 4-cycle add latency.
// Layout: x zero-padded to kw*64 floats; b + 32*w holds word w of the 8 columns, one cache
// line (binary.h). The weight stream is 1/32 of fp32's; the kernel is bound by the masked adds.
// Test: make test ARGS='-tc=binary:*gemv*'
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "cpu/binary/binary.h"

namespace ik::cpu::detail {
namespace {

// kmovw k, m16: a 16-bit slice of the packed word straight into an opmask. GCC 12 otherwise
// loads into a GPR and moves with kmovw k, r32, which runs on port 5 only and capped the
// kernel at one slice per cycle; the memory form is a plain load uop.
inline __mmask16 load_mask16(const std::uint64_t* word, int slice) {
  __mmask16 m;
  asm("kmovw %1, %0" : "=k"(m) : "m"(reinterpret_cast<const unsigned char*>(word)[2 * slice]));
  return m;
}

void bgemv_avx512(index_t kw, const float* x, const std::uint64_t* b, int n, float* y_pos) {
  __m512 acc0[8], acc1[8];
  for (int j = 0; j < 8; ++j) acc0[j] = acc1[j] = _mm512_setzero_ps();
  for (index_t w = 0; w < kw; ++w) {
    const __m512 x0 = _mm512_loadu_ps(x + w * 64), x1 = _mm512_loadu_ps(x + w * 64 + 16);
    const __m512 x2 = _mm512_loadu_ps(x + w * 64 + 32), x3 = _mm512_loadu_ps(x + w * 64 + 48);
    const std::uint64_t* bw = b + w * kBinaryPanel;
    // The 8 columns read every 4th line of a 256 B panel row: a stride the L2 streamer follows
    // badly from DRAM. Prefetch the whole row 16 words ahead (4 lines; the other column groups
    // of the panel then hit L2, and a prefetch past the panel is harmless).
    for (int l = 0; l < 4; ++l)
      _mm_prefetch(reinterpret_cast<const char*>(bw + 16 * kBinaryPanel + 8 * l), _MM_HINT_T0);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      acc0[j] = _mm512_mask_add_ps(acc0[j], load_mask16(bw + j, 0), acc0[j], x0);
      acc1[j] = _mm512_mask_add_ps(acc1[j], load_mask16(bw + j, 1), acc1[j], x1);
      acc0[j] = _mm512_mask_add_ps(acc0[j], load_mask16(bw + j, 2), acc0[j], x2);
      acc1[j] = _mm512_mask_add_ps(acc1[j], load_mask16(bw + j, 3), acc1[j], x3);
    }
  }
  for (int j = 0; j < n; ++j) y_pos[j] = _mm512_reduce_add_ps(_mm512_add_ps(acc0[j], acc1[j]));
}

}  // namespace

constexpr BgemvKernel bgemv_kernel_avx512 = [] {
  auto k = entry<BgemvKernel>("bgemv_f32b1_8col_avx512", Isa::avx512, feature::avx512_bundle);
  k.fn = bgemv_avx512;
  return k;
}();

}  // namespace ik::cpu::detail
