#pragma once
// Relay service messages: payloads exchanged with the hub's relay service at local address "relay"
// (docs/protocol.md, "Relays").
//
//   Register   = 0x01 name:str owner:str        node -> hub "relay"; return route ends at the node's relay client
//   Registered = 0x02 name:str relay:str        hub -> node: the relay answers at local address `relay` on the hub
//   Refused    = 0x03 name:str reason:str       hub -> node: the name belongs to another owner, is invalid, or
//                                               (to a Lookup) is not registered
//   Lookup     = 0x04 name:str                  node -> hub "relay": who owns this name?
//   Owner      = 0x05 name:str identifier:str   hub -> node: the verified identity that registered it (an inlet
//                                               pins its end-to-end channel to it)
//   str        = len:varint (<= kMaxRelayText) bytes
//
// Senders reach a registered relay with the route [hub, "forward_to_<name>", <worker on the outlet node>].

#include <string>
#include <variant>

#include "wire/bytes.hpp"

namespace portico::relay {

inline constexpr std::size_t kMaxRelayText = 255;
inline constexpr std::string_view kServiceAddress = "relay";
inline constexpr std::string_view kRelayAddressPrefix = "forward_to_";

struct Register {
  std::string name;
  std::string owner;  // who claims the name; over a secure channel the hub uses the verified peer instead
  friend bool operator==(const Register&, const Register&) = default;
};
struct Registered {
  std::string name;
  std::string relay_address;
  friend bool operator==(const Registered&, const Registered&) = default;
};
struct Refused {
  std::string name;
  std::string reason;
  friend bool operator==(const Refused&, const Refused&) = default;
};

struct Lookup {
  std::string name;
  friend bool operator==(const Lookup&, const Lookup&) = default;
};
struct Owner {
  std::string name;
  std::string identifier;
  friend bool operator==(const Owner&, const Owner&) = default;
};

using RelayMessage = std::variant<Register, Registered, Refused, Lookup, Owner>;

// Relay names: 1-64 characters of A-Z a-z 0-9 . _ -
bool valid_relay_name(std::string_view name);

Bytes encode(const RelayMessage& message);
Result<RelayMessage> decode_relay_message(ByteView input);

}  // namespace portico::relay
