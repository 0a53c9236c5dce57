#include "channel/handshake_payload.hpp"

#include <algorithm>

namespace portico::channel {
namespace {

constexpr std::string_view kAttestationContext = "portico/noise-static/v1";
constexpr std::size_t kMaxCredentialBytes = 4096;

Bytes attestation_message(const NoiseStaticKey& noise_static) {
  Bytes message(kAttestationContext.begin(), kAttestationContext.end());
  message.insert(message.end(), noise_static.begin(), noise_static.end());
  return message;
}

class PolicyCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.policy"; }
  std::string message(int value) const override {
    switch (static_cast<PolicyError>(value)) {
      case PolicyError::bad_attestation: return "the peer's identity key did not sign its channel key";
      case PolicyError::not_trusted: return "the peer is not trusted by this node's policy";
      case PolicyError::no_credential: return "the peer presented no credential";
      case PolicyError::bad_credential: return "the peer's credential is not valid";
      case PolicyError::missing_attribute: return "the peer's credential lacks a required attribute";
      case PolicyError::unexpected_identity: return "the peer is not the identity this node expects";
    }
    return "unknown policy error";
  }
};

}  // namespace

const std::error_category& policy_category() {
  static const PolicyCategory category;
  return category;
}

HandshakePayload make_handshake_payload(const identity::Identity& identity, const NoiseStaticKey& noise_static,
                                        bool aes_hardware, Bytes credential) {
  return HandshakePayload{identity.public_key(), identity.sign(attestation_message(noise_static)),
                          static_cast<std::uint8_t>(aes_hardware ? kFeatureAesHardware : 0), std::move(credential)};
}

Bytes encode_handshake_payload(const HandshakePayload& payload) {
  Bytes out;
  wire::ByteWriter w(out);
  w.u8(kHandshakePayloadVersion);
  w.raw(payload.identity_key);
  w.raw(payload.attestation);
  w.u8(payload.features);
  w.varint(static_cast<std::uint32_t>(payload.credential.size()));
  w.raw(payload.credential);
  return out;
}

Result<HandshakePayload> decode_handshake_payload(ByteView input) {
  wire::ByteReader r(input);
  auto version = r.u8();
  if (!version) return version.error();
  if (*version != kHandshakePayloadVersion) return wire::Error::bad_version;
  HandshakePayload payload;
  auto key = r.take(payload.identity_key.size());
  if (!key) return key.error();
  std::copy(key->begin(), key->end(), payload.identity_key.begin());
  auto attestation = r.take(payload.attestation.size());
  if (!attestation) return attestation.error();
  std::copy(attestation->begin(), attestation->end(), payload.attestation.begin());
  auto features = r.u8();
  if (!features) return features.error();
  payload.features = *features;
  auto len = r.varint();
  if (!len) return len.error();
  if (*len > kMaxCredentialBytes) return wire::Error::payload_too_large;
  auto credential = r.take(*len);
  if (!credential) return credential.error();
  payload.credential.assign(credential->begin(), credential->end());
  if (!r.at_end()) return wire::Error::trailing_bytes;
  return payload;
}

Result<VerifiedPeer> check_peer(const TrustPolicy& policy, const HandshakePayload& payload,
                                const NoiseStaticKey& remote_static, std::uint64_t now) {
  if (!identity::verify_signature(payload.identity_key, attestation_message(remote_static), payload.attestation)) {
    return PolicyError::bad_attestation;
  }
  VerifiedPeer peer{identity::identifier_of(payload.identity_key), payload.identity_key, std::nullopt,
                    (payload.features & kFeatureAesHardware) != 0};
  if (policy.expected_identifier) {
    if (peer.identifier != *policy.expected_identifier) return PolicyError::unexpected_identity;
    if (!policy.authority) return peer;
  }
  if (!policy.authority) return PolicyError::not_trusted;
  if (payload.credential.empty()) {
    if (policy.allow_anonymous && policy.required_attributes.empty()) return peer;
    return PolicyError::no_credential;
  }
  auto credential = identity::decode_credential(payload.credential);
  if (!credential) return PolicyError::bad_credential;
  if (credential->subject != peer.identifier) return PolicyError::bad_credential;
  // The credential's own error (expired, wrong issuer, bad signature) says more than "bad credential".
  if (auto ec = identity::verify_credential(*credential, *policy.authority, now)) return ec;
  for (const auto& [key, value] : policy.required_attributes) {
    auto it = credential->attributes.find(key);
    if (it == credential->attributes.end() || it->second != value) return PolicyError::missing_attribute;
  }
  peer.credential = std::move(*credential);
  return peer;
}

}  // namespace portico::channel
