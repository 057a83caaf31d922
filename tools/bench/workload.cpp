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
//   workload pipe N       N 64-byte write() + read() pairs on a pipe, one
//                         thread: syscalls that touch no socket (what a
//                         host-wide tracer costs everyone else)
//   workload hold N       opens N established loopback connections (2N
//                         sockets, sources 127.0.0.2-249), writes "ready"
//                         to stdout and holds them until killed
//   workload oow N        N TCP segments far outside the receive window of
//                         one established loopback connection, from a raw
//                         socket (root): each one a packet the kernel drops
//                         for a TCP reason (TCP_INVALID_SEQUENCE or
//                         TCP_OLD_SEQUENCE) on that connection's socket
// --wait: before anything else, write "workload: pid PID waiting for
// SIGUSR1" to stderr and wait for SIGUSR1, so that a tracer can attach to
// the pid (`socktrace -p PID`) before the first socket exists.
#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

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

double pipe_rate(long n) {
  int p[2];
  if (pipe(p)) {
    perror("pipe");
    std::exit(1);
  }
  char buf[64] = {};
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    if (write(p[1], buf, sizeof(buf)) != sizeof(buf) || read(p[0], buf, sizeof(buf)) != sizeof(buf)) {
      perror("pipe write/read");
      std::exit(1);
    }
  }
  double rate = n / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(p[0]);
  close(p[1]);
  return rate;
}

uint16_t checksum(const void* data, std::size_t len, uint32_t sum = 0) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (std::size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (len % 2) sum += static_cast<uint32_t>(p[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

// Segments with a correct checksum and no options (no timestamp: PAWS does
// not look at them), their sequence numbers half the sequence space away
// from the receiver's window: tcp_validate_incoming() drops each one, on
// the accepted socket, after the checksum and before any data or ACK
// processing (and answers some with a rate-limited duplicate ACK). Sent
// through an IPPROTO_RAW socket, which receives nothing: the only drops the
// run adds are these.
double out_of_window(long n) {
  int port;
  int l = listener(&port);
  int c = dial(port);
  int s = accept(l, nullptr, nullptr);
  sockaddr_in me{};
  socklen_t len = sizeof(me);
  getsockname(c, reinterpret_cast<sockaddr*>(&me), &len);
  int raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (raw < 0) {
    perror("workload oow: raw socket (run as root)");
    std::exit(1);
  }
  constexpr std::size_t kPayload = 10;
  std::vector<uint8_t> pkt(sizeof(iphdr) + sizeof(tcphdr) + kPayload);
  auto* ip = reinterpret_cast<iphdr*>(pkt.data());
  auto* th = reinterpret_cast<tcphdr*>(pkt.data() + sizeof(iphdr));
  ip->version = 4;
  ip->ihl = sizeof(iphdr) / 4;
  ip->ttl = 64;
  ip->protocol = IPPROTO_TCP;
  ip->tot_len = htons(static_cast<uint16_t>(pkt.size()));
  ip->saddr = ip->daddr = htonl(INADDR_LOOPBACK);
  th->source = me.sin_port;
  th->dest = htons(static_cast<uint16_t>(port));
  th->doff = sizeof(tcphdr) / 4;
  th->ack = 1;
  th->window = htons(1024);
  // The receiver's next expected sequence number, from the sender's side.
  int on = 1, off = -1, queue = TCP_SEND_QUEUE;  // off: TCP_REPAIR_OFF_NO_WP
  uint32_t snd_nxt = 0;
  socklen_t slen = sizeof(snd_nxt);
  if (setsockopt(c, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)) ||
      setsockopt(c, IPPROTO_TCP, TCP_REPAIR_QUEUE, &queue, sizeof(queue)) ||
      getsockopt(c, IPPROTO_TCP, TCP_QUEUE_SEQ, &snd_nxt, &slen) ||
      setsockopt(c, IPPROTO_TCP, TCP_REPAIR, &off, sizeof(off))) {
    perror("workload oow: TCP_REPAIR");
    std::exit(1);
  }
  th->seq = htonl(snd_nxt + (1u << 30));
  // Pseudo-header: addresses, protocol, TCP length.
  uint32_t pseudo = 2 * (INADDR_LOOPBACK >> 16) + 2 * (INADDR_LOOPBACK & 0xffff) + IPPROTO_TCP +
                    static_cast<uint32_t>(sizeof(tcphdr) + kPayload);
  th->check = checksum(th, sizeof(tcphdr) + kPayload, pseudo);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) {
    if (sendto(raw, pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) !=
        static_cast<ssize_t>(pkt.size())) {
      perror("workload oow: sendto");
      std::exit(1);
    }
  }
  double rate = n / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(raw);
  close(c);
  close(s);
  close(l);
  return rate;
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
    std::fprintf(stderr, "usage: workload [--wait] churn|pingpong|udp|socket|pipe|hold|oow N\n");
    return 2;
  }
  long n = std::atol(argv[2]);
  if (n <= 0 || n > 10'000'000) {
    std::fprintf(stderr, "workload: N must be between 1 and 10000000\n");
    return 2;
  }
  std::string mode = argv[1];
  if (mode != "churn" && mode != "pingpong" && mode != "udp" && mode != "socket" && mode != "pipe" &&
      mode != "hold" && mode != "oow") {
    std::fprintf(stderr, "workload: unknown mode '%s'\n", argv[1]);
    return 2;
  }
  if (wait) wait_for_start();
  if (mode == "hold") return hold(n);
  double rate = mode == "churn"      ? churn(n)
                : mode == "pingpong" ? pingpong(n)
                : mode == "udp"      ? udp_pingpong(n)
                : mode == "oow"      ? out_of_window(n)
                : mode == "pipe"     ? pipe_rate(n)
                                     : socket_rate(n);
  std::printf("%.0f\n", rate);
  return 0;
}
