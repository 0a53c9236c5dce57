// libFuzzer target: Noise XX handshake messages from a peer nobody has authenticated yet. A responder reads the
// input as m1; an initiator that has written m1 reads it as m2. Neither may crash or over-read, and a refused
// message must leave the handshake able to continue (it is transactional).

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "channel/noise_handshake.hpp"

namespace {
using namespace portico::channel;
constexpr std::string_view kProtocol = "Noise_XX_25519_ChaChaPoly_SHA256";

HandshakeState make(Role role) {
  auto state = HandshakeState::create({.role = role, .protocol_name = kProtocol, .prologue = {},
                                       .static_keys = crypto::generate_keypair(), .ephemeral_keys = std::nullopt});
  if (!state) std::abort();
  return std::move(*state);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const portico::ByteView input(data, size);
  HandshakeState responder = make(Role::responder);
  if (!responder.read_message(input) && responder.step() != 0) std::abort();  // refused: unchanged

  HandshakeState initiator = make(Role::initiator);
  auto m1 = initiator.write_message({});
  if (!m1) std::abort();
  if (!initiator.read_message(input)) {
    // Still waiting for m2: a genuine responder's answer must still be accepted.
    HandshakeState peer = make(Role::responder);
    if (!peer.read_message(*m1)) std::abort();
    auto m2 = peer.write_message({});
    if (!m2 || !initiator.read_message(*m2)) std::abort();
  }
  return 0;
}
