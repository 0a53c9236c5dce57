#include "roles.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "channel/admission.hpp"
#include "channel/dead_letters.hpp"
#include "channel/hub_session.hpp"
#include "channel/outlet_channel.hpp"
#include "identity/enrollment_client.hpp"
#include "identity/enrollment_service.hpp"
#include "identity/vault.hpp"
#include "hub_registry.hpp"
#include "identity/membership_messages.hpp"
#include "membership.hpp"
#include "membership_notices.hpp"
#include "relay_pins.hpp"
#include "status_sources.hpp"
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
// End-to-end channels nobody uses any more (streams ping every 10 s) are closed; the inlet's end first, so it
// opens a fresh channel for its next stream rather than use one the outlet has just dropped.
constexpr auto kInletChannelIdle = std::chrono::minutes(5);
constexpr auto kOutletChannelIdle = std::chrono::minutes(10);

// One node: the io_context, router and TCP transport every role has. A hub dials nothing: its router has no
// transport for "1#host:port" hops, so no message can make it open a connection (its links are accepted ones).
struct Node {
  explicit Node(bool dials = true) : tcp(io.get_executor(), router) {
    if (dials) router.register_transport(transport_type::kTcp, tcp);
  }
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
  Node node(false);
  auto acceptor = listen_on(node.io, config.listen, "OCKAM_LISTEN");
  if (!acceptor) return exit_code::kListen;
  auto me = load_identity(config);
  if (!me) return exit_code::kData;
  Monitor monitor(node.io, config);
  if (!monitor.start(config.data_dir.value_or(""))) return exit_code::kMetrics;
  spdlog::info("{}", platform::summary(host));
  spdlog::info("identity {}", me->identifier());
  // Relay names, revocations and release requests in the data dir (hub_registry.hpp).
  auto registry = std::make_shared<HubRegistry>(node.io, node.router, config.data_dir.value_or(""));
  auto stored_relays = registry->load();
  auto revoked = [registry](const std::string& identifier) { return registry->revoked(identifier); };
  // Default deny: plaintext reaches only the channel listener; non-members only enrollment; members only the
  // hub's services; revoked identities nothing (channel/admission.hpp).
  node.router.set_admission([revoked](const Message& message) {
    return channel::hub_admission(message, identity::system_now(), revoked);
  });
  // A node still sending on a channel whose next hop is gone (that node's link closed) is told so.
  auto dead_letters = hub_dead_letters(node.router, std::make_shared<channel::ChannelDeadLetters>(node.router));
  node.router.set_dead_letters(dead_letters);
  relay::RelayService::Options relay_options{
      // Weak: the registry holds the relay service (registry->start below), so a strong capture would be a cycle.
      .persist = [weak = std::weak_ptr<HubRegistry>(registry)](const relay::RelayTable& table) {
        if (auto r = weak.lock()) r->persist(table);
      },
      .persist_soon = [weak = std::weak_ptr<HubRegistry>(registry)] {
        if (auto r = weak.lock()) r->persist_soon();
      },
      .offline = dead_letters};
  if (config.relay_names_per_identity) relay_options.limits.names_per_owner = *config.relay_names_per_identity;
  if (config.relay_keep) relay_options.limits.keep_unseen = static_cast<std::uint64_t>(config.relay_keep->count());
  auto relays = relay::RelayService::start(node.router, relay_options, stored_relays);
  node.router.register_worker(Address::local("echo"), std::make_shared<EchoWorker>(node.router, Address::local("echo")));
  auto counters = monitor.counters();
  auto listener = channel::SecureChannelListener::start(node.io.get_executor(), node.router, {
      .identity = std::make_shared<const identity::Identity>(*me),
      .policy = {.authority = me->public_key(), .allow_anonymous = true},
      .aes_hardware = host.fast_aes,
      .on_handshake_failure = [counters](const std::string&) { ++counters->handshake_failures; },
  });
  listener->set_handshake_limits(config.handshakes, 1);  // a source is a link (connections per address: below)
  monitor.watch({.relays_registered = [relays] { return std::uint64_t{relays->table().size()}; },
                 .identity = me->identifier(), .relays = [relays] { return relay_status(*relays); },
                 .members_connected = [listener] { return std::uint64_t{listener->established_peers().size()}; }});
  node.tcp.set_connection_limits(config.connections);
  // A node's channel lives on its link: when the link closes, so does the channel (and its relay goes offline).
  node.tcp.on_accepted_link_closed([listener](const Address& link) { listener->close_channels("its link closed", link); });
  // The relay's reply addresses for a node whose channel closed lead nowhere any more.
  listener->on_channel_closed([relays](const Address& encryptor, const std::string&) { relays->forget_route(encryptor); });
  registry->start(relays, listener);
  identity::EnrollmentService::Options enrollment;
  enrollment.revoked = revoked;
  if (config.credential_ttl) enrollment.credential_lifetime = *config.credential_ttl;
  node.router.register_worker(Address::local(std::string(identity::kEnrollAddress)),
                              std::make_shared<identity::EnrollmentService>(
                                  node.router, *me, identity::TokenStore(config.data_dir.value_or("")), enrollment));
  asio::co_spawn(node.io, node.tcp.serve(*acceptor), asio::detached);
  spdlog::info("hub listening on {}: secure channels at 0#secure; members reach the relay service (0#relay) and echo; "
               "enrollment at 0#enroll; credentials last {} s; {} relay names per identity, kept {} s unseen",
               config.listen.to_string(), enrollment.credential_lifetime.count(), relay_options.limits.names_per_owner,
               relay_options.limits.keep_unseen);
  notify_ready(config);
  on_termination(node, [] {}, [] { return std::size_t{0}; }, [registry, relays] { registry->persist(relays->table()); });
  node.io.run();
  return 0;
}

