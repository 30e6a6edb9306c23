// The fp32 im2col convolution baseline (see conv_baseline.h).
// Bench: make bench FILTER='binary/sconv_im2col_fp32/'
#include "bench/cpu/conv_baseline.h"

#include <omp.h>

#include <cstring>
#include <string>

#include "bench/bench_common.h"
#include "common/error.h"
#include "common/random.h"

namespace ikb {

namespace {
std::vector<float> random_floats(std::size_t n, std::uint64_t seed) {
  ik::Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}
}  // namespace

std::vector<float> conv_input(const ConvShape& c) {
  return random_floats(std::size_t(c.batch * c.H * c.W * c.C), 21);
}

std::vector<float> conv_weights(const ConvShape& c) {
  return random_floats(std::size_t(c.F * c.kh * c.kw * c.Cg()), 22);
}

void im2col_nhwc(const ConvShape& c, const float* image, std::int64_t group, float* cols) {
  const std::int64_t Ho = c.Ho(), Wo = c.Wo(), Cg = c.Cg();
  const std::int64_t row = c.kh * c.kw * Cg;
  const float* in = image + group * Cg;
#pragma omp parallel for schedule(static)
  for (std::int64_t p = 0; p < Ho * Wo; ++p) {
    const std::int64_t y = p / Wo, x = p % Wo;
    for (std::int64_t ky = 0; ky < c.kh; ++ky)
      for (std::int64_t kx = 0; kx < c.kw; ++kx) {
        const std::int64_t iy = y * c.stride - c.pad + ky, ix = x * c.stride - c.pad + kx;
        float* dst = cols + p * row + (ky * c.kw + kx) * Cg;
        if (iy < 0 || iy >= c.H || ix < 0 || ix >= c.W)
          std::memset(dst, 0, std::size_t(Cg) * sizeof(float));
        else
          std::memcpy(dst, in + (iy * c.W + ix) * c.C, std::size_t(Cg) * sizeof(float));
      }
  }
}

SconvIm2col::SconvIm2col(const ConvShape& c, const float* weights) : c_(c) {
  if (c.batch < 1 || c.H < 1 || c.W < 1 || c.C < 1 || c.F < 1 || c.kh < 1 || c.kw < 1 || c.stride < 1 ||
      c.pad < 0 || c.groups < 1 || c.C % c.groups != 0 || c.F % c.groups != 0 || c.Ho() < 1 || c.Wo() < 1)
    throw ik::Error("SconvIm2col: bad conv shape '" + c.name + "' (C " + std::to_string(c.C) + ", F " +
                    std::to_string(c.F) + ", groups " + std::to_string(c.groups) + ", Ho " +
                    std::to_string(c.Ho()) + ", Wo " + std::to_string(c.Wo()) + ")");
  const std::int64_t K = c.kh * c.kw * c.Cg(), Fg = c.Fg();
  for (std::int64_t g = 0; g < c.groups; ++g)
    packed_.push_back(ik::cpu::sgemm_pack_b(ik::cpu::WeightLayout::n_by_k, K, Fg, weights + g * Fg * K, K));
  cols_.resize(std::size_t(c.Ho() * c.Wo() * K));
}

void SconvIm2col::run(const float* in, float* out, int threads) {
  const std::int64_t M = c_.Ho() * c_.Wo(), K = c_.kh * c_.kw * c_.Cg(), Fg = c_.Fg();
  const ik::cpu::GemmOptions opt{threads, nullptr};
  for (std::int64_t n = 0; n < c_.batch; ++n)
    for (std::int64_t g = 0; g < c_.groups; ++g) {
      im2col_nhwc(c_, in + n * c_.H * c_.W * c_.C, g, cols_.data());
      ik::cpu::sgemm_packed(M, Fg, K, 1.0f, cols_.data(), K, packed_[std::size_t(g)], 0.0f,
                            out + n * M * c_.F + g * Fg, c_.F, opt);
    }
}

void bm_sconv_im2col_fp32(benchmark::State& st, const ConvShape& c, int threads) {
  omp_set_num_threads(threads);
  st.SetLabel(conv_label(c, "hot", "role=fp32"));
  const auto in = conv_input(c);
  const auto w = conv_weights(c);
  std::vector<float> out(std::size_t(c.batch * c.Ho() * c.Wo() * c.F));
  SconvIm2col conv;
  if (!guarded(st, [&] { conv = SconvIm2col(c, w.data()); })) return;
  run_gemm_loop(st, 1, [&](int) { conv.run(in.data(), out.data(), threads); });
  set_rate(st, "GFLOP/s", flops(c) * 1e-9);
}

}  // namespace ikb
