// sgemm_4x8_scalar: the portable microkernel, for CPUs without AVX2 (and the reference point
// that shows what the intrinsics buy). Plain C++: the compiler may use the x86-64 baseline
// (SSE2), nothing more. Same contract as every microkernel (see gemm_f32.h):
//   C[m x n] = alpha * sum_p a[p*m + i] * b[p*NR + j] + beta * C,  beta == 0 never reads C.
// 4 x 8 accumulators = 8 xmm registers of 16, leaving room for the A and B operands.
//
// Test: make test ARGS='-tc=*sgemm*'   Bench: make bench FILTER=sgemm_4x8_scalar
#include "cpu/gemm_f32/sgemm_internal.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 4, kNR = 8;

template <int M>
void ukernel_scalar(index_t k, const float* a, const float* b, float* c, index_t ldc, int n,
                    float alpha, float beta) {
  float acc[M][kNR] = {};
  for (index_t p = 0; p < k; ++p) {
    for (int i = 0; i < M; ++i) {
      const float ai = a[i];
      for (int j = 0; j < kNR; ++j) acc[i][j] += ai * b[j];
    }
    a += M;
    b += kNR;
  }
  for (int i = 0; i < M; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.0f) {
      for (int j = 0; j < n; ++j) ci[j] = alpha * acc[i][j];
    } else {
      for (int j = 0; j < n; ++j) ci[j] = alpha * acc[i][j] + beta * ci[j];
    }
  }
}


constexpr std::array<SgemmMicrokernel, kMR> kUkernels = {&ukernel_scalar<1>, &ukernel_scalar<2>, &ukernel_scalar<3>,
                                                         &ukernel_scalar<4>};
}  // namespace

constexpr SgemmKernel sgemm_kernel_scalar = [] {
  auto k = tiled_entry<SgemmKernel>("sgemm_4x8_scalar", Isa::scalar, 0, kUkernels, kNR);
  k.mc = 64;
  k.kc = 256;
  k.nc = 1024;
  return k;
}();

}  // namespace ik::cpu::detail
