// mma.sync fragment layouts, ldmatrix address maps, shared-memory swizzles and block
// rasterization, as __host__ __device__ constexpr functions so that the kernels and the host
// unit tests (tests/gpu/test_mma_layout.cu) use the very same formulas.
//
// Source: NVIDIA "Parallel Thread Execution ISA" (PTX ISA 8.x/9.x), chapter "Warp Level Matrix
// Multiply-Accumulate Instructions":
//   * "Matrix Fragments for mma.m16n8k16 with floating point type"
//       (#warp-level-matrix-fragment-mma-16816-float; 9.7.13.4.8 in PTX ISA 8.x, 9.7.14.5.8 in 9.x)
//   * "Matrix Fragments for mma.m16n8k32" (integer .s8/.u8 operands)
//       (#warp-level-matrix-fragment-mma-16832; 9.7.13.4.10 / 9.7.14.5.10)
//   * "Warp-level matrix load instruction: ldmatrix" (m8n8 .b16, .x4, .trans)
// Every table there is written with
//   groupID           = %laneid >> 2
//   threadID_in_group = %laneid % 4
// and "element i" of a fragment counts the .f16/.bf16/.s8 values of the thread's registers from
// the low bits of register 0 upward (a0, a1 in register 0, a2, a3 in register 1, ...).
//
// Coordinates: A fragments give (row m, col k), B fragments (row k, col n), C/D (row m, col n),
// all relative to the 16x16 / 16x32 (A), 16x8 / 32x8 (B), 16x8 (C) tile of one mma.
#pragma once

// Usable from plain C++ too (the functions are pure integer arithmetic).
#if !defined(__CUDACC__) && !defined(__host__)
#define __host__
#endif
#if !defined(__CUDACC__) && !defined(__device__)
#define __device__
#endif

