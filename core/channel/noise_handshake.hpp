#pragma once
// The Noise XX handshake (Noise rev 34, sections 5.3 and 7.5) as a pure state machine: bytes in, bytes out, no
// socket, clock or thread.
//
//   XX:
//     -> e
//     <- e, ee, s, es
//     -> s, se
//
// Protocol names: Noise_XX_25519_{ChaChaPoly,AESGCM}_{SHA256,SHA512,BLAKE2b}. Sizes with payloads p1..p3:
//   m1 = e (32) || p1                      (no key yet: the payload is in clear, only hashed)
//   m2 = e (32) || enc(s) (48) || enc(p2) (|p2| + 16)
//   m3 = enc(s) (48) || enc(p3) (|p3| + 16)
//
// HandshakeState is turn-checked (write_message on the peer's turn, or read_message on ours, is
// Error::out_of_turn) and transactional (a refused call — out of turn, truncated, tampered, too large — leaves
// it exactly as it was, so a following correct message still works). After the third message, split() moves it
// into a TransportState; the handshake object answers Error::handshake_moved from then on.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "channel/crypto.hpp"
#include "channel/noise_state.hpp"
#include "wire/bytes.hpp"
#include "wire/result.hpp"

namespace portico::channel {

inline constexpr std::size_t kMaxNoiseMessageBytes = 65535;  // Noise section 3: every message, handshake or not
inline constexpr std::size_t kXXMessages = 3;

enum class Role : std::uint8_t { initiator, responder };

struct Suite {
  CipherKind cipher;
  HashKind hash;
};

// The suite named by a Noise_XX_25519_<cipher>_<hash> protocol name, or Error::unsupported_protocol (other
// patterns, PSK or fallback modifiers, Curve448, BLAKE2s).
Result<Suite> parse_protocol_name(std::string_view protocol_name);

struct HandshakeOptions {
  Role role = Role::initiator;
  std::string_view protocol_name{};
  ByteView prologue{};
  KeyPair static_keys{};                    // s: XX sends it, encrypted, in m2 (responder) or m3 (initiator)
  std::optional<KeyPair> ephemeral_keys{};  // e: test vectors inject one; otherwise a fresh pair
};

// What split() hands over: the two CipherStates of the transport phase, oriented for this side, and what the
// handshake established about the peer.
class TransportState {
 public:
  TransportState(TransportState&&) = default;
  TransportState& operator=(TransportState&&) = default;
  TransportState(const TransportState&) = delete;
  TransportState& operator=(const TransportState&) = delete;
  ~TransportState() = default;

  Role role() const { return role_; }
  CipherKind cipher() const { return send_.cipher(); }
  // Both directions move to `cipher` (same keys); see CipherState::with_cipher.
  void switch_cipher(CipherKind cipher) {
    send_ = send_.with_cipher(cipher);
    receive_ = receive_.with_cipher(cipher);
  }
  // h after the last message: identical on both sides, and unique to this handshake (channel binding).
  ByteView handshake_hash() const { return handshake_hash_.view(); }
  // rs: the peer's static public key, authenticated by the handshake.
  const PublicKey& remote_static() const { return remote_static_; }
  // Noise c1 for the initiator's messages, c2 for the responder's, taken from this side's point of view.
  CipherState& send() { return send_; }
  CipherState& receive() { return receive_; }
  const CipherState& send() const { return send_; }
  const CipherState& receive() const { return receive_; }

 private:
  friend class HandshakeState;
  TransportState(Role role, CipherState send, CipherState receive, Digest handshake_hash, PublicKey remote_static)
      : role_(role),
        send_(std::move(send)),
        receive_(std::move(receive)),
        handshake_hash_(std::move(handshake_hash)),
        remote_static_(remote_static) {}

  Role role_;
  CipherState send_;
  CipherState receive_;
  Digest handshake_hash_;
  PublicKey remote_static_;
};

class HandshakeState {
 public:
  // Initialize(): InitializeSymmetric(protocol_name), MixHash(prologue); XX has no pre-messages.
  static Result<HandshakeState> create(const HandshakeOptions& options);

  HandshakeState(HandshakeState&& other) noexcept;
  HandshakeState& operator=(HandshakeState&& other) noexcept;
  HandshakeState(const HandshakeState&) = delete;
  HandshakeState& operator=(const HandshakeState&) = delete;
  ~HandshakeState() = default;

  // WriteMessage(payload, message_buffer): the next message, on our turn.
  Result<Bytes> write_message(ByteView payload);
  // ReadMessage(message, payload_buffer): the peer's payload, on their turn.
  Result<Bytes> read_message(ByteView message);

  Role role() const { return role_; }
  // The pattern message to be written or read next: 0, 1, 2; kXXMessages once complete.
  std::size_t step() const;
  bool is_my_turn() const;
  bool is_complete() const { return step() == kXXMessages; }
  bool is_moved() const { return !progress_.has_value(); }
  // h so far; the handshake hash once complete. Empty after split().
  ByteView handshake_hash() const;
  // rs, once the peer's static key has been read (m2 for the initiator, m3 for the responder).
  std::optional<PublicKey> remote_static() const;

  // Split(), after the last message: moves this handshake into the transport phase. Call as
  // std::move(handshake).split(); afterwards every call on the handshake is Error::handshake_moved.
  Result<TransportState> split() &&;

 private:
  // Everything a message changes, copied before a message and committed only when it succeeds.
  struct Progress {
    SymmetricState symmetric;
    std::optional<PublicKey> re;
    std::optional<PublicKey> rs;
    std::size_t step = 0;
  };

  HandshakeState(Role role, KeyPair s, KeyPair e, Progress progress)
      : role_(role), s_(std::move(s)), e_(std::move(e)), progress_(std::move(progress)) {}

  std::error_code check_turn(bool writing) const;
  std::error_code write_tokens(Progress& next, ByteView payload, Bytes& message) const;
  std::error_code read_tokens(Progress& next, ByteView message, Bytes& payload) const;
  std::error_code mix_dh(Progress& next, const SecretKey& own, const std::optional<PublicKey>& remote) const;

  Role role_;
  KeyPair s_;
  KeyPair e_;
  std::optional<Progress> progress_;  // empty once split() (or moved from)
};

}  // namespace portico::channel
