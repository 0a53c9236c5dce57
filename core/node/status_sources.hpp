#pragma once
// The parts of `portico status` that come from a role's core objects (Monitor::Sources::relays and ::peers), so
// the wiring in roles.cpp stays one line each.

#include <memory>
#include <vector>

#include "channel/outlet_channel.hpp"
#include "channel/secure_channel.hpp"
#include "metrics/status.hpp"
#include "portal/portal_inlet.hpp"
#include "portal/portal_outlet.hpp"
#include "relay/relay_service.hpp"

namespace portico::node {

// The hub's relay names.
std::vector<metrics::RelayStatus> relay_status(const relay::RelayService& relays);
// An inlet's one end-to-end channel (to the relay's owner), when it is open, with the inlet's streams.
std::vector<metrics::PeerStatus> inlet_peers(const channel::OutletChannel& channel, const portal::PortalInlet& inlet);
// An outlet's end-to-end channels, one entry per peer identity, with that peer's streams; none before the
// listener exists (it starts once the hub channel is up).
std::vector<metrics::PeerStatus> outlet_peers(channel::SecureChannelListener* listener,
                                              const portal::PortalOutlet& outlet);

}  // namespace portico::node
