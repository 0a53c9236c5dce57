#pragma once
// Hop records: how a channel carries a message that is already sealed end to end (Message::sealed_end_to_end)
// without sealing its bytes again. Only the routes are sealed under the hop channel's keys, bound to the
// end-to-end body they travel with (docs/protocol.md, "Hop records"):
//
//   hop record = 07 header_len:varint header body
//   header     = TransportCipher record of encode_message({onward, return, empty payload}), ad = binding
//   binding    = "portico/hop/1" || len(body):u32be || body[0..9) || body[len-16..len)
//   body       = the end-to-end channel message as it is: type:u8 nonce:u64be ciphertext tag:16
//
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

// Whether `message` may cross a hop as a hop record: marked sealed end to end, a sealed channel type with at
// least an empty record, and going to a channel's decryptor (the only worker that checks what it carries).
bool travels_as_hop_record(const Message& message);

// The hop record carrying `message` (its payload is the body); seals the header with `cipher` (its next nonce).
Result<Bytes> seal_hop_record(TransportCipher& cipher, const Message& message);

// The message a hop record carries: routes from the opened header, payload = the body, marked sealed end to end.
// Refuses (Error::bad_hop_record, or the cipher's refusal) leaving the cipher as it was. Takes `payload` (the
// whole hop record, type byte included) and moves the body to its front in place (no new buffer).
Result<Message> open_hop_record(TransportCipher& cipher, Bytes&& payload);

}  // namespace portico::channel
