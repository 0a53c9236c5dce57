#include "identity/identity.hpp"

#include <sodium.h>

#include <stdexcept>

namespace portico::identity {
namespace {

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

std::string to_hex(ByteView bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::make_error_code(std::errc::invalid_argument);
  Bytes out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::make_error_code(std::errc::invalid_argument);
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

std::string identifier_of(const PublicKey& key) {
  ensure_sodium();
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), key.data(), key.size());
  return "I" + to_hex(digest);
}

Identity Identity::generate() {
  ensure_sodium();
  Identity identity;
  crypto_sign_keypair(identity.public_key_.data(), identity.secret_key_.data());
  identity.identifier_ = identifier_of(identity.public_key_);
  return identity;
}

Result<Identity> Identity::from_secret_key(ByteView secret_key) {
  ensure_sodium();
  if (secret_key.size() != kSecretKeyBytes) return std::make_error_code(std::errc::invalid_argument);
  Identity identity;
  std::copy(secret_key.begin(), secret_key.end(), identity.secret_key_.begin());
  crypto_sign_ed25519_sk_to_pk(identity.public_key_.data(), identity.secret_key_.data());
  // The stored public half must be the one the seed derives: a damaged file must not load.
  std::array<std::uint8_t, kPublicKeyBytes> derived{};
  std::array<std::uint8_t, kSecretKeyBytes> rebuilt{};
  crypto_sign_seed_keypair(derived.data(), rebuilt.data(), identity.secret_key_.data());
  if (derived != identity.public_key_) return std::make_error_code(std::errc::invalid_argument);
  identity.identifier_ = identifier_of(identity.public_key_);
  return identity;
}

Signature Identity::sign(ByteView message) const {
  Signature signature{};
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), secret_key_.data());
  return signature;
}

bool verify_signature(const PublicKey& key, ByteView message, const Signature& signature) {
  ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), key.data()) == 0;
}

}  // namespace portico::identity
