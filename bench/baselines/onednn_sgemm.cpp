// oneDNN baselines (compiled in only with -DIK_HAVE_DNNL, set by bench.mk when
// <oneapi/dnnl/dnnl.h> is found). oneDNN here is built on OpenMP: omp_set_num_threads picks
// its thread count, read when the primitive is created and when it runs.
//
//   gemm_f32/onednn_sgemm/<shape>/threads:<t>              dnnl_sgemm (row-major BLAS-like call;
//                                                          packs B inside every call, like ours)
//   gemm_f32/onednn_matmul_prepacked/<shape>/threads:<t>   the f32 matmul primitive with weights
//                                                          in the layout it asks for (format `any`),
//                                                          reordered once outside the timed loop:
//                                                          what an inference engine on oneDNN does
// Same shapes, threads and cold/hot weight policy as the project's kernels (bench_common.h):
// skinny shapes rotate through reordered copies whose total exceeds the LLC.
//
// Run: make bench FILTER='gemm_f32/onednn_.*/square.1024/'
#ifdef IK_HAVE_DNNL
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/baselines/onednn_common.h"
#include "bench/bench_common.h"

namespace ikb {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

using onednn::cpu_engine;

// A readable name for the weight layout oneDNN chose ("ab", "ba", "ab:16a64b" ...), for the
// cache key and the label: it shows whether the primitive really packs (it may keep plain ab).
std::string describe(const memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  if (d.format_kind != dnnl_blocked) return "format_kind" + std::to_string(int(d.format_kind));
  const auto& b = d.format_desc.blocking;
  std::ostringstream os;
  os << (b.strides[0] >= b.strides[1] ? "ab" : "ba");
  if (b.inner_nblks > 0) os << ':';
  for (int i = 0; i < b.inner_nblks; ++i) os << b.inner_blks[i] << char('a' + b.inner_idxs[i]);
  return os.str();
}

void bm_sgemm(benchmark::State& st, const GemmShape& s, int threads) {
  omp_set_num_threads(threads);
  const int copies = weight_copies(s, std::size_t(s.K) * s.N * sizeof(float));
  st.SetLabel(gemm_label(s, "lib=onednn"));
  GemmOperands ops{};
  if (!guarded(st, [&] { ops = gemm_operands(s, copies); })) return;
  const char tb = s.weight_nk ? 'T' : 'N';
  run_gemm_loop(st, copies, [&](int i) {
    dnnl_status_t status = dnnl_sgemm('N', tb, s.M, s.N, s.K, 1.0f, ops.A, ops.lda, ops.b(i), ops.ldb,
                                      0.0f, ops.C, ops.ldc);
    if (status != dnnl_success) throw std::runtime_error("dnnl_sgemm: status " + std::to_string(int(status)));
  }, wants_warm_up(s));
  set_gemm_rate(st, s);
}


void bm_matmul(benchmark::State& st, const GemmShape& s, int threads) {
  static PreparedCache<onednn::WeightCopies> cache;
  omp_set_num_threads(threads);
  const int copies = weight_copies(s, std::size_t(s.K) * s.N * sizeof(float));
  GemmOperands ops{};
  dnnl::stream stream;
  dnnl::matmul prim;
  std::vector<std::unordered_map<int, memory>> args;
  const bool ok = guarded(st, [&] {
    ops = gemm_operands(s, copies);
    dnnl::engine& eng = cpu_engine();
    stream = dnnl::stream(eng);
    const memory::desc src_md({s.M, s.K}, dt::f32, tag::ab);
    const memory::desc dst_md({s.M, s.N}, dt::f32, tag::ab);
    const memory::desc any_w({s.K, s.N}, dt::f32, tag::any);
    // Weights are logically K x N; an N x K ([out][in]) store is the transposed tag.
    const memory::desc raw_w({s.K, s.N}, dt::f32, s.weight_nk ? tag::ba : tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, any_w, dst_md), eng);
    const memory::desc packed_md = pd.weights_desc();
    const std::string fmt = describe(packed_md);
    st.SetLabel(gemm_label(s, ("lib=onednn wfmt=" + fmt).c_str()));
    // The layout may depend on M and threads, so the key carries it: M = 1, 8, 32 usually share.
    onednn::WeightCopies& w = cache.get(s.layer + "/" + fmt, copies, [&](int n) {
      return onednn::reordered_copies(raw_w, packed_md, n, stream,
                                      [&](int i) { return const_cast<float*>(ops.b(i)); });
    });
    memory src(src_md, eng, const_cast<float*>(ops.A));
    memory dst(dst_md, eng, ops.C);
    prim = dnnl::matmul(pd);
    for (const memory& wm : w.copies)
      args.push_back({{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst}});
  });
  if (!ok) return;
  onednn::run_matmul_loop(st, copies, prim, stream, args, wants_warm_up(s));
  set_gemm_rate(st, s);
}

void register_onednn() {
  const dnnl_version_t* v = dnnl_version();
  std::ostringstream ver;
  ver << v->major << '.' << v->minor << '.' << v->patch << " (" << v->hash << ")";
  benchmark::AddCustomContext("onednn_version", ver.str());
  onednn::register_gemm_baseline("gemm_f32", "onednn_sgemm", bm_sgemm);
  onednn::register_gemm_baseline("gemm_f32", "onednn_matmul_prepacked", bm_matmul);
}

}  // namespace

IKB_REGISTER(kOrderBaselines, register_onednn);

}  // namespace ikb
#endif  // IK_HAVE_DNNL
