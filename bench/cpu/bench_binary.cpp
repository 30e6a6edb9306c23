// Binary network benchmarks (issue 4): XNOR GEMM, binary conv, binary-weight GEMV, each beside
// its own fp32 baseline row (label role=fp32, same shape name, same thread count), so
// summarize.py's x_fp32 is the speedup at that point. Rates are dense-equivalent GFLOP/s
// (2 M N K, or the conv's 2 Ho Wo Cout kh kw Cin, or 2 N K), so binary and fp32 rows compare.
//
//   binary/sgemm_fp32_prepacked/<gemm shape>/threads:<t>   fp32 baseline: ik::cpu::sgemm_packed,
//                                                          weights packed once (role=fp32)
//   binary/<xnor variant>/<gemm shape>/threads:<t>          binary_linear: sign-pack + mean|a| of
//                                                          the activations, XNOR GEMM, fp32 out
//   binary/<xnor variant>_kernel/<gemm shape>/threads:<t>   xnor_gemm_s32 alone, A pre-packed
//   binary/pack_weights/<gemm shape>/threads:<t>            one-time weight binarization + packing
//   binary/sconv_im2col_fp32/<conv>/threads:<t>            fp32 baseline: im2col + sgemm_packed
//   binary/bconv_<xnor variant>/<conv>/threads:<t>         binary_conv2d_nhwc (pack, K map,
//                                                          bit im2col, XNOR GEMM, fused scales)
//   binary/sgemv_fp32_prepacked/gemv.4096x4096/threads:<t> fp32 baseline: sgemm_packed at M = 1
//   binary/<bgemv variant>/gemv.4096x4096/threads:<t>      binary_gemv
// GEMV rows rotate cold weight copies (bench_common's policy: total >= 4 x LLC), both fp32 and
// binary; the GEMM and conv shapes are compute-bound and run hot. Scalar variants are skipped
// (minutes per shape).
//
// Shapes: xnor.resnet18.conv2_x = the dense-equivalent GEMM of a ResNet-18 conv2_x layer
// (M = 56*56, N = 64, K = 64*3*3); xnor.square.1024 (both noted into the bench's shapes table);
// conv layers resnet18.conv{2,3,4}_x of bench/shapes.h (56x56x64, 28x28x128, 14x14x256 -> same
// channels, 3x3, stride 1, pad 1, batch 1); the fp32 conv row is bench/cpu/conv_baseline.h's.
//
// Run: make bench FILTER='binary/' BENCH_REPETITIONS=1   (~60-90 s on 2 cores)
#include <omp.h>

#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "bench/cpu/conv_baseline.h"
#include "common/random.h"
#include "cpu/binary/binary.h"
#include "cpu/gemm_f32/gemm_f32.h"

