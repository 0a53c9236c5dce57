#include "p2p/quic_keys.hpp"

#include <cstring>
#include <new>

#include <sodium.h>

namespace portico::p2p {
namespace {

using Key = std::array<std::uint8_t, kQuicKeyBytes>;

// crypto_kdf contexts are exactly 8 characters.
template <std::size_t N>
void kdf(std::uint8_t (&out)[N], std::uint64_t id, const char (&context)[9], const std::uint8_t* key) {
  static_assert(N >= crypto_kdf_BYTES_MIN && N <= crypto_kdf_BYTES_MAX);
  crypto_kdf_derive_from_key(out, N, id, context, key);
}

void fill_from(QuicKeySet& keys) {
  std::uint8_t key[kQuicKeyBytes], iv[crypto_kdf_BYTES_MIN], hp[kQuicKeyBytes];
  kdf(key, 1, "portq/ky", keys.secret.data());
  kdf(iv, 2, "portq/iv", keys.secret.data());
  kdf(hp, 3, "portq/hp", keys.secret.data());
  std::memcpy(keys.key.data(), key, keys.key.size());
  std::memcpy(keys.iv.data(), iv, keys.iv.size());
  std::memcpy(keys.hp.data(), hp, keys.hp.size());
  sodium_memzero(key, sizeof key), sodium_memzero(iv, sizeof iv), sodium_memzero(hp, sizeof hp);
}

const Key& key_of(const ngtcp2_crypto_aead_ctx* ctx) { return *static_cast<const Key*>(ctx->native_handle); }
const Key& key_of(const ngtcp2_crypto_cipher_ctx* ctx) { return *static_cast<const Key*>(ctx->native_handle); }

// ngtcp2 only compares these handles with null; they name what the contexts hold.
char aead_name[] = "chacha20-poly1305";
char hp_name[] = "chacha20";
char md_name[] = "blake2b";

}  // namespace

QuicKeySet derive_keys(const PathSecret& path_secret, QuicLevel level, QuicDirection direction,
                       const std::uint8_t* context, std::size_t context_len) {
  static_assert(kPathSecretBytes == crypto_kdf_KEYBYTES);
  QuicKeySet keys;
  crypto_generichash_state state;
  crypto_generichash_init(&state, path_secret.data(), path_secret.size(), keys.secret.size());
  const std::uint8_t label[] = {'p', 'o', 'r', 't', 'q', '/', 'l', 'v', static_cast<std::uint8_t>(level),
                                static_cast<std::uint8_t>(direction)};
  crypto_generichash_update(&state, label, sizeof label);
  crypto_generichash_update(&state, context, context_len);
  crypto_generichash_final(&state, keys.secret.data(), keys.secret.size());
  fill_from(keys);
  return keys;
}

QuicKeySet next_keys(const Key& secret, const Key& hp) {
  QuicKeySet keys;
  std::uint8_t next[kQuicKeyBytes];
  kdf(next, 4, "portq/up", secret.data());
  std::memcpy(keys.secret.data(), next, sizeof next);
  sodium_memzero(next, sizeof next);
  fill_from(keys);
  keys.hp = hp;
  return keys;
}

ngtcp2_crypto_ctx quic_crypto_ctx() {
  ngtcp2_crypto_ctx ctx{};
  ctx.aead.native_handle = aead_name;
  ctx.aead.max_overhead = kQuicTagBytes;
  ctx.md.native_handle = md_name;
  ctx.hp.native_handle = hp_name;
  // RFC 9001 6.6, for AEAD_CHACHA20_POLY1305: no confidentiality limit below 2^62, integrity limit 2^36.
  ctx.max_encryption = 1ULL << 62;
  ctx.max_decryption_failure = 1ULL << 36;
  return ctx;
}

ngtcp2_crypto_aead_ctx make_aead_ctx(const Key& key) {
  ngtcp2_crypto_aead_ctx ctx{};
  ctx.native_handle = new Key(key);
  return ctx;
}

ngtcp2_crypto_cipher_ctx make_cipher_ctx(const Key& key) {
  ngtcp2_crypto_cipher_ctx ctx{};
  ctx.native_handle = new Key(key);
  return ctx;
}

int quic_encrypt(std::uint8_t* dest, const ngtcp2_crypto_aead*, const ngtcp2_crypto_aead_ctx* ctx,
                 const std::uint8_t* plaintext, std::size_t plaintext_len, const std::uint8_t* nonce,
                 std::size_t nonce_len, const std::uint8_t* aad, std::size_t aad_len) {
  // No key: a context ngtcp2 never got from us (its Retry integrity check, which this protocol has no use for).
  if (ctx == nullptr || ctx->native_handle == nullptr) return NGTCP2_ERR_CALLBACK_FAILURE;
  if (nonce_len != crypto_aead_chacha20poly1305_ietf_NPUBBYTES) return NGTCP2_ERR_CALLBACK_FAILURE;
  // dest may be plaintext itself (ngtcp2 encrypts in place); libsodium allows that.
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(dest, dest + plaintext_len, nullptr, plaintext, plaintext_len,
                                                     aad, aad_len, nullptr, nonce, key_of(ctx).data());
  return 0;
}

namespace {
thread_local std::uint64_t packets_opened = 0;
}  // namespace

std::uint64_t quic_packets_opened() { return packets_opened; }

int quic_decrypt(std::uint8_t* dest, const ngtcp2_crypto_aead*, const ngtcp2_crypto_aead_ctx* ctx,
                 const std::uint8_t* ciphertext, std::size_t ciphertext_len, const std::uint8_t* nonce,
                 std::size_t nonce_len, const std::uint8_t* aad, std::size_t aad_len) {
  if (ctx == nullptr || ctx->native_handle == nullptr) return NGTCP2_ERR_DECRYPT;
  if (nonce_len != crypto_aead_chacha20poly1305_ietf_NPUBBYTES || ciphertext_len < kQuicTagBytes) {
    return NGTCP2_ERR_DECRYPT;
  }
  const std::size_t len = ciphertext_len - kQuicTagBytes;
  if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(dest, nullptr, ciphertext, len, ciphertext + len, aad,
                                                         aad_len, nonce, key_of(ctx).data()) != 0) {
    return NGTCP2_ERR_DECRYPT;
  }
  ++packets_opened;
  return 0;
}

