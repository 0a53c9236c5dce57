#pragma once
// What two nodes say about a direct path, inside their end-to-end secure channel (never over UDP), to the worker
// "p2p" on each (DirectPaths). Pure functions.
//
//   offer  = "PDO1" secret:32 endpoints    the channel's initiator (the inlet): the path secret it chose and its
//                                          candidates; sent when the channel is up, again when they change
//   answer = "PDA1" endpoints              the other end, to each offer: its own candidates
//   packet = "PDQ1" quic_packet            a packet of their QUIC connection, carried over the relay while the
//                                          direct path is silent (quic_session.hpp)
//
// endpoints as in endpoints.hpp. The secret is random per channel, so it is as secret as the channel's records,
// and a peer learns candidates only from a peer it authenticated.

#include <optional>
#include <variant>
#include <vector>

#include "p2p/endpoints.hpp"
#include "p2p/path_secret.hpp"

namespace portico::p2p {

inline constexpr std::string_view kDirectPathsAddress = "p2p";  // the worker these messages go to
inline constexpr std::size_t kMaxPacketBytes = 4 + 1500;           // a "PDQ1" message: a QUIC packet at most

struct DirectOffer {
  PathSecret secret{};
  std::vector<SeenEndpoint> candidates;
};
struct DirectAnswer {
  std::vector<SeenEndpoint> candidates;
};
struct DirectPacket {
  Bytes packet;
};
using DirectMessage = std::variant<DirectOffer, DirectAnswer, DirectPacket>;

Bytes encode(const DirectMessage& message);
std::optional<DirectMessage> decode_direct(ByteView bytes);

}  // namespace portico::p2p
