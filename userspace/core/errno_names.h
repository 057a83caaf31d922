// errno names and messages exactly as strace 6.1 prints them, including the
// kernel-internal codes (ERESTARTSYS...) a traced syscall can return.
#pragma once

#include <string_view>

namespace socktrace {

// "ECONNREFUSED" for 111; empty when strace has no name for the code.
std::string_view errno_name(int err);
// "Connection refused": glibc's strerror text, which is what strace prints
// ("Unknown error 512" for codes glibc does not know); empty for codes
// outside the table, for which glibc says "Unknown error N".
std::string_view errno_message(int err);

}  // namespace socktrace
