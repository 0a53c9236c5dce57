#pragma once
// Membership notices: what the hub tells its members on its own, over each member's hub channel, to the
// node's worker at "membership" (the message comes from the hub's local address "membership"; nodes accept it
// only from the hub itself, never from anything routed through it). docs/protocol.md, "Membership notices".
//
//   Revoked = 0x01 identifier:str     the hub revoked this identity: close every channel with it now
//   str     = len:varint (<= kMaxNoticeText) bytes

#include <string>
#include <string_view>
#include <variant>

#include "wire/bytes.hpp"

namespace portico::identity {

inline constexpr std::string_view kMembershipAddress = "membership";
inline constexpr std::size_t kMaxNoticeText = 255;

struct Revoked {
  std::string identifier;
  friend bool operator==(const Revoked&, const Revoked&) = default;
};

using MembershipNotice = std::variant<Revoked>;

Bytes encode(const MembershipNotice& notice);
Result<MembershipNotice> decode_membership_notice(ByteView input);

}  // namespace portico::identity
