// libFuzzer target: what the hub reads from its data dir and what members hear from the hub — the relay names
// file (relay_store.hpp), the revocations file (revocations.hpp) and membership notices (membership_messages.hpp).
// Whatever decodes must re-encode to the same bytes; lines that do not parse are counted, never kept.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "identity/membership_messages.hpp"
#include "identity/revocations.hpp"
#include "relay/relay_store.hpp"

namespace {
void violated(const char* property) {
  std::fprintf(stderr, "property violated: %s\n", property);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const portico::ByteView input(data, size);
  const std::string_view text = portico::as_chars(input);
  const auto relays = portico::relay::decode_relays(text);
  const std::string relays_text = portico::relay::encode_relays(relays.relays);
  if (portico::relay::decode_relays(relays_text).relays != relays.relays) violated("relays re-decode to themselves");
  if (relays.bad_lines == 0 && relays_text != text) violated("a wholly valid relays file re-encodes to itself");
  const auto revocations = portico::identity::decode_revocations(text);
  if (portico::identity::decode_revocations(portico::identity::encode_revocations(revocations)).revoked_at !=
      revocations.revoked_at) {
    violated("revocations re-decode to themselves");
  }
  if (auto notice = portico::identity::decode_membership_notice(input)) {
    const portico::Bytes again = portico::identity::encode(*notice);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) violated("notice re-encodes to its input");
  }
  return 0;
}
