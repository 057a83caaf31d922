#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace socktrace::testing {

Netns::Netns(const std::string& prefix, const std::string& tag) {
  name_ = prefix + "-" + std::to_string(getpid()) + "-" + tag;
  if (std::system(("ip netns add " + name_).c_str()) != 0) throw std::runtime_error("ip netns add failed");
  if (std::system(("ip -n " + name_ + " link set lo up").c_str()) != 0)
    throw std::runtime_error("ip link set lo up failed");
}

Netns::~Netns() { std::system(("ip netns delete " + name_ + " 2>/dev/null").c_str()); }

Inside::Inside(const Netns* ns) {
  if (!ns) return;
  self_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int fd = open(ns->path().c_str(), O_RDONLY | O_CLOEXEC);
  if (self_ < 0 || fd < 0 || setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("setns into " + ns->name());
  close(fd);
}

Inside::~Inside() {
  if (self_ < 0) return;
  if (setns(self_, CLONE_NEWNET) != 0) std::abort();  // the rest of the test would run in the wrong place
  close(self_);
}

Counts ss_counts_in(const Netns* ns, const std::string& flags, const std::string& filter) {
  std::string cmd = (ns ? "ip netns exec " + ns->name() + " " : std::string()) + "ss -H " + flags;
  if (!filter.empty()) cmd += " '" + filter + "'";
  return ss_state_counts(run_capture(cmd));
}

void settle_netns(const Netns* ns) {
  for (int i = 0; i < 100; ++i) {
    Counts c = ss_counts_in(ns, "-tan");
    if (!c.count("FIN_WAIT1") && !c.count("LAST_ACK") && !c.count("CLOSING") && !c.count("SYN_SENT")) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace socktrace::testing
