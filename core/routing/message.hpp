#pragma once
// A routing message: the unit every worker and transport handles.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "routing/address.hpp"
#include "wire/bytes.hpp"

namespace portico {

// How a message reached this node, for access control (Router::set_admission). Local only: never encoded.
// Whoever receives from outside sets it afresh: a transport for what arrives on a link, a secure channel for
// what it decrypts (so the innermost channel speaks for the message). Null for messages made on this node.
struct MessageOrigin {
  enum class Kind : std::uint8_t { transport, channel };
  Kind kind = Kind::transport;
  // Channel only: the peer's verified identifier, whether it opened the channel to this node's listener
  // (false: this node opened it), and what its credential says (member = a valid credential was shown).
  std::string peer;
  bool accepted_here = false;
  bool member = false;
  std::uint64_t member_until = 0;  // the credential's expiry, seconds since the epoch
  std::map<std::string, std::string> attributes;
};

struct Message {
  Route onward;        // front: the worker this message is for now
  Route return_route;  // front: where a reply to it goes first
  Bytes payload;
  std::shared_ptr<const MessageOrigin> origin = nullptr;  // local only; see MessageOrigin
  // Local only, never encoded: the payload is a secure channel's message already sealed end to end (set by the
  // channel that sealed it, and kept by a hop channel that carried it), so a channel it passes through protects
  // only its routes (docs/protocol.md, "Hop records").
  bool sealed_end_to_end = false;
  // Control lane: a small message whose order against data does not matter (credit, pings, resets). A link queue
  // lets it pass up to SendQueue::kMaxOvertaken queued messages, so it is never behind a window of data. Set
  // by whoever makes it; kept through channels, and carried across a hop in the hop header (hop_record.hpp).
  bool control_lane = false;

  friend bool operator==(const Message&, const Message&) = default;
};

// The reply to `request`: onward along the request's return route, coming back to `from`.
inline Message make_reply(const Message& request, const Address& from, Bytes payload) {
  return Message{request.return_route, Route{from}, std::move(payload)};
}

}  // namespace portico
