#include "p2p/direct_paths.hpp"

#include <algorithm>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "util/log_limit.hpp"

namespace portico::p2p {
namespace {

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string short_id(const std::string& identifier) { return identifier.substr(0, 13); }

}  // namespace

DirectPaths::DirectPaths(Router& router, std::shared_ptr<UdpPort> port, std::shared_ptr<metrics::Counters> counters)
    : router_(router),
      port_(std::move(port)),
      timer_(port_->executor()),
      counters_(counters ? std::move(counters) : std::make_shared<metrics::Counters>()) {}

std::shared_ptr<DirectPaths> DirectPaths::start(Router& router, std::shared_ptr<UdpPort> port,
                                                std::shared_ptr<metrics::Counters> counters) {
  auto paths = std::make_shared<DirectPaths>(router, std::move(port), std::move(counters));
  router.register_worker(Address::local(std::string(kDirectPathsAddress)), paths);
  std::weak_ptr<DirectPaths> weak = paths;
  paths->port_->on_datagram("PPB1", [weak](ByteView datagram, const asio::ip::udp::endpoint& from) {
    if (auto self = weak.lock()) self->on_datagram(datagram, from);
  });
  paths->port_->on_other([weak](ByteView datagram, const asio::ip::udp::endpoint& from) {
    if (auto self = weak.lock()) self->on_quic_datagram(datagram, from);
  });
  asio::co_spawn(paths->timer_.get_executor(), paths->run_timers(), asio::detached);
  return paths;
}

std::vector<SeenEndpoint> DirectPaths::candidates() const {
  std::vector<SeenEndpoint> out;
  if (public_endpoint_) out.push_back(*public_endpoint_);
  for (const auto& local : local_candidates(port_->local_port())) {
    if (std::find(out.begin(), out.end(), local) == out.end()) out.push_back(local);
  }
  if (out.size() > kMaxEndpointsOnWire) out.resize(kMaxEndpointsOnWire);
  return out;
}

void DirectPaths::offer(const Address& encryptor, const std::string& peer) {
  if (stopped_) return;
  auto it = peers_.find(encryptor.value);
  if (it == peers_.end()) {
    if (peers_.size() >= kMaxPeers) {
      ++refused_offers_;
      if (auto gate = util::log_gate("direct-peers", "all")) {
        spdlog::warn("direct paths: no direct path to {}: this node already has {} peers (kMaxPeers); streams stay on "
                     "the relay{}", peer, kMaxPeers, gate.suffix());
      }
      return;
    }
    PathSecret secret{};
    randombytes_buf(secret.data(), secret.size());
    it = peers_.emplace(encryptor.value, Peer{.identifier = peer,
                                              .to_peer = Route{encryptor, Address::local(std::string(kDirectPathsAddress))},
                                              .initiator = true, .secret = secret,
                                              .prober = PathProber(secret, true)}).first;
  }
  send_offer(it->second);
}

void DirectPaths::send_offer(Peer& peer) {
  peer.last_offer = Clock::now();
  send_later(Message{peer.to_peer, Route{Address::local(std::string(kDirectPathsAddress))},
                     encode(DirectOffer{peer.secret, candidates()})});
}

void DirectPaths::send_answer(Peer& peer) {
  send_later(Message{peer.to_peer, Route{Address::local(std::string(kDirectPathsAddress))},
                     encode(DirectAnswer{candidates()})});
}

void DirectPaths::send_later(Message message) {
  asio::post(timer_.get_executor(), [weak = weak_from_this(), held = std::make_shared<Message>(std::move(message))] {
    if (auto self = weak.lock(); self && !self->stopped_) {
      asio::co_spawn(self->timer_.get_executor(), self->router_.send(std::move(*held)), asio::detached);
    }
  });
}

void DirectPaths::forget(const Address& encryptor, const std::string& why) {
  auto it = peers_.find(encryptor.value);
  if (it == peers_.end()) return;
  if (const auto& path = it->second.prober.path()) {
    spdlog::info("direct paths: direct path to {} via {} closed: {}", it->second.identifier, path->to_string(), why);
  }
  end_quic(it->second, "its end-to-end channel closed: " + why);
  peers_.erase(it);
  count_paths_up();
}

void DirectPaths::set_public_endpoint(const SeenEndpoint& endpoint) {
  if (public_endpoint_ == endpoint) return;
  public_endpoint_ = endpoint;
  // Peers learn it: the inlet offers again, the outlet answers unasked (a port-restricted NAT needs it probed).
  for (auto& [key, peer] : peers_) {
    if (peer.initiator) {
      send_offer(peer);
    } else {
      send_answer(peer);
    }
  }
}

asio::awaitable<void> DirectPaths::handle_message(Message message) {
  // Admission lets only peers' authenticated channels reach here (channel/admission.cpp); the return route's
  // first hop is this node's encryptor of that channel, which names the peer.
  if (message.return_route.empty() || !message.origin) co_return;
  const std::string key = message.return_route.front().value;
  auto decoded = decode_direct(message.payload);
  if (!decoded) {
    if (auto gate = util::log_gate("direct-malformed", message.origin->peer)) {
      spdlog::warn("direct paths: dropped a malformed message ({} bytes) from {}{}", message.payload.size(),
                   util::clip(message.origin->peer), gate.suffix());
    }
    co_return;
  }
  if (auto* offer = std::get_if<DirectOffer>(&*decoded)) {
    on_offer(key, message, std::move(*offer));
  } else if (auto* answer = std::get_if<DirectAnswer>(&*decoded)) {
    on_answer(key, std::move(*answer));
  } else {
    on_quic_packet(key, std::get<DirectPacket>(*decoded).packet);
  }
  co_return;
}

void DirectPaths::on_offer(const std::string& key, const Message& message, DirectOffer offer) {
  const std::string& from = message.origin->peer;
  auto it = peers_.find(key);
  if (it != peers_.end() && it->second.initiator) return;  // we offered on this channel: an offer back is no answer
  const auto now = Clock::now();
  if (it == peers_.end()) {
    const auto of_identity = static_cast<std::size_t>(
        std::count_if(peers_.begin(), peers_.end(), [&](const auto& entry) { return entry.second.identifier == from; }));
    if (peers_.size() >= kMaxPeers || of_identity >= kMaxPeersPerIdentity) {
      ++refused_offers_;
      if (auto gate = util::log_gate("direct-peers", "all")) {
        spdlog::warn("direct paths: refused a direct path offered by {}: this node already has {} peers{} "
                     "(kMaxPeers {}, kMaxPeersPerIdentity {}){}", util::clip(from),
                     of_identity >= kMaxPeersPerIdentity ? of_identity : peers_.size(),
                     of_identity >= kMaxPeersPerIdentity ? " of that identity" : "", kMaxPeers, kMaxPeersPerIdentity,
                     gate.suffix());
      }
      return;
    }
    it = peers_.emplace(key, Peer{.identifier = from, .to_peer = Route{message.return_route.front(),
                                                                      Address::local(std::string(kDirectPathsAddress))},
                                  .secret = offer.secret, .prober = PathProber(offer.secret, false)}).first;
  } else if (it->second.secret != offer.secret) {
    // A new secret from the same channel starts over (the prober and the QUIC connection were keyed by the old
    // one), at most once per kMinOfferGap.
    if (now - it->second.last_candidates < kMinOfferGap) {
      ++refused_offers_;
      if (auto gate = util::log_gate("direct-offers", from)) {
        spdlog::warn("direct paths: dropped an offer from {}: a new path secret within {} s of the last{}",
                     util::clip(from), kMinOfferGap.count(), gate.suffix());
      }
      return;
    }
    end_quic(it->second, "the peer offered a new path secret");
    Peer fresh{.identifier = from, .to_peer = it->second.to_peer, .secret = offer.secret,
               .prober = PathProber(offer.secret, false)};
    it->second = std::move(fresh);  // nothing keyed by the old secret stays
  }
  Peer& peer = it->second;
  peer.last_offer = now;
  send_answer(peer);
  take_candidates(peer, std::move(offer.candidates), now);
}

void DirectPaths::on_answer(const std::string& key, DirectAnswer answer) {
  auto it = peers_.find(key);
  if (it == peers_.end() || !it->second.initiator) return;  // an answer to no offer of ours
  take_candidates(it->second, std::move(answer.candidates), Clock::now());
}

void DirectPaths::take_candidates(Peer& peer, std::vector<SeenEndpoint> candidates, Clock::time_point now) {
  if (peer.last_candidates != Clock::time_point{} && now - peer.last_candidates < kMinOfferGap) {
    peer.pending_candidates = std::move(candidates);  // run_timers applies the newest at the gap's end
    wake();
    return;
  }
  peer.last_candidates = now;
  peer.pending_candidates.reset();
  apply(peer, peer.prober.set_candidates(std::move(candidates), now));
}

void DirectPaths::on_datagram(ByteView datagram, const asio::ip::udp::endpoint& from) {
  for (auto& [key, peer] : peers_) {
    if (!peer.prober.opens(datagram)) continue;
    const SeenEndpoint seen = seen_of(from);
    const std::uint64_t refused = peer.prober.refused();
    apply(peer, peer.prober.on_datagram(datagram, seen, Clock::now()));
    // Taken (not a replay, not misdirected) and from the path: the path answers, QUIC may use it.
    if (peer.prober.refused() == refused && peer.prober.path() == seen) peer.heard_direct = Clock::now();
    return;
  }
  on_quic_datagram(datagram, from);  // a QUIC packet whose first bytes happen to read "PPB1", or nothing
}

void DirectPaths::apply(Peer& peer, PathProber::Actions actions) {
  counters_->direct_rounds += peer.prober.rounds() - peer.rounds_counted;
  peer.rounds_counted = peer.prober.rounds();
  for (auto& action : actions) {
    if (auto* send = std::get_if<PathProber::Send>(&action)) {
      port_->send(send->datagram, udp_of(send->to));
    } else if (auto* proven = std::get_if<PathProber::Proven>(&action)) {
      ++counters_->direct_proven;
      peer.heard_direct = Clock::now();
      spdlog::info("direct paths: direct path to {} proven via {} (round trip {:.1f} ms)", peer.identifier,
                   proven->via.to_string(), static_cast<double>(proven->rtt.count()) / 1000.0);
      if (peer.initiator && (!peer.quic || peer.quic->closed())) {
        peer.quic_backoff = std::chrono::seconds(0);
        quic_due_.push_back(peer.to_peer.front().value);
      }
    } else if (auto* lost = std::get_if<PathProber::Lost>(&action)) {
      ++counters_->direct_lost;
      spdlog::warn("direct paths: direct path to {} via {} lost ({}); back on the relay", peer.identifier,
                   lost->via.to_string(), lost->why);
    } else if (auto* failed = std::get_if<PathProber::Failed>(&action)) {
      if (auto gate = util::log_gate("direct-failed", peer.identifier)) {
        spdlog::info("direct paths: no direct path to {}: {}{}; streams stay on the relay{}", peer.identifier,
                     failed->why, nat_hint(), gate.suffix());
      }
    }
  }
  count_paths_up();
  rearm();
  // QUIC starts after the prober's actions are done (start_quic sends, which may come back here).
  for (const std::string& key : std::exchange(quic_due_, {})) {
    if (auto it = peers_.find(key); it != peers_.end()) start_quic(key, it->second);
  }
}

std::string DirectPaths::nat_hint() const {
  const std::uint16_t local = port_->local_port();
  if (!public_endpoint_ || public_endpoint_->port == local) return {};
  return "; this node's NAT maps its UDP port " + std::to_string(local) + " to " +
         std::to_string(public_endpoint_->port) + " (it does not keep ports, as symmetric NATs do not)";
}

void DirectPaths::count_paths_up() {
  counters_->direct_paths_up = static_cast<std::uint64_t>(
      std::count_if(peers_.begin(), peers_.end(), [](const auto& entry) { return entry.second.prober.path(); }));
}

void DirectPaths::rearm() {
  if (stopped_) return;
  Clock::time_point next = Clock::time_point::max();
  for (const auto& [key, peer] : peers_) next = std::min(next, peer.prober.next_timer());
  if (next < timer_.expiry()) wake();
}

void DirectPaths::wake() {
  wake_pending_ = true;  // seen by run_timers even when no wait is pending yet (called from inside its loop)
  timer_.cancel();
}

asio::awaitable<void> DirectPaths::run_timers() {
  auto self = shared_from_this();
  while (!stopped_) {
    const auto now = Clock::now();
    Clock::time_point next = Clock::time_point::max();
    for (auto& [key, peer] : peers_) next = std::min(next, run_peer_timers(peer, now));
    for (const std::string& key : std::exchange(quic_due_, {})) {
      if (auto it = peers_.find(key); it != peers_.end()) start_quic(key, it->second);
    }
    if (std::exchange(wake_pending_, false)) continue;  // something changed meanwhile: look again
    timer_.expires_at(next);
    co_await timer_.async_wait(kUseTuple);
  }
}

// What is due for one peer now; returns when it next needs the timer.
DirectPaths::Clock::time_point DirectPaths::run_peer_timers(Peer& peer, Clock::time_point now) {
  if (peer.prober.next_timer() <= now) apply(peer, peer.prober.on_timer(now));
  Clock::time_point next = peer.prober.next_timer();
  if (peer.pending_candidates) {
    if (now - peer.last_candidates >= kMinOfferGap) {
      take_candidates(peer, std::move(*peer.pending_candidates), now);
      next = std::min(next, peer.prober.next_timer());  // a round they started
    } else {
      next = std::min(next, peer.last_candidates + kMinOfferGap);
    }
  }
  const bool proven = peer.prober.path().has_value();
  // The QUIC connection ended while the path stands: make it again, backing off.
  if (peer.initiator && proven && (!peer.quic || peer.quic->closed())) {
    if (now >= peer.next_quic_try) {
      quic_due_.push_back(peer.to_peer.front().value);
    } else {
      next = std::min(next, peer.next_quic_try);
    }
  }
  // A silent path is probed every kSilentPing, so traffic goes back to it as soon as it answers.
  if (proven && peer.quic && !peer.quic->closed() && !peer.carried_direct) {
    if (now - peer.last_ping >= kSilentPing) {
      peer.last_ping = now;
      apply(peer, peer.prober.ping(now));
    }
    next = std::min(next, peer.last_ping + kSilentPing);
  }
  // While a direct link is up the inlet offers again every kKeepRelayChannel: its candidates may have changed, and
  // the relay channel, which the link falls back on, must not close as idle (nothing else crosses it).
  if (peer.initiator && peer.link) {
    if (now - peer.last_offer >= kKeepRelayChannel) send_offer(peer);
    next = std::min(next, peer.last_offer + kKeepRelayChannel);
  }
  return next;
}

std::vector<DirectPaths::PeerPath> DirectPaths::paths() const {
  std::vector<PeerPath> out;
  for (const auto& [key, peer] : peers_) {
    out.push_back({.peer = peer.identifier, .direct = peer.prober.path(), .probes_sent = peer.prober.probes_sent(),
                   .carried_direct = peer.carried_direct, .direct_bytes = peer.direct_bytes,
                   .relay_bytes = peer.relay_bytes});
  }
  return out;
}

void DirectPaths::stop() {
  stopped_ = true;
  for (auto& [key, peer] : peers_) end_quic(peer, "the node is stopping");
  peers_.clear();
  count_paths_up();
  timer_.cancel();
}

}  // namespace portico::p2p
