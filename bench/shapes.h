// The one shapes file: every CPU benchmark (and any future family) times these, so ratios
// between techniques and against libraries are always taken at the same M, N, K.
//
//   C[M x N] = A[M x K] * B      A: activations (M = tokens), B: the weight (K inputs, N outputs)
//
// Square sweep: 64 .. 4096, the classic GEMM curve (B stored K x N, row-major).
// Transformer linear layers (a PyTorch Linear stores its weight [out][in] = N x K, so model
// shapes use B transposed, the layout a real checkpoint arrives in):
//   Llama-7B (d_model 4096, FFN 11008): q_proj stands for q/k/v/o (4096 -> 4096), ffn_up for
//     gate/up (4096 -> 11008), ffn_down (11008 -> 4096).
//   BERT-base (d_model 768, FFN 3072): q_proj (768 -> 768, also k/v/o), ffn_up (768 -> 3072),
//     ffn_down (3072 -> 768).
// M = 1 (one token of decode), 8, 32 (small decode batches), 128, 512 (prefill).
//
// Shape names are "<model>.<layer>.m<M>" or "square.<n>"; summarize.py and plot.py key ratios
// and figures on them, so keep the names stable. Run: make bench FILTER='llama7b.q_proj.m1/'
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ikb {

struct GemmShape {
  std::string name;    // "llama7b.q_proj.m8", "square.1024"
  std::string layer;   // the weight's name without M ("llama7b.q_proj"); the square's own name
  std::int64_t M, N, K;
  bool weight_nk;      // B stored N x K ([out][in], op(B) = B^T) instead of K x N
  bool model;          // a model layer (true) or the square sweep (false)
};

inline const std::vector<std::int64_t>& square_sizes() {
  static const std::vector<std::int64_t> s{64, 128, 256, 512, 1024, 2048, 4096};
  return s;
}

inline const std::vector<std::int64_t>& token_counts() {
  static const std::vector<std::int64_t> m{1, 8, 32, 128, 512};
  return m;
}

struct LinearLayer {
  const char* name;
  std::int64_t K, N;  // in_features, out_features
};

inline const std::vector<LinearLayer>& model_layers() {
  static const std::vector<LinearLayer> layers{
      {"llama7b.q_proj", 4096, 4096},
      {"llama7b.ffn_up", 4096, 11008},
      {"llama7b.ffn_down", 11008, 4096},
      {"bert.q_proj", 768, 768},
      {"bert.ffn_up", 768, 3072},
      {"bert.ffn_down", 3072, 768},
  };
  return layers;
}

inline std::vector<GemmShape> square_shapes() {
  std::vector<GemmShape> out;
  for (std::int64_t n : square_sizes()) {
    std::string name = "square." + std::to_string(n);
    out.push_back({name, name, n, n, n, false, false});
  }
  return out;
}

// Layer-major, then M: consecutive benchmarks share one weight, so its cold-cache copies are
// built once per layer instead of once per benchmark.
inline std::vector<GemmShape> model_shapes() {
  std::vector<GemmShape> out;
  for (const LinearLayer& l : model_layers())
    for (std::int64_t m : token_counts())
      out.push_back({std::string(l.name) + ".m" + std::to_string(m), l.name, m, l.N, l.K, true, true});
  return out;
}

inline std::vector<GemmShape> all_gemm_shapes() {
  std::vector<GemmShape> out = square_shapes();
  for (GemmShape& s : model_shapes()) out.push_back(std::move(s));
  return out;
}

}  // namespace ikb
