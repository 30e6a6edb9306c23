// fp32 GEMM benchmarks: every registry variant this CPU runs, the pre-packed-weight path, the
// ladder (naive, blocked), and weight packing on its own. The variant dispatch picks is the
// fp32 baseline (label role=fp32) every family's x_fp32 divides by: on model layers its
// pre-packed form (inference packs weights once, and so do the low-precision families), on the
// square sweep the plain sgemm.
//
//   gemm_f32/<registry variant>/<shape>/threads:<t>            sgemm, B as stored (K x N square,
//                                                              N x K model layers: Trans::yes)
//   gemm_f32/<registry variant>_prepacked/<model shape>/threads:<t>  sgemm_packed, B packed once
//   gemm_f32/sgemm_naive|sgemm_blocked/square.<n>/threads:<t>  the ladder (row-major K x N only)
//   pack_b/<registry variant>/<layer>/threads:<t>              sgemm_pack_b alone, GB/s of B read
//
// Skips, to keep `make bench` well under 15 minutes on 2 cores: the scalar variant (~25 GFLOP/s)
// and naive (~3 GFLOP/s: 4096^3 would take ~45 s per call) above 512 in any dimension, blocked
// (~18 GFLOP/s) above 1024; so the ladder runs on the square sweep only. naive takes no
// options (single-threaded by design): threads:1 only.
//
// Run: make bench FILTER='gemm_f32/sgemm_14x32_avx512/square.1024/'
//      make bench FILTER='(gemm_f32|pack_b)/.*/llama7b.ffn_up'
#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "cpu/gemm_f32/gemm_f32.h"

