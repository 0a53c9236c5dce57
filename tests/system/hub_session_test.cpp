// A node's secure channel to its hub over a real loopback link: the node learns within its heartbeat timeout
// that the hub's end is gone (closed on purpose, or vanished without a word), says so (up() is what
// `portico health` reads), and opens a new channel by itself.

#include "channel/hub_session.hpp"

#include <gtest/gtest.h>

#include "channel/dead_letters.hpp"
#include "support/loopback_node.hpp"

namespace portico::channel {
namespace {

using namespace std::chrono_literals;
using test::LoopbackNode;
using test::run_scenario;
using test::text;

struct HubAndNode {
  explicit HubAndNode(asio::io_context& io) : hub(io), node(io) {
    hub.add_echo();
    listener = SecureChannelListener::start(io.get_executor(), hub.router, {
        .identity = hub_identity,
        .policy = {.authority = hub_identity->public_key(), .allow_anonymous = true},
        .handshake_timeout = 2s,
    });
    inbox = node.add_inbox(io, "app");
    link = node.tcp.connect("127.0.0.1:" + std::to_string(hub.port()));
    session = HubSession::start(link, node.router, {
        // The node's heartbeat times (fast_tcp_options): ping after 100 ms of silence, dead after 400 ms.
        .channel = {.identity = node_identity, .handshake_timeout = 2s, .keepalive = 100ms, .dead_after = 400ms},
        .hub_identifier = hub_identity->identifier(),
        .hub_name = "hub",
    });
    session->on_state_change([this](bool up) {
      changes.push_back(up);
      if (!up && !went_down) went_down = std::chrono::steady_clock::now();
    });
  }
  // One message to the hub's echo through the session, and its reply.
  asio::awaitable<bool> echoes(const std::string& what) {
    Message request{session->route_to("echo"), Route(1, Address::local("app")), text(what)};
    co_await node.router.send(std::move(request));
    auto reply = co_await inbox->receive(2s);
    co_return reply && reply->payload == text(what);
  }

  std::shared_ptr<const identity::Identity> hub_identity =
      std::make_shared<identity::Identity>(identity::Identity::generate());
  std::shared_ptr<const identity::Identity> node_identity =
      std::make_shared<identity::Identity>(identity::Identity::generate());
  LoopbackNode hub, node;
  std::shared_ptr<SecureChannelListener> listener;
  std::shared_ptr<Inbox> inbox;
  std::shared_ptr<TcpLink> link;
  std::shared_ptr<HubSession> session;
  std::vector<bool> changes;  // each up/down of the session, as `portico health` would see it
  std::optional<std::chrono::steady_clock::time_point> went_down;
};

TEST(HubSession, TheHubClosingTheChannelIsNoticedAtOnceAndTheNodeOpensANewOne) {
  asio::io_context io;
  HubAndNode fleet(io);
  run_scenario(io, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE(co_await test::eventually([&] { return fleet.session->up(); }, 5s));
    CO_ASSERT_TRUE(co_await fleet.echoes("before"));
    const Address first = fleet.session->channel()->decryptor();
    const auto closed_at = std::chrono::steady_clock::now();
    fleet.listener->close_channels("this node's membership was revoked");
    // The hub's Close arrives under the keys: down well within the heartbeat timeout (400 ms), then up again.
    CO_ASSERT_TRUE(co_await test::eventually([&] { return fleet.went_down.has_value(); }, 2s));
    EXPECT_LT(*fleet.went_down - closed_at, 400ms);
    CO_ASSERT_TRUE(co_await test::eventually([&] { return fleet.changes.size() == 3 && fleet.session->up(); }, 5s));
    EXPECT_NE(fleet.session->channel()->decryptor(), first) << "a new channel";
    EXPECT_TRUE(fleet.link->up()) << "over the same link";
    CO_ASSERT_TRUE(co_await fleet.echoes("after"));
    EXPECT_EQ(fleet.changes, (std::vector<bool>{true, false, true}));
    fleet.hub.stop(), fleet.node.stop();
  }());
}

TEST(HubSession, AHubEndThatVanishesWithoutAWordIsNoticedWithinTheHeartbeatTimeout) {
  asio::io_context io;
  HubAndNode fleet(io);
  fleet.hub.router.set_dead_letters(std::make_shared<ChannelDeadLetters>(fleet.hub.router));
  run_scenario(io, [&]() -> asio::awaitable<void> {
    CO_ASSERT_TRUE(co_await test::eventually([&] { return fleet.session->up(); }, 5s));
    // The hub forgets the channel (as a restarted hub process would, were the link not to drop with it): the
    // node's pings meet refusals and no pongs.
    const Address hub_end = fleet.session->channel()->peer_route().back();
    const auto forgotten_at = std::chrono::steady_clock::now();
    fleet.hub.router.unregister_worker(hub_end);
    fleet.hub.router.unregister_worker(Address::local(hub_end.value + "-enc"));
    CO_ASSERT_TRUE(co_await test::eventually([&] { return fleet.went_down.has_value(); }, 2s));
    EXPECT_LE(*fleet.went_down - forgotten_at, 400ms + 100ms) << "dead_after, and scheduling slack";
    CO_ASSERT_TRUE(co_await test::eventually([&] { return fleet.changes.size() == 3 && fleet.session->up(); }, 5s));
    EXPECT_EQ(fleet.changes, (std::vector<bool>{true, false, true}));
    CO_ASSERT_TRUE(co_await fleet.echoes("again"));
    fleet.hub.stop(), fleet.node.stop();
  }());
}

}  // namespace
}  // namespace portico::channel
