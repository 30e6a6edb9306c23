#include "reference/gemm_f32.h"

#include <cmath>

namespace ik::ref {

void sgemm(bool transa, bool transb, index_t M, index_t N, index_t K, float alpha, const float* A,
           index_t lda, const float* B, index_t ldb, float beta, float* C, index_t ldc,
           double* abs_out, index_t ld_abs) {
  for (index_t i = 0; i < M; ++i) {
    for (index_t j = 0; j < N; ++j) {
      double sum = 0.0, abs_sum = 0.0;
      for (index_t k = 0; k < K; ++k) {
        double a = transa ? A[k * lda + i] : A[i * lda + k];
        double b = transb ? B[j * ldb + k] : B[k * ldb + j];
        sum += a * b;
        abs_sum += std::fabs(a * b);
      }
      double c = static_cast<double>(alpha) * sum;
      if (beta != 0.0f) c += static_cast<double>(beta) * C[i * ldc + j];
      C[i * ldc + j] = static_cast<float>(c);
      if (abs_out) abs_out[i * ld_abs + j] = std::fabs(static_cast<double>(alpha)) * abs_sum;
    }
  }
}

}  // namespace ik::ref
