#pragma once
// Admission: which messages from outside each role lets in (Router::set_admission). Default deny: a message
// reaches only what its origin is named for below; everything else is dropped with the returned reason.
//
// Hub
//   from a link (plaintext)          -> the channel listener "secure", channel decryptors "sc-<hex>"
//   from a member's channel          -> anything (relays, forwarders, other channels' encryptors: routing)
//   from a non-member or an expired  -> only the enrollment worker "enroll"
//   member's channel
// Node (inlet or outlet)
//   from a link (plaintext)          -> channel decryptors only
//   from the hub's channel           -> "secure", decryptors, and the workers the hub answers (`hub_answers`)
//   from another peer's channel      -> portal workers: "outlet" (only on a channel opened to this node's
//                                       listener, whose policy required a member) and "portal-<hex>" streams
// Channel encryptors on a node are never reachable from outside: whoever could address them could speak as
// this node to its peers.

#include <cstdint>
#include <set>
#include <string>

#include "channel/channel_messages.hpp"  // is_decryptor, is_encryptor
#include "routing/message.hpp"

namespace portico::channel {

// The hub's rule; `now` is seconds since the epoch (a credential expiring mid-channel ends membership).
std::string hub_admission(const Message& message, std::uint64_t now);

struct NodeAccess {
  std::string hub;                          // the hub's identifier
  std::set<std::string> hub_answers;         // local workers the hub's replies go to (e.g. "relay-client")
};
std::string node_admission(const NodeAccess& access, const Message& message);

}  // namespace portico::channel
