#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace socktrace {

void setup_logging(int verbosity) {
  auto logger = std::make_shared<spdlog::logger>("socktrace", std::make_shared<spdlog::sinks::stderr_sink_st>());
  logger->set_pattern("socktrace: %v");
  logger->set_level(verbosity >= 2 ? spdlog::level::debug
                    : verbosity == 1 ? spdlog::level::info
                                     : spdlog::level::warn);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace socktrace
