// The one shapes file: every benchmark (CPU and GPU, every family) times these, so ratios
// between techniques and against libraries are always taken at the same sizes. Three kinds:
// GEMM, convolution, attention, each from a named real model, each with its FLOP count and the
// fewest bytes it must move (flops() and min_bytes() below; the formulas are beside them).
//
// Names: "<model>.<layer>[.<variant>]", lower case, no '/' (Google Benchmark names are
// "<family>/<variant>/<shape>/threads:<t>"). summarize.py and plot.py key ratios and figures on
// them and look the kind up in the table the bench writes into its JSON context
// (bench_common.cpp), so keep existing names stable. Run: make bench FILTER='llama7b.q_proj.m1/'
//
// ---- GEMM --------------------------------------------------------------------------------
//   C[M x N] = A[M x K] * B      A: activations (M = tokens), B: the weight (K inputs, N outputs)
// Square sweep: "square.<n>", 64 .. 4096, the classic GEMM curve (B stored K x N, row-major).
// Transformer linear layers "<model>.<layer>.m<M>" (a PyTorch Linear stores its weight
// [out][in] = N x K, so model shapes use B transposed, the layout a real checkpoint arrives in):
//   Llama-7B (d_model 4096, FFN 11008): q_proj stands for q/k/v/o (4096 -> 4096), ffn_up for
//     gate/up (4096 -> 11008), ffn_down (11008 -> 4096).
//   BERT-base (d_model 768, FFN 3072): q_proj (768 -> 768, also k/v/o), ffn_up (768 -> 3072),
//     ffn_down (3072 -> 768).
// CPU: M = 1 (one token of decode), 8, 32 (small decode batches), 128, 512 (prefill).
// GPU (gpu_gemm_shapes): the same layers at GPU batch sizes, plus square.8192.
//
// ---- convolution ("<model>.<conv>[.<variant>]") -------------------------------------------
//   out[n][y][x][f] = sum_{ky,kx,c in group(f)} in[n][y*s - p + ky][x*s - p + kx][c] * w[f][ky][kx][c]
// NHWC activations, weights [F][kh][kw][C/groups], zero padding p on every side, stride s in
// both directions; groups split C and F into equal consecutive blocks (groups = C: depthwise).
// Batch 1 (latency inference) at the 224 x 224 ImageNet resolution, as torchvision builds them.
//
// ---- attention ("<model>.attn.n<N>[_kv<N_kv>]") -------------------------------------------
//   O = softmax(Q K^T / sqrt(d) [+ causal mask]) V   per (batch, head); Q: N x d, K, V: N_kv x d
// heads query heads share kv_heads key/value heads (kv_heads = heads: multi-head attention;
// fewer: grouped-query). Prefill is self-attention (N_kv = N); decode is one query token against
// a KV cache of N_kv ("n1_kv4096"). Causal: query i (at position N_kv - N + i) sees keys 0 .. that
// position. BERT-base: 12 heads, d 64, bidirectional; Llama-7B: 32 heads (no GQA), d 128, causal.
//
// Plain C++17 (no Google Benchmark, no project headers): bench/gpu/*.cu includes it through nvcc.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ikb {

enum class ShapeKind { gemm, conv, attention };
inline const char* kind_name(ShapeKind k) {
  return k == ShapeKind::gemm ? "gemm" : k == ShapeKind::conv ? "conv" : "attention";
}

// Every figure is fp32: 4 bytes per element (the dense fp32 operation is the common reference;
// a family with smaller weights reports its own GB/s of the bytes it really moves).
constexpr double kFp32Bytes = 4.0;

// ==== GEMM ================================================================================

struct GemmShape {
  std::string name;    // "llama7b.q_proj.m8", "square.1024"
  std::string layer;   // the weight's name without M ("llama7b.q_proj"); the square's own name
  std::int64_t M, N, K;
  bool weight_nk;      // B stored N x K ([out][in], op(B) = B^T) instead of K x N
  bool model;          // a model layer (true) or the square sweep (false)
};

// FLOPs: one multiply and one add per (m, n, k): 2 M N K.
inline double flops(const GemmShape& s) { return 2.0 * double(s.M) * double(s.N) * double(s.K); }
// Fewest bytes: A, B and C once each, fp32: 4 (M K + K N + M N).
inline double min_bytes(const GemmShape& s) {
  return kFp32Bytes * (double(s.M) * double(s.K) + double(s.K) * double(s.N) + double(s.M) * double(s.N));
}

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

// "square.<n>": M = N = K = n, B stored K x N.
inline GemmShape square_shape(std::int64_t n) {
  const std::string name = "square." + std::to_string(n);
  return {name, name, n, n, n, false, false};
}

// "<layer>.m<M>": the layer at M tokens, B as the checkpoint stores it (N x K).
inline GemmShape model_shape(const LinearLayer& l, std::int64_t m) {
  return {std::string(l.name) + ".m" + std::to_string(m), l.name, m, l.N, l.K, true, true};
}

