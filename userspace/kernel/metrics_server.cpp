#include "kernel/metrics_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"

namespace socktrace {

namespace {

constexpr std::size_t kMaxRequest = 8192;
constexpr int kMaxClients = 16;
constexpr auto kClientTimeout = std::chrono::seconds(10);

struct Client {
  int fd;
  std::string in;
  std::string out;
  std::size_t sent = 0;
  std::chrono::steady_clock::time_point since;
};

std::string response(int code, std::string_view reason, std::string_view type, std::string_view body) {
  return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                     code, reason, type, body.size(), body);
}

}  // namespace

MetricsServer::MetricsServer(const ListenAddress& addr) {
  listen_fd_ = socket(addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw RuntimeError(errno_message("metrics socket", errno));
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage ss{};
  socklen_t len;
  if (addr.family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(addr.port);
    inet_pton(AF_INET6, addr.host.c_str(), &a->sin6_addr);
    len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(addr.port);
    inet_pton(AF_INET, addr.host.c_str(), &a->sin_addr);
    len = sizeof(*a);
  }
  std::string asked = addr.family == AF_INET6 ? fmt::format("[{}]:{}", addr.host, addr.port)
                                              : fmt::format("{}:{}", addr.host, addr.port);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(listen_fd_, 64) != 0) {
    int err = errno;
    close(listen_fd_);
    throw UsageError(fmt::format("--metrics {}: {} (choose another address or port)", asked, std::strerror(err)));
  }
  len = sizeof(ss);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  uint16_t port = addr.family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                          : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  bound_ = addr.family == AF_INET6 ? fmt::format("[{}]:{}", addr.host, port) : fmt::format("{}:{}", addr.host, port);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    close(listen_fd_);
    throw RuntimeError(errno_message("eventfd", errno));
  }
  thread_ = std::thread([this] { serve(); });
}

MetricsServer::~MetricsServer() {
  uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof(one)) < 0) {
  }
  if (thread_.joinable()) thread_.join();
  close(wake_fd_);
  close(listen_fd_);
}

void MetricsServer::publish(std::string text) {
  std::lock_guard lock(mu_);
  body_ = std::move(text);
}

void MetricsServer::publish_json(std::string json) {
  std::lock_guard lock(mu_);
  json_ = std::move(json);
}

void MetricsServer::serve() {
  std::vector<Client> clients;
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, static_cast<short>(clients.size() < kMaxClients ? POLLIN : 0), 0});
    for (const Client& c : clients) fds.push_back({c.fd, static_cast<short>(c.out.empty() ? POLLIN : POLLOUT), 0});
    if (poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) return;
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      int fd;
      while ((fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        if (clients.size() >= kMaxClients) {
          close(fd);
          continue;
        }
        clients.push_back({fd, {}, {}, 0, std::chrono::steady_clock::now()});
      }
    }
    auto now = std::chrono::steady_clock::now();
    std::vector<Client> kept;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      Client& c = clients[i];
      // Clients accepted in this round have no pollfd yet.
      short ev = i + 2 < fds.size() ? fds[i + 2].revents : 0;
      bool done = now - c.since > kClientTimeout;
      if (!done && c.out.empty() && (ev & (POLLIN | POLLHUP | POLLERR))) {
        char buf[2048];
        ssize_t n = read(c.fd, buf, sizeof(buf));
        if (n <= 0) {
          done = n == 0 || (errno != EAGAIN && errno != EINTR);
        } else {
          c.in.append(buf, static_cast<std::size_t>(n));
          auto end = c.in.find("\r\n\r\n");
          if (end == std::string::npos) end = c.in.find("\n\n");
          if (end != std::string::npos) {
            std::string_view line(c.in.data(), c.in.find_first_of("\r\n"));
            auto sp1 = line.find(' ');
            auto sp2 = line.find(' ', sp1 == std::string_view::npos ? 0 : sp1 + 1);
            std::string_view method = line.substr(0, sp1);
            std::string_view target =
                sp1 == std::string_view::npos ? "" : line.substr(sp1 + 1, sp2 == std::string_view::npos ? sp2 : sp2 - sp1 - 1);
            auto q = target.find('?');
            if (q != std::string_view::npos) target = target.substr(0, q);
            if (method != "GET" && method != "HEAD") {
              c.out = response(405, "Method Not Allowed", "text/plain; charset=utf-8", "only GET /metrics and /hist\n");
            } else if (target != "/metrics" && target != "/hist") {
              c.out = response(404, "Not Found", "text/plain; charset=utf-8", "socktrace serves /metrics and /hist\n");
            } else {
              bool metrics = target == "/metrics";
              std::string body;
              {
                std::lock_guard lock(mu_);
                body = metrics ? body_ : json_;
              }
              if (metrics) {
                c.out = response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", body);
              } else if (body.empty()) {
                body = "no hist object yet (top publishes one per refresh; log with --hist-interval)\n";
                c.out = response(404, "Not Found", "text/plain; charset=utf-8", body);
              } else {
                c.out = response(200, "OK", "application/json", body);
              }
              if (method == "HEAD") c.out.resize(c.out.size() - body.size());
              ++requests_;
            }
          } else if (c.in.size() > kMaxRequest) {
            c.out = response(431, "Request Header Fields Too Large", "text/plain; charset=utf-8", "");
          }
        }
      }
      if (!done && !c.out.empty()) {
        ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n > 0) c.sent += static_cast<std::size_t>(n);
        if (n < 0 && errno != EAGAIN && errno != EINTR) done = true;
        if (c.sent == c.out.size()) done = true;
      }
      if (done)
        close(c.fd);
      else
        kept.push_back(std::move(c));
    }
    clients = std::move(kept);
  }
  for (Client& c : clients) close(c.fd);
}

std::unique_ptr<MetricsServer> open_metrics_server(const std::string& spec) {
  if (spec.empty()) return nullptr;
  auto addr = parse_listen_address(spec);
  if (!addr)
    throw UsageError(fmt::format("bad --metrics '{}': give [ADDR:]PORT with a numeric address, e.g. 127.0.0.1:9464 "
                                 "or [::1]:9464",
                                 spec));
  return std::make_unique<MetricsServer>(*addr);
}

}  // namespace socktrace
