// bf16gemm_4x8_scalar: the portable bf16 microkernel (no intrinsics; x86-64 baseline).
//
//   C[m x n] = alpha * A[m x k] * widen(B)[k x 8] + beta * C,  m = 1..4, n = 1..8,
//   A packed fp32 k-major (stride m, values already rounded to bf16), B packed bf16 (stride 8).
//
// Each B row is widened once (bf16 -> fp32 is a 16-bit shift, exact) for all m rows; the tile
// is common/gemm_widen_ukernel_scalar.h, shared with hgemm_4x8_scalar.
//
// Test: make test ARGS='-tc=gemm_bf16:*'   Bench: make bench FILTER='gemm_bf16/bf16gemm_4x8_scalar'
#include <cstdint>

#include "common/gemm_widen_ukernel_scalar.h"
#include "common/half.h"
#include "cpu/gemm_bf16/gemm_bf16.h"

namespace ik::cpu::detail {
namespace {

using namespace ik::widen_scalar;  // kMR, kNR: the shared tile

template <int M>
constexpr auto kUkernel = &ik::widen_scalar::ukernel<bf16_to_f32, M>;

constexpr std::array<gemm_driver::Microkernel, kMR> kUkernels = {kUkernel<1>, kUkernel<2>, kUkernel<3>, kUkernel<4>};
}  // namespace

constexpr Bf16gemmKernel bf16gemm_kernel_scalar = [] {
  auto k = tiled_entry<Bf16gemmKernel>("bf16gemm_4x8_scalar", Isa::scalar, 0, kUkernels, kNR);
  k.blk = gemm_driver::blocking(kMR, kNR, /*mc=*/64, /*kc=*/256, /*nc=*/1024);
  return k;
}();

}  // namespace ik::cpu::detail