namespace ikb {
namespace {

using ik::cpu::BinaryOptions;
using ik::cpu::BinaryPackedWeights;

std::vector<float> random_floats(std::size_t n, std::uint64_t seed) {
  ik::Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

std::string label(std::int64_t M, std::int64_t N, std::int64_t K, const char* cache, const char* extra = "") {
  std::string s = "M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
                  " cache=" + cache;
  if (*extra) s += std::string(" ") + extra;
  return s;
}

// ---- GEMM -----------------------------------------------------------------------------------

struct GemmData {
  std::int64_t M = 0, N = 0, K = 0;
  std::vector<float> A, W;  // A: M x K, W: N x K ([out][in])
};
const GemmData& gemm_data(const GemmShape& s) {
  static GemmData d;
  if (d.M != s.M || d.N != s.N || d.K != s.K) {
    d.M = s.M;
    d.N = s.N;
    d.K = s.K;
    d.A = random_floats(std::size_t(s.M * s.K), 11);
    d.W = random_floats(std::size_t(s.N * s.K), 12);
  }
  return d;
}

void bm_sgemm_baseline(benchmark::State& st, const GemmShape& s, int threads) {
  omp_set_num_threads(threads);
  st.SetLabel(label(s.M, s.N, s.K, "hot", "role=fp32"));
  const GemmData& d = gemm_data(s);
  std::vector<float> C(std::size_t(s.M * s.N));
  ik::cpu::SgemmPackedWeights pb;
  if (!guarded(st, [&] { pb = ik::cpu::sgemm_pack_b(ik::cpu::WeightLayout::n_by_k, s.K, s.N, d.W.data(), s.K); })) return;
  const ik::cpu::GemmOptions opt{threads, nullptr};
  run_gemm_loop(st, 1, [&](int) {
    ik::cpu::sgemm_packed(s.M, s.N, s.K, 1.0f, d.A.data(), s.K, pb, 0.0f, C.data(), s.N, opt);
  });
  set_gemm_rate(st, s);
}

void bm_binary_linear(benchmark::State& st, const GemmShape& s, const ik::cpu::XnorKernel* k, int threads) {
  omp_set_num_threads(threads);
  st.SetLabel(label(s.M, s.N, s.K, "hot"));
  const GemmData& d = gemm_data(s);
  std::vector<float> C(std::size_t(s.M * s.N));
  BinaryOptions opt;
  opt.threads = threads;
  opt.xnor = k;
  BinaryPackedWeights B;
  if (!guarded(st, [&] { B = ik::cpu::binary_pack_weights(s.N, s.K, d.W.data(), s.K, opt); })) return;
  run_gemm_loop(st, 1, [&](int) {
    ik::cpu::binary_linear(s.M, s.N, s.K, d.A.data(), s.K, B, true, C.data(), s.N, opt);
  });
  set_gemm_rate(st, s);
}

void bm_xnor_kernel(benchmark::State& st, const GemmShape& s, const ik::cpu::XnorKernel* k, int threads) {
  omp_set_num_threads(threads);
  st.SetLabel(label(s.M, s.N, s.K, "hot"));
  const GemmData& d = gemm_data(s);
  BinaryOptions opt;
  opt.threads = threads;
  opt.xnor = k;
  const std::int64_t W = ik::cpu::bitpack_words(s.K);
  std::vector<std::uint64_t> A(std::size_t(s.M * W));
  std::vector<std::int32_t> C(std::size_t(s.M * s.N));
  BinaryPackedWeights B;
  if (!guarded(st, [&] {
        B = ik::cpu::binary_pack_weights(s.N, s.K, d.W.data(), s.K, opt);
        ik::cpu::bitpack_sign(s.M, s.K, d.A.data(), s.K, A.data(), W, nullptr, opt);
      }))
    return;
  run_gemm_loop(st, 1, [&](int) { ik::cpu::xnor_gemm_s32(s.M, s.N, s.K, A.data(), W, B, C.data(), s.N, opt); });
  set_gemm_rate(st, s);
}

void bm_pack_weights(benchmark::State& st, const GemmShape& s, int threads) {
  omp_set_num_threads(threads);
  st.SetLabel("N=" + std::to_string(s.N) + " K=" + std::to_string(s.K));
  const GemmData& d = gemm_data(s);
  BinaryOptions opt;
  opt.threads = threads;
  run_gemm_loop(st, 1, [&](int) {
    BinaryPackedWeights B = ik::cpu::binary_pack_weights(s.N, s.K, d.W.data(), s.K, opt);
    benchmark::DoNotOptimize(B);
  });
  set_rate(st, "GB/s", double(s.N) * double(s.K) * sizeof(float) * 1e-9);
}

// ---- conv ---------------------------------------------------------------------------------
// Shapes from bench/shapes.h; the fp32 baseline row (im2col + sgemm_packed, role=fp32) and the
// input / weight tensors both sides use come from bench/cpu/conv_baseline.h.

void bm_bconv(benchmark::State& st, const ConvShape& c, const ik::cpu::XnorKernel* k, int threads) {
  omp_set_num_threads(threads);
  st.SetLabel(conv_label(c, "hot"));
  const auto in = conv_input(c);
  const auto w = conv_weights(c);
  std::vector<float> out(std::size_t(c.batch * c.Ho() * c.Wo() * c.F));
  BinaryOptions opt;
  opt.threads = threads;
  opt.xnor = k;
  ik::cpu::BinaryConvPackedWeights bw;
  if (!guarded(st, [&] { bw = ik::cpu::binary_conv_pack_weights(c.F, c.kh, c.kw, c.C, w.data(), opt); })) return;
  run_gemm_loop(st, 1, [&](int) {
    ik::cpu::binary_conv2d_nhwc(c.batch, c.H, c.W, in.data(), bw, c.stride, c.pad, out.data(), opt);
  });
  set_rate(st, "GFLOP/s", flops(c) * 1e-9);
}

// ---- GEMV (cold weights) ----------------------------------------------------------------------

const GemmShape kGemv{"gemv.4096x4096", "gemv.4096x4096", 1, 4096, 4096, true, true};

void bm_sgemv_baseline(benchmark::State& st, int threads) {
  static PreparedCache<std::vector<ik::cpu::SgemmPackedWeights>> cache;
  omp_set_num_threads(threads);
  const GemmShape& s = kGemv;
  const int copies = weight_copies(s, std::size_t(s.K * s.N) * sizeof(float));
  st.SetLabel(label(1, s.N, s.K, "cold", "role=fp32"));
  std::vector<ik::cpu::SgemmPackedWeights>* packed = nullptr;
  const auto x = random_floats(std::size_t(s.K), 31);
  std::vector<float> y(std::size_t(s.N));
  if (!guarded(st, [&] {
        packed = &cache.get("sgemv/" + s.layer, copies, [&](int n) {
          const auto w = random_floats(std::size_t(s.N * s.K), 32);
          std::vector<ik::cpu::SgemmPackedWeights> v;
          for (int i = 0; i < n; ++i) v.push_back(ik::cpu::sgemm_pack_b(ik::cpu::WeightLayout::n_by_k, s.K, s.N, w.data(), s.K));
          return v;
        });
      }))
    return;
  const ik::cpu::GemmOptions opt{threads, nullptr};
  run_gemm_loop(st, copies, [&](int i) {
    ik::cpu::sgemm_packed(1, s.N, s.K, 1.0f, x.data(), s.K, (*packed)[std::size_t(i) % packed->size()], 0.0f,
                          y.data(), s.N, opt);
  });
  set_gemm_rate(st, s);
}

void bm_bgemv(benchmark::State& st, const ik::cpu::BgemvKernel* k, int threads) {
  static PreparedCache<std::vector<BinaryPackedWeights>> cache;
  omp_set_num_threads(threads);
  const GemmShape& s = kGemv;
  const int copies = weight_copies(s, std::size_t(s.K * s.N) / 8);
  st.SetLabel(label(1, s.N, s.K, "cold"));
  std::vector<BinaryPackedWeights>* packed = nullptr;
  const auto x = random_floats(std::size_t(s.K), 31);
  std::vector<float> y(std::size_t(s.N));
  if (!guarded(st, [&] {
        packed = &cache.get("bgemv/" + s.layer, copies, [&](int n) {
          const auto w = random_floats(std::size_t(s.N * s.K), 32);
          const std::int64_t W = ik::cpu::bitpack_words(s.K);
          std::vector<std::uint64_t> bits(std::size_t(s.N * W));
          ik::cpu::bitpack_sign(s.N, s.K, w.data(), s.K, bits.data(), W);
          std::vector<float> alpha(std::size_t(s.N), 0.5f);
          std::vector<BinaryPackedWeights> v;
          for (int i = 0; i < n; ++i) v.push_back(ik::cpu::binary_pack_bits(s.N, s.K, W, bits.data(), W, alpha.data()));
          return v;
        });
      }))
    return;
  BinaryOptions opt;
  opt.threads = threads;
  opt.bgemv = k;
  run_gemm_loop(st, copies, [&](int i) {
    ik::cpu::binary_gemv(s.N, s.K, x.data(), (*packed)[std::size_t(i) % packed->size()], y.data(), opt);
  });
  set_gemm_rate(st, s);
  set_rate(st, "GB/s", double(s.N) * double(s.K) / 8.0 * 1e-9);
}

void register_binary() {
  const std::vector<GemmShape> gemms = {
      {"xnor.resnet18.conv2_x", "xnor.resnet18.conv2_x", 56 * 56, 64, 64 * 9, true, true},
      {"xnor.square.1024", "xnor.square.1024", 1024, 1024, 1024, true, false}};
  // ResNet-18's 3x3 stride-1 stage convs from bench/shapes.h (the three this bench always ran).
  std::vector<ConvShape> convs;
  for (const char* name : {"resnet18.conv2_x", "resnet18.conv3_x", "resnet18.conv4_x"})
    convs.push_back(conv_shape(name));
  for (const GemmShape& s : gemms) note_shape(s);
  note_shape(kGemv);
  const std::string selected = ik::cpu::xnor_selected_kernel().name;
  for (const GemmShape& s : gemms) {
    for (int t : thread_counts())
      add_benchmark(bench_name("binary", "sgemm_fp32_prepacked", s.name, t),
                    [s, t](benchmark::State& st) { bm_sgemm_baseline(st, s, t); });
    for (const auto& k : ik::cpu::xnor_kernels()) {
      if (!ik::kernel_runnable(k) || k.isa == ik::Isa::scalar) continue;
      for (int t : thread_counts())
        add_benchmark(bench_name("binary", k.name, s.name, t),
                      [s, kp = &k, t](benchmark::State& st) { bm_binary_linear(st, s, kp, t); });
      if (selected == k.name || (k.requires & ik::feature::avx512vpopcntdq))
        for (int t : thread_counts())
          add_benchmark(bench_name("binary", std::string(k.name) + "_kernel", s.name, t),
                        [s, kp = &k, t](benchmark::State& st) { bm_xnor_kernel(st, s, kp, t); });
    }
    for (int t : thread_counts())
      add_benchmark(bench_name("binary", "pack_weights", s.name, t),
                    [s, t](benchmark::State& st) { bm_pack_weights(st, s, t); });
  }
  for (const ConvShape& c : convs) {
    for (int t : thread_counts())
      add_benchmark(bench_name("binary", "sconv_im2col_fp32", c.name, t),
                    [c, t](benchmark::State& st) { bm_sconv_im2col_fp32(st, c, t); });
    for (const auto& k : ik::cpu::xnor_kernels()) {
      if (!ik::kernel_runnable(k) || k.isa == ik::Isa::scalar) continue;
      if (!(selected == k.name || k.isa == ik::Isa::avx2)) continue;  // the HS variant: GEMM rows only
      for (int t : thread_counts())
        add_benchmark(bench_name("binary", "bconv_" + std::string(k.name), c.name, t),
                      [c, kp = &k, t](benchmark::State& st) { bm_bconv(st, c, kp, t); });
    }
  }
  for (int t : thread_counts())
    add_benchmark(bench_name("binary", "sgemv_fp32_prepacked", kGemv.name, t),
                  [t](benchmark::State& st) { bm_sgemv_baseline(st, t); });
  for (const auto& k : ik::cpu::bgemv_kernels()) {
    if (!ik::kernel_runnable(k) || k.isa == ik::Isa::scalar) continue;
    for (int t : thread_counts())
      add_benchmark(bench_name("binary", k.name, kGemv.name, t),
                    [kp = &k, t](benchmark::State& st) { bm_bgemv(st, kp, t); });
  }
}

}  // namespace

IKB_REGISTER(kOrderKernels, register_binary);

}  // namespace ikb
