// The shared benchmark of the pre-packed-weight float GEMM families (cpu/gemm_f16,
// cpu/gemm_bf16): variant selection per shape, packed weight copies rotated past the LLC,
// GFLOP/s, GB/s of weight bytes and rel_err against the fp32 sgemm. A family file supplies its
// traits (kName, Kernel, Packed, Options, kernels, selected, supported, pack, run), documents
// its rows and calls register_packed_gemm<Traits>() from its registrar.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "common/gemm_driver.h"
#include "cpu/gemm_f32/gemm_f32.h"

namespace ikb {
namespace packed_gemm_detail {

template <class F>
const typename F::Kernel* selected_kernel() {
  try {
    return &F::selected();
  } catch (const std::exception&) {
    return nullptr;  // a bad IK_ISA: no variant counts as dispatched
  }
}

template <class F>
bool variant_runs(const typename F::Kernel& k, const GemmShape& s) {
  if (!F::supported(k)) return false;
  const std::int64_t dim = std::max({s.M, s.N, s.K});
  if (k.isa == ik::Isa::scalar) return dim <= 512;
  // Keep the suite's runtime bounded: the dispatched variant runs every shape; the others (the
  // ladder: what each ISA step buys) run the square sweep below 4096 (1-2.5 s per call there)
  // and the model layers at M = 1 (GEMV, bytes) and M = 128 (compute).
  if (&k == selected_kernel<F>()) return true;
  return s.model ? (s.M == 1 || s.M == 128) : dim < 4096;
}

// ||C - C_fp32|| / ||C_fp32||, the fp32 reference computed once per shape (thread-independent).
template <class F>
double rel_err_vs_fp32(const GemmShape& s, const GemmOperands& ops) {
  static std::map<std::string, std::vector<float>> refs;
  std::vector<float>& ref = refs[s.name];
  if (ref.empty()) {
    refs.clear();  // one shape at a time: the 4096^3 reference alone is 64 MiB
    std::vector<float>& r = refs[s.name];
    r.resize(std::size_t(s.M) * std::size_t(s.N));
    ik::cpu::sgemm(ik::cpu::Layout::row_major, ik::cpu::Trans::no, s.weight_nk ? ik::cpu::Trans::yes : ik::cpu::Trans::no,
                   s.M, s.N, s.K, 1.0f, ops.A, ops.lda, ops.b(0), ops.ldb, 0.0f, r.data(), s.N);
    return rel_err_vs_fp32<F>(s, ops);
  }
  double num = 0, den = 0;
  for (std::size_t e = 0; e < ref.size(); ++e) {
    const double d = double(ops.C[e]) - double(ref[e]);
    num += d * d;
    den += double(ref[e]) * double(ref[e]);
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

template <class F>
void bm_packed(benchmark::State& st, const GemmShape& s, const typename F::Kernel* k, int threads) {
  using Packed = typename F::Packed;
  using Options = typename F::Options;
  static PreparedCache<std::vector<Packed>> cache;
  omp_set_num_threads(threads);
  const std::size_t wbytes = std::size_t(s.K) * std::size_t(s.N) * sizeof(std::uint16_t);
  const int copies = weight_copies(s, wbytes);
  st.SetLabel(gemm_label(s));
  GemmOperands ops{};
  std::vector<Packed>* packed = nullptr;
  const ik::WeightLayout layout = s.weight_nk ? ik::WeightLayout::n_by_k : ik::WeightLayout::k_by_n;
  if (!guarded(st, [&] {
        ops = gemm_operands(s, 1);  // one fp32 source; the packed copies are what rotates
        packed = &cache.get(std::string(k->name) + "/" + s.layer, copies, [&](int n) {
          std::vector<Packed> v;
          for (int i = 0; i < n; ++i)
            v.push_back(F::pack(layout, s.K, s.N, ops.b(0), ops.ldb, Options{0, k}));
          return v;
        });
      }))
    return;
  const Options opt{threads, nullptr};
  run_gemm_loop(st, copies, [&](int i) {
    F::run(s.M, s.N, s.K, 1.0f, ops.A, ops.lda, (*packed)[std::size_t(i) % packed->size()], 0.0f, ops.C, ops.ldc,
           opt);
  });
  set_gemm_rate(st, s);
  set_rate(st, "GB/s", double(wbytes) * 1e-9);
  st.counters["rel_err"] = rel_err_vs_fp32<F>(s, ops);
}

}  // namespace packed_gemm_detail

// Registers every variant of family F on its shapes (the order of bench_common.h).
template <class F>
void register_packed_gemm() {
  using namespace packed_gemm_detail;
  // add_benchmark regroups the rows by weight (bench_common.h): every variant runs all the shapes
  // of one weight before the next, so packed copies are built once per weight and variant.
  for (const typename F::Kernel& k : F::kernels())
    for (const GemmShape& s : all_gemm_shapes()) {
      if (!variant_runs<F>(k, s)) continue;
      for (int t : thread_counts())
        add_benchmark(bench_name(F::kName, k.name, s.name, t),
                      [s, kp = &k, t](benchmark::State& st) { bm_packed<F>(st, s, kp, t); });
    }
}

}  // namespace ikb
