#pragma once
// Noise rev 34, section 5.1 and 5.2: CipherState (k, n) and SymmetricState (ck, h, CipherState), exactly as the
// spec names them, over the primitives in crypto.hpp. Both are plain values: copying one is how the handshake
// tries a message and keeps the old state if it fails. Every method that can fail changes nothing when it does.

#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "channel/crypto.hpp"
#include "wire/bytes.hpp"

namespace portico::channel {

// n = 2^64-1 is reserved for REKEY(); a CipherState refuses to use it (Noise section 5.1).
inline constexpr std::uint64_t kMaxNonce = ~std::uint64_t{0};

class CipherState {
 public:
  explicit CipherState(CipherKind cipher) : cipher_(cipher) {}

  // InitializeKey(key): k = key, n = 0.
  void initialize_key(const SecretKey& key);
  // HasKey().
  bool has_key() const { return k_.has_value(); }
  // SetNonce(nonce).
  void set_nonce(std::uint64_t nonce) { n_ = nonce; }
  std::uint64_t nonce() const { return n_; }
  CipherKind cipher() const { return cipher_; }

  // EncryptWithAd(ad, plaintext): appends ENCRYPT(k, n++, ad, plaintext) to `out`, or the plaintext itself when
  // there is no key yet. Error::nonce_exhausted when n is 2^64-1.
  std::error_code encrypt_with_ad(ByteView ad, ByteView plaintext, Bytes& out);
  // DecryptWithAd(ad, ciphertext): appends DECRYPT(k, n, ad, ciphertext) to `out` and increments n, or the
  // ciphertext itself when there is no key yet. On Error::decrypt_failed or nonce_exhausted, n stays as it was.
  std::error_code decrypt_with_ad(ByteView ad, ByteView ciphertext, Bytes& out);
  // Rekey(): k = REKEY(k); n is unchanged.
  std::error_code rekey();
  // The same key and nonce under another AEAD: how a channel moves to the cipher both ends agreed on in the
  // (authenticated) handshake payloads. Only meaningful before the first transport message.
  CipherState with_cipher(CipherKind cipher) const {
    CipherState other(cipher);
    other.k_ = k_;
    other.n_ = n_;
    return other;
  }

 private:
  CipherKind cipher_;
  std::optional<SecretKey> k_;
  std::uint64_t n_ = 0;
};

class SymmetricState {
 public:
  // InitializeSymmetric(protocol_name).
  SymmetricState(std::string_view protocol_name, CipherKind cipher, HashKind hash);

  // MixKey(input_key_material).
  void mix_key(ByteView input_key_material);
  // MixHash(data).
  void mix_hash(ByteView data);
  // EncryptAndHash(plaintext): appends the ciphertext to `out`.
  std::error_code encrypt_and_hash(ByteView plaintext, Bytes& out);
  // DecryptAndHash(ciphertext): appends the plaintext to `out`.
  std::error_code decrypt_and_hash(ByteView ciphertext, Bytes& out);
  // Split(): (c1, c2) — c1 carries initiator-to-responder messages, c2 the other direction.
  std::pair<CipherState, CipherState> split() const;

  bool has_key() const { return cipher_state_.has_key(); }
  // h: the handshake hash once the handshake is over (GetHandshakeHash()).
  ByteView handshake_hash() const { return h_.view(); }

 private:
  HashKind hash_;
  Digest ck_;
  Digest h_;
  CipherState cipher_state_;
};

}  // namespace portico::channel
