// The BLAS-style operand descriptors every GEMM family's API shares, so that a family folder
// plus common/ compiles on its own (no family includes another's header for them).
#pragma once

namespace ik {
// How a weight B is stored before it is prepared: K x N row-major (ldb >= N), or N x K
// row-major (ldb >= K, [out][in], the layout of a PyTorch Linear weight; op(B) = B^T). The one
// layout argument of every family's weight preparation (sgemm_pack_b, hgemm_pack_b,
// bf16gemm_pack_b, gemm_s8_pack_weights).
enum class WeightLayout { k_by_n, n_by_k };
}  // namespace ik

namespace ik::cpu {
using ik::WeightLayout;

enum class Layout { row_major, col_major };
// The BLAS transposition of an operand of sgemm (op(X) = X or X^T).
enum class Trans { no, yes };

}  // namespace ik::cpu
