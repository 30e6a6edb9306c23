// ik::Error: the one exception type every public entry point throws on bad input.
//
// Public entry points validate each argument and throw ik::Error whose message names the
// function, the argument and the bad value ("ik::cpu::sgemm: lda = 3 < K = 5"). Inner
// microkernels assume validated input and never throw.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace ik {

class Error : public std::invalid_argument {
 public:
  explicit Error(const std::string& what) : std::invalid_argument(what) {}
};

namespace detail {
template <typename... Parts>
[[noreturn]] inline void throw_error(const char* where, const Parts&... parts) {
  std::ostringstream os;
  os << where << ": ";
  (os << ... << parts);
  throw Error(os.str());
}
}  // namespace detail
}  // namespace ik

// IK_REQUIRE(cond, where, message parts...): throw ik::Error("where: parts...") unless cond.
#define IK_REQUIRE(cond, where, ...)                                  \
  do {                                                                \
    if (!(cond)) ::ik::detail::throw_error((where), __VA_ARGS__);     \
  } while (0)
