#include "core/trouble.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/names.h"

namespace socktrace {

namespace {
constexpr std::array<std::string_view, kTroubleKinds> kNames = {"retrans", "rst", "connect_failed",
                                                                "listen_overflow"};

std::vector<TopEntry> largest(std::vector<TopEntry> all, std::size_t n) {
  std::sort(all.begin(), all.end(), [](const TopEntry& a, const TopEntry& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  if (all.size() > n) all.resize(n);
  return all;
}
}  // namespace

std::string_view trouble_name(Trouble t) { return kNames[static_cast<std::size_t>(t) % kTroubleKinds]; }

std::optional<Trouble> trouble_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (name.size() != kNames[i].size()) continue;
    bool same = true;
    for (std::size_t j = 0; j < name.size() && same; ++j)
      same = std::tolower(static_cast<unsigned char>(name[j])) == kNames[i][j];
    if (same) return static_cast<Trouble>(i);
  }
  return std::nullopt;
}

void TroubleCounts::add(Trouble t, const Header& owner, uint16_t lport, uint16_t rport, uint64_t n) {
  if (n == 0 || !filter_.admits(owner.pid, owner.comm.view(), lport, rport)) return;
  auto k = static_cast<std::size_t>(t);
  totals_[k] += n;
  std::string key = owner.pid ? fmt::format("{}/{}", owner.comm.view(), owner.pid) : std::string("?");
  Row& row = by_process_[key];
  if (row.key.empty()) {
    row.key = key;
    row.pid = owner.pid;
    row.comm = std::string(owner.comm.view());
  }
  row.counts[k] += n;
  // A failed connect's local port is an ephemeral one: it counts under
  // the port it tried to reach.
  by_port_[t == Trouble::kConnectFailed ? rport : lport][k] += n;
}

void TroubleCounts::on_retrans(const RetransEvent& e) {
  add(Trouble::kRetrans, e.hdr, e.sport, e.dport, e.synack ? 1 : e.segs);
}

void TroubleCounts::on_reset(const ResetEvent& e) { add(Trouble::kRst, e.hdr, e.sport, e.dport, 1); }

void TroubleCounts::on_state(const StateEvent& e) {
  if (e.old_state == kTcpSynSent && e.new_state == kTcpClose && e.sk_err != 0)
    add(Trouble::kConnectFailed, e.hdr, e.sport, e.dport, 1);
}

void TroubleCounts::on_listen_drops(const Header& owner, uint16_t lport, uint64_t n) {
  add(Trouble::kListenOverflow, owner, lport, 0, n);
}

std::vector<TopEntry> TroubleCounts::top_processes(Trouble t, std::size_t n) const {
  std::vector<TopEntry> all;
  for (const auto& [key, row] : by_process_)
    if (row.counts[static_cast<std::size_t>(t)]) all.push_back({key, row.counts[static_cast<std::size_t>(t)]});
  return largest(std::move(all), n);
}

std::vector<TopEntry> TroubleCounts::top_ports(Trouble t, std::size_t n) const {
  std::vector<TopEntry> all;
  for (const auto& [port, counts] : by_port_)
    if (counts[static_cast<std::size_t>(t)]) all.push_back({std::to_string(port), counts[static_cast<std::size_t>(t)]});
  return largest(std::move(all), n);
}

std::vector<TroubleCounts::Row> TroubleCounts::processes() const {
  std::vector<Row> out;
  for (const auto& [key, row] : by_process_) out.push_back(row);
  std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
  return out;
}

std::vector<TroubleCounts::Row> TroubleCounts::ports() const {
  std::vector<Row> out;
  for (const auto& [port, counts] : by_port_) {
    Row r;
    r.key = std::to_string(port);
    r.port = port;
    r.counts = counts;
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) { return a.port < b.port; });
  return out;
}

}  // namespace socktrace
