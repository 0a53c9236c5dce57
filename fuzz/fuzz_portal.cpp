// libFuzzer target: the portal message decoder. Whatever it accepts must re-encode to the same bytes (the
// encoding is canonical), and nothing it is given may crash it or read past the input.

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>

#include "portal/portal_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const portico::ByteView input(data, size);
  auto decoded = portico::portal::decode_portal_message(input);
  if (!decoded) return 0;
  const portico::Bytes encoded = portico::portal::encode(*decoded);
  if (encoded.size() != size || !std::equal(encoded.begin(), encoded.end(), data)) std::abort();
  return 0;
}
