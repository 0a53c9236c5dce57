#include "roles.hpp"

#include <cstdio>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "identity/vault.hpp"
#include "monitor.hpp"
#include "node_state.hpp"
#include "platform/platform.hpp"
#include "portal/portal_inlet.hpp"
#include "portal/portal_messages.hpp"
#include "portal/portal_outlet.hpp"
#include "relay/relay_client.hpp"
#include "relay/relay_service.hpp"
#include "routing/workers.hpp"
#include "transport/tcp_transport.hpp"

namespace portico::agent {
namespace {

// How long SIGTERM waits for open streams to finish by themselves (balena kills at 10 s).
constexpr auto kDrainTime = std::chrono::seconds(3);

// One node: the io_context, router and TCP transport every role has.
struct Node {
  Node() : tcp(io.get_executor(), router) { router.register_transport(transport_type::kTcp, tcp); }
  asio::io_context io;
  Router router;
  TcpTransport tcp;
};

// Opens a listening socket, or prints a one-line error naming `variable` and returns nothing.
std::optional<asio::ip::tcp::acceptor> listen_on(asio::io_context& io, const HostPort& at, const char* variable) {
  try {
    asio::ip::tcp::resolver resolver(io);
    auto endpoint = resolver.resolve(at.host, std::to_string(at.port)).begin()->endpoint();
    asio::ip::tcp::acceptor acceptor(io);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    return acceptor;
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "portico: %s: cannot listen on %s: %s\n", variable, at.to_string().c_str(),
                 e.code().message().c_str());
    return std::nullopt;
  }
}

// A hub name that does not exist is a configuration error; a resolver that cannot answer yet (no network at
// boot) is not: the link keeps retrying.
bool hub_resolves(asio::io_context& io, const HostPort& hub) {
  asio::ip::tcp::resolver resolver(io);
  asio::error_code ec;
  resolver.resolve(hub.host, std::to_string(hub.port), ec);
  if (ec == asio::error::host_not_found || ec == asio::error::service_not_found) {
    std::fprintf(stderr, "portico: OCKAM_HUB: unknown host '%s' (example: OCKAM_HUB=hub.example.com:4000)\n",
                 hub.host.c_str());
    return false;
  }
  if (ec) spdlog::warn("cannot resolve hub {} yet ({}); will keep trying", hub.to_string(), ec.message());
  return true;
}

// On SIGINT/SIGTERM: `stop_accepting`, then wait up to kDrainTime while `open_streams` > 0, then `finish`.
void on_termination(Node& node, std::function<void()> stop_accepting, std::function<std::size_t()> open_streams,
                    std::function<void()> finish) {
  auto signals = std::make_shared<asio::signal_set>(node.io, SIGINT, SIGTERM);
  signals->async_wait([&node, signals, stop_accepting, open_streams, finish](const asio::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping; draining {} open streams for at most {} s", sig, open_streams(),
                 kDrainTime.count());
    stop_accepting();
    asio::co_spawn(node.io, [&node, open_streams, finish]() -> asio::awaitable<void> {
      asio::steady_timer tick(node.io);
      const auto deadline = std::chrono::steady_clock::now() + kDrainTime;
      while (open_streams() > 0 && std::chrono::steady_clock::now() < deadline) {
        tick.expires_after(std::chrono::milliseconds(50));
        co_await tick.async_wait(asio::use_awaitable);
      }
      if (open_streams() > 0) spdlog::warn("{} streams still open after {} s: closing them", open_streams(), kDrainTime.count());
      finish();
      // Let the resets just queued reach the links before they close.
      tick.expires_after(std::chrono::milliseconds(200));
      co_await tick.async_wait(asio::use_awaitable);
      node.tcp.stop();
      node.io.stop();
    }, asio::detached);
  });
}

// The node's identity, kept in the data dir (created on first start); nothing when the data dir is unusable
// (after a one-line error naming OCKAM_DATA).
std::optional<identity::Identity> load_identity(const Config& config) {
  const std::string dir = config.data_dir.value_or("");
  auto loaded = identity::Vault(dir).load_or_create_identity();
  if (!loaded) {
    std::fprintf(stderr, "portico: OCKAM_DATA: cannot keep the identity in %s: %s (example: OCKAM_DATA=/data/portico)\n",
                 dir.c_str(), loaded.error().message().c_str());
    return std::nullopt;
  }
  return std::move(*loaded);
}

// Tells a systemd-style supervisor (NOTIFY_SOCKET) that the role is serving.
void notify_ready(const Config& config) {
  if (auto ec = platform::Notifier(config.notify_socket).ready()) {
    spdlog::warn("NOTIFY_SOCKET {}: cannot send READY=1: {}", config.notify_socket, ec.message());
  }
}

}  // namespace