namespace {

// What inlets and outlets share: the hub identity they trust, the secure channel to the hub over a
// reconnecting link, membership (enrollment, refresh), and default-deny admission.
struct HubMember {
  std::shared_ptr<const identity::Identity> me;
  std::shared_ptr<TcpLink> link;
  std::shared_ptr<channel::HubSession> session;
  std::shared_ptr<Membership> membership;
};

// The hub this node trusts and its stored credential, or nothing after a one-line error naming OCKAM_ENROLL.
std::optional<Trust> trust_of(const Config& config) {
  auto trust = load_trust(config, identity::Vault(config.data_dir.value_or("")));
  if (auto* problem = std::get_if<std::string>(&trust)) {
    std::fprintf(stderr, "portico: %s\n", problem->c_str());
    return std::nullopt;
  }
  return std::get<Trust>(std::move(trust));
}

HubMember join_hub(Node& node, const Config& config, const platform::PlatformInfo& host, const identity::Identity& me,
                   Trust trust, Monitor& monitor, std::map<std::string, std::string> hub_answers) {
  const std::string hub_identifier = trust.hub_identifier;
  spdlog::info("hub {} must prove identity {}", config.hub.to_string(), hub_identifier);
  HubMember member;
  member.me = std::make_shared<const identity::Identity>(me);
  member.link = node.tcp.connect(config.hub.to_string());
  auto counters = monitor.counters();
  member.session = channel::HubSession::start(member.link, node.router, {
      .channel = {.identity = member.me, .aes_hardware = host.fast_aes},
      .hub_identifier = hub_identifier,
      .hub_name = "hub " + config.hub.to_string(),
      .on_failure = [counters](const std::string&) { ++counters->handshake_failures; },
  });
  member.membership = Membership::start(node.router, member.session, identity::Vault(config.data_dir.value_or("")),
                                        std::move(trust), config.enroll, me.identifier());
  hub_answers.emplace(identity::kEnrollClientAddress, identity::kEnrollAddress);
  hub_answers.emplace(identity::kMembershipAddress, identity::kMembershipAddress);
  node.router.set_admission([access = channel::NodeAccess{hub_identifier, std::move(hub_answers)}](const Message& m) {
    return channel::node_admission(access, m);
  });
  // A peer still using a channel this node no longer has (it restarted, or closed the channel) is told so.
  node.router.set_dead_letters(std::make_shared<channel::ChannelDeadLetters>(node.router));
  return member;
}

}  // namespace

