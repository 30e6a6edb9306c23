// Host-only tests of gpu/gemm/mma_layout.cuh: the lane -> (row, col) maps of the mma.sync
// fragments against the PTX ISA tables, the ldmatrix address maps the kernels use against the
// fragments they must produce, the shared-memory swizzles (bijective, bank-conflict free) and
// the block rasterization (a bijection onto the tile grid). No GPU needed.
//
//   make gpu-test GPU_ARGS='-tc=*mma layout*'
#include <doctest/doctest.h>

#include <set>
#include <utility>
#include <vector>

#include "gpu/gemm/mma_layout.cuh"

namespace {

using ik::gpu::mma::RowCol;
namespace mma = ik::gpu::mma;

// The PTX ISA formulas, transcribed literally (if/else as printed) from
// "Matrix Fragments for mma.m16n8k16 with floating point type" and
// "Matrix Fragments for mma.m16n8k32" (.s8/.u8), independent of the header's arithmetic.
RowCol ptx_16816_a(int laneid, int i) {
  int groupID = laneid >> 2, threadID_in_group = laneid % 4;
  int row = ((0 <= i && i < 2) || (4 <= i && i < 6)) ? groupID : groupID + 8;
  int col = i < 4 ? (threadID_in_group * 2) + (i & 0x1) : (threadID_in_group * 2) + (i & 0x1) + 8;
  return {row, col};
}
RowCol ptx_16816_b(int laneid, int i) {
  int groupID = laneid >> 2, threadID_in_group = laneid % 4;
  int row = i < 2 ? (threadID_in_group * 2) + (i & 0x1) : (threadID_in_group * 2) + (i & 0x1) + 8;
  return {row, groupID};
}
RowCol ptx_c(int laneid, int i) {
  int groupID = laneid >> 2, threadID_in_group = laneid % 4;
  return {i < 2 ? groupID : groupID + 8, (threadID_in_group * 2) + (i & 0x1)};
}
RowCol ptx_16832_a(int laneid, int i) {
  int groupID = laneid >> 2, threadID_in_group = laneid % 4;
  int row = ((0 <= i && i < 4) || (8 <= i && i < 12)) ? groupID : groupID + 8;
  int col = i < 8 ? (threadID_in_group * 4) + (i & 0x3) : (threadID_in_group * 4) + (i & 0x3) + 16;
  return {row, col};
}
RowCol ptx_16832_b(int laneid, int i) {
  int groupID = laneid >> 2, threadID_in_group = laneid % 4;
  int row = i < 4 ? (threadID_in_group * 4) + (i & 0x3) : (threadID_in_group * 4) + (i & 0x3) + 16;
  return {row, groupID};
}

template <typename Map>
void check_bijection(const char* what, Map map, int elems, int rows, int cols) {
  std::vector<int> hits(rows * cols, 0);
  for (int lane = 0; lane < 32; ++lane)
    for (int i = 0; i < elems; ++i) {
      RowCol rc = map(lane, i);
      INFO(what << " lane " << lane << " element " << i << " -> (" << rc.row << ", " << rc.col << ")");
      REQUIRE(rc.row >= 0);
      REQUIRE(rc.row < rows);
      REQUIRE(rc.col >= 0);
      REQUIRE(rc.col < cols);
      ++hits[rc.row * cols + rc.col];
    }
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      INFO(what << ": element (" << r << ", " << c << ") is held " << hits[r * cols + c] << " times");
      CHECK(hits[r * cols + c] == 1);
    }
}

template <typename Got, typename Want>
void check_same_map(const char* what, Got got, Want want, int elems) {
  for (int lane = 0; lane < 32; ++lane)
    for (int i = 0; i < elems; ++i) {
      RowCol g = got(lane, i), w = want(lane, i);
      INFO(what << " lane " << lane << " element " << i << ": header (" << g.row << ", " << g.col
                << "), PTX ISA table (" << w.row << ", " << w.col << ")");
      CHECK(g == w);
    }
}

}  // namespace

