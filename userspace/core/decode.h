// Pure decoders from ring-buffer bytes to typed events: the only place that
// knows the ABI layout of include/socktrace/events.h.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "core/event.h"

namespace socktrace {

enum class DecodeError { kShort, kBadSize, kUnknownKind, kBadBlob };

// The event in `bytes`, or nothing when the bytes are short, the size field
// disagrees with the kind, or the kind is unknown. Never reads past `bytes`.
std::optional<Event> decode(std::span<const std::byte> bytes, DecodeError* why = nullptr);

// The ST_BLOB_FDINFO blob (with ST_BLOB_FDPATH, a file's path) for `which`
// (0: the fd argument, 1: the returned fd, 2/3: socketpair's, 4: sendfile's
// in_fd, ST_SCM_FD_IOV + k: the k-th SCM_RIGHTS fd of message `msg`), or
// nothing.
std::optional<FdInfo> decode_fdinfo(const SyscallEvent& e, uint8_t which, uint8_t msg = 0);

}  // namespace socktrace
