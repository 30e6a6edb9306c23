// make copy-check: cpu/binary on its own. Sign bit packing, the XNOR-popcount GEMM
// (C = K - 2 popcount(a XOR b) = the dot product of the sign vectors) and the binary-weight GEMV.
#include <cstdint>

#include "cpu/binary/binary.h"
#include "tools/copy_check/smoke.h"

int main() {
  using namespace ik::cpu;
  const float X[6] = {1, -2, 3, -4, -5, 6};   // activations, 2 x 3
  const float W[6] = {2, 2, -2, -1, 1, 1};    // weights, N = 2 rows of K = 3 ([out][in])
  auto sign = [](float v) { return v < 0 ? -1 : 1; };
  std::int32_t want[4];
  float want_y[2];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      int s = 0;
      for (int k = 0; k < 3; ++k) s += sign(X[i * 3 + k]) * sign(W[j * 3 + k]);
      want[i * 2 + j] = s;
    }
  for (int j = 0; j < 2; ++j) {  // y = alpha[j] sum_k sign(W[j][k]) x[k], alpha = mean |W[j]|
    float s = 0, a = 0;
    for (int k = 0; k < 3; ++k) s += sign(W[j * 3 + k]) * X[k], a += W[j * 3 + k] < 0 ? -W[j * 3 + k] : W[j * 3 + k];
    want_y[j] = a / 3 * s;
  }
  std::uint64_t bits[2] = {0, 0};
  bitpack_sign(2, 3, X, 3, bits, 1);
  const std::uint64_t want_bits[2] = {0b101, 0b100};  // bit k set where sign(x) = +1
  smoke::expect_eq("binary", "bitpack_sign", bits, want_bits, 2);

  const BinaryPackedWeights B = binary_pack_weights(2, 3, W, 3);
  std::int32_t C[4] = {-99, -99, -99, -99};
  xnor_gemm_s32(2, 2, 3, bits, 1, B, C, 2);
  smoke::expect_eq("binary", "xnor_gemm_s32", C, want, 4);

  float y[2] = {-99, -99};
  binary_gemv(2, 3, X, B, y);
  smoke::expect_eq("binary", "binary_gemv", y, want_y, 2);
  return smoke::finish("binary", xnor_selected_kernel().name);
}
