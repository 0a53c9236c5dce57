#pragma once
// Enrollment token: what an operator copies from the hub (`portico token`) into a node's OCKAM_ENROLL.
//
//   token  = hub_identifier ":" secret
//   hub_identifier = "I" 64*lowercase-hex        the hub's identifier: the node pins it at enrollment
//   secret = 64*lowercase-hex                    32 random bytes; the hub keeps only their SHA-256
//
// Parsing is strict (no spaces, no upper case, exact lengths) so a mangled fleet variable fails loudly at start
// instead of being "repaired" into another secret. TokenError also carries the hub's reasons for refusing a
// token (token_store.hpp), so one category explains every way a token can fail.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "wire/bytes.hpp"

namespace portico::identity {

inline constexpr std::size_t kTokenSecretBytes = 32;
inline constexpr std::size_t kIdentifierChars = 65;  // "I" + hex of a SHA-256

using TokenSecret = std::array<std::uint8_t, kTokenSecretBytes>;

struct EnrollmentToken {
  std::string hub_identifier;
  TokenSecret secret{};
  friend bool operator==(const EnrollmentToken&, const EnrollmentToken&) = default;
};

enum class TokenError {
  malformed = 1,       // not "<hub identifier>:<secret>"
  bad_hub_identifier,  // the part before ':' is not "I" + 64 lowercase hex
  bad_secret,          // the part after ':' is not 64 lowercase hex
  unknown,             // this hub has no such token: never issued here, or its last use is spent
  expired,
  used_up,             // a token file with no uses left
  bad_attribute,       // an attribute a credential cannot carry (see validate_attributes)
  damaged,             // a token file that does not parse
};
const std::error_category& token_category();
inline std::error_code make_error_code(TokenError e) { return {static_cast<int>(e), token_category()}; }

// "I" followed by exactly 64 lowercase hex characters (identity.hpp identifier_of).
bool is_identifier(std::string_view text);

// 32 bytes from libsodium's CSPRNG.
TokenSecret random_token_secret();
// Lowercase hex of SHA-256(secret): the name a hub files the token under.
std::string token_digest(const TokenSecret& secret);

std::string format_enrollment_token(const EnrollmentToken& token);
Result<EnrollmentToken> parse_enrollment_token(std::string_view text);

}  // namespace portico::identity

template <>
struct std::is_error_code_enum<portico::identity::TokenError> : std::true_type {};
