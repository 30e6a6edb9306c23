// The first two rungs of the sgemm ladder, kept for people studying where the speed comes from
// (the third rung, packing + register-blocked microkernel, is sgemm in gemm_f32.cpp).
//
//   naive:   C[i][j] = sum_k A[i][k] * B[k][j], the textbook loop. The k loop walks down a
//            column of B (stride ldb): one cache line fetched per multiply-add once B exceeds
//            the cache, and a serial dependency through one accumulator.
//   blocked: i-k-j order. The inner loop C[i][:] += A[i][k] * B[k][:] is a unit-stride axpy the
//            compiler vectorizes (baseline x86-64: SSE2, no intrinsics), and blocking over k and
//            j keeps a KB x JB slab of B in L2 while a block of rows of C streams over it.
//            Still loads and stores C in the inner loop: no register tile, no packing.
//
// Test: make test ARGS='-tc=*ladder*'   Bench: make bench FILTER=ladder
#include <omp.h>

#include <algorithm>

#include "common/error.h"
#include "cpu/gemm_f32/gemm_f32.h"

namespace ik::cpu {
namespace {

void check_ladder_args(const char* where, index_t M, index_t N, index_t K, const float* A, index_t lda,
                       const float* B, index_t ldb, const float* C, index_t ldc) {
  IK_REQUIRE(M >= 0, where, "M = ", M, " must be >= 0");
  IK_REQUIRE(N >= 0, where, "N = ", N, " must be >= 0");
  IK_REQUIRE(K >= 0, where, "K = ", K, " must be >= 0");
  IK_REQUIRE(lda >= std::max<index_t>(1, K), where, "lda = ", lda, " < K = ", K);
  IK_REQUIRE(ldb >= std::max<index_t>(1, N), where, "ldb = ", ldb, " < N = ", N);
  IK_REQUIRE(ldc >= std::max<index_t>(1, N), where, "ldc = ", ldc, " < N = ", N);
  IK_REQUIRE(A || M == 0 || K == 0, where, "A is null");
  IK_REQUIRE(B || N == 0 || K == 0, where, "B is null");
  IK_REQUIRE(C || M == 0 || N == 0, where, "C is null");
}

}  // namespace

void sgemm_naive(index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda,
                 const float* B, index_t ldb, float beta, float* C, index_t ldc) {
  check_ladder_args("ik::cpu::sgemm_naive", M, N, K, A, lda, B, ldb, C, ldc);
  for (index_t i = 0; i < M; ++i)
    for (index_t j = 0; j < N; ++j) {
      float sum = 0.0f;
      for (index_t k = 0; k < K; ++k) sum += A[i * lda + k] * B[k * ldb + j];
      float* c = C + i * ldc + j;
      *c = beta == 0.0f ? alpha * sum : alpha * sum + beta * *c;
    }
}

void sgemm_blocked(index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda,
                   const float* B, index_t ldb, float beta, float* C, index_t ldc,
                   const GemmOptions& options) {
  constexpr const char* where = "ik::cpu::sgemm_blocked";
  check_ladder_args(where, M, N, K, A, lda, B, ldb, C, ldc);
  const int threads = resolve_threads(where, options.threads);
  // KB x JB floats of B = 256 x 512 x 4 B = 512 KiB: inside a 1-2 MiB L2 with room for C rows.
  constexpr index_t kIB = 32, kKB = 256, kJB = 512;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (index_t i0 = 0; i0 < M; i0 += kIB) {
    const index_t i1 = std::min(M, i0 + kIB);
    for (index_t i = i0; i < i1; ++i) {
      float* ci = C + i * ldc;
      if (beta == 0.0f)
        std::fill(ci, ci + N, 0.0f);
      else
        for (index_t j = 0; j < N; ++j) ci[j] *= beta;
    }
    for (index_t j0 = 0; j0 < N; j0 += kJB) {
      const index_t j1 = std::min(N, j0 + kJB);
      for (index_t k0 = 0; k0 < K; k0 += kKB) {
        const index_t k1 = std::min(K, k0 + kKB);
        for (index_t i = i0; i < i1; ++i) {
          float* ci = C + i * ldc;
          for (index_t k = k0; k < k1; ++k) {
            const float a = alpha * A[i * lda + k];
            const float* bk = B + k * ldb;
            for (index_t j = j0; j < j1; ++j) ci[j] += a * bk[j];
          }
        }
      }
    }
  }
}

}  // namespace ik::cpu
