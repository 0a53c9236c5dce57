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
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

#include "idle.hpp"
#include "platform/platform.hpp"

namespace portico::agent {
namespace {

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path) - 1;

// FNV-1a, 32 bits: a short, stable tag for the role's address in a file name.
std::uint32_t fnv1a(const std::string& text) {
  std::uint32_t hash = 2166136261u;
  for (const char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  return hash;
}

// Connects to `path` and reads one line within kHealthTimeout; nothing (and `error` set) when that fails.
std::optional<std::string> ask(const std::string& path, std::string& error) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  const timeval timeout{.tv_sec = kHealthTimeout.count(), .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return std::nullopt;
  }
  std::string line;
  char buffer[256];
  while (line.size() <= metrics::kMaxHealthLineBytes && line.find('\n') == std::string::npos) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno == EAGAIN ? "no answer within " + std::to_string(kHealthTimeout.count()) + " s"
                                       : std::strerror(errno);
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (const auto end = line.find('\n'); end != std::string::npos) line.resize(end);
  if (line.empty()) {
    if (error.empty()) error = "the agent closed the connection without an answer";
    return std::nullopt;
  }
  if (line.size() > metrics::kMaxHealthLineBytes) line.resize(metrics::kMaxHealthLineBytes);
  return line;
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::hub: return "hub";
    case Role::inlet: return "inlet";
    case Role::outlet: return "outlet";
  }
  return "agent";
}

std::optional<std::string> status_socket_path(const Config& config, const std::string& data_dir) {
  std::string key;
  switch (config.role) {
    case Role::hub: key = config.listen.to_string(); break;
    case Role::inlet: key = config.inlet_listen.to_string(); break;
    case Role::outlet: key = config.outlet_target.to_string(); break;
  }
  char tag[9];
  std::snprintf(tag, sizeof tag, "%08x", fnv1a(key));
  std::string path = data_dir + "/status-" + std::string(role_name(config.role)) + "-" + tag + ".sock";
  if (path.size() > kMaxSocketPath) return std::nullopt;
  return path;
}

StatusServer::StatusServer(asio::io_context& io, std::string path) : acceptor_(io), path_(std::move(path)) {}

StatusServer::~StatusServer() {
  asio::error_code ignored;
  acceptor_.close(ignored);
  std::filesystem::remove(path_, ignored);
}

std::unique_ptr<StatusServer> StatusServer::start(asio::io_context& io, const std::string& path,
                                                  std::function<metrics::Health()> judge) {
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
  spdlog::debug("status socket {} serving `portico health`", path);
  asio::co_spawn(io, server->serve(std::move(judge)), asio::detached);
  return server;
}

asio::awaitable<void> StatusServer::serve(std::function<metrics::Health()> judge) {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(kUseTuple);
    if (!acceptor_.is_open()) co_return;
    if (ec) {  // e.g. out of file descriptors: wait rather than spin
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::seconds(1));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    // The line is far smaller than a socket buffer, so this write does not wait on the client.
    const std::string line = judge().line + "\n";
    co_await asio::async_write(socket, asio::buffer(line), kUseTuple);
  }
}

int run_health(bool ready) {
  // The judge's line says whether the role is ready; liveness is that the agent answers at all.
  const auto answer = [ready](const std::string& line) {
    const bool is_ready = line.starts_with("healthy: ");
    const std::string detail = line.substr(line.find(": ") + 2);
    const std::string readiness = (is_ready ? "ready: " : "not ready: ") + detail;
    if (ready) {
      std::printf("%s\n", readiness.c_str());
      return is_ready ? 0 : 1;
    }
    std::printf("healthy: serving%s; %s\n", is_ready ? "" : ", reconnecting by itself", readiness.c_str());
    return 0;
  };
  const auto idle = [ready](const std::string& reason) {
    std::printf("%s: idle: %s\n", ready ? "not ready" : "healthy", reason.c_str());
    return ready ? 1 : 0;
  };
  auto loaded = load_config(process_environment());
  if (auto* error = std::get_if<ConfigError>(&loaded)) {
    if (error->idle) return idle(error->message);
    std::printf("unhealthy: %s\n", error->message.c_str());
    return 1;
  }
  Config config = std::get<Config>(loaded);
  std::string data_dir = config.data_dir.value_or("");
  if (data_dir.empty()) {
    data_dir = platform::detect(config.platform_root, {.balena_device_uuid = config.device_uuid.value_or(""),
                                                       .xdg_data_home = config.xdg_data_home,
                                                       .home = config.home})
                   .data_dir.string();
    config.data_dir = data_dir;
  }
  if (config.idle_when_unconfigured) {
    if (auto reason = not_enrolled(config)) return idle(*reason);
  }
  const auto path = status_socket_path(config, data_dir);
  if (!path) {
    std::printf("unhealthy: OCKAM_DATA: '%s' is too long for a unix socket path (example: OCKAM_DATA=/data/portico)\n",
                data_dir.c_str());
    return 1;
  }
  std::string error;
  const auto line = ask(*path, error);
  if (!line) {
    std::printf("unhealthy: no %s agent answers on %s: %s\n", std::string(role_name(config.role)).c_str(), path->c_str(),
                error.c_str());
    return 1;
  }
  return answer(*line);
}

}  // namespace portico::agent