int quic_hp_mask(std::uint8_t* dest, const ngtcp2_crypto_cipher*, const ngtcp2_crypto_cipher_ctx* ctx,
                 const std::uint8_t* sample) {
  if (ctx == nullptr || ctx->native_handle == nullptr) return NGTCP2_ERR_CALLBACK_FAILURE;
  static constexpr std::uint8_t zeros[NGTCP2_HP_MASKLEN] = {};
  const std::uint32_t counter = std::uint32_t{sample[0]} | (std::uint32_t{sample[1]} << 8) |
                                (std::uint32_t{sample[2]} << 16) | (std::uint32_t{sample[3]} << 24);
  crypto_stream_chacha20_ietf_xor_ic(dest, zeros, sizeof zeros, sample + 4, counter, key_of(ctx).data());
  return 0;
}

void quic_delete_aead_ctx(ngtcp2_conn*, ngtcp2_crypto_aead_ctx* ctx, void*) {
  auto* key = static_cast<Key*>(ctx->native_handle);
  if (key != nullptr) sodium_memzero(key->data(), key->size());
  delete key;
  ctx->native_handle = nullptr;
}

void quic_delete_cipher_ctx(ngtcp2_conn*, ngtcp2_crypto_cipher_ctx* ctx, void*) {
  auto* key = static_cast<Key*>(ctx->native_handle);
  if (key != nullptr) sodium_memzero(key->data(), key->size());
  delete key;
  ctx->native_handle = nullptr;
}

}  // namespace portico::p2p
