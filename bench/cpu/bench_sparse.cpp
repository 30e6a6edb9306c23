// Sparse weights: the CSR sparsity sweep and 2:4, against the project's dense fp32 GEMM and
// Eigen 3.4's sparse product, on a 4096 x 4096 weight (Llama-7B q_proj size).
//
//   Y[4096 x N] = W[4096 x 4096] * X[4096 x N],  N = tokens in {1, 32, 128}
//
//   sparse_csr/<ours>/sparse.4096.s<pct>.n<N>/threads:<t>    spmm_csr (N = 1: the SpMV)
//   sparse_csr/eigen_sparse_rowmajor/...  lib=eigen          Eigen::SparseMatrix<float, RowMajor> * X
//   sparse_csr/sgemm_..._prepacked/...    role=fp32          the dense baseline, see below
//   sparse_24/<ours>/sp24.4096.n<N>/threads:<t>              gemm_sp24 (N = 1: the GEMV)
//   sparse_24/sgemm_..._prepacked/...     role=fp32
// Sparsity sweep 50 70 80 90 95 98 99 %: W uniform in [-1, 1), magnitude-pruned (global).
//
// Dense baseline (role=fp32, so summarize's x_fp32 is "x dense"): the project's sgemm_packed with
// the weight pre-packed once, computing the same product as Y^T[N x 4096] = X^T W^T (the weight as
// stored, [out][in], is op(B) = B^T): the project's model-layer baseline, and the faster of the
// honest choices: sgemm with W as the A operand pads N = 1 to a 32-wide micro-tile (32x the work)
// and, measured at N = 128, was no faster. Its time does not depend on the values, so one packed
// set (from the unpruned W) serves every sparsity; it is timed again at every shape name.
// Cache policy (bench_common.h): N <= 32 tokens streams the weight (rotating copies whose total
// is >= 4 x the LLC, for every contender in its own format); N = 128 is timed hot.
// Rates: GFLOP/s of the dense-equivalent product (2 * 4096 * 4096 * N), so rows compare directly.
//
// Run: make bench FILTER='sparse' BENCH_REPETITIONS=1      (~2 minutes on 2 cores)
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "common/random.h"
#include "cpu/gemm_f32/gemm_f32.h"
#include "cpu/sparse_24/sparse_24.h"
#include "cpu/sparse_csr/sparse_csr.h"