namespace ikb {
namespace {

using ik::cpu::GemmOptions;
using ik::cpu::SgemmKernel;
using ik::cpu::Trans;

std::int64_t max_dim(const GemmShape& s) { return std::max({s.M, s.N, s.K}); }

std::string selected_kernel_name() {
  try {
    return ik::cpu::sgemm_selected_kernel().name;
  } catch (const std::exception&) {
    return "";  // a bad IK_ISA: no row is the baseline, every x_fp32 stays empty
  }
}

// The dispatched variant runs every shape; the other rungs of the ISA ladder (what AVX2 and
// AVX-512 each buy) run the square sweep below 4096 and the model layers at M = 1 (bytes) and
// M = 128 (compute), which keeps the whole `make bench` near 20 minutes on 2 cores.
bool variant_runs(const SgemmKernel& k, const GemmShape& s) {
  if (!ik::kernel_runnable(k)) return false;
  if (k.isa == ik::Isa::scalar) return max_dim(s) <= 512;
  if (k.name == selected_kernel_name()) return true;
  return s.model ? (s.M == 1 || s.M == 128) : max_dim(s) < 4096;
}

void bm_sgemm(benchmark::State& st, const GemmShape& s, const SgemmKernel* k, int threads,
              bool baseline) {
  omp_set_num_threads(threads);
  const int copies = weight_copies(s, std::size_t(s.K) * s.N * sizeof(float));
  st.SetLabel(gemm_label(s, baseline ? "role=fp32" : ""));
  GemmOperands ops{};
  if (!guarded(st, [&] { ops = gemm_operands(s, copies); })) return;
  const GemmOptions opt{threads, k};
  const Trans tb = s.weight_nk ? Trans::yes : Trans::no;
  run_gemm_loop(st, copies, [&](int i) {
    ik::cpu::sgemm(ik::cpu::Layout::row_major, Trans::no, tb, s.M, s.N, s.K, 1.0f, ops.A, ops.lda,
                   ops.b(i), ops.ldb, 0.0f, ops.C, ops.ldc, opt);
  }, wants_warm_up(s));
  set_gemm_rate(st, s);
}

void bm_sgemm_packed(benchmark::State& st, const GemmShape& s, const SgemmKernel* k, int threads,
                     bool baseline) {
  static PreparedCache<std::vector<ik::cpu::SgemmPackedWeights>> cache;
  omp_set_num_threads(threads);
  const int copies = weight_copies(s, std::size_t(s.K) * s.N * sizeof(float));
  st.SetLabel(gemm_label(s, baseline ? "role=fp32" : ""));
  GemmOperands ops{};
  std::vector<ik::cpu::SgemmPackedWeights>* packed = nullptr;
  // Packing is preparation, reported by pack_b/...; here it happens once, outside the timing.
  if (!guarded(st, [&] {
        ops = gemm_operands(s, copies);
        packed = &cache.get(std::string(k->name) + "/" + s.layer, copies, [&](int n) {
          std::vector<ik::cpu::SgemmPackedWeights> v;
          for (int i = 0; i < n; ++i)
            v.push_back(ik::cpu::sgemm_pack_b(s.weight_nk ? ik::WeightLayout::n_by_k : ik::WeightLayout::k_by_n, s.K, s.N, ops.b(i), ops.ldb,
                                              GemmOptions{0, k}));
          return v;
        });
      }))
    return;
  const GemmOptions opt{threads, nullptr};  // the kernel is the one B was packed for
  run_gemm_loop(st, copies, [&](int i) {
    ik::cpu::sgemm_packed(s.M, s.N, s.K, 1.0f, ops.A, ops.lda, (*packed)[std::size_t(i) % packed->size()],
                          0.0f, ops.C, ops.ldc, opt);
  }, wants_warm_up(s));
  set_gemm_rate(st, s);
}

enum class Ladder { naive, blocked };

void bm_ladder(benchmark::State& st, const GemmShape& s, Ladder which, int threads) {
  omp_set_num_threads(threads);
  st.SetLabel(gemm_label(s));
  GemmOperands ops{};
  if (!guarded(st, [&] { ops = gemm_operands(s, 1); })) return;
  run_gemm_loop(st, 1, [&](int i) {
    if (which == Ladder::naive)
      ik::cpu::sgemm_naive(s.M, s.N, s.K, 1.0f, ops.A, ops.lda, ops.b(i), ops.ldb, 0.0f, ops.C, ops.ldc);
    else
      ik::cpu::sgemm_blocked(s.M, s.N, s.K, 1.0f, ops.A, ops.lda, ops.b(i), ops.ldb, 0.0f, ops.C,
                             ops.ldc, GemmOptions{threads, nullptr});
  }, wants_warm_up(s));
  set_gemm_rate(st, s);
}

void bm_pack_b(benchmark::State& st, const GemmShape& s, const SgemmKernel* k, int threads) {
  omp_set_num_threads(threads);
  st.SetLabel("N=" + std::to_string(s.N) + " K=" + std::to_string(s.K));
  GemmOperands ops{};
  if (!guarded(st, [&] { ops = gemm_operands(s, 1); })) return;
  const GemmOptions opt{threads, k};
  // Each iteration allocates its SgemmPackedWeights, as loading a model does: the page faults of a fresh
  // 64-180 MiB buffer are part of the preparation cost.
  run_gemm_loop(st, 1, [&](int i) {
    ik::cpu::SgemmPackedWeights p = ik::cpu::sgemm_pack_b(ik::WeightLayout::n_by_k, s.K, s.N, ops.b(i), ops.ldb, opt);
    benchmark::DoNotOptimize(p);
  });
  set_rate(st, "GB/s", double(s.K) * double(s.N) * sizeof(float) * 1e-9);
}

void register_gemm_f32() {
  const std::string selected = selected_kernel_name();
  const auto& kernels = ik::cpu::sgemm_kernels();
  // add_benchmark regroups the rows by weight (bench_common.h): within one weight, every
  // contender runs all its shapes before the next (cold copies built once per weight).
  const std::vector<GemmShape> shapes = all_gemm_shapes();
  for (const SgemmKernel& k : kernels)
    for (const GemmShape& s : shapes) {
      if (!variant_runs(k, s)) continue;
      for (int t : thread_counts())
        add_benchmark(bench_name("gemm_f32", k.name, s.name, t),
                      [s, kp = &k, t, base = selected == k.name && !s.model](benchmark::State& st) {
                        bm_sgemm(st, s, kp, t, base);
                      });
    }
  for (const SgemmKernel& k : kernels)
    for (const GemmShape& s : shapes) {
      if (!s.model || !variant_runs(k, s)) continue;
      for (int t : thread_counts())
        add_benchmark(bench_name("gemm_f32", std::string(k.name) + "_prepacked", s.name, t),
                      [s, kp = &k, t, base = selected == k.name](benchmark::State& st) {
                        bm_sgemm_packed(st, s, kp, t, base);
                      });
    }
  for (const GemmShape& s : shapes) {
    if (s.model) continue;
    if (max_dim(s) <= 512)
      add_benchmark(bench_name("gemm_f32", "sgemm_naive", s.name, 1),
                    [s](benchmark::State& st) { bm_ladder(st, s, Ladder::naive, 1); });
    if (max_dim(s) <= 1024)
      for (int t : thread_counts())
        add_benchmark(bench_name("gemm_f32", "sgemm_blocked", s.name, t),
                      [s, t](benchmark::State& st) { bm_ladder(st, s, Ladder::blocked, t); });
  }
  for (const LinearLayer& l : model_layers()) {
    const GemmShape s{l.name, l.name, 1, l.N, l.K, true, true};
    for (const SgemmKernel& k : kernels) {
      if (!variant_runs(k, s)) continue;
      for (int t : thread_counts())
        add_benchmark(bench_name("pack_b", k.name, l.name, t),
                      [s, kp = &k, t](benchmark::State& st) { bm_pack_b(st, s, kp, t); })
            ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace

IKB_REGISTER(kOrderKernels, register_gemm_f32);

}  // namespace ikb
