#include "monitor.hpp"

#include <cstdio>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include "identity/credential.hpp"
#include "identity/token_store.hpp"
#include "metrics_server.hpp"
#include "process_reader.hpp"

namespace portico::agent {

Monitor::Monitor(asio::io_context& io, const Config& config)
    : io_(io), config_(config), started_at_(identity::system_now()) {}

Monitor::~Monitor() {
  asio::error_code ignored;
  if (metrics_acceptor_) metrics_acceptor_->close(ignored);
}

bool Monitor::start(const std::string& data_dir) {
  if (config_.metrics) {
    const HostPort& at = *config_.metrics;
    try {
      asio::ip::tcp::resolver resolver(io_);
      const auto endpoint = resolver.resolve(at.host, std::to_string(at.port)).begin()->endpoint();
      metrics_acceptor_.emplace(io_);
      metrics_acceptor_->open(endpoint.protocol());
      metrics_acceptor_->set_option(asio::socket_base::reuse_address(true));
      metrics_acceptor_->bind(endpoint);
      metrics_acceptor_->listen();
    } catch (const std::system_error& e) {
      std::fprintf(stderr, "portico: OCKAM_METRICS: cannot listen on %s: %s (example: OCKAM_METRICS=127.0.0.1:9464)\n",
                   at.to_string().c_str(), e.code().message().c_str());
      return false;
    }
    asio::co_spawn(io_, serve_metrics(*metrics_acceptor_, [this] { return metrics::render_prometheus(snapshot()); }),
                   asio::detached);
  }
  if (const auto path = status_socket_path(config_, data_dir)) {
    status_ = StatusServer::start(io_, *path, {
        .health = [this] { return health(); },
        .status_json = [this] { return metrics::render_status_json(status()); },
        .status_text = [this] { return metrics::render_status_text(status(), identity::system_now()); },
    });
  } else {
    std::fprintf(stderr, "portico: OCKAM_DATA: '%s' is too long for the status socket; `portico health` will not "
                         "answer (example: OCKAM_DATA=/data/portico)\n", data_dir.c_str());
  }
  return true;
}

void Monitor::watch(Sources sources) {
  sources_ = std::move(sources);
  if (!sources_.hub_link) return;
  // "Up" is the secure channel when there is one (the link alone carries nothing a member can use).
  const std::shared_ptr<HubPath>& state = sources_.hub_channel ? sources_.hub_channel : sources_.hub_link;
  link_->up = state->up();
  link_->link_up = link_->was_up = sources_.hub_link->up();
  link_->since = identity::system_now();
  // Hold the state and counters, not the Monitor: the link may outlive it by a moment at shutdown.
  sources_.hub_link->on_state_change([link = link_, counters = counters_](bool up) {
    if (up && link->was_up) ++counters->reconnects;
    link->was_up = link->was_up || up;
    if (up != link->link_up) link->since = identity::system_now();
    link->link_up = up;
  });
  state->on_state_change([link = link_](bool up) { link->up = up; });
}

metrics::Snapshot Monitor::snapshot() const {
  metrics::Snapshot s{.role = role_name(config_.role), .version = PORTICO_VERSION, .counters = *counters_};
  if (sources_.open_streams) s.open_streams = sources_.open_streams();
  if (sources_.relays_registered) s.relays_registered = sources_.relays_registered();
  if (sources_.relay_registered) s.relays_registered = sources_.relay_registered() ? 1 : 0;
  if (config_.role != Role::hub) s.hub_link_up = link_->up;
  s.process = read_process_stats();
  if (auto held = credential()) s.credential_expires_at = held->expires_at;
  if (sources_.relays) s.relays = sources_.relays();
  return s;
}

std::optional<metrics::CredentialStatus> Monitor::credential() const {
  if (!sources_.credential) return std::nullopt;
  const Bytes encoded = sources_.credential();
  if (encoded.empty()) return std::nullopt;
  auto decoded = identity::decode_credential(encoded);
  if (!decoded) return std::nullopt;
  return metrics::CredentialStatus{.attributes = decoded->attributes, .expires_at = decoded->expires_at};
}

metrics::NodeStatus Monitor::status() const {
  const std::uint64_t now = identity::system_now();
  metrics::NodeStatus s{.role = std::string(role_name(config_.role)),
                        .version = PORTICO_VERSION,
                        .identity = sources_.identity,
                        .started_at = started_at_,
                        .uptime_seconds = now > started_at_ ? now - started_at_ : 0};
  const metrics::Counters& c = *counters_;
  const std::uint64_t open = sources_.open_streams ? sources_.open_streams() : 0;
  if (config_.role != Role::hub) {
    s.hub = metrics::HubLinkStatus{.address = config_.hub.to_string(), .link_up = link_->link_up,
                                   .since = link_->since, .channel_up = link_->up};
    s.credential = credential();
    if (sources_.peers) s.peers = sources_.peers();
  }
  if (sources_.inlets) s.inlets = sources_.inlets();
  if (sources_.outlets) s.outlets = sources_.outlets();
  if (config_.role == Role::inlet && !sources_.inlets) {
    s.inlets.push_back({.listen = config_.inlet_listen.to_string(), .relay = config_.forward, .open_streams = open,
                        .bytes_in = c.portal_bytes_in, .bytes_out = c.portal_bytes_out});
  }
  if (config_.role == Role::outlet && !sources_.outlets) {
    s.outlets.push_back({.relay = sources_.relay, .target = config_.outlet_target.to_string(),
                         .registered = sources_.relay_registered && sources_.relay_registered(), .open_streams = open,
                         .bytes_in = c.portal_bytes_in, .bytes_out = c.portal_bytes_out});
  }
  if (config_.role == Role::hub) {
    if (sources_.relays) s.relays = sources_.relays();
    s.members_connected = sources_.members_connected ? sources_.members_connected() : 0;
  }
  return s;
}

metrics::Health Monitor::health() const {
  const std::string local = config_.role == Role::hub     ? config_.listen.to_string()
                            : config_.role == Role::inlet ? config_.inlet_listen.to_string()
                            : config_.role == Role::node  ? std::to_string(config_.inlets.size()) + " inlets, " +
                                                                std::to_string(config_.outlets.size()) + " outlets"
                                                          : config_.outlet_target.to_string();
  const std::string hub = config_.hub.to_string();
  return metrics::judge_health({
      .role = role_name(config_.role),
      .local = local,
      .hub = hub,
      .hub_link_up = link_->up,
      .relay = config_.role == Role::inlet ? std::string_view(config_.forward) : std::string_view(sources_.relay),
      .relay_registered = sources_.relay_registered && sources_.relay_registered(),
      .relays = sources_.relays_registered ? sources_.relays_registered() : 0,
  });
}

}  // namespace portico::agent
