// oneDNN int8 baselines for the gemm_s8 family (compiled in only with -DIK_HAVE_DNNL, set by
// bench.mk when <oneapi/dnnl/dnnl.h> is found). oneDNN picks its own ISA at run time: on a CPU
// with AMX-INT8 (Sapphire Rapids and later) the matmul primitive uses AMX tiles (TDPBUSD), not
// AVX-512 VNNI; DNNL_MAX_CPU_ISA=AVX512_CORE_VNNI in the environment caps it for a VNNI-to-VNNI
// comparison (the label records which ISA oneDNN reports).
//
//   gemm_s8/onednn_gemm_u8s8s32/<shape>/threads:<t>   dnnl_gemm_u8s8s32, row-major, A u8 with its
//       zero point (ao), B s8 as stored (K x N, or N x K with transb = 'T'), int32 C: packs B inside
//       every call (no pre-packed form in this API).
//   gemm_s8/onednn_matmul_u8s8_prepacked/<shape>/threads:<t>   the matmul primitive, src u8 with a
//       runtime zero point, weights s8 in the layout it asks for (format `any`, reordered once,
//       outside the timing), dst s32: what an inference engine on oneDNN does.
// Inputs: the same quantized operands as the project's rows (choose_qparams_u8 on A, symmetric
// per-channel s8 on W). Same shapes, threads and cold/hot weight policy (bench_common.h).
//
// Run: make bench FILTER='gemm_s8/onednn_.*/square.1024/'
#ifdef IK_HAVE_DNNL
#include <omp.h>

#include <cstdint>
#include <cstring>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/baselines/onednn_common.h"
#include "bench/bench_common.h"
#include "cpu/gemm_s8/quantize.h"

namespace ikb {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

using onednn::cpu_engine;

std::string onednn_isa() {
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx2: return "avx2";
    default: return "isa" + std::to_string(int(dnnl_get_effective_cpu_isa()));
  }
}

// Quantized operands: A u8 (per shape), `copies` copies of W s8 as stored (per layer).
struct S8Operands {
  std::vector<std::uint8_t> a;
  ik::cpu::QuantParams aq;
  std::vector<ik::AlignedBuffer<std::int8_t>> w;  // huge-page advised like ours (onednn_common.h)
};
S8Operands& s8_operands(const GemmShape& s, int copies) {
  static S8Operands o;
  static std::string akey, wkey;
  const GemmOperands ops = gemm_operands(s, 1);
  if (akey != s.name) {
    o.aq = ik::cpu::choose_qparams_u8(ops.A, s.M * s.K);
    o.a.resize(std::size_t(s.M) * std::size_t(s.K));
    ik::cpu::quantize_u8(ops.A, s.M * s.K, o.aq, o.a.data());
    akey = s.name;
  }
  const std::string wk = s.layer + (s.weight_nk ? "/nk" : "/kn");
  if (wkey != wk || o.w.size() < std::size_t(copies)) {
    o.w.clear();
    const std::int64_t rows = s.weight_nk ? s.N : s.K, cols = s.weight_nk ? s.K : s.N;
    std::vector<std::int8_t> q(std::size_t(rows) * std::size_t(cols));
    std::vector<float> sc(std::size_t(s.N));
    ik::cpu::quantize_weights_s8(ops.b(0), rows, cols, ops.ldb, s.weight_nk ? 0 : 1, true, q.data(), sc.data());
    o.w = onednn::aligned_copies(q, copies);
    wkey = wk;
  }
  return o;
}

std::string label(const GemmShape& s) {
  return "M=" + std::to_string(s.M) + " N=" + std::to_string(s.N) + " K=" + std::to_string(s.K) +
         " cache=" + (cold_weights(s) ? "cold" : "hot") + " lib=onednn isa=" + onednn_isa();
}

void bm_gemm(benchmark::State& st, const GemmShape& s, int threads) {
  omp_set_num_threads(threads);
  const int copies = weight_copies(s, std::size_t(s.K) * std::size_t(s.N));
  st.SetLabel(label(s));
  S8Operands* o = nullptr;
  std::vector<std::int32_t> c(std::size_t(s.M) * std::size_t(s.N));
  if (!guarded(st, [&] { o = &s8_operands(s, copies); })) return;
  const char tb = s.weight_nk ? 'T' : 'N';
  const std::int64_t ldb = s.weight_nk ? s.K : s.N;
  const std::int32_t co = 0;
  run_gemm_loop(st, copies, [&](int i) {
    const dnnl_status_t status =
        dnnl_gemm_u8s8s32('N', tb, 'F', s.M, s.N, s.K, 1.0f, o->a.data(), s.K, std::uint8_t(o->aq.zero_point),
                          o->w[std::size_t(i) % o->w.size()].data(), ldb, 0, 0.0f, c.data(), s.N, &co);
    if (status != dnnl_success) throw std::runtime_error("dnnl_gemm_u8s8s32: status " + std::to_string(int(status)));
  });
  set_rate(st, "GOP/s", gemm_flops(s) * 1e-9);
}

void bm_matmul(benchmark::State& st, const GemmShape& s, int threads) {
  static PreparedCache<onednn::WeightCopies> cache;
  omp_set_num_threads(threads);
  const int copies = weight_copies(s, std::size_t(s.K) * std::size_t(s.N));
  st.SetLabel(label(s));
  S8Operands* o = nullptr;
  dnnl::stream stream;
  dnnl::matmul prim;
  std::vector<std::int32_t> c(std::size_t(s.M) * std::size_t(s.N));
  std::int32_t zp = 0;
  std::vector<std::unordered_map<int, memory>> args;
  const bool ok = guarded(st, [&] {
    o = &s8_operands(s, copies);
    zp = o->aq.zero_point;
    dnnl::engine& eng = cpu_engine();
    stream = dnnl::stream(eng);
    const memory::desc src_md({s.M, s.K}, dt::u8, tag::ab);
    const memory::desc dst_md({s.M, s.N}, dt::s32, tag::ab);
    const memory::desc any_w({s.K, s.N}, dt::s8, tag::any);
    const memory::desc raw_w({s.K, s.N}, dt::s8, s.weight_nk ? tag::ba : tag::ab);
    dnnl::primitive_attr attr;
    attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, any_w, dst_md), attr, eng);
    const memory::desc packed_md = pd.weights_desc();
    onednn::WeightCopies& w = cache.get(s.layer + "/" + std::to_string(s.M), copies, [&](int n) {
      return onednn::reordered_copies(raw_w, packed_md, n, stream,
                                      [&](int i) { return o->w[std::size_t(i) % o->w.size()].data(); });
    });
    memory src(src_md, eng, o->a.data());
    memory dst(dst_md, eng, c.data());
    memory zpm({{1}, dt::s32, tag::x}, eng, &zp);
    prim = dnnl::matmul(pd);
    for (const memory& wm : w.copies)
      args.push_back({{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst},
                      {DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, zpm}});
  });
  if (!ok) return;
  onednn::run_matmul_loop(st, copies, prim, stream, args);
  set_rate(st, "GOP/s", gemm_flops(s) * 1e-9);
}

void register_onednn_s8() {
  onednn::register_gemm_baseline("gemm_s8", "onednn_gemm_u8s8s32", bm_gemm);
  onednn::register_gemm_baseline("gemm_s8", "onednn_matmul_u8s8_prepacked", bm_matmul);
}

}  // namespace

IKB_REGISTER(kOrderBaselines, register_onednn_s8);

}  // namespace ikb
#endif  // IK_HAVE_DNNL
