#pragma once
// The status socket and `portico health`.
//
// Each running agent answers on a unix socket in its data dir, <data dir>/status-<role>-<8 hex>.sock (the hex
// is a hash of the role's own address, so an outlet and an inlet, or two outlets for different services, may
// share one data dir). A client sends one request line (metrics::classify_status_request: "health", "ready",
// "status", "status text") and gets the health line (metrics::judge_health()'s) or the node's status (JSON or
// text, metrics/status.hpp); a client that sends nothing within kStatusRequestWait gets the health line (older
// `portico health` asks that way). At most kMaxStatusConnections at once, kStatusExchangeDeadline each: no client
// holds the agent; while all are taken the server stops accepting (newcomers wait in the listen backlog for a
// slot, at most one deadline, instead of being closed: a health check during a burst still gets its answer). No TCP port: containers with host networking share the loopback ports. `portico health`, run
// with the same environment (e.g. by Docker's HEALTHCHECK inside the container), finds the same socket and asks
// two questions:
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
#include <asio/steady_timer.hpp>
#include <asio/local/stream_protocol.hpp>

#include "config.hpp"
#include "metrics/health.hpp"

namespace portico::agent {

inline constexpr auto kHealthTimeout = std::chrono::seconds(3);
inline constexpr auto kStatusRequestWait = std::chrono::milliseconds(500);
inline constexpr auto kStatusExchangeDeadline = std::chrono::seconds(2);  // below kHealthTimeout: see serve()
inline constexpr std::size_t kMaxStatusConnections = 8;
// The most `portico status` reads: a hub's whole relay table (kMaxNames entries of a few hundred bytes) fits.
inline constexpr std::size_t kMaxStatusAnswerBytes = 64 * 1024 * 1024;

// What the status socket answers with.
struct StatusAnswers {
  std::function<metrics::Health()> health;
  std::function<std::string()> status_json;
  std::function<std::string()> status_text;
};

// "hub", "inlet" or "outlet".
std::string_view role_name(Role role);

// The status socket's path for `config`'s role in `data_dir`; nothing when it would be too long for a unix
// socket (108 bytes with the terminator).
std::optional<std::string> status_socket_path(const Config& config, const std::string& data_dir);

class StatusServer {
 public:
  // Serves `answers` on `path`. A socket file left by an agent that has gone is replaced; one an agent
  // still answers on is left alone (nothing served: a warning says why). Never fatal: health is an extra.
  static std::unique_ptr<StatusServer> start(asio::io_context& io, const std::string& path,
                                             StatusAnswers answers);
  StatusServer(asio::io_context& io, std::string path);
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;
  ~StatusServer();  // closes the socket and removes its file

 private:
  asio::awaitable<void> serve(std::shared_ptr<const StatusAnswers> answers);
  asio::awaitable<void> answer(asio::local::stream_protocol::socket socket,
                               std::shared_ptr<const StatusAnswers> answers);

  asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
  // Clients being answered, and a wake-up when one is done (shared: an answer may outlive this server).
  struct Slots {
    explicit Slots(asio::any_io_executor executor) : freed(std::move(executor)) {}
    std::size_t in_use = 0;
    bool closed = false;  // the server is gone: its accept loop must not touch it
    asio::steady_timer freed;
  };
  std::shared_ptr<Slots> slots_;
};

// `portico health [--ready]`: 0 when the agent this environment configures answers (with `ready`: and says it
// is ready), else 1. With `json`: {"healthy": bool, "ready": bool, "line": "..."} instead of the line.
int run_health(bool ready, bool json = false);

// Finds the status socket of the agent this environment configures, as `portico health` does: its path, or a
// one-line reason (naming the variable) why there is none.
struct StatusSocket {
  std::optional<std::string> path;
  std::string problem;
  bool idle = false;  // the agent is not configured (OCKAM_UNCONFIGURED=idle): `problem` says why
  std::string role;
};
StatusSocket find_status_socket();

// Sends `request` ("status", "health", ...) to the socket at `path` and reads the whole answer (at most
// `max_bytes`, kHealthTimeout per read); nothing (and `error` set) when that fails.
std::optional<std::string> ask_status(const std::string& path, std::string_view request, std::size_t max_bytes,
                                      std::string& error);

}  // namespace portico::agent
