// `socktrace top --list`: one row per socket, as `ss -tuanp` lists them,
// with what ss cannot say: how long each socket has been in its state and
// which processes held it before its owner.
//
// The rows are a sock_diag dump (the sockets as they are now: queues, bytes,
// addresses) joined by cookie with the live histogram (the time each socket
// entered its state, its owners as the events showed them). Pure: the dump
// comes in as SockRecords.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/cgroups.h"
#include "core/histogram.h"
#include "core/output.h"

namespace socktrace {

struct SocketRow {
  SockRecord sock;  // state as ss shows it (SYN_RECV for a request socket, CLOSE for UNCONN)
  uint64_t age_ns = 0;
  bool age_bound = true;  // at least this long: it entered its state before socktrace saw it
  std::vector<OwnerRef> owners_before;
};

// What --list shows: bits of TCP_* states (1 << state, ss's SYN_RECV and
// UNCONN as SYN_RECV and CLOSE), and which protocols.
struct ListQuery {
  uint32_t states = ~0u;
  bool tcp = true;
  bool udp = true;
};

// A state for --state, as socktrace or ss spells it (CLOSE_WAIT, close-wait,
// estab, unconn, syn-recv); nothing for anything else.
std::optional<uint8_t> parse_list_state(std::string_view text);

// The rows of `tcp` and `udp` (dumps taken after `h` last took events) that
// `h`'s filter and `q` admit, at monotonic time now_ns: owner, cgroup and
// age from `h` where it counts the socket in the same state, else from the
// dump's record. Sorted as top lists states (TCP first, the states in
// kernel order), the oldest first within a state.
std::vector<SocketRow> list_sockets(const Histogram& h, std::vector<SockRecord> tcp,
                                    const std::vector<SockRecord>& udp, uint64_t now_ns, const ListQuery& q);

struct ListInfo {
  uint64_t epoch_ns = 0;
  uint64_t lost = 0;  // events lost since start (all causes)
};

// Each refresh of `top --list`: a table as `ss -tuanp` prints it plus the
// age and the earlier owners, or one JSON `sockets` object.
class SocketListView {
 public:
  // `clear_screen`: redraw in place (a terminal, not --once). `container`:
  // the container of a cgroup id (may be empty): its name (else its id) in
  // the text, its fields in the JSON.
  SocketListView(Output& out, bool json, bool clear_screen, ContainerLookup container = {})
      : out_(out), json_(json), clear_(clear_screen), container_(std::move(container)) {}
  void refresh(const std::vector<SocketRow>& rows, const ListInfo& info);

 private:
  void text(const std::vector<SocketRow>& rows, const ListInfo& info);
  void json(const std::vector<SocketRow>& rows, const ListInfo& info);
  Output& out_;
  bool json_;
  bool clear_;
  ContainerLookup container_;
  fmt::memory_buffer buf_;
};

}  // namespace socktrace
