// Dispatch: one rule (common/dispatch.h) for every family's registry, IK_ISA included; CPU
// feature detection is consistent with what the OS enables. `make test` runs the "IK_ISA" case
// once per value of IK_ISA (scalar, avx2, avx512); run without IK_ISA it checks the default choice.
// Also the shared plumbing these paths rely on: gemm_driver thread rules, AlignedBuffer alignment.
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>

#include "common/aligned_buffer.h"
#include "common/cpu_features.h"
#include "common/error.h"
#include "common/gemm_driver.h"
#include "common/half_convert.h"
#include "cpu/binary/binary.h"
#include "cpu/gemm_bf16/gemm_bf16.h"
#include "cpu/gemm_f16/gemm_f16.h"
#include "cpu/gemm_f32/gemm_f32.h"
#include "cpu/gemm_s8/gemm_s8.h"
#include "cpu/sparse_24/sparse_24.h"
#include "cpu/sparse_csr/sparse_csr.h"
#include "tests/test_util.h"

using namespace ik;

namespace {

// One registry as the dispatch test sees it: its entries' KernelInfo and what select picks.
struct RegistryUnderTest {
  const char* family;
  std::vector<const KernelInfo*> entries;
  std::function<const KernelInfo&()> selected;
};

template <class Kernel>
RegistryUnderTest registry(const char* family, const std::vector<Kernel>& kernels, const Kernel& (*selected)()) {
  RegistryUnderTest r{family, {}, [selected]() -> const KernelInfo& { return selected(); }};
  for (const Kernel& k : kernels) r.entries.push_back(&k);
  return r;
}

std::vector<RegistryUnderTest> every_registry() {
  return {registry("gemm_f32", cpu::sgemm_kernels(), &cpu::sgemm_selected_kernel),
          registry("gemm_f16", cpu::hgemm_kernels(), &cpu::hgemm_selected_kernel),
          registry("gemm_bf16", cpu::bf16gemm_kernels(), &cpu::bf16gemm_selected_kernel),
          registry("gemm_s8", cpu::gemm_s8_kernels(), &cpu::gemm_s8_selected_kernel),
          registry("binary.bitpack", cpu::bitpack_kernels(), &cpu::bitpack_selected_kernel),
          registry("binary.xnor_gemm", cpu::xnor_kernels(), &cpu::xnor_selected_kernel),
          registry("binary.bgemv", cpu::bgemv_kernels(), &cpu::bgemv_selected_kernel),
          registry("sparse_csr", cpu::spmm_csr_kernels(), &cpu::spmm_csr_selected_kernel),
          registry("sparse_24", cpu::sp24_kernels(), &cpu::sp24_selected_kernel)};
}

// What common/dispatch.h's rule says `cap` selects: the last runnable entry of that level, else
// the last runnable entry of the highest level below it.
const KernelInfo* expected_choice(const RegistryUnderTest& r, Isa cap) {
  const KernelInfo* best = nullptr;
  for (int level = static_cast<int>(cap); level >= 0 && !best; --level)
    for (const KernelInfo* k : r.entries)
      if (static_cast<int>(k->isa) == level && kernel_runnable(*k)) best = k;
  return best;
}

}  // namespace

