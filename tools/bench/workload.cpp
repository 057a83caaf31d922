// Loopback workloads for socktrace's benchmarks. Bounded in count; prints
// one number: operations per second.
//   workload [--wait] MODE N
//   workload churn N      N TCP connections (connect, accept, server closes, client closes), one
//                         client thread and one server thread
//   workload pingpong N   N 64-byte request/response round trips on one
//                         TCP connection
//   workload udp N        N 64-byte request/response round trips over UDP
//   workload socket N     N socket() + close() pairs (the first event a
//                         tracer of the command sees)
//   workload hold N       opens N established loopback connections (2N
//                         sockets, sources 127.0.0.2-249), writes "ready"
//                         to stdout and holds them until killed
// --wait: before anything else, write "workload: pid PID waiting for
// SIGUSR1" to stderr and wait for SIGUSR1, so that a tracer can attach to
// the pid (`socktrace -p PID`) before the first socket exists.
#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

int listener(int* port) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(l, reinterpret_cast<sockaddr*>(&a), sizeof(a)) || listen(l, 4096)) {
    perror("listen");
    std::exit(1);
  }
  socklen_t len = sizeof(a);
  getsockname(l, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return l;
}

int dial(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a))) {
    perror("connect");
    std::exit(1);
  }
  return s;
}

// The server closes first, as an HTTP/1.0 server does: TIME_WAIT sockets
// (one per connection, for 60 s) then pile up on the listener's port, not on
// the client's ephemeral ports, where they would slow every later connect()'s
// port search: with the client closing first, runs got 2-3x slower as
// earlier runs' TIME_WAIT sockets accumulated (15 600 -> 6 000 conn/s).
double churn(long n) {
  int port;
  int l = listener(&port);
  auto start = std::chrono::steady_clock::now();
  std::thread server([&] {
    for (long i = 0; i < n; ++i) close(accept(l, nullptr, nullptr));
  });
  for (long i = 0; i < n; ++i) {
    int s = dial(port);
    // An orderly close (no SO_LINGER 0): each connection makes the full 10
    // transitions of a real client/server pair, 5 on each end.
    char c;
    while (read(s, &c, 1) > 0) {
    }
    close(s);
  }
  server.join();
  close(l);
  return n / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double pingpong(long n) {
  int port;
  int l = listener(&port);
  std::thread server([&] {
    int s = accept(l, nullptr, nullptr);
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char buf[64];
    for (;;) {
      ssize_t got = recv(s, buf, sizeof(buf), MSG_WAITALL);
      if (got <= 0) break;
      send(s, buf, sizeof(buf), 0);
    }
    close(s);
  });
  int s = dial(port);
  int one = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  char buf[64] = {};
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    send(s, buf, sizeof(buf), 0);
    recv(s, buf, sizeof(buf), MSG_WAITALL);
  }
  double rate = n / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(s);
  server.join();
  close(l);
  return rate;
}

double udp_pingpong(long n) {
  auto bound = [](sockaddr_in* a) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(*a);
    if (bind(s, reinterpret_cast<sockaddr*>(a), sizeof(*a)) ||
        getsockname(s, reinterpret_cast<sockaddr*>(a), &len)) {
      perror("udp bind");
      std::exit(1);
    }
    return s;
  };
  sockaddr_in server_addr{}, client_addr{};
  int server = bound(&server_addr), client = bound(&client_addr);
  // Connected both ways: send()/recv() on each side, no address per call.
  if (connect(client, reinterpret_cast<sockaddr*>(&server_addr), sizeof(server_addr)) ||
      connect(server, reinterpret_cast<sockaddr*>(&client_addr), sizeof(client_addr))) {
    perror("udp connect");
    std::exit(1);
  }
  std::thread echo([&] {
    char buf[64];
    for (long i = 0; i < n; ++i) {
      ssize_t got = recv(server, buf, sizeof(buf), 0);
      if (got <= 0) break;
      send(server, buf, static_cast<size_t>(got), 0);
    }
  });
  char buf[64] = {};
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    send(client, buf, sizeof(buf), 0);
    recv(client, buf, sizeof(buf), 0);
  }
  double rate = n / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  echo.join();
  close(client);
  close(server);
  return rate;
}

double socket_rate(long n) {
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
      perror("socket");
      std::exit(1);
    }
    close(s);
  }
  return n / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Blocks SIGUSR1 first, so that a signal sent as soon as the line is read
// is not lost; threads started later inherit the mask, so only sigwait()
// takes it.
void wait_for_start() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::fprintf(stderr, "workload: pid %d waiting for SIGUSR1\n", static_cast<int>(getpid()));
  std::fflush(stderr);
  int sig = 0;
  sigwait(&set, &sig);
}

}  // namespace

// For top_scale.sh: many sockets at once (raise ulimit -n first).
int hold(long n) {
  int port = 0;
  int l = listener(&port);
  for (long i = 0; i < n; ++i) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(0x7f000002 + static_cast<uint32_t>(i % 248));  // 65k ports per source
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<uint16_t>(port));
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (c < 0 || bind(c, reinterpret_cast<sockaddr*>(&src), sizeof(src)) != 0 ||
        connect(c, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)) != 0 || accept(l, nullptr, nullptr) < 0) {
      std::perror("workload hold");
      return 1;
    }
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) pause();
}

int main(int argc, char** argv) {
  bool wait = argc > 1 && std::string(argv[1]) == "--wait";
  if (wait) --argc, ++argv;
  if (argc != 3) {
    std::fprintf(stderr, "usage: workload [--wait] churn|pingpong|udp|socket|hold N\n");
    return 2;
  }
  long n = std::atol(argv[2]);
  if (n <= 0 || n > 10'000'000) {
    std::fprintf(stderr, "workload: N must be between 1 and 10000000\n");
    return 2;
  }
  std::string mode = argv[1];
  if (mode != "churn" && mode != "pingpong" && mode != "udp" && mode != "socket" && mode != "hold") {
    std::fprintf(stderr, "workload: unknown mode '%s'\n", argv[1]);
    return 2;
  }
  if (wait) wait_for_start();
  if (mode == "hold") return hold(n);
  double rate = mode == "churn"      ? churn(n)
                : mode == "pingpong" ? pingpong(n)
                : mode == "udp"      ? udp_pingpong(n)
                                     : socket_rate(n);
  std::printf("%.0f\n", rate);
  return 0;
}
