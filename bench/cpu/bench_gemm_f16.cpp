// FP16-weight GEMM / GEMV benchmarks (cpu/gemm_f16): every registry variant this CPU runs, on
// every shape of bench/shapes.h (the non-dispatched variants on a subset, see variant_runs),
// weights pre-packed once as fp16 outside the timing (the only form of the API: the weight is
// prepared once, as an inference engine does).
//
//   gemm_f16/<variant>/<shape>/threads:<t>     hgemm_packed, fp32 activations, fp16 weights
//
// Cache policy as every GEMM (bench_common.h): M <= 32 rotates through packed copies whose total
// exceeds the LLC, so GEMV (M = 1) streams the 2-byte weights from DRAM.
// Counters: GFLOP/s (dense-equivalent 2MNK), GB/s of weight bytes (the bound for M <= 32), and
// rel_err: ||C - C_fp32|| / ||C_fp32|| (Frobenius) against the fp32 sgemm on the same fp32
// inputs (the error fp16 weight storage costs; the fp32 GEMM's own error is ~1e-7).
// x_fp32 divides by the role=fp32 row: on model layers the pre-packed fp32 sgemm (like for like),
// on the square sweep the plain sgemm, which packs B inside each call (ours never does: a few
// percent in our favour at 1024^3, nothing at 4096^3).
// No installed library has an FP16 GEMM for this CPU class (oneDNN 2.6 f16 needs AVX512-FP16
// or AMX-FP16), so there is no library row.
//
// Run: make bench FILTER='gemm_f16/.*/llama7b.q_proj.m1/'
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "cpu/gemm_f16/gemm_f16.h"
#include "cpu/gemm_f32/gemm_f32.h"

namespace ikb {
namespace {

using Kernel = ik::cpu::HgemmKernel;
using Packed = ik::cpu::HgemmPackedB;
using Options = ik::cpu::HgemmOptions;
constexpr const char* kFamily = "gemm_f16";

const Kernel* selected_kernel() {
  try {
    return &ik::cpu::hgemm_selected_kernel();
  } catch (const std::exception&) {
    return nullptr;  // a bad IK_ISA: no variant counts as dispatched
  }
}

bool variant_runs(const Kernel& k, const GemmShape& s) {
  if (!ik::isa_supported(k.isa)) return false;
  const std::int64_t dim = std::max({s.M, s.N, s.K});
  if (k.isa == ik::Isa::scalar) return dim <= 512;
  // Keep the suite's runtime bounded: the dispatched variant runs every shape; the others (the
  // ladder: what each ISA step buys) run the square sweep below 4096 (1-2.5 s per call there)
  // and the model layers at M = 1 (GEMV, bytes) and M = 128 (compute).
  if (&k == selected_kernel()) return true;
  return s.model ? (s.M == 1 || s.M == 128) : dim < 4096;
}

// ||C - C_fp32|| / ||C_fp32||, the fp32 reference computed once per shape (thread-independent).
double rel_err_vs_fp32(const GemmShape& s, const GemmOperands& ops) {
  static std::map<std::string, std::vector<float>> refs;
  std::vector<float>& ref = refs[s.name];
  if (ref.empty()) {
    refs.clear();  // one shape at a time: the 4096^3 reference alone is 64 MiB
    std::vector<float>& r = refs[s.name];
    r.resize(std::size_t(s.M) * std::size_t(s.N));
    ik::cpu::sgemm(ik::cpu::Layout::row_major, ik::cpu::Trans::no, s.weight_nk ? ik::cpu::Trans::yes : ik::cpu::Trans::no,
                   s.M, s.N, s.K, 1.0f, ops.A, ops.lda, ops.b(0), ops.ldb, 0.0f, r.data(), s.N);
    return rel_err_vs_fp32(s, ops);
  }
  double num = 0, den = 0;
  for (std::size_t e = 0; e < ref.size(); ++e) {
    const double d = double(ops.C[e]) - double(ref[e]);
    num += d * d;
    den += double(ref[e]) * double(ref[e]);
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

void bm_packed(benchmark::State& st, const GemmShape& s, const Kernel* k, int threads) {
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
            v.push_back(ik::cpu::hgemm_pack_b(layout, s.K, s.N, ops.b(0), ops.ldb, Options{0, k}));
          return v;
        });
      }))
    return;
  const Options opt{threads, nullptr};
  run_gemm_loop(st, copies, [&](int i) {
    ik::cpu::hgemm_packed(s.M, s.N, s.K, 1.0f, ops.A, ops.lda, (*packed)[std::size_t(i) % packed->size()], 0.0f,
                          ops.C, ops.ldc, opt);
  });
  set_gemm_rate(st, s);
  set_rate(st, "GB/s", double(wbytes) * 1e-9);
  st.counters["rel_err"] = rel_err_vs_fp32(s, ops);
}

void register_gemm_f16() {
  // Per weight group (a square size or a model layer with its five M): every variant runs all
  // its shapes before the next, so packed copies are built once per group and variant.
  std::vector<std::vector<GemmShape>> groups;
  for (GemmShape& s : all_gemm_shapes()) {
    if (groups.empty() || groups.back().front().layer != s.layer) groups.emplace_back();
    groups.back().push_back(std::move(s));
  }
  for (const auto& group : groups)
    for (const Kernel& k : ik::cpu::hgemm_kernels())
      for (const GemmShape& s : group) {
        if (!variant_runs(k, s)) continue;
        for (int t : thread_counts())
          add_benchmark(bench_name(kFamily, k.name, s.name, t),
                        [s, kp = &k, t](benchmark::State& st) { bm_packed(st, s, kp, t); });
      }
}

}  // namespace

IKB_REGISTER(kOrderKernels, register_gemm_f16);

}  // namespace ikb
