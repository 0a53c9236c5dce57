#include "routing/router.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <optional>
#include <gtest/gtest.h>

#include "routing/workers.hpp"
#include "support/recorder.hpp"

namespace portico {
namespace {

using namespace std::chrono_literals;

using test::Recorder;

class RecordingTransport final : public Transport {
 public:
  asio::awaitable<std::error_code> send(Message message) override {
    sent.push_back(std::move(message));
    co_return std::error_code{};
  }
  std::vector<Message> sent;
};

// Runs one coroutine to completion on a fresh io_context.
// Runs one coroutine to completion on the calling thread (no futures: a plain completion handler).
template <typename T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result = std::move(value);
  });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

Message to(Route onward, std::string text = "hi") {
  return Message{std::move(onward), Route{Address::local("sender")}, Bytes(text.begin(), text.end())};
}

TEST(Router, DeliversToLocalWorker) {
  asio::io_context io;
  Router router;
  auto recorder = std::make_shared<Recorder>();
  ASSERT_TRUE(router.register_worker(Address::local("app"), recorder));
  EXPECT_FALSE(run(io, router.send(to({Address::local("app")}))));
  ASSERT_EQ(recorder->seen.size(), 1u);
  EXPECT_EQ(recorder->seen[0].payload, Bytes({'h', 'i'}));
}

TEST(Router, RefusesTakenAddress) {
  Router router;
  EXPECT_TRUE(router.register_worker(Address::local("app"), std::make_shared<Recorder>()));
  EXPECT_FALSE(router.register_worker(Address::local("app"), std::make_shared<Recorder>()));
  router.unregister_worker(Address::local("app"));
  EXPECT_FALSE(router.has_worker(Address::local("app")));
}

TEST(Router, DropsUnknownAddressAndCountsIt) {
  asio::io_context io;
  Router router;
  EXPECT_EQ(run(io, router.send(to({Address::local("nobody")}))), routing::Error::unknown_address);
  EXPECT_EQ(run(io, router.send(to({}))), routing::Error::empty_route);
  EXPECT_EQ(router.dropped(), 2u);
}

TEST(Router, HandsNonLocalHopsToTheirTransport) {
  asio::io_context io;
  Router router;
  RecordingTransport tcp;
  router.register_transport(transport_type::kTcp, tcp);
  EXPECT_FALSE(run(io, router.send(to({Address::tcp("10.0.0.1:4000"), Address::local("echo")}))));
  ASSERT_EQ(tcp.sent.size(), 1u);
  EXPECT_EQ(tcp.sent[0].onward.front(), Address::tcp("10.0.0.1:4000"));
  EXPECT_EQ(run(io, router.send(to({Address{transport_type::kUdp, "x:1"}}))), routing::Error::no_transport);
}

TEST(Router, EchoRepliesAlongTheReturnRoute) {
  asio::io_context io;
  Router router;
  auto recorder = std::make_shared<Recorder>();
  router.register_worker(Address::local("sender"), recorder);
  router.register_worker(Address::local("echo"), std::make_shared<EchoWorker>(router, Address::local("echo")));
  EXPECT_FALSE(run(io, router.send(to({Address::local("echo")}, "ping"))));
  ASSERT_EQ(recorder->seen.size(), 1u);
  EXPECT_EQ(recorder->seen[0].payload, Bytes({'p', 'i', 'n', 'g'}));
  EXPECT_EQ(recorder->seen[0].return_route, Route{Address::local("echo")});
}

TEST(Inbox, ReceivesOrTimesOut) {
  asio::io_context io;
  Router router;
  auto inbox = std::make_shared<Inbox>(io.get_executor(), 4);
  router.register_worker(Address::local("inbox"), inbox);
  EXPECT_FALSE(run(io, router.send(to({Address::local("inbox")}, "x"))));
  auto got = run(io, inbox->receive(1s));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->payload, Bytes({'x'}));
  EXPECT_FALSE(run(io, inbox->receive(10ms)));
}

}  // namespace
}  // namespace portico
