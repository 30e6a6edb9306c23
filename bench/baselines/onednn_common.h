// What the oneDNN baselines (onednn_sgemm.cpp, onednn_bf16.cpp, onednn_s8.cpp) share: the CPU
// engine, and the reorder of weight copies into the layout a matmul primitive chose (done once,
// outside the timing, as an inference engine on oneDNN does). Include only under IK_HAVE_DNNL.
#pragma once
#include <algorithm>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "bench/bench_common.h"
#include "common/aligned_buffer.h"

namespace ikb::onednn {

inline dnnl::engine& cpu_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// n copies of src in AlignedBuffer storage (huge-page advised like our packed weights, see
// below), for the baselines that read a plain weight array (gemm_bf16bf16f32, gemm_u8s8s32).
template <typename T>
std::vector<ik::AlignedBuffer<T>> aligned_copies(const std::vector<T>& src, int n) {
  std::vector<ik::AlignedBuffer<T>> out;
  for (int i = 0; i < n; ++i) {
    out.emplace_back(src.size());
    std::copy(src.begin(), src.end(), out.back().data());
  }
  return out;
}

// n copies of a weight in packed_md's layout; copy i is reordered from raw_md at raw(i). The
// copies live in ik::AlignedBuffer storage, huge-page advised like our own packed weights
// (common/aligned_buffer.h), so a GEMV pays the same TLB cost on both sides; memory that
// oneDNN allocates itself would sit on 4 KiB pages.
struct WeightCopies {
  std::vector<ik::AlignedBuffer<unsigned char>> storage;
  std::vector<dnnl::memory> copies;  // copies[i] wraps storage[i]
};
template <class RawPtr>
WeightCopies reordered_copies(const dnnl::memory::desc& raw_md, const dnnl::memory::desc& packed_md, int n,
                              dnnl::stream& stream, RawPtr raw) {
  WeightCopies out;
  for (int i = 0; i < n; ++i) {
    dnnl::memory src(raw_md, cpu_engine(), raw(i));
    out.storage.emplace_back(packed_md.get_size());
    dnnl::memory packed(packed_md, cpu_engine(), out.storage.back().data());
    dnnl::reorder(src, packed).execute(stream, src, packed);
    out.copies.push_back(packed);
  }
  stream.wait();
  return out;
}

// Time the prepared matmul primitive: one argument set per weight copy, cycled (cold rows).
template <class Args>
void run_matmul_loop(benchmark::State& st, int copies, const dnnl::matmul& prim, dnnl::stream& stream,
                     const std::vector<Args>& args, bool warm_up = true) {
  run_gemm_loop(st, copies, [&](int i) {
    prim.execute(stream, args[std::size_t(i) % args.size()]);
    stream.wait();
  }, warm_up);
}

// The registration every oneDNN baseline shares: bm(state, shape, threads) as
// "<family>/<variant>/<shape>/threads:N" for every GEMM shape and thread count (add_benchmark
// regroups the rows by weight, bench_common.h).
template <class Bm>
void register_gemm_baseline(const char* family, const char* variant, Bm bm) {
  for (const GemmShape& s : all_gemm_shapes())
    for (int t : thread_counts())
      add_benchmark(bench_name(family, variant, s.name, t), [s, t, bm](benchmark::State& st) { bm(st, s, t); });
}

}  // namespace ikb::onednn