TEST_CASE("mma layout: m16n8k16 f16/bf16 fragments match the PTX ISA table") {
  check_same_map("A", mma::m16n8k16_a, ptx_16816_a, mma::kM16n8k16AElems);
  check_same_map("B", mma::m16n8k16_b, ptx_16816_b, mma::kM16n8k16BElems);
  check_same_map("C", mma::m16n8_c, ptx_c, mma::kAccElems);
  // Spot checks read off the figures ("MMA .m16n8k16 fragment layout for matrix A/B/C"):
  // row 0 of A holds T0:{a0,a1} T1:{a0,a1} .. T3 then T0:{a4,a5} ..; row 8 holds the a2,a3 / a6,a7.
  CHECK(mma::m16n8k16_a(0, 0) == RowCol{0, 0});
  CHECK(mma::m16n8k16_a(1, 1) == RowCol{0, 3});
  CHECK(mma::m16n8k16_a(0, 4) == RowCol{0, 8});
  CHECK(mma::m16n8k16_a(0, 2) == RowCol{8, 0});
  CHECK(mma::m16n8k16_a(31, 7) == RowCol{15, 15});
  CHECK(mma::m16n8k16_b(0, 0) == RowCol{0, 0});   // B column 0 is held by T0..T3
  CHECK(mma::m16n8k16_b(3, 3) == RowCol{15, 0});
  CHECK(mma::m16n8k16_b(4, 0) == RowCol{0, 1});   // T4 starts column 1
  CHECK(mma::m16n8_c(5, 3) == RowCol{9, 3});
  check_bijection("m16n8k16 A", mma::m16n8k16_a, mma::kM16n8k16AElems, 16, 16);
  check_bijection("m16n8k16 B", mma::m16n8k16_b, mma::kM16n8k16BElems, 16, 8);
  check_bijection("m16n8 C", mma::m16n8_c, mma::kAccElems, 16, 8);
}

TEST_CASE("mma layout: m16n8k32 s8 fragments match the PTX ISA table") {
  check_same_map("A", mma::m16n8k32_a, ptx_16832_a, mma::kM16n8k32AElems);
  check_same_map("B", mma::m16n8k32_b, ptx_16832_b, mma::kM16n8k32BElems);
  CHECK(mma::m16n8k32_a(0, 3) == RowCol{0, 3});
  CHECK(mma::m16n8k32_a(0, 4) == RowCol{8, 0});
  CHECK(mma::m16n8k32_a(1, 8) == RowCol{0, 20});
  CHECK(mma::m16n8k32_a(31, 15) == RowCol{15, 31});
  CHECK(mma::m16n8k32_b(0, 4) == RowCol{16, 0});
  CHECK(mma::m16n8k32_b(31, 7) == RowCol{31, 7});
  check_bijection("m16n8k32 A", mma::m16n8k32_a, mma::kM16n8k32AElems, 16, 32);
  check_bijection("m16n8k32 B", mma::m16n8k32_b, mma::kM16n8k32BElems, 32, 8);
}

TEST_CASE("mma layout: the maps are usable in constant expressions") {
  static_assert(mma::m16n8k16_a(5, 7) == RowCol{9, 11});
  static_assert(mma::m16n8k32_b(6, 5) == RowCol{25, 1});
  static_assert(mma::raster_grouped(0, 3, 3, 8).m == 0);
  CHECK(true);
}

