#pragma once
// The status socket and `portico health`.
//
// Each running agent answers on a unix socket in its data dir, <data dir>/status-<role>-<8 hex>.sock (the hex
// is a hash of the role's own address, so an outlet and an inlet, or two outlets for different services, may
// share one data dir), with one line — metrics::judge_health()'s — and closes. No TCP port: containers with host
// networking share the loopback ports. `portico health`, run with the same environment (e.g. by Docker's
// HEALTHCHECK inside the container), finds the same socket and asks two questions:
//   portico health           liveness: exit 0 while the agent answers (it serves and reconnects to its hub by
//                            itself, so a hub outage is no reason to restart it); the line shows the readiness.
//                            "healthy: serving, reconnecting by itself; not ready: outlet relay "pg" ... down"
//   portico health --ready   readiness: exit 0 when the judge says ready (hub: listening; inlet: hub link up;
//                            outlet: link up and relay registered). "ready: outlet relay "pg" registered ..."
// Both exit 1 when no agent answers within kHealthTimeout. An idle agent (idle.hpp) is healthy and not ready.
//
// Thread safety: none; the node's one io_context thread.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>

#include "config.hpp"
#include "metrics/health.hpp"

namespace portico::agent {

inline constexpr auto kHealthTimeout = std::chrono::seconds(3);

// "hub", "inlet" or "outlet".
std::string_view role_name(Role role);

// The status socket's path for `config`'s role in `data_dir`; nothing when it would be too long for a unix
// socket (108 bytes with the terminator).
std::optional<std::string> status_socket_path(const Config& config, const std::string& data_dir);

class StatusServer {
 public:
  // Serves `judge()`'s line on `path`. A socket file left by an agent that has gone is replaced; one an agent
  // still answers on is left alone (nothing served: a warning says why). Never fatal: health is an extra.
  static std::unique_ptr<StatusServer> start(asio::io_context& io, const std::string& path,
                                             std::function<metrics::Health()> judge);
  StatusServer(asio::io_context& io, std::string path);
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;
  ~StatusServer();  // closes the socket and removes its file

 private:
  asio::awaitable<void> serve(std::function<metrics::Health()> judge);

  asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
};

// `portico health [--ready]`: 0 when the agent this environment configures answers (with `ready`: and says it
// is ready), else 1.
int run_health(bool ready);

}  // namespace portico::agent
