#include "portal/portal_messages.hpp"

namespace portico::portal {
namespace {

enum Type : std::uint8_t { kOpen = 1, kAccept, kData, kCredit, kShutdown, kReset, kPing };
static_assert(kData == kDataType);

template <typename T>
Result<PortalMessage> finish(wire::ByteReader& r, T value) {
  if (!r.at_end()) return wire::Error::trailing_bytes;
  return PortalMessage{std::move(value)};
}

}  // namespace

Bytes encode_data(ByteView bytes) {
  Bytes out;
  out.reserve(bytes.size() + 1);
  out.push_back(kData);
  out.insert(out.end(), bytes.begin(), bytes.end());
  return out;
}

Bytes encode(const PortalMessage& message) {
  Bytes out;
  wire::ByteWriter w(out);
  if (auto* open = std::get_if<Open>(&message)) {
    w.u8(kOpen);
    w.varint(open->window);
  } else if (auto* accept = std::get_if<Accept>(&message)) {
    w.u8(kAccept);
    w.varint(accept->window);
  } else if (auto* data = std::get_if<Data>(&message)) {
    return encode_data(data->bytes);
  } else if (auto* credit = std::get_if<Credit>(&message)) {
    w.u8(kCredit);
    w.varint(credit->bytes);
  } else if (std::holds_alternative<Shutdown>(message)) {
    w.u8(kShutdown);
  } else if (std::holds_alternative<Ping>(message)) {
    w.u8(kPing);
  } else {
    const std::string& reason = std::get<Reset>(message).reason;
    const std::size_t n = std::min(reason.size(), kMaxReasonBytes);
    w.u8(kReset);
    w.varint(static_cast<std::uint32_t>(n));
    w.raw(as_bytes(std::string_view(reason).substr(0, n)));
  }
  return out;
}

Result<PortalMessage> decode_portal_message(ByteView input) {
  wire::ByteReader r(input);
  auto type = r.u8();
  if (!type) return type.error();
  switch (*type) {
    case kOpen:
    case kAccept:
    case kCredit: {
      auto value = r.varint();
      if (!value) return value.error();
      if (*type == kOpen) return finish(r, Open{*value});
      if (*type == kAccept) return finish(r, Accept{*value});
      return finish(r, Credit{*value});
    }
    case kData: {
      if (r.remaining() == 0) return wire::Error::truncated;
      if (r.remaining() > kMaxDataBytes) return wire::Error::payload_too_large;
      auto bytes = r.take(r.remaining());
      return PortalMessage{Data{Bytes(bytes->begin(), bytes->end())}};
    }
    case kShutdown: return finish(r, Shutdown{});
    case kPing: return finish(r, Ping{});
    case kReset: {
      auto len = r.varint();
      if (!len) return len.error();
      if (*len > kMaxReasonBytes) return wire::Error::payload_too_large;
      auto reason = r.take(*len);
      if (!reason) return reason.error();
      return finish(r, Reset{std::string(as_chars(*reason))});
    }
    default: return wire::Error::bad_message_type;
  }
}

}  // namespace portico::portal
