#pragma once
// Test support: a node (router + TCP transport + listener on 127.0.0.1) and helpers to run a scenario
// coroutine on one io_context with an overall deadline.

#include <chrono>
#include <functional>
#include <memory>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "routing/workers.hpp"
#include "transport/tcp_transport.hpp"

// gtest's ASSERT_* macros `return`, which a coroutine cannot: these record the failure and co_return.
#define CO_ASSERT_TRUE(condition)                                   \
  do {                                                              \
    if (!(condition)) {                                             \
      ADD_FAILURE() << "expected true: " #condition;                \
      co_return;                                                    \
    }                                                               \
  } while (0)
#define CO_ASSERT_EQ(a, b)  \
  do {                      \
    EXPECT_EQ(a, b);        \
    if (!((a) == (b))) co_return; \
  } while (0)

namespace portico::test {

inline TcpOptions fast_tcp_options() {
  TcpOptions options;
  options.heartbeat_interval = std::chrono::milliseconds(100);
  options.dead_after = std::chrono::milliseconds(400);
  options.connect_timeout = std::chrono::milliseconds(500);
  options.backoff = {.initial = std::chrono::milliseconds(20), .max = std::chrono::milliseconds(200)};
  return options;
}

struct LoopbackNode {
  LoopbackNode(asio::io_context& io, TcpOptions options = fast_tcp_options(), std::uint16_t port = 0)
      : tcp(io.get_executor(), router, options), acceptor(io) {
    router.register_transport(transport_type::kTcp, tcp);
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    asio::co_spawn(io, tcp.serve(acceptor), asio::detached);
  }
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }
  asio::any_io_executor tcp_executor() { return acceptor.get_executor(); }
  Address address() const { return Address::tcp("127.0.0.1:" + std::to_string(port())); }
  void add_echo() { router.register_worker(Address::local("echo"), std::make_shared<EchoWorker>(router, Address::local("echo"))); }
  std::shared_ptr<Inbox> add_inbox(asio::io_context& io, const std::string& name, std::size_t capacity = 64) {
    auto inbox = std::make_shared<Inbox>(io.get_executor(), capacity);
    router.register_worker(Address::local(name), inbox);
    return inbox;
  }
  void stop() { tcp.stop(); }

  Router router;
  TcpTransport tcp;
  asio::ip::tcp::acceptor acceptor;
};

inline Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

// Polls `condition` every 5 ms until it holds or `timeout` passes; returns whether it held.
inline asio::awaitable<bool> eventually(std::function<bool()> condition, std::chrono::milliseconds timeout) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    timer.expires_after(std::chrono::milliseconds(5));
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return true;
}

// Runs `scenario` to completion (at most `limit`), then stops the io_context; fails the test on timeout or
// on an exception escaping the scenario.
inline void run_scenario(asio::io_context& io, asio::awaitable<void> scenario,
                         std::chrono::seconds limit = std::chrono::seconds(60)) {
  bool finished = false;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(scenario), [&](std::exception_ptr e) {
    finished = true;
    failure = e;
    io.stop();
  });
  io.run_for(limit);
  ASSERT_TRUE(finished) << "scenario did not finish within " << limit.count() << " s";
  if (failure) std::rethrow_exception(failure);
}

}  // namespace portico::test
