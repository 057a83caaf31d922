#include "core/error.h"

#include <cstring>

namespace socktrace {

std::string errno_message(const std::string& what, int err) { return what + ": " + std::strerror(err); }

}  // namespace socktrace
