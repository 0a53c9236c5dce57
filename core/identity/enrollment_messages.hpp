#pragma once
// Enrollment messages: payloads exchanged with the hub's enrollment worker at local address "enroll"
// (docs/protocol.md, "Enrollment"). They travel only inside a secure channel to the hub: the worker takes the
// requester's identifier from the channel, never from the message.
//
//   EnrollRequest  = 0x01 secret:32               node -> hub "enroll": redeem this token for a credential
//   RefreshRequest = 0x02                         member -> hub "enroll": a fresh credential, same attributes
//   Enrolled       = 0x03 credential:bytes        hub -> node: len:varint (<= kMaxCredentialBytes) + encoded
//                                                 credential (identity/credential.hpp)
//   EnrollRefused  = 0x04 reason:str              hub -> node: why not, for the node's log
//   str            = len:varint (<= kMaxRefusalText) bytes
//
// The node sends from its worker at "enrollment" and the hub answers along the request's return route.
// Decoding is strict: an unknown type is bad_message_type, a short field truncated, extra bytes trailing_bytes,
// an over-long field payload_too_large. Enrolled's bytes are decoded by decode_credential, as a second step.

#include <string>
#include <variant>

#include "identity/enrollment_token.hpp"
#include "identity/token_store.hpp"

namespace portico::identity {

inline constexpr std::size_t kMaxRefusalText = 255;

struct EnrollRequest {
  TokenSecret secret{};
  friend bool operator==(const EnrollRequest&, const EnrollRequest&) = default;
};
struct RefreshRequest {
  friend bool operator==(const RefreshRequest&, const RefreshRequest&) = default;
};
struct Enrolled {
  Bytes credential;  // encode_credential()
  friend bool operator==(const Enrolled&, const Enrolled&) = default;
};
struct EnrollRefused {
  std::string reason;
  friend bool operator==(const EnrollRefused&, const EnrollRefused&) = default;
};

using EnrollmentMessage = std::variant<EnrollRequest, RefreshRequest, Enrolled, EnrollRefused>;

// Over-long fields are cut to their limits (a reason to kMaxRefusalText; a credential over kMaxCredentialBytes
// is the caller's bug: the token store keeps attributes small enough).
Bytes encode(const EnrollmentMessage& message);
Result<EnrollmentMessage> decode_enrollment_message(ByteView input);

}  // namespace portico::identity
