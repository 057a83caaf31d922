// Errors that reach the user. Setup problems are exceptions caught once in
// main; per-event problems are values that are counted and reported.
#pragma once

#include <stdexcept>
#include <string>

namespace socktrace {

// Exit codes of the CLI contract.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

// A mistake the user can fix (bad option, unknown pid, missing privilege,
// unwritable file): one line on stderr, exit 2. The message says what is
// wrong and how to fix it.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Something failed while running (the kernel refused a map update, a write
// failed): one line on stderr, exit 1.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "what: strerror(err)"
std::string errno_message(const std::string& what, int err);

}  // namespace socktrace
