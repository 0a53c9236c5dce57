#include "channel/handshake_payload.hpp"

#include <gtest/gtest.h>

namespace portico::channel {
namespace {

using identity::Identity;

NoiseStaticKey noise_key(std::uint8_t seed) {
  NoiseStaticKey key{};
  key.fill(seed);
  return key;
}

struct Fleet {
  Identity hub = Identity::generate();
  Identity device = Identity::generate();
  Bytes credential(const Identity& who, std::map<std::string, std::string> attributes, std::uint64_t expires = 2000) {
    return identity::encode_credential(identity::issue_credential(hub, who.identifier(), std::move(attributes), 1000, expires));
  }
  TrustPolicy members() const { return {.authority = hub.public_key(), .expected_identifier = {}, .required_attributes = {}}; }
};

TEST(HandshakePayload, RoundTrips) {
  Fleet fleet;
  const auto payload = make_handshake_payload(fleet.device, noise_key(7), true, fleet.credential(fleet.device, {}));
  auto back = decode_handshake_payload(encode_handshake_payload(payload));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, payload);
}

TEST(HandshakePayload, MalformedIsRejected) {
  Fleet fleet;
  const Bytes good = encode_handshake_payload(make_handshake_payload(fleet.device, noise_key(1), false, {}));
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_EQ(decode_handshake_payload(ByteView(good).first(cut)).error(), wire::Error::truncated) << cut;
  }
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_EQ(decode_handshake_payload(longer).error(), wire::Error::trailing_bytes);
  Bytes version = good;
  version[0] = 9;
  EXPECT_EQ(decode_handshake_payload(version).error(), wire::Error::bad_version);
}

TEST(CheckPeer, MemberWithValidCredentialIsAccepted) {
  Fleet fleet;
  const auto payload = make_handshake_payload(fleet.device, noise_key(3), true,
                                              fleet.credential(fleet.device, {{"role", "device"}}));
  auto peer = check_peer(fleet.members(), payload, noise_key(3), 1500);
  ASSERT_TRUE(peer) << peer.error().message();
  EXPECT_EQ(peer->identifier, fleet.device.identifier());
  EXPECT_TRUE(peer->aes_hardware);
  ASSERT_TRUE(peer->credential);
  EXPECT_EQ(peer->credential->attributes.at("role"), "device");
}

TEST(CheckPeer, DefaultDenyAndEachRefusalHasItsReason) {
  Fleet fleet;
  const Bytes good = fleet.credential(fleet.device, {{"role", "device"}});
  const auto payload = make_handshake_payload(fleet.device, noise_key(3), false, good);
  EXPECT_EQ(check_peer(TrustPolicy{}, payload, noise_key(3), 1500).error(), PolicyError::not_trusted);
  // The identity signed another channel key: someone replayed its payload.
  EXPECT_EQ(check_peer(fleet.members(), payload, noise_key(4), 1500).error(), PolicyError::bad_attestation);
  EXPECT_EQ(check_peer(fleet.members(), make_handshake_payload(fleet.device, noise_key(3), false, {}), noise_key(3), 1500)
                .error(),
            PolicyError::no_credential);
  EXPECT_EQ(check_peer(fleet.members(), payload, noise_key(3), 2500).error(), identity::CredentialError::expired);
  const Identity stranger = Identity::generate();
  // A stolen credential: valid, but it names the device, not the stranger presenting it.
  EXPECT_EQ(check_peer(fleet.members(), make_handshake_payload(stranger, noise_key(5), false, good), noise_key(5), 1500)
                .error(),
            PolicyError::bad_credential);
  // A credential from another authority.
  Fleet other;
  const auto foreign = make_handshake_payload(fleet.device, noise_key(3), false, other.credential(fleet.device, {}));
  EXPECT_EQ(check_peer(fleet.members(), foreign, noise_key(3), 1500).error(), identity::CredentialError::wrong_issuer);
  TrustPolicy operators = fleet.members();
  operators.required_attributes = {{"role", "operator"}};
  EXPECT_EQ(check_peer(operators, payload, noise_key(3), 1500).error(), PolicyError::missing_attribute);
}

TEST(CheckPeer, PinnedIdentity) {
  Fleet fleet;
  const auto payload = make_handshake_payload(fleet.hub, noise_key(9), false, {});
  TrustPolicy pinned{.authority = {}, .expected_identifier = fleet.hub.identifier(), .required_attributes = {}};
  EXPECT_TRUE(check_peer(pinned, payload, noise_key(9), 0));
  pinned.expected_identifier = fleet.device.identifier();
  EXPECT_EQ(check_peer(pinned, payload, noise_key(9), 0).error(), PolicyError::unexpected_identity);
}

}  // namespace
}  // namespace portico::channel
