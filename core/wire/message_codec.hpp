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

// A message inside a secure channel's record puts its payload first and its routes after it, so the receiver
// hands the payload on where the record's plaintext already is (docs/protocol.md, "Secure channels"):
//
//   inner   = payload  routes  routes_len:u16be
//   routes  = encode_message(onward, return, empty payload)
//
// Appends `onward` and `return_route` encoded as a message with an empty payload (what a trailer and a hop header
// hold); on error `out` is unchanged.
std::error_code encode_routes(const Route& onward, const Route& return_route, Bytes& out);
// Appends the routes and their length behind the payload already in `out` (no copy of the payload); on error
// `out` is unchanged.
std::error_code append_route_trailer(const Route& onward, const Route& return_route, Bytes& out);
// The message `inner` holds: its routes from the trailer, its payload `inner` itself, shortened in place.
Result<Message> take_route_trailer(Bytes&& inner);

}  // namespace portico::wire
