// `socktrace top`: one refresh of the histogram as a terminal table (counts
// per state, change since the last refresh, the largest owners / local
// ports / remote addresses per state) or as one JSON `hist` object.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/groups.h"
#include "core/histogram.h"
#include "core/json.h"
#include "core/output.h"
#include "core/trouble.h"

namespace socktrace {

struct RefreshInfo {
  uint64_t epoch_ns = 0;
  uint64_t monotonic_ns = 0;
  uint64_t lost = 0;   // events lost since start (all causes)
  uint64_t drift = 0;  // drift found by the last reconciliation
  uint64_t drift_total = 0;  // by every reconciliation so far
  uint64_t reconciles = 0;
};

class TopView {
 public:
  // `clear_screen`: redraw in place (a terminal, not --once).
  TopView(Output& out, bool json, bool clear_screen, std::size_t top_n = 3)
      : out_(out), json_(json), clear_(clear_screen), top_n_(top_n) {}

  // `trouble`: also show retransmissions, RSTs, failed connects and listen
  // overflows per second, per process and per local port (`top` with BPF).
  // `groups`: top --by's rows (grouped by `by`, sorted by `sort`), shown
  // after the states (text) or as the hist object's "groups" (JSON).
  void refresh(const Histogram& h, const RefreshInfo& info, const TroubleCounts* trouble = nullptr,
               const std::vector<Group>* groups = nullptr);
  void group(GroupBy by, std::optional<uint8_t> sort) {
    by_ = by;
    sort_ = sort;
  }
  // Keep each refresh's JSON `hist` object (also when the output is text),
  // for the HTTP endpoint beside /metrics.
  void keep_json() { keep_json_ = true; }
  // The last refresh's `hist` object, one line ("" before the first).
  const std::string& last_json() const { return last_json_; }

 private:
  // Rates are per second since the last refresh; none at the first.
  void text(const Histogram& h, const RefreshInfo& info, std::optional<double> rate, std::optional<double> new_rate,
            const std::vector<Group>* groups);
  void json(const Histogram& h, const RefreshInfo& info, std::optional<double> rate, std::optional<double> new_rate,
            const std::string& trouble, const std::vector<Group>* groups);
  GroupBy by_ = GroupBy::kContainer;
  std::optional<uint8_t> sort_;

  Output& out_;
  bool json_;
  bool clear_;
  std::size_t top_n_;
  fmt::memory_buffer buf_;
  bool keep_json_ = false;
  std::string last_json_;
  bool first_ = true;
  StateCounts last_tcp_{};
  StateCounts last_udp_{};
  uint64_t last_transitions_ = 0;
  uint64_t last_new_ = 0;
  uint64_t last_ns_ = 0;
  // Trouble as of the last refresh, to show what grew since.
  struct TroubleRow {
    std::string key;
    uint64_t delta = 0;
    uint64_t total = 0;
  };
  // Per kind: every process / port with its growth since the last refresh,
  // the largest first (by total at the first refresh).
  std::vector<TroubleRow> trouble_rows(const std::vector<TroubleCounts::Row>& rows,
                                       const std::unordered_map<std::string, TroubleArray>& last, std::size_t kind) const;
  void trouble_text(const TroubleCounts& t, std::optional<double> dt);
  std::string trouble_json(const TroubleCounts& t, std::optional<double> dt) const;
  TroubleArray last_trouble_{};
  std::unordered_map<std::string, TroubleArray> last_processes_;
  std::unordered_map<std::string, TroubleArray> last_ports_;
};

}  // namespace socktrace