inline std::vector<GemmShape> square_shapes() {
  std::vector<GemmShape> out;
  for (std::int64_t n : square_sizes()) out.push_back(square_shape(n));
  return out;
}

// Layer-major, then M: consecutive benchmarks share one weight, so its cold-cache copies are
// built once per layer instead of once per benchmark.
inline std::vector<GemmShape> model_shapes() {
  std::vector<GemmShape> out;
  for (const LinearLayer& l : model_layers())
    for (std::int64_t m : token_counts()) out.push_back(model_shape(l, m));
  return out;
}

inline std::vector<GemmShape> all_gemm_shapes() {
  std::vector<GemmShape> out = square_shapes();
  for (GemmShape& s : model_shapes()) out.push_back(std::move(s));
  return out;
}

// The GPU benchmark's GEMMs (bench/gpu/bench_gemm_gpu.cu): the same layers and names at the
// batch sizes a GPU serves. Squares 1024 .. 8192; BERT-base at 4096 tokens (8 sequences of 512);
// Llama-7B prefill at 2048 tokens, and q_proj at M = 16 (a decode batch of 16 sequences).
inline std::vector<GemmShape> gpu_gemm_shapes() {
  std::vector<GemmShape> out;
  for (std::int64_t n : {1024, 2048, 4096, 8192}) out.push_back(square_shape(n));
  for (const LinearLayer& l : model_layers()) {
    const bool llama = std::string(l.name).rfind("llama7b.", 0) == 0;
    out.push_back(model_shape(l, llama ? 2048 : 4096));
  }
  out.push_back(model_shape(model_layers()[0], 16));  // llama7b.q_proj.m16
  return out;
}

// ==== convolution =========================================================================

struct ConvShape {
  std::string name;        // "resnet18.conv2_x"
  std::int64_t batch;      // images
  std::int64_t H, W, C;    // input height, width, channels (NHWC)
  std::int64_t F;          // output channels (filters)
  std::int64_t kh, kw;     // kernel height, width
  std::int64_t stride;     // both directions
  std::int64_t pad;        // zeros on every side
  std::int64_t groups;     // 1: dense; C: depthwise (C and F divisible by groups)
  std::int64_t Ho() const { return (H + 2 * pad - kh) / stride + 1; }
  std::int64_t Wo() const { return (W + 2 * pad - kw) / stride + 1; }
  std::int64_t Cg() const { return C / groups; }  // input channels per group
  std::int64_t Fg() const { return F / groups; }  // filters per group
};

// FLOPs: every output element is a dot product of kh kw C/groups taps: 2 batch Ho Wo F kh kw C/g.
inline double flops(const ConvShape& c) {
  return 2.0 * double(c.batch) * double(c.Ho()) * double(c.Wo()) * double(c.F) * double(c.kh * c.kw * c.Cg());
}
// Fewest bytes: input, weights and output once each, fp32 (no bias):
//   4 (batch H W C + F kh kw C/g + batch Ho Wo F).
inline double min_bytes(const ConvShape& c) {
  return kFp32Bytes * (double(c.batch) * double(c.H) * double(c.W) * double(c.C) +
                       double(c.F) * double(c.kh * c.kw * c.Cg()) +
                       double(c.batch) * double(c.Ho()) * double(c.Wo()) * double(c.F));
}

