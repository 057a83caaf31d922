#include "core/syscalls.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace socktrace {

namespace {

constexpr const auto& kNetwork = kNetworkSyscalls;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto pos = s.find(sep);
    out.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) return out;
    s.remove_prefix(pos + 1);
  }
}

}  // namespace

std::span<const SyscallInfo> network_syscalls() { return kNetwork; }

std::string_view known_syscall_name(uint32_t nr) {
  for (const auto& s : kNetwork)
    if (s.nr == nr) return s.name;
  return {};
}

std::string syscall_name(uint32_t nr) {
  std::string_view known = known_syscall_name(nr);
  return known.empty() ? fmt::format("syscall_{}", nr) : std::string(known);
}

std::optional<uint32_t> syscall_nr(std::string_view name) {
  for (const auto& s : kNetwork)
    if (s.name == name) return s.nr;
  return std::nullopt;
}

std::optional<std::vector<uint32_t>> parse_trace_list(const std::vector<std::string>& exprs,
                                                      std::string* error) {
  std::vector<uint32_t> all;
  for (const auto& s : kNetwork) all.push_back(s.nr);
  std::sort(all.begin(), all.end());
  if (exprs.empty()) return all;

  std::vector<uint32_t> selected;
  for (std::string_view expr : exprs) {
    if (expr.starts_with("trace=")) {
      expr.remove_prefix(6);
    } else if (expr.find('=') != std::string_view::npos) {
      *error = fmt::format("-e {}: only trace=LIST is supported (e.g. -e trace=connect,accept4)", expr);
      return std::nullopt;
    }
    bool negate = expr.starts_with('!');
    if (negate) expr.remove_prefix(1);
    std::vector<uint32_t> set;
    for (std::string_view name : split(expr, ',')) {
      if (name == "%network" || name == "%net" || name == "network" || name == "all") {
        set.insert(set.end(), all.begin(), all.end());
      } else if (auto nr = syscall_nr(name)) {
        set.push_back(*nr);
      } else if (name.empty()) {
        *error = fmt::format("-e trace={}: empty syscall name; give a comma-separated list such as connect,sendto", expr);
        return std::nullopt;
      } else {
        *error = fmt::format(
            "-e trace: '{}' is not a syscall socktrace traces; use names of the %network class "
            "(socket, connect, accept4, sendto, recvmsg, ...) or %network",
            name);
        return std::nullopt;
      }
    }
    if (negate) {
      std::vector<uint32_t> rest;
      for (uint32_t nr : all)
        if (std::find(set.begin(), set.end(), nr) == set.end()) rest.push_back(nr);
      set = rest;
    }
    selected.insert(selected.end(), set.begin(), set.end());
  }
  std::sort(selected.begin(), selected.end());
  selected.erase(std::unique(selected.begin(), selected.end()), selected.end());
  return selected;
}

bool overwrites_lengths(uint32_t nr) {
  for (std::string_view name :
       {"accept", "accept4", "getsockname", "getpeername", "recvfrom", "getsockopt", "recvmsg", "recvmmsg", "sendfile"})
    if (syscall_nr(name) == nr) return true;
  return false;
}

}  // namespace socktrace
