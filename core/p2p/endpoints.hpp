#pragma once
// Endpoints of direct paths: SeenEndpoint (rendezvous.hpp) to and from asio's UDP endpoint, a list of them on the
// wire (the candidates two nodes exchange inside their end-to-end channel: direct_messages.hpp), and this host's
// own candidates: the IPv4 addresses of its interfaces, without those no peer could reach it at (loopback) or
// should be sent (balena's VPN, DNS and container-bridge interfaces: a peer reaching them would reach balena's
// network, not this device's).
//
//   endpoints = count:u8 count × (family:u8 port:u16be address:16)     family 4: address = 12 zeros, IPv4

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <asio/ip/udp.hpp>

#include "p2p/rendezvous.hpp"
#include "wire/bytes.hpp"

namespace portico::p2p {

inline constexpr std::size_t kMaxEndpointsOnWire = 16;
inline constexpr std::size_t kEndpointWireBytes = 1 + 2 + 16;

SeenEndpoint seen_of(const asio::ip::udp::endpoint& endpoint);
asio::ip::udp::endpoint udp_of(const SeenEndpoint& endpoint);

// At most kMaxEndpointsOnWire are written (the first ones).
void append_endpoints(Bytes& out, const std::vector<SeenEndpoint>& endpoints);
// Reads a list written by append_endpoints and nothing after it; nullopt when the bytes are anything else.
std::optional<std::vector<SeenEndpoint>> read_endpoints(ByteView bytes);

// Whether an interface of this name may offer its addresses to peers: not loopback, not balena's own interfaces
// (resin-vpn, resin-dns, balena0, supervisor0, br-*, docker*, veth*).
bool offered_interface(std::string_view name);
// This host's candidates for a socket bound to 0.0.0.0:`port`: each up, offered interface's IPv4 address.
std::vector<SeenEndpoint> local_candidates(std::uint16_t port);

}  // namespace portico::p2p
