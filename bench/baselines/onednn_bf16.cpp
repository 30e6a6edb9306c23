// oneDNN bf16 baselines for the gemm_bf16 family (compiled in only with -DIK_HAVE_DNNL, set by
// bench.mk when <oneapi/dnnl/dnnl.h> is found). oneDNN picks its own ISA at run time: on a CPU
// with AMX (Sapphire Rapids and later) its bf16 paths use AMX tiles (TDPBF16PS), not AVX-512.
//
//   gemm_bf16/onednn_gemm_bf16bf16f32/<shape>/threads:<t>   dnnl_gemm_bf16bf16f32, row-major
//       BLAS-like call on bf16 A and B (B as stored: K x N, or N x K with transb = 'T'), fp32 C.
//       oneDNN 2.6 exports the symbol but its headers do not declare it (checked with
//       nm -D libdnnl.so.2.6: "T dnnl_gemm_bf16bf16f32"); the declaration below mirrors
//       dnnl_sgemm's with uint16_t bf16 storage.
//   gemm_bf16/onednn_matmul_bf16_prepacked/<shape>/threads:<t>   the matmul primitive, src bf16,
//       weights bf16 in the layout it asks for (format `any`, reordered from fp32 once, outside
//       the timing), dst fp32: what an inference engine on oneDNN does.
// Inputs are the fp32 operands of every GEMM row (bench_common.h) rounded to bf16 once (the
// conversion of A is not timed: oneDNN takes bf16 activations, ours take fp32 and round while
// packing, inside the timing). Same shapes, threads and cold/hot weight policy as ours.
// rel_err: ||C - C_fp32|| / ||C_fp32|| against the fp32 sgemm on the fp32 inputs.
//
// Run: make bench FILTER='gemm_bf16/onednn_.*/square.1024/'
#ifdef IK_HAVE_DNNL
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/baselines/onednn_common.h"
#include "bench/bench_common.h"
#include "common/half.h"
#include "cpu/gemm_f32/gemm_f32.h"

extern "C" dnnl_status_t dnnl_gemm_bf16bf16f32(char transa, char transb, dnnl_dim_t M, dnnl_dim_t N, dnnl_dim_t K,
                                               float alpha, const std::uint16_t* A, dnnl_dim_t lda,
                                               const std::uint16_t* B, dnnl_dim_t ldb, float beta, float* C,
                                               dnnl_dim_t ldc);

