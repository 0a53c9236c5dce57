#include "channel/admission.hpp"

#include "channel/channel_messages.hpp"
#include "channel/secure_channel.hpp"
#include "identity/enrollment_service.hpp"
#include "portal/portal_messages.hpp"

namespace portico::channel {
namespace {

bool has_prefix(const Address& address, std::string_view prefix) {
  return address.is_local() && address.value.size() > prefix.size() && address.value.starts_with(prefix);
}

bool is_stream(const Address& address) {
  return has_prefix(address, std::string(portal::kStreamAddressPrefix) + "-");
}

bool is_named(const Address& address, std::string_view name) { return address.is_local() && address.value == name; }

}  // namespace

std::string hub_admission(const Message& message, std::uint64_t now) {
  const Address& to = message.onward.front();
  const MessageOrigin& origin = *message.origin;
  if (origin.kind == MessageOrigin::Kind::transport) {
    if (is_named(to, kListenerAddress) || is_decryptor(to)) return {};
    return "only secure channels are served here; open one to \"secure\" first";
  }
  if (origin.member && origin.member_until > now) return {};
  if (is_named(to, identity::kEnrollAddress)) return {};
  if (origin.member) return "the credential expired; refresh or enroll again";
  return "not a member: enroll first (OCKAM_ENROLL)";
}

std::string node_admission(const NodeAccess& access, const Message& message) {
  const Address& to = message.onward.front();
  const MessageOrigin& origin = *message.origin;
  if (origin.kind == MessageOrigin::Kind::transport) {
    if (is_decryptor(to)) return {};
    return "plaintext from a link may only reach a secure channel";
  }
  if (origin.peer == access.hub) {
    if (is_named(to, kListenerAddress) || is_decryptor(to)) return {};
    if (to.is_local() && access.hub_answers.contains(to.value)) return {};
    return "the hub may only reach secure channels here";
  }
  if (is_stream(to)) return {};
  if (is_named(to, portal::kOutletAddress) && origin.accepted_here && origin.member) return {};
  return "a peer may only reach portals here";
}

}  // namespace portico::channel
