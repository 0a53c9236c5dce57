#pragma once
// The secure channel's message types on the wire: the first byte of every message a channel sends to its peer
// (docs/protocol.md, "Secure channels"). Shared by SecureChannel and the dead-letter answer.

#include <cstdint>
#include <string_view>

#include "routing/address.hpp"

namespace portico::channel {

inline constexpr std::uint8_t kHandshakeType = 0x01;
inline constexpr std::uint8_t kRecordType = 0x02;
// A refusal is not authenticated: it ends a handshake in progress (judged and refused), but on an established
// channel it only makes the channel probe its peer under its keys (ChannelCore): a record for a channel this
// node does not have.
inline constexpr std::uint8_t kRefusalType = 0x03;
// The responder's first record, empty: XX leaves the initiator done after m3, before the responder has judged
// its identity; this tells it the responder accepted (an encrypted record nobody else could have made).
inline constexpr std::uint8_t kConfirmType = 0x04;
inline constexpr std::uint8_t kCredentialType = 0x05;
// A record whose plaintext is channel control: kind:u8 then its body (close reason, or nothing).
inline constexpr std::uint8_t kControlType = 0x06;
inline constexpr std::uint8_t kControlClose = 0x01;  // the sender closed its end on purpose; reason follows
inline constexpr std::uint8_t kControlPing = 0x02;   // answer with a pong
inline constexpr std::uint8_t kControlPong = 0x03;
// A hop record: an end-to-end channel message (Record, Confirm, Credential or Control of another channel) with
// only its routes sealed under this channel's keys, bound to it (channel_core.hpp, docs/protocol.md).
inline constexpr std::uint8_t kHopType = 0x07;

// Types whose body is sealed under a channel's keys (what a channel sends that may cross a hop as it is).
inline bool is_sealed_type(std::uint8_t type) {
  return type == kRecordType || type == kConfirmType || type == kCredentialType || type == kControlType;
}

// A channel's decryptor lives at "sc-<16 hex>" (random_local_address), its encryptor at "sc-<16 hex>-enc".
inline constexpr std::string_view kChannelAddressPrefix = "sc";
inline constexpr std::string_view kEncryptorSuffix = "-enc";
inline bool is_channel_address(const Address& address) {
  return address.is_local() && address.value.size() > kChannelAddressPrefix.size() + 1 &&
         address.value.starts_with(kChannelAddressPrefix) && address.value[kChannelAddressPrefix.size()] == '-';
}
inline bool is_decryptor(const Address& address) {
  return is_channel_address(address) && !address.value.ends_with(kEncryptorSuffix);
}
inline bool is_encryptor(const Address& address) {
  return is_channel_address(address) && address.value.ends_with(kEncryptorSuffix);
}

}  // namespace portico::channel