namespace ikb {
namespace eigen_sparse {  // bench/cpu/bench_sparse_eigen_avx512.cpp
bool available();
std::shared_ptr<void> make(ik::index_t rows, ik::index_t cols, const std::int64_t* row_ptr,
                           const std::int32_t* col_idx, const float* values);
void run(const void* handle, ik::index_t N, const float* X, float* Y);
}  // namespace eigen_sparse

namespace {

constexpr std::int64_t kDim = 4096;
const int kSparsityPct[] = {50, 70, 80, 90, 95, 98, 99};
const std::int64_t kTokens[] = {1, 32, 128};

GemmShape shape_for(const std::string& name, std::int64_t n_tokens) {
  // The project's GEMM view of the same product: M = tokens, N = out, K = in.
  return {name, name, n_tokens, kDim, kDim, true, true};
}
std::string csr_shape(int pct, std::int64_t n) {
  return "sparse.4096.s" + std::to_string(pct) + ".n" + std::to_string(n);
}
std::string sp24_shape(std::int64_t n) { return "sp24.4096.n" + std::to_string(n); }

// The unpruned weight, [out][in] row-major (built once).
const std::vector<float>& dense_weight() {
  static const std::vector<float> w = [] {
    std::vector<float> v(std::size_t(kDim * kDim));
    ik::Rng rng(0x5a25e);
    ik::fill_uniform(ik::MatrixView<float>(v.data(), kDim, kDim, kDim), rng);
    return v;
  }();
  return w;
}

// The magnitude-pruned weight at pct % (one at a time: 64 MiB each).
const std::vector<float>& pruned_weight(int pct) {
  static std::vector<float> w;
  static int have = -1;
  if (have != pct) {
    w = dense_weight();
    ik::cpu::prune_magnitude(kDim, kDim, w.data(), kDim, pct / 100.0, ik::cpu::PruneScope::global);
    have = pct;
  }
  return w;
}

// Activations and outputs, shared by every row (X: K x N row-major; Xt: N x K for the dense
// baseline's A operand; Y big enough for both orientations).
struct Acts {
  ik::AlignedBuffer<float> X, Xt, Y;
};
const Acts& acts() {
  static const Acts a = [] {
    Acts r;
    const std::size_t n = std::size_t(kDim * 128);
    r.X.reset(n);
    r.Xt.reset(n);
    r.Y.reset(n);
    ik::Rng rng(0xac75);
    ik::fill_uniform(ik::MatrixView<float>(r.X.data(), 1, std::int64_t(n), std::int64_t(n)), rng);
    std::memcpy(r.Xt.data(), r.X.data(), n * sizeof(float));
    std::memset(r.Y.data(), 0, n * sizeof(float));
    return r;
  }();
  return a;
}

std::string selected_sgemm() {
  try {
    return ik::cpu::sgemm_selected_kernel().name;
  } catch (const std::exception&) {
    return "";
  }
}

// ---- dense baseline ------------------------------------------------------------------------
std::vector<ik::cpu::SgemmPackedWeights>& dense_packed(int copies) {
  static std::vector<ik::cpu::SgemmPackedWeights> packed;
  while (int(packed.size()) < copies)
    packed.push_back(ik::cpu::sgemm_pack_b(ik::cpu::WeightLayout::n_by_k, kDim, kDim, dense_weight().data(), kDim));
  return packed;
}

void bm_dense(benchmark::State& st, const std::string& name, int pct, std::int64_t n, int threads) {
  omp_set_num_threads(threads);
  const GemmShape s = shape_for(name, n);
  st.SetLabel(gemm_label(s, ("role=fp32 sparsity=0." + std::to_string(pct)).c_str()));
  const int copies = weight_copies(s, std::size_t(kDim * kDim) * sizeof(float));
  std::vector<ik::cpu::SgemmPackedWeights>* packed = nullptr;
  if (!guarded(st, [&] { packed = &dense_packed(copies); })) return;
  const Acts& a = acts();
  float* Y = const_cast<float*>(a.Y.data());
  run_gemm_loop(st, copies, [&](int i) {
    ik::cpu::sgemm_packed(n, kDim, kDim, 1.0f, a.Xt.data(), kDim, (*packed)[std::size_t(i)], 0.0f, Y, kDim,
                          ik::cpu::GemmOptions{threads, nullptr});
  });
  set_gemm_rate(st, s);
}

// ---- CSR -----------------------------------------------------------------------------------
void bm_csr(benchmark::State& st, const std::string& name, int pct, std::int64_t n, int threads,
            const ik::cpu::SpmmCsrKernel* k) {
  static PreparedCache<std::vector<ik::cpu::CsrMatrix>> cache;
  omp_set_num_threads(threads);
  const GemmShape s = shape_for(name, n);
  st.SetLabel(gemm_label(s, ("sparsity=0." + std::to_string(pct)).c_str()));
  std::vector<ik::cpu::CsrMatrix>* mats = nullptr;
  int copies = 1;
  if (!guarded(st, [&] {
        const ik::cpu::CsrMatrix first = ik::cpu::csr_from_dense(kDim, kDim, pruned_weight(pct).data(), kDim);
        copies = weight_copies(s, first.bytes());
        // Keyed by sparsity only: the N = 1 set (most copies) also serves N = 32 and 128.
        mats = &cache.get("csr" + std::to_string(pct), copies, [&](int c) {
          std::vector<ik::cpu::CsrMatrix> v;
          for (int i = 0; i < c; ++i) v.push_back(first);
          return v;
        });
      }))
    return;
  const Acts& a = acts();
  float* Y = const_cast<float*>(a.Y.data());
  const ik::cpu::SparseOptions opt{threads, k};
  run_gemm_loop(st, copies, [&](int i) {
    ik::cpu::spmm_csr((*mats)[std::size_t(i)], n, a.X.data(), n, Y, n, opt);
  });
  set_gemm_rate(st, s);
  st.counters["nnz"] = double((*mats)[0].nnz());
}

void bm_eigen(benchmark::State& st, const std::string& name, int pct, std::int64_t n, int threads) {
  static PreparedCache<std::vector<std::shared_ptr<void>>> cache;
  omp_set_num_threads(threads);
  const GemmShape s = shape_for(name, n);
  st.SetLabel(gemm_label(s, ("lib=eigen sparsity=0." + std::to_string(pct)).c_str()));
  std::vector<std::shared_ptr<void>>* mats = nullptr;
  int copies = 1;
  if (!guarded(st, [&] {
        const ik::cpu::CsrMatrix first = ik::cpu::csr_from_dense(kDim, kDim, pruned_weight(pct).data(), kDim);
        copies = weight_copies(s, first.bytes());
        mats = &cache.get("eigen" + std::to_string(pct), copies, [&](int c) {
          std::vector<std::shared_ptr<void>> v;
          for (int i = 0; i < c; ++i)
            v.push_back(eigen_sparse::make(kDim, kDim, first.row_ptr(), first.col_idx(), first.values()));
          return v;
        });
      }))
    return;
  const Acts& a = acts();
  float* Y = const_cast<float*>(a.Y.data());
  run_gemm_loop(st, copies, [&](int i) { eigen_sparse::run((*mats)[std::size_t(i)].get(), n, a.X.data(), Y); });
  set_gemm_rate(st, s);
}

// ---- 2:4 -----------------------------------------------------------------------------------
void bm_sp24(benchmark::State& st, const std::string& name, std::int64_t n, int threads,
             const ik::cpu::Sp24Kernel* k) {
  static PreparedCache<std::vector<ik::cpu::Sparse24Matrix>> cache;
  omp_set_num_threads(threads);
  const GemmShape s = shape_for(name, n);
  st.SetLabel(gemm_label(s, "sparsity=0.50 format=2:4"));
  std::vector<ik::cpu::Sparse24Matrix>* mats = nullptr;
  int copies = 1;
  if (!guarded(st, [&] {
        std::vector<float> w = dense_weight();
        ik::cpu::prune_24(kDim, kDim, w.data(), kDim);
        copies = weight_copies(s, std::size_t(kDim) * std::size_t(kDim / 2) * sizeof(float) * 33 / 32);
        mats = &cache.get("sp24", copies, [&](int c) {
          std::vector<ik::cpu::Sparse24Matrix> v;
          for (int i = 0; i < c; ++i) v.push_back(ik::cpu::sp24_compress(kDim, kDim, w.data(), kDim));
          return v;
        });
      }))
    return;
  const Acts& a = acts();
  float* Y = const_cast<float*>(a.Y.data());
  const ik::cpu::Sp24Options opt{threads, k};
  run_gemm_loop(st, copies, [&](int i) {
    ik::cpu::gemm_sp24((*mats)[std::size_t(i)], n, a.X.data(), n, Y, n, opt);
  });
  set_gemm_rate(st, s);
}

void register_sparse() {
  const std::string dense_name = selected_sgemm();
  const std::string dense_variant = dense_name + "_prepacked";
  const ik::cpu::SpmmCsrKernel* csr = nullptr;
  const ik::cpu::Sp24Kernel* sp24 = nullptr;
  try {
    csr = &ik::cpu::spmm_csr_selected_kernel();
    sp24 = &ik::cpu::sp24_selected_kernel();
  } catch (const std::exception&) {
    return;  // a bad IK_ISA: the gemm_f32 rows report it
  }
  const bool eigen = eigen_sparse::available() && ik::isa_supported(ik::Isa::avx512);
  // The shapes table (summarize.py): each shape as its dense-equivalent GEMM (M = tokens).
  for (int pct : kSparsityPct)
    for (std::int64_t n : kTokens) note_shape(shape_for(csr_shape(pct, n), n));
  for (std::int64_t n : {std::int64_t(1), std::int64_t(128)}) note_shape(shape_for(sp24_shape(n), n));
  // Sparsity-major, so each pruned weight (and its prepared copies) is built once per contender.
  for (int pct : kSparsityPct) {
    for (std::int64_t n : kTokens)
      for (int t : thread_counts()) {
        const std::string shape = csr_shape(pct, n);
        const std::string variant = n == 1 ? csr->spmv_name : csr->name;
        add_benchmark(bench_name("sparse_csr", variant, shape, t),
                      [=](benchmark::State& st) { bm_csr(st, shape, pct, n, t, csr); });
      }
    if (eigen)
      for (std::int64_t n : kTokens)
        for (int t : thread_counts()) {
          const std::string shape = csr_shape(pct, n);
          add_benchmark(bench_name("sparse_csr", "eigen_sparse_rowmajor", shape, t),
                        [=](benchmark::State& st) { bm_eigen(st, shape, pct, n, t); });
        }
    if (!dense_name.empty())
      for (std::int64_t n : kTokens)
        for (int t : thread_counts()) {
          const std::string shape = csr_shape(pct, n);
          add_benchmark(bench_name("sparse_csr", dense_variant, shape, t),
                        [=](benchmark::State& st) { bm_dense(st, shape, pct, n, t); });
        }
  }
  for (std::int64_t n : {std::int64_t(1), std::int64_t(128)}) {
    for (int t : thread_counts()) {
      const std::string shape = sp24_shape(n);
      add_benchmark(bench_name("sparse_24", n == 1 ? sp24->gemv_name : sp24->name, shape, t),
                    [=](benchmark::State& st) { bm_sp24(st, shape, n, t, sp24); });
      if (!dense_name.empty())
        add_benchmark(bench_name("sparse_24", dense_variant, shape, t),
                      [=](benchmark::State& st) { bm_dense(st, shape, 50, n, t); });
    }
  }
}

}  // namespace

IKB_REGISTER(kOrderKernels, register_sparse);

}  // namespace ikb
