#include "channel/errors.hpp"

#include <string>

namespace portico::channel {
namespace {

class ChannelCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.channel"; }
  std::string message(int value) const override {
    switch (static_cast<Error>(value)) {
      case Error::unsupported_protocol: return "unsupported Noise protocol name";
      case Error::bad_key: return "key has the wrong length";
      case Error::out_of_turn: return "handshake message out of turn";
      case Error::handshake_complete: return "handshake is already complete";
      case Error::handshake_not_complete: return "handshake is not complete";
      case Error::handshake_moved: return "handshake was moved into a transport state";
      case Error::message_too_short: return "handshake message is too short";
      case Error::message_too_large: return "Noise message is too large";
      case Error::decrypt_failed: return "authentication tag did not verify";
      case Error::bad_public_key: return "peer public key is invalid";
      case Error::nonce_exhausted: return "nonce space is exhausted";
      case Error::record_too_short: return "transport record is too short";
      case Error::record_too_large: return "transport record is too large";
      case Error::nonce_replayed: return "transport nonce was already received";
      case Error::nonce_too_old: return "transport nonce is older than the replay window";
      case Error::nonce_too_far_ahead: return "transport nonce is too far ahead";
      case Error::crypto_failure: return "the cipher implementation failed";
      case Error::bad_hop_record: return "malformed hop record";
    }
    return "unknown channel error";
  }
};

}  // namespace

const std::error_category& channel_category() {
  static const ChannelCategory category;
  return category;
}

}  // namespace portico::channel
