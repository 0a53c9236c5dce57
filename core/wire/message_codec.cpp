#include "wire/message_codec.hpp"

#include "wire/buffer_pool.hpp"

namespace portico::wire {
namespace {

std::error_code check_route(const Route& route) {
  if (route.size() > kMaxRouteHops) return Error::too_many_hops;
  for (const Address& hop : route) {
    if (hop.value.size() > kMaxAddressBytes) return Error::address_too_long;
  }
  return {};
}

void write_route(ByteWriter& w, const Route& route) {
  w.varint(static_cast<std::uint32_t>(route.size()));
  for (const Address& hop : route) {
    w.u8(hop.type);
    w.varint(static_cast<std::uint32_t>(hop.value.size()));
    w.raw(as_bytes(hop.value));
  }
}

Result<Route> read_route(ByteReader& r) {
  auto count = r.varint();
  if (!count) return count.error();
  if (*count > kMaxRouteHops) return Error::too_many_hops;
  Route route;
  route.reserve(*count);
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto type = r.u8();
    if (!type) return type.error();
    auto len = r.varint();
    if (!len) return len.error();
    if (*len > kMaxAddressBytes) return Error::address_too_long;
    auto value = r.take(*len);
    if (!value) return value.error();
    route.push_back(Address{*type, std::string(as_chars(*value))});
  }
  return route;
}

}  // namespace

std::error_code encode_message_head(const Message& message, Bytes& out) {
  if (auto ec = check_route(message.onward)) return ec;
  if (auto ec = check_route(message.return_route)) return ec;
  if (message.payload.size() > kMaxPayloadBytes) return Error::payload_too_large;
  ByteWriter w(out);
  w.u8(kRoutingVersion);
  write_route(w, message.onward);
  write_route(w, message.return_route);
  w.varint(static_cast<std::uint32_t>(message.payload.size()));
  return {};
}

std::error_code encode_routes(const Route& onward, const Route& return_route, Bytes& out) {
  if (auto ec = check_route(onward)) return ec;
  if (auto ec = check_route(return_route)) return ec;
  ByteWriter w(out);
  w.u8(kRoutingVersion);
  write_route(w, onward);
  write_route(w, return_route);
  w.varint(0);
  return {};
}

std::error_code encode_message(const Message& message, Bytes& out) {
  if (auto ec = encode_message_head(message, out)) return ec;
  ByteWriter(out).raw(message.payload);
  return {};
}

Result<Bytes> encode_message(const Message& message) {
  Bytes out;
  if (auto ec = encode_message(message, out)) return ec;
  return out;
}

Result<Message> decode_message(ByteView input) {
  ByteReader r(input);
  auto version = r.u8();
  if (!version) return version.error();
  if (*version != kRoutingVersion) return Error::bad_version;
  auto onward = read_route(r);
  if (!onward) return onward.error();
  auto return_route = read_route(r);
  if (!return_route) return return_route.error();
  auto len = r.varint();
  if (!len) return len.error();
  if (*len > kMaxPayloadBytes) return Error::payload_too_large;
  auto payload = r.take(*len);
  if (!payload) return payload.error();
  if (!r.at_end()) return Error::trailing_bytes;
  // A recycled chunk buffer for bulk payloads, with room behind for what a channel appends to it.
  Bytes bytes = take_buffer(payload->empty() ? 0 : payload->size() + kTrailerRoomBytes);
  bytes.assign(payload->begin(), payload->end());
  return Message{std::move(*onward), std::move(*return_route), std::move(bytes)};
}

std::error_code append_route_trailer(const Route& onward, const Route& return_route, Bytes& out) {
  if (out.size() > kMaxPayloadBytes) return Error::payload_too_large;
  const std::size_t start = out.size();
  if (auto ec = encode_routes(onward, return_route, out)) return ec;
  const std::size_t routes_len = out.size() - start;  // at most 2 x (varint + 32 x 258): fits a u16
  out.push_back(static_cast<std::uint8_t>(routes_len >> 8));
  out.push_back(static_cast<std::uint8_t>(routes_len & 0xff));
  return {};
}

Result<Message> take_route_trailer(Bytes&& inner) {
  if (inner.size() < 2) return Error::truncated;
  const std::size_t routes_len = (std::size_t{inner[inner.size() - 2]} << 8) | inner[inner.size() - 1];
  if (routes_len + 2 > inner.size()) return Error::truncated;
  const std::size_t payload_len = inner.size() - 2 - routes_len;
  if (payload_len > kMaxPayloadBytes) return Error::payload_too_large;
  ByteReader r(ByteView(inner).subspan(payload_len, routes_len));
  auto version = r.u8();
  if (!version) return version.error();
  if (*version != kRoutingVersion) return Error::bad_version;
  auto onward = read_route(r);
  if (!onward) return onward.error();
  auto return_route = read_route(r);
  if (!return_route) return return_route.error();
  auto len = r.varint();
  if (!len) return len.error();
  if (*len != 0) return Error::trailing_bytes;  // the payload is in front, not in the trailer
  if (!r.at_end()) return Error::trailing_bytes;
  inner.resize(payload_len);
  return Message{std::move(*onward), std::move(*return_route), std::move(inner)};
}

}  // namespace portico::wire
