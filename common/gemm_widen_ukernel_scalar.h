// The portable 4x8 microkernel shared by the 16-bit-weight families (cpu/gemm_f16,
// cpu/gemm_bf16): plain C++, no intrinsics (x86-64 baseline).
//
//   C[m x n] = alpha * A[m x k] * widen(B)[k x 8] + beta * C,  m = 1..4, n = 1..8,
//   A packed fp32 k-major (stride m), B packed 16-bit k-major (stride 8).
//
// Each B row is widened once by Widen (common/half.h f16_to_f32 or bf16_to_f32, both exact) and
// used by all m rows; each family instantiates ukernel<its Widen, M>. It exists for CPUs without
// the vector extensions and as the reference point of the ladder, not for speed.
// Contract: see common/gemm_driver.h (Microkernel).
#pragma once
#include <cstdint>

#include "common/matrix.h"

namespace ik::widen_scalar {

constexpr int kMR = 4, kNR = 8;

template <float (*Widen)(std::uint16_t), int M>
void ukernel(index_t k, const void* av, const void* bv, float* c, index_t ldc, int n, float alpha, float beta) {
  const float* a = static_cast<const float*>(av);
  const std::uint16_t* b = static_cast<const std::uint16_t*>(bv);
  float acc[M][kNR] = {};
  for (index_t p = 0; p < k; ++p) {
    float bw[kNR];
    for (int j = 0; j < kNR; ++j) bw[j] = Widen(b[j]);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < kNR; ++j) acc[i][j] += a[i] * bw[j];
    a += M;
    b += kNR;
  }
  for (int i = 0; i < M; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.0f)
      for (int j = 0; j < n; ++j) ci[j] = alpha * acc[i][j];
    else
      for (int j = 0; j < n; ++j) ci[j] = alpha * acc[i][j] + beta * ci[j];
  }
}

}  // namespace ik::widen_scalar
