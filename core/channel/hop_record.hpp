#pragma once
// Hop records: how a channel carries a message that is already sealed end to end (Message::sealed_end_to_end)
// without sealing its bytes again. Only the routes are sealed under the hop channel's keys, bound to the
// end-to-end body they travel with (docs/protocol.md, "Hop records"):
//
//   hop record = 07 body[1..] header body_type:u8 header_len:u16be
//   header     = TransportCipher record of (encode_routes(onward, return) flags:u8), ad = binding
//   flags      = bit 0: the message travels in the control lane (Message::control_lane); other bits zero
//   binding    = "portico/hop/3" || len(body):u32be || body[0..9) || body[len-16..len)
//   body       = the end-to-end channel message as it is: type:u8 nonce:u64be ciphertext tag:16
//
// The body stays where it is: sealing overwrites its type byte with 07 and appends the header behind it (into the
// buffer's spare room, wire/buffer_pool.hpp), opening puts the type back and shortens the buffer, so a hub that
// forwards a chunk opens one header and seals another without moving the chunk.
// The binding covers the body's type, nonce, length and tag: a header opens only with the body it was sealed
// with (up to bytes that only the end-to-end key can check: a body altered anywhere else fails at the far end,
// which drops it). Pure functions over a TransportCipher; no I/O.

#include <cstddef>

#include "channel/transport_cipher.hpp"
#include "routing/message.hpp"
#include "wire/result.hpp"

namespace portico::channel {

// The shortest body a hop record carries: a type byte and an empty sealed record (nonce + tag).
inline constexpr std::size_t kMinHopBodyBytes = 1 + kRecordOverheadBytes;
// What follows the header: the body's type and the header's length.
inline constexpr std::size_t kHopTailBytes = 3;

// Whether `message` may cross a hop as a hop record: marked sealed end to end, a sealed channel type with at
// least an empty record, and going to a channel's decryptor (the only worker that checks what it carries).
bool travels_as_hop_record(const Message& message);

// The hop record carrying `message`, made of its payload in place (the body); seals the header with `cipher`
// (its next nonce).
Result<Bytes> seal_hop_record(TransportCipher& cipher, Message&& message);

// The message a hop record carries: routes from the opened header, payload = the body (`payload` itself,
// shortened in place), marked sealed end to end. Refuses (Error::bad_hop_record, or the cipher's refusal)
// leaving the cipher as it was.
Result<Message> open_hop_record(TransportCipher& cipher, Bytes&& payload);

}  // namespace portico::channel
