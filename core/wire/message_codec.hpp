#pragma once
// The routing message on the wire (docs/protocol.md, "Routing message"):
//
//   message = version:u8 (=1)  onward:route  return:route  payload_len:varint  payload
//   route   = count:varint (<= kMaxRouteHops)  address*
//   address = type:u8  len:varint (<= kMaxAddressBytes)  value
//
// Decoding is strict: every malformed input maps to its own wire::Error, and no byte is read past the input.

#include <cstddef>
#include <cstdint>

#include "routing/message.hpp"
#include "wire/bytes.hpp"

namespace portico::wire {

inline constexpr std::uint8_t kRoutingVersion = 1;
inline constexpr std::size_t kMaxRouteHops = 32;
inline constexpr std::size_t kMaxAddressBytes = 255;
inline constexpr std::size_t kMaxPayloadBytes = 224 * 1024;

// Appends the encoding of `message` to `out`; on error `out` is unchanged.
std::error_code encode_message(const Message& message, Bytes& out);
// Appends everything of the encoding but the payload bytes themselves (they follow it on the wire), so a writer
// can send the payload from where it already is; on error `out` is unchanged.
std::error_code encode_message_head(const Message& message, Bytes& out);
Result<Bytes> encode_message(const Message& message);
Result<Message> decode_message(ByteView input);

}  // namespace portico::wire
