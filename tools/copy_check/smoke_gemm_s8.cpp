// make copy-check: cpu/gemm_s8 on its own. C[2x2] = (A - za)[2x3] W[3x2] + bias in int32,
// with u8 A, s8 W (negative values included) and a zero point.
#include <cstdint>

#include "cpu/gemm_s8/gemm_s8.h"
#include "tools/copy_check/smoke.h"

int main() {
  using namespace ik::cpu;
  const std::uint8_t A[6] = {1, 2, 3, 4, 5, 200};     // 2 x 3
  const std::int8_t W[6] = {7, -8, 9, 10, -11, 127};  // 3 x 2 (K x N)
  const std::int32_t za = 2, bias[2] = {100, -100};
  std::int32_t want[4];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      std::int32_t s = bias[j];
      for (int k = 0; k < 3; ++k) s += (std::int32_t(A[i * 3 + k]) - za) * W[k * 2 + j];
      want[i * 2 + j] = s;
    }
  const float scale = 1.0f;
  const GemmS8PackedWeights pw = gemm_s8_pack_weights(WeightLayout::k_by_n, 3, 2, W, 2, &scale, false);
  std::int32_t C[4] = {-1, -1, -1, -1};
  gemm_s8_s32(2, 2, 3, A, 3, za, pw, bias, C, 2);
  smoke::expect_eq("gemm_s8", "gemm_s8_s32", C, want, 4);
  return smoke::finish("gemm_s8", pw.kernel().name);
}
