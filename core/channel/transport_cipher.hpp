#pragma once
// The transport phase of a Portico secure channel: what a finished Noise XX handshake turns into.
//
//   record = nonce:u64be (8) || AEAD(k_i, nonce, ad, plaintext) (|plaintext| + 16), ad empty unless said
//
// Records may arrive out of order or twice (routes change; UDP later), so unlike plain Noise the nonce travels
// with each record (as in Ockam's channel, PROTOCOL-NOTES 6.2) and the receiver keeps a replay window:
//   - the highest nonce accepted, and a 64-bit bitmap of the kReplayWindow nonces below it;
//   - a duplicate, or a nonce more than kReplayWindow below the highest, is refused; so is one more than
//     kMaxNonceJump above it (each interval skipped costs a REKEY() before the tag can be checked);
//   - nothing changes until the tag verifies: a forged record cannot move the window or the keys.
// Keys change every kRekeyInterval messages: before sealing nonce n with n > 0 and n % kRekeyInterval == 0 the
// sender sets k = REKEY(k) (Noise section 4.2; no message says so). The receiver derives the key of a record's
// interval from its nonce, and keeps the previous interval's key for late records still inside the window
// (kRekeyInterval >= kReplayWindow makes that one key enough).
// Nonce 2^64-1 belongs to REKEY(): sealing stops with Error::nonce_exhausted before it, and never wraps.
//
// PlainNoiseTransport is Noise's own transport (section 5: implicit counter, no prefix, strictly in order, no
// rekey). It exists to replay the official test vectors' transport messages, not to carry traffic.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "channel/crypto.hpp"
#include "channel/noise_handshake.hpp"
#include "channel/noise_state.hpp"
#include "wire/bytes.hpp"
#include "wire/result.hpp"

namespace portico::channel {

inline constexpr std::size_t kRecordNonceBytes = 8;
inline constexpr std::size_t kRecordOverheadBytes = kRecordNonceBytes + kTagLen;
// Room for a 64 KiB portal data chunk with its routing envelope; records are not Noise messages, so Noise's
// 65,535-byte cap does not apply to them.
inline constexpr std::size_t kMaxRecordPlaintextBytes = 128 * 1024;
inline constexpr std::uint64_t kRekeyInterval = 64;                      // records per key
inline constexpr std::uint64_t kReplayWindow = 64;                       // late nonces accepted below the highest
inline constexpr std::uint64_t kMaxNonceJump = 16 * kRekeyInterval;      // early nonces accepted above it
static_assert(kRekeyInterval >= kReplayWindow, "a late record in the window needs at most the previous key");
static_assert(kReplayWindow <= 64, "the window is one 64-bit bitmap");

class TransportCipher {
 public:
  explicit TransportCipher(TransportState&& state);

  // Tests only: both directions start at `first_nonce`, the handshake's keys standing for that nonce's interval,
  // so late intervals and nonce exhaustion can be reached without 2^64 records. Both peers must use the same value.
  static TransportCipher starting_at_nonce_for_testing(TransportState&& state, std::uint64_t first_nonce);

  // The next record. Error::record_too_large, Error::nonce_exhausted (then forever: the channel must be
  // replaced by a new handshake long before).
  // `ad` is authenticated with the record but not carried in it (the hop header's binding to the end-to-end
  // record it travels with, channel_core.hpp); the receiver must give the same bytes.
  Result<Bytes> encrypt(ByteView plaintext, ByteView ad = {});
  // The same record appended to `out` (the bulk path: a buffer the caller chose, with room behind it); on error
  // `out` is unchanged. `plaintext` and `ad` must not point into `out`.
  std::error_code seal_into(ByteView plaintext, ByteView ad, Bytes& out);
  // The plaintext of a record. Every refusal (record_too_short, nonce_replayed, nonce_too_old,
  // nonce_too_far_ahead, nonce_exhausted, decrypt_failed) leaves the cipher as it was.
  Result<Bytes> decrypt(ByteView record, ByteView ad = {});
  // The same plaintext appended to `out`; on a refusal `out` is unchanged too.
  std::error_code open_into(ByteView record, ByteView ad, Bytes& out);

  Role role() const { return state_.role(); }
  CipherKind cipher() const { return state_.cipher(); }
  ByteView handshake_hash() const { return state_.handshake_hash(); }
  const PublicKey& remote_static() const { return state_.remote_static(); }
  std::uint64_t next_send_nonce() const { return state_.send().nonce(); }
  std::optional<std::uint64_t> highest_received() const { return highest_; }

 private:
  TransportCipher(TransportState&& state, std::uint64_t first_nonce);

  std::error_code check_replay(std::uint64_t nonce) const;
  void accept(std::uint64_t nonce);

  TransportState state_;                     // send(): next nonce and current key; receive(): current rx key
  std::uint64_t send_interval_;              // interval whose key state_.send() holds
  std::uint64_t receive_interval_;           // interval whose key state_.receive() holds
  std::optional<CipherState> previous_key_;  // the key of receive_interval_ - 1, once known
  std::optional<std::uint64_t> highest_;     // highest nonce accepted
  std::uint64_t seen_ = 0;                   // bit i: nonce *highest_ - 1 - i was accepted
};

class PlainNoiseTransport {
 public:
  explicit PlainNoiseTransport(TransportState&& state) : state_(std::move(state)) {}

  // EncryptWithAd(zerolen, payload) on the sending CipherState.
  Result<Bytes> write_message(ByteView payload);
  // DecryptWithAd(zerolen, message) on the receiving CipherState; unchanged on failure.
  Result<Bytes> read_message(ByteView message);

  ByteView handshake_hash() const { return state_.handshake_hash(); }
  const PublicKey& remote_static() const { return state_.remote_static(); }

 private:
  TransportState state_;
};

}  // namespace portico::channel