namespace ikb {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

using onednn::cpu_engine;

std::vector<std::uint16_t> to_bf16(const float* x, std::size_t n) {
  std::vector<std::uint16_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = ik::f32_to_bf16(x[i]);
  return out;
}

// bf16 copy of the activations, per shape.
const std::vector<std::uint16_t>& a_bf16(const GemmShape& s, const GemmOperands& ops) {
  static std::string key;
  static std::vector<std::uint16_t> a;
  if (key != s.name) {
    a = to_bf16(ops.A, std::size_t(s.M) * std::size_t(s.K));
    key = s.name;
  }
  return a;
}

double rel_err_vs_fp32(const GemmShape& s, const GemmOperands& ops) {
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
    const double d = double(ops.C[e]) - double(ref[e]);
    num += d * d;
    den += double(ref[e]) * double(ref[e]);
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

void bm_gemm(benchmark::State& st, const GemmShape& s, int threads) {
  // Weight copies huge-page advised like ours (ik::AlignedBuffer, see onednn_common.h).
  static PreparedCache<std::vector<ik::AlignedBuffer<std::uint16_t>>> cache;
  omp_set_num_threads(threads);
  const std::size_t elems = std::size_t(s.K) * std::size_t(s.N);
  const int copies = weight_copies(s, elems * sizeof(std::uint16_t));
  st.SetLabel(gemm_label(s, "lib=onednn"));
  GemmOperands ops{};
  std::vector<ik::AlignedBuffer<std::uint16_t>>* w = nullptr;
  const std::vector<std::uint16_t>* a = nullptr;
  if (!guarded(st, [&] {
        ops = gemm_operands(s, 1);
        a = &a_bf16(s, ops);
        w = &cache.get(s.layer + (s.weight_nk ? "/nk" : "/kn"), copies, [&](int n) {
          return onednn::aligned_copies(to_bf16(ops.b(0), elems), n);
        });
      }))
    return;
  const char tb = s.weight_nk ? 'T' : 'N';
  run_gemm_loop(st, copies, [&](int i) {
    const dnnl_status_t status = dnnl_gemm_bf16bf16f32('N', tb, s.M, s.N, s.K, 1.0f, a->data(), ops.lda,
                                                       (*w)[std::size_t(i) % w->size()].data(), ops.ldb, 0.0f,
                                                       ops.C, ops.ldc);
    if (status != dnnl_success)
      throw std::runtime_error("dnnl_gemm_bf16bf16f32: status " + std::to_string(int(status)));
  });
  set_gemm_rate(st, s);
  set_rate(st, "GB/s", double(elems * sizeof(std::uint16_t)) * 1e-9);
  st.counters["rel_err"] = rel_err_vs_fp32(s, ops);
}

void bm_matmul(benchmark::State& st, const GemmShape& s, int threads) {
  static PreparedCache<onednn::WeightCopies> cache;
  omp_set_num_threads(threads);
  const std::size_t elems = std::size_t(s.K) * std::size_t(s.N);
  const int copies = weight_copies(s, elems * sizeof(std::uint16_t));
  GemmOperands ops{};
  dnnl::stream stream;
  dnnl::matmul prim;
  std::vector<std::unordered_map<int, memory>> args;
  const std::vector<std::uint16_t>* a = nullptr;
  const bool ok = guarded(st, [&] {
    ops = gemm_operands(s, 1);
    a = &a_bf16(s, ops);
    dnnl::engine& eng = cpu_engine();
    stream = dnnl::stream(eng);
    const memory::desc src_md({s.M, s.K}, dt::bf16, tag::ab);
    const memory::desc dst_md({s.M, s.N}, dt::f32, tag::ab);
    const memory::desc any_w({s.K, s.N}, dt::bf16, tag::any);
    const memory::desc raw_w({s.K, s.N}, dt::f32, s.weight_nk ? tag::ba : tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, any_w, dst_md), eng);
    const memory::desc packed_md = pd.weights_desc();
    st.SetLabel(gemm_label(s, ("lib=onednn impl=" + std::string(pd.impl_info_str())).c_str()));
    // The packed layout may depend on M: key on its size too (M = 1, 8, 32 usually share).
    onednn::WeightCopies& w = cache.get(s.layer + "/" + std::to_string(packed_md.get_size()), copies, [&](int n) {
      return onednn::reordered_copies(raw_w, packed_md, n, stream,
                                      [&](int) { return const_cast<float*>(ops.b(0)); });
    });
    memory src(src_md, eng, const_cast<std::uint16_t*>(a->data()));
    memory dst(dst_md, eng, ops.C);
    prim = dnnl::matmul(pd);
    for (const memory& wm : w.copies) args.push_back({{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst}});
  });
  if (!ok) return;
  onednn::run_matmul_loop(st, copies, prim, stream, args);
  set_gemm_rate(st, s);
  set_rate(st, "GB/s", double(elems * sizeof(std::uint16_t)) * 1e-9);
  st.counters["rel_err"] = rel_err_vs_fp32(s, ops);
}

void register_onednn_bf16() {
  onednn::register_gemm_baseline("gemm_bf16", "onednn_gemm_bf16bf16f32", bm_gemm);
  onednn::register_gemm_baseline("gemm_bf16", "onednn_matmul_bf16_prepacked", bm_matmul);
}

}  // namespace

IKB_REGISTER(kOrderBaselines, register_onednn_bf16);

}  // namespace ikb
#endif  // IK_HAVE_DNNL
