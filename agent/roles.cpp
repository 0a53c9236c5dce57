#include "roles.hpp"

#include <cstdio>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "identity/vault.hpp"
#include "idle.hpp"
#include "monitor.hpp"
#include "node/hub_node.hpp"
#include "node/member_node.hpp"
#include "node_state.hpp"
#include "platform/platform.hpp"
#include "relay/relay_table.hpp"
#include "transport/connect.hpp"

namespace portico::agent {
namespace {

// How long SIGTERM waits for open streams to finish by themselves (balena kills at 10 s).
constexpr auto kDrainTime = std::chrono::seconds(3);

// Opens a listening socket, or prints a one-line error naming `variable` and returns nothing.
std::optional<asio::ip::tcp::acceptor> listen_on(asio::io_context& io, const HostPort& at, const char* variable) {
  auto acceptor = listen_tcp(io, at);
  if (acceptor) return std::move(*acceptor);
  std::fprintf(stderr, "portico: %s: cannot listen on %s: %s\n", variable, at.to_string().c_str(),
               acceptor.error().message().c_str());
  return std::nullopt;
}

// Binds the hub's rendezvous socket (OCKAM_LISTEN_UDP, else OCKAM_LISTEN's address), or prints a one-line error
// naming the variable and returns nothing.
std::optional<asio::ip::udp::socket> bind_rendezvous(asio::io_context& io, const Config& config) {
  const HostPort at = config.listen_udp.value_or(config.listen);
  auto socket = bind_udp(io, at);
  if (socket) return std::move(*socket);
  const char* variable = config.listen_udp ? "OCKAM_LISTEN_UDP" : "OCKAM_LISTEN (its address is the rendezvous's, "
                                                                  "udp; OCKAM_LISTEN_UDP=off for none)";
  std::fprintf(stderr, "portico: %s: cannot use udp/%s: %s (example: OCKAM_LISTEN_UDP=0.0.0.0:4000)\n", variable,
               at.to_string().c_str(), socket.error().message().c_str());
  return std::nullopt;
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

// On SIGINT/SIGTERM: `shutdown`, which calls back once the node has drained; then the io_context stops.
void on_termination(asio::io_context& io, std::function<void(std::function<void()>)> shutdown) {
  auto signals = std::make_shared<asio::signal_set>(io, SIGINT, SIGTERM);
  signals->async_wait([&io, signals, shutdown](const asio::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping", sig);
    shutdown([&io] { io.stop(); });
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
  asio::io_context io;
  auto acceptor = listen_on(io, config.listen, "OCKAM_LISTEN");
  if (!acceptor) return exit_code::kListen;
  std::optional<asio::ip::udp::socket> rendezvous;
  if (!config.listen_udp_off) {
    rendezvous = bind_rendezvous(io, config);
    if (!rendezvous) return exit_code::kListenUdp;
  }
  auto me = load_identity(config);
  if (!me) return exit_code::kData;
  Monitor monitor(io, config);
  if (!monitor.start(config.data_dir.value_or(""))) return exit_code::kMetrics;
  spdlog::info("{}", platform::summary(host));
  spdlog::info("identity {}", me->identifier());
  node::HubOptions options{.listen = config.listen, .data_dir = config.data_dir.value_or(""),
                           .aes_hardware = host.fast_aes, .credential_ttl = config.credential_ttl,
                           .relay_names_per_identity = config.relay_names_per_identity,
                           .relay_keep = config.relay_keep, .connections = config.connections,
                           .handshakes = config.handshakes};
  node::HubNode hub(io, std::move(options), std::move(*me), std::move(*acceptor), monitor.counters());
  hub.start();
  if (rendezvous) hub.serve_rendezvous(std::move(*rendezvous));
  monitor.watch({.relays_registered = [&hub] { return std::uint64_t{hub.relays_registered()}; },
                 .identity = hub.identifier(), .relays = [&hub] { return hub.relays(); },
                 .members_connected = [&hub] { return std::uint64_t{hub.members_connected()}; }});
  spdlog::info("hub listening on {}: secure channels at 0#secure; members reach the relay service (0#relay) and echo; "
               "enrollment at 0#enroll; credentials last {} s; {} relay names per identity, kept {} s unseen",
               config.listen.to_string(), hub.credential_lifetime().count(), hub.names_per_identity(),
               hub.keep_unseen_seconds());
  notify_ready(config);
  on_termination(io, [&hub](std::function<void()> done) { hub.shutdown(std::move(done)); });
  io.run();
  return 0;
}

// A member node: one link, hub channel and membership shared by every inlet and outlet the configuration names
// (one of them for OCKAM_IN or OCKAM_OUT, any number from OCKAM_CONFIG).
int run_member(const Config& config, const platform::PlatformInfo& host) {
  asio::io_context io;
  if (!hub_resolves(io, config.hub)) return exit_code::kHub;
  std::vector<node::InletSpec> inlets;
  for (const auto& options : config.inlets) {
    auto acceptor = listen_on(io, options.listen, config.role == Role::node ? "OCKAM_CONFIG inlet" : "OCKAM_IN");
    if (!acceptor) return config.role == Role::node ? exit_code::kConfig : exit_code::kIn;
    inlets.push_back({.options = options, .acceptor = std::move(acceptor)});
  }
  const std::string data_dir = config.data_dir.value_or("");
  std::optional<std::string> node_id;
  if (!config.outlets.empty()) {
    auto id = load_or_create_node_id(data_dir);
    if (!id) {
      std::fprintf(stderr, "portico: OCKAM_DATA: cannot keep the node id in %s: %s (example: OCKAM_DATA=/data/portico)\n",
                   data_dir.c_str(), id.error().message().c_str());
      return exit_code::kData;
    }
    node_id = *id;
  }
  std::vector<node::OutletSpec> outlets;
  for (const auto& options : config.outlets) {
    outlets.push_back({.options = options,
                       .name = options.relay ? *options.relay : relay_name(config, host.device_id, *node_id)});
  }
  // The file's names are checked against each other when it is read; a name derived from the device is known only
  // now. Two outlets under one name would share one address, the second silently unreachable.
  for (std::size_t i = 0; i < outlets.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (outlets[i].name != outlets[j].name) continue;
      std::fprintf(stderr, "portico: %s: two outlets would register relay \"%s\" (one takes the device's name): give "
                   "each its own relay: name\n", config.config_file.value_or("OCKAM_CONFIG").c_str(),
                   outlets[i].name.c_str());
      return exit_code::kConfig;
    }
  }
  if (outlets.size() > relay::kDefaultNamesPerOwner) {
    spdlog::warn("{} outlets: a hub with the default OCKAM_RELAY_NAMES_PER_IDENTITY ({}) refuses the names past it, and "
                 "this node is not ready until every relay is registered", outlets.size(),
                 relay::kDefaultNamesPerOwner);
  }
  auto trust = node::load_trust(config.hub_identity, config.enroll, identity::Vault(data_dir));
  if (!trust) {
    std::fprintf(stderr, "portico: %s\n", not_enrolled(config).value_or("OCKAM_ENROLL: not enrolled").c_str());
    return exit_code::kEnroll;
  }
  auto me = load_identity(config);
  if (!me) return exit_code::kData;
  Monitor monitor(io, config);
  if (!monitor.start(data_dir)) return exit_code::kMetrics;
  spdlog::info("{}", platform::summary(host));
  spdlog::info("identity {}", me->identifier());
  if (node_id) spdlog::info("node id {}", *node_id);
  node::MemberNode member(io, {.options = {.hub = config.hub, .enroll = config.enroll,
                                          .hub_identity = config.hub_identity, .data_dir = data_dir,
                                          .aes_hardware = host.fast_aes, .handshakes = config.handshakes,
                                          .direct_paths = config.p2p},
                               .me = std::move(*me),
                               .trust = std::move(*trust),
                               .inlets = std::move(inlets),
                               .outlets = std::move(outlets),
                               .counters = monitor.counters(),
                               // READY=1 once every inlet listens and every outlet's relay is registered.
                               .on_ready = [&config] { notify_ready(config); }});
  member.start();
  Monitor::Sources sources{.hub_link = member.hub_link(), .hub_channel = member.hub_channel(),
                           .open_streams = [&member] { return std::uint64_t{member.open_streams()}; },
                           .identity = member.identifier(),
                           .credential = [&member] { return member.credential(); },
                           .peers = [&member] { return member.peers(); }};
  if (config.role != Role::inlet) {
    std::string names;
    for (const auto& o : member.outlets()) names += (names.empty() ? "" : ",") + o.relay;
    sources.relay = names;
    sources.relay_registered = [&member] { return member.all_registered(); };
  }
  if (config.role == Role::node) {
    // Per portal: its streams, registration and bytes each way.
    sources.inlets = [&member] { return member.inlets(); };
    sources.outlets = [&member] { return member.outlets(); };
  }
  monitor.watch(std::move(sources));
  on_termination(io, [&member](std::function<void()> done) { member.shutdown(kDrainTime, std::move(done)); });
  io.run();
  return 0;
}

}  // namespace portico::agent
