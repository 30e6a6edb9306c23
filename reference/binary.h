// Reference binary (1-bit) operations: the oracle for cpu/binary.
//
// Sign binarization (XNOR-Net, Rastegari et al., ECCV 2016, §3; BNN, Courbariaux et al. 2016,
// §1.1): sign(x) = +1 if x >= 0 else -1, so sign(0) = sign(-0) = +1 and sign(NaN) = -1 (the
// comparison x >= 0 is false for NaN). In packed form bit 1 means +1, bit 0 means -1.
//
// Packed row of K values, W = ceil(K / 64) little-endian 64-bit words:
//
//   word 0:  bit 0 = x[0], bit 1 = x[1], ..., bit 63 = x[63]
//   word 1:  bit 0 = x[64] ...
//   word W-1: bits for x[64(W-1)] .. x[K-1]; bits K - 64(W-1) .. 63 are 0 (the padding)
//
// Zero padding bits in both operands XOR to 0, so they never reach a popcount: for two packed
// rows a, b of K values, dot(sign(a), sign(b)) = K - 2 * popcount(a XOR b) exactly.
//
// Everything here is plain scalar C++ written from the formulas, no intrinsics.
#pragma once
#include <cstdint>
#include <vector>

#include "common/matrix.h"

namespace ik::ref {

inline index_t bitpack_words(index_t k) { return (k + 63) / 64; }

// Packs rows x K floats (row stride ldx) into rows x ceil(K/64) words (row stride ld_words).
void bitpack_sign(index_t rows, index_t K, const float* x, index_t ldx, std::uint64_t* dst,
                  index_t ld_words);

// C[m][n] = K - 2 * popcount(A_m XOR B_n) over W = ceil(K/64) words: A is M packed rows (stride
// lda words), B is N packed rows (stride ldb words; B is the weight, [out][in]).
void xnor_gemm_s32(index_t M, index_t N, index_t K, const std::uint64_t* A, index_t lda,
                   const std::uint64_t* B, index_t ldb, std::int32_t* C, index_t ldc);

// The fused fp32 output, in this exact order of fp32 operations (the kernels match it bit for
// bit): c = float(K - 2 popcount) * alpha[n], then c = c * row_scale[m] if row_scale != null.
void xnor_gemm_f32(index_t M, index_t N, index_t K, const std::uint64_t* A, index_t lda,
                   const std::uint64_t* B, index_t ldb, const float* alpha, const float* row_scale,
                   float* C, index_t ldc);

// alpha[n] = mean_k |W[n][k]| (XNOR-Net eq. 4, the optimal weight scale), in double, rounded once.
void binary_weight_scale(index_t N, index_t K, const float* W, index_t ldw, float* alpha);

// Binary-weight GEMV (BinaryConnect / BWN): y[n] = alpha[n] * sum_k sign(W[n][k]) * x[k],
// W stored N x K ([out][in], ldw). Accumulated in double; abs_out[n] (optional) receives
// alpha[n] * sum_k |x[k]|, the scale of the rounding error bound.
void binary_gemv(index_t N, index_t K, const float* x, const float* W, index_t ldw,
                 const float* alpha, float* y, double* abs_out = nullptr);

// XNOR-Net binary convolution (§3.2), NHWC, "same-as-float" semantics with exact zero padding:
//
//   out[b][y][x][o] = float(D) * alpha[o] * Kmap[b][y][x]
//   D      = sum over taps (ky, kx) inside the image, channels c:
//              sign(I[b][iy][ix][c]) * sign(W[o][ky][kx][c]),  iy = y*stride - pad + ky, ...
//            (a tap in the padding contributes 0: zero padding, as the float conv of the ±1
//            tensors computes; D is an exact integer)
//   alpha  = mean |W[o]| over kh*kw*C
//   Kmap   = box filter of A[b][iy][ix] = mean_c |I[b][iy][ix][c]|: sum over the kh x kw
//            window (taps in the padding count as 0) divided by kh*kw, same stride and padding
//
// I: batch x H x W x C; Wt: Cout x kh x kw x C; out: batch x Ho x Wo x Cout with
// Ho = (H + 2 pad - kh) / stride + 1. D is computed exactly; alpha, Kmap in double, rounded to
// float once, then multiplied in the order written. Optionally kmap_out receives Kmap.
void binary_conv2d_nhwc(index_t batch, index_t H, index_t W, index_t C, const float* I,
                        index_t Cout, index_t kh, index_t kw, const float* Wt, index_t stride,
                        index_t pad, float* out, std::vector<float>* kmap_out = nullptr);

}  // namespace ik::ref
