// DirectPaths (core/p2p/direct_paths.hpp), its limits as a member would test them: offers arrive as the "p2p"
// worker receives them from peers' channels (an origin naming the peer, the return route's first hop naming the
// channel). One identity cannot take every peer slot; malformed messages change nothing.
#include "p2p/direct_paths.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

namespace portico::p2p {
namespace {

Message offer_from(const std::string& peer, int channel) {
  DirectOffer offer;
  offer.secret.fill(static_cast<std::uint8_t>(channel));
  SeenEndpoint somewhere;
  somewhere.address[12] = 203, somewhere.address[13] = 0, somewhere.address[14] = 113, somewhere.address[15] = 9;
  somewhere.port = static_cast<std::uint16_t>(40000 + channel);
  offer.candidates = {somewhere};
  Message message{Route{Address::local("p2p")},
                  Route{Address::local("sc-" + std::to_string(1000000000000000 + channel) + "-enc")}, encode(offer)};
  auto origin = std::make_shared<MessageOrigin>();
  origin->kind = MessageOrigin::Kind::channel;
  origin->peer = peer;
  origin->member = true;
  origin->accepted_here = true;
  message.origin = origin;
  return message;
}

struct Fixture {
  asio::io_context io;
  Router router;
  std::shared_ptr<DirectPaths> paths;
  Fixture() {
    std::error_code error;
    auto port = UdpPort::open(io.get_executor(), error);
    EXPECT_FALSE(error);
    paths = DirectPaths::start(router, port, nullptr);
  }
  void deliver(Message message) {
    asio::co_spawn(io, paths->handle_message(std::move(message)), asio::detached);
    io.poll();
  }
  ~Fixture() {
    paths->stop();
    io.poll();
  }
};

TEST(DirectPaths, OneIdentityCannotTakeEveryPeerSlot) {
  Fixture f;
  for (int channel = 0; channel < static_cast<int>(DirectPaths::kMaxPeersPerIdentity) + 3; ++channel) {
    f.deliver(offer_from("Imallory", channel));
  }
  EXPECT_EQ(f.paths->paths().size(), DirectPaths::kMaxPeersPerIdentity);
  EXPECT_EQ(f.paths->refused_offers(), 3u);
  f.deliver(offer_from("Ialice", 100));  // someone else still gets a slot
  EXPECT_EQ(f.paths->paths().size(), DirectPaths::kMaxPeersPerIdentity + 1);
}

TEST(DirectPaths, MalformedMessagesAndStrayAnswersChangeNothing) {
  Fixture f;
  Message garbage = offer_from("Imallory", 1);
  garbage.payload = Bytes{'P', 'D', 'O', '1', 1, 2};
  f.deliver(garbage);
  Message answer = offer_from("Imallory", 2);
  answer.payload = encode(DirectAnswer{});  // an answer to an offer nobody made
  f.deliver(answer);
  Message packet = offer_from("Imallory", 3);
  packet.payload = encode(DirectPacket{Bytes(1200, 0xc0)});  // a "QUIC packet" for no peer
  f.deliver(packet);
  EXPECT_TRUE(f.paths->paths().empty());
}

TEST(DirectPaths, ARepeatedOfferKeepsOnePeerPerChannel) {
  Fixture f;
  f.deliver(offer_from("Ialice", 7));
  f.deliver(offer_from("Ialice", 7));  // the same channel and secret: its candidates again
  ASSERT_EQ(f.paths->paths().size(), 1u);
  EXPECT_EQ(f.paths->paths().front().peer, "Ialice");
  EXPECT_FALSE(f.paths->paths().front().direct);  // nothing proven: the candidate never answered
}

}  // namespace
}  // namespace portico::p2p
