#include "channel/hop_record.hpp"

#include <string_view>

#include "channel/channel_messages.hpp"
#include "channel/errors.hpp"
#include "wire/message_codec.hpp"

namespace portico::channel {
namespace {

constexpr std::string_view kBindingLabel = "portico/hop/1";
constexpr std::size_t kBoundHeadBytes = 1 + kRecordNonceBytes;  // the body's type and nonce

Bytes binding_of(ByteView body) {
  Bytes ad;
  ad.reserve(kBindingLabel.size() + 4 + kBoundHeadBytes + kTagLen);
  wire::ByteWriter out(ad);
  out.raw(as_bytes(kBindingLabel));
  out.u32_be(static_cast<std::uint32_t>(body.size()));
  out.raw(body.first(kBoundHeadBytes));
  out.raw(body.last(kTagLen));
  return ad;
}

}  // namespace

bool travels_as_hop_record(const Message& message) {
  return message.sealed_end_to_end && message.payload.size() >= kMinHopBodyBytes &&
         is_sealed_type(message.payload.front()) && !message.onward.empty() && is_decryptor(message.onward.back());
}

Result<Bytes> seal_hop_record(TransportCipher& cipher, const Message& message) {
  if (!travels_as_hop_record(message)) return Error::bad_hop_record;
  const ByteView body(message.payload);
  auto header = wire::encode_message(Message{message.onward, message.return_route, {}});
  if (!header) return header.error();
  auto sealed = cipher.encrypt(*header, binding_of(body));
  if (!sealed) return sealed.error();
  Bytes record;
  record.reserve(1 + wire::kMaxVarintBytes + sealed->size() + body.size());
  wire::ByteWriter out(record);
  out.u8(kHopType);
  out.varint(static_cast<std::uint32_t>(sealed->size()));
  out.raw(*sealed);
  out.raw(body);
  return record;
}

Result<Message> open_hop_record(TransportCipher& cipher, Bytes&& payload) {
  wire::ByteReader in(payload);
  auto type = in.u8();
  if (!type || *type != kHopType) return Error::bad_hop_record;
  auto length = in.varint();
  if (!length) return Error::bad_hop_record;
  auto sealed = in.take(*length);
  if (!sealed) return Error::bad_hop_record;
  const std::size_t body_at = payload.size() - in.remaining();
  const ByteView body = ByteView(payload).subspan(body_at);
  if (body.size() < kMinHopBodyBytes || !is_sealed_type(body.front())) return Error::bad_hop_record;
  auto header = cipher.decrypt(*sealed, binding_of(body));
  if (!header) return header.error();
  // Authenticated from here on (the header is the peer's); a malformed one is the peer's fault, not a forgery.
  auto routes = wire::decode_message(*header);
  if (!routes || !routes->payload.empty()) return Error::bad_hop_record;
  Message message{std::move(routes->onward), std::move(routes->return_route), std::move(payload)};
  message.payload.erase(message.payload.begin(), message.payload.begin() + static_cast<std::ptrdiff_t>(body_at));
  message.sealed_end_to_end = true;
  if (!travels_as_hop_record(message)) return Error::bad_hop_record;
  return message;
}

}  // namespace portico::channel
