// SIGINT/SIGTERM end a trace cleanly: the loop sees stop_requested(), drains
// the ring buffer, reports losses, exits 0. SIGPIPE is ignored so a closed
// output pipe is a write error the Output handles.
#pragma once

namespace socktrace {

void install_stop_signals();
bool stop_requested();
// SIGHUP asks a log to reopen its file (logrotate's copytruncate-free way).
void install_reopen_signal();
// True once per SIGHUP received since the last call.
bool take_reopen_request();
// The signal that asked to stop, 0 if none.
int stop_signal();
// A child's exit (SIGCHLD) interrupts the ring-buffer poll, so that the
// trace of a command ends as soon as the command does. Other calls restart.
void install_child_signal();

}  // namespace socktrace
