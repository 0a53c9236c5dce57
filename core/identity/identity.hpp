#pragma once
// Identity: a node's Ed25519 key pair. Its identifier — "I" followed by the hex of SHA-256(public key) — is what
// credentials name and policies check; it is printed at start so operators can pin it.
//
// The secret key never leaves this class except to the Vault that stores it.

#include <array>
#include <cstdint>
#include <string>

#include "wire/bytes.hpp"

namespace portico::identity {

inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSecretKeyBytes = 64;  // libsodium's Ed25519 secret key: seed || public key
inline constexpr std::size_t kSignatureBytes = 64;

using PublicKey = std::array<std::uint8_t, kPublicKeyBytes>;
using Signature = std::array<std::uint8_t, kSignatureBytes>;

// "I" + 64 hex characters.
std::string identifier_of(const PublicKey& key);
std::string to_hex(ByteView bytes);
Result<Bytes> from_hex(std::string_view hex);

class Identity {
 public:
  static Identity generate();
  // From a stored secret key; fails when it is not kSecretKeyBytes long or its public half does not match.
  static Result<Identity> from_secret_key(ByteView secret_key);

  const PublicKey& public_key() const { return public_key_; }
  const std::string& identifier() const { return identifier_; }
  ByteView secret_key() const { return secret_key_; }

  Signature sign(ByteView message) const;

 private:
  Identity() = default;
  PublicKey public_key_{};
  std::array<std::uint8_t, kSecretKeyBytes> secret_key_{};
  std::string identifier_;
};

bool verify_signature(const PublicKey& key, ByteView message, const Signature& signature);

}  // namespace portico::identity