// `make test` runs this case once per IK_ISA value (scalar, avx2, avx512) and once without it:
// every family follows the one rule of common/dispatch.h, and the variant it picks computes the
// right answer.
TEST_CASE("dispatch: IK_ISA selects by the same rule in every family") {
  const char* forced = std::getenv("IK_ISA");
  const bool is_forced = forced && *forced;
  const std::vector<RegistryUnderTest> regs = every_registry();
  if (is_forced) {
    const Isa want = parse_isa(forced);
    if (!isa_supported(want)) {
      // Forcing a level the CPU cannot run is a clear error naming IK_ISA in every family,
      // never an illegal instruction.
      ik::test::skip_unless_supported(want, "IK_ISA forced level");
      for (const RegistryUnderTest& r : regs) {
        CAPTURE(r.family);
        CHECK_THROWS_WITH_AS(r.selected(), doctest::Contains("IK_ISA"), ik::Error);
      }
      float f[1] = {1.0f};
      std::uint16_t h[1];
      CHECK_THROWS_WITH_AS(convert_f32_to_f16(f, h, 1), doctest::Contains("IK_ISA"), ik::Error);
      return;
    }
  }
  const Isa cap = selected_isa();
  for (const RegistryUnderTest& r : regs) {
    CAPTURE(r.family);
    // Registry shape: every entry named, its ISA level among its required features' bundle.
    for (const KernelInfo* k : r.entries) {
      CHECK(std::string(k->name).find(isa_name(k->isa)) != std::string::npos);
      if (k->isa == Isa::avx2) CHECK((k->requires & feature::avx2_bundle) == feature::avx2_bundle);
      if (k->isa == Isa::avx512) CHECK((k->requires & feature::avx512_bundle) == feature::avx512_bundle);
      if (k->isa == Isa::scalar) CHECK(k->requires == 0);
    }
    const KernelInfo& got = r.selected();
    const KernelInfo* want = expected_choice(r, cap);
    REQUIRE(want != nullptr);
    CHECK(&got == want);
    CHECK(kernel_runnable(got));
    MESSAGE("IK_ISA=" << std::string(is_forced ? forced : "(unset)") << ": " << std::string(r.family) << " runs "
                      << std::string(got.name)
                      << std::string(got.isa != cap ? " (no runnable variant at the forced level)" : ""));
  }
  // The half conversions (common/half_convert.h) dispatch on the level itself.
  float f[3] = {1.0f, -2.5f, 65504.0f}, back[3] = {};
  std::uint16_t h[3] = {};
  convert_f32_to_f16(f, h, 3);
  CHECK(last_half_convert_isa() == cap);
  convert_f16_to_f32(h, back, 3);
  CHECK(last_half_convert_isa() == cap);
  CHECK(back[2] == 65504.0f);
  convert_f32_to_bf16(f, h, 3);
  CHECK(last_half_convert_isa() == cap);
  convert_bf16_to_f32(h, back, 3);
  CHECK(last_half_convert_isa() == cap);
  CHECK(back[1] == -2.5f);
  // The dispatched calls compute the right thing through the selected variants.
  const float A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {1, 0, 0, 1, 1, 1};
  float C[4] = {-1, -1, -1, -1};
  cpu::sgemm(cpu::Layout::row_major, cpu::Trans::no, cpu::Trans::no, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2);
  CHECK(C[0] == 4);
  CHECK(C[1] == 5);
  CHECK(C[2] == 10);
  CHECK(C[3] == 11);
  float y[2] = {-1, -1};
  cpu::hgemv_packed(2, 3, 1.0f, A, cpu::hgemm_pack_b(WeightLayout::k_by_n, 3, 2, B, 2), 0.0f, y);
  CHECK((y[0] == 4 && y[1] == 5));
  y[0] = y[1] = -1;
  cpu::bf16gemv_packed(2, 3, 1.0f, A, cpu::bf16gemm_pack_b(WeightLayout::k_by_n, 3, 2, B, 2), 0.0f, y);
  CHECK((y[0] == 4 && y[1] == 5));
  const std::uint8_t A8[6] = {1, 2, 3, 4, 5, 255};
  const std::int8_t W8[6] = {1, 0, 0, 1, -128, 127};  // K = 3 x N = 2
  const float sc = 1.0f;
  const cpu::GemmS8PackedWeights P = cpu::gemm_s8_pack_weights(cpu::WeightLayout::k_by_n, 3, 2, W8, 2, &sc, false);
  std::int32_t C32[4] = {-1, -1, -1, -1};
  cpu::gemm_s8_s32(2, 2, 3, A8, 3, 1, P, nullptr, C32, 2);
  // (a - 1): row 0 = {0, 1, 2}, row 1 = {3, 4, 254}
  CHECK(C32[0] == 2 * -128);
  CHECK(C32[1] == 1 + 2 * 127);
  CHECK(C32[2] == 3 + 254 * -128);
  CHECK(C32[3] == 4 + 254 * 127);
  const float a[3] = {1, -1, 1}, w[6] = {1, -1, 1, -1, -1, -1};
  const cpu::BinaryPackedWeights BW = cpu::binary_pack_weights(2, 3, w, 3);
  float c[2];
  cpu::binary_linear(1, 2, 3, a, 3, BW, false, c, 2);
  CHECK(c[0] == 3.0f);
  CHECK(c[1] == -1.0f);
}

