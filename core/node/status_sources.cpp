#include "node/status_sources.hpp"

#include <set>
#include <string>

namespace portico::node {

std::vector<metrics::RelayStatus> relay_status(const relay::RelayService& relays) {
  std::vector<metrics::RelayStatus> out;
  for (auto& relay : relays.relays()) {
    out.push_back({.name = std::move(relay.name), .owner = std::move(relay.owner), .online = relay.online,
                   .since = relay.since, .bytes_to_owner = relay.bytes_to_owner,
                   .bytes_from_owner = relay.bytes_from_owner, .senders = relay.senders});
  }
  return out;
}

std::vector<metrics::PeerStatus> inlet_peers(const channel::OutletChannel& channel, const portal::PortalInlet& inlet) {
  if (channel.owner().empty()) return {};
  return {{.identity = channel.owner(), .streams = inlet.open_streams()}};
}

std::vector<metrics::PeerStatus> outlet_peers(channel::SecureChannelListener* listener,
                                              const portal::PortalOutlet& outlet) {
  std::set<std::string> identities;  // one entry per identity, however many channels it has open
  if (listener != nullptr) {
    for (const auto& peer : listener->established_peers()) identities.insert(peer.identifier);
  }
  std::vector<metrics::PeerStatus> peers;
  for (const auto& id : identities) peers.push_back({.identity = id, .streams = outlet.streams_of(id)});
  return peers;
}

}  // namespace portico::node
