#include "identity/enrollment_token.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

#include "identity/identity.hpp"

namespace portico::identity {
namespace {

class TokenCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.token"; }
  std::string message(int value) const override {
    switch (static_cast<TokenError>(value)) {
      case TokenError::malformed: return "enrollment token is not <hub identifier>:<secret>";
      case TokenError::bad_hub_identifier:
        return "enrollment token's hub identifier is not I followed by 64 lowercase hex characters";
      case TokenError::bad_secret: return "enrollment token's secret is not 64 lowercase hex characters";
      case TokenError::unknown: return "enrollment token unknown to this hub (never issued here, or used up)";
      case TokenError::expired: return "enrollment token has expired";
      case TokenError::used_up: return "enrollment token has no uses left";
      case TokenError::bad_attribute:
        return "attribute is not key=value of printable characters (key without '=', at most 255 each, 32 in all)";
      case TokenError::damaged: return "enrollment token file is damaged";
    }
    return "unknown enrollment token error";
  }
};

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

const std::error_category& token_category() {
  static const TokenCategory category;
  return category;
}

bool is_identifier(std::string_view text) {
  return text.size() == kIdentifierChars && text.front() == 'I' && is_lower_hex(text.substr(1));
}

TokenSecret random_token_secret() {
  ensure_sodium();
  TokenSecret secret{};
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

std::string token_digest(const TokenSecret& secret) {
  ensure_sodium();
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), secret.data(), secret.size());
  return to_hex(digest);
}

std::string format_enrollment_token(const EnrollmentToken& token) {
  return token.hub_identifier + ":" + to_hex(token.secret);
}

Result<EnrollmentToken> parse_enrollment_token(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return TokenError::malformed;
  const std::string_view hub = text.substr(0, colon);
  const std::string_view secret = text.substr(colon + 1);
  if (!is_identifier(hub)) return TokenError::bad_hub_identifier;
  if (secret.size() != 2 * kTokenSecretBytes || !is_lower_hex(secret)) return TokenError::bad_secret;
  auto bytes = from_hex(secret);
  if (!bytes) return TokenError::bad_secret;
  EnrollmentToken token{std::string(hub), {}};
  std::copy(bytes->begin(), bytes->end(), token.secret.begin());
  return token;
}

}  // namespace portico::identity
