#pragma once
// What a node is assembled from: plain option structs, filled by whoever embeds the library (the agent fills them
// from the environment and OCKAM_CONFIG). No defaults here depend on the machine or the environment.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "channel/handshake_gate.hpp"
#include "identity/enrollment_token.hpp"
#include "transport/connection_gate.hpp"
#include "transport/endpoint.hpp"

namespace portico::node {

// Attributes an inlet's credential must carry to reach an outlet. The default, role=operator, keeps every other
// device of the fleet out; empty means any member of the hub.
inline std::map<std::string, std::string> default_allow() { return {{"role", "operator"}}; }

// One inlet: a local listening port whose connections go to the outlet registered under `relay`.
struct InletOptions {
  HostPort listen;                            // OCKAM_IN
  std::string relay;                          // OCKAM_FORWARD: the outlet's relay name
  std::optional<std::string> relay_identity;  // OCKAM_FORWARD_IDENTITY: the one owner accepted (else pinned)
};

// One outlet: a relay name on the hub whose streams connect to `target`.
struct OutletOptions {
  std::optional<std::string> relay;  // OCKAM_RELAY; nothing: the embedder derives one (the agent: the device id)
  HostPort target;                   // OCKAM_OUT
  std::map<std::string, std::string> allow = default_allow();  // OCKAM_ALLOW
  bool allow_is_default = true;
  std::size_t max_streams_per_peer = 256;  // OCKAM_MAX_STREAMS_PER_PEER
};

// What every inlet and outlet of one node shares: one link and secure channel to the hub, one membership.
struct MemberOptions {
  HostPort hub;                                      // OCKAM_HUB
  std::optional<identity::EnrollmentToken> enroll;   // OCKAM_ENROLL
  std::optional<std::string> hub_identity;           // OCKAM_HUB_IDENTITY
  std::string data_dir;                              // OCKAM_DATA: identity, credential, pins
  bool aes_hardware = false;                         // prefer AES-256-GCM (both ends must have it)
  channel::HandshakeLimits handshakes{};             // OCKAM_MAX_PENDING_HANDSHAKES, OCKAM_MAX_CHANNELS_PER_LINK
  bool direct_paths = false;                         // OCKAM_P2P: learn the public UDP endpoint from the hub
};

// The hub: accepts nodes, runs the relay service, enrollment and revocation.
struct HubOptions {
  HostPort listen;                                        // OCKAM_LISTEN
  std::string data_dir;                                   // OCKAM_DATA
  bool aes_hardware = false;
  std::optional<std::chrono::seconds> credential_ttl;     // OCKAM_CREDENTIAL_TTL
  std::optional<std::size_t> relay_names_per_identity;    // OCKAM_RELAY_NAMES_PER_IDENTITY
  std::optional<std::chrono::seconds> relay_keep;         // OCKAM_RELAY_KEEP
  ConnectionLimits connections{};                         // OCKAM_MAX_CONNECTIONS(_PER_ADDRESS)
  channel::HandshakeLimits handshakes{};                  // OCKAM_MAX_PENDING_HANDSHAKES, OCKAM_MAX_CHANNELS_PER_LINK
};

}  // namespace portico::node
