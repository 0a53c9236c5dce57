// Relays and portals in one process over real loopback sockets: a hub node, an outlet node in front of a small
// asio echo service, and an inlet node, wired as the agent wires them.

#include "portal/portal_inlet.hpp"

#include <array>

#include <asio/read.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include "portal/portal_messages.hpp"
#include "portal/portal_outlet.hpp"
#include "relay/relay_client.hpp"
#include "relay/relay_service.hpp"
#include "support/loopback_node.hpp"

namespace portico {
namespace {

using namespace std::chrono_literals;
using test::eventually;
using test::LoopbackNode;
using test::run_scenario;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

// A target service: echoes everything until EOF, then half-closes too.
struct EchoService {
  explicit EchoService(asio::io_context& io) : acceptor(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io, serve(), asio::detached);
  }
  asio::awaitable<void> serve() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) co_return;
      asio::co_spawn(acceptor.get_executor(), echo(std::move(socket)), asio::detached);
    }
  }
  static asio::awaitable<void> echo(asio::ip::tcp::socket socket) {
    Bytes buffer(16 * 1024);
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), kTuple);
      if (ec) break;
      auto [write_ec, written] = co_await asio::async_write(socket, asio::buffer(buffer.data(), n), kTuple);
      if (write_ec) co_return;
    }
    asio::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
  HostPort address() const { return {"127.0.0.1", acceptor.local_endpoint().port()}; }
  asio::ip::tcp::acceptor acceptor;
};

struct PortalWorld {
  explicit PortalWorld(asio::io_context& io, HostPort target,
                       portal::PortalOptions options = {.window = 64 * 1024, .open_timeout = 2s})
      : hub(io), outlet_node(io), inlet_node(io), inlet_acceptor(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    relays = relay::RelayService::start(hub.router);
    outlet = portal::PortalOutlet::start(io.get_executor(), outlet_node.router, target, options);
    relay_client = relay::RelayClient::start(outlet_node.router, outlet_node.tcp.connect(hub.address().value),
                                             {.name = "svc", .owner = "node-a",
                                              .on_registered = [this](const relay::Registered&, bool) { ++registrations; },
                                              .on_refused = {}});
    const Route outlet_route{inlet_node.tcp.connect(hub.address().value)->address(), Address::local("forward_to_svc"),
                             Address::local("outlet")};
    inlet = std::make_unique<portal::PortalInlet>(inlet_node.router, outlet_route, "relay svc", options);
    asio::co_spawn(io, inlet->serve(inlet_acceptor), asio::detached);
  }
  std::uint16_t inlet_port() const { return inlet_acceptor.local_endpoint().port(); }
  void stop() {
    inlet->stop_accepting();
    relay_client->stop();
    hub.stop(), outlet_node.stop(), inlet_node.stop();
  }

  LoopbackNode hub, outlet_node, inlet_node;
  asio::ip::tcp::acceptor inlet_acceptor;
  std::shared_ptr<relay::RelayService> relays;
  std::shared_ptr<portal::PortalOutlet> outlet;
  std::shared_ptr<relay::RelayClient> relay_client;
  std::unique_ptr<portal::PortalInlet> inlet;
  int registrations = 0;
};

// Sends `payload` through a client connection, half-closes, and reads everything back until EOF.
asio::awaitable<Bytes> round_trip(std::uint16_t port, Bytes payload) {
  asio::ip::tcp::socket client(co_await asio::this_coro::executor);
  co_await client.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
  auto writer = [&]() -> asio::awaitable<void> {
    co_await asio::async_write(client, asio::buffer(payload), asio::use_awaitable);
    client.shutdown(asio::ip::tcp::socket::shutdown_send);
  };
  asio::co_spawn(client.get_executor(), writer(), asio::detached);
  Bytes received, buffer(64 * 1024);
  for (;;) {
    auto [ec, n] = co_await client.async_read_some(asio::buffer(buffer), kTuple);
    received.insert(received.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    if (ec) break;
  }
  co_return received;
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((i * 31 + seed) ^ (i >> 9));
  return b;
}

TEST(PortalRelay, StreamsThroughTheHubWithHalfCloseAndManyAtOnce) {
  asio::io_context io;
  EchoService service(io);
  PortalWorld world(io, service.address());
  run_scenario(io, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE(co_await eventually([&] { return world.registrations == 1; }, 3s));
    // One stream, several windows' worth each way (the window is 64 KiB here), ended by a half-close.
    const Bytes big = pattern(3 * 1024 * 1024, 1);
    CO_ASSERT_TRUE(co_await round_trip(world.inlet_port(), big) == big);
    // Twenty at once over the same links.
    int done = 0;
    for (int i = 0; i < 20; ++i) {
      asio::co_spawn(io, [&, i]() -> asio::awaitable<void> {
        const Bytes mine = pattern(100 * 1024 + static_cast<std::size_t>(i) * 977, static_cast<std::uint8_t>(i));
        EXPECT_TRUE(co_await round_trip(world.inlet_port(), mine) == mine) << "stream " << i;
        ++done;
      }, asio::detached);
    }
    CO_ASSERT_TRUE(co_await eventually([&] { return done == 20; }, 20s));
    CO_ASSERT_TRUE(co_await eventually([&] { return world.inlet->open_streams() == 0 && world.outlet->open_streams() == 0; }, 2s));
    world.stop();
  }());
}

