// The fp32 convolution baseline every conv-shaped benchmark divides by (role=fp32): NHWC im2col
// (rows = output pixels, columns (ky, kx, c)), then the project's sgemm_packed against the
// [F][kh][kw][C/groups] weight packed once per group (the weight is prepared outside the timing,
// as every family's is). Until cpu/conv lands this is the project's fp32 conv; the timed call is
// im2col + GEMM, the work a user of an im2col conv pays per inference.
//
//   out[n][p][g F/g + f] = sum_{(ky, kx, c)} cols_g[p][(ky kx c)] * w[g F/g + f][ky][kx][c]
//   cols_g[p][(ky kw + kx) C/g + c] = in[n][y s - pad + ky][x s - pad + kx][g C/g + c]   (0 outside)
//
// Groups run one after another (one GEMM of M = Ho Wo, N = F/g, K = kh kw C/g each, C written
// with ldc = F); batch images too. With groups = 1, batch = 1 (the binary conv's shapes) this is
// the exact computation bench_binary.cpp timed before it moved here (same data, same calls).
// Depthwise shapes (groups = C) run, but as C GEMMs of N = 1: a correct, slow reference point, not
// a depthwise kernel.
//
// Data: conv_input() / conv_weights() are the inputs every contender at a conv shape uses, uniform
// in [-1, 1) from fixed seeds (21, 22), so fp32 and binary rows see the same tensors.
//
// Bench: make bench FILTER='binary/sconv_im2col_fp32/'
#pragma once
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench/shapes.h"
#include "cpu/gemm_f32/gemm_f32.h"

namespace ikb {

std::vector<float> conv_input(const ConvShape& c);    // batch x H x W x C
std::vector<float> conv_weights(const ConvShape& c);  // F x kh x kw x C/groups

// cols (Ho Wo x kh kw C/g, row-major) from one image (H x W x C) for group g. Parallel over output
// pixels (OpenMP, the calling thread's team size).
void im2col_nhwc(const ConvShape& c, const float* image, std::int64_t group, float* cols);

class SconvIm2col {
 public:
  SconvIm2col() = default;
  // Packs the weight (F x kh x kw x C/groups) once per group. Throws ik::Error on a bad shape.
  SconvIm2col(const ConvShape& c, const float* weights);
  // out (batch x Ho x Wo x F) = conv(in (batch x H x W x C)); `threads` for the GEMM (0: all),
  // im2col uses the current OpenMP team size.
  void run(const float* in, float* out, int threads);

 private:
  ConvShape c_{};
  std::vector<ik::cpu::SgemmPackedWeights> packed_;  // one per group
  std::vector<float> cols_;
};

// The baseline row: label "M= N= K= cache=hot role=fp32" (conv_label), GFLOP/s of flops(c).
void bm_sconv_im2col_fp32(benchmark::State& st, const ConvShape& c, int threads);

}  // namespace ikb
