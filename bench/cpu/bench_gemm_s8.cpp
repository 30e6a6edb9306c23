// int8 GEMM / GEMV benchmarks (cpu/gemm_s8): every registry variant this CPU runs (the VNNI one
// only with AVX512_VNNI; scalar only up to 512), on every shape of bench/shapes.h, weights
// quantized (symmetric per output channel) and pre-packed once outside the timing.
//
//   gemm_s8/<variant>/<shape>/threads:<t>    gemm_s8_s32: u8 activations (the fp32 A of every GEMM
//                                            row quantized once with choose_qparams_u8), s8 packed
//                                            weights, int32 output (what dnnl_gemm_u8s8s32 returns)
//
// Cache policy as every GEMM (bench_common.h): M <= 32 rotates through packed copies whose total
// is >= 4 x the LLC, so GEMV (M = 1) streams the 1-byte weights from DRAM.
// Counters: GOP/s (dense-equivalent 2MNK), GB/s of weight bytes (the bound for M <= 32), and
// rel_err: ||C - C_fp32|| / ||C_fp32|| (Frobenius), C the dequantized fp32 output (gemm_s8_f32,
// one untimed call after the loop) on the quantized inputs, C_fp32 the fp32 sgemm on the
// original fp32 inputs: the error of int8 quantization itself (the integer GEMM is exact).
// Library rows (x_library): bench/baselines/onednn_s8.cpp, same family name.
//
// Run: make bench FILTER='gemm_s8/.*/llama7b.q_proj.m1/'
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "cpu/gemm_f32/gemm_f32.h"
#include "cpu/gemm_s8/gemm_s8.h"