inline const std::vector<ConvShape>& conv_shapes() {
  //  name, batch, H, W, C, F, kh, kw, stride, pad, groups
  static const std::vector<ConvShape> s{
      // ResNet-18 (He et al. 2016, torchvision resnet18): the 7x7/2 stem, then the 3x3 convs of
      // each stage (conv2_x .. conv5_x = layer1 .. layer4, stride 1), and stage 3's first conv,
      // which halves the resolution (3x3/2). conv{2,3,4}_x are also the binary conv's shapes.
      {"resnet18.conv1", 1, 224, 224, 3, 64, 7, 7, 2, 3, 1},
      {"resnet18.conv2_x", 1, 56, 56, 64, 64, 3, 3, 1, 1, 1},
      {"resnet18.conv3_x.s2", 1, 56, 56, 64, 128, 3, 3, 2, 1, 1},
      {"resnet18.conv3_x", 1, 28, 28, 128, 128, 3, 3, 1, 1, 1},
      {"resnet18.conv4_x", 1, 14, 14, 256, 256, 3, 3, 1, 1, 1},
      {"resnet18.conv5_x", 1, 7, 7, 512, 512, 3, 3, 1, 1, 1},
      // ResNet-50 bottlenecks: the 1x1 that reduces 4C -> C and the 1x1 that expands C -> 4C
      // in each stage (torchvision conv1 / conv3 of a block; their 3x3 is the ResNet-18 one).
      {"resnet50.conv2_x.reduce", 1, 56, 56, 256, 64, 1, 1, 1, 0, 1},
      {"resnet50.conv2_x.expand", 1, 56, 56, 64, 256, 1, 1, 1, 0, 1},
      {"resnet50.conv3_x.reduce", 1, 28, 28, 512, 128, 1, 1, 1, 0, 1},
      {"resnet50.conv3_x.expand", 1, 28, 28, 128, 512, 1, 1, 1, 0, 1},
      {"resnet50.conv4_x.reduce", 1, 14, 14, 1024, 256, 1, 1, 1, 0, 1},
      {"resnet50.conv4_x.expand", 1, 14, 14, 256, 1024, 1, 1, 1, 0, 1},
      {"resnet50.conv5_x.reduce", 1, 7, 7, 2048, 512, 1, 1, 1, 0, 1},
      {"resnet50.conv5_x.expand", 1, 7, 7, 512, 2048, 1, 1, 1, 0, 1},
      // MobileNet-v2 (Sandler et al. 2018) inverted residuals, named by torchvision's features[i]:
      // block3 (56 x 56, 24 channels, expansion 6): 1x1 expand 24 -> 144, 3x3 depthwise
      // (groups = C = 144), 1x1 project 144 -> 24; block12 (14 x 14, 96 channels): depthwise on 576.
      {"mobilenetv2.block3.expand", 1, 56, 56, 24, 144, 1, 1, 1, 0, 1},
      {"mobilenetv2.block3.dw", 1, 56, 56, 144, 144, 3, 3, 1, 1, 144},
      {"mobilenetv2.block3.project", 1, 56, 56, 144, 24, 1, 1, 1, 0, 1},
      {"mobilenetv2.block12.dw", 1, 14, 14, 576, 576, 3, 3, 1, 1, 576},
  };
  return s;
}

// A conv shape by name; throws std::out_of_range for a name this file does not define.
inline const ConvShape& conv_shape(const std::string& name) {
  for (const ConvShape& c : conv_shapes())
    if (c.name == name) return c;
  throw std::out_of_range("bench/shapes.h: no conv shape named '" + name + "'");
}

// ==== attention ===========================================================================

struct AttentionShape {
  std::string name;      // "llama7b.attn.n2048"
  std::int64_t batch;    // sequences
  std::int64_t heads;    // query heads
  std::int64_t kv_heads; // key/value heads (= heads: MHA)
  std::int64_t N;        // query tokens
  std::int64_t N_kv;     // key/value tokens (= N for self-attention prefill)
  std::int64_t d;        // head dimension
  bool causal;
};

// Scored (query, key) pairs per (batch, head): N N_kv, or with the causal mask
// sum_i (N_kv - N + i + 1) = N (N_kv - N) + N (N + 1) / 2 (N (N + 1) / 2 when N = N_kv).
inline double attention_pairs(const AttentionShape& a) {
  const double n = double(a.N), nkv = double(a.N_kv);
  return a.causal ? n * (nkv - n) + n * (n + 1.0) / 2.0 : n * nkv;
}
// FLOPs: Q K^T and P V are 2 d each per scored pair: 4 batch heads d pairs (the FlashAttention
// count; softmax's exp / max / sum are not counted, and masked pairs are not work).
inline double flops(const AttentionShape& a) {
  return 4.0 * double(a.batch) * double(a.heads) * double(a.d) * attention_pairs(a);
}
// Fewest bytes: Q and O (batch heads N d each), K and V (batch kv_heads N_kv d each), fp32:
//   4 (2 batch heads N d + 2 batch kv_heads N_kv d). The causal mask skips no K/V row: the last
//   query sees them all.
inline double min_bytes(const AttentionShape& a) {
  return kFp32Bytes * (2.0 * double(a.batch) * double(a.heads) * double(a.N) * double(a.d) +
                       2.0 * double(a.batch) * double(a.kv_heads) * double(a.N_kv) * double(a.d));
}

inline const std::vector<AttentionShape>& attention_shapes() {
  //  name, batch, heads, kv_heads, N, N_kv, d, causal
  static const std::vector<AttentionShape> s{
      {"bert.attn.n128", 1, 12, 12, 128, 128, 64, false},
      {"bert.attn.n512", 1, 12, 12, 512, 512, 64, false},
      {"llama7b.attn.n2048", 1, 32, 32, 2048, 2048, 128, true},
      {"llama7b.attn.n4096", 1, 32, 32, 4096, 4096, 128, true},
      {"llama7b.attn.n1_kv4096", 1, 32, 32, 1, 4096, 128, true},  // decode: 1 token, 4096 cached
  };
  return s;
}

inline const AttentionShape& attention_shape(const std::string& name) {
  for (const AttentionShape& a : attention_shapes())
    if (a.name == name) return a;
  throw std::out_of_range("bench/shapes.h: no attention shape named '" + name + "'");
}

}  // namespace ikb
