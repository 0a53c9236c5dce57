#pragma once
// Test helper: the two sides of one Noise XX handshake, with fresh static keys, and the transport states of a
// completed one. Throws (failing the calling test) if a step that must work does not.

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "channel/crypto.hpp"
#include "channel/noise_handshake.hpp"

namespace portico::channel::testing_support {

inline constexpr std::string_view kDefaultTestProtocol = "Noise_XX_25519_ChaChaPoly_SHA256";

template <typename T>
T value_or_throw(Result<T> result, const char* what) {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().message());
  return std::move(*result);
}

struct HandshakePair {
  KeyPair initiator_static;
  KeyPair responder_static;
  HandshakeState initiator;
  HandshakeState responder;
};

inline HandshakePair handshake_pair(std::string_view protocol = kDefaultTestProtocol, ByteView prologue = {}) {
  KeyPair initiator_static = crypto::generate_keypair();
  KeyPair responder_static = crypto::generate_keypair();
  HandshakeState initiator = value_or_throw(
      HandshakeState::create(
          {.role = Role::initiator, .protocol_name = protocol, .prologue = prologue, .static_keys = initiator_static}),
      "create initiator");
  HandshakeState responder = value_or_throw(
      HandshakeState::create(
          {.role = Role::responder, .protocol_name = protocol, .prologue = prologue, .static_keys = responder_static}),
      "create responder");
  return {std::move(initiator_static), std::move(responder_static), std::move(initiator), std::move(responder)};
}

// Runs the three messages with empty payloads.
inline void complete(HandshakePair& pair) {
  for (std::size_t i = 0; i < kXXMessages; ++i) {
    HandshakeState& writer = i % 2 == 0 ? pair.initiator : pair.responder;
    HandshakeState& reader = i % 2 == 0 ? pair.responder : pair.initiator;
    const Bytes message = value_or_throw(writer.write_message({}), "write_message");
    (void)value_or_throw(reader.read_message(message), "read_message");
  }
}

// (initiator's, responder's) transport states after a complete handshake.
inline std::pair<TransportState, TransportState> transport_states(std::string_view protocol = kDefaultTestProtocol) {
  HandshakePair pair = handshake_pair(protocol);
  complete(pair);
  return {value_or_throw(std::move(pair.initiator).split(), "split initiator"),
          value_or_throw(std::move(pair.responder).split(), "split responder")};
}

}  // namespace portico::channel::testing_support
