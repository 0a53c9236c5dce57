#include "commands.hpp"

#include <cstdio>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "idle.hpp"
#include "logging.hpp"
#include "node_state.hpp"
#include "platform/platform.hpp"
#include "roles.hpp"
#include "routing/workers.hpp"
#include "transport/tcp_transport.hpp"
#include "util/json.hpp"

namespace portico::agent {
namespace {

constexpr auto kReplyTimeout = std::chrono::seconds(5);

struct Reply {
  std::string payload;
  std::string return_route;
};

asio::awaitable<void> send_and_print(Router& router, TcpTransport& tcp, Inbox& inbox, Route route, Address app,
                                     std::string text, int count, bool json, std::vector<Reply>& replies) {
  for (int i = 0; i < count; ++i) {
    // Built outside the co_await: GCC 12 rejects an initializer list inside a co_await expression.
    Message request{route, Route(1, app), Bytes(text.begin(), text.end())};
    co_await router.send(std::move(request));
    auto reply = co_await inbox.receive(kReplyTimeout);
    if (!reply) {
      std::fprintf(stderr, "portico: send: no reply within %llds\n", static_cast<long long>(kReplyTimeout.count()));
      break;
    }
    replies.push_back({std::string(as_chars(reply->payload)), to_string(reply->return_route)});
    if (!json) std::printf("reply \"%s\" via %s\n", replies.back().payload.c_str(), replies.back().return_route.c_str());
  }
  tcp.stop();
}

}  // namespace

int run_from_environment() {
  auto loaded = load_config(process_environment());
  if (auto* error = std::get_if<ConfigError>(&loaded)) {
    if (error->idle) return run_idle(error->message, process_environment()("NOTIFY_SOCKET").value_or(""));
    std::fprintf(stderr, "portico: %s\n", error->message.c_str());
    return error->exit_code;
  }
  Config config = std::get<Config>(loaded);
  setup_logging(config.log_level);
  for (const std::string& warning : config.warnings) spdlog::warn("{}", warning);
  const platform::PlatformInfo host = platform::detect(config.platform_root, {.balena_device_uuid = config.device_uuid.value_or(""),
                                                            .xdg_data_home = config.xdg_data_home,
                                                            .home = config.home});
  if (!config.data_dir) config.data_dir = host.data_dir.string();
  if (auto secured = secure_data_dir(*config.data_dir); !secured) {
    std::fprintf(stderr, "portico: OCKAM_DATA: cannot make %s a private directory (mode 0700): %s (example: "
                 "OCKAM_DATA=/data/portico)\n", config.data_dir->c_str(), secured.error().message().c_str());
    return exit_code::kData;
  } else if (*secured != 0) {
    spdlog::warn("data dir {} was mode {:04o}: made it 0700 (it holds this node's key)", *config.data_dir, *secured);
  }
  if (config.idle_when_unconfigured) {
    if (auto reason = not_enrolled(config)) return run_idle(*reason, config.notify_socket);
  }
  platform::PlatformInfo shown = host;
  shown.data_dir = *config.data_dir;
  switch (config.role) {
    case Role::hub: return run_hub(config, shown);
    case Role::inlet:
    case Role::outlet:
    case Role::node: return run_member(config, shown);
  }
  return exit_code::kUsage;
}

int run_send(const std::string& route_text, const std::string& text, int count, bool json) {
  setup_logging(LogLevel::warn);
  auto route = parse_route(route_text);
  if (!route) {
    std::fprintf(stderr, "portico: send: '%s' is not a route (example: 1#127.0.0.1:4000,echo)\n",
                 route_text.c_str());
    return exit_code::kUsage;
  }
  asio::io_context io;
  Router router;
  TcpTransport tcp(io.get_executor(), router);
  router.register_transport(transport_type::kTcp, tcp);
  const Address app = Address::local("app");
  auto inbox = std::make_shared<Inbox>(io.get_executor(), 16);
  router.register_worker(app, inbox);

  std::vector<Reply> replies;
  asio::co_spawn(io, send_and_print(router, tcp, *inbox, *route, app, text, count, json, replies), asio::detached);
  io.run();
  if (json) {
    util::JsonWriter out;
    out.begin_array();
    for (const Reply& reply : replies) {
      out.begin_object().key("reply").value(reply.payload).key("return_route").value(reply.return_route).end_object();
    }
    std::printf("%s\n", out.end_array().text().c_str());
  }
  return static_cast<int>(replies.size()) == count ? 0 : 1;
}

}  // namespace portico::agent
