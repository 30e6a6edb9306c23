#include "reference/gemm_s8.h"

#include <cstdlib>
#include <vector>

namespace ik::ref {

void gemm_u8s8_acc(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, std::int32_t za,
                   const std::int8_t* W, index_t ldw, const std::int32_t* bias, std::int64_t* acc,
                   index_t ldacc) {
  for (index_t i = 0; i < M; ++i)
    for (index_t j = 0; j < N; ++j) {
      std::int64_t s = bias ? bias[j] : 0;
      for (index_t k = 0; k < K; ++k)
        s += (std::int64_t(A[i * lda + k]) - za) * std::int64_t(W[k * ldw + j]);
      acc[i * ldacc + j] = s;
    }
}

std::uint8_t requantize_u8(std::int64_t acc, std::int32_t mult, std::int32_t shift, std::int32_t zc) {
  // |acc| < 2^31 and mult < 2^31: |p| < 2^62, and adding 2^(shift-1) <= 2^61 stays in int64.
  const std::int64_t p = acc * std::int64_t(mult);
  const std::int64_t half = std::int64_t(1) << (shift - 1);
  // floor((|p| + half) / 2^shift), sign restored: ties go away from zero.
  const std::int64_t mag = (std::llabs(p) + half) >> shift;
  std::int64_t q = (p < 0 ? -mag : mag) + zc;
  if (q < 0) q = 0;
  if (q > 255) q = 255;
  return static_cast<std::uint8_t>(q);
}

namespace {
std::vector<std::int64_t> accumulate(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda,
                                     std::int32_t za, const std::int8_t* W, index_t ldw,
                                     const std::int32_t* bias) {
  std::vector<std::int64_t> acc(static_cast<std::size_t>(M * N));
  gemm_u8s8_acc(M, N, K, A, lda, za, W, ldw, bias, acc.data(), N);
  return acc;
}
}  // namespace

void gemm_u8s8_s32(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, std::int32_t za,
                   const std::int8_t* W, index_t ldw, const std::int32_t* bias, std::int32_t* C, index_t ldc) {
  const auto acc = accumulate(M, N, K, A, lda, za, W, ldw, bias);
  for (index_t i = 0; i < M; ++i)
    for (index_t j = 0; j < N; ++j) C[i * ldc + j] = static_cast<std::int32_t>(acc[i * N + j]);
}

void gemm_u8s8_u8(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, std::int32_t za,
                  const std::int8_t* W, index_t ldw, const std::int32_t* bias, const std::int32_t* mult,
                  const std::int32_t* shift, std::int32_t zc, std::uint8_t* C, index_t ldc) {
  const auto acc = accumulate(M, N, K, A, lda, za, W, ldw, bias);
  for (index_t i = 0; i < M; ++i)
    for (index_t j = 0; j < N; ++j) C[i * ldc + j] = requantize_u8(acc[i * N + j], mult[j], shift[j], zc);
}

void gemm_u8s8_f32(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, std::int32_t za,
                   const std::int8_t* W, index_t ldw, const std::int32_t* bias, const float* dq_scale,
                   float* C, index_t ldc) {
  const auto acc = accumulate(M, N, K, A, lda, za, W, ldw, bias);
  for (index_t i = 0; i < M; ++i)
    for (index_t j = 0; j < N; ++j)
      C[i * ldc + j] = static_cast<float>(acc[i * N + j]) * dq_scale[j];
}

}  // namespace ik::ref
