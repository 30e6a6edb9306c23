// select_kernel's rule (common/dispatch.h), in one place for every family.
#include "common/dispatch.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

namespace ik::detail {

std::size_t select_index(const char* family, const std::vector<const KernelInfo*>& entries) {
  constexpr const char* where = "ik::select_kernel";
  const char* forced = std::getenv("IK_ISA");
  const bool is_forced = forced && *forced;
  // selected_isa() parses IK_ISA and throws naming it when the value is unknown or unrunnable.
  const Isa cap = selected_isa();
  std::size_t best = entries.size();
  for (std::size_t i = entries.size(); i-- > 0;)
    if (entries[i]->isa == cap && kernel_runnable(*entries[i])) return i;
  for (std::size_t i = entries.size(); i-- > 0;) {
    const KernelInfo& k = *entries[i];
    if (static_cast<int>(k.isa) >= static_cast<int>(cap) || !kernel_runnable(k)) continue;
    if (best == entries.size() || static_cast<int>(k.isa) > static_cast<int>(entries[best]->isa)) best = i;
  }
  IK_REQUIRE(best < entries.size(), where, family, ": no registry entry runs on this CPU (",
             cpu_features_string(), ")");
  if (is_forced) {
    static std::mutex mu;
    static std::set<std::string> told;
    std::lock_guard<std::mutex> lock(mu);
    if (told.insert(family).second) {
      std::string why;
      for (const KernelInfo* k : entries)
        if (k->isa == cap) why += std::string(why.empty() ? "" : ", ") + k->name + " needs " + missing_features(*k);
      std::fprintf(stderr, "ik: IK_ISA=%s: %s has no %s variant this CPU runs (%s); running %s\n", forced, family,
                   isa_name(cap), why.empty() ? "none registered" : why.c_str(), entries[best]->name);
    }
  }
  return best;
}

}  // namespace ik::detail
