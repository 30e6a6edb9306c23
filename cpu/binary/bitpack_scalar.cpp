// bitpack_sign_scalar: sign binarization of one row into 64-bit words, portable C++.
//
//   dst[w] bit b = (x[64w + b] >= 0)  for 64w + b < k;  padding bits (>= k) are 0
//   (sign(0) = +1, NaN -> 0 = -1; the layout picture is in cpu/binary/binary.h)
//
// Optionally sum_abs = sum |x| in index order. The fallback of the AVX2/AVX-512 variants and
// the oracle they are tested against besides reference/binary.cpp.
// Test: make test ARGS='-tc=binary:*pack*'   Bench: make bench FILTER='binary/bitpack'
#include <cmath>

#include "cpu/binary/binary.h"

namespace ik::cpu::detail {
namespace {

void bitpack_row_scalar(index_t k, const float* x, std::uint64_t* dst, float* sum_abs) {
  float s = 0.0f;
  for (index_t w = 0; w * 64 < k; ++w) {
    std::uint64_t word = 0;
    const index_t n = k - w * 64 < 64 ? k - w * 64 : 64;
    for (index_t b = 0; b < n; ++b) {
      const float v = x[w * 64 + b];
      word |= std::uint64_t{v >= 0.0f} << b;
      s += std::fabs(v);
    }
    dst[w] = word;
  }
  if (sum_abs) *sum_abs = s;
}

}  // namespace

constexpr BitpackKernel bitpack_kernel_scalar = [] {
  auto k = entry<BitpackKernel>("bitpack_sign_scalar", Isa::scalar, 0);
  k.row = bitpack_row_scalar;
  return k;
}();

}  // namespace ik::cpu::detail
