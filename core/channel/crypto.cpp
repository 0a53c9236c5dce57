#include "channel/crypto.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <variant>

#if PORTICO_AES_GCM_MBEDTLS
#include <mbedtls/gcm.h>
#endif
#include <sodium.h>

#include "channel/errors.hpp"

namespace portico::channel {

void secure_wipe(void* data, std::size_t size) noexcept { sodium_memzero(data, size); }

namespace crypto {
namespace {

constexpr std::size_t kAeadNonceBytes = 12;
constexpr std::size_t kBlake2bBlockLen = 128;  // BLOCKLEN of BLAKE2b, for HMAC (Noise section 12.4)
constexpr std::uint64_t kMaxNonce = ~std::uint64_t{0};

static_assert(crypto_scalarmult_BYTES == kDhLen && crypto_scalarmult_SCALARBYTES == kKeyLen);
static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == kKeyLen &&
              crypto_aead_chacha20poly1305_ietf_ABYTES == kTagLen &&
              crypto_aead_chacha20poly1305_ietf_NPUBBYTES == kAeadNonceBytes);
static_assert(crypto_aead_aes256gcm_KEYBYTES == kKeyLen && crypto_aead_aes256gcm_ABYTES == kTagLen &&
              crypto_aead_aes256gcm_NPUBBYTES == kAeadNonceBytes);

// sodium_init() once per process; it fails only when the OS offers no randomness, and nothing here is safe then.
void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

constexpr bool kHaveMbedtls = PORTICO_AES_GCM_MBEDTLS != 0;

// libsodium when the CPU can run it; else mbedtls (when built in; else no backend, and aes_gcm_available() says so).
std::atomic<AesGcmBackend>& backend_setting() {
  static std::atomic<AesGcmBackend> backend{crypto_aead_aes256gcm_is_available() != 0 ? AesGcmBackend::libsodium
                                                                                       : AesGcmBackend::mbedtls};
  return backend;
}

// Noise section 12.3: 32 bits of zeros followed by the little-endian encoding of n.
// Noise section 12.2: 32 bits of zeros followed by the big-endian encoding of n.
std::array<std::uint8_t, kAeadNonceBytes> aead_nonce(CipherKind cipher, std::uint64_t n) {
  std::array<std::uint8_t, kAeadNonceBytes> nonce{};
  for (std::size_t i = 0; i < 8; ++i) {
    const auto byte = static_cast<std::uint8_t>(n >> (8 * i));
    if (cipher == CipherKind::chacha_poly) {
      nonce[4 + i] = byte;
    } else {
      nonce[kAeadNonceBytes - 1 - i] = byte;
    }
  }
  return nonce;
}

// One streaming hash of the chosen kind; the state is wiped when done.
class Hasher {
 public:
  explicit Hasher(HashKind kind) : kind_(kind) {
    switch (kind) {
      case HashKind::sha256: crypto_hash_sha256_init(&state_.emplace<crypto_hash_sha256_state>()); break;
      case HashKind::sha512: crypto_hash_sha512_init(&state_.emplace<crypto_hash_sha512_state>()); break;
      case HashKind::blake2b:
        crypto_generichash_blake2b_init(&state_.emplace<crypto_generichash_blake2b_state>(), nullptr, 0,
                                        crypto_generichash_blake2b_BYTES_MAX);
        break;
    }
  }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  ~Hasher() { sodium_memzero(&state_, sizeof state_); }

  void update(ByteView data) {
    if (data.empty()) return;
    switch (kind_) {
      case HashKind::sha256: crypto_hash_sha256_update(&std::get<1>(state_), data.data(), data.size()); break;
      case HashKind::sha512: crypto_hash_sha512_update(&std::get<2>(state_), data.data(), data.size()); break;
      case HashKind::blake2b:
        crypto_generichash_blake2b_update(&std::get<3>(state_), data.data(), data.size());
        break;
    }
  }

  Digest finish() {
    Digest out(hash_len(kind_));
    switch (kind_) {
      case HashKind::sha256: crypto_hash_sha256_final(&std::get<1>(state_), out.data()); break;
      case HashKind::sha512: crypto_hash_sha512_final(&std::get<2>(state_), out.data()); break;
      case HashKind::blake2b:
        crypto_generichash_blake2b_final(&std::get<3>(state_), out.data(), out.size());
        break;
    }
    return out;
  }

