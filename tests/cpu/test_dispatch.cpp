// Dispatch: IK_ISA forces a path and the forced path is the one that runs; CPU feature
// detection is consistent with what the OS enables. `make test` runs the "IK_ISA" case once per
// value of IK_ISA (scalar, avx2, avx512); run without IK_ISA it checks the default choice.
// Also the shared plumbing these paths rely on: gemm_driver thread rules, AlignedBuffer alignment.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>

#include "common/aligned_buffer.h"
#include "common/cpu_features.h"
#include "common/error.h"
#include "common/gemm_driver.h"
#include "cpu/gemm_f32/gemm_f32.h"
#include "tests/test_util.h"

using namespace ik;

TEST_CASE("dispatch: IK_ISA forces the variant that runs") {
  const char* forced = std::getenv("IK_ISA");
  if (!forced || !*forced) {
    // Default: the best path the CPU runs.
    const Isa best = isa_supported(Isa::avx512) ? Isa::avx512 : isa_supported(Isa::avx2) ? Isa::avx2 : Isa::scalar;
    CHECK(selected_isa() == best);
    CHECK(cpu::sgemm_selected_kernel().isa == best);
    MESSAGE("IK_ISA unset: dispatch picks " << std::string(isa_name(best)) << ", sgemm variant " << std::string(cpu::sgemm_selected_kernel().name));
    return;
  }
  const Isa want = parse_isa(forced);
  if (ik::test::skip_unless_supported(want, "IK_ISA forced path")) {
    // Forcing a path the CPU cannot run must be a clear error, never an illegal instruction.
    CHECK_THROWS_AS(selected_isa(), ik::Error);
    CHECK_THROWS_AS(cpu::sgemm_selected_kernel(), ik::Error);
    return;
  }
  CHECK(selected_isa() == want);
  const cpu::SgemmKernel& kern = cpu::sgemm_selected_kernel();
  CHECK(kern.isa == want);
  CHECK(std::string(kern.name).find(isa_name(want)) != std::string::npos);
  MESSAGE("IK_ISA=" << std::string(forced) << ": sgemm runs " << std::string(kern.name));
  // And the dispatched call computes the right thing through that variant.
  const float A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {1, 0, 0, 1, 1, 1};
  float C[4] = {-1, -1, -1, -1};
  cpu::sgemm(cpu::Layout::row_major, cpu::Trans::no, cpu::Trans::no, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2);
  CHECK(C[0] == 4);
  CHECK(C[1] == 5);
  CHECK(C[2] == 10);
  CHECK(C[3] == 11);
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
