// Network namespaces of a test's own, for the --netns / --cgroup view tests:
// a namespace, a thread switched into one for a scope, and ss run inside one.
#pragma once

#include <cstdint>
#include <string>

#include "harness.h"

namespace socktrace::testing {

// A network namespace of the test's own, its loopback up, named uniquely
// ("<prefix>-<pid>-<tag>"); deleted with every socket still in it at the end.
class Netns {
 public:
  Netns(const std::string& prefix, const std::string& tag);
  ~Netns();
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  const std::string& name() const { return name_; }
  std::string path() const { return "/run/netns/" + name_; }
  uint64_t inode() const { return inode_of(path()); }

 private:
  std::string name_;
};

// The calling thread inside `ns` (nullptr: stays where it is) until the end
// of the scope.
class Inside {
 public:
  explicit Inside(const Netns* ns);
  ~Inside();
  Inside(const Inside&) = delete;
  Inside& operator=(const Inside&) = delete;

 private:
  int self_ = -1;
};

// `ss -H <flags> '<filter>'` in `ns` (nullptr: the host), counts per state
// (non-zero only).
Counts ss_counts_in(const Netns* ns, const std::string& flags, const std::string& filter = "");

// Waits (up to 2 s) until no TCP socket of `ns` (nullptr: the host) is in a
// state that lasts only until the next ACK (FIN-WAIT-1, LAST-ACK, CLOSING,
// SYN-SENT): the counts are still while socktrace and ss look.
void settle_netns(const Netns* ns);

}  // namespace socktrace::testing
