// gemm_sp24_f32_scalar / gemv_sp24_f32_scalar: the portable 2:4 kernels, a direct reading of
// the format in sparse_24.h (no intrinsics). Same microkernel contract as the vector variants:
// rows [r0, r1) of Y for one packed X block of 4 * ng rows and nr columns.
// Test: make test ARGS='-tc=sparse_24*'
#include <algorithm>

#include "cpu/sparse_24/sparse_24_internal.h"

namespace ik::cpu::detail {
namespace {

constexpr int kNR = 64, kMR = 1, kKC = 1 << 20;

void gemm_scalar(const Sparse24Matrix& W, index_t r0, index_t r1, index_t g0, index_t ng,
                 const float* xblk, float* Y, index_t ldy, int n, bool first) {
  for (index_t i = r0; i < r1; ++i) {
    const float* v = W.values() + i * W.ld_values();
    const std::uint32_t* m = W.meta() + i * W.ld_meta();
    float acc[kNR];
    float* y = Y + i * ldy;
    for (int j = 0; j < n; ++j) acc[j] = first ? 0.0f : y[j];
    for (index_t g = 0; g < ng; ++g) {
      const unsigned bits = sp24_group_bits(m, g0 + g);
      const float v0 = v[2 * (g0 + g)], v1 = v[2 * (g0 + g) + 1];
      const float* x0 = xblk + (4 * g + (bits & 3)) * kNR;
      const float* x1 = xblk + (4 * g + (bits >> 2)) * kNR;
      for (int j = 0; j < n; ++j) acc[j] += v0 * x0[j] + v1 * x1[j];
    }
    std::copy(acc, acc + n, y);
  }
}

void gemv_scalar(const Sparse24Matrix& W, index_t r0, index_t r1, const float* xpad, float* y,
                 index_t incy) {
  const index_t G = W.padded_cols() / 4;
  for (index_t i = r0; i < r1; ++i) {
    const float* v = W.values() + i * W.ld_values();
    const std::uint32_t* m = W.meta() + i * W.ld_meta();
    float acc = 0.0f;
    for (index_t g = 0; g < G; ++g) {
      const unsigned bits = sp24_group_bits(m, g);
      acc += v[2 * g] * xpad[4 * g + (bits & 3)] + v[2 * g + 1] * xpad[4 * g + (bits >> 2)];
    }
    y[i * incy] = acc;
  }
}

}  // namespace

constexpr Sp24Kernel sp24_kernel_scalar = [] {
  auto k = entry<Sp24Kernel>("gemm_sp24_f32_scalar", Isa::scalar, 0);
  k.gemv_name = "gemv_sp24_f32_scalar";
  k.mr = kMR;
  k.nr = kNR;
  k.kc = kKC;
  k.gemm = gemm_scalar;
  k.gemv = gemv_scalar;
  return k;
}();

}  // namespace ik::cpu::detail
