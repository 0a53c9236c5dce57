// TCP transport over real loopback sockets: ordering, multi-hop routes, reconnects, dead peers, bad input and
// bounded send queues.

#include "transport/tcp_transport.hpp"

#include <asio/read.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include "support/loopback_node.hpp"
#include "wire/frame.hpp"

namespace portico {
namespace {

using namespace std::chrono_literals;
using test::LoopbackNode;
using test::eventually;
using test::run_scenario;
using test::text;

TEST(TcpTransport, TenThousandMessagesArriveInOrder) {
  asio::io_context io;
  LoopbackNode n1(io), n2(io);
  n2.add_echo();
  constexpr int kCount = 10000;
  // Nothing makes the sender wait (no queue does): the inbox has room for everything it sends.
  auto inbox = n1.add_inbox(io, "app", kCount);
  run_scenario(io, [&]() -> asio::awaitable<void> {
    const Route onward{n2.address(), Address::local("echo")};
    auto sender = [&]() -> asio::awaitable<void> {
      for (int i = 0; i < kCount; ++i) {
        Message message{onward, Route(1, Address::local("app")), text(std::to_string(i))};
        co_await n1.router.send(std::move(message));
      }
    };
    asio::co_spawn(io, sender(), asio::detached);
    for (int i = 0; i < kCount; ++i) {
      auto reply = co_await inbox->receive(10s);
      CO_ASSERT_TRUE(reply);
      CO_ASSERT_EQ(reply->payload, text(std::to_string(i)));
    }
    EXPECT_FALSE(co_await inbox->receive(50ms)) << "no extra messages";
    EXPECT_EQ(n1.router.dropped() + n2.router.dropped(), 0u);
    n1.stop();
    n2.stop();
  }());
}

TEST(TcpTransport, BridgeRouteOverTwoHopsAndReplyReturnsTheSameWay) {
  asio::io_context io;
  LoopbackNode n1(io), n2(io), n3(io);
  n3.add_echo();
  auto inbox = n1.add_inbox(io, "app");
  run_scenario(io, [&]() -> asio::awaitable<void> {
    Message request{Route{n2.address(), n3.address(), Address::local("echo")}, Route(1, Address::local("app")),
                    text("over the bridge")};
    co_await n1.router.send(std::move(request));
    auto reply = co_await inbox->receive(5s);
    CO_ASSERT_TRUE(reply);
    EXPECT_EQ(reply->payload, text("over the bridge"));
    // Return route: n1's link to n2, n2's link to n3, then n3's echo worker.
    CO_ASSERT_EQ(reply->return_route.size(), 3u);
    EXPECT_EQ(reply->return_route[0], n1.tcp.connect(n2.address().value)->address());
    EXPECT_EQ(reply->return_route[1], n2.tcp.connect(n3.address().value)->address());
    EXPECT_EQ(reply->return_route[2], Address::local("echo"));
    // And a reply to the reply travels that route.
    auto echo_back = std::make_shared<Inbox>(io.get_executor(), 4);
    n3.router.register_worker(Address::local("again"), echo_back);
    Route back = reply->return_route;
    back.back() = Address::local("again");
    Message again{back, Route(1, Address::local("app")), text("and back")};
    co_await n1.router.send(std::move(again));
    auto got = co_await echo_back->receive(5s);
    CO_ASSERT_TRUE(got);
    EXPECT_EQ(got->payload, text("and back"));
    n1.stop(), n2.stop(), n3.stop();
  }());
}

TEST(TcpTransport, LinkComesBackAfterPeerRestartAndMessagesFlowAgain) {
  asio::io_context io;
  LoopbackNode n1(io);
  auto n2 = std::make_unique<LoopbackNode>(io);
  n2->add_echo();
  const std::uint16_t port = n2->port();
  auto inbox = n1.add_inbox(io, "app");
  auto link = n1.tcp.connect(n2->address().value);
  int ups = 0, downs = 0;
  link->on_state_change([&](bool up) { up ? ++ups : ++downs; });
  run_scenario(io, [&]() -> asio::awaitable<void> {
    const Route onward{Address::tcp("127.0.0.1:" + std::to_string(port)), Address::local("echo")};
    auto round_trip = [&](std::string body) -> asio::awaitable<bool> {
      Message message{onward, Route(1, Address::local("app")), text(body)};
      co_await n1.router.send(std::move(message));
      auto reply = co_await inbox->receive(5s);
      co_return reply && reply->payload == text(body);
    };
    EXPECT_TRUE(co_await round_trip("before"));
    EXPECT_EQ(ups, 1);

    n2->stop();  // the peer goes away: its sockets close
    EXPECT_TRUE(co_await eventually([&] { return downs == 1; }, 2s)) << "link down noticed";
    n2.reset();
    asio::steady_timer pause(io, 300ms);  // a few failed reconnect attempts while nothing listens
    co_await pause.async_wait(asio::use_awaitable);

    n2 = std::make_unique<LoopbackNode>(io, test::fast_tcp_options(), port);
    n2->add_echo();
    EXPECT_TRUE(co_await eventually([&] { return ups == 2; }, 3s)) << "link back by itself";
    EXPECT_TRUE(co_await round_trip("after"));
    n1.stop();
    n2->stop();
  }());
}

// A peer that accepts and then never says anything (a half-open link, a frozen process).
TEST(TcpTransport, SilentPeerIsDeclaredDeadWithinSeconds) {
  asio::io_context io;
  LoopbackNode n1(io);
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::vector<asio::ip::tcp::socket> held;
  silent.async_accept([&](asio::error_code ec, asio::ip::tcp::socket s) {
    if (!ec) held.push_back(std::move(s));
  });
  auto link = n1.tcp.connect("127.0.0.1:" + std::to_string(silent.local_endpoint().port()));
  std::chrono::steady_clock::time_point up_at, down_at;
  link->on_state_change([&](bool up) { (up ? up_at : down_at) = std::chrono::steady_clock::now(); });
  run_scenario(io, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(co_await eventually([&] { return down_at != decltype(down_at){}; }, 5s));
    const auto detected = down_at - up_at;
    EXPECT_GE(detected, 400ms);  // dead_after in fast_tcp_options
    EXPECT_LT(detected, 2s);
    n1.stop();
  }());
}

TEST(TcpTransport, GarbageClosesOnlyThatConnection) {
  asio::io_context io;
  LoopbackNode n1(io), n2(io);
  n2.add_echo();
  auto inbox = n1.add_inbox(io, "app");
  run_scenario(io, [&]() -> asio::awaitable<void> {
    const Route onward{n2.address(), Address::local("echo")};
    Message first{onward, Route(1, Address::local("app")), text("first")};
    co_await n1.router.send(std::move(first));
    EXPECT_TRUE(co_await inbox->receive(5s));

    // Three bad clients: not Portico at all, a frame over the size limit, a frame with a bad message inside.
    const std::vector<Bytes> garbage = {
        text("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        [] { Bytes b = wire::preamble(); b.insert(b.end(), {0xff, 0xff, 0xff, 0xff}); return b; }(),
        [] { Bytes b = wire::preamble(); b.insert(b.end(), {0, 0, 0, 3, 9, 0, 0}); return b; }(),
    };
    for (const Bytes& bytes : garbage) {
      asio::ip::tcp::socket bad(io);
      co_await bad.async_connect({asio::ip::make_address("127.0.0.1"), n2.port()}, asio::use_awaitable);
      co_await asio::async_write(bad, asio::buffer(bytes), asio::use_awaitable);
      // The listener sends its preamble, then closes: we read until EOF.
      Bytes sink(1024);
      asio::error_code ec;
      std::size_t total = 0;
      for (;;) {
        auto [read_ec, n] = co_await bad.async_read_some(asio::buffer(sink), asio::experimental::as_tuple(asio::use_awaitable));
        total += n;
        if (read_ec) { ec = read_ec; break; }
      }
      EXPECT_EQ(ec, asio::error::eof);
      EXPECT_LE(total, wire::kPreambleBytes + 64) << "closed promptly";
    }
    // The good link never noticed.
    Message second{onward, Route(1, Address::local("app")), text("second")};
    co_await n1.router.send(std::move(second));
    auto reply = co_await inbox->receive(5s);
    CO_ASSERT_TRUE(reply);
    EXPECT_EQ(reply->payload, text("second"));
    n1.stop(), n2.stop();
  }());
}

TEST(TcpTransport, APeerThatReadsNothingIsRefusedAtOnceAndDisconnected) {
  asio::io_context io;
  TcpOptions options = test::fast_tcp_options();
  options.dead_after = 60s;  // the verdict below must come from the full queue, not from silence
  options.max_queued_bytes = 4 * 1024 * 1024;
  LoopbackNode n1(io, options);
  // A peer that accepts but never reads: everything n1 sends piles up in n1.
  asio::ip::tcp::acceptor stalled(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::vector<asio::ip::tcp::socket> held;
  stalled.async_accept([&](asio::error_code ec, asio::ip::tcp::socket s) {
    if (!ec) held.push_back(std::move(s));
  });
  constexpr std::size_t kChunk = 64 * 1024;
  run_scenario(io, [&]() -> asio::awaitable<void> {
    const std::string peer = "127.0.0.1:" + std::to_string(stalled.local_endpoint().port());
    const Route onward{Address::tcp(peer), Address::local("sink")};
    auto link = n1.tcp.connect(peer);
    CO_ASSERT_TRUE(co_await test::eventually([&] { return link->up(); }, 5s));
    asio::steady_timer turn(io);
    std::size_t accepted = 0;
    std::error_code refused;
    // 256 MiB if nothing pushed back. Every send completes at once: none of them may park the producer.
    for (int i = 0; i < 4096 && !refused; ++i) {
      Message message{onward, Route{}, Bytes(kChunk, 0x5a)};
      refused = co_await n1.router.send(std::move(message));
      if (!refused) ++accepted;
      // Let the writer run, so what the kernel takes leaves the queue.
      if (i % 16 == 0) {
        turn.expires_after(1ms);
        co_await turn.async_wait(asio::use_awaitable);
      }
    }
    EXPECT_EQ(refused, routing::Error::queue_full);
    // The queue's bound plus what the kernel's socket buffers hold on both ends.
    EXPECT_LT(accepted * kChunk, 48u * 1024 * 1024) << accepted << " chunks accepted by a peer that reads nothing";
    EXPECT_EQ(link->queued_bytes(), 0u) << "the slow consumer's backlog is freed with its session";
    n1.stop();
  }());
}

}  // namespace
}  // namespace portico
