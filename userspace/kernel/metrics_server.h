// A minimal HTTP server for Prometheus scrapes: one thread, poll(), GET
// /metrics answers the last published text (Content-Type text/plain;
// version=0.0.4), GET /hist the last published JSON `hist` object
// (application/json; 404 while the mode has published none), anything else
// 404 (405 for other methods). Reusable by any mode (`top`, `log`): the
// mode publishes, the server serves.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/metrics.h"

namespace socktrace {

class MetricsServer {
 public:
  // Binds and listens on `addr` (parse_listen_address). Throws UsageError
  // when the address cannot be bound (in use, not local), RuntimeError
  // otherwise.
  explicit MetricsServer(const ListenAddress& addr);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The body of the next GET /metrics.
  void publish(std::string text);
  // The body of the next GET /hist (one JSON object).
  void publish_json(std::string json);
  // "127.0.0.1:9100" (the bound port, also when 0 was asked for).
  const std::string& bound() const { return bound_; }
  uint64_t requests() const { return requests_.load(); }

 private:
  void serve();
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: ends serve()
  std::string bound_;
  std::mutex mu_;
  std::string body_;
  std::string json_;
  std::atomic<uint64_t> requests_{0};
  std::thread thread_;
};

// The server --metrics SPEC asks for ([ADDR:]PORT), nullptr for "". Throws
// UsageError (one line) for a bad or unbindable address.
std::unique_ptr<MetricsServer> open_metrics_server(const std::string& spec);

}  // namespace socktrace
