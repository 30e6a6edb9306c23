// One registry rule and one dispatch rule for every family.
//
// A family keeps a registry: a std::vector of its kernel type, each entry derived from
// KernelInfo (name, ISA level, the CPU features its code needs, register tile), ordered from
// the slowest to the fastest within each ISA level. Every entry is built in the family's
// baseline (no ISA flags) source file, from constants and function pointers the ISA files
// export: no code compiled with AVX-512 flags runs before the CPU has been checked (a
// factory function in an AVX-512 file may be vectorized by the compiler and raise SIGILL on an
// AVX2 machine when the registry is built, whatever the dispatcher later decides).
//
// Selection (select_kernel):
//   - runnable(k): every feature bit of k.requires is in cpu_features().mask.
//   - IK_ISA unset: the last runnable entry of the highest level the CPU runs.
//   - IK_ISA = scalar | avx2 | avx512 caps the level. A value this CPU cannot run (avx512 on
//     an AVX2 machine) or an unknown value throws ik::Error naming IK_ISA, in every family.
//     Within a level the CPU runs, the family takes its last runnable entry of that level; a
//     family without one there (xnor GEMM on an AVX-512 CPU without VPOPCNTDQ) takes its best
//     runnable entry of a lower level and says so once on stderr. The same rule for every
//     family; tests/cpu/test_dispatch.cpp checks it across all registries.
//   - options.kernel (an explicit entry): used as given, ik::Error if it cannot run here.
//
// Threads: resolve_threads is the one reading of an options.threads argument.
#pragma once
#include <omp.h>

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "common/cpu_features.h"
#include "common/error.h"

namespace ik {

struct KernelInfo {
  const char* name = "";            // registry name, "<op>_<types>_<tile>__<isa>" (README: naming)
  Isa isa = Isa::scalar;             // the IK_ISA level this entry belongs to
  FeatureMask requires = 0;          // every feature:: bit its code uses
  int mr = 1, nr = 1;                // register tile (rows x columns of the output); 1 x 1: none
};

// A registry entry with a table of microkernels, ukernel[m - 1] for m = 1..mr rows. The table
// is a constexpr std::array in the ISA file, so its length is MR by type: set_ukernels takes mr
// from it, and a table of the wrong length cannot be registered.
template <class Ukernel>
struct TiledKernel : KernelInfo {
  const Ukernel* ukernel = nullptr;
  template <std::size_t MR>
  constexpr void set_ukernels(const std::array<Ukernel, MR>& table) {
    ukernel = table.data();
    mr = static_cast<int>(MR);
  }
};

// The fields every registry entry names, in one call: entry<Kernel>(name, level, features), and
// for a tiled entry also its microkernel table (MR from its length) and NR. The argument types
// differ (const char*, Isa, FeatureMask, std::array), so a swapped argument does not compile.
template <class Kernel>
constexpr Kernel entry(const char* name, Isa isa, FeatureMask requires) {
  Kernel k;
  k.name = name;
  k.isa = isa;
  k.requires = requires;
  return k;
}
template <class Kernel, class Ukernel, std::size_t MR>
constexpr Kernel tiled_entry(const char* name, Isa isa, FeatureMask requires, const std::array<Ukernel, MR>& table,
                             int nr) {
  Kernel k = entry<Kernel>(name, isa, requires);
  k.set_ukernels(table);
  k.nr = nr;
  return k;
}

// Whether this CPU (and OS, and the AMX permission) runs every feature k needs.
inline bool kernel_runnable(const KernelInfo& k) { return (k.requires & ~cpu_features().mask) == 0; }
// The features k needs that this CPU lacks, by name ("avx512vnni amx-int8"); "none" if runnable.
inline std::string missing_features(const KernelInfo& k) {
  return feature_names(k.requires & ~cpu_features().mask);
}

namespace detail {
// The core of select_kernel over the KernelInfo of each entry, in registry order.
std::size_t select_index(const char* family, const std::vector<const KernelInfo*>& entries);
}  // namespace detail

// The entry of `registry` this CPU runs best, or the one IK_ISA asks for (rule above). Reads
// IK_ISA on every call, so a test can setenv it. Throws ik::Error naming IK_ISA when the value
// is unknown or names a level this CPU cannot run, and when no entry is runnable at all.
template <class Kernel>
const Kernel& select_kernel(const char* family, const std::vector<Kernel>& registry) {
  std::vector<const KernelInfo*> infos;
  infos.reserve(registry.size());
  for (const Kernel& k : registry) infos.push_back(&k);
  return registry[detail::select_index(family, infos)];
}

// options.kernel given explicitly: it must run here. `what` names the argument.
inline void require_runnable(const char* where, const char* what, const KernelInfo& k) {
  IK_REQUIRE(kernel_runnable(k), where, what, " = ", k.name, " needs ", missing_features(k),
             ", which this CPU/OS cannot run (", cpu_features_string(), ")");
}

// options.kernel (`requested`) if given and runnable here, else the selected entry: the one
// reading of an options.kernel argument.
template <class Kernel>
const Kernel& resolve_kernel(const char* where, const Kernel* requested, const Kernel& (*selected)(),
                             const char* what = "options.kernel") {
  if (!requested) return selected();
  require_runnable(where, what, *requested);
  return *requested;
}

// options.threads: 0 means every OpenMP thread (OMP_NUM_THREADS), negative is an error.
inline int resolve_threads(const char* where, int threads) {
  IK_REQUIRE(threads >= 0, where, "options.threads = ", threads, " must be >= 0");
  return threads > 0 ? threads : omp_get_max_threads();
}

}  // namespace ik
