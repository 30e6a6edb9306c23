// What the oneDNN baselines (onednn_sgemm.cpp, onednn_bf16.cpp, onednn_s8.cpp) share: the CPU
// engine, and the reorder of weight copies into the layout a matmul primitive chose (done once,
// outside the timing, as an inference engine on oneDNN does). Include only under IK_HAVE_DNNL.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

namespace ikb::onednn {

inline dnnl::engine& cpu_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// n copies of a weight in packed_md's layout; copy i is reordered from raw_md at raw(i).
template <class RawPtr>
std::vector<dnnl::memory> reordered_copies(const dnnl::memory::desc& raw_md, const dnnl::memory::desc& packed_md,
                                           int n, dnnl::stream& stream, RawPtr raw) {
  std::vector<dnnl::memory> out;
  for (int i = 0; i < n; ++i) {
    dnnl::memory src(raw_md, cpu_engine(), raw(i));
    dnnl::memory packed(packed_md, cpu_engine());
    dnnl::reorder(src, packed).execute(stream, src, packed);
    out.push_back(packed);
  }
  stream.wait();
  return out;
}

}  // namespace ikb::onednn