TEST_CASE("dispatch: an explicit kernel this CPU cannot run is refused by name") {
  for (const cpu::SgemmKernel& k : cpu::sgemm_kernels()) {
    if (kernel_runnable(k)) continue;
    cpu::GemmOptions opt;
    opt.kernel = &k;
    float C[1];
    const float one = 1.0f;
    CHECK_THROWS_WITH_AS(cpu::sgemm(cpu::Layout::row_major, cpu::Trans::no, cpu::Trans::no, 1, 1, 1, 1.0f, &one, 1,
                                    &one, 1, 0.0f, C, 1, opt),
                         doctest::Contains((std::string("options.kernel = ") + k.name).c_str()), ik::Error);
  }
  for (const cpu::XnorKernel& k : cpu::xnor_kernels()) {
    if (kernel_runnable(k)) continue;
    cpu::BinaryOptions opt;
    opt.xnor = &k;
    const std::uint64_t bits[1] = {1};
    const float alpha = 1.0f;
    const cpu::BinaryPackedWeights BW = cpu::binary_pack_bits(1, 1, 1, bits, 1, &alpha);
    std::int32_t c[1];
    CHECK_THROWS_WITH_AS(cpu::xnor_gemm_s32(1, 1, 1, bits, 1, BW, c, 1, opt),
                         doctest::Contains((std::string("options.xnor = ") + k.name).c_str()), ik::Error);
  }
}

TEST_CASE("dispatch: registry entries are data, their tables as long as the tile") {
  // Every table entry of every tiled registry is set (set_ukernels takes mr from the table's
  // type; a block kernel such as AMX int8 has no table).
  auto check_table = [](const auto& kernels) {
    for (const auto& k : kernels) {
      CAPTURE(k.name);
      CHECK(k.mr >= 1);
      CHECK(k.nr >= 1);
      if (k.ukernel)
        for (int m = 0; m < k.mr; ++m) CHECK(static_cast<bool>(k.ukernel[m]));
    }
  };
  check_table(cpu::sgemm_kernels());
  check_table(cpu::hgemm_kernels());
  check_table(cpu::bf16gemm_kernels());
  check_table(cpu::gemm_s8_kernels());
  check_table(cpu::xnor_kernels());
  for (const auto& k : cpu::hgemm_kernels()) CHECK((k.blk.mr == k.mr && k.blk.nr == k.nr));
  for (const auto& k : cpu::bf16gemm_kernels()) CHECK((k.blk.mr == k.mr && k.blk.nr == k.nr));
  for (const auto& k : cpu::gemm_s8_kernels()) CHECK((k.ukernel != nullptr) != (k.block != nullptr));
}

TEST_CASE("dispatch: bad IK_ISA values are rejected by name") {
  CHECK_THROWS_WITH_AS(parse_isa("avx1024"), doctest::Contains("IK_ISA = 'avx1024'"), ik::Error);
  CHECK(parse_isa("scalar") == Isa::scalar);
  CHECK(parse_isa("avx2") == Isa::avx2);
  CHECK(parse_isa("avx512") == Isa::avx512);
}

TEST_CASE("cpu features: consistent with the OS state") {
  const CpuFeatures& f = cpu_features();
  MESSAGE(cpu_features_string());
  // No AVX-512 feature without OS support for the ZMM/opmask state, no AVX2 without YMM state.
  if (!f.os_avx512) CHECK_FALSE((f.avx512f || f.avx512bw || f.avx512vnni || f.avx512bf16));
  if (!f.os_avx) CHECK_FALSE((f.avx2 || f.fma || f.f16c));
  if (f.has_avx512_path()) CHECK(f.has_avx2_path());
  CHECK(isa_supported(Isa::scalar));
}

