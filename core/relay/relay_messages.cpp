#include "relay/relay_messages.hpp"

namespace portico::relay {
namespace {

template <typename T>
Result<RelayMessage> read_pair(wire::ByteReader& r) {
  auto first = r.text(kMaxRelayText, wire::Error::address_too_long);
  if (!first) return first.error();
  auto second = r.text(kMaxRelayText, wire::Error::address_too_long);
  if (!second) return second.error();
  if (!r.at_end()) return wire::Error::trailing_bytes;
  return RelayMessage{T{std::move(*first), std::move(*second)}};
}

}  // namespace

bool valid_relay_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Bytes encode(const RelayMessage& message) {
  Bytes out;
  wire::ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(message.index() + 1));
  std::visit([&](const auto& m) {
    const auto& [first, second] = m;
    w.text(std::string_view(first).substr(0, kMaxRelayText));
    w.text(std::string_view(second).substr(0, kMaxRelayText));
  }, message);
  return out;
}

Result<RelayMessage> decode_relay_message(ByteView input) {
  wire::ByteReader r(input);
  auto type = r.u8();
  if (!type) return type.error();
  switch (*type) {
    case 1: return read_pair<Register>(r);
    case 2: return read_pair<Registered>(r);
    case 3: return read_pair<Refused>(r);
    default: return wire::Error::bad_message_type;
  }
}

}  // namespace portico::relay