namespace {

// One inlet of a member node: its local port, its end-to-end channel to the relay's owner, its streams.
struct InletPortal {
  node::InletOptions options;
  std::shared_ptr<channel::OutletChannel> channel{};
  std::unique_ptr<portal::PortalInlet> inlet{};
  std::optional<asio::ip::tcp::acceptor> acceptor{};
};

// One outlet of a member node: its relay registration and its target's streams.
struct OutletPortal {
  node::OutletOptions options;
  std::string name{};  // the relay name registered
  std::shared_ptr<portal::PortalOutlet> outlet{};
  std::shared_ptr<relay::RelayClient> client{};
};

// The address the hub's answers for the `index`th inlet or outlet come back to: the plain one for the first, so a
// one-portal node looks exactly as before.
std::string answer_address(std::string_view base, std::size_t index) {
  return index == 0 ? std::string(base) : std::string(base) + "-" + std::to_string(index);
}

// The attributes every outlet requires alike: the end-to-end listener checks them at the handshake (a peer that
// no outlet would let in is refused before it has a channel); each outlet checks its own at every Open.
std::map<std::string, std::string> common_allow(const std::vector<OutletPortal>& outlets) {
  if (outlets.empty()) return {};
  std::map<std::string, std::string> common = outlets.front().options.allow;
  for (const auto& o : outlets) {
    std::erase_if(common, [&](const auto& kv) {
      auto it = o.options.allow.find(kv.first);
      return it == o.options.allow.end() || it->second != kv.second;
    });
  }
  return common;
}

std::string allow_text(const node::OutletOptions& o) {
  return o.allow.empty() ? ", any member of the hub may open streams (OCKAM_ALLOW=any)"
                         : ", inlets need " + identity::describe_attributes(o.allow) +
                               (o.allow_is_default ? " (the default; set OCKAM_ALLOW to change it)" : "");
}

}  // namespace

