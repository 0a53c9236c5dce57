#pragma once
// Admission: which messages from outside each role lets in (Router::set_admission). Default deny: a message
// reaches only what its origin is named for below; everything else is dropped with the returned reason.
//
// Hub
//   from a link (plaintext)          -> the channel listener "secure", channel decryptors "sc-<hex>"
//   from a member's channel          -> the hub's services only: "relay", "echo", "enroll", the relays
//                                       "forward_to_<name>" and their reply addresses "reply-<hex>" (which check
//                                       who may use them). Never another node's channel, a link, or a hop of
//                                       another transport: the hub dials nothing a member names.
//   from a non-member or an expired  -> only the enrollment worker "enroll"
//   member's channel
//   from a revoked identity          -> nothing
// Node (inlet or outlet)
//   from a link (plaintext)          -> channel decryptors only; from a direct link ("direct-<hex>") also the
//                                       listener "secure" (the inlet's channel over it)
//   from the hub's channel           -> "secure", decryptors, and the workers the hub answers (`hub_answers`:
//                                       worker -> the hub service it hears from); those only when the hub
//                                       itself sent the message: its return route is [this node's encryptor,
//                                       that service], not a longer route through the hub (a relay)
//   from another peer's channel      -> portal workers: "outlet" (only on a channel opened to this node's
//                                       listener, whose policy required a member) and "portal-<hex>" streams;
//                                       "p2p" (direct paths: candidates), from a peer that showed a credential
// Channel encryptors on a node are never reachable from outside: whoever could address them could speak as
// this node to its peers.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "channel/channel_messages.hpp"  // is_decryptor, is_encryptor
#include "routing/message.hpp"

namespace portico::channel {

// The hub's rule; `now` is seconds since the epoch (a credential expiring mid-channel ends membership);
// `revoked` (may be empty) says whether an identifier is revoked.
std::string hub_admission(const Message& message, std::uint64_t now,
                          const std::function<bool(const std::string&)>& revoked = nullptr);

struct NodeAccess {
  std::string hub;                                  // the hub's identifier
  std::map<std::string, std::string> hub_answers;   // local worker -> the hub service it hears from
                                                    // (e.g. "relay-client" -> "relay")
};
std::string node_admission(const NodeAccess& access, const Message& message);

}  // namespace portico::channel
