#pragma once
// QuicKeys: QUIC packet protection keyed from a secret the end-to-end secure channel already agreed, instead of
// TLS (docs/direct-paths.md). ngtcp2's core does no cryptography of its own: it asks for AEAD, header protection
// and key updates through callbacks, and these are they, composed from libsodium (no primitive of our own):
//
//   AEAD               ChaCha20-Poly1305 (IETF, 12-byte nonce = iv XOR packet number, as RFC 9001 5.3)
//   header protection  ChaCha20: counter = sample[0..4) little-endian, nonce = sample[4..16) (RFC 9001 5.4.4)
//   key schedule       from the path secret and what makes this connection's keys its own:
//                        level secret = BLAKE2b-256(key = path secret, "portq/lv" level:u8 direction:u8 context)
//                          context: Initial - the client's first destination connection ID (random);
//                                   Handshake and 1-RTT - the client's random, then the server's (32 bytes each,
//                                   in the handshake's first messages)
//                        key = KDF(level secret, 1, "portq/ky"), iv = KDF(…, 2, "portq/iv")[0..12),
//                        hp  = KDF(…, 3, "portq/hp"); a key update: next secret = KDF(secret, 4, "portq/up")
//                        (KDF: libsodium's crypto_kdf_derive_from_key, BLAKE2b)
//
// Every level (Initial, Handshake, 1-RTT) and direction has its own keys, all secret: unlike QUIC's Initial keys
// (derived from a connection ID anyone sees), nobody without the path secret can make or read a single packet,
// so a forged ACK, reset or close is as impossible as a forged record on the channel. Each connection made
// from one path secret has keys of its own (the randoms), so packet numbers starting again at 0 never reuse a
// nonce under a key; only a replayed first packet makes a server's Initial keys repeat, and an Initial carries
// nothing but the server's random.

#include <array>
#include <cstdint>

#include <ngtcp2/ngtcp2.h>

#include "p2p/path_secret.hpp"

namespace portico::p2p {

inline constexpr std::size_t kQuicKeyBytes = 32;
inline constexpr std::size_t kQuicIvBytes = 12;
inline constexpr std::size_t kQuicTagBytes = 16;

enum class QuicLevel : std::uint8_t { initial = 0, handshake = 1, application = 2 };
enum class QuicDirection : std::uint8_t { client_to_server = 0, server_to_client = 1 };

// One direction's keys at one level. `secret` is kept for key updates (1-RTT only).
struct QuicKeySet {
  std::array<std::uint8_t, kQuicKeyBytes> secret{};
  std::array<std::uint8_t, kQuicKeyBytes> key{};
  std::array<std::uint8_t, kQuicIvBytes> iv{};
  std::array<std::uint8_t, kQuicKeyBytes> hp{};
};

QuicKeySet derive_keys(const PathSecret& path_secret, QuicLevel level, QuicDirection direction,
                       const std::uint8_t* context, std::size_t context_len);
// The keys after a key update of `secret` (the header protection key does not change, RFC 9001 6).
QuicKeySet next_keys(const std::array<std::uint8_t, kQuicKeyBytes>& secret,
                     const std::array<std::uint8_t, kQuicKeyBytes>& hp);

// The crypto context ngtcp2 is given (AEAD overhead and limits) for every level.
ngtcp2_crypto_ctx quic_crypto_ctx();

// ngtcp2 contexts owning a copy of a key (freed by delete_aead_ctx / delete_cipher_ctx).
ngtcp2_crypto_aead_ctx make_aead_ctx(const std::array<std::uint8_t, kQuicKeyBytes>& key);
ngtcp2_crypto_cipher_ctx make_cipher_ctx(const std::array<std::uint8_t, kQuicKeyBytes>& key);

// Packets quic_decrypt has opened on this thread, ever: ngtcp2 reports a packet that does not open as read (it
// discards it and returns 0), so QuicConnection::receive compares this before and after to know.
std::uint64_t quic_packets_opened();

// The ngtcp2 callbacks.
int quic_encrypt(std::uint8_t* dest, const ngtcp2_crypto_aead* aead, const ngtcp2_crypto_aead_ctx* ctx,
                 const std::uint8_t* plaintext, std::size_t plaintext_len, const std::uint8_t* nonce,
                 std::size_t nonce_len, const std::uint8_t* aad, std::size_t aad_len);
int quic_decrypt(std::uint8_t* dest, const ngtcp2_crypto_aead* aead, const ngtcp2_crypto_aead_ctx* ctx,
                 const std::uint8_t* ciphertext, std::size_t ciphertext_len, const std::uint8_t* nonce,
                 std::size_t nonce_len, const std::uint8_t* aad, std::size_t aad_len);
int quic_hp_mask(std::uint8_t* dest, const ngtcp2_crypto_cipher* hp, const ngtcp2_crypto_cipher_ctx* ctx,
                 const std::uint8_t* sample);
void quic_delete_aead_ctx(ngtcp2_conn* conn, ngtcp2_crypto_aead_ctx* ctx, void* user_data);
void quic_delete_cipher_ctx(ngtcp2_conn* conn, ngtcp2_crypto_cipher_ctx* ctx, void* user_data);

}  // namespace portico::p2p
