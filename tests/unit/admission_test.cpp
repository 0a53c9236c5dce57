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

TEST(HubAdmission, MembersRouteAnywhere) {
  auto member = from_peer("Ia", true);
  for (const char* address : {"relay", "forward_to_db", "sc-0123456789abcdef-enc", "echo"}) {
    EXPECT_EQ(hub_admission(to(address, member), kNow), "") << address;
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

TEST(NodeAdmission, PlaintextReachesOnlyDecryptors) {
  NodeAccess access{kHub, {"relay-client"}};
  EXPECT_EQ(node_admission(access, to("sc-0123456789abcdef", from_link())), "");
  for (const char* address : {"secure", "outlet", "portal-0123456789abcdef", "relay-client", "sc-0123456789abcdef-enc"}) {
    EXPECT_NE(node_admission(access, to(address, from_link())), "") << address;
  }
}

TEST(NodeAdmission, TheHubReachesChannelsAndItsAnswerWorkersButNoPortal) {
  NodeAccess access{kHub, {"relay-client"}};
  auto hub = from_peer(kHub, false, false);
  for (const char* address : {"secure", "sc-0123456789abcdef", "relay-client"}) {
    EXPECT_EQ(node_admission(access, to(address, hub)), "") << address;
  }
  for (const char* address : {"outlet", "portal-0123456789abcdef", "sc-0123456789abcdef-enc", "enrollment"}) {
    EXPECT_NE(node_admission(access, to(address, hub)), "") << address;
  }
}

TEST(NodeAdmission, PeersReachPortalsOnly) {
  NodeAccess access{kHub, {"relay-client"}};
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
