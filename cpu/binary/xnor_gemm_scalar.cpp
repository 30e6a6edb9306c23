// xnor_gemm_b1_4x4_scalar: the portable XNOR-popcount microkernel.
//
//   C[i][j] = K - 2 * sum_w popcount(A[i][w] XOR B[j][w])   (+ the epilogue of binary.h)
//
// A 4 x 4 tile of 64-bit counters in registers; B from the 32-column weight panel
// (b[w * 32 + j], see cpu/binary/binary.h). __builtin_popcountll is C++17's std::popcount;
// compiled for baseline x86-64 (no -mpopcnt) it is a short bit-twiddling routine, which is
// what this variant is for: any CPU, and an independent check of the SIMD kernels.
// Test: make test ARGS='-tc=binary:*xnor*'   Bench: make bench FILTER='binary/xnor_gemm_b1_4x4'
#include "cpu/binary/binary.h"

namespace ik::cpu::detail {
namespace {

constexpr int kNR = 4;

template <int M>
void ukernel_4x4(index_t kw, const std::uint64_t* a, index_t lda, const std::uint64_t* b, int n,
                 const XnorTileOut& o) {
  std::int64_t acc[M][kNR] = {};
  for (index_t w = 0; w < kw; ++w)
    for (int i = 0; i < M; ++i) {
      const std::uint64_t ai = a[i * lda + w];
      for (int j = 0; j < kNR; ++j) acc[i][j] += __builtin_popcountll(ai ^ b[w * kBinaryPanel + j]);
    }
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < n; ++j) {
      std::int32_t d = o.kbits - static_cast<std::int32_t>(2 * acc[i][j]);
      if (o.row_offset) d += o.row_offset[i][o.col0 + j];
      if (o.c32) {
        o.c32[i * o.ldc + j] = d;
      } else {
        float f = static_cast<float>(d) * o.alpha[j];
        if (o.row_scale) f = f * o.row_scale[i];
        o.cf[i * o.ldc + j] = f;
      }
    }
}

constexpr std::array<XnorMicrokernel, 4> kUkernels = {ukernel_4x4<1>, ukernel_4x4<2>, ukernel_4x4<3>, ukernel_4x4<4>};
}  // namespace

constexpr XnorKernel xnor_kernel_scalar =
    tiled_entry<XnorKernel>("xnor_gemm_b1_4x4_scalar", Isa::scalar, 0, kUkernels, kNR);

}  // namespace ik::cpu::detail