 private:
  HashKind kind_;
  std::variant<std::monostate, crypto_hash_sha256_state, crypto_hash_sha512_state, crypto_generichash_blake2b_state>
      state_;
};

// RFC 2104 HMAC over BLAKE2b: H((K ^ opad) || H((K ^ ipad) || text)), K zero-padded to BLOCKLEN (and hashed
// first when longer, which Noise's keys of at most HASHLEN bytes never are).
Digest hmac_blake2b(ByteView key, ByteView a, ByteView b) {
  Secret<kBlake2bBlockLen> block;
  if (key.size() > kBlake2bBlockLen) {
    const Digest short_key = hash(HashKind::blake2b, key);
    std::copy(short_key.view().begin(), short_key.view().end(), block.data());
  } else {
    std::copy(key.begin(), key.end(), block.data());
  }
  Secret<kBlake2bBlockLen> pad;
  for (std::size_t i = 0; i < kBlake2bBlockLen; ++i) pad.data()[i] = static_cast<std::uint8_t>(block.data()[i] ^ 0x36);
  Hasher inner(HashKind::blake2b);
  inner.update(pad.view());
  inner.update(a);
  inner.update(b);
  const Digest inner_digest = inner.finish();
  for (std::size_t i = 0; i < kBlake2bBlockLen; ++i) pad.data()[i] = static_cast<std::uint8_t>(block.data()[i] ^ 0x5c);
  Hasher outer(HashKind::blake2b);
  outer.update(pad.view());
  outer.update(inner_digest.view());
  return outer.finish();
}

#if PORTICO_AES_GCM_MBEDTLS
std::error_code seal_aes_gcm_mbedtls(const SecretKey& key, const std::uint8_t* nonce, ByteView ad, ByteView plaintext,
                                     std::uint8_t* out) {
  mbedtls_gcm_context gcm;
  mbedtls_gcm_init(&gcm);
  int rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key.data(), 8 * kKeyLen);
  if (rc == 0) {
    rc = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, plaintext.size(), nonce, kAeadNonceBytes, ad.data(),
                                   ad.size(), plaintext.data(), out, kTagLen, out + plaintext.size());
  }
  mbedtls_gcm_free(&gcm);
  // Only an mbedtls built without AES or GCM fails here.
  return rc == 0 ? std::error_code{} : make_error_code(Error::crypto_failure);
}

bool open_aes_gcm_mbedtls(const SecretKey& key, const std::uint8_t* nonce, ByteView ad, ByteView ciphertext,
                          std::uint8_t* out) {
  const std::size_t length = ciphertext.size() - kTagLen;
  mbedtls_gcm_context gcm;
  mbedtls_gcm_init(&gcm);
  int rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key.data(), 8 * kKeyLen);
  if (rc == 0) {
    rc = mbedtls_gcm_auth_decrypt(&gcm, length, nonce, kAeadNonceBytes, ad.data(), ad.size(),
                                  ciphertext.data() + length, kTagLen, ciphertext.data(), out);
  }
  mbedtls_gcm_free(&gcm);
  return rc == 0;
}

#else
std::error_code seal_aes_gcm_mbedtls(const SecretKey&, const std::uint8_t*, ByteView, ByteView, std::uint8_t*) {
  return make_error_code(Error::crypto_failure);  // unreachable: aes_gcm_available() is false without a backend
}
bool open_aes_gcm_mbedtls(const SecretKey&, const std::uint8_t*, ByteView, ByteView, std::uint8_t*) { return false; }
#endif

}  // namespace

std::size_t hash_len(HashKind kind) { return kind == HashKind::sha256 ? 32 : 64; }

KeyPair generate_keypair() {
  ensure_sodium();
  KeyPair pair;
  randombytes_buf(pair.secret.data(), kKeyLen);
  crypto_scalarmult_base(pair.public_key.data(), pair.secret.data());
  return pair;
}

Result<KeyPair> keypair_from_secret(ByteView secret) {
  ensure_sodium();
  if (secret.size() != kKeyLen) return Error::bad_key;
  KeyPair pair;
  std::copy(secret.begin(), secret.end(), pair.secret.data());
  crypto_scalarmult_base(pair.public_key.data(), pair.secret.data());
  return pair;
}

Result<SecretKey> dh(const SecretKey& secret, const PublicKey& remote_public) {
  ensure_sodium();
  SecretKey shared;
  // libsodium refuses (returns -1 for) a result of all zeros, i.e. a low-order peer point. Noise allows either
  // behaviour (section 12.1); refusing costs nothing and keeps a peer from forcing a known key.
  if (crypto_scalarmult(shared.data(), secret.data(), remote_public.data()) != 0) return Error::bad_public_key;
  return shared;
}

Digest hash(HashKind kind, ByteView a, ByteView b) {
  ensure_sodium();
  Hasher hasher(kind);
  hasher.update(a);
  hasher.update(b);
  return hasher.finish();
}

Digest hmac(HashKind kind, ByteView key, ByteView a, ByteView b) {
  ensure_sodium();
  Digest out(hash_len(kind));
  switch (kind) {
    case HashKind::sha256: {
      crypto_auth_hmacsha256_state state;
      crypto_auth_hmacsha256_init(&state, key.data(), key.size());
      if (!a.empty()) crypto_auth_hmacsha256_update(&state, a.data(), a.size());
      if (!b.empty()) crypto_auth_hmacsha256_update(&state, b.data(), b.size());
      crypto_auth_hmacsha256_final(&state, out.data());
      sodium_memzero(&state, sizeof state);
      return out;
    }
    case HashKind::sha512: {
      crypto_auth_hmacsha512_state state;
      crypto_auth_hmacsha512_init(&state, key.data(), key.size());
      if (!a.empty()) crypto_auth_hmacsha512_update(&state, a.data(), a.size());
      if (!b.empty()) crypto_auth_hmacsha512_update(&state, b.data(), b.size());
      crypto_auth_hmacsha512_final(&state, out.data());
      sodium_memzero(&state, sizeof state);
      return out;
    }
    case HashKind::blake2b: return hmac_blake2b(key, a, b);
  }
  return out;
}

