#pragma once
// The channel's only door to libsodium and mbedtls: the Noise primitives of rev 34 (noiseprotocol.org/noise.html)
// that Portico speaks, and nothing hand-written below them.
//   DH      X25519 (section 12.1), crypto_scalarmult; a low-order peer key (all-zero result) is refused.
//   HASH    SHA-256, SHA-512 (section 12.5) and BLAKE2b-512 (section 12.4).
//   HMAC    RFC 2104 with the chosen HASH (section 4.3): libsodium's HMAC-SHA-256/512; for BLAKE2b, which
//           libsodium has no HMAC for, the RFC 2104 construction over its BLAKE2b (BLOCKLEN 128).
//   HKDF    Noise's two-output HKDF (section 4.3) over that HMAC.
//   AEAD    ChaCha20-Poly1305 IETF, nonce = 32 zero bits || n as 64-bit little-endian (section 12.3);
//           AES-256-GCM, nonce = 32 zero bits || n as 64-bit big-endian (section 12.2), through libsodium
//           when the CPU has AES-NI and PCLMUL (crypto_aead_aes256gcm_is_available), else mbedtls 2.x's GCM
//           (every ARM board we ship to). A build with PORTICO_AES_GCM_MBEDTLS off (the x86 release binary) has
//           only libsodium's: without AES-NI it has no AES-GCM at all, aes_gcm_available() says so, and the
//           channel then never offers it.
//   REKEY   k = first 32 bytes of ENCRYPT(k, 2^64-1, empty ad, 32 zero bytes) (section 4.2).
// sodium_init() runs once, on first use. No state here except that, and the AES-GCM backend choice.
// Thread safety: every function may be called from any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <utility>

#include "wire/bytes.hpp"
#include "wire/result.hpp"

namespace portico::channel {

inline constexpr std::size_t kDhLen = 32;       // X25519 public keys and DH outputs (Noise DHLEN)
inline constexpr std::size_t kKeyLen = 32;      // AEAD keys
inline constexpr std::size_t kTagLen = 16;      // AEAD authentication tags
inline constexpr std::size_t kMaxHashLen = 64;  // SHA-512 and BLAKE2b (Noise HASHLEN)

// Overwrites memory in a way the compiler cannot drop (sodium_memzero).
void secure_wipe(void* data, std::size_t size) noexcept;

// N bytes of key material, wiped when destroyed. Copies are independent (and wiped in turn).
template <std::size_t N>
class Secret {
 public:
  Secret() = default;
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  ~Secret() { secure_wipe(bytes_.data(), N); }

  static constexpr std::size_t size() { return N; }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  ByteView view() const { return {bytes_.data(), N}; }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

using SecretKey = Secret<kKeyLen>;
using PublicKey = std::array<std::uint8_t, kDhLen>;

struct KeyPair {
  SecretKey secret;
  PublicKey public_key{};
};

enum class CipherKind : std::uint8_t { chacha_poly, aes_gcm };
enum class HashKind : std::uint8_t { sha256, sha512, blake2b };
enum class AesGcmBackend : std::uint8_t { libsodium, mbedtls };

// A hash or HMAC output: hash_len(kind) bytes of a kMaxHashLen buffer. Wiped when destroyed, since chaining
// keys and HKDF outputs are secrets.
class Digest {
 public:
  Digest() = default;
  explicit Digest(std::size_t size) : size_(size) {}
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return size_; }
  ByteView view() const { return {bytes_.data(), size_}; }

 private:
  Secret<kMaxHashLen> bytes_;
  std::size_t size_ = 0;
};

namespace crypto {

// HASHLEN for `kind`: 32 for SHA-256, 64 for SHA-512 and BLAKE2b.
std::size_t hash_len(HashKind kind);

// GENERATE_KEYPAIR(): a fresh X25519 key pair from libsodium's CSPRNG.
KeyPair generate_keypair();
// The key pair for a given 32-byte X25519 private key (for injected keys: test vectors, a stored identity).
Result<KeyPair> keypair_from_secret(ByteView secret);
// DH(key_pair, public_key): the X25519 shared secret; Error::bad_public_key when it is all zeros.
Result<SecretKey> dh(const SecretKey& secret, const PublicKey& remote_public);

// HASH(a || b).
Digest hash(HashKind kind, ByteView a, ByteView b = {});
// HMAC-HASH(key, a || b).
Digest hmac(HashKind kind, ByteView key, ByteView a, ByteView b = {});
// HKDF(chaining_key, input_key_material, 2): (output1, output2), each HASHLEN bytes.
std::pair<Digest, Digest> hkdf2(HashKind kind, ByteView chaining_key, ByteView input_key_material);

// ENCRYPT(k, n, ad, plaintext): appends ciphertext || tag (plaintext.size() + kTagLen bytes) to `out`.
// `plaintext` and `ad` must not point into `out`. Fails (Error::crypto_failure, `out` unchanged) only when the
// AES-GCM library itself cannot run.
std::error_code seal(CipherKind cipher, const SecretKey& key, std::uint64_t nonce, ByteView ad, ByteView plaintext,
                     Bytes& out);
// DECRYPT(k, n, ad, ciphertext): appends the plaintext to `out`, or returns Error::decrypt_failed and leaves
// `out` as it was. `ciphertext` and `ad` must not point into `out`.
std::error_code open(CipherKind cipher, const SecretKey& key, std::uint64_t nonce, ByteView ad, ByteView ciphertext,
                     Bytes& out);
// REKEY(k); fails like seal().
Result<SecretKey> rekey(CipherKind cipher, const SecretKey& key);

// The AES-256-GCM implementation in use: libsodium when the CPU supports it, else mbedtls.
AesGcmBackend aes_gcm_backend();
bool aes_gcm_backend_available(AesGcmBackend backend);
// Whether this process can seal and open AES-256-GCM at all (some backend is built in and runs on this CPU).
bool aes_gcm_available();
// For tests and benchmarks: switch the AES-256-GCM implementation (process-wide). Returns false, and changes
// nothing, when `backend` cannot run on this CPU.
bool set_aes_gcm_backend(AesGcmBackend backend);

}  // namespace crypto
}  // namespace portico::channel
