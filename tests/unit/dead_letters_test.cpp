#include "channel/dead_letters.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "channel/channel_messages.hpp"
#include "support/recorder.hpp"

namespace portico::channel {
namespace {

using test::Recorder;

// A node whose router hands dead letters to ChannelDeadLetters; "peer-link" records what goes back out.
struct Node {
  Node() {
    router.register_worker(Address::local("peer-link"), back);
    router.set_dead_letters(dead_letters);
  }
  // Sends a message from outside (it has an origin) to `to`, with payload type `type`.
  void receive(const Address& to, std::uint8_t type, bool from_outside = true) {
    Message message{Route{to}, Route{Address::local("peer-link"), Address::local("sc-0123456789abcdef")},
                    Bytes{type, 'x', 'y'}};
    if (from_outside) message.origin = std::make_shared<const MessageOrigin>();
    asio::co_spawn(io, [this, message]() mutable -> asio::awaitable<void> {
      co_await router.send(std::move(message));
    }, asio::detached);
    io.restart();
    io.run();
  }
  asio::io_context io;
  Router router;
  std::shared_ptr<Recorder> back = std::make_shared<Recorder>();
  std::shared_ptr<ChannelDeadLetters> dead_letters = std::make_shared<ChannelDeadLetters>(router);
};

TEST(ChannelDeadLetters, RefusesARecordForAGoneDecryptorAlongItsReturnRoute) {
  Node node;
  node.receive(Address::local("sc-00000000000000aa"), kRecordType);
  ASSERT_EQ(node.back->seen.size(), 1u);
  const Message& answer = node.back->seen[0];
  EXPECT_EQ(answer.onward, (Route{Address::local("peer-link"), Address::local("sc-0123456789abcdef")}));
  ASSERT_FALSE(answer.payload.empty());
  EXPECT_EQ(answer.payload[0], kRefusalType);
  EXPECT_EQ(std::string(as_chars(ByteView(answer.payload).subspan(1))),
            "no such channel any more (closed, or its node restarted)");
  EXPECT_EQ(node.dead_letters->answered(), 1u);
}

TEST(ChannelDeadLetters, RefusesARecordForAGoneEncryptorOnTheWay) {
  // On the hub: the record was going through its channel to a node whose link closed.
  Node node;
  node.receive(Address::local("sc-00000000000000aa-enc"), kRecordType);
  node.receive(Address::local("sc-00000000000000bb"), kConfirmType);
  node.receive(Address::local("sc-00000000000000cc"), kCredentialType);
  EXPECT_EQ(node.back->seen.size(), 3u);
}

TEST(ChannelDeadLetters, NeverAnswersRefusalsHandshakesOrOtherWorkers) {
  Node node;
  node.receive(Address::local("sc-00000000000000aa"), kRefusalType);   // two forgetful nodes would ping-pong
  node.receive(Address::local("sc-00000000000000aa"), kHandshakeType);
  node.receive(Address::local("stream-00000000000000aa"), kRecordType);  // a portal stream that ended
  node.receive(Address::local("sc"), kRecordType);
  node.receive(Address::local("scanner"), kRecordType);
  EXPECT_TRUE(node.back->seen.empty());
  EXPECT_EQ(node.dead_letters->answered(), 0u);
}

TEST(ChannelDeadLetters, OnlyMessagesFromOutsideReachIt) {
  // A local worker sending to a channel it closed itself is this node's own business: dropped, not answered.
  Node node;
  node.receive(Address::local("sc-00000000000000aa"), kRecordType, /*from_outside=*/false);
  EXPECT_TRUE(node.back->seen.empty());
  EXPECT_EQ(node.router.dropped(), 1u);
}

TEST(ChannelAddresses, DecryptorsAndEncryptorsByName) {
  EXPECT_TRUE(is_decryptor(Address::local("sc-0123456789abcdef")));
  EXPECT_FALSE(is_encryptor(Address::local("sc-0123456789abcdef")));
  EXPECT_TRUE(is_encryptor(Address::local("sc-0123456789abcdef-enc")));
  EXPECT_FALSE(is_decryptor(Address::local("sc-0123456789abcdef-enc")));
  EXPECT_FALSE(is_decryptor(Address::local("sc-")));
  EXPECT_FALSE(is_decryptor(Address::local("secure")));
  EXPECT_FALSE(is_decryptor(Address::tcp("sc-0123456789abcdef")));
}

}  // namespace
}  // namespace portico::channel
