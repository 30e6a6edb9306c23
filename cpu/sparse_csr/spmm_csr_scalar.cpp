// spmm_csr_f32_scalar / spmv_csr_f32_scalar: the portable CSR kernels (any x86-64 or other CPU).
//
//   Y[r0:r1, :] = W_csr[r0:r1, :] * X      (see sparse_csr.h for the layouts)
//
// Row by row, nonzeros in stored (column) order, one fp32 accumulator per Y element: the same
// summation order as the vector kernels' SpMM (each Y element is a sequential fp32 FMA-free sum
// here, so results may differ from the vector kernels by rounding, never by more than the
// fp32 dot-product bound the tests use).
// Test: make test ARGS='-tc=sparse_csr*'
#include <algorithm>

#include "cpu/sparse_csr/sparse_csr_internal.h"

namespace ik::cpu::detail {
namespace {

constexpr index_t kChunk = 64;  // Y columns kept in a local array (the compiler vectorizes it)

void spmm_scalar(const std::int64_t* row_ptr, const std::int32_t* col_idx, const float* values,
                 index_t r0, index_t r1, index_t N, const float* X, index_t ldx, float* Y,
                 index_t ldy) {
  for (index_t i = r0; i < r1; ++i) {
    for (index_t j0 = 0; j0 < N; j0 += kChunk) {
      const index_t n = std::min(kChunk, N - j0);
      float acc[kChunk] = {};
      for (std::int64_t p = row_ptr[i]; p < row_ptr[i + 1]; ++p) {
        const float v = values[p];
        const float* x = X + static_cast<index_t>(col_idx[p]) * ldx + j0;
        for (index_t j = 0; j < n; ++j) acc[j] += v * x[j];
      }
      std::copy(acc, acc + n, Y + i * ldy + j0);
    }
  }
}

void spmv_scalar(const std::int64_t* row_ptr, const std::int32_t* col_idx, const float* values,
                 index_t r0, index_t r1, const float* x, float* y, index_t incy) {
  for (index_t i = r0; i < r1; ++i) {
    float acc = 0.0f;
    for (std::int64_t p = row_ptr[i]; p < row_ptr[i + 1]; ++p) acc += values[p] * x[col_idx[p]];
    y[i * incy] = acc;
  }
}

}  // namespace

constexpr SpmmCsrKernel spmm_csr_kernel_scalar = [] {
  auto k = entry<SpmmCsrKernel>("spmm_csr_f32_scalar", Isa::scalar, 0);
  k.spmv_name = "spmv_csr_f32_scalar";
  k.nr = static_cast<int>(kChunk);
  k.spmm = spmm_scalar;
  k.spmv = spmv_scalar;
  return k;
}();

}  // namespace ik::cpu::detail