std::pair<Digest, Digest> hkdf2(HashKind kind, ByteView chaining_key, ByteView input_key_material) {
  // temp_key = HMAC-HASH(chaining_key, input_key_material)
  const Digest temp_key = hmac(kind, chaining_key, input_key_material);
  // output1 = HMAC-HASH(temp_key, byte(0x01))
  const std::uint8_t one = 0x01;
  Digest output1 = hmac(kind, temp_key.view(), ByteView{&one, 1});
  // output2 = HMAC-HASH(temp_key, output1 || byte(0x02))
  const std::uint8_t two = 0x02;
  Digest output2 = hmac(kind, temp_key.view(), output1.view(), ByteView{&two, 1});
  return {std::move(output1), std::move(output2)};
}

std::error_code seal(CipherKind cipher, const SecretKey& key, std::uint64_t nonce, ByteView ad, ByteView plaintext,
                     Bytes& out) {
  ensure_sodium();
  const auto n = aead_nonce(cipher, nonce);
  const std::size_t start = out.size();
  out.resize(start + plaintext.size() + kTagLen);
  std::uint8_t* dest = out.data() + start;
  unsigned long long written = 0;  // NOLINT(google-runtime-int): libsodium's type
  if (cipher == CipherKind::chacha_poly) {
    crypto_aead_chacha20poly1305_ietf_encrypt(dest, &written, plaintext.data(), plaintext.size(), ad.data(),
                                              ad.size(), nullptr, n.data(), key.data());
    return {};
  }
  if (aes_gcm_backend() == AesGcmBackend::libsodium) {
    crypto_aead_aes256gcm_encrypt(dest, &written, plaintext.data(), plaintext.size(), ad.data(), ad.size(), nullptr,
                                  n.data(), key.data());
    return {};
  }
  const std::error_code error = seal_aes_gcm_mbedtls(key, n.data(), ad, plaintext, dest);
  if (error) out.resize(start);
  return error;
}

std::error_code open(CipherKind cipher, const SecretKey& key, std::uint64_t nonce, ByteView ad, ByteView ciphertext,
                     Bytes& out) {
  ensure_sodium();
  if (ciphertext.size() < kTagLen) return Error::decrypt_failed;
  const auto n = aead_nonce(cipher, nonce);
  const std::size_t start = out.size();
  out.resize(start + ciphertext.size() - kTagLen);
  std::uint8_t* dest = out.data() + start;
  unsigned long long written = 0;  // NOLINT(google-runtime-int): libsodium's type
  bool ok = false;
  if (cipher == CipherKind::chacha_poly) {
    ok = crypto_aead_chacha20poly1305_ietf_decrypt(dest, &written, nullptr, ciphertext.data(), ciphertext.size(),
                                                   ad.data(), ad.size(), n.data(), key.data()) == 0;
  } else if (aes_gcm_backend() == AesGcmBackend::libsodium) {
    ok = crypto_aead_aes256gcm_decrypt(dest, &written, nullptr, ciphertext.data(), ciphertext.size(), ad.data(),
                                       ad.size(), n.data(), key.data()) == 0;
  } else {
    ok = open_aes_gcm_mbedtls(key, n.data(), ad, ciphertext, dest);
  }
  if (!ok) {
    sodium_memzero(dest, ciphertext.size() - kTagLen);
    out.resize(start);
    return Error::decrypt_failed;
  }
  return {};
}

Result<SecretKey> rekey(CipherKind cipher, const SecretKey& key) {
  // REKEY(k): ENCRYPT(k, maxnonce, zerolen, zeros) with 32 zero bytes, keeping the first 32 bytes (no tag).
  const std::array<std::uint8_t, kKeyLen> zeros{};
  Bytes sealed;
  sealed.reserve(kKeyLen + kTagLen);
  if (const std::error_code error = seal(cipher, key, kMaxNonce, {}, zeros, sealed)) return error;
  SecretKey next;
  std::copy(sealed.begin(), sealed.begin() + kKeyLen, next.data());
  sodium_memzero(sealed.data(), sealed.size());
  return next;
}

AesGcmBackend aes_gcm_backend() {
  ensure_sodium();
  return backend_setting().load(std::memory_order_relaxed);
}

bool aes_gcm_backend_available(AesGcmBackend backend) {
  ensure_sodium();
  if (backend == AesGcmBackend::mbedtls) return kHaveMbedtls;
  return crypto_aead_aes256gcm_is_available() != 0;
}

bool aes_gcm_available() {
  return aes_gcm_backend_available(AesGcmBackend::libsodium) || aes_gcm_backend_available(AesGcmBackend::mbedtls);
}

bool set_aes_gcm_backend(AesGcmBackend backend) {
  if (!aes_gcm_backend_available(backend)) return false;
  backend_setting().store(backend, std::memory_order_relaxed);
  return true;
}

}  // namespace crypto
}  // namespace portico::channel
