// The library API (<portico/node.hpp>) in one process over real loopback sockets: an in-process Hub, a Node serving
// a function and a stream handler, and Nodes calling them. What a user of the library is promised: answers arrive
// intact, the caller's verified identity reaches the function, a member without the required attribute is
// refused with a reason, an oversized request is refused, an unknown relay fails with a reason, and stop() ends
// everything without waiting on anyone.

#include <portico/node.hpp>

#include <filesystem>
#include <random>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "support/loopback_node.hpp"

namespace portico {
namespace {

using namespace std::chrono_literals;

std::string temp_dir(const std::string& name) {
  static const std::string base = [] {
    auto dir = std::filesystem::temp_directory_path() / ("portico-library-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    return dir.string();
  }();
  return base + "/" + name;
}

struct Fleet {
  explicit Fleet(asio::io_context& io) : hub(io, {.listen = "127.0.0.1:0", .data_dir = temp_dir("hub")}) {}
  std::string address() const { return "127.0.0.1:" + std::to_string(hub.port()); }
  std::unique_ptr<Node> node(asio::io_context& io, const std::string& name, const Attributes& attributes) {
    return std::make_unique<Node>(io, NodeOptions{.hub = address(), .data_dir = temp_dir(name),
                                                  .enroll = hub.create_token(attributes)});
  }
  Hub hub;
};

TEST(Library, FunctionServiceAnswersCallersAndKnowsWhoAsked) {
  asio::io_context io;
  Fleet fleet(io);
  auto service = fleet.node(io, "service", {{"role", "device"}});
  std::vector<std::string> callers;
  service->add_function({.relay = "reverse", .max_request_bytes = 64 * 1024, .request_timeout = 1s},
                        [&](std::string_view request, const std::string& caller) {
                          callers.push_back(caller);
                          return std::string(request.rbegin(), request.rend());
                        });
  // A stream handler: echoes everything back, in pieces, until the caller ends its side.
  service->add_service({.relay = "echo"}, [](Stream& stream) -> asio::awaitable<void> {
    std::uint8_t chunk[4096];
    for (;;) {
      std::error_code ec;
      const std::size_t n = co_await stream.read_some(chunk, ec);
      if (ec) break;
      if (co_await stream.write(std::string_view(reinterpret_cast<const char*>(chunk), n))) co_return;
    }
    stream.shutdown_send();
  });
  // A handler that throws: its caller must see an error, not a clean (empty) answer.
  service->add_service({.relay = "broken"}, [](Stream& stream) -> asio::awaitable<void> {
    std::error_code ec;
    co_await stream.read_all(1024, ec);
    throw std::runtime_error("the handler failed");
  });
  EXPECT_THROW(service->add_function({.relay = "echo"}, [](std::string_view, const std::string&) { return ""; }),
               std::runtime_error);  // a relay name is taken once
  bool ready = false;
  asio::steady_timer service_ready(io, 20s);  // on_ready cancels it; running out is the failure
  service->on_ready([&] {
    ready = true;
    service_ready.cancel();
  });
  service->start();
  auto operator_node = fleet.node(io, "operator", {{"role", "operator"}});
  operator_node->start();
  auto device = fleet.node(io, "device", {{"role", "device"}});
  device->start();

  test::run_scenario(io, [&]() -> asio::awaitable<void> {
    co_await service_ready.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    EXPECT_TRUE(ready);
    std::string failure;
    // 200 KB, more than one portal chunk and one memory pipe's worth, must arrive reversed byte for byte.
    std::string big(200 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
    std::string answer = co_await operator_node->call("reverse", big.substr(0, 60 * 1024), failure);
    EXPECT_EQ(failure, "");
    EXPECT_TRUE(answer == std::string(big.rbegin() + (big.size() - 60 * 1024), big.rend()))
        << "the answer (" << answer.size() << " bytes) is not the request reversed";
    EXPECT_EQ(callers, std::vector<std::string>{operator_node->identifier()});

    // A request over max_request_bytes gets no answer, and the caller is told.
    answer = co_await operator_node->call("reverse", big, failure);
    EXPECT_NE(failure, "");
    EXPECT_EQ(answer, "");
    EXPECT_EQ(callers.size(), 1U);

    // A stream both ways, larger than the pipes and windows: the echo returns every byte.
    failure.clear();
    auto stream = co_await operator_node->connect("echo", failure);
    EXPECT_EQ(failure, "");
    if (stream) {
      EXPECT_FALSE(co_await stream->write(big));
      stream->shutdown_send();
      std::error_code ec;
      const std::string echoed = co_await stream->read_all(1 << 20, ec);
      EXPECT_FALSE(ec) << ec.message();
      EXPECT_TRUE(echoed == big) << "echoed " << echoed.size() << " of " << big.size() << " bytes, or other bytes";
    }

    // A handler that throws: the caller is told the stream failed.
    answer = co_await operator_node->call("broken", "anything", failure);
    EXPECT_NE(failure, "");
    EXPECT_EQ(answer, "");

    // A caller that never ends its request is dropped at request_timeout (1 s here), not held forever.
    auto slow = co_await operator_node->connect("reverse", failure);
    EXPECT_EQ(failure, "");
    if (slow) {
      EXPECT_FALSE(co_await slow->write("half a request"));
      std::error_code ec;
      const auto started = std::chrono::steady_clock::now();
      const std::string got = co_await slow->read_all(1024, ec);
      EXPECT_TRUE(ec) << "the service answered an unfinished request: " << got;
      EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    }

    // Another device of the fleet (role=device) reaches no service that allows role=operator.
    failure.clear();
    answer = co_await device->call("reverse", "let me in", failure);
    EXPECT_NE(failure.find("lacks a required attribute"), std::string::npos) << failure;
    EXPECT_EQ(callers.size(), 1U);

    // Nobody serves "nothing": the caller is told so, not left waiting.
    failure.clear();
    auto none = co_await operator_node->connect("nothing", failure);
    EXPECT_EQ(none, nullptr);
    EXPECT_NE(failure, "");

    // stop() calls back once done, for each node and the hub (and for each call: the service is stopped twice).
    int stopped = 0;
    asio::steady_timer all_stopped(io, 5s);  // the last callback cancels it; running out is the failure
    auto one_stopped = [&] {
      if (++stopped == 5) all_stopped.cancel();
    };
    service->stop(1s, one_stopped);
    service->stop(1s, one_stopped);
    operator_node->stop(0s, one_stopped);
    device->stop(0s, one_stopped);
    fleet.hub.stop(one_stopped);
    co_await all_stopped.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    EXPECT_EQ(stopped, 5);
  }(), 60s);
}

TEST(Library, OptionsThatCannotWorkThrowNamingThemselves) {
  asio::io_context io;
  EXPECT_THROW(Node(io, {.hub = "no port", .data_dir = temp_dir("bad")}), std::runtime_error);
  EXPECT_THROW(Node(io, {.hub = "127.0.0.1:1", .data_dir = ""}), std::runtime_error);
  EXPECT_THROW(Node(io, {.hub = "127.0.0.1:1", .data_dir = temp_dir("bad"), .enroll = "not a token"}),
               std::runtime_error);
  // Never enrolled and no token: start() says so.
  Node unenrolled(io, {.hub = "127.0.0.1:1", .data_dir = temp_dir("unenrolled")});
  try {
    unenrolled.start();
    ADD_FAILURE() << "start() without a token did not throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("NodeOptions::enroll"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace portico
