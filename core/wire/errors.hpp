#pragma once
// Every way a byte string can fail to decode, each its own value, so tests and logs can tell them apart.

#include <system_error>

namespace portico::wire {

enum class Error {
  truncated = 1,        // the input ended inside a field
  varint_overlong,      // a varint with a redundant trailing zero group (not minimal)
  varint_overflow,      // a varint whose value does not fit 32 bits
  bad_version,          // a routing message version we do not speak
  too_many_hops,        // a route longer than kMaxRouteHops
  address_too_long,     // an address value longer than kMaxAddressBytes
  payload_too_large,    // a payload longer than kMaxPayloadBytes
  trailing_bytes,       // bytes left over after a complete message
  frame_too_large,      // a frame length prefix over kMaxFrameBytes
  frame_empty,          // a frame length prefix of zero
  bad_preamble,         // a connection did not start with the Portico magic
  bad_transport_version, // the preamble names a transport version we do not speak
  bad_message_type       // a relay or portal message type we do not know
};

const std::error_category& wire_category();
inline std::error_code make_error_code(Error e) { return {static_cast<int>(e), wire_category()}; }

}  // namespace portico::wire

template <>
struct std::is_error_code_enum<portico::wire::Error> : std::true_type {};
