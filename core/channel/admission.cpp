#include "channel/admission.hpp"

#include "channel/channel_messages.hpp"
#include "channel/secure_channel.hpp"
#include "identity/enrollment_service.hpp"
#include "p2p/direct_messages.hpp"
#include "p2p/rendezvous_service.hpp"
#include "portal/portal_messages.hpp"
#include "relay/relay_messages.hpp"
#include "relay/relay_service.hpp"

namespace portico::channel {
namespace {

bool has_prefix(const Address& address, std::string_view prefix) {
  return address.is_local() && address.value.size() > prefix.size() && address.value.starts_with(prefix);
}

bool is_stream(const Address& address) {
  return has_prefix(address, std::string(portal::kStreamAddressPrefix) + "-");
}

bool is_named(const Address& address, std::string_view name) { return address.is_local() && address.value == name; }

// What a member may reach on the hub: its services, nothing that leads elsewhere.
bool hub_service(const Address& to) {
  return is_named(to, relay::kServiceAddress) || is_named(to, "echo") || is_named(to, identity::kEnrollAddress) ||
         is_named(to, p2p::kRendezvousAddress) ||
         has_prefix(to, relay::kRelayAddressPrefix) || relay::RelayService::is_reply_address(to);
}

}  // namespace

std::string hub_admission(const Message& message, std::uint64_t now,
                          const std::function<bool(const std::string&)>& revoked) {
  const Address& to = message.onward.front();
  const MessageOrigin& origin = *message.origin;
  if (origin.kind == MessageOrigin::Kind::transport) {
    if (is_named(to, kListenerAddress) || is_decryptor(to)) return {};
    return "only secure channels are served here; open one to \"secure\" first";
  }
  if (revoked && revoked(origin.peer)) return "this identity is revoked";
  if (origin.member && origin.member_until > now) {
    if (hub_service(to)) return {};
    return "members reach only the hub's services and relays";
  }
  if (is_named(to, identity::kEnrollAddress)) return {};
  if (origin.member) return "the credential expired; refresh or enroll again";
  return "not a member: enroll first (OCKAM_ENROLL)";
}

std::string node_admission(const NodeAccess& access, const Message& message) {
  const Address& to = message.onward.front();
  const MessageOrigin& origin = *message.origin;
  if (origin.kind == MessageOrigin::Kind::transport) {
    if (is_decryptor(to)) return {};
    // A direct link (p2p/direct_paths.hpp) exists only under a path secret from an authenticated peer; over it a
    // peer opens an end-to-end channel, which authenticates it again as the relay's listener would.
    const Route& back = message.return_route;
    if (is_named(to, kListenerAddress) && !back.empty() && is_direct_link(back.front())) {
      return {};
    }
    return "plaintext from a link may only reach a secure channel";
  }
  if (origin.peer == access.hub) {
    if (is_named(to, kListenerAddress) || is_decryptor(to)) return {};
    if (auto answers = access.hub_answers.find(to.value); to.is_local() && answers != access.hub_answers.end()) {
      const Route& back = message.return_route;
      if (back.size() == 2 && is_named(back[1], answers->second)) return {};
      return "only the hub's own " + answers->second + " service answers here, not what is routed through the hub";
    }
    return "the hub may only reach secure channels here";
  }
  if (is_stream(to)) return {};
  const bool to_outlet = is_named(to, portal::kOutletAddress) ||
                         has_prefix(to, std::string(portal::kOutletAddress) + "/");
  if (to_outlet && origin.accepted_here && origin.member) return {};
  if (is_named(to, p2p::kDirectPathsAddress) && origin.member) return {};
  return "a peer may only reach portals and direct paths here";
}

}  // namespace portico::channel
