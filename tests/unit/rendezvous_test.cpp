// Rendezvous (core/p2p/rendezvous.hpp): a node learns the endpoint the hub sees, under a ticket the hub handed
// it; nobody without the ticket gets an answer, forges one, or makes the port an amplifier.
#include "p2p/rendezvous.hpp"

#include <gtest/gtest.h>

namespace portico::p2p {
namespace {

using namespace std::chrono_literals;
constexpr std::uint64_t kNow = 1'800'000'000;

TicketKey key_of(std::uint8_t seed) {
  TicketKey key{};
  key.fill(seed);
  return key;
}

SeenEndpoint public_v4() {
  SeenEndpoint seen;
  seen.address[12] = 203, seen.address[13] = 0, seen.address[14] = 113, seen.address[15] = 10;
  seen.port = 40123;
  return seen;
}

TEST(Rendezvous, ANodeLearnsTheEndpointTheHubSaw) {
  const RendezvousIssuer hub(key_of(1));
  const RendezvousTicket ticket = hub.issue(kNow, 3600s);
  EXPECT_EQ(ticket.expires(), kNow + 3600);
  const TransactionId txid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const Bytes request = make_rendezvous_request(ticket, txid);
  ASSERT_EQ(request.size(), kRendezvousRequestBytes);
  auto answer = hub.answer(request, public_v4(), kNow);
  ASSERT_TRUE(answer.has_value()) << answer.error().message();
  EXPECT_LT(answer->size(), request.size()) << "an answer is smaller than its question: no amplification";
  auto seen = read_rendezvous_answer(*answer, ticket, txid);
  ASSERT_TRUE(seen.has_value()) << seen.error().message();
  EXPECT_EQ(*seen, public_v4());
  EXPECT_EQ(seen->to_string(), "203.0.113.10:40123");
}

TEST(Rendezvous, TheTicketTravelsAsFortyBytes) {
  const RendezvousTicket ticket = RendezvousIssuer(key_of(2)).issue(kNow, 60s);
  auto decoded = RendezvousTicket::decode(ticket.encode());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->id, ticket.id);
  EXPECT_EQ(decoded->key, ticket.key);
  EXPECT_FALSE(RendezvousTicket::decode(ByteView(ticket.encode()).first(39)).has_value());
}

TEST(Rendezvous, NobodyWithoutTheTicketGetsAnAnswer) {
  const RendezvousIssuer hub(key_of(3));
  RendezvousTicket guessed = hub.issue(kNow, 60s);
  guessed.key = key_of(9);  // the id seen on the wire, a key made up
  EXPECT_EQ(hub.answer(make_rendezvous_request(guessed, {}), public_v4(), kNow).error(), RendezvousError::bad_mac);
  // Another hub (or this one restarted, with a new secret) does not know the ticket either.
  const RendezvousTicket ticket = hub.issue(kNow, 60s);
  EXPECT_EQ(RendezvousIssuer(key_of(4)).answer(make_rendezvous_request(ticket, {}), public_v4(), kNow).error(),
            RendezvousError::bad_mac);
  // Nor does a request with any byte changed, nor one of another size or version.
  const Bytes request = make_rendezvous_request(ticket, {});
  for (std::size_t at = 4; at < request.size(); ++at) {
    Bytes altered = request;
    altered[at] ^= 0x01;
    EXPECT_FALSE(hub.answer(altered, public_v4(), kNow).has_value()) << "byte " << at;
  }
  Bytes other_version = request;
  other_version[3] = '2';
  EXPECT_EQ(hub.answer(other_version, public_v4(), kNow).error(), RendezvousError::bad_tag);
  EXPECT_EQ(hub.answer(ByteView(request).first(63), public_v4(), kNow).error(), RendezvousError::bad_size);
}

TEST(Rendezvous, AnExpiredTicketGetsNoAnswer) {
  const RendezvousIssuer hub(key_of(5));
  const RendezvousTicket ticket = hub.issue(kNow, 60s);
  const Bytes request = make_rendezvous_request(ticket, {});
  EXPECT_TRUE(hub.answer(request, public_v4(), kNow + 60).has_value());
  EXPECT_EQ(hub.answer(request, public_v4(), kNow + 61).error(), RendezvousError::expired);
}

TEST(Rendezvous, NobodyOffThePathCanFeedANodeAFalseAddress) {
  const RendezvousIssuer hub(key_of(6));
  const RendezvousTicket ticket = hub.issue(kNow, 60s);
  const TransactionId txid{7};
  const Bytes answer = *hub.answer(make_rendezvous_request(ticket, txid), public_v4(), kNow);
  // Any byte changed (the address, the port, the mac) is refused.
  for (std::size_t at = 0; at < answer.size(); ++at) {
    Bytes altered = answer;
    altered[at] ^= 0x01;
    EXPECT_FALSE(read_rendezvous_answer(altered, ticket, txid).has_value()) << "byte " << at;
  }
  // An answer made under another ticket's key, or for another question, is refused.
  const RendezvousTicket other = hub.issue(kNow, 60s);
  const Bytes for_other = *hub.answer(make_rendezvous_request(other, txid), SeenEndpoint{}, kNow);
  EXPECT_EQ(read_rendezvous_answer(for_other, ticket, txid).error(), RendezvousError::bad_mac);
  EXPECT_EQ(read_rendezvous_answer(answer, ticket, TransactionId{8}).error(), RendezvousError::wrong_transaction);
}

}  // namespace
}  // namespace portico::p2p
