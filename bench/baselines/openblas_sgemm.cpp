// OpenBLAS baseline (compiled in only with -DIK_HAVE_OPENBLAS, which bench.mk sets when the
// OpenMP build /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so exists: the pthread
// build spins its own threads against OpenMP's and loses both).
//
//   gemm_f32/openblas_sgemm/<shape>/threads:<t>   cblas_sgemm, B as the shape stores it
//   gemm_f32/openblas_sgemv/<shape>/threads:<t>   cblas_sgemv at M = 1 (y = W x, W = N x K):
//                                                 OpenBLAS's sgemm at M = 1 is ~4x slower than
//                                                 its own sgemv (guide §8); a user calls sgemv
// Same shapes, threads and cold/hot weight policy as the project's kernels (bench_common.h).
//
// Run: make bench FILTER='gemm_f32/openblas_.*/llama7b'
#ifdef IK_HAVE_OPENBLAS
#include <cblas.h>
#include <omp.h>

#include <string>

#include "bench/bench_common.h"

namespace ikb {
namespace {

void set_threads(int threads) {
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
}

void bm_sgemm(benchmark::State& st, const GemmShape& s, int threads) {
  set_threads(threads);
  const int copies = weight_copies(s, std::size_t(s.K) * s.N * sizeof(float));
  st.SetLabel(gemm_label(s, "lib=openblas"));
  GemmOperands ops{};
  if (!guarded(st, [&] { ops = gemm_operands(s, copies); })) return;
  const CBLAS_TRANSPOSE tb = s.weight_nk ? CblasTrans : CblasNoTrans;
  run_gemm_loop(st, copies, [&](int i) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, tb, int(s.M), int(s.N), int(s.K), 1.0f, ops.A, int(ops.lda),
                ops.b(i), int(ops.ldb), 0.0f, ops.C, int(ops.ldc));
  }, wants_warm_up(s));
  set_gemm_rate(st, s);
}

void bm_sgemv(benchmark::State& st, const GemmShape& s, int threads) {
  set_threads(threads);
  const int copies = weight_copies(s, std::size_t(s.K) * s.N * sizeof(float));
  st.SetLabel(gemm_label(s, "lib=openblas"));
  GemmOperands ops{};
  if (!guarded(st, [&] { ops = gemm_operands(s, copies); })) return;
  // y[N] = W x: W stored N x K is NoTrans in row-major; K x N storage is its transpose.
  const CBLAS_TRANSPOSE tw = s.weight_nk ? CblasNoTrans : CblasTrans;
  const int rows = int(s.weight_nk ? s.N : s.K), cols = int(s.weight_nk ? s.K : s.N);
  run_gemm_loop(st, copies, [&](int i) {
    cblas_sgemv(CblasRowMajor, tw, rows, cols, 1.0f, ops.b(i), int(ops.ldb), ops.A, 1, 0.0f, ops.C, 1);
  }, wants_warm_up(s));
  set_gemm_rate(st, s);
}

void register_openblas() {
  benchmark::AddCustomContext("openblas_config", openblas_get_config());
  const int par = openblas_get_parallel();
  benchmark::AddCustomContext("openblas_parallel",
                              par == 2 ? "openmp" : par == 1 ? "pthreads (fights OpenMP!)" : "sequential");
  // add_benchmark regroups the rows by weight (bench_common.h).
  const std::vector<GemmShape> shapes = all_gemm_shapes();
  for (const GemmShape& s : shapes)
    for (int t : thread_counts())
      add_benchmark(bench_name("gemm_f32", "openblas_sgemm", s.name, t),
                    [s, t](benchmark::State& st) { bm_sgemm(st, s, t); });
  for (const GemmShape& s : shapes)
    if (s.M == 1)
      for (int t : thread_counts())
        add_benchmark(bench_name("gemm_f32", "openblas_sgemv", s.name, t),
                      [s, t](benchmark::State& st) { bm_sgemv(st, s, t); });
}

}  // namespace

IKB_REGISTER(kOrderBaselines, register_openblas);

}  // namespace ikb
#endif  // IK_HAVE_OPENBLAS
