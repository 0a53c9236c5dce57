#include "channel/admission.hpp"

#include <gtest/gtest.h>

namespace portico::channel {
namespace {

constexpr std::uint64_t kNow = 1'800'000'000;
const std::string kHub = "Ihub";

Message to(std::string address, std::shared_ptr<const MessageOrigin> origin) {
  Message message{Route{Address::local(std::move(address))}, Route{Address::local("back")}, {}};
  message.origin = std::move(origin);
  return message;
}

std::shared_ptr<const MessageOrigin> from_link() { return std::make_shared<MessageOrigin>(); }

std::shared_ptr<const MessageOrigin> from_peer(std::string peer, bool member, bool accepted_here = true,
                                               std::uint64_t until = kNow + 60) {
  auto origin = std::make_shared<MessageOrigin>();
  origin->kind = MessageOrigin::Kind::channel;
  origin->peer = std::move(peer);
  origin->member = member;
  origin->member_until = member ? until : 0;
  origin->accepted_here = accepted_here;
  return origin;
}

TEST(HubAdmission, PlaintextReachesOnlyTheListenerAndDecryptors) {
  EXPECT_EQ(hub_admission(to("secure", from_link()), kNow), "");
  EXPECT_EQ(hub_admission(to("sc-0123456789abcdef", from_link()), kNow), "");
  EXPECT_NE(hub_admission(to("sc-0123456789abcdef-enc", from_link()), kNow), "");
  EXPECT_NE(hub_admission(to("relay", from_link()), kNow), "");
  EXPECT_NE(hub_admission(to("forward_to_db", from_link()), kNow), "");
  EXPECT_NE(hub_admission(to("enroll", from_link()), kNow), "");
  Message routed{Route{Address{transport_type::kTcp, "127.0.0.1:9"}}, {}, {}};
  routed.origin = from_link();
  EXPECT_NE(hub_admission(routed, kNow), "") << "no routing through the hub in plaintext";
}

TEST(HubAdmission, MembersReachOnlyTheHubsServices) {
  auto member = from_peer("Ia", true);
  for (const char* address : {"relay", "forward_to_db", "reply-0123456789abcdef", "echo", "enroll"}) {
    EXPECT_EQ(hub_admission(to(address, member), kNow), "") << address;
  }
  // Another node's channel (a member could speak to that node as the hub), a link, and anything the hub would
  // have to dial.
  for (const char* address : {"sc-0123456789abcdef-enc", "sc-0123456789abcdef", "tcp-in-0123456789abcdef", "secure"}) {
    EXPECT_NE(hub_admission(to(address, member), kNow), "") << address;
  }
  Message routed{Route{Address::tcp("127.0.0.1:9999")}, {}, {}};
  routed.origin = member;
  EXPECT_NE(hub_admission(routed, kNow), "") << "the hub dials nothing a member names";
}

TEST(HubAdmission, ARevokedIdentityReachesNothing) {
  auto revoked = [](const std::string& id) { return id == "Ia"; };
  for (const char* address : {"relay", "forward_to_db", "echo", "enroll"}) {
    EXPECT_NE(hub_admission(to(address, from_peer("Ia", true)), kNow, revoked).find("revoked"), std::string::npos);
    EXPECT_NE(hub_admission(to(address, from_peer("Ia", false)), kNow, revoked), "");
    EXPECT_EQ(hub_admission(to(address, from_peer("Ib", true)), kNow, revoked), "") << "others are still served";
  }
}

TEST(HubAdmission, NonMembersMayOnlyEnroll) {
  auto stranger = from_peer("Ib", false);
  EXPECT_EQ(hub_admission(to("enroll", stranger), kNow), "");
  EXPECT_NE(hub_admission(to("relay", stranger), kNow).find("not a member"), std::string::npos);
  EXPECT_NE(hub_admission(to("forward_to_db", stranger), kNow), "");
  EXPECT_NE(hub_admission(to("sc-0123456789abcdef-enc", stranger), kNow), "");
}

TEST(HubAdmission, AnExpiredCredentialEndsMembershipMidChannel) {
  auto lapsed = from_peer("Ic", true, true, kNow - 1);
  EXPECT_NE(hub_admission(to("relay", lapsed), kNow).find("expired"), std::string::npos);
  EXPECT_EQ(hub_admission(to("enroll", lapsed), kNow), "");
}

const NodeAccess kAccess{kHub, {{"relay-client", "relay"}, {"enrollment", "enroll"}}};

// A message the hub itself sent from its `service`: [this node's encryptor, service].
Message from_hub_service(std::string address, std::string service) {
  Message message = to(std::move(address), from_peer(kHub, false, false));
  message.return_route = Route{Address::local("sc-0123456789abcdef-enc"), Address::local(std::move(service))};
  return message;
}

TEST(NodeAdmission, PlaintextReachesOnlyDecryptors) {
  const NodeAccess& access = kAccess;
  EXPECT_EQ(node_admission(access, to("sc-0123456789abcdef", from_link())), "");
  for (const char* address : {"secure", "outlet", "portal-0123456789abcdef", "relay-client", "sc-0123456789abcdef-enc"}) {
    EXPECT_NE(node_admission(access, to(address, from_link())), "") << address;
  }
}

TEST(NodeAdmission, TheHubReachesChannelsAndItsAnswerWorkersButNoPortal) {
  const NodeAccess& access = kAccess;
  auto hub = from_peer(kHub, false, false);
  for (const char* address : {"secure", "sc-0123456789abcdef"}) {
    EXPECT_EQ(node_admission(access, to(address, hub)), "") << address;
  }
  EXPECT_EQ(node_admission(access, from_hub_service("relay-client", "relay")), "");
  EXPECT_EQ(node_admission(access, from_hub_service("enrollment", "enroll")), "");
  for (const char* address : {"outlet", "portal-0123456789abcdef", "sc-0123456789abcdef-enc", "membership"}) {
    EXPECT_NE(node_admission(access, to(address, hub)), "") << address;
  }
}

TEST(NodeAdmission, AnswerWorkersHearOnlyTheHubsOwnServiceNotWhatIsRoutedThroughIt) {
  const NodeAccess& access = kAccess;
  // A forged Enrolled relayed by the hub from another member: its return route goes on past the hub.
  Message relayed = from_hub_service("enrollment", "enroll");
  relayed.return_route = Route{Address::local("sc-0123456789abcdef-enc"), Address::local("reply-0123456789abcdef"),
                               Address::local("sc-fedcba9876543210")};
  EXPECT_NE(node_admission(access, relayed), "");
  EXPECT_NE(node_admission(access, from_hub_service("enrollment", "relay")), "") << "another service of the hub";
  EXPECT_NE(node_admission(access, from_hub_service("enrollment", "forward_to_db")), "");
  EXPECT_NE(node_admission(access, to("enrollment", from_peer(kHub, false, false))), "") << "no service named";
}

TEST(NodeAdmission, PeersReachPortalsOnly) {
  const NodeAccess& access = kAccess;
  auto inlet = from_peer("Iinlet", true, true);
  EXPECT_EQ(node_admission(access, to("outlet", inlet)), "");
  EXPECT_EQ(node_admission(access, to("portal-0123456789abcdef", inlet)), "");
  for (const char* address : {"secure", "relay-client", "sc-0123456789abcdef", "sc-0123456789abcdef-enc"}) {
    EXPECT_NE(node_admission(access, to(address, inlet)), "") << address;
  }
  // The outlet worker is for channels this node accepted from members, not for ones it opened.
  EXPECT_NE(node_admission(access, to("outlet", from_peer("Ioutlet", true, false))), "");
  EXPECT_NE(node_admission(access, to("outlet", from_peer("Ianon", false, true))), "");
}

}  // namespace
}  // namespace portico::channel

