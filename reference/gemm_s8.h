// Reference int8 GEMM: the oracle for cpu/gemm_s8 (Jacob et al. 2018, §2.2-2.4).
//
//   acc[i][j] = sum_k (A[i][k] - za) * W[k][j] + bias[j]          (exact, int64 accumulation)
//   s32:  C = acc                                                   (must fit int32)
//   u8:   C = clamp(zc + sign(acc) * floor(|acc| * mult[j] / 2^shift[j] + 1/2), 0, 255)
//   f32:  C = float(acc) * dq_scale[j]                              (one fp32 conversion, one fp32 multiply)
//
// A: u8, M x K row-major (lda). W: s8, K x N row-major (ldw), i.e. already op(W); any value
// -128..127. bias: int32 per column, or null. Plain scalar C++ written from the formulas, no
// intrinsics, no shared code with the kernels (the u8 rounding is re-derived here with signed
// int64 arithmetic), so an agreement between the two is evidence, not an echo.
#pragma once
#include <cstdint>

#include "common/matrix.h"

namespace ik::ref {

// Exact sum, int64 (no overflow for K < 2^33 / 255 / 128).
void gemm_u8s8_acc(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, std::int32_t za,
                   const std::int8_t* W, index_t ldw, const std::int32_t* bias, std::int64_t* acc,
                   index_t ldacc);

// Round half away from zero of acc * mult * 2^-shift, plus zc, clamped to 0..255.
std::uint8_t requantize_u8(std::int64_t acc, std::int32_t mult, std::int32_t shift, std::int32_t zc);

void gemm_u8s8_s32(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, std::int32_t za,
                   const std::int8_t* W, index_t ldw, const std::int32_t* bias, std::int32_t* C, index_t ldc);
void gemm_u8s8_u8(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, std::int32_t za,
                  const std::int8_t* W, index_t ldw, const std::int32_t* bias, const std::int32_t* mult,
                  const std::int32_t* shift, std::int32_t zc, std::uint8_t* C, index_t ldc);
void gemm_u8s8_f32(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, std::int32_t za,
                   const std::int8_t* W, index_t ldw, const std::int32_t* bias, const float* dq_scale,
                   float* C, index_t ldc);

}  // namespace ik::ref
