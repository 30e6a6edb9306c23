// bf16gemm_4x8_scalar: the portable bf16 microkernel (no intrinsics; x86-64 baseline).
//
//   C[m x n] = alpha * A[m x k] * widen(B)[k x 8] + beta * C,  m = 1..4, n = 1..8,
//   A packed fp32 k-major (stride m, values already rounded to bf16), B packed bf16 (stride 8).
//
// Each B row is widened once (bf16 -> fp32 is a 16-bit shift, exact) for all m rows.
//
// Test: make test ARGS='-tc=gemm_bf16:*'   Bench: make bench FILTER='gemm_bf16/bf16gemm_4x8_scalar'
#include <cstdint>

#include "common/half.h"
#include "cpu/gemm_bf16/gemm_bf16.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 4, kNR = 8;

template <int M>
void ukernel(index_t k, const void* av, const void* bv, float* c, index_t ldc, int n, float alpha, float beta) {
  const float* a = static_cast<const float*>(av);
  const std::uint16_t* b = static_cast<const std::uint16_t*>(bv);
  float acc[M][kNR] = {};
  for (index_t p = 0; p < k; ++p) {
    float bw[kNR];
    for (int j = 0; j < kNR; ++j) bw[j] = bf16_to_f32(b[j]);
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

}  // namespace

Bf16gemmKernel make_bf16gemm_kernel_scalar() {
  return Bf16gemmKernel{"bf16gemm_4x8_scalar", Isa::scalar, false, {kMR, kNR, /*mc=*/64, /*kc=*/256, /*nc=*/1024, 1},
                     {&ukernel<1>, &ukernel<2>, &ukernel<3>, &ukernel<4>}};
}

}  // namespace ik::cpu::detail
