// libFuzzer target: the credential decoder and the handshake payload decoder (both arrive from peers before
// they are trusted). Whatever decodes must re-encode to the same bytes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "channel/handshake_payload.hpp"
#include "identity/credential.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const portico::ByteView input(data, size);
  if (auto credential = portico::identity::decode_credential(input)) {
    const portico::Bytes again = portico::identity::encode_credential(*credential);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  }
  if (auto payload = portico::channel::decode_handshake_payload(input)) {
    const portico::Bytes again = portico::channel::encode_handshake_payload(*payload);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  }
  return 0;
}
