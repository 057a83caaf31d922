// One small logging module: spdlog to stderr as "socktrace: message".
#pragma once

namespace socktrace {

// verbosity: 0 warnings and errors, 1 info, 2+ debug (libbpf's debug too).
void setup_logging(int verbosity);

}  // namespace socktrace
