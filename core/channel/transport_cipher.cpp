#include "channel/transport_cipher.hpp"

#include <utility>

#include "channel/errors.hpp"

namespace portico::channel {
namespace {

void put_u64_be(std::uint64_t value, Bytes& out) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

std::uint64_t get_u64_be(ByteView bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kRecordNonceBytes; ++i) value = (value << 8) | bytes[i];
  return value;
}

std::uint64_t interval_of(std::uint64_t nonce) { return nonce / kRekeyInterval; }

}  // namespace

TransportCipher::TransportCipher(TransportState&& state) : TransportCipher(std::move(state), 0) {}

TransportCipher::TransportCipher(TransportState&& state, std::uint64_t first_nonce)
    : state_(std::move(state)), send_interval_(interval_of(first_nonce)), receive_interval_(interval_of(first_nonce)) {
  state_.send().set_nonce(first_nonce);
}

TransportCipher TransportCipher::starting_at_nonce_for_testing(TransportState&& state, std::uint64_t first_nonce) {
  return TransportCipher(std::move(state), first_nonce);
}

Result<Bytes> TransportCipher::encrypt(ByteView plaintext, ByteView ad) {
  Bytes record;
  record.reserve(kRecordOverheadBytes + plaintext.size());
  if (const std::error_code error = seal_into(plaintext, ad, record)) return error;
  return record;
}

std::error_code TransportCipher::seal_into(ByteView plaintext, ByteView ad, Bytes& out) {
  if (plaintext.size() > kMaxRecordPlaintextBytes) return Error::record_too_large;
  const std::uint64_t nonce = state_.send().nonce();
  // Hard stop: 2^64-1 is REKEY()'s nonce, and a counter must never wrap.
  if (nonce == kMaxNonce) return Error::nonce_exhausted;

  CipherState next = state_.send();
  const std::uint64_t interval = interval_of(nonce);
  // n > 0 and n % kRekeyInterval == 0: k = REKEY(k) before sealing n. Sending is in order, so this runs once
  // per interval.
  for (std::uint64_t i = send_interval_; i < interval; ++i) {
    if (const std::error_code error = next.rekey()) return error;
  }
  const std::size_t start = out.size();
  put_u64_be(nonce, out);
  if (const std::error_code error = next.encrypt_with_ad(ad, plaintext, out)) {
    out.resize(start);
    return error;
  }
  state_.send() = std::move(next);
  send_interval_ = interval;
  return {};
}

std::error_code TransportCipher::check_replay(std::uint64_t nonce) const {
  if (nonce == kMaxNonce) return Error::nonce_exhausted;  // no sender ever seals it
  if (!highest_) {
    // Nothing accepted yet: the first record comes from the starting interval, or a little after it.
    const std::uint64_t floor = receive_interval_ * kRekeyInterval;
    if (nonce < floor) return Error::nonce_too_old;
    if (nonce - floor > kMaxNonceJump) return Error::nonce_too_far_ahead;
    return {};
  }
  if (nonce > *highest_) return nonce - *highest_ > kMaxNonceJump ? Error::nonce_too_far_ahead : std::error_code{};
  if (nonce == *highest_) return Error::nonce_replayed;
  const std::uint64_t behind = *highest_ - nonce;
  if (behind > kReplayWindow) return Error::nonce_too_old;
  if ((seen_ >> (behind - 1)) & 1U) return Error::nonce_replayed;
  return {};
}

void TransportCipher::accept(std::uint64_t nonce) {
  if (!highest_) {
    highest_ = nonce;
    seen_ = 0;
    return;
  }
  if (nonce > *highest_) {
    // Slide: the old highest becomes bit (shift - 1); bits pushed past 63 fall out of the window.
    const std::uint64_t shift = nonce - *highest_;
    if (shift < 64) {
      seen_ = (seen_ << shift) | (std::uint64_t{1} << (shift - 1));
    } else {
      seen_ = shift == 64 ? std::uint64_t{1} << 63 : 0;
    }
    highest_ = nonce;
    return;
  }
  seen_ |= std::uint64_t{1} << (*highest_ - nonce - 1);
}

Result<Bytes> TransportCipher::decrypt(ByteView record, ByteView ad) {
  Bytes plaintext;
  if (const std::error_code error = open_into(record, ad, plaintext)) return error;
  return plaintext;
}

std::error_code TransportCipher::open_into(ByteView record, ByteView ad, Bytes& out) {
  if (record.size() < kRecordOverheadBytes) return Error::record_too_short;
  if (record.size() > kRecordOverheadBytes + kMaxRecordPlaintextBytes) return Error::record_too_large;
  const std::uint64_t nonce = get_u64_be(record);
  if (const std::error_code error = check_replay(nonce)) return error;

  // The key of the record's interval: the current one, the previous one, or derived forward from the current.
  const std::uint64_t interval = interval_of(nonce);
  std::optional<CipherState> key;
  std::optional<CipherState> key_before;  // the key of interval - 1, when moving forward
  if (interval == receive_interval_) {
    key = state_.receive();
  } else if (interval + 1 == receive_interval_ && previous_key_) {
    key = *previous_key_;
  } else if (interval < receive_interval_) {
    return Error::nonce_too_old;  // behind the window (kRekeyInterval >= kReplayWindow)
  } else {
    key = state_.receive();
    for (std::uint64_t i = receive_interval_; i < interval; ++i) {
      key_before = key;
      if (const std::error_code error = key->rekey()) return error;
    }
  }

  key->set_nonce(nonce);
  if (const std::error_code error = key->decrypt_with_ad(ad, record.subspan(kRecordNonceBytes), out)) {
    return error;
  }

  // The tag verified: commit the keys and the window.
  if (interval > receive_interval_) {
    previous_key_ = std::move(key_before);
    state_.receive() = std::move(*key);
    receive_interval_ = interval;
  }
  accept(nonce);
  return {};
}

Result<Bytes> PlainNoiseTransport::write_message(ByteView payload) {
  if (payload.size() + kTagLen > kMaxNoiseMessageBytes) return Error::message_too_large;
  Bytes message;
  if (const std::error_code error = state_.send().encrypt_with_ad({}, payload, message)) return error;
  return message;
}

Result<Bytes> PlainNoiseTransport::read_message(ByteView message) {
  if (message.size() > kMaxNoiseMessageBytes) return Error::message_too_large;
  if (message.size() < kTagLen) return Error::message_too_short;
  Bytes payload;
  if (const std::error_code error = state_.receive().decrypt_with_ad({}, message, payload)) return error;
  return payload;
}

}  // namespace portico::channel
