// bgemv_f32b1_8col_avx2: binary-weight GEMV inner loop, 8 columns x 8 floats per step.
//
//   y_pos[j] = sum_k bit(B[j], k) * x[k]   for the 8 columns at b (panel stride 32)
//
// Technique: each weight byte selects 8 floats of x through a 256-entry table of 8-lane masks
// (8 KiB, L1-resident): vandps + vaddps per 8 weights, no multiplies. The x vector of a step is
// loaded once and reused by all 8 columns, 8 independent accumulators cover the add latency.
// Layout: x zero-padded to kw*64 floats; b + 32*w holds word w of the 8 columns (binary.h).
// Test: make test ARGS='-tc=binary:*gemv*'
#include <immintrin.h>

#include <cstring>

#include "cpu/binary/binary.h"

namespace ik::cpu::detail {
namespace {

struct MaskTable {
  alignas(32) std::uint32_t m[256][8];
  MaskTable() {
    for (int v = 0; v < 256; ++v)
      for (int t = 0; t < 8; ++t) m[v][t] = ((v >> t) & 1) ? 0xFFFFFFFFu : 0u;
  }
};
const MaskTable& mask_table() {
  static const MaskTable t;
  return t;
}

void bgemv_avx2(index_t kw, const float* x, const std::uint64_t* b, int n, float* y_pos) {
  const MaskTable& lut = mask_table();
  __m256 acc[8];
  for (int j = 0; j < 8; ++j) acc[j] = _mm256_setzero_ps();
  for (index_t w = 0; w < kw; ++w) {
    unsigned char bytes[8][8];  // [column][byte]
    std::memcpy(bytes, b + w * kBinaryPanel, sizeof bytes);
    for (int q = 0; q < 8; ++q) {
      const __m256 xq = _mm256_loadu_ps(x + w * 64 + q * 8);
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) {
        const __m256 m = _mm256_load_ps(reinterpret_cast<const float*>(lut.m[bytes[j][q]]));
        acc[j] = _mm256_add_ps(acc[j], _mm256_and_ps(m, xq));
      }
    }
  }
  for (int j = 0; j < n; ++j) {
    alignas(32) float t[8];
    _mm256_store_ps(t, acc[j]);
    y_pos[j] = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
  }
}

}  // namespace

constexpr BgemvKernel bgemv_kernel_avx2 = [] {
  auto k = entry<BgemvKernel>("bgemv_f32b1_8col_avx2", Isa::avx2, feature::avx2_bundle);
  k.fn = bgemv_avx2;
  return k;
}();

}  // namespace ik::cpu::detail
