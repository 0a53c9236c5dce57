// Fuzzes the routing message decoder (core/wire/message_codec.hpp).
//
// Properties checked on every input:
//   - decoding never crashes, reads out of bounds or hits undefined behaviour (ASan/UBSan);
//   - a failure is a message-level wire::Error, never a framing one;
//   - whatever decodes re-encodes to exactly the input bytes (the encoding is canonical: minimal varints and no
//     trailing bytes leave no second way to write the same message);
//   - a decoded message is rejected with one byte more (trailing_bytes) and one byte less (truncated).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "wire/bytes.hpp"
#include "wire/errors.hpp"
#include "wire/message_codec.hpp"

namespace {

using portico::Bytes;
using portico::ByteView;
namespace wire = portico::wire;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_message: property violated: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

bool is_message_error(const std::error_code& ec) {
  if (ec.category() != wire::wire_category()) return false;
  switch (static_cast<wire::Error>(ec.value())) {
    case wire::Error::truncated:
    case wire::Error::varint_overlong:
    case wire::Error::varint_overflow:
    case wire::Error::bad_version:
    case wire::Error::too_many_hops:
    case wire::Error::address_too_long:
    case wire::Error::payload_too_large:
    case wire::Error::trailing_bytes:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  auto decoded = wire::decode_message(input);
  if (!decoded) {
    check(is_message_error(decoded.error()), "decode failed with an error that is not a message error");
    return 0;
  }

  const portico::Message& message = *decoded;
  check(message.onward.size() <= wire::kMaxRouteHops, "decoded onward route over kMaxRouteHops");
  check(message.return_route.size() <= wire::kMaxRouteHops, "decoded return route over kMaxRouteHops");
  check(message.payload.size() <= wire::kMaxPayloadBytes, "decoded payload over kMaxPayloadBytes");

  auto encoded = wire::encode_message(message);
  check(encoded.has_value(), "a decoded message does not re-encode");
  check(Bytes(input.begin(), input.end()) == *encoded, "re-encoding differs from the decoded bytes");

  Bytes longer(input.begin(), input.end());
  longer.push_back(0);
  check(wire::decode_message(longer).error() == wire::Error::trailing_bytes, "one extra byte is not trailing_bytes");
  check(size > 0, "the empty input decoded");
  const Bytes shorter(input.begin(), input.end() - 1);  // its own allocation, so ASan sees a read past its end
  check(wire::decode_message(shorter).error() == wire::Error::truncated, "one byte less is not truncated");
  return 0;
}
