#include "health.hpp"

#include <sys/stat.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

#include "idle.hpp"
#include "metrics/status.hpp"
#include "platform/platform.hpp"
#include "util/json.hpp"

namespace portico::agent {
namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path) - 1;

// FNV-1a, 32 bits: a short, stable tag for the role's address in a file name.
std::uint32_t fnv1a(const std::string& text) {
  std::uint32_t hash = 2166136261u;
  for (const char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  return hash;
}

// Connects to `path`, sends `request` (a line; empty: nothing, as older clients did) and reads until the server
// closes, at most `max_bytes`, within kHealthTimeout per read; nothing (and `error` set) when that fails.
std::optional<std::string> exchange(const std::string& path, std::string_view request, std::size_t max_bytes,
                                    std::string& error) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  const timeval timeout{.tv_sec = kHealthTimeout.count(), .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return std::nullopt;
  }
  if (!request.empty()) {
    const std::string line = std::string(request) + "\n";
    // A few bytes into an empty socket buffer: one send. A server too old to read them answers all the same.
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
      error = std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
  }
  std::string answer;
  char buffer[4096];
  while (answer.size() <= max_bytes) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno == EAGAIN ? "no answer within " + std::to_string(kHealthTimeout.count()) + " s"
                                       : std::strerror(errno);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (answer.size() > max_bytes) {
    error = "the answer is longer than " + std::to_string(max_bytes) + " bytes";
    return std::nullopt;
  }
  if (!error.empty()) return std::nullopt;
  if (answer.empty()) {
    error = "the agent closed the connection without an answer";
    return std::nullopt;
  }
  return answer;
}

// One line (the health line), cut at its newline and at kMaxHealthLineBytes.
std::optional<std::string> ask(const std::string& path, std::string& error, std::string_view request = "health") {
  auto answer = exchange(path, request, metrics::kMaxHealthLineBytes + 1, error);
  if (!answer) return std::nullopt;
  if (const auto end = answer->find('\n'); end != std::string::npos) answer->resize(end);
  if (answer->empty()) {
    error = "the agent closed the connection without an answer";
    return std::nullopt;
  }
  if (answer->size() > metrics::kMaxHealthLineBytes) answer->resize(metrics::kMaxHealthLineBytes);
  return answer;
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::hub: return "hub";
    case Role::inlet: return "inlet";
    case Role::outlet: return "outlet";
    case Role::node: return "node";
  }
  return "agent";
}

std::optional<std::string> status_socket_path(const Config& config, const std::string& data_dir) {
  std::string key;
  switch (config.role) {
    case Role::hub: key = config.listen.to_string(); break;
    case Role::inlet: key = config.inlet_listen.to_string(); break;
    case Role::outlet: key = config.outlet_target.to_string(); break;
    case Role::node: key = config.hub.to_string(); break;
  }
  char tag[9];
  std::snprintf(tag, sizeof tag, "%08x", fnv1a(key));
  std::string path = data_dir + "/status-" + std::string(role_name(config.role)) + "-" + tag + ".sock";
  if (path.size() > kMaxSocketPath) return std::nullopt;
  return path;
}

StatusServer::StatusServer(asio::io_context& io, std::string path)
    : acceptor_(io), path_(std::move(path)), slots_(std::make_shared<Slots>(io.get_executor())) {}

StatusServer::~StatusServer() {
  slots_->closed = true;
  slots_->freed.cancel();
  asio::error_code ignored;
  acceptor_.close(ignored);
  std::filesystem::remove(path_, ignored);
}

std::unique_ptr<StatusServer> StatusServer::start(asio::io_context& io, const std::string& path,
                                                  StatusAnswers answers) {
  std::string error;
  if (std::filesystem::exists(path)) {
    if (ask(path, error)) {
      spdlog::warn("status socket {}: another agent answers there; `portico health` will ask that one", path);
      return nullptr;
    }
    std::error_code ignored;
    std::filesystem::remove(path, ignored);  // left by an agent that has gone
  }
  auto server = std::make_unique<StatusServer>(io, path);
  asio::error_code ec;
  const asio::local::stream_protocol::endpoint endpoint(path);
  server->acceptor_.open(endpoint.protocol(), ec);
  if (!ec) server->acceptor_.bind(endpoint, ec);
  // Only this user may ask (0600), whatever the umask; the data dir around it is 0700 too.
  if (!ec && ::chmod(path.c_str(), 0600) != 0) ec = asio::error_code(errno, asio::error::get_system_category());
  if (!ec) server->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    spdlog::warn("status socket {}: cannot listen: {}; `portico health` will report unhealthy", path, ec.message());
    server->path_.clear();  // not ours to remove
    return nullptr;
  }
  spdlog::debug("status socket {} serving `portico health` and `portico status`", path);
  asio::co_spawn(io, server->serve(std::make_shared<const StatusAnswers>(std::move(answers))), asio::detached);
  return server;
}

asio::awaitable<void> StatusServer::serve(std::shared_ptr<const StatusAnswers> answers) {
  for (;;) {
    // All slots taken: accept nobody until one is free (each is free within kStatusExchangeDeadline).
    const std::shared_ptr<Slots> slots = slots_;
    while (slots->in_use >= kMaxStatusConnections) {
      slots->freed.expires_at(asio::steady_timer::time_point::max());
      co_await slots->freed.async_wait(kUseTuple);
      if (slots->closed) co_return;
    }
    auto [ec, socket] = co_await acceptor_.async_accept(kUseTuple);
    if (!acceptor_.is_open()) co_return;
    if (ec) {  // e.g. out of file descriptors: wait rather than spin
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::seconds(1));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    asio::co_spawn(acceptor_.get_executor(), answer(std::move(socket), answers), asio::detached);
  }
}

