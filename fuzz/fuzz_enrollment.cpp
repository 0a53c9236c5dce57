// libFuzzer target: the enrollment message decoder (a hub decodes requests from nodes that are not members yet)
// and, inside Enrolled, the credential decoder; also the enrollment token parser (operator input). Whatever
// decodes must re-encode to the same bytes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "identity/credential.hpp"
#include "identity/enrollment_messages.hpp"
#include "identity/enrollment_token.hpp"

namespace {
void violated(const char* property) {
  std::fprintf(stderr, "property violated: %s\n", property);
  std::abort();
}
bool same(const portico::Bytes& bytes, portico::ByteView input) {
  return bytes.size() == input.size() && std::equal(bytes.begin(), bytes.end(), input.begin());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const portico::ByteView input(data, size);
  if (auto message = portico::identity::decode_enrollment_message(input)) {
    if (!same(portico::identity::encode(*message), input)) violated("enrollment message re-encodes to its input");
    if (const auto* enrolled = std::get_if<portico::identity::Enrolled>(&*message)) {
      if (auto credential = portico::identity::decode_credential(enrolled->credential)) {
        if (!same(portico::identity::encode_credential(*credential), enrolled->credential)) {
          violated("enrolled credential re-encodes to its bytes");
        }
      }
    }
  }
  const std::string_view text = portico::as_chars(input);
  if (auto token = portico::identity::parse_enrollment_token(text)) {
    if (portico::identity::format_enrollment_token(*token) != text) violated("token formats to its text");
  }
  return 0;
}
