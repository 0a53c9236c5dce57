#include "channel/noise_state.hpp"

#include <algorithm>

#include "channel/errors.hpp"

namespace portico::channel {
namespace {

// HASHLEN may be 64; Noise cipher keys are the first 32 bytes of an HKDF output (sections 5.2, MixKey and Split).
SecretKey truncated_key(const Digest& output) {
  SecretKey key;
  std::copy_n(output.data(), kKeyLen, key.data());
  return key;
}

}  // namespace

void CipherState::initialize_key(const SecretKey& key) {
  k_ = key;
  n_ = 0;
}

std::error_code CipherState::encrypt_with_ad(ByteView ad, ByteView plaintext, Bytes& out) {
  if (!k_) {
    out.insert(out.end(), plaintext.begin(), plaintext.end());
    return {};
  }
  if (n_ == kMaxNonce) return Error::nonce_exhausted;
  if (const std::error_code error = crypto::seal(cipher_, *k_, n_, ad, plaintext, out)) return error;
  ++n_;
  return {};
}

std::error_code CipherState::decrypt_with_ad(ByteView ad, ByteView ciphertext, Bytes& out) {
  if (!k_) {
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    return {};
  }
  if (n_ == kMaxNonce) return Error::nonce_exhausted;
  if (const std::error_code error = crypto::open(cipher_, *k_, n_, ad, ciphertext, out)) return error;
  ++n_;
  return {};
}

std::error_code CipherState::rekey() {
  if (!k_) return {};
  Result<SecretKey> next = crypto::rekey(cipher_, *k_);
  if (!next) return next.error();
  k_ = *next;
  return {};
}

SymmetricState::SymmetricState(std::string_view protocol_name, CipherKind cipher, HashKind hash)
    : hash_(hash), cipher_state_(cipher) {
  const std::size_t hash_len = crypto::hash_len(hash);
  const ByteView name = as_bytes(protocol_name);
  if (name.size() <= hash_len) {
    // If protocol_name is less than or equal to HASHLEN bytes in length, sets h equal to protocol_name with zero
    // bytes appended to make HASHLEN bytes.
    h_ = Digest(hash_len);
    std::copy(name.begin(), name.end(), h_.data());
  } else {
    // Otherwise sets h = HASH(protocol_name).
    h_ = crypto::hash(hash, name);
  }
  // Sets ck = h. Calls InitializeKey(empty) (a CipherState starts without a key).
  ck_ = h_;
}

void SymmetricState::mix_key(ByteView input_key_material) {
  // Sets ck, temp_k = HKDF(ck, input_key_material, 2); truncates temp_k to 32 bytes; InitializeKey(temp_k).
  auto [ck, temp_k] = crypto::hkdf2(hash_, ck_.view(), input_key_material);
  ck_ = ck;
  cipher_state_.initialize_key(truncated_key(temp_k));
}

void SymmetricState::mix_hash(ByteView data) {
  // Sets h = HASH(h || data).
  h_ = crypto::hash(hash_, h_.view(), data);
}

std::error_code SymmetricState::encrypt_and_hash(ByteView plaintext, Bytes& out) {
  // Sets ciphertext = EncryptWithAd(h, plaintext), calls MixHash(ciphertext).
  const std::size_t start = out.size();
  if (const std::error_code error = cipher_state_.encrypt_with_ad(h_.view(), plaintext, out)) return error;
  mix_hash(ByteView(out).subspan(start));
  return {};
}

std::error_code SymmetricState::decrypt_and_hash(ByteView ciphertext, Bytes& out) {
  // Sets plaintext = DecryptWithAd(h, ciphertext), calls MixHash(ciphertext).
  if (const std::error_code error = cipher_state_.decrypt_with_ad(h_.view(), ciphertext, out)) return error;
  mix_hash(ciphertext);
  return {};
}

std::pair<CipherState, CipherState> SymmetricState::split() const {
  // Sets temp_k1, temp_k2 = HKDF(ck, zerolen, 2); truncates each to 32 bytes; c1 and c2 take one each.
  const auto [temp_k1, temp_k2] = crypto::hkdf2(hash_, ck_.view(), {});
  CipherState c1(cipher_state_.cipher());
  CipherState c2(cipher_state_.cipher());
  c1.initialize_key(truncated_key(temp_k1));
  c2.initialize_key(truncated_key(temp_k2));
  return {std::move(c1), std::move(c2)};
}

}  // namespace portico::channel
