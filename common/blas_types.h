// The BLAS-style operand descriptors every GEMM family's API shares, so that a family folder
// plus common/ compiles on its own (no family includes another's header for them).
#pragma once

namespace ik::cpu {

enum class Layout { row_major, col_major };
// Trans::yes on a weight means it is stored N x K ([out][in], a PyTorch Linear weight).
enum class Trans { no, yes };

}  // namespace ik::cpu