// ldmatrix semantics composed with the kernels' address maps must give exactly the fragments:
// for lane L, register j, element e, ldmatrix delivers row/col ldmatrix_elem(L, e) of matrix j,
// whose row address came from lane 8j + row.
TEST_CASE("mma layout: ldmatrix.x4 on the A tile yields the m16n8k16 A fragment") {
  for (int lane = 0; lane < 32; ++lane)
    for (int j = 0; j < 4; ++j)
      for (int e = 0; e < 2; ++e) {
        RowCol m = mma::ldmatrix_elem(lane, e, false);
        RowCol addr = mma::ldsm_a_x4(mma::ldmatrix_addr_lane(j, m.row));
        RowCol got{addr.row, addr.col * 8 + m.col};
        INFO("lane " << lane << " reg " << j << " elem " << e);
        CHECK(got == mma::m16n8k16_a(lane, 2 * j + e));
      }
}

TEST_CASE("mma layout: ldmatrix.x4.trans on a K x N tile yields two m16n8k16 B fragments") {
  for (int lane = 0; lane < 32; ++lane)
    for (int j = 0; j < 4; ++j)
      for (int e = 0; e < 2; ++e) {
        RowCol m = mma::ldmatrix_elem(lane, e, true);
        RowCol addr = mma::ldsm_b_trans_x4(mma::ldmatrix_addr_lane(j, m.row));
        const int n_tile = j >> 1, reg = j & 1;
        RowCol got{addr.row, addr.col * 8 + m.col - 8 * n_tile};  // (k, n within n8 tile)
        INFO("lane " << lane << " reg " << j << " elem " << e);
        CHECK(got == mma::m16n8k16_b(lane, 2 * reg + e));
        CHECK(got.col >= 0);
        CHECK(got.col < 8);
      }
}

TEST_CASE("mma layout: ldmatrix.x4 on an int8 A tile yields the m16n8k32 A fragment") {
  // Each .b16 element is two .s8 bytes: b16 column c holds bytes 2c, 2c+1 (little endian).
  for (int lane = 0; lane < 32; ++lane)
    for (int j = 0; j < 4; ++j)
      for (int e = 0; e < 2; ++e)
        for (int byte = 0; byte < 2; ++byte) {
          RowCol m = mma::ldmatrix_elem(lane, e, false);
          RowCol addr = mma::ldsm_a_x4(mma::ldmatrix_addr_lane(j, m.row));
          RowCol got{addr.row, addr.col * 16 + 2 * m.col + byte};
          INFO("lane " << lane << " reg " << j << " elem " << e << " byte " << byte);
          CHECK(got == mma::m16n8k32_a(lane, 4 * j + 2 * e + byte));
        }
}

TEST_CASE("mma layout: ldmatrix.x4 on an int8 N x K (B^T) tile yields two m16n8k32 B fragments") {
  for (int lane = 0; lane < 32; ++lane)
    for (int j = 0; j < 4; ++j)
      for (int e = 0; e < 2; ++e)
        for (int byte = 0; byte < 2; ++byte) {
          RowCol m = mma::ldmatrix_elem(lane, e, false);
          RowCol addr = mma::ldsm_bt_x4(mma::ldmatrix_addr_lane(j, m.row));
          const int n_tile = j >> 1, reg = j & 1;
          // stored (n, k) -> fragment coordinates (k, n within the n8 tile)
          RowCol got{addr.col * 16 + 2 * m.col + byte, addr.row - 8 * n_tile};
          INFO("lane " << lane << " reg " << j << " elem " << e << " byte " << byte);
          CHECK(got == mma::m16n8k32_b(lane, 4 * reg + 2 * e + byte));
        }
}

namespace {
// One shared-memory phase of 8 x 16-byte accesses is conflict-free when the chunks fall into 8
// different bank groups (byte address / 16 mod 8).
bool conflict_free(const std::vector<int>& chunks) {
  std::set<int> groups;
  for (int c : chunks) groups.insert(c % 8);
  return groups.size() == chunks.size();
}
}  // namespace

