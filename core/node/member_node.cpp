#include "node/member_node.hpp"

#include <algorithm>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include "channel/admission.hpp"
#include "channel/dead_letters.hpp"
#include "channel/hub_session.hpp"
#include "channel/outlet_channel.hpp"
#include "identity/enrollment_client.hpp"
#include "identity/enrollment_service.hpp"
#include "identity/token_store.hpp"
#include "identity/membership_messages.hpp"
#include "node/membership_notices.hpp"
#include "node/relay_pins.hpp"
#include "node/status_sources.hpp"
#include "p2p/direct_paths.hpp"
#include "p2p/rendezvous_client.hpp"
#include "p2p/rendezvous_service.hpp"
#include "portal/portal_inlet.hpp"
#include "relay/relay_client.hpp"
#include "util/log_limit.hpp"

namespace portico::node {

// One inlet: its local port (if any), its end-to-end channel to the relay's owner, its streams.
struct MemberNode::Inlet {
  InletSpec spec;
  std::size_t index = 0;  // which answer address the hub's lookups come back to
  std::shared_ptr<channel::OutletChannel> channel{};
  std::unique_ptr<portal::PortalInlet> inlet{};
  std::shared_ptr<metrics::PortalBytes> bytes = std::make_shared<metrics::PortalBytes>();
};

// One outlet: its relay registration and its target's streams.
struct MemberNode::Outlet {
  OutletSpec spec;
  std::shared_ptr<portal::PortalOutlet> outlet{};
  std::shared_ptr<relay::RelayClient> client{};
  std::shared_ptr<metrics::PortalBytes> bytes = std::make_shared<metrics::PortalBytes>();
};

namespace {

// The address the hub's answers for the `index`th inlet or outlet come back to: the plain one for the first, so a
// one-portal node looks exactly as before.
std::string answer_address(std::string_view base, std::size_t index) {
  return index == 0 ? std::string(base) : std::string(base) + "-" + std::to_string(index);
}

std::string allow_text(const OutletOptions& o) {
  return o.allow.empty() ? ", any member of the hub may open streams (OCKAM_ALLOW=any)"
                         : ", inlets need " + identity::describe_attributes(o.allow) +
                               (o.allow_is_default ? " (the default; set OCKAM_ALLOW to change it)" : "");
}

}  // namespace

MemberNode::MemberNode(asio::io_context& io, MemberParts parts)
    : io_(io), tcp_(io.get_executor(), router_), parts_(std::move(parts)), identifier_(parts_.me.identifier()),
      me_(std::make_shared<const identity::Identity>(parts_.me)) {
  router_.register_transport(transport_type::kTcp, tcp_);
  for (std::size_t i = 0; i < parts_.inlets.size(); ++i) {
    inlets_.push_back(std::make_unique<Inlet>(Inlet{.spec = std::move(parts_.inlets[i]), .index = i}));
  }
  for (auto& spec : parts_.outlets) {
    if (spec.target_text.empty()) spec.target_text = spec.options.target.to_string();
    outlets_.push_back(std::make_unique<Outlet>(Outlet{.spec = std::move(spec)}));
  }
  parts_.inlets.clear();
  parts_.outlets.clear();
}

MemberNode::~MemberNode() = default;

void MemberNode::install_admission() {
  router_.set_admission([access = channel::NodeAccess{parts_.trust.hub_identifier, hub_answers_}](const Message& m) {
    return channel::node_admission(access, m);
  });
}

void MemberNode::join_hub() {
  const auto& hub = parts_.options.hub;
  spdlog::info("hub {} must prove identity {}", hub.to_string(), parts_.trust.hub_identifier);
  auto counters = parts_.counters;
  session_ = channel::HubSession::start(tcp_.connect(hub.to_string()), router_, {
      .channel = {.identity = me_, .aes_hardware = parts_.options.aes_hardware},
      .hub_identifier = parts_.trust.hub_identifier,
      .hub_name = "hub " + hub.to_string(),
      .on_failure = [counters](const std::string&) { ++counters->handshake_failures; },
  });
  membership_ = Membership::start(router_, session_, identity::Vault(parts_.options.data_dir), parts_.trust,
                                  parts_.options.enroll, identifier_);
  hub_answers_.emplace(identity::kEnrollClientAddress, identity::kEnrollAddress);
  hub_answers_.emplace(identity::kMembershipAddress, identity::kMembershipAddress);
  for (std::size_t i = 0; i < inlets_.size(); ++i) {
    hub_answers_.emplace(answer_address(channel::OutletChannel::kLookupAddress, i), relay::kServiceAddress);
  }
  for (std::size_t i = 0; i < outlets_.size(); ++i) {
    hub_answers_.emplace(answer_address(relay::RelayClient::kClientAddress, i), relay::kServiceAddress);
  }
  if (parts_.options.direct_paths) start_direct_paths();
  install_admission();
  // A peer still using a channel this node no longer has (it restarted, or closed the channel) is told so.
  router_.set_dead_letters(std::make_shared<channel::ChannelDeadLetters>(router_));
}

void MemberNode::start_direct_paths() {
  std::error_code error;
  udp_ = p2p::UdpPort::open(io_.get_executor(), error);
  if (!udp_) {
    spdlog::warn("direct paths: cannot open a UDP socket: {}; streams stay on the relay", error.message());
    return;
  }
  const auto& hub = parts_.options.hub;
  direct_ = p2p::DirectPaths::start(router_, udp_, parts_.counters);
  // A direct link up: the inlet whose relay channel offered it opens a channel over it for its new streams.
  direct_->on_link([this](const Address& encryptor, const Address& link, const std::string&) {
    for (auto& in : inlets_) {
      if (in->channel && in->channel->relays_through(encryptor)) in->channel->open_direct(link);
    }
  });
  direct_->on_link_closed([this](const Address&, const Address& link, const std::string& why) {
    for (auto& in : inlets_) {
      if (in->channel) in->channel->direct_lost(link, why);
    }
    // The outlet's channels over that link (and the streams through them) end now, not at their idle timeout.
    if (listener_) listener_->close_channels("the direct link closed: " + why, link);
  });
  hub_answers_.emplace(p2p::RendezvousClient::kClientAddress, p2p::kRendezvousAddress);
  rendezvous_ = p2p::RendezvousClient::start(
      router_, session_, udp_,
      {.hub_host = hub.host, .hub_name = "hub " + hub.to_string(),
       .on_endpoint = [direct = direct_](const p2p::SeenEndpoint& seen) { direct->set_public_endpoint(seen); },
       .member = [this] { return member(); }});
}

void MemberNode::start_inlet(Inlet& in) {
  auto counters = parts_.counters;
  const auto& o = in.spec.options;
  in.channel = channel::OutletChannel::start(router_, session_, {
      .channel = {.identity = me_, .credential = membership_->credential_bytes(),
                  .aes_hardware = parts_.options.aes_hardware, .idle_timeout = kInletChannelIdle,
                  .on_handshake_failure = [counters](const std::string&) { ++counters->handshake_failures; }},
      .relay_name = o.relay,
      // The owner the hub names must be the one pinned on first use, or relay_identity (relay_pins.hpp).
      .vet_owner = [pins = RelayPins(parts_.options.data_dir), name = o.relay,
                    expected = o.relay_identity](const std::string& owner) { return pins.vet(name, owner, expected); },
      .lookup_address = answer_address(channel::OutletChannel::kLookupAddress, in.index),
  });
  in.inlet = std::make_unique<portal::PortalInlet>(router_, Route{}, "relay \"" + o.relay + "\"",
                                                   portal::PortalOptions{.counters = counters, .bytes = in.bytes});
  in.inlet->set_routes(in.channel->routes());
  in.inlet->on_idle([this] { drained(); });
  // An end-to-end channel that closes (the outlet restarted and refused its records, say) takes its open
  // streams with it; streams still waiting for the outlet's answer open again on a new channel.
  in.channel->on_lost([inlet = in.inlet.get(), direct = direct_](const Address& first_hop, const std::string& why) {
    inlet->route_lost(first_hop, why);
    if (direct) direct->forget(first_hop, why);
  });
  // Once the end-to-end channel is up, the inlet offers the outlet a direct path inside it (streams start on the
  // relay at once and never wait for it).
  if (direct_) {
    in.channel->on_established([direct = direct_](const Address& encryptor, const std::string& owner) {
      direct->offer(encryptor, owner);
    });
  }
  if (in.spec.acceptor) {
    asio::co_spawn(io_, in.inlet->serve(*in.spec.acceptor), asio::detached);
    spdlog::info("inlet listening on {} -> relay \"{}\" on hub {} (end-to-end secure channel)", o.listen.to_string(),
                 o.relay, parts_.options.hub.to_string());
  }
}

channel::ChannelOptions MemberNode::listener_options() const {
  // The attributes every outlet requires alike: the end-to-end listener checks them at the handshake (a peer that
  // no outlet would let in is refused before it has a channel); each outlet checks its own at every Open.
  std::map<std::string, std::string> common = outlets_.front()->spec.options.allow;
  for (const auto& o : outlets_) {
    std::erase_if(common, [&](const auto& kv) {
      auto it = o->spec.options.allow.find(kv.first);
      return it == o->spec.options.allow.end() || it->second != kv.second;
    });
  }
  auto counters = parts_.counters;
  return channel::ChannelOptions{
      .identity = me_,
      .credential = membership_->credential_bytes(),
      .policy = {.authority = session_->hub()->identity_key, .required_attributes = common},
      .aes_hardware = parts_.options.aes_hardware,
      .idle_timeout = kOutletChannelIdle,
      .on_handshake_failure = [counters](const std::string&) { ++counters->handshake_failures; },
  };
}

void MemberNode::start_outlets() {
  const std::string hub_text = parts_.options.hub.to_string();
  for (std::size_t i = 0; i < outlets_.size(); ++i) {
    Outlet& o = *outlets_[i];
    o.outlet = portal::PortalOutlet::start(io_.get_executor(), router_, o.spec.options.target,
                                           {.counters = parts_.counters, .bytes = o.bytes},
                                           {.max_streams_per_peer = o.spec.options.max_streams_per_peer,
                                            .allow = o.spec.options.allow},
                                           o.spec.name, outlets_.size() == 1);
    if (o.spec.connector) o.outlet->set_connector(o.spec.connector, o.spec.target_text);
    o.outlet->on_idle([this] { drained(); });
    o.client = relay::RelayClient::start(router_, session_, {
        .name = o.spec.name,
        .owner = identifier_,
        .on_registered = [this, name = o.spec.name, hub_text, target = o.spec.target_text](const relay::Registered&,
                                                                                           bool first) {
          ++parts_.counters->relay_registrations;
          spdlog::info("relay \"{}\" registered on hub {}", name, hub_text);
          if (!first) return;
          spdlog::info("outlet ready: relay \"{}\" on hub {} -> {}", name, hub_text, target);
          ++registered_;
          maybe_ready();
        },
        .on_refused = [name = o.spec.name, hub_text](const relay::Refused& refused) {
          spdlog::error("hub {} refused relay \"{}\": {}", hub_text, name, refused.reason);
        },
        .client_address = answer_address(relay::RelayClient::kClientAddress, i),
    });
    spdlog::info("outlet for {} starting: data dir {}, relay \"{}\"{}", o.spec.target_text, parts_.options.data_dir,
                 o.spec.name, allow_text(o.spec.options));
  }
}

void MemberNode::start() {
  join_hub();
  for (auto& in : inlets_) start_inlet(*in);
  start_outlets();
  session_->on_state_change([this](bool up) {
    if (up) wake_member_waiters();
    if (!up) {
      // Every stream runs inside an end-to-end channel inside the hub channel: when that goes, the streams are
      // gone for good, so close their clients and targets now rather than leave them hanging.
      if (listener_) listener_->close_channels("the secure channel to the hub went down");
      reset_all("the secure channel to the hub went down", false);
      return;
    }
    if (outlets_.empty()) return;
    if (listener_) {
      listener_->set_options(listener_options());
      return;
    }
    listener_ = channel::SecureChannelListener::start(io_.get_executor(), router_, listener_options());
    // A source is a peer's channel to the hub: [the hub channel, the hub's hop back to that peer].
    listener_->set_handshake_limits(parts_.options.handshakes, 2);
    // An inlet's channel that closes (refused by the hub because the inlet went away, idle, ...) takes the
    // streams through it along, closing their target connections now rather than at the dead-peer timeout.
    listener_->on_channel_closed([this](const Address& encryptor, const std::string& why) {
      for (auto& o : outlets_) o->outlet->reset_via(encryptor, "its end-to-end channel closed: " + why);
      if (direct_) direct_->forget(encryptor, why);
    });
  });
  // The hub revoked an identity: the channels with it close now (an inlet's to that outlet, the outlets' from it).
  router_.register_worker(Address::local(std::string(identity::kMembershipAddress)),
                          std::make_shared<MembershipNotices>([this](const std::string& id) {
                            for (auto& in : inlets_) {
                              if (in->channel->owner() == id) in->channel->discard("the hub revoked " + id);
                            }
                            if (listener_) listener_->close_channels_with(id, "the hub revoked " + id);
                          }));
  // Channels opened from now on present the newest credential (peers check its expiry).
  membership_->on_credential([this] {
    // No wake_member_waiters() here: a node that has just enrolled reopens its hub channel to present the
    // credential, and is a member (for connect()) once that channel is up.
    for (auto& in : inlets_) in->channel->set_credential(membership_->credential_bytes());
    if (listener_ && session_->hub()) listener_->set_options(listener_options());
  });
  listening_ = true;
  maybe_ready();
}

MemberNode::Inlet* MemberNode::inlet_for(const std::string& relay) {
  for (auto& in : inlets_) {
    if (in->spec.options.relay == relay) return in.get();
  }
  if (inlets_.size() >= kMaxInlets) {
    if (auto gate = util::log_gate("node-inlets", "")) {
      spdlog::warn("connect to relay \"{}\" refused: this node already reaches {} relay names (kMaxInlets){}",
                   util::clip(relay), kMaxInlets, gate.suffix());
    }
    return nullptr;
  }
  // A new in-process inlet: the hub's lookup answers for it must be admitted from now on.
  InletOptions options;
  options.relay = relay;
  auto in = std::make_unique<Inlet>(Inlet{.spec = {.options = std::move(options)}, .index = inlets_.size()});
  hub_answers_.emplace(answer_address(channel::OutletChannel::kLookupAddress, in->index), relay::kServiceAddress);
  install_admission();
  start_inlet(*in);
  inlets_.push_back(std::move(in));
  return inlets_.back().get();
}

void MemberNode::connect(const std::string& relay, std::unique_ptr<ByteStream> connection,
                         std::function<void(const std::string& failure)> on_answer) {
  if (stopping_ || !session_) {
    on_answer(stopping_ ? "the node is shutting down" : "the node has not started");
    return;
  }
  Inlet* in = inlet_for(relay);
  if (in == nullptr) {
    on_answer("this node already reaches " + std::to_string(kMaxInlets) + " relay names (the most it keeps)");
    return;
  }
  in->inlet->adopt(std::move(connection), std::move(on_answer));
}

bool MemberNode::member() const { return session_ && session_->up() && membership_->member(); }

void MemberNode::when_member(std::weak_ptr<asio::steady_timer> waiter) {
  std::erase_if(member_waiters_, [](const auto& w) { return w.expired(); });  // callers that gave up
  member_waiters_.push_back(std::move(waiter));
  if (member() || stopping_) wake_member_waiters();
}

void MemberNode::wake_member_waiters() {
  if (!member() && !stopping_) return;
  for (auto& waiter : std::exchange(member_waiters_, {})) {
    if (auto timer = waiter.lock()) timer->cancel();
  }
}

void MemberNode::reset_all(const std::string& why, bool tell_peer) {
  for (auto& in : inlets_) in->inlet->reset_all(why, tell_peer);
  for (auto& o : outlets_) o->outlet->reset_all(why, tell_peer);
}

void MemberNode::maybe_ready() {
  if (ready_sent_ || !listening_ || registered_ < outlets_.size()) return;
  ready_sent_ = true;
  if (parts_.on_ready) parts_.on_ready();
}

void MemberNode::drained() {
  if (on_drained_ && open_streams() == 0 && drain_timer_) drain_timer_->cancel();
}

void MemberNode::shutdown(std::chrono::milliseconds drain, std::function<void()> done) {
  if (stopped_) {
    if (done) asio::post(io_, std::move(done));
    return;
  }
  if (done) done_.push_back(std::move(done));
  if (stopping_) return;  // the first shutdown calls every done_ when it is over
  stopping_ = true;
  wake_member_waiters();
  spdlog::info("stopping; draining {} open streams for at most {} ms", open_streams(), drain.count());
  for (auto& in : inlets_) in->inlet->stop_accepting();
  for (auto& o : outlets_) {
    o->outlet->stop_accepting();
    o->client->stop();
  }
  if (rendezvous_) rendezvous_->stop();
  if (direct_) direct_->stop();
  if (udp_) udp_->close();
  drain_timer_.emplace(io_, drain);
  on_drained_ = [this, drain] {
    if (const std::size_t left = open_streams(); left > 0) {
      spdlog::warn("{} streams still open after {} ms: closing them", left, drain.count());
      // Each stream's Reset is queued on the hub link, whose stop() below sends what it holds before closing.
      for (auto& in : inlets_) in->inlet->reset_all("the inlet is shutting down");
      for (auto& o : outlets_) o->outlet->reset_all("the outlet is shutting down");
    }
    // The hub link sends what it holds (those Resets, sent from coroutines just spawned: hence the post) before
    // it closes, for at most kFlushTime.
    asio::post(io_, [this] {
      tcp_.stop(kFlushTime, [this] {
        stopped_ = true;
        for (auto& done : std::exchange(done_, {})) done();
      });
    });
  };
  drain_timer_->async_wait([this](const asio::error_code&) {
    if (auto finish = std::exchange(on_drained_, nullptr)) finish();
  });
  drained();
}

std::shared_ptr<TcpLink> MemberNode::hub_link() const { return session_ ? session_->link() : nullptr; }

std::size_t MemberNode::open_streams() const {
  std::size_t n = 0;
  for (auto& in : inlets_) n += in->inlet ? in->inlet->open_streams() : 0;
  for (auto& o : outlets_) n += o->outlet ? o->outlet->open_streams() : 0;
  return n;
}

bool MemberNode::all_registered() const {
  return std::all_of(outlets_.begin(), outlets_.end(), [](const auto& o) { return o->client && o->client->registered(); });
}

Bytes MemberNode::credential() const { return membership_ ? membership_->credential_bytes() : Bytes{}; }

std::vector<metrics::PeerStatus> MemberNode::peers() const {
  std::vector<metrics::PeerStatus> peers;
  for (auto& in : inlets_) for (auto& p : inlet_peers(*in->channel, *in->inlet)) peers.push_back(std::move(p));
  for (auto& o : outlets_) for (auto& p : outlet_peers(listener_.get(), *o->outlet)) peers.push_back(std::move(p));
  return peers;
}

std::vector<metrics::InletStatus> MemberNode::inlets() const {
  std::vector<metrics::InletStatus> list;
  for (auto& in : inlets_) {
    if (!in->spec.acceptor) continue;  // in-process inlets have no port to show
    list.push_back({.listen = in->spec.options.listen.to_string(), .relay = in->spec.options.relay,
                    .open_streams = in->inlet->open_streams(), .bytes_in = in->bytes->in,
                    .bytes_out = in->bytes->out});
  }
  return list;
}

std::vector<metrics::OutletStatus> MemberNode::outlets() const {
  std::vector<metrics::OutletStatus> list;
  for (auto& o : outlets_) {
    list.push_back({.relay = o->spec.name, .target = o->spec.target_text, .registered = o->client->registered(),
                    .open_streams = o->outlet->open_streams(), .bytes_in = o->bytes->in,
                    .bytes_out = o->bytes->out});
  }
  return list;
}

}  // namespace portico::node
