// CPU feature detection and the ISA choice every dispatcher uses.
//
// A feature counts only when both CPUID reports it and the OS saves its register state on a
// context switch (XGETBV(XCR0), Intel SDM Vol. 1 §13.3): AVX needs XCR0 bits 1-2 (SSE, YMM),
// AVX-512 also bits 5-7 (opmask, ZMM_Hi256, Hi16_ZMM). A CPU with AVX-512 under an OS or
// hypervisor that does not enable that state must run the AVX2 path, not fault.
//
// IK_ISA=scalar|avx2|avx512 in the environment forces a path (tests use it to prove which one
// ran); forcing a path the CPU cannot run throws ik::Error instead of crashing later.
#pragma once
#include <cstdint>
#include <string>

namespace ik {

// One bit per instruction-set extension a kernel may use. A registry entry lists every bit its
// code needs (common/dispatch.h); the CPU's mask has a bit only when CPUID reports the extension
// and the OS saves its register state. New extensions take the next free bit.
using FeatureMask = std::uint64_t;
namespace feature {
constexpr FeatureMask avx2 = 1ull << 0;
constexpr FeatureMask fma = 1ull << 1;
constexpr FeatureMask f16c = 1ull << 2;
constexpr FeatureMask avx512f = 1ull << 3;
constexpr FeatureMask avx512bw = 1ull << 4;
constexpr FeatureMask avx512vl = 1ull << 5;
constexpr FeatureMask avx512dq = 1ull << 6;
constexpr FeatureMask avx512vnni = 1ull << 7;
constexpr FeatureMask avx512bf16 = 1ull << 8;
constexpr FeatureMask avx512vpopcntdq = 1ull << 9;
constexpr FeatureMask avx512bitalg = 1ull << 10;
constexpr FeatureMask avxvnni = 1ull << 11;     // VEX-encoded VNNI (Alder Lake, Sapphire Rapids, Zen 5)
constexpr FeatureMask amx_tile = 1ull << 12;    // only with the Linux permission (cpu_features.cpp)
constexpr FeatureMask amx_int8 = 1ull << 13;
constexpr FeatureMask amx_bf16 = 1ull << 14;
constexpr int kCount = 15;
// The bundles every file of an ISA level is compiled with (the family manifests' flags):
// *_avx2 files -mavx2 -mfma -mf16c; *_avx512 files those plus -mavx512f/bw/vl/dq.
constexpr FeatureMask avx2_bundle = avx2 | fma | f16c;
constexpr FeatureMask avx512_bundle = avx2_bundle | avx512f | avx512bw | avx512vl | avx512dq;
}  // namespace feature

// The name of one feature bit ("avx512vnni"), or "?" for a bit without a name.
const char* feature_name(FeatureMask bit);
// Space-separated names of the bits of mask ("avx512vnni amx-int8"); "none" when empty.
std::string feature_names(FeatureMask mask);

struct CpuFeatures {
  bool os_avx = false;      // XCR0 enables SSE+YMM state
  bool os_avx512 = false;   // XCR0 enables opmask+ZMM state
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx512bf16 = false, avx512vpopcntdq = false;
  bool avx512bitalg = false;
  bool avxvnni = false;     // VEX-encoded VNNI (Alder Lake / Sapphire Rapids)
  // AMX (Intel SDM Vol. 1 ch. 18): CPUID.(7,0):EDX bits 24 (TILE), 22 (BF16), 25 (INT8), and
  // XCR0 bits 17-18 (XTILECFG, XTILEDATA). Linux also wants a per-process request before the
  // first tile instruction: arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA), Linux >= 5.16
  // (Documentation/arch/x86/xstate.rst), asked once when the features are detected; without it
  // the first tile instruction raises SIGILL. The mask below has the AMX bits only if granted.
  bool amx_tile = false, amx_bf16 = false, amx_int8 = false;
  // The same facts as one mask of feature:: bits: what registry entries are checked against.
  FeatureMask mask = 0;

  // The bundles our ISA paths are compiled for (common/manifest.mk's IK_FLAGS_AVX2 / _AVX512).
  bool has_avx2_path() const { return (mask & feature::avx2_bundle) == feature::avx2_bundle; }
  bool has_avx512_path() const { return (mask & feature::avx512_bundle) == feature::avx512_bundle; }
};

// Detected once, on first use.
const CpuFeatures& cpu_features();

// One line listing what was detected, for test and benchmark logs.
std::string cpu_features_string();

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

const char* isa_name(Isa isa);
// Whether this CPU (and OS) can run code compiled for `isa`.
bool isa_supported(Isa isa);
// The best supported ISA, or the one forced by IK_ISA (throws ik::Error if the value is unknown
// or names an ISA this CPU cannot run). Read from the environment on every call, so a test can
// set IK_ISA with setenv and see the effect.
Isa selected_isa();
// Parse "scalar" | "avx2" | "avx512"; throws ik::Error naming `what` otherwise.
Isa parse_isa(const std::string& name, const char* what = "IK_ISA");

}  // namespace ik