TEST_CASE("mma layout: swizzles are bijections and make ldmatrix and cp.async conflict-free") {
  // row64: 128 rows x 4 chunks (A: 128 x 32 halves or 128 x 64 int8; int8 B^T: 128 x 64).
  {
    std::set<int> seen;
    for (int r = 0; r < 128; ++r)
      for (int c = 0; c < 4; ++c) seen.insert(mma::swizzle_row64(r, c));
    CHECK(seen.size() == 512u);
    CHECK(*seen.begin() == 0);
    CHECK(*seen.rbegin() == 511);
    // ldmatrix.x4 (A and B^T maps) at every 16-row block and both k16 (32-byte) halves.
    for (int r0 = 0; r0 < 128; r0 += 16)
      for (int c0 = 0; c0 < 4; c0 += 2)
        for (auto map : {mma::ldsm_a_x4, mma::ldsm_bt_x4})
          for (int j = 0; j < 4; ++j) {
            std::vector<int> phase;
            for (int r = 0; r < 8; ++r) {
              RowCol a = map(mma::ldmatrix_addr_lane(j, r));
              phase.push_back(mma::swizzle_row64(r0 + a.row, c0 + a.col));
            }
            INFO("row64 ldmatrix r0 " << r0 << " c0 " << c0 << " matrix " << j);
            CHECK(conflict_free(phase));
          }
    // cp.async stores: thread t of a warp writes chunk (t + 32 w) -> row = id / 4, chunk = id % 4.
    for (int first = 0; first < 512; first += 8) {
      std::vector<int> phase;
      for (int t = 0; t < 8; ++t) phase.push_back(mma::swizzle_row64((first + t) / 4, (first + t) % 4));
      CHECK(conflict_free(phase));
    }
  }
  // row256: 32 rows x 16 chunks (f16/bf16 B: 32 x 128 halves).
  {
    std::set<int> seen;
    for (int r = 0; r < 32; ++r)
      for (int c = 0; c < 16; ++c) seen.insert(mma::swizzle_row256(r, c));
    CHECK(seen.size() == 512u);
    CHECK(*seen.rbegin() == 511);
    for (int k0 = 0; k0 < 32; k0 += 16)
      for (int n_chunk0 = 0; n_chunk0 < 16; n_chunk0 += 2)
        for (int j = 0; j < 4; ++j) {
          std::vector<int> phase;
          for (int r = 0; r < 8; ++r) {
            RowCol a = mma::ldsm_b_trans_x4(mma::ldmatrix_addr_lane(j, r));
            phase.push_back(mma::swizzle_row256(k0 + a.row, n_chunk0 + a.col));
          }
          INFO("row256 ldmatrix.trans k0 " << k0 << " chunk0 " << n_chunk0 << " matrix " << j);
          CHECK(conflict_free(phase));
        }
    for (int first = 0; first < 512; first += 8) {
      std::vector<int> phase;
      for (int t = 0; t < 8; ++t)
        phase.push_back(mma::swizzle_row256((first + t) / 16, (first + t) % 16));
      CHECK(conflict_free(phase));
    }
  }
}

namespace {
// A tile of `rows` x Cpr chunks: the swizzle is a bijection, every ldmatrix.x4 phase of `map` at
// every 16-row block and 2-chunk (k16 / n16) offset is conflict-free, and so is every group of 8
// consecutive cp.async chunk stores (thread t writes linear chunk t + 32 w).
template <int Cpr>
void check_swizzle(int rows, RowCol (*map)(int), const char* what) {
  std::set<int> seen;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < Cpr; ++c) seen.insert(mma::swizzle_chunk<Cpr>(r, c));
  CHECK(seen.size() == static_cast<std::size_t>(rows * Cpr));
  CHECK(*seen.begin() == 0);
  CHECK(*seen.rbegin() == rows * Cpr - 1);
  for (int r0 = 0; r0 < rows; r0 += 16)
    for (int c0 = 0; c0 < Cpr; c0 += 2)
      for (int j = 0; j < 4; ++j) {
        std::vector<int> phase;
        for (int r = 0; r < 8; ++r) {
          RowCol a = map(mma::ldmatrix_addr_lane(j, r));
          phase.push_back(mma::swizzle_chunk<Cpr>(r0 + a.row, c0 + a.col));
        }
        INFO(what << ": ldmatrix r0 " << r0 << " c0 " << c0 << " matrix " << j);
        CHECK(conflict_free(phase));
      }
  for (int first = 0; first < rows * Cpr; first += 8) {
    std::vector<int> phase;
    for (int t = 0; t < 8; ++t) phase.push_back(mma::swizzle_chunk<Cpr>((first + t) / Cpr, (first + t) % Cpr));
    INFO(what << ": cp.async chunks " << first << "..");
    CHECK(conflict_free(phase));
  }
}
}  // namespace

