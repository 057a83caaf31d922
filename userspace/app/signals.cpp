#include "app/signals.h"

#include <csignal>

namespace socktrace {

namespace {
volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_reopen = 0;

void on_stop(int sig) { g_stop = sig; }
void on_reopen(int) { g_reopen = 1; }
void on_child(int) {}
}  // namespace

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: interrupt the ring-buffer poll
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() { return g_stop != 0; }

void install_reopen_signal() {
  struct sigaction sa {};
  sa.sa_handler = on_reopen;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &sa, nullptr);
}

bool take_reopen_request() {
  if (!g_reopen) return false;
  g_reopen = 0;
  return true;
}
int stop_signal() { return g_stop; }

void install_child_signal() {
  struct sigaction sa {};
  sa.sa_handler = on_child;
  sigemptyset(&sa.sa_mask);
  // epoll_wait() is never restarted after a handler (signal(7)), whatever
  // SA_RESTART says; writes and reads are.
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, nullptr);
}

}  // namespace socktrace
