#include "wire/errors.hpp"

#include <string>

namespace portico::wire {
namespace {

class WireCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.wire"; }
  std::string message(int value) const override {
    switch (static_cast<Error>(value)) {
      case Error::truncated: return "truncated input";
      case Error::varint_overlong: return "varint is not minimally encoded";
      case Error::varint_overflow: return "varint overflows 32 bits";
      case Error::bad_version: return "unsupported routing message version";
      case Error::too_many_hops: return "route has too many hops";
      case Error::address_too_long: return "address is too long";
      case Error::payload_too_large: return "payload is too large";
      case Error::trailing_bytes: return "trailing bytes after message";
      case Error::frame_too_large: return "frame is larger than the maximum";
      case Error::frame_empty: return "frame has length zero";
      case Error::bad_preamble: return "connection does not start with the Portico preamble";
      case Error::bad_transport_version: return "unsupported transport version";
      case Error::bad_message_type: return "unknown message type";
    }
    return "unknown wire error";
  }
};

}  // namespace

const std::error_category& wire_category() {
  static const WireCategory category;
  return category;
}

}  // namespace portico::wire
