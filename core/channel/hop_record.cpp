#include "channel/hop_record.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "channel/channel_messages.hpp"
#include "channel/errors.hpp"
#include "wire/message_codec.hpp"

namespace portico::channel {
namespace {

constexpr std::string_view kBindingLabel = "portico/hop/3";
// The header's last byte: bit 0 is the control lane (Message::control_lane); the other bits are zero.
constexpr std::uint8_t kControlLaneFlag = 0x01;

constexpr std::size_t kBindingBytes = kBindingLabel.size() + 4 + 1 + kRecordNonceBytes + kTagLen;
using Binding = std::array<std::uint8_t, kBindingBytes>;

// The binding of a body whose first byte is `body_type` (in a hop record, that byte's place holds 07).
Binding binding_of(std::uint8_t body_type, ByteView body) {
  Binding ad{};
  auto* at = std::copy(kBindingLabel.begin(), kBindingLabel.end(), ad.begin());
  const auto len = static_cast<std::uint32_t>(body.size());
  for (int shift = 24; shift >= 0; shift -= 8) *at++ = static_cast<std::uint8_t>(len >> shift);
  *at++ = body_type;
  at = std::copy_n(body.begin() + 1, kRecordNonceBytes, at);
  std::copy_n(body.end() - static_cast<std::ptrdiff_t>(kTagLen), kTagLen, at);
  return ad;
}

// Scratch for the routes a header seals and opens: per thread, reused (a hub handles thousands a second).
Bytes& scratch() {
  thread_local Bytes bytes;
  bytes.clear();
  return bytes;
}

}  // namespace

bool travels_as_hop_record(const Message& message) {
  return message.sealed_end_to_end && message.payload.size() >= kMinHopBodyBytes &&
         is_sealed_type(message.payload.front()) && !message.onward.empty() && is_decryptor(message.onward.back());
}

Result<Bytes> seal_hop_record(TransportCipher& cipher, Message&& message) {
  if (!travels_as_hop_record(message)) return Error::bad_hop_record;
  Bytes& routes = scratch();
  if (auto ec = wire::encode_routes(message.onward, message.return_route, routes)) return ec;
  routes.push_back(message.control_lane ? kControlLaneFlag : 0);
  Bytes& record = message.payload;
  const std::uint8_t body_type = record.front();
  const std::size_t body_len = record.size();
  if (auto ec = cipher.seal_into(routes, binding_of(body_type, record), record)) return ec;
  const std::size_t header_len = record.size() - body_len;  // routes are at most ~16.5 KB: fits a u16
  record.push_back(body_type);
  record.push_back(static_cast<std::uint8_t>(header_len >> 8));
  record.push_back(static_cast<std::uint8_t>(header_len & 0xff));
  record.front() = kHopType;
  return std::move(record);
}

Result<Message> open_hop_record(TransportCipher& cipher, Bytes&& payload) {
  if (payload.size() < kMinHopBodyBytes + kHopTailBytes || payload.front() != kHopType) return Error::bad_hop_record;
  const std::size_t size = payload.size();
  const std::uint8_t body_type = payload[size - 3];
  const std::size_t header_len = (std::size_t{payload[size - 2]} << 8) | payload[size - 1];
  if (header_len + kHopTailBytes + kMinHopBodyBytes > size || !is_sealed_type(body_type)) return Error::bad_hop_record;
  const std::size_t body_len = size - kHopTailBytes - header_len;
  const ByteView body = ByteView(payload).first(body_len);
  Bytes& header = scratch();
  if (auto ec = cipher.open_into(ByteView(payload).subspan(body_len, header_len), binding_of(body_type, body), header)) {
    return ec;
  }
  // Authenticated from here on (the header is the peer's); a malformed one is the peer's fault, not a forgery.
  if (header.empty() || (header.back() & ~kControlLaneFlag) != 0) return Error::bad_hop_record;
  const bool control_lane = (header.back() & kControlLaneFlag) != 0;
  auto routes = wire::decode_message(ByteView(header).first(header.size() - 1));
  if (!routes || !routes->payload.empty()) return Error::bad_hop_record;
  payload.resize(body_len);
  payload.front() = body_type;
  Message message{std::move(routes->onward), std::move(routes->return_route), std::move(payload)};
  message.sealed_end_to_end = true;
  message.control_lane = control_lane;
  if (!travels_as_hop_record(message)) return Error::bad_hop_record;
  return message;
}

}  // namespace portico::channel
