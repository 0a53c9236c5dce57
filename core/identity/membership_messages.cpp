#include "identity/membership_messages.hpp"

namespace portico::identity {
namespace {
enum Type : std::uint8_t { kRevoked = 1 };
}  // namespace

Bytes encode(const MembershipNotice& notice) {
  Bytes out;
  wire::ByteWriter w(out);
  w.u8(kRevoked);
  w.text(std::string_view(std::get<Revoked>(notice).identifier).substr(0, kMaxNoticeText));
  return out;
}

Result<MembershipNotice> decode_membership_notice(ByteView input) {
  wire::ByteReader r(input);
  auto type = r.u8();
  if (!type) return type.error();
  if (*type != kRevoked) return wire::Error::bad_message_type;
  auto identifier = r.text(kMaxNoticeText);
  if (!identifier) return identifier.error();
  if (!r.at_end()) return wire::Error::trailing_bytes;
  return MembershipNotice{Revoked{std::move(*identifier)}};
}

}  // namespace portico::identity
