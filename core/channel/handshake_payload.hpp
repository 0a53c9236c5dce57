#pragma once
// What each side says about itself inside the Noise XX handshake (m2 from the responder, m3 from the
// initiator; both encrypted and bound to the handshake hash, so nobody on the path can read or change them):
//
//   payload     = version:u8 (=1) identity_key:32 attestation:64 features:u8 credential_len:varint credential
//   attestation = Ed25519(identity key, "portico/noise-static/v1" || the sender's Noise static public key)
//   features    = bit 0: this node has AES hardware (AES-256-GCM is used only when both sides set it)
//
// The attestation ties the Noise static key (rs, authenticated by the handshake) to the long-term identity; the
// credential (identity/credential.hpp, may be empty) says what the hub vouches for. check_peer() applies a
// TrustPolicy to all of it before any data flows.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "identity/credential.hpp"
#include "identity/identity.hpp"

namespace portico::channel {

inline constexpr std::uint8_t kHandshakePayloadVersion = 1;
inline constexpr std::uint8_t kFeatureAesHardware = 0x01;

struct HandshakePayload {
  identity::PublicKey identity_key{};
  identity::Signature attestation{};
  std::uint8_t features = 0;
  Bytes credential;  // encoded identity::Credential, or empty

  friend bool operator==(const HandshakePayload&, const HandshakePayload&) = default;
};

using NoiseStaticKey = std::array<std::uint8_t, 32>;

HandshakePayload make_handshake_payload(const identity::Identity& identity, const NoiseStaticKey& noise_static,
                                        bool aes_hardware, Bytes credential);
Bytes encode_handshake_payload(const HandshakePayload& payload);
Result<HandshakePayload> decode_handshake_payload(ByteView input);

// Whom a side accepts. Default deny: with no authority and no expected identifier, nobody is accepted.
// With both, the peer must be that identity and a member. A presented credential is always checked in full
// (an expired one is refused, never ignored).
struct TrustPolicy {
  std::optional<identity::PublicKey> authority{};     // accept members: a valid credential from this authority
  std::optional<std::string> expected_identifier{};    // accept exactly this identity (pinning)
  std::map<std::string, std::string> required_attributes{};  // and the credential must carry these
  // Also accept a peer that shows no credential, as a non-member (the hub's listener: such peers may only
  // enroll; the node's access rules enforce that).
  bool allow_anonymous = false;
};

enum class PolicyError {
  bad_attestation = 1,  // the identity key did not sign this Noise static key
  not_trusted,          // neither a member nor the expected identity
  no_credential,        // a member is required and none was presented
  bad_credential,       // the credential does not verify (signature, issuer, time) or names someone else
  missing_attribute,    // the credential lacks a required attribute
  unexpected_identity,  // pinned to another identity
};
const std::error_category& policy_category();
inline std::error_code make_error_code(PolicyError e) { return {static_cast<int>(e), policy_category()}; }

struct VerifiedPeer {
  std::string identifier;
  identity::PublicKey identity_key{};
  std::optional<identity::Credential> credential;
  bool aes_hardware = false;
};

// Checks `payload` from the peer whose Noise static key the handshake authenticated as `remote_static`. Errors are
// PolicyError values, or the CredentialError that says why a presented credential failed (expired, ...).
Result<VerifiedPeer> check_peer(const TrustPolicy& policy, const HandshakePayload& payload,
                                const NoiseStaticKey& remote_static, std::uint64_t now);

}  // namespace portico::channel

template <>
struct std::is_error_code_enum<portico::channel::PolicyError> : std::true_type {};
