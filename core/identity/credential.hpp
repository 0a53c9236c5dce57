#pragma once
// Credential: the hub's signed statement that an identity is a member, with attributes and an expiry.
//
//   credential = body signature:64                 (Ed25519 by the issuer over body)
//   body       = version:u8 (=1) subject:str issuer:str issued_at:u64be expires_at:u64be
//                count:varint (key:str value:str)*  (count <= kMaxAttributes, keys sorted, unique)
//   str        = len:varint (<= kMaxCredentialText) bytes
// Times are seconds since the Unix epoch. Decoding is strict like every wire codec here; verification is a
// separate step (verify_credential) that needs the authority's public key and the current time.

#include <cstdint>
#include <map>
#include <string>
#include <system_error>

#include "identity/identity.hpp"

namespace portico::identity {

inline constexpr std::uint8_t kCredentialVersion = 1;
inline constexpr std::size_t kMaxAttributes = 32;
inline constexpr std::size_t kMaxCredentialText = 255;

struct Credential {
  std::string subject;  // identifier of the member
  std::string issuer;   // identifier of the authority (the hub)
  std::uint64_t issued_at = 0;
  std::uint64_t expires_at = 0;
  std::map<std::string, std::string> attributes;
  Signature signature{};

  friend bool operator==(const Credential&, const Credential&) = default;
};

enum class CredentialError { bad_signature = 1, wrong_issuer, expired, not_yet_valid, bad_version };
const std::error_category& credential_category();
inline std::error_code make_error_code(CredentialError e) { return {static_cast<int>(e), credential_category()}; }

// Signs a credential for `subject` with `authority`; the caller sets the times and attributes.
Credential issue_credential(const Identity& authority, std::string subject, std::map<std::string, std::string> attributes,
                            std::uint64_t issued_at, std::uint64_t expires_at);

Bytes encode_credential(const Credential& credential);
Result<Credential> decode_credential(ByteView input);

// Checks signature, issuer and validity at `now`; an error says which check failed.
std::error_code verify_credential(const Credential& credential, const PublicKey& authority, std::uint64_t now);

}  // namespace portico::identity

template <>
struct std::is_error_code_enum<portico::identity::CredentialError> : std::true_type {};