namespace ik::gpu::mma {

struct RowCol {
  int row, col;
  __host__ __device__ constexpr bool operator==(const RowCol& o) const {
    return row == o.row && col == o.col;
  }
};

__host__ __device__ constexpr int group_id(int lane) { return lane >> 2; }
__host__ __device__ constexpr int thread_in_group(int lane) { return lane % 4; }

// ---- mma.m16n8k16, .f16 / .bf16 multiplicands, .f32 (or .f16) accumulators -----------------
inline constexpr int kM16n8k16AElems = 8;  // four .f16x2 registers
inline constexpr int kM16n8k16BElems = 4;  // two .f16x2 registers
inline constexpr int kAccElems = 4;        // four .f32 / .s32 registers (m16n8k16 and m16n8k32)

// A (16 x 16, row-major "row"):
//   row = groupID for ai with 0 <= i < 2 || 4 <= i < 6, groupID + 8 otherwise
//   col = threadID_in_group * 2 + (i & 1) for i < 4, + 8 for i >= 4
__host__ __device__ constexpr RowCol m16n8k16_a(int lane, int i) {
  return {group_id(lane) + (((i >> 1) & 1) ? 8 : 0),
          thread_in_group(lane) * 2 + (i & 1) + (i >= 4 ? 8 : 0)};
}
// B (16 x 8, "col"): row = threadID_in_group * 2 + (i & 1) (+ 8 for i >= 2), col = groupID
__host__ __device__ constexpr RowCol m16n8k16_b(int lane, int i) {
  return {thread_in_group(lane) * 2 + (i & 1) + (i >= 2 ? 8 : 0), group_id(lane)};
}
// C/D (16 x 8): row = groupID (+ 8 for i >= 2), col = threadID_in_group * 2 + (i & 1).
// The same table serves mma.m16n8k32 with .s32 accumulators.
__host__ __device__ constexpr RowCol m16n8_c(int lane, int i) {
  return {group_id(lane) + (i >= 2 ? 8 : 0), thread_in_group(lane) * 2 + (i & 1)};
}

// ---- mma.m16n8k32, .s8 / .u8 multiplicands, .s32 accumulators ------------------------------
inline constexpr int kM16n8k32AElems = 16;  // four .b32 registers of four .s8 each
inline constexpr int kM16n8k32BElems = 8;   // two .b32 registers of four .s8 each

// A (16 x 32): row = groupID for 0 <= i < 4 || 8 <= i < 12, groupID + 8 otherwise
//              col = threadID_in_group * 4 + (i & 3) for i < 8, + 16 for i >= 8
__host__ __device__ constexpr RowCol m16n8k32_a(int lane, int i) {
  return {group_id(lane) + (((i >> 2) & 1) ? 8 : 0),
          thread_in_group(lane) * 4 + (i & 3) + (i >= 8 ? 16 : 0)};
}
// B (32 x 8): row = threadID_in_group * 4 + (i & 3) (+ 16 for i >= 4), col = groupID
__host__ __device__ constexpr RowCol m16n8k32_b(int lane, int i) {
  return {thread_in_group(lane) * 4 + (i & 3) + (i >= 4 ? 16 : 0), group_id(lane)};
}

// ---- ldmatrix.sync.aligned.m8n8{.x4}{.trans}.shared.b16 -----------------------------------
// What lane `lane` receives in element e (0, 1: low, high half) of destination register j
// (= matrix j of an .x4): the (row, col) of matrix j *as stored*, in .b16 units.
// Without .trans a thread receives row lane/4, columns 2*(lane%4) + {0,1}; with .trans the
// matrix is transposed on the way, so it receives rows 2*(lane%4) + {0,1} of column lane/4.
// The row addresses of matrix j come from lanes 8j .. 8j+7 (row r from lane 8j + r).
__host__ __device__ constexpr RowCol ldmatrix_elem(int lane, int e, bool trans) {
  return trans ? RowCol{(lane % 4) * 2 + e, lane >> 2} : RowCol{lane >> 2, (lane % 4) * 2 + e};
}
__host__ __device__ constexpr int ldmatrix_addr_lane(int matrix, int row) {
  return 8 * matrix + row;
}

// ---- the address each lane gives ldmatrix .x4 in the kernels ----------------------------
// Results are (row, chunk): the row of the shared tile and the 16-byte chunk within it
// (8 .b16 elements, or 16 .s8). Tests check that ldmatrix_elem composed with these maps
// reproduces the mma fragment tables above.

// A (16 rows x 2 chunks), one x4 -> the four A registers of one m16n8k16 (.f16/.bf16) or
// m16n8k32 (.s8) mma: matrix 0 = rows 0-7 / chunk 0, 1 = rows 8-15 / chunk 0,
// 2 = rows 0-7 / chunk 1, 3 = rows 8-15 / chunk 1.
__host__ __device__ constexpr RowCol ldsm_a_x4(int lane) { return {lane & 15, lane >> 4}; }

// B stored K x N row-major (k rows, n contiguous): one x4.trans over 16 k-rows x 2 chunks gives
// the B registers of two n8 tiles: {r0, r1} for n 0-7 (chunk 0), {r2, r3} for n 8-15 (chunk 1).
__host__ __device__ constexpr RowCol ldsm_b_trans_x4(int lane) { return {lane & 15, lane >> 4}; }

// B^T stored N x K row-major (n rows, k contiguous; the int8 kernel's weight layout): one x4
// (no .trans) over 16 n-rows x 2 chunks gives the .s8 B registers of two n8 tiles:
// {r0, r1} for n 0-7, {r2, r3} for n 8-15.
__host__ __device__ constexpr RowCol ldsm_bt_x4(int lane) {
  return {(lane & 7) + ((lane >> 4) << 3), (lane >> 3) & 1};
}

// ---- XOR swizzles of the shared tiles (16-byte chunk granularity) -------------------------
// Shared memory has 32 banks of 4 bytes; one ldmatrix phase reads eight 16-byte rows, which
// is conflict-free when the eight chunks fall into eight different 16-byte bank groups
// (chunk index mod 8). Returned: the chunk's index in the tile (multiply by 16 for bytes).

// Rows of `ChunksPerRow` chunks: 4 (64-byte rows) or a multiple of 8 (128, 256, 512-byte rows).
//   4 chunks:  A tiles with BK = 32 halves (or 64 int8) and the int8 B^T tile. Rows 2j and 2j+1
//              share a 128-byte line; XOR with (row / 2) % 4 spreads 8 consecutive rows over all
//              8 bank groups.
//   8k chunks: A tiles with BK = 64 halves, f16/bf16 B tiles (BN = 128 or 256 halves). Every row
//              starts at bank 0; XOR of the low 3 chunk bits with row % 8 spreads 8 consecutive
//              rows over the 8 bank groups.
template <int ChunksPerRow>
__host__ __device__ constexpr int swizzle_chunk(int row, int chunk) {
  static_assert(ChunksPerRow == 4 || ChunksPerRow % 8 == 0, "4 or a multiple of 8 chunks");
  if constexpr (ChunksPerRow == 4)
    return row * 4 + (chunk ^ ((row >> 1) & 3));
  else
    return row * ChunksPerRow + (chunk ^ (row & 7));
}
__host__ __device__ constexpr int swizzle_row64(int row, int chunk) {
  return swizzle_chunk<4>(row, chunk);
}
__host__ __device__ constexpr int swizzle_row256(int row, int chunk) {
  return swizzle_chunk<16>(row, chunk);
}

// ---- block rasterization for L2 reuse ----------------------------------------------------
// Linear block id -> (tile_m, tile_n), walking `group_m` tile rows at a time column by column,
// so that consecutive blocks share A row panels and B column panels while they are in L2.
struct TileCoord {
  int m, n;
};
__host__ __device__ constexpr TileCoord raster_grouped(int pid, int tiles_m, int tiles_n,
                                                       int group_m) {
  const int per_group = group_m * tiles_n;
  const int group = pid / per_group;
  const int first_m = group * group_m;
  const int rows = (tiles_m - first_m) < group_m ? (tiles_m - first_m) : group_m;
  const int in_group = pid - group * per_group;
  return {first_m + in_group % rows, in_group / rows};
}

}  // namespace ik::gpu::mma