TEST_CASE("mma layout: the swizzles of the larger tiles are conflict-free and 16-row periodic") {
  check_swizzle<8>(128, mma::ldsm_a_x4, "A 128 x 64 halves");
  check_swizzle<8>(256, mma::ldsm_a_x4, "A 256 x 64 halves");
  check_swizzle<16>(64, mma::ldsm_b_trans_x4, "B 64 x 128 halves");
  check_swizzle<32>(32, mma::ldsm_b_trans_x4, "B 32 x 256 halves");
  check_swizzle<32>(64, mma::ldsm_b_trans_x4, "B 64 x 256 halves");
  // The kernels compute one ldmatrix address per thread and add constants for the other 16-row
  // (A: mi) and 16-k (B: kk) blocks. That is only right if the swizzle key ignores row bits >= 4.
  for (int r = 0; r < 16; ++r)
    for (int m = 1; m < 16; ++m) {
      for (int c = 0; c < 4; ++c)
        CHECK(mma::swizzle_chunk<4>(r + 16 * m, c) == mma::swizzle_chunk<4>(r, c) + 16 * m * 4);
      for (int c = 0; c < 8; ++c)
        CHECK(mma::swizzle_chunk<8>(r + 16 * m, c) == mma::swizzle_chunk<8>(r, c) + 16 * m * 8);
      for (int c = 0; c < 32; ++c)
        CHECK(mma::swizzle_chunk<32>(r + 16 * m, c) == mma::swizzle_chunk<32>(r, c) + 16 * m * 32);
    }
  // The check itself can fail: the unswizzled layout of the B tile conflicts (8 rows, 1 group).
  std::vector<int> plain;
  for (int r = 0; r < 8; ++r) plain.push_back(r * 32);
  CHECK_FALSE(conflict_free(plain));
}

TEST_CASE("mma layout: grouped block rasterization is a bijection onto the tile grid") {
  for (int tiles_m : {1, 2, 3, 7, 8, 9, 17, 64})
    for (int tiles_n : {1, 2, 5, 8, 13})
      for (int group : {1, 4, 8}) {
        std::set<std::pair<int, int>> seen;
        for (int pid = 0; pid < tiles_m * tiles_n; ++pid) {
          mma::TileCoord t = mma::raster_grouped(pid, tiles_m, tiles_n, group);
          INFO("tiles " << tiles_m << "x" << tiles_n << " group " << group << " pid " << pid);
          REQUIRE(t.m >= 0);
          REQUIRE(t.m < tiles_m);
          REQUIRE(t.n >= 0);
          REQUIRE(t.n < tiles_n);
          seen.insert({t.m, t.n});
        }
        CHECK(seen.size() == static_cast<std::size_t>(tiles_m * tiles_n));
      }
  // Within a full group, consecutive blocks walk down the tile rows of one tile column.
  CHECK(mma::raster_grouped(0, 16, 4, 8).m == 0);
  CHECK(mma::raster_grouped(1, 16, 4, 8).m == 1);
  CHECK(mma::raster_grouped(1, 16, 4, 8).n == 0);
  CHECK(mma::raster_grouped(8, 16, 4, 8).n == 1);
}
