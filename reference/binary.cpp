// Reference binary operations: see reference/binary.h for the definitions.
#include "reference/binary.h"

#include <cmath>

namespace ik::ref {

namespace {
int popcount64(std::uint64_t v) {
  int n = 0;
  for (; v; v &= v - 1) ++n;  // Kernighan: one iteration per set bit
  return n;
}
bool sign_bit(float x) { return x >= 0.0f; }  // +1 <=> bit 1; NaN -> -1
}  // namespace

void bitpack_sign(index_t rows, index_t K, const float* x, index_t ldx, std::uint64_t* dst,
                  index_t ld_words) {
  const index_t W = bitpack_words(K);
  for (index_t r = 0; r < rows; ++r)
    for (index_t w = 0; w < W; ++w) {
      std::uint64_t word = 0;
      for (index_t b = 0; b < 64 && w * 64 + b < K; ++b)
        if (sign_bit(x[r * ldx + w * 64 + b])) word |= std::uint64_t{1} << b;
      dst[r * ld_words + w] = word;
    }
}

void xnor_gemm_s32(index_t M, index_t N, index_t K, const std::uint64_t* A, index_t lda,
                   const std::uint64_t* B, index_t ldb, std::int32_t* C, index_t ldc) {
  const index_t W = bitpack_words(K);
  for (index_t m = 0; m < M; ++m)
    for (index_t n = 0; n < N; ++n) {
      index_t p = 0;
      for (index_t w = 0; w < W; ++w) p += popcount64(A[m * lda + w] ^ B[n * ldb + w]);
      C[m * ldc + n] = static_cast<std::int32_t>(K - 2 * p);
    }
}

void xnor_gemm_f32(index_t M, index_t N, index_t K, const std::uint64_t* A, index_t lda,
                   const std::uint64_t* B, index_t ldb, const float* alpha, const float* row_scale,
                   float* C, index_t ldc) {
  std::vector<std::int32_t> d(static_cast<std::size_t>(N));
  for (index_t m = 0; m < M; ++m) {
    xnor_gemm_s32(1, N, K, A + m * lda, lda, B, ldb, d.data(), N);
    for (index_t n = 0; n < N; ++n) {
      float c = static_cast<float>(d[n]) * alpha[n];
      if (row_scale) c = c * row_scale[m];
      C[m * ldc + n] = c;
    }
  }
}

void binary_weight_scale(index_t N, index_t K, const float* W, index_t ldw, float* alpha) {
  for (index_t n = 0; n < N; ++n) {
    double s = 0;
    for (index_t k = 0; k < K; ++k) s += std::fabs(double(W[n * ldw + k]));
    alpha[n] = static_cast<float>(s / double(K));
  }
}

void binary_gemv(index_t N, index_t K, const float* x, const float* W, index_t ldw,
                 const float* alpha, float* y, double* abs_out) {
  for (index_t n = 0; n < N; ++n) {
    double s = 0, a = 0;
    for (index_t k = 0; k < K; ++k) {
      s += sign_bit(W[n * ldw + k]) ? double(x[k]) : -double(x[k]);
      a += std::fabs(double(x[k]));
    }
    y[n] = static_cast<float>(double(alpha[n]) * s);
    if (abs_out) abs_out[n] = double(alpha[n]) * a;
  }
}

void binary_conv2d_nhwc(index_t batch, index_t H, index_t W, index_t C, const float* I,
                        index_t Cout, index_t kh, index_t kw, const float* Wt, index_t stride,
                        index_t pad, float* out, std::vector<float>* kmap_out) {
  const index_t Ho = (H + 2 * pad - kh) / stride + 1, Wo = (W + 2 * pad - kw) / stride + 1;
  const index_t taps = kh * kw;
  std::vector<float> alpha(static_cast<std::size_t>(Cout));
  binary_weight_scale(Cout, taps * C, Wt, taps * C, alpha.data());
  // A: mean |I| over channels per input pixel.
  std::vector<double> A(static_cast<std::size_t>(batch * H * W));
  for (index_t p = 0; p < batch * H * W; ++p) {
    double s = 0;
    for (index_t c = 0; c < C; ++c) s += std::fabs(double(I[p * C + c]));
    A[p] = s / double(C);
  }
  if (kmap_out) kmap_out->assign(static_cast<std::size_t>(batch * Ho * Wo), 0.0f);
  for (index_t b = 0; b < batch; ++b)
    for (index_t y = 0; y < Ho; ++y)
      for (index_t x = 0; x < Wo; ++x) {
        double ks = 0;
        for (index_t ky = 0; ky < kh; ++ky)
          for (index_t kx = 0; kx < kw; ++kx) {
            const index_t iy = y * stride - pad + ky, ix = x * stride - pad + kx;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) ks += A[(b * H + iy) * W + ix];
          }
        const float kmap = static_cast<float>(ks / double(taps));
        if (kmap_out) (*kmap_out)[(b * Ho + y) * Wo + x] = kmap;
        for (index_t o = 0; o < Cout; ++o) {
          // The float conv of the ±1 tensors with zeros in the padding: D is an integer.
          long long d = 0;
          for (index_t ky = 0; ky < kh; ++ky)
            for (index_t kx = 0; kx < kw; ++kx) {
              const index_t iy = y * stride - pad + ky, ix = x * stride - pad + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const float* ip = I + ((b * H + iy) * W + ix) * C;
              const float* wp = Wt + ((o * kh + ky) * kw + kx) * C;
              for (index_t c = 0; c < C; ++c) d += (sign_bit(ip[c]) == sign_bit(wp[c])) ? 1 : -1;
            }
          out[((b * Ho + y) * Wo + x) * Cout + o] = static_cast<float>(d) * alpha[o] * kmap;
        }
      }
}

}  // namespace ik::ref
