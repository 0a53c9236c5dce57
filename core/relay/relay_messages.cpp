#include "relay/relay_messages.hpp"

#include <type_traits>

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
  auto text = [&](const std::string& field) { w.text(std::string_view(field).substr(0, kMaxRelayText)); };
  std::visit([&](const auto& m) {
    if constexpr (std::is_same_v<std::decay_t<decltype(m)>, Lookup>) {
      text(m.name);
    } else {
      const auto& [first, second] = m;
      text(first);
      text(second);
    }
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
    case 4: {
      auto name = r.text(kMaxRelayText, wire::Error::address_too_long);
      if (!name) return name.error();
      if (!r.at_end()) return wire::Error::trailing_bytes;
      return RelayMessage{Lookup{std::move(*name)}};
    }
    case 5: return read_pair<Owner>(r);
    default: return wire::Error::bad_message_type;
  }
}

}  // namespace portico::relay
