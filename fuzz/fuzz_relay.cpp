// libFuzzer target: the relay service message decoder. Whatever it accepts must re-encode to the same bytes.

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>

#include "relay/relay_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const portico::ByteView input(data, size);
  auto decoded = portico::relay::decode_relay_message(input);
  if (!decoded) return 0;
  const portico::Bytes encoded = portico::relay::encode(*decoded);
  if (encoded.size() != size || !std::equal(encoded.begin(), encoded.end(), data)) std::abort();
  return 0;
}
