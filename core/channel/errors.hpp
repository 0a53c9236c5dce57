#pragma once
// Every way the secure channel's pure layer can refuse an input, each its own value (category
// "portico.channel"), so tests and logs can tell them apart. None of them changes any state: a refused call
// leaves the handshake or transport exactly as it was.

#include <system_error>

namespace portico::channel {

enum class Error {
  unsupported_protocol = 1,  // a protocol name other than Noise_XX_25519_{ChaChaPoly,AESGCM}_{SHA256,SHA512,BLAKE2b}
  bad_key,                   // a key of the wrong length
  out_of_turn,               // write_message on the peer's turn, or read_message on ours
  handshake_complete,        // a handshake message after the last one of the pattern
  handshake_not_complete,    // split() before the last message of the pattern
  handshake_moved,           // any call on a handshake that was already split() into a transport state
  message_too_short,         // a message shorter than its pattern step needs (truncated)
  message_too_large,         // a handshake or plain Noise message over kMaxNoiseMessageBytes
  decrypt_failed,            // the AEAD tag did not verify (tampered, wrong key, wrong nonce)
  bad_public_key,            // a peer public key whose DH result is all zeros (a low-order point)
  nonce_exhausted,           // the next nonce would be 2^64-1, which Noise reserves for REKEY()
  record_too_short,          // a transport record shorter than nonce + tag
  record_too_large,          // a transport plaintext over kMaxRecordPlaintextBytes
  nonce_replayed,            // a transport nonce already accepted (duplicate)
  nonce_too_old,             // a transport nonce more than kReplayWindow behind the highest accepted
  nonce_too_far_ahead,       // a transport nonce more than kMaxNonceJump ahead of the highest accepted
  crypto_failure,            // the AEAD library refused a valid key (an mbedtls built without AES or GCM)
  bad_hop_record             // a hop record whose framing or sealed header is malformed (hop_record.hpp)
};

const std::error_category& channel_category();
inline std::error_code make_error_code(Error e) { return {static_cast<int>(e), channel_category()}; }

}  // namespace portico::channel

template <>
struct std::is_error_code_enum<portico::channel::Error> : std::true_type {};
