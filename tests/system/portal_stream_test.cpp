// One PortalStream over a real loopback TCP connection, fed messages directly: only its peer can feed it.

#include "portal/portal_stream.hpp"

#include <array>

#include <asio/read.hpp>
#include <gtest/gtest.h>

#include "portal/portal_messages.hpp"
#include "support/recorder.hpp"
#include "support/loopback_node.hpp"

namespace portico {
namespace {

using namespace std::chrono_literals;
using test::run_scenario;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

using test::Recorder;

// A message for the stream at `to`, as if it came through a secure channel with `peer`.
Message from(const std::string& peer, const Address& to, Bytes payload) {
  Message message{Route{to}, Route{Address::local("peer-stream")}, std::move(payload)};
  message.origin = std::make_shared<const MessageOrigin>(
      MessageOrigin{.kind = MessageOrigin::Kind::channel, .peer = peer, .accepted_here = true, .member = true,
                    .member_until = 0, .attributes = {}});
  return message;
}

TEST(PortalStream, OnlyItsPeerCanFeedIt) {
  asio::io_context io;
  Router router;
  auto peer = std::make_shared<Recorder>();
  router.register_worker(Address::local("peer-stream"), peer);
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  auto stream = std::make_shared<portal::PortalStream>(acceptor.accept(), router, portal::PortalOptions{}, "stream test");
  stream->register_worker();
  auto data = [](std::string_view text) { return portal::encode(portal::Data{Bytes(text.begin(), text.end())}); };
  // Named messages: GCC 12 destroys some temporaries of a co_await expression twice.
  Message open = from("Ialice", stream->address(), portal::encode(portal::Open{64 * 1024}));
  Message mallory_data = from("Imallory", stream->address(), data("evil"));
  Message mallory_reset = from("Imallory", stream->address(), portal::encode(portal::Reset{"bye"}));
  Message plain = from("", stream->address(), data("evil"));
  plain.origin = std::make_shared<const MessageOrigin>();  // straight off a link
  Message alice_data = from("Ialice", stream->address(), data("good"));
  run_scenario(io, [&]() -> asio::awaitable<void> {
    // The Open came through Alice's channel: the stream is hers.
    co_await stream->accept(open, 64 * 1024);
    // Mallory learned the stream's address: her data and her reset are dropped, as is anything off a plain link.
    co_await stream->handle_message(std::move(mallory_data));
    co_await stream->handle_message(std::move(mallory_reset));
    co_await stream->handle_message(std::move(plain));
    CO_ASSERT_TRUE(!stream->opening());
    // Alice's data arrives, and only hers.
    co_await stream->handle_message(std::move(alice_data));
    std::array<char, 4> got{};
    asio::steady_timer limit(io, 2s);
    limit.async_wait([&](std::error_code ec) { if (!ec) client.cancel(); });
    auto [ec, n] = co_await asio::async_read(client, asio::buffer(got), kTuple);
    limit.cancel();
    CO_ASSERT_TRUE(!ec);
    EXPECT_EQ(std::string(got.data(), n), "good");
    stream->reset("test over");
  }());
}

TEST(PortalStream, AnInletStreamTakesItsAcceptOnlyFromTheOutletItOpenedTo) {
  asio::io_context io;
  Router router;
  auto outlet = std::make_shared<Recorder>();
  router.register_worker(Address::local("outlet"), outlet);
  router.register_worker(Address::local("peer-stream"), std::make_shared<Recorder>());
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  auto stream = std::make_shared<portal::PortalStream>(acceptor.accept(), router, portal::PortalOptions{}, "stream test");
  stream->register_worker();
  Message mallory_accept = from("Imallory", stream->address(), portal::encode(portal::Accept{64 * 1024}));
  Message mallory_reset = from("Imallory", stream->address(), portal::encode(portal::Reset{"bye"}));
  Message bob_accept = from("Ibob", stream->address(), portal::encode(portal::Accept{64 * 1024}));
  Route to_outlet{Address::local("outlet")};
  std::string bob = "Ibob";
  run_scenario(io, [&]() -> asio::awaitable<void> {
    co_await stream->send_open(std::move(to_outlet), std::move(bob));
    CO_ASSERT_EQ(outlet->seen.size(), 1u);
    co_await stream->handle_message(std::move(mallory_accept));
    co_await stream->handle_message(std::move(mallory_reset));
    CO_ASSERT_TRUE(stream->opening());  // neither taken
    co_await stream->handle_message(std::move(bob_accept));
    CO_ASSERT_TRUE(!stream->opening());
    stream->reset("test over");
  }());
}

}  // namespace
}  // namespace portico
