#pragma once
// The secure channel's message types on the wire: the first byte of every message a channel sends to its peer
// (docs/protocol.md, "Secure channels"). Shared by SecureChannel and the dead-letter answer.

#include <cstdint>
#include <string_view>

#include "routing/address.hpp"

namespace portico::channel {

inline constexpr std::uint8_t kHandshakeType = 0x01;
inline constexpr std::uint8_t kRecordType = 0x02;
// A refusal closes the peer's end whatever its state: a handshake judged and refused, or a record for a
// channel this node does not have.
inline constexpr std::uint8_t kRefusalType = 0x03;
// The responder's first record, empty: XX leaves the initiator done after m3, before the responder has judged
// its identity; this tells it the responder accepted (an encrypted record nobody else could have made).
inline constexpr std::uint8_t kConfirmType = 0x04;
inline constexpr std::uint8_t kCredentialType = 0x05;

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