namespace ikb {
namespace {

using ik::cpu::S8Kernel;
constexpr const char* kFamily = "gemm_s8";

// The dispatched variant runs every shape; the others (what each ISA step buys) run the square
// sweep below 4096 and the model layers at M = 1 and M = 128, to bound `make bench` time.
bool variant_runs(const S8Kernel& k, const GemmShape& s) {
  if (!ik::kernel_runnable(k)) return false;
  const std::int64_t dim = std::max({s.M, s.N, s.K});
  if (k.isa == ik::Isa::scalar) return dim <= 512;
  bool dispatched = false;
  try {
    dispatched = &k == &ik::cpu::gemm_s8_selected_kernel();
  } catch (const std::exception&) {
  }
  if (dispatched) return true;
  return s.model ? (s.M == 1 || s.M == 128) : dim < 4096;
}

// The quantized activations of one shape (cached: consecutive variants share them).
struct QuantA {
  std::vector<std::uint8_t> a;
  ik::cpu::QuantParams q;
};
const QuantA& quant_a(const GemmShape& s, const GemmOperands& ops) {
  static std::string key;
  static QuantA qa;
  if (key != s.name) {
    qa.q = ik::cpu::choose_qparams_u8(ops.A, s.M * s.K);
    qa.a.resize(std::size_t(s.M) * std::size_t(s.K));
    ik::cpu::quantize_u8(ops.A, s.M * s.K, qa.q, qa.a.data());
    key = s.name;
  }
  return qa;
}

// Symmetric per-channel s8 weights of one layer, stored as the fp32 weight is (K x N or N x K).
struct QuantW {
  std::vector<std::int8_t> w;
  std::vector<float> scales;
};
const QuantW& quant_w(const GemmShape& s, const GemmOperands& ops) {
  static std::string key;
  static QuantW qw;
  const std::string k = s.layer + (s.weight_nk ? "/nk" : "/kn");
  if (key != k) {
    const std::int64_t rows = s.weight_nk ? s.N : s.K, cols = s.weight_nk ? s.K : s.N;
    qw.w.assign(std::size_t(rows) * std::size_t(cols), 0);
    qw.scales.assign(std::size_t(s.N), 0.0f);
    ik::cpu::quantize_weights_s8(ops.b(0), rows, cols, ops.ldb, s.weight_nk ? 0 : 1, true, qw.w.data(),
                                 qw.scales.data());
    key = k;
  }
  return qw;
}

// ||C - C_fp32|| / ||C_fp32||, the fp32 reference computed once per shape.
double rel_err_vs_fp32(const GemmShape& s, const GemmOperands& ops, const std::vector<float>& c) {
  static std::string key;
  static std::vector<float> ref;
  if (key != s.name) {
    ref.assign(std::size_t(s.M) * std::size_t(s.N), 0.0f);
    ik::cpu::sgemm(ik::cpu::Layout::row_major, ik::cpu::Trans::no, s.weight_nk ? ik::cpu::Trans::yes : ik::cpu::Trans::no,
                   s.M, s.N, s.K, 1.0f, ops.A, ops.lda, ops.b(0), ops.ldb, 0.0f, ref.data(), s.N);
    key = s.name;
  }
  double num = 0, den = 0;
  for (std::size_t e = 0; e < ref.size(); ++e) {
    const double d = double(c[e]) - double(ref[e]);
    num += d * d;
    den += double(ref[e]) * double(ref[e]);
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

std::string s8_label(const GemmShape& s) {
  return "M=" + std::to_string(s.M) + " N=" + std::to_string(s.N) + " K=" + std::to_string(s.K) +
         " cache=" + (cold_weights(s) ? "cold" : "hot");
}

void bm_s8(benchmark::State& st, const GemmShape& s, const S8Kernel* k, int threads) {
  static PreparedCache<std::vector<ik::cpu::GemmS8PackedWeights>> cache;
  omp_set_num_threads(threads);
  const std::size_t wbytes = std::size_t(s.K) * std::size_t(s.N);
  const int copies = weight_copies(s, wbytes);
  st.SetLabel(s8_label(s));
  GemmOperands ops{};
  const QuantA* qa = nullptr;
  std::vector<ik::cpu::GemmS8PackedWeights>* packed = nullptr;
  std::vector<std::int32_t> c32(std::size_t(s.M) * std::size_t(s.N));
  if (!guarded(st, [&] {
        ops = gemm_operands(s, 1);
        qa = &quant_a(s, ops);
        packed = &cache.get(std::string(k->name) + "/" + s.layer, copies, [&](int n) {
          const QuantW& qw = quant_w(s, ops);
          std::vector<ik::cpu::GemmS8PackedWeights> v;
          for (int i = 0; i < n; ++i)
            v.push_back(ik::cpu::gemm_s8_pack_weights(s.weight_nk ? ik::WeightLayout::n_by_k : ik::WeightLayout::k_by_n, s.K, s.N,
                                                      qw.w.data(), ops.ldb, qw.scales.data(), true,
                                                      ik::cpu::S8Options{0, k}));
          return v;
        });
      }))
    return;
  const ik::cpu::S8Options opt{threads, nullptr};
  run_gemm_loop(st, copies, [&](int i) {
    ik::cpu::gemm_s8_s32(s.M, s.N, s.K, qa->a.data(), s.K, qa->q.zero_point, (*packed)[std::size_t(i) % packed->size()],
                         nullptr, c32.data(), s.N, opt);
  });
  set_rate(st, "GOP/s", gemm_flops(s) * 1e-9);
  set_rate(st, "GB/s", double(wbytes) * 1e-9);
  std::vector<float> cf(c32.size());
  ik::cpu::gemm_s8_f32(s.M, s.N, s.K, qa->a.data(), s.K, qa->q, (*packed)[0], nullptr, cf.data(), s.N, opt);
  st.counters["rel_err"] = rel_err_vs_fp32(s, ops, cf);
}

void register_gemm_s8() {
  // add_benchmark regroups the rows by weight (bench_common.h).
  for (const S8Kernel& k : ik::cpu::gemm_s8_kernels())
    for (const GemmShape& s : all_gemm_shapes()) {
      if (!variant_runs(k, s)) continue;
      for (int t : thread_counts())
        add_benchmark(bench_name(kFamily, k.name, s.name, t),
                      [s, kp = &k, t](benchmark::State& st) { bm_s8(st, s, kp, t); });
    }
}

}  // namespace

IKB_REGISTER(kOrderKernels, register_gemm_s8);

}  // namespace ikb