// A member node: one link, hub channel and membership shared by every inlet and outlet the configuration names
// (one of them for OCKAM_IN or OCKAM_OUT, any number from OCKAM_CONFIG).
int run_member(const Config& config, const platform::PlatformInfo& host) {
  Node node;
  if (!hub_resolves(node.io, config.hub)) return exit_code::kHub;
  std::vector<InletPortal> inlets;
  for (const auto& options : config.inlets) {
    auto acceptor = listen_on(node.io, options.listen, config.role == Role::node ? "OCKAM_CONFIG inlet" : "OCKAM_IN");
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
  std::vector<OutletPortal> outlets;
  for (const auto& options : config.outlets) {
    OutletPortal o{.options = options};
    o.name = options.relay ? *options.relay : relay_name(config, host.device_id, *node_id);
    outlets.push_back(std::move(o));
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
  auto trust = trust_of(config);
  if (!trust) return exit_code::kEnroll;
  auto me = load_identity(config);
  if (!me) return exit_code::kData;
  Monitor monitor(node.io, config);
  if (!monitor.start(data_dir)) return exit_code::kMetrics;
  spdlog::info("{}", platform::summary(host));
  spdlog::info("identity {}", me->identifier());
  std::map<std::string, std::string> hub_answers;
  for (std::size_t i = 0; i < inlets.size(); ++i) {
    hub_answers.emplace(answer_address(channel::OutletChannel::kLookupAddress, i), relay::kServiceAddress);
  }
  for (std::size_t i = 0; i < outlets.size(); ++i) {
    hub_answers.emplace(answer_address(relay::RelayClient::kClientAddress, i), relay::kServiceAddress);
  }
  auto hub = join_hub(node, config, host, *me, std::move(*trust), monitor, std::move(hub_answers));
  auto counters = monitor.counters();

  // Inlets: each opens its own end-to-end channel to the owner of its relay name, on demand.
  for (std::size_t i = 0; i < inlets.size(); ++i) {
    InletPortal& in = inlets[i];
    in.channel = channel::OutletChannel::start(node.router, hub.session, {
        .channel = {.identity = hub.me, .credential = hub.membership->credential_bytes(), .aes_hardware = host.fast_aes,
                    .idle_timeout = kInletChannelIdle,
                    .on_handshake_failure = [counters](const std::string&) { ++counters->handshake_failures; }},
        .relay_name = in.options.relay,
        // The owner the hub names must be the one pinned on first use, or OCKAM_FORWARD_IDENTITY (relay_pins.hpp).
        .vet_owner = [pins = RelayPins(data_dir), name = in.options.relay,
                      expected = in.options.relay_identity](const std::string& owner) { return pins.vet(name, owner, expected); },
        .lookup_address = answer_address(channel::OutletChannel::kLookupAddress, i),
    });
    in.inlet = std::make_unique<portal::PortalInlet>(node.router, Route{}, "relay \"" + in.options.relay + "\"",
                                                     portal::PortalOptions{.counters = counters});
    in.inlet->set_routes(in.channel->routes());
    // An end-to-end channel that closes (the outlet restarted and refused its records, say) takes its open
    // streams with it; streams still waiting for the outlet's answer open again on a new channel.
    in.channel->on_lost([inlet = in.inlet.get()](const Address& first_hop, const std::string& why) {
      inlet->route_lost(first_hop, why);
    });
  }

  // Outlets: one end-to-end listener for all (members only, with the attributes every outlet requires; each
  // outlet checks its own OCKAM_ALLOW per Open). Its policy needs the hub's key, known once the hub channel is up.
  for (auto& o : outlets) {
    o.outlet = portal::PortalOutlet::start(node.io.get_executor(), node.router, o.options.target, {.counters = counters},
                                           {.max_streams_per_peer = o.options.max_streams_per_peer, .allow = o.options.allow},
                                           o.name, outlets.size() == 1);
  }
  const auto listener_allow = common_allow(outlets);
  std::shared_ptr<channel::SecureChannelListener> listener;
  auto listener_options = [&, counters] {
    return channel::ChannelOptions{
        .identity = hub.me,
        .credential = hub.membership->credential_bytes(),
        .policy = {.authority = hub.session->hub()->identity_key, .required_attributes = listener_allow},
        .aes_hardware = host.fast_aes,
        .idle_timeout = kOutletChannelIdle,
        .on_handshake_failure = [counters](const std::string&) { ++counters->handshake_failures; },
    };
  };
  auto reset_all = [&](const std::string& why, bool tell_peer) {
    for (auto& in : inlets) in.inlet->reset_all(why, tell_peer);
    for (auto& o : outlets) o.outlet->reset_all(why, tell_peer);
  };
  hub.session->on_state_change([&](bool up) {
    if (!up) {
      // Every stream runs inside an end-to-end channel inside the hub channel: when that goes, the streams are
      // gone for good, so close their clients and targets now rather than leave them hanging.
      if (listener) listener->close_channels("the secure channel to the hub went down");
      reset_all("the secure channel to the hub went down", false);
      return;
    }
    if (outlets.empty()) return;
    if (listener) {
      listener->set_options(listener_options());
      return;
    }
    listener = channel::SecureChannelListener::start(node.io.get_executor(), node.router, listener_options());
    // A source is a peer's channel to the hub: [the hub channel, the hub's hop back to that peer].
    listener->set_handshake_limits(config.handshakes, 2);
    // An inlet's channel that closes (refused by the hub because the inlet went away, idle, ...) takes the
    // streams through it along, closing their target connections now rather than at the dead-peer timeout.
    listener->on_channel_closed([&outlets](const Address& encryptor, const std::string& why) {
      for (auto& o : outlets) o.outlet->reset_via(encryptor, "its end-to-end channel closed: " + why);
    });
  });
  // The hub revoked an identity: the channels with it close now (an inlet's to that outlet, the outlets' from it).
  node.router.register_worker(Address::local(std::string(identity::kMembershipAddress)),
                              std::make_shared<MembershipNotices>([&](const std::string& id) {
                                for (auto& in : inlets) {
                                  if (in.channel->owner() == id) in.channel->discard("the hub revoked " + id);
                                }
                                if (listener) listener->close_channels_with(id, "the hub revoked " + id);
                              }));
  // Channels opened from now on present the newest credential (peers check its expiry).
  hub.membership->on_credential([&] {
    for (auto& in : inlets) in.channel->set_credential(hub.membership->credential_bytes());
    if (listener && hub.session->hub()) listener->set_options(listener_options());
  });
  const std::string hub_text = config.hub.to_string();
  // READY=1 once every inlet listens and every outlet's relay is registered (the first time each is).
  auto registered = std::make_shared<std::size_t>(0);
  auto listening = std::make_shared<bool>(false);
  auto maybe_ready = [&config, registered, listening, total = outlets.size()] {
    if (*listening && *registered == total) notify_ready(config);
  };
  for (std::size_t i = 0; i < outlets.size(); ++i) {
    OutletPortal& o = outlets[i];
    o.client = relay::RelayClient::start(node.router, hub.session, {
        .name = o.name,
        .owner = me->identifier(),
        .on_registered = [name = o.name, hub_text, target = o.options.target.to_string(), &config, counters, registered,
                          maybe_ready](const relay::Registered&, bool first) {
          ++counters->relay_registrations;
          spdlog::info("relay \"{}\" registered on hub {}", name, hub_text);
          if (!first) return;
          spdlog::info("outlet ready: relay \"{}\" on hub {} -> {}", name, hub_text, target);
          ++*registered;
          maybe_ready();
        },
        .on_refused = [name = o.name, hub_text](const relay::Refused& refused) {
          spdlog::error("hub {} refused relay \"{}\": {}", hub_text, name, refused.reason);
        },
        .client_address = answer_address(relay::RelayClient::kClientAddress, i),
    });
    spdlog::info("outlet for {} starting: node id {}, data dir {}, relay \"{}\"{}", o.options.target.to_string(),
                 *node_id, data_dir, o.name, allow_text(o.options));
  }
  for (auto& in : inlets) {
    asio::co_spawn(node.io, in.inlet->serve(*in.acceptor), asio::detached);
    spdlog::info("inlet listening on {} -> relay \"{}\" on hub {} (end-to-end secure channel)",
                 in.options.listen.to_string(), in.options.relay, hub_text);
  }
  *listening = true;
  maybe_ready();

  auto open_streams = [&] {
    std::size_t n = 0;
    for (auto& in : inlets) n += in.inlet->open_streams();
    for (auto& o : outlets) n += o.outlet->open_streams();
    return n;
  };
  auto all_registered = [&] {
    return std::all_of(outlets.begin(), outlets.end(), [](const OutletPortal& o) { return o.client->registered(); });
  };
  Monitor::Sources sources{.hub_link = hub.link, .hub_channel = hub.session,
                           .open_streams = [&] { return std::uint64_t{open_streams()}; },
                           .identity = me->identifier(),
                           .credential = [membership = hub.membership] { return membership->credential_bytes(); }};
  if (config.role == Role::inlet) {
    sources.peers = [&] { return inlet_peers(*inlets[0].channel, *inlets[0].inlet); };
  } else if (config.role == Role::outlet) {
    sources.relay = outlets[0].name;
    sources.relay_registered = all_registered;
    sources.peers = [&] { return outlet_peers(listener.get(), *outlets[0].outlet); };
  } else {
    std::string names;
    for (auto& o : outlets) names += (names.empty() ? "" : ",") + o.name;
    sources.relay = names;
    sources.relay_registered = all_registered;
    sources.peers = [&] {
      std::vector<metrics::PeerStatus> peers;
      for (auto& in : inlets) for (auto& p : inlet_peers(*in.channel, *in.inlet)) peers.push_back(std::move(p));
      for (auto& o : outlets) for (auto& p : outlet_peers(listener.get(), *o.outlet)) peers.push_back(std::move(p));
      return peers;
    };
    // Per portal: its streams and registration (bytes are counted for the node as a whole: /metrics).
    sources.inlets = [&] {
      std::vector<metrics::InletStatus> list;
      for (auto& in : inlets) {
        list.push_back({.listen = in.options.listen.to_string(), .relay = in.options.relay,
                        .open_streams = in.inlet->open_streams()});
      }
      return list;
    };
    sources.outlets = [&] {
      std::vector<metrics::OutletStatus> list;
      for (auto& o : outlets) {
        list.push_back({.relay = o.name, .target = o.options.target.to_string(), .registered = o.client->registered(),
                        .open_streams = o.outlet->open_streams()});
      }
      return list;
    };
  }
  monitor.watch(std::move(sources));
  on_termination(node,
                 [&] {
                   for (auto& in : inlets) in.inlet->stop_accepting();
                   for (auto& o : outlets) { o.outlet->stop_accepting(); o.client->stop(); }
                 },
                 open_streams,
                 [&] {
                   for (auto& in : inlets) in.inlet->reset_all("the inlet is shutting down");
                   for (auto& o : outlets) o.outlet->reset_all("the outlet is shutting down");
                 });
  node.io.run();
  return 0;
}

}  // namespace portico::agent
