#include "portal/portal_outlet.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "portal/portal_messages.hpp"
#include "transport/connect.hpp"
#include "util/log_limit.hpp"

namespace portico::portal {

namespace {

// Takes one stream off `peer`'s count.
void release(std::unordered_map<std::string, std::size_t>& per_peer, const std::string& peer) {
  auto it = per_peer.find(peer);
  if (it != per_peer.end() && --it->second == 0) per_peer.erase(it);
}

// The first of `allow`'s attributes the message's channel credential does not carry ("key=value"), else empty.
std::string missing_attribute(const std::map<std::string, std::string>& allow,
                              const std::shared_ptr<const MessageOrigin>& origin) {
  for (const auto& [key, value] : allow) {
    if (!origin) return key + "=" + value;
    auto it = origin->attributes.find(key);
    if (it == origin->attributes.end() || it->second != value) return key + "=" + value;
  }
  return {};
}

}  // namespace

PortalOutlet::PortalOutlet(asio::any_io_executor executor, Router& router, HostPort target, PortalOptions options,
                           OutletLimits limits)
    : executor_(std::move(executor)), router_(router), target_(std::move(target)), options_(options), limits_(limits) {}

std::shared_ptr<PortalOutlet> PortalOutlet::start(asio::any_io_executor executor, Router& router, HostPort target,
                                                  PortalOptions options, OutletLimits limits,
                                                  const std::string& relay, bool also_plain) {
  auto outlet = std::make_shared<PortalOutlet>(std::move(executor), router, std::move(target), options, limits);
  if (!relay.empty()) {
    outlet->address_ = Address::local(outlet_address_for(relay));
    router.register_worker(outlet->address_, outlet);
  }
  if (relay.empty() || also_plain) router.register_worker(Address::local(std::string(kOutletAddress)), outlet);
  return outlet;
}

asio::awaitable<void> PortalOutlet::handle_message(Message message) {
  auto decoded = decode_portal_message(message.payload);
  const auto* open = decoded ? std::get_if<Open>(&*decoded) : nullptr;
  const std::string peer = message.origin && !message.origin->peer.empty()
                               ? message.origin->peer
                               : (message.return_route.empty() ? std::string() : message.return_route.front().value);
  if (open == nullptr || message.return_route.empty()) {
    if (auto gate = util::log_gate("outlet-not-open", peer)) {
      spdlog::warn("outlet: dropped a message that is not an Open from {}{}",
                   util::clip(to_string(message.return_route)), gate.suffix());
    }
    co_return;
  }
  if (const std::string missing = missing_attribute(limits_.allow, message.origin); !missing.empty()) {
    if (auto gate = util::log_gate("outlet-not-allowed", peer)) {
      spdlog::warn("outlet for {}: refused a stream from {}: its credential lacks {} (OCKAM_ALLOW){}",
                   target_text_, util::clip(peer), missing, gate.suffix());
    }
    // Named, not a temporary in the co_await (GCC 12 destroys such temporaries twice).
    // The peer learns only that it may not; which attribute it lacks (the outlet's policy) stays in this log.
    Message reset = make_reply(message, address_, encode(Reset{"not allowed by this outlet's policy (OCKAM_ALLOW)"}));
    co_await router_.send(std::move(reset));
    co_return;
  }
  std::size_t& count = (*per_peer_)[peer];
  if (count >= limits_.max_streams_per_peer) {
    if (auto gate = util::log_gate("outlet-streams-per-peer", peer)) {
      spdlog::warn("outlet: refused a stream from {}: it has {} streams open, OCKAM_MAX_STREAMS_PER_PEER allows {}{}",
                   util::clip(peer), count, limits_.max_streams_per_peer, gate.suffix());
    }
    // Answered at once, without waiting on anything (make_reply + send completes without suspending on a peer).
    Message reset = make_reply(message, address_,
                               encode(Reset{"too many streams from this peer"}));
    co_await router_.send(std::move(reset));
    co_return;
  }
  ++count;
  // Connecting takes a while: do it beside the link's reader, not in it.
  asio::co_spawn(executor_, connect_and_accept(std::move(message), open->window, peer), asio::detached);
}

std::size_t PortalOutlet::streams_of(const std::string& peer) const {
  auto it = per_peer_->find(peer);
  return it == per_peer_->end() ? 0 : it->second;
}

asio::awaitable<void> PortalOutlet::connect_and_accept(Message open, std::uint32_t peer_window, std::string peer) {
  auto self = shared_from_this();
  const std::uint64_t id = next_id_++;
  const std::string label = "stream " + std::to_string(id) + " to " + target_text_;
  const Address outlet_address = address_;
  auto refuse = [&](const std::string& reason) -> asio::awaitable<void> {
    release(*per_peer_, peer);
    if (auto gate = util::log_gate("outlet-refused", peer)) spdlog::warn("{} refused: {}{}", label, reason, gate.suffix());
    Message reset = make_reply(open, outlet_address, encode(Reset{reason}));
    co_await router_.send(std::move(reset));
  };
  if (!accepting_) {
    co_await refuse("the outlet is shutting down");
    co_return;
  }
  std::shared_ptr<PortalStream> stream;
  if (connector_) {
    auto connection = co_await connector_(peer);
    if (!connection) {
      const std::string reason = target_text_ + " refused the stream: " + connection.error().message();
      co_await refuse(reason);
      co_return;
    }
    stream = std::make_shared<PortalStream>(std::move(*connection), router_, options_, label);
  } else {
    auto socket = co_await connect_tcp(target_, kConnectTimeout);
    if (!socket) {
      const std::string reason = "cannot connect to target " + target_text_ + ": " + socket.error().message();
      co_await refuse(reason);
      co_return;
    }
    stream = std::make_shared<PortalStream>(std::move(*socket), router_, options_, label);
  }
  streams_.add(stream, [per_peer = per_peer_, peer](const std::string&) { release(*per_peer, peer); });
  spdlog::debug("{} accepted", label);
  co_await stream->accept(open, peer_window);
}


}  // namespace portico::portal
