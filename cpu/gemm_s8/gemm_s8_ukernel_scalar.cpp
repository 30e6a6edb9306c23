// gemm_u8s8s32_4x16_scalar: the portable int8 microkernel (CPUs without AVX2), and the plain
// statement of the microkernel contract in gemm_s8.h:
//
//   acc[i][j] = sum_g sum_q a[g][i][q] * w[g][j][q] + offset[j]     (KG = 4, A packed u8x4)
//   then s32: acc;  u8: requantize_u8(acc, mult[j], shift[j], Zc);  f32: float(acc) * scale[j]
//
// The int32 sum is exact for validated inputs (|acc| < 2^31, gemm_s8.h); the offset is added
// with unsigned arithmetic because bias - Za * colsum alone may wrap, while the final sum fits.
// 4 x 16 int32 accumulators: small enough that the compiler keeps rows in SSE2 registers.
//
// Test: make test ARGS='-tc=gemm_s8:*'   Bench: make bench FILTER=gemm_u8s8s32_4x16_scalar
#include "cpu/gemm_s8/gemm_s8.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 4, kNR = 16, kKG = 4;

template <int M>
void ukernel_scalar(index_t steps, const std::uint8_t* a, const std::int8_t* w, void* c, index_t ldc, int n,
                    const S8Epilogue& ep) {
  std::int32_t acc[M][kNR] = {};
  for (index_t g = 0; g < steps; ++g) {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < kNR; ++j) {
        std::int32_t s = 0;
        for (int q = 0; q < kKG; ++q) s += std::int32_t(a[i * kKG + q]) * std::int32_t(w[j * kKG + q]);
        acc[i][j] += s;
      }
    a += M * kKG;
    w += kNR * kKG;
  }
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < n; ++j) {
      const auto x = static_cast<std::int32_t>(static_cast<std::uint32_t>(acc[i][j]) +
                                               static_cast<std::uint32_t>(ep.offset[j]));
      switch (ep.kind) {
        case S8Output::s32: static_cast<std::int32_t*>(c)[i * ldc + j] = x; break;
        case S8Output::u8:
          static_cast<std::uint8_t*>(c)[i * ldc + j] = requantize_u8(x, ep.mult[j], ep.shift[j], ep.c_zero_point);
          break;
        case S8Output::f32: static_cast<float*>(c)[i * ldc + j] = static_cast<float>(x) * ep.scale[j]; break;
      }
    }
}

constexpr std::array<S8Microkernel, kMR> kUkernels = {&ukernel_scalar<1>, &ukernel_scalar<2>, &ukernel_scalar<3>, &ukernel_scalar<4>};
}  // namespace

constexpr S8Kernel gemm_s8_kernel_scalar = [] {
  auto k = tiled_entry<S8Kernel>("gemm_u8s8s32_4x16_scalar", Isa::scalar, 0, kUkernels, kNR);
  k.kg = kKG;
  k.a_pack = S8APack::u8x4;
  k.mc = 64;
  return k;
}();

}  // namespace ik::cpu::detail