namespace {

// Reads one request line within kStatusRequestWait; nothing sent in that time (an older client) asks for health.
asio::awaitable<metrics::StatusRequest> read_request(asio::local::stream_protocol::socket& socket) {
  std::string received;
  char chunk[metrics::kMaxStatusRequestBytes];
  asio::steady_timer wait(socket.get_executor(), kStatusRequestWait);
  auto request = metrics::StatusRequest::incomplete;
  while (request == metrics::StatusRequest::incomplete) {
    auto read = co_await (socket.async_read_some(asio::buffer(chunk, sizeof chunk - received.size()), kUseTuple) ||
                          wait.async_wait(kUseTuple));
    if (read.index() == 1) co_return received.empty() ? metrics::StatusRequest::health : metrics::StatusRequest::unknown;
    auto [ec, n] = std::get<0>(read);
    if (ec) co_return received.empty() ? metrics::StatusRequest::health : metrics::StatusRequest::unknown;
    received.append(chunk, n);
    request = metrics::classify_status_request(received);
  }
  co_return request;
}

}  // namespace

asio::awaitable<void> StatusServer::answer(asio::local::stream_protocol::socket socket,
                                           std::shared_ptr<const StatusAnswers> answers) {
  ++slots_->in_use;
  // The slots outlive this server (held by the coroutine), which may be destroyed while a client is answered.
  std::shared_ptr<Slots> slots = slots_;
  asio::steady_timer deadline(socket.get_executor(), kStatusExchangeDeadline);
  auto exchange = [&]() -> asio::awaitable<void> {
    const auto request = co_await read_request(socket);
    std::string text;
    switch (request) {
      case metrics::StatusRequest::health: text = answers->health().line + "\n"; break;
      case metrics::StatusRequest::status_json: text = answers->status_json() + "\n"; break;
      case metrics::StatusRequest::status_text: text = answers->status_text(); break;
      default: text = "error: unknown request (ask health, ready, status or status text)\n"; break;
    }
    co_await asio::async_write(socket, asio::buffer(text), kUseTuple);
  };
  co_await (exchange() || deadline.async_wait(kUseTuple));
  asio::error_code ignored;
  socket.close(ignored);
  --slots->in_use;
  slots->freed.cancel();
}

StatusSocket find_status_socket() {
  StatusSocket found;
  auto loaded = load_config(process_environment());
  if (auto* error = std::get_if<ConfigError>(&loaded)) {
    found.idle = error->idle;
    found.problem = error->message;
    return found;
  }
  Config config = std::get<Config>(loaded);
  found.role = std::string(role_name(config.role));
  std::string data_dir = config.data_dir.value_or("");
  if (data_dir.empty()) {
    data_dir = platform::detect(config.platform_root, {.balena_device_uuid = config.device_uuid.value_or(""),
                                                       .xdg_data_home = config.xdg_data_home,
                                                       .home = config.home})
                   .data_dir.string();
    config.data_dir = data_dir;
  }
  if (config.idle_when_unconfigured) {
    if (auto reason = not_enrolled(config)) {
      found.idle = true;
      found.problem = *reason;
      return found;
    }
  }
  found.path = status_socket_path(config, data_dir);
  if (!found.path) {
    found.problem = "OCKAM_DATA: '" + data_dir + "' is too long for a unix socket path (example: OCKAM_DATA=/data/portico)";
  }
  return found;
}

std::optional<std::string> ask_status(const std::string& path, std::string_view request, std::size_t max_bytes,
                                      std::string& error) {
  return exchange(path, request, max_bytes, error);
}

int run_health(bool ready, bool json) {
  const auto print = [json](bool healthy, bool is_ready, const std::string& line) {
    if (!json) {
      std::printf("%s\n", line.c_str());
      return;
    }
    util::JsonWriter out;
    out.begin_object().key("healthy").value(healthy).key("ready").value(is_ready).key("line").value(line).end_object();
    std::printf("%s\n", out.text().c_str());
  };
  // The judge's line says whether the role is ready; liveness is that the agent answers at all.
  const auto answer = [ready, &print](const std::string& line) {
    const bool is_ready = line.starts_with("healthy: ");
    const std::string detail = line.substr(line.find(": ") + 2);
    const std::string readiness = (is_ready ? "ready: " : "not ready: ") + detail;
    if (ready) {
      print(true, is_ready, readiness);
      return is_ready ? 0 : 1;
    }
    print(true, is_ready, std::string("healthy: serving") + (is_ready ? "" : ", reconnecting by itself") + "; " + readiness);
    return 0;
  };
  const StatusSocket socket = find_status_socket();
  if (socket.idle) {
    print(true, false, std::string(ready ? "not ready" : "healthy") + ": idle: " + socket.problem);
    return ready ? 1 : 0;
  }
  if (!socket.path) {
    print(false, false, "unhealthy: " + socket.problem);
    return 1;
  }
  std::string error;
  const auto line = ask(*socket.path, error, ready ? "ready" : "health");
  if (!line) {
    print(false, false, "unhealthy: no " + socket.role + " agent answers on " + *socket.path + ": " + error);
    return 1;
  }
  return answer(*line);
}

}  // namespace portico::agent
