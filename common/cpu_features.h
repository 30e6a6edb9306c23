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
#include <string>

namespace ik {

struct CpuFeatures {
  bool os_avx = false;      // XCR0 enables SSE+YMM state
  bool os_avx512 = false;   // XCR0 enables opmask+ZMM state
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx512bf16 = false, avx512vpopcntdq = false;
  bool avxvnni = false;     // VEX-encoded VNNI (Alder Lake / Sapphire Rapids)
  // AMX (Intel SDM Vol. 1 ch. 18): CPUID.(7,0):EDX bits 24 (TILE), 22 (BF16), 25 (INT8), and
  // XCR0 bits 17-18 (XTILECFG, XTILEDATA). Linux also wants a per-process request before the
  // first tile instruction: amx_permitted() below.
  bool amx_tile = false, amx_bf16 = false, amx_int8 = false;

  // The bundles our ISA paths are compiled for (see the Makefile's per-file flags).
  bool has_avx2_path() const { return os_avx && avx2 && fma && f16c; }
  bool has_avx512_path() const {
    return has_avx2_path() && os_avx512 && avx512f && avx512bw && avx512vl && avx512dq;
  }
};

// Detected once, on first use.
const CpuFeatures& cpu_features();

// One line listing what was detected, for test and benchmark logs.
std::string cpu_features_string();

// AMX tile state usable by this process: amx_tile in CPUID/XCR0 and, on Linux >= 5.16, the
// permission asked once with arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)
// (Documentation/arch/x86/xstate.rst); without it the first tile instruction raises SIGILL.
bool amx_permitted();

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
