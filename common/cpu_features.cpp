#include "common/cpu_features.h"

#include <cpuid.h>
#ifdef __linux__
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <cstdint>
#include <cstdlib>

#include "common/error.h"

namespace ik {
namespace {

std::uint64_t read_xcr0() {
  std::uint32_t eax, edx;
  // xgetbv with ECX = 0; only legal when CPUID.1:ECX.OSXSAVE[bit 27] is set (checked by caller).
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27);
  const bool cpu_avx = c & (1u << 28);
  f.fma = c & (1u << 12);
  f.f16c = c & (1u << 29);
  if (osxsave && cpu_avx) {
    std::uint64_t xcr0 = read_xcr0();
    f.os_avx = (xcr0 & 0x6) == 0x6;
    f.os_avx512 = f.os_avx && (xcr0 & 0xE0) == 0xE0;
  }
  if (__get_cpuid_max(0, nullptr) >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = b & (1u << 5);
    f.avx512f = b & (1u << 16);
    f.avx512dq = b & (1u << 17);
    f.avx512bw = b & (1u << 30);
    f.avx512vl = b & (1u << 31);
    f.avx512vnni = c & (1u << 11);
    f.avx512vpopcntdq = c & (1u << 14);
    f.avx512bitalg = c & (1u << 12);
    f.amx_bf16 = d & (1u << 22);
    f.amx_tile = d & (1u << 24);
    f.amx_int8 = d & (1u << 25);
    if (osxsave && (read_xcr0() & (3ull << 17)) != (3ull << 17)) f.amx_tile = false;
    if (!osxsave) f.amx_tile = false;
    if (!f.amx_tile) f.amx_bf16 = f.amx_int8 = false;
    __cpuid_count(7, 1, a, b, c, d);
    f.avxvnni = a & (1u << 4);
    f.avx512bf16 = a & (1u << 5);
  }
  // Without OS support for the state, the instructions fault: report them as absent.
  if (!f.os_avx) f.avx2 = f.fma = f.f16c = f.avxvnni = false;
  if (!f.os_avx512)
    f.avx512f = f.avx512bw = f.avx512vl = f.avx512dq = f.avx512vnni = f.avx512bf16 =
        f.avx512vpopcntdq = f.avx512bitalg = false;
  return f;
}

FeatureMask mask_of(const CpuFeatures& f, bool amx_ok) {
  FeatureMask m = 0;
  auto set = [&](FeatureMask bit, bool on) { if (on) m |= bit; };
  set(feature::avx2, f.avx2);
  set(feature::fma, f.fma);
  set(feature::f16c, f.f16c);
  set(feature::avx512f, f.avx512f);
  set(feature::avx512bw, f.avx512bw);
  set(feature::avx512vl, f.avx512vl);
  set(feature::avx512dq, f.avx512dq);
  set(feature::avx512vnni, f.avx512vnni);
  set(feature::avx512bf16, f.avx512bf16);
  set(feature::avx512vpopcntdq, f.avx512vpopcntdq);
  set(feature::avx512bitalg, f.avx512bitalg);
  set(feature::avxvnni, f.avxvnni);
  set(feature::amx_tile, f.amx_tile && amx_ok);
  set(feature::amx_int8, f.amx_int8 && amx_ok);
  set(feature::amx_bf16, f.amx_bf16 && amx_ok);
  return m;
}

// Asked once, while the features are detected (cpu_features() then caches the answer in mask).
bool amx_permitted_for(const CpuFeatures& f) {
  if (!f.amx_tile) return false;
#ifdef __linux__
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = [] {
    CpuFeatures f = detect();
    f.mask = mask_of(f, f.amx_tile && amx_permitted_for(f));
    return f;
  }();
  return features;
}

const char* feature_name(FeatureMask bit) {
  static const char* const names[feature::kCount] = {
      "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512vnni",
      "avx512bf16", "avx512vpopcntdq", "avx512bitalg", "avxvnni", "amx-tile", "amx-int8", "amx-bf16"};
  for (int i = 0; i < feature::kCount; ++i)
    if (bit == (1ull << i)) return names[i];
  return "?";
}

std::string feature_names(FeatureMask mask) {
  std::string s;
  for (int i = 0; i < 64; ++i)
    if (mask & (1ull << i)) {
      if (!s.empty()) s += ' ';
      s += feature_name(1ull << i);
    }
  return s.empty() ? "none" : s;
}

std::string cpu_features_string() {
  const CpuFeatures& f = cpu_features();
  std::string s = "cpu:";
  if (f.os_avx) s += " os-avx";
  if (f.os_avx512) s += " os-avx512";
  if (f.mask) s += " " + feature_names(f.mask);
  if (f.amx_tile && !(f.mask & feature::amx_tile)) s += " amx (tile state not permitted)";
  return s;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "?";
}

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return cpu_features().has_avx2_path();
    case Isa::avx512: return cpu_features().has_avx512_path();
  }
  return false;
}

Isa parse_isa(const std::string& name, const char* what) {
  if (name == "scalar") return Isa::scalar;
  if (name == "avx2") return Isa::avx2;
  if (name == "avx512") return Isa::avx512;
  detail::throw_error("ik::parse_isa", what, " = '", name, "' is not one of scalar, avx2, avx512");
}

Isa selected_isa() {
  if (const char* forced = std::getenv("IK_ISA"); forced && *forced) {
    Isa isa = parse_isa(forced);
    IK_REQUIRE(isa_supported(isa), "ik::selected_isa", "IK_ISA = ", forced,
               " but this CPU/OS cannot run it (", cpu_features_string(), ")");
    return isa;
  }
  if (isa_supported(Isa::avx512)) return Isa::avx512;
  if (isa_supported(Isa::avx2)) return Isa::avx2;
  return Isa::scalar;
}

}  // namespace ik
