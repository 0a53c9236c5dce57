// What two nodes say about a direct path (core/p2p/direct_messages.hpp, endpoints.hpp): offers and answers
// round-trip, anything malformed is refused as a whole, and the candidates a host offers leave out the
// interfaces no peer should reach it through.
#include "p2p/direct_messages.hpp"

#include <gtest/gtest.h>

namespace portico::p2p {
namespace {

SeenEndpoint v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint16_t port) {
  SeenEndpoint e;
  e.address[12] = a, e.address[13] = b, e.address[14] = c, e.address[15] = d;
  e.port = port;
  return e;
}

SeenEndpoint v6(std::uint8_t last, std::uint16_t port) {
  SeenEndpoint e;
  e.v4 = false;
  e.address[0] = 0x20, e.address[1] = 0x01, e.address[15] = last;
  e.port = port;
  return e;
}

TEST(DirectMessages, OfferAndAnswerRoundTrip) {
  DirectOffer offer;
  offer.secret.fill(7);
  offer.candidates = {v4(203, 0, 113, 10, 40000), v4(10, 0, 1, 2, 51234), v6(9, 443)};
  auto decoded = decode_direct(encode(offer));
  ASSERT_TRUE(decoded);
  const auto& back = std::get<DirectOffer>(*decoded);
  EXPECT_EQ(back.secret, offer.secret);
  EXPECT_EQ(back.candidates, offer.candidates);

  DirectAnswer answer{{v4(203, 0, 113, 20, 1)}};
  auto decoded_answer = decode_direct(encode(answer));
  ASSERT_TRUE(decoded_answer);
  EXPECT_EQ(std::get<DirectAnswer>(*decoded_answer).candidates, answer.candidates);
  EXPECT_TRUE(decode_direct(encode(DirectAnswer{})));  // no candidates at all is an answer too
}

TEST(DirectMessages, AtMostSixteenCandidatesAreSent) {
  DirectAnswer answer;
  for (std::uint16_t i = 0; i < 40; ++i) answer.candidates.push_back(v4(10, 0, 0, 1, static_cast<std::uint16_t>(1000 + i)));
  auto decoded = decode_direct(encode(answer));
  ASSERT_TRUE(decoded);
  const auto& back = std::get<DirectAnswer>(*decoded).candidates;
  ASSERT_EQ(back.size(), kMaxEndpointsOnWire);
  EXPECT_EQ(back.front().port, 1000);
}

TEST(DirectMessages, MalformedMessagesAreRefusedWhole) {
  DirectOffer offer;
  offer.candidates = {v4(203, 0, 113, 10, 40000)};
  const Bytes good = encode(offer);
  EXPECT_FALSE(decode_direct(Bytes{}));
  EXPECT_FALSE(decode_direct(Bytes(good.begin(), good.end() - 1)));  // cut short
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_FALSE(decode_direct(longer));  // trailing bytes
  Bytes bad_tag = good;
  bad_tag[3] = '2';
  EXPECT_FALSE(decode_direct(bad_tag));  // another version
  Bytes bad_family = good;
  bad_family[4 + kPathSecretBytes + 1] = 5;
  EXPECT_FALSE(decode_direct(bad_family));
  Bytes dirty_v4 = good;
  dirty_v4[4 + kPathSecretBytes + 1 + 3] = 1;  // an IPv4 address with bytes in its 12 leading zeros
  EXPECT_FALSE(decode_direct(dirty_v4));
  Bytes too_many = encode(DirectAnswer{});
  too_many[4] = 17;
  too_many.resize(5 + 17 * kEndpointWireBytes, 0);
  EXPECT_FALSE(decode_direct(too_many));
  EXPECT_FALSE(decode_direct(Bytes{'P', 'D', 'O', '1', 1, 2, 3}));  // an offer without its whole secret
}

TEST(DirectMessages, EndpointsConvertBothWays) {
  const auto udp = asio::ip::udp::endpoint(asio::ip::make_address("203.0.113.10"), 40000);
  EXPECT_EQ(seen_of(udp), v4(203, 0, 113, 10, 40000));
  EXPECT_EQ(udp_of(seen_of(udp)), udp);
  const auto mapped = asio::ip::udp::endpoint(asio::ip::make_address("::ffff:10.0.1.2"), 5);
  EXPECT_EQ(seen_of(mapped), v4(10, 0, 1, 2, 5));
  const auto six = asio::ip::udp::endpoint(asio::ip::make_address("2001::9"), 443);
  EXPECT_EQ(seen_of(six), v6(9, 443));
  EXPECT_EQ(udp_of(seen_of(six)), six);
}

TEST(DirectMessages, BalenaAndContainerInterfacesAreNotOffered) {
  for (const char* name : {"eth0", "wlan0", "enp3s0", "wg0", "lowpan0"}) EXPECT_TRUE(offered_interface(name)) << name;
  for (const char* name : {"lo", "resin-vpn", "resin-dns", "balena0", "supervisor0", "br-6f1c2a", "docker0",
                           "veth12ab"}) {
    EXPECT_FALSE(offered_interface(name)) << name;
  }
  for (const auto& candidate : local_candidates(4242)) {
    EXPECT_EQ(candidate.port, 4242);
    EXPECT_TRUE(candidate.v4);
    EXPECT_NE(candidate.address[12], 127);  // never loopback
  }
}

}  // namespace
}  // namespace portico::p2p