namespace portico::channel {
namespace {

// Direct paths: members' channels reach "p2p" (either end: the inlet opened its channel, the outlet accepted it),
// and over a direct link plaintext reaches the listener (to open a channel), but over no other link.
TEST(NodeAdmission, DirectPathsAndTheListenerOverADirectLink) {
  const NodeAccess& access = kAccess;
  EXPECT_EQ(node_admission(access, to("p2p", from_peer("Iinlet", true, true))), "");
  EXPECT_EQ(node_admission(access, to("p2p", from_peer("Ioutlet", true, false))), "");
  EXPECT_NE(node_admission(access, to("p2p", from_peer("Ianon", false, true))), "");
  EXPECT_NE(node_admission(access, to("p2p", from_link())), "");
  Message over_direct = to("secure", from_link());
  over_direct.return_route = Route{Address::local("direct-0123456789abcdef")};
  EXPECT_EQ(node_admission(access, over_direct), "");
  Message over_tcp = to("secure", from_link());
  over_tcp.return_route = Route{Address::local("tcp-in-0123456789abcdef")};
  EXPECT_NE(node_admission(access, over_tcp), "");
  over_direct.onward = Route{Address::local("outlet")};
  EXPECT_NE(node_admission(access, over_direct), "") << "only the listener, then its channel";
}

}  // namespace
}  // namespace portico::channel
