#include "channel/noise_handshake.hpp"

#include <algorithm>
#include <utility>

#include "channel/errors.hpp"

namespace portico::channel {
namespace {

enum class Token : std::uint8_t { e, s, ee, es, se };

struct MessagePattern {
  std::array<Token, 4> tokens;
  std::size_t size;
};

// Noise section 7.5, pattern XX. Message i is written by the initiator when i is even.
constexpr std::array<MessagePattern, kXXMessages> kPatternXX{{
    {{Token::e}, 1},                                  // -> e
    {{Token::e, Token::ee, Token::s, Token::es}, 4},  // <- e, ee, s, es
    {{Token::s, Token::se}, 2},                       // -> s, se
}};

// Which keys a DH token combines, reading and writing alike: ours (s or e) with the peer's (rs or re).
struct DhKeys {
  bool own_static;
  bool remote_static;
};

DhKeys dh_keys(Token token, bool initiator) {
  switch (token) {
    case Token::es:
      // es: Calls MixKey(DH(e, rs)) if initiator, MixKey(DH(s, re)) if responder.
      return initiator ? DhKeys{false, true} : DhKeys{true, false};
    case Token::se:
      // se: Calls MixKey(DH(s, re)) if initiator, MixKey(DH(e, rs)) if responder.
      return initiator ? DhKeys{true, false} : DhKeys{false, true};
    default:
      // ee: Calls MixKey(DH(e, re)).
      return DhKeys{false, false};
  }
}

bool all_zero(const PublicKey& key) {
  return std::all_of(key.begin(), key.end(), [](std::uint8_t b) { return b == 0; });
}

Digest copy_digest(ByteView bytes) {
  Digest out(bytes.size());
  std::copy(bytes.begin(), bytes.end(), out.data());
  return out;
}

}  // namespace

Result<Suite> parse_protocol_name(std::string_view protocol_name) {
  constexpr std::string_view kPrefix = "Noise_XX_25519_";
  if (!protocol_name.starts_with(kPrefix)) return Error::unsupported_protocol;
  const std::string_view rest = protocol_name.substr(kPrefix.size());
  const std::size_t separator = rest.find('_');
  if (separator == std::string_view::npos) return Error::unsupported_protocol;
  const std::string_view cipher = rest.substr(0, separator);
  const std::string_view hash = rest.substr(separator + 1);

  Suite suite{};
  if (cipher == "ChaChaPoly") {
    suite.cipher = CipherKind::chacha_poly;
  } else if (cipher == "AESGCM") {
    suite.cipher = CipherKind::aes_gcm;
  } else {
    return Error::unsupported_protocol;
  }
  if (hash == "SHA256") {
    suite.hash = HashKind::sha256;
  } else if (hash == "SHA512") {
    suite.hash = HashKind::sha512;
  } else if (hash == "BLAKE2b") {
    suite.hash = HashKind::blake2b;
  } else {
    return Error::unsupported_protocol;  // BLAKE2s: libsodium has none
  }
  return suite;
}

Result<HandshakeState> HandshakeState::create(const HandshakeOptions& options) {
  Result<Suite> suite = parse_protocol_name(options.protocol_name);
  if (!suite) return suite.error();
  if (all_zero(options.static_keys.public_key)) return Error::bad_key;  // XX needs s on both sides

  KeyPair e = options.ephemeral_keys ? *options.ephemeral_keys : crypto::generate_keypair();
  Progress progress{SymmetricState(options.protocol_name, suite->cipher, suite->hash), {}, {}, 0};
  // Calls MixHash(prologue). XX has no pre-message keys to hash.
  progress.symmetric.mix_hash(options.prologue);
  return HandshakeState(options.role, options.static_keys, std::move(e), std::move(progress));
}

HandshakeState::HandshakeState(HandshakeState&& other) noexcept
    : role_(other.role_), s_(other.s_), e_(other.e_), progress_(std::exchange(other.progress_, std::nullopt)) {}

HandshakeState& HandshakeState::operator=(HandshakeState&& other) noexcept {
  if (this != &other) {
    role_ = other.role_;
    s_ = other.s_;
    e_ = other.e_;
    progress_ = std::exchange(other.progress_, std::nullopt);
  }
  return *this;
}

std::size_t HandshakeState::step() const { return progress_ ? progress_->step : kXXMessages; }

bool HandshakeState::is_my_turn() const {
  if (!progress_ || progress_->step >= kXXMessages) return false;
  const bool initiator_writes = progress_->step % 2 == 0;
  return initiator_writes == (role_ == Role::initiator);
}

ByteView HandshakeState::handshake_hash() const {
  return progress_ ? progress_->symmetric.handshake_hash() : ByteView{};
}

std::optional<PublicKey> HandshakeState::remote_static() const {
  return progress_ ? progress_->rs : std::nullopt;
}

std::error_code HandshakeState::check_turn(bool writing) const {
  if (!progress_) return Error::handshake_moved;
  if (progress_->step >= kXXMessages) return Error::handshake_complete;
  if (is_my_turn() != writing) return Error::out_of_turn;
  return {};
}

Result<Bytes> HandshakeState::write_message(ByteView payload) {
  if (const std::error_code error = check_turn(true)) return error;
  if (payload.size() > kMaxNoiseMessageBytes) return Error::message_too_large;
  Progress next = *progress_;
  Bytes message;
  if (const std::error_code error = write_tokens(next, payload, message)) return error;
  if (message.size() > kMaxNoiseMessageBytes) return Error::message_too_large;
  ++next.step;
  progress_ = std::move(next);
  return message;
}

Result<Bytes> HandshakeState::read_message(ByteView message) {
  if (const std::error_code error = check_turn(false)) return error;
  if (message.size() > kMaxNoiseMessageBytes) return Error::message_too_large;
  Progress next = *progress_;
  Bytes payload;
  if (const std::error_code error = read_tokens(next, message, payload)) return error;
  ++next.step;
  progress_ = std::move(next);
  return payload;
}

std::error_code HandshakeState::mix_dh(Progress& next, const SecretKey& own,
                                       const std::optional<PublicKey>& remote) const {
  if (!remote) return Error::bad_public_key;  // unreachable in XX: every DH token follows the key it uses
  Result<SecretKey> shared = crypto::dh(own, *remote);
  if (!shared) return shared.error();
  next.symmetric.mix_key(shared->view());
  return {};
}

std::error_code HandshakeState::write_tokens(Progress& next, ByteView payload, Bytes& message) const {
  const bool initiator = role_ == Role::initiator;
  const MessagePattern& pattern = kPatternXX[next.step];
  for (std::size_t i = 0; i < pattern.size; ++i) {
    std::error_code error;
    switch (pattern.tokens[i]) {
      case Token::e:
        // e: Sets e (which must be empty) to GENERATE_KEYPAIR() — done in create(), or injected.
        // Appends e.public_key to the buffer. Calls MixHash(e.public_key).
        message.insert(message.end(), e_.public_key.begin(), e_.public_key.end());
        next.symmetric.mix_hash(e_.public_key);
        break;
      case Token::s:
        // s: Appends EncryptAndHash(s.public_key) to the buffer.
        error = next.symmetric.encrypt_and_hash(s_.public_key, message);
        break;
      case Token::ee:
      case Token::es:
      case Token::se: {
        const DhKeys keys = dh_keys(pattern.tokens[i], initiator);
        error = mix_dh(next, keys.own_static ? s_.secret : e_.secret, keys.remote_static ? next.rs : next.re);
        break;
      }
    }
    if (error) return error;
  }
  // Appends EncryptAndHash(payload) to the buffer.
  return next.symmetric.encrypt_and_hash(payload, message);
}

std::error_code HandshakeState::read_tokens(Progress& next, ByteView message, Bytes& payload) const {
  const bool initiator = role_ == Role::initiator;
  const MessagePattern& pattern = kPatternXX[next.step];
  ByteView rest = message;
  for (std::size_t i = 0; i < pattern.size; ++i) {
    std::error_code error;
    switch (pattern.tokens[i]) {
      case Token::e: {
        // e: Sets re (which must be empty) to the next DHLEN bytes from the message. Calls MixHash(re.public_key).
        if (rest.size() < kDhLen) return Error::message_too_short;
        PublicKey re{};
        std::copy_n(rest.begin(), kDhLen, re.begin());
        rest = rest.subspan(kDhLen);
        next.re = re;
        next.symmetric.mix_hash(re);
        break;
      }
      case Token::s: {
        // s: Sets temp to the next DHLEN + 16 bytes of the message if HasKey() == True, or to the next DHLEN bytes
        // otherwise. Sets rs (which must be empty) to DecryptAndHash(temp).
        const std::size_t size = next.symmetric.has_key() ? kDhLen + kTagLen : kDhLen;
        if (rest.size() < size) return Error::message_too_short;
        Bytes rs;
        error = next.symmetric.decrypt_and_hash(rest.first(size), rs);
        if (error) return error;
        rest = rest.subspan(size);
        next.rs.emplace();
        std::copy_n(rs.begin(), kDhLen, next.rs->begin());
        break;
      }
      case Token::ee:
      case Token::es:
      case Token::se: {
        const DhKeys keys = dh_keys(pattern.tokens[i], initiator);
        error = mix_dh(next, keys.own_static ? s_.secret : e_.secret, keys.remote_static ? next.rs : next.re);
        break;
      }
    }
    if (error) return error;
  }
  // Calls DecryptAndHash() on the remaining bytes of the message and stores the output into payload_buffer.
  if (next.symmetric.has_key() && rest.size() < kTagLen) return Error::message_too_short;
  return next.symmetric.decrypt_and_hash(rest, payload);
}

Result<TransportState> HandshakeState::split() && {
  if (!progress_) return Error::handshake_moved;
  if (progress_->step != kXXMessages) return Error::handshake_not_complete;
  // Split(): c1 encrypts what the initiator sends, c2 what the responder sends.
  auto [c1, c2] = progress_->symmetric.split();
  const bool initiator = role_ == Role::initiator;
  TransportState transport(role_, initiator ? std::move(c1) : std::move(c2), initiator ? std::move(c2) : std::move(c1),
                           copy_digest(progress_->symmetric.handshake_hash()), *progress_->rs);
  progress_.reset();
  return transport;
}

}  // namespace portico::channel