int run_hub(const Config& config, const platform::PlatformInfo& host) {
  Node node;
  auto acceptor = listen_on(node.io, config.listen, "OCKAM_LISTEN");
  if (!acceptor) return exit_code::kListen;
  auto me = load_identity(config);
  if (!me) return exit_code::kData;
  Monitor monitor(node.io, config);
  if (!monitor.start(config.data_dir.value_or(""))) return exit_code::kMetrics;
  spdlog::info("{}", platform::summary(host));
  spdlog::info("identity {}", me->identifier());
  auto relays = relay::RelayService::start(node.router);
  monitor.watch({.relays_registered = [relays] { return std::uint64_t{relays->table().size()}; }});
  node.router.register_worker(Address::local("echo"), std::make_shared<EchoWorker>(node.router, Address::local("echo")));
  asio::co_spawn(node.io, node.tcp.serve(*acceptor), asio::detached);
  spdlog::info("hub listening on {} (relay service at 0#relay, echo at 0#echo)", config.listen.to_string());
  notify_ready(config);
  on_termination(node, [] {}, [] { return std::size_t{0}; }, [] {});
  node.io.run();
  return 0;
}

int run_inlet(const Config& config, const platform::PlatformInfo& host) {
  Node node;
  if (!hub_resolves(node.io, config.hub)) return exit_code::kHub;
  auto acceptor = listen_on(node.io, config.inlet_listen, "OCKAM_IN");
  if (!acceptor) return exit_code::kIn;
  auto me = load_identity(config);
  if (!me) return exit_code::kData;
  Monitor monitor(node.io, config);
  if (!monitor.start(config.data_dir.value_or(""))) return exit_code::kMetrics;
  spdlog::info("{}", platform::summary(host));
  spdlog::info("identity {}", me->identifier());
  auto hub_link = node.tcp.connect(config.hub.to_string());
  const Route outlet_route{hub_link->address(),
                           Address::local(std::string(relay::kRelayAddressPrefix) + config.forward),
                           Address::local(std::string(portal::kOutletAddress))};
  portal::PortalInlet inlet(node.router, outlet_route, "relay \"" + config.forward + "\"",
                            {.counters = monitor.counters()});
  monitor.watch({.hub_link = hub_link, .open_streams = [&inlet] { return std::uint64_t{inlet.open_streams()}; }});
  // Every stream's route to its outlet runs over this link: when it drops, those streams are gone for good
  // (the hub forgets the link), so close their clients now rather than leave them hanging.
  hub_link->on_state_change([&inlet](bool up) {
    if (!up) inlet.reset_all("the link to the hub went down", false);
  });
  asio::co_spawn(node.io, inlet.serve(*acceptor), asio::detached);
  spdlog::info("inlet listening on {} -> relay \"{}\" on hub {}", config.inlet_listen.to_string(), config.forward,
               config.hub.to_string());
  notify_ready(config);
  on_termination(node, [&] { inlet.stop_accepting(); }, [&] { return inlet.open_streams(); },
                 [&] { inlet.reset_all("the inlet is shutting down"); });
  node.io.run();
  return 0;
}

int run_outlet(const Config& config, const platform::PlatformInfo& host) {
  Node node;
  if (!hub_resolves(node.io, config.hub)) return exit_code::kHub;
  const std::string data_dir = config.data_dir.value_or("");
  auto node_id = load_or_create_node_id(data_dir);
  if (!node_id) {
    std::fprintf(stderr, "portico: OCKAM_DATA: cannot keep the node id in %s: %s (example: OCKAM_DATA=/data/portico)\n",
                 data_dir.c_str(), node_id.error().message().c_str());
    return exit_code::kData;
  }
  auto me = load_identity(config);
  if (!me) return exit_code::kData;
  Monitor monitor(node.io, config);
  if (!monitor.start(data_dir)) return exit_code::kMetrics;
  spdlog::info("{}", platform::summary(host));
  spdlog::info("identity {}", me->identifier());
  const std::string name = relay_name(config, host.device_id, *node_id);
  auto outlet = portal::PortalOutlet::start(node.io.get_executor(), node.router, config.outlet_target,
                                            {.counters = monitor.counters()});
  auto hub_link = node.tcp.connect(config.hub.to_string());
  hub_link->on_state_change([outlet](bool up) {
    if (!up) outlet->reset_all("the link to the hub went down", false);
  });
  const std::string hub = config.hub.to_string(), target = config.outlet_target.to_string();
  auto relay_client = relay::RelayClient::start(node.router, hub_link, {
      .name = name,
      .owner = *node_id,
      .on_registered = [name, hub, target, &config, counters = monitor.counters()](const relay::Registered&,
                                                                                    bool first) {
        ++counters->relay_registrations;
        spdlog::info("relay \"{}\" registered on hub {}", name, hub);
        if (!first) return;
        spdlog::info("outlet ready: relay \"{}\" on hub {} -> {}", name, hub, target);
        notify_ready(config);
      },
      .on_refused = [name, hub](const relay::Refused& refused) {
        spdlog::error("hub {} refused relay \"{}\": {}", hub, name, refused.reason);
      },
  });
  monitor.watch({.hub_link = hub_link, .open_streams = [outlet] { return std::uint64_t{outlet->open_streams()}; },
                 .relay = name, .relay_registered = [relay_client] { return relay_client->registered(); }});
  spdlog::info("outlet for {} starting: node id {}, data dir {}, relay \"{}\"", target, *node_id, data_dir, name);
  on_termination(node, [&] { outlet->stop_accepting(); relay_client->stop(); },
                 [&] { return outlet->open_streams(); }, [&] { outlet->reset_all("the outlet is shutting down"); });
  node.io.run();
  return 0;
}

}  // namespace portico::agent
