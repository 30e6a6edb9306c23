// bgemv_f32b1_scalar: the binary-weight GEMV inner loop, portable C++.
//
//   y_pos[j] = sum_k bit(B[j], k) * x[k]   for the n <= 8 columns at b (panel stride 32)
//
// binary_gemv turns it into y = alpha * (2 y_pos - sum x) = alpha * sum_k sign(W[j][k]) x[k]:
// one add per weight instead of a multiply-add, and 1 bit of weight traffic instead of 32.
// Layout: x zero-padded to kw*64 floats; b + 32*w holds word w of the 8 columns (binary.h).
// Test: make test ARGS='-tc=binary:*gemv*'
#include "cpu/binary/binary.h"

namespace ik::cpu::detail {
namespace {

void bgemv_scalar(index_t kw, const float* x, const std::uint64_t* b, int n, float* y_pos) {
  for (int j = 0; j < n; ++j) {
    float s = 0.0f;
    for (index_t w = 0; w < kw; ++w) {
      const std::uint64_t word = b[w * kBinaryPanel + j];
      for (int t = 0; t < 64; ++t)
        if ((word >> t) & 1u) s += x[w * 64 + t];
    }
    y_pos[j] = s;
  }
}

}  // namespace

constexpr BgemvKernel bgemv_kernel_scalar = [] {
  auto k = entry<BgemvKernel>("bgemv_f32b1_scalar", Isa::scalar, 0);
  k.fn = bgemv_scalar;
  return k;
}();

}  // namespace ik::cpu::detail