TEST(PortalRelay, RefusedTargetClosesTheClientPromptly) {
  asio::io_context io;
  asio::ip::tcp::acceptor closed_port(io, {asio::ip::make_address("127.0.0.1"), 0});
  const HostPort nowhere{"127.0.0.1", closed_port.local_endpoint().port()};
  closed_port.close();
  PortalWorld world(io, nowhere);
  run_scenario(io, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE(co_await eventually([&] { return world.registrations == 1; }, 3s));
    const auto start = std::chrono::steady_clock::now();
    const Bytes got = co_await round_trip(world.inlet_port(), pattern(10, 0));
    EXPECT_TRUE(got.empty());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "closed on the outlet's Reset, not a timeout";
    EXPECT_EQ(world.inlet->open_streams(), 0u);
    world.stop();
  }());
}

TEST(PortalRelay, UnregisteredRelayTimesOutTheStream) {
  asio::io_context io;
  EchoService service(io);
  PortalWorld world(io, service.address());
  world.relay_client->stop();
  // Point a second inlet at a name nobody registered.
  const Route nowhere{world.inlet_node.tcp.connect(world.hub.address().value)->address(),
                      Address::local("forward_to_nobody"), Address::local("outlet")};
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  portal::PortalInlet lost(world.inlet_node.router, nowhere, "relay nobody", {.window = 65536, .open_timeout = 300ms});
  asio::co_spawn(io, lost.serve(acceptor), asio::detached);
  run_scenario(io, [&]() -> asio::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    const Bytes got = co_await round_trip(acceptor.local_endpoint().port(), pattern(10, 0));
    EXPECT_TRUE(got.empty());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
    EXPECT_EQ(lost.open_streams(), 0u);
    lost.stop_accepting();
    world.stop();
  }());
}

TEST(PortalRelay, AnotherOwnerCannotTakeTheNameButTheOwnerCanReturn) {
  asio::io_context io;
  EchoService service(io);
  PortalWorld world(io, service.address());
  LoopbackNode intruder(io), returning(io);
  int refused = 0, returned = 0;
  run_scenario(io, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE(co_await eventually([&] { return world.registrations == 1; }, 3s));
    auto other = relay::RelayClient::start(intruder.router, intruder.tcp.connect(world.hub.address().value),
                                           {.name = "svc", .owner = "node-b", .on_registered = {},
                                            .on_refused = [&](const relay::Refused&) { ++refused; }});
    CO_ASSERT_TRUE(co_await eventually([&] { return refused == 1; }, 3s));
    // The same owner from a new link (a restarted device) takes its name back at once.
    auto again = relay::RelayClient::start(returning.router, returning.tcp.connect(world.hub.address().value),
                                           {.name = "svc", .owner = "node-a",
                                            .on_registered = [&](const relay::Registered&, bool) { ++returned; },
                                            .on_refused = {}});
    CO_ASSERT_TRUE(co_await eventually([&] { return returned == 1; }, 3s));
    const auto* binding = world.relays->table().find("svc");
    CO_ASSERT_TRUE(binding != nullptr);
    EXPECT_EQ(binding->owner, "node-a");
    other->stop(), again->stop();
    intruder.stop(), returning.stop();
    world.stop();
  }());
}

TEST(PortalRelay, StreamWhosePeerFallsSilentIsResetOnBothSides) {
  asio::io_context io;
  EchoService service(io);
  PortalWorld world(io, service.address(),
                    {.window = 64 * 1024, .open_timeout = 2s, .keepalive_interval = 100ms, .peer_dead_after = 400ms});
  run_scenario(io, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE(co_await eventually([&] { return world.registrations == 1; }, 3s));
    asio::ip::tcp::socket client(io);
    co_await client.async_connect({asio::ip::make_address("127.0.0.1"), world.inlet_port()}, asio::use_awaitable);
    co_await asio::async_write(client, asio::buffer(std::string("ping")), asio::use_awaitable);
    std::array<char, 4> echoed{};
    co_await asio::async_read(client, asio::buffer(echoed), asio::use_awaitable);
    // An idle stream stays up: keepalives flow both ways.
    asio::steady_timer idle(io, 1s);
    co_await idle.async_wait(asio::use_awaitable);
    EXPECT_EQ(world.inlet->open_streams(), 1u);
    EXPECT_EQ(world.outlet->open_streams(), 1u);
    // Now everything the inlet sends vanishes (as if the path broke somewhere past its own link).
    world.inlet_node.router.unregister_worker(world.inlet_node.tcp.connect(world.hub.address().value)->address());
    const auto start = std::chrono::steady_clock::now();
    CO_ASSERT_TRUE(co_await eventually(
        [&] { return world.inlet->open_streams() == 0 && world.outlet->open_streams() == 0; }, 3s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
    std::array<char, 1> byte{};
    auto [ec, n] = co_await client.async_read_some(asio::buffer(byte), kTuple);
    EXPECT_TRUE(ec) << "the client's connection is closed";
    world.stop();
  }());
}

}  // namespace
}  // namespace portico
