// Reference fp32 GEMM: the oracle for every dense kernel.
//
//   C = alpha * op(A) * op(B) + beta * C   (row-major; op(X) = X or X^T)
//
// Plain scalar C++, no intrinsics, accumulation in double: the reference's own rounding error
// (about K * 2^-53 relative) is far below any fp32 kernel's, so a difference is the kernel's.
// beta == 0 does not read C (BLAS semantics). Optionally returns abs_out[i][j] = alpha-scaled
// sum_k |a_ik * b_kj|, the quantity rounding-error bounds are stated in.
#pragma once
#include "common/matrix.h"

namespace ik::ref {

void sgemm(bool transa, bool transb, index_t M, index_t N, index_t K, float alpha, const float* A,
           index_t lda, const float* B, index_t ldb, float beta, float* C, index_t ldc,
           double* abs_out = nullptr, index_t ld_abs = 0);

}  // namespace ik::ref