TEST_CASE("gemm_driver: thread count from operations, and from weight bytes for skinny M") {
  using ik::gemm_driver::threads_for;
  using ik::gemm_driver::weight_bytes;
  // Small square GEMMs stay on one thread; big ones use every thread allowed.
  CHECK(threads_for(8, 64, 64, 64) == 1);
  CHECK(threads_for(8, 1024, 1024, 1024) == 8);
  // BERT-base 768 x 3072 GEMV: 4.7 MOP, one thread by operations, but 4.7 MB of bf16 weight.
  CHECK(threads_for(2, 1, 768, 3072) == 1);
  CHECK(threads_for(2, 1, 768, 3072, 4e6, weight_bytes(3072, 768, 2)) == 2);
  // A 256 KiB weight per thread at least: 64 x 4096 bytes is 1 thread, 4x that is 4.
  CHECK(threads_for(16, 1, 4096, 64, 4e6, weight_bytes(64, 4096, 1)) == 1);
  CHECK(threads_for(16, 1, 4096, 256, 4e6, weight_bytes(256, 4096, 1)) == 4);
  CHECK(threads_for(3, 1, 4096, 4096, 4e6, weight_bytes(4096, 4096, 4)) == 3);
}

TEST_CASE("gemm_driver: thread grid splits rows unless that costs more than 1/32 extra work") {
  using ik::gemm_driver::thread_grid;
  auto grid = [](ik::index_t row_tiles, ik::index_t col_tiles, int threads) {
    const ik::gemm_driver::Grid g = thread_grid(row_tiles, col_tiles, threads);
    CHECK(g.tm * g.tn == threads);
    return std::pair<int, int>{g.tm, g.tn};
  };
  // 4096^3 fp32 (14 x 32 tiles, NC = 1024): 147 x 32 rows-split against 293 x 16: 0.3% more.
  CHECK(grid(293, 32, 2) == std::pair<int, int>{2, 1});
  CHECK(grid(147, 32, 2) == std::pair<int, int>{2, 1});  // 2048^3: 0.7% more
  // 19 row tiles: 10 x 8 against 19 x 4 is 5% more work on one thread: split the columns.
  CHECK(grid(19, 8, 2) == std::pair<int, int>{1, 2});
  // GEMV (one row tile) splits N; one column panel splits M.
  CHECK(grid(1, 128, 4) == std::pair<int, int>{1, 4});
  CHECK(grid(128, 1, 4) == std::pair<int, int>{4, 1});
  // 4 threads on 12 x 12: 1 x 4, 2 x 2 and 4 x 1 all give 36 tiles per thread: the most row
  // splits wins.
  CHECK(grid(12, 12, 4) == std::pair<int, int>{4, 1});
  CHECK(grid(1, 1, 1) == std::pair<int, int>{1, 1});
}

TEST_CASE("AlignedBuffer: huge-page alignment from 4 MiB on, cache-line alignment below") {
  // Packed weights of a transformer layer are tens of MiB: 2 MiB aligned so the madvise'd range
  // is whole huge pages (common/aligned_buffer.h). Every element stays writable and readable
  // (ASan checks the bounds in the sanitizer build), including the last one of a size that is
  // not a multiple of the alignment.
  const std::size_t big = kHugePageMinBytes / sizeof(float) + 17, small = kHugePageMinBytes / sizeof(float) - 1;
  AlignedBuffer<float> a(big), b(small);
  CHECK(reinterpret_cast<std::uintptr_t>(a.data()) % kHugePage == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(b.data()) % kCacheLine == 0);
  a[0] = 1.0f;
  a[big - 1] = 2.0f;
  b[small - 1] = 3.0f;
  CHECK(a[0] + a[big - 1] + b[small - 1] == 6.0f);
  AlignedBuffer<float> moved(std::move(a));
  CHECK(a.data() == nullptr);
  CHECK(moved[big - 1] == 2.0f);
  moved.reset(3);  // back to a small, cache-line aligned allocation
  CHECK(reinterpret_cast<std::uintptr_t>(moved.data()) % kCacheLine == 0);
  CHECK(moved.size() == 3);
}
