// DirectPaths, its second half: the QUIC connection to each peer, the path its packets take, and the direct link
// that runs over its stream (direct_paths.hpp).
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "p2p/direct_paths.hpp"
#include "util/log_limit.hpp"

namespace portico::p2p {
namespace {

// The QUIC connection's own secret: the path secret's, under another context than the probes' key.
PathSecret quic_secret(const PathSecret& path_secret) {
  PathSecret out{};
  crypto_kdf_derive_from_key(out.data(), out.size(), 2, "portquic", path_secret.data());
  return out;
}

// A QUIC long-header Initial (RFC 9000 17.2.2: form and fixed bits set, type 0): the only packet a server is
// made of.
bool initial_packet(ByteView packet) { return packet.size() >= 1200 && (packet[0] & 0xf0) == 0xc0; }

// A long-header packet's destination connection ID (RFC 9000 17.2): flags:1 version:4 dcid_len:1 dcid.
Bytes initial_dcid(ByteView packet) {
  if (packet.size() < 6 || packet.size() < 6u + packet[5]) return {};
  return Bytes(packet.begin() + 6, packet.begin() + 6 + packet[5]);
}

}  // namespace

void DirectPaths::start_quic(const std::string& key, Peer& peer) {
  const auto now = Clock::now();
  peer.quic_backoff = std::min<std::chrono::seconds>(kQuicRetryMax, peer.quic_backoff.count() == 0
                                                                         ? kQuicRetryMin
                                                                         : peer.quic_backoff * 2);
  peer.next_quic_try = now + peer.quic_backoff;
  auto made = QuicSession::client(timer_.get_executor(), quic_secret(peer.secret), peer.identifier,
                                  [weak = weak_from_this(), key](ByteView packet) {
                                    if (auto self = weak.lock()) self->carry(key, packet);
                                  });
  if (!made) {
    spdlog::warn("direct paths: no QUIC connection to {}: {}; streams stay on the relay", peer.identifier,
                 made.error().message());
    return;
  }
  peer.quic = std::move(*made);
  watch(key, *peer.quic);
}

void DirectPaths::watch(const std::string& key, QuicSession& quic) {
  quic.on_stream([weak = weak_from_this(), key](std::unique_ptr<ByteStream> stream) {
    if (auto self = weak.lock()) self->start_link(key, std::move(stream));
  });
  // A connection that ended is made again (run_timers, with backoff): look now, not at the next keepalive.
  quic.on_closed([weak = weak_from_this()](std::error_code) {
    if (auto self = weak.lock()) asio::post(self->timer_.get_executor(), [weak] {
      if (auto again = weak.lock()) again->wake();
    });
  });
}

void DirectPaths::carry(const std::string& key, ByteView packet) {
  auto it = peers_.find(key);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  const auto now = Clock::now();
  const bool direct = peer.prober.path() && now - peer.heard_direct < kDirectSilence;
  if (direct != peer.carried_direct) {
    peer.carried_direct = direct;
    const bool first = !peer.carried_once;  // right after "proven via": the same news
    peer.carried_once = true;
    if (direct && first) {
      // nothing to add to the line that proved the path
    } else if (direct) {
      spdlog::info("direct paths: traffic to {} goes over the direct path via {}", peer.identifier,
                   peer.prober.path()->to_string());
    } else {
      spdlog::warn("direct paths: the direct path to {} is silent ({} ms and more): its traffic goes over the "
                   "relay until it answers again", peer.identifier, kDirectSilence.count());
      wake();  // run_timers starts probing the silent path every kSilentPing
    }
  }
  if (direct) {
    peer.direct_bytes += packet.size();
    counters_->direct_link_bytes_direct += packet.size();
    port_->send(packet, udp_of(*peer.prober.path()));
    return;
  }
  peer.relay_bytes += packet.size();
  counters_->direct_link_bytes_relay += packet.size();
  send_later(Message{peer.to_peer, Route{Address::local(std::string(kDirectPathsAddress))},
                     encode(DirectPacket{Bytes(packet.begin(), packet.end())})});
}

void DirectPaths::on_quic_datagram(ByteView datagram, const asio::ip::udp::endpoint& from) {
  // A peer's connection takes it only if it comes from one of that peer's candidates and opens under the
  // connection's keys: two connections between the same two nodes share an endpoint, and a member may name
  // another's endpoint among its candidates; neither can take the other's packets.
  const SeenEndpoint seen = seen_of(from);
  for (auto& [key, peer] : peers_) {
    if (!peer.quic || peer.quic->closed()) continue;
    if (peer.prober.path() != seen && !peer.prober.knows(seen)) continue;
    if (!peer.quic->receive(datagram)) continue;
    if (peer.prober.path() == seen) peer.heard_direct = Clock::now();  // authenticated, the direct way
    return;
  }
  // No connection took it: the client's first packet of a new connection (its old one may still be alive here, if
  // its close was lost), for a peer it may come from.
  if (initial_packet(datagram)) {
    for (auto& [key, peer] : peers_) {
      if (peer.initiator) continue;
      if (peer.prober.path() != seen && !peer.prober.knows(seen)) continue;
      if (make_server(key, peer, datagram, true)) return;
    }
  }
  if (auto gate = util::log_gate("direct-quic-unknown", "all")) {
    spdlog::warn("direct paths: dropped a datagram of {} bytes from {}: no direct path's connection takes it{}",
                 datagram.size(), from.address().to_string(), gate.suffix());
  }
}

void DirectPaths::on_quic_packet(const std::string& key, ByteView packet) {
  auto it = peers_.find(key);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  if (peer.quic && !peer.quic->closed() && peer.quic->receive(packet)) return;
  // The other end is the client: its new connection replaces ours (ended, or alive here after a lost close).
  if (!peer.initiator && initial_packet(packet)) make_server(key, peer, packet, false);
}

bool DirectPaths::make_server(const std::string& key, Peer& peer, ByteView packet, bool direct) {
  // Only an Initial that opens under the path's keys makes a server (QuicSession::server fails otherwise), each
  // Initial once (a replay of a past one, by someone on the path, makes none), and at most one per kQuicRetryMin
  // (each new connection is a new direct link, which the listener counts handshakes of).
  const auto now = Clock::now();
  Bytes dcid = initial_dcid(packet);
  if (dcid.empty() || std::find(peer.initial_dcids.begin(), peer.initial_dcids.end(), dcid) != peer.initial_dcids.end() ||
      now - peer.last_server < kQuicRetryMin) {
    return false;
  }
  auto made = QuicSession::server(timer_.get_executor(), quic_secret(peer.secret), packet, peer.identifier,
                                  [weak = weak_from_this(), key](ByteView out) {
                                    if (auto self = weak.lock()) self->carry(key, out);
                                  });
  if (!made) {
    if (auto gate = util::log_gate("direct-quic-refused", peer.identifier)) {
      spdlog::warn("direct paths: refused a QUIC connection for {} ({}): {}{}", peer.identifier,
                   direct ? "direct" : "over the relay", made.error().message(), gate.suffix());
    }
    return false;
  }
  peer.last_server = now;
  peer.initial_dcids.push_back(std::move(dcid));
  if (peer.initial_dcids.size() > 16) peer.initial_dcids.erase(peer.initial_dcids.begin());
  if (peer.link) peer.link->close();  // the old connection's link, if its end has not been noticed yet
  if (peer.quic) peer.quic->close();
  peer.quic = std::move(*made);
  watch(key, *peer.quic);
  return true;
}

void DirectPaths::start_link(const std::string& key, std::unique_ptr<ByteStream> stream) {
  auto it = peers_.find(key);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  TcpOptions options;
  options.heartbeat_interval = kDirectHeartbeat;
  options.dead_after = kDirectLinkDeadAfter;
  auto link = std::make_shared<TcpLink>(timer_.get_executor(), router_,
                                        random_local_address(kDirectLinkPrefix),
                                        peer.identifier + " (direct)", options);
  router_.register_worker(link->address(), link);
  peer.link = link;
  peer.quic_backoff = std::chrono::seconds(0);
  // Copied now: the session below runs later (it is called from inside the QUIC connection's packet handling),
  // and by then the peer may be gone.
  const Address encryptor = peer.to_peer.front();
  const std::string identifier = peer.identifier;
  const bool initiator = peer.initiator;
  spdlog::debug("direct paths: direct link to {} up at {}", identifier, link->address().to_string());
  auto held = std::make_shared<std::unique_ptr<ByteStream>>(std::move(stream));
  asio::post(timer_.get_executor(), [self = shared_from_this(), link, quic = peer.quic, encryptor, identifier, held] {
    asio::co_spawn(self->timer_.get_executor(),
                   [self, link, quic, encryptor, identifier, held]() -> asio::awaitable<void> {
                     const std::error_code why = co_await link->run_session(std::move(*held));
                     link->close();
                     self->router_.unregister_worker(link->address());
                     quic->close();
                     const std::string reason = why ? why.message() : std::string("closed");
                     spdlog::info("direct paths: direct link to {} at {} ended: {}", identifier,
                                  link->address().to_string(), reason);
                     if (auto it = self->peers_.find(encryptor.value);
                         it != self->peers_.end() && it->second.link == link) {
                       it->second.link.reset();
                     }
                     if (self->on_link_closed_) self->on_link_closed_(encryptor, link->address(), reason);
                     self->wake();
                   },
                   asio::detached);
  });
  if (initiator && on_link_) on_link_(encryptor, link->address(), identifier);
  wake();  // run_timers now also keeps the relay channel alive
}

void DirectPaths::end_quic(Peer& peer, const std::string& why) {
  if (peer.link) {
    spdlog::info("direct paths: closing the direct link to {}: {}", peer.identifier, why);
    peer.link->close();
  }
  if (peer.quic) peer.quic->close();
}

}  // namespace portico::p2p
