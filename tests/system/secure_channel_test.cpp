// Secure channels over real loopback links: handshake through routing messages, identities and credentials
// checked against each side's policy, data both ways, and nothing without the keys ending an established channel.

#include "channel/secure_channel.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "channel/dead_letters.hpp"
#include "identity/credential.hpp"
#include "support/loopback_node.hpp"

namespace portico::channel {
namespace {

using namespace std::chrono_literals;
using test::LoopbackNode;
using test::run_scenario;
using test::text;

struct Fleet {
  identity::Identity hub = identity::Identity::generate();
  std::shared_ptr<const identity::Identity> device = std::make_shared<identity::Identity>(identity::Identity::generate());
  std::shared_ptr<const identity::Identity> operator_node =
      std::make_shared<identity::Identity>(identity::Identity::generate());
  static constexpr std::uint64_t kNow = 1'800'000'000;

  Bytes credential_for(const identity::Identity& who, std::uint64_t expires = kNow + 3600) const {
    return identity::encode_credential(
        identity::issue_credential(hub, who.identifier(), {{"role", "member"}}, kNow - 60, expires));
  }
  // The device (outlet side) accepts members of the hub.
  ChannelOptions device_options() const {
    return {.identity = device, .credential = credential_for(*device),
            .policy = {.authority = hub.public_key(), .expected_identifier = {}, .required_attributes = {}},
            .aes_hardware = false, .handshake_timeout = 2s, .clock = [] { return kNow; }};
  }
  // The operator (inlet side) accepts only the device it means to reach.
  ChannelOptions operator_options(Bytes credential) const {
    return {.identity = operator_node, .credential = std::move(credential),
            .policy = {.authority = {}, .expected_identifier = device->identifier(), .required_attributes = {}},
            .aes_hardware = false, .handshake_timeout = 2s, .clock = [] { return kNow; }};
  }
};

// A channel from `from` to the listener on `to`.
std::shared_ptr<SecureChannel> connect(LoopbackNode& from, const LoopbackNode& to, ChannelOptions options) {
  return SecureChannel::initiate(from.tcp_executor(), from.router, Route{to.address(), Address::local("secure")},
                                 std::move(options));
}

TEST(SecureChannel, MembersTalkThroughTheChannelBothWays) {
  asio::io_context io;
  Fleet fleet;
  LoopbackNode device(io), op(io);
  device.add_echo();
  SecureChannelListener::start(io.get_executor(), device.router, fleet.device_options());
  auto inbox = op.add_inbox(io, "app");
  run_scenario(io, [&]() -> asio::awaitable<void> {
    auto channel = connect(op, device, fleet.operator_options(fleet.credential_for(*fleet.operator_node)));
    CO_ASSERT_TRUE(co_await channel->established());
    CO_ASSERT_TRUE(channel->peer().has_value());
    EXPECT_EQ(channel->peer()->identifier, fleet.device->identifier());
    for (int i = 0; i < 200; ++i) {
      Message request{Route{channel->encryptor(), Address::local("echo")}, Route(1, Address::local("app")),
                      text("secret " + std::to_string(i))};
      co_await op.router.send(std::move(request));
      auto reply = co_await inbox->receive(3s);
      CO_ASSERT_TRUE(reply.has_value());
      EXPECT_EQ(reply->payload, text("secret " + std::to_string(i)));
      // The reply came back through the channel: its return route starts at our encryptor.
      EXPECT_EQ(reply->return_route.front(), channel->encryptor());
    }
    op.stop(), device.stop();
  }());
}

// AES-256-GCM only when both ends have AES hardware; any Pi on either end means ChaCha20-Poly1305.
TEST(SecureChannel, CipherIsAesOnlyWhenBothEndsHaveAesHardware) {
  for (const auto& [device_aes, operator_aes] : {std::pair{true, true}, std::pair{true, false},
                                                 std::pair{false, true}, std::pair{false, false}}) {
    asio::io_context io;
    Fleet fleet;
    LoopbackNode device(io), op(io);
    device.add_echo();
    ChannelOptions device_options = fleet.device_options();
    device_options.aes_hardware = device_aes;
    auto listener = SecureChannelListener::start(io.get_executor(), device.router, device_options);
    auto inbox = op.add_inbox(io, "app");
    run_scenario(io, [&]() -> asio::awaitable<void> {
      ChannelOptions mine = fleet.operator_options(fleet.credential_for(*fleet.operator_node));
      mine.aes_hardware = operator_aes;
      auto channel = connect(op, device, mine);
      CO_ASSERT_TRUE(co_await channel->established());
      const CipherKind expected = device_aes && operator_aes ? CipherKind::aes_gcm : CipherKind::chacha_poly;
      EXPECT_EQ(channel->cipher(), expected) << device_aes << operator_aes;
      Message request{Route{channel->encryptor(), Address::local("echo")}, Route(1, Address::local("app")),
                      text("either way")};
      co_await op.router.send(std::move(request));
      auto reply = co_await inbox->receive(3s);
      CO_ASSERT_TRUE(reply.has_value());
      EXPECT_EQ(reply->payload, text("either way"));
      op.stop(), device.stop();
    }());
  }
}

TEST(SecureChannel, NodeWithoutCredentialIsRefusedAndTold) {
  asio::io_context io;
  Fleet fleet;
  LoopbackNode device(io), op(io);
  SecureChannelListener::start(io.get_executor(), device.router, fleet.device_options());
  run_scenario(io, [&]() -> asio::awaitable<void> {
    auto channel = connect(op, device, fleet.operator_options({}));
    EXPECT_FALSE(co_await channel->established());
    EXPECT_NE(channel->failure().find("refused by the peer"), std::string::npos) << channel->failure();
    EXPECT_NE(channel->failure().find("no credential"), std::string::npos) << channel->failure();
    op.stop(), device.stop();
  }());
}

TEST(SecureChannel, ExpiredCredentialIsRefused) {
  asio::io_context io;
  Fleet fleet;
  LoopbackNode device(io), op(io);
  SecureChannelListener::start(io.get_executor(), device.router, fleet.device_options());
  run_scenario(io, [&]() -> asio::awaitable<void> {
    auto channel = connect(op, device, fleet.operator_options(fleet.credential_for(*fleet.operator_node, Fleet::kNow - 1)));
    EXPECT_FALSE(co_await channel->established());
    EXPECT_NE(channel->failure().find("expired"), std::string::npos) << channel->failure();
    op.stop(), device.stop();
  }());
}

TEST(SecureChannel, InitiatorRefusesAnImpostor) {
  asio::io_context io;
  Fleet fleet;
  LoopbackNode impostor(io), op(io);
  ChannelOptions impostor_options = fleet.device_options();
  impostor_options.identity = std::make_shared<identity::Identity>(identity::Identity::generate());
  SecureChannelListener::start(io.get_executor(), impostor.router, impostor_options);
  run_scenario(io, [&]() -> asio::awaitable<void> {
    auto channel = connect(op, impostor, fleet.operator_options(fleet.credential_for(*fleet.operator_node)));
    EXPECT_FALSE(co_await channel->established());
    EXPECT_NE(channel->failure().find("not the identity this node expects"), std::string::npos) << channel->failure();
    op.stop(), impostor.stop();
  }());
}

// Nobody who lacks the channel's keys can end it: forged, truncated and replayed records, a forged Close and an
// unauthenticated refusal sent to either end of an established channel are dropped (the refusal costs a probe
// that the peer answers under the keys), and the channel carries on.
TEST(SecureChannel, ForgedRecordsAndRefusalsDoNotEndAnEstablishedChannel) {
  asio::io_context io;
  Fleet fleet;
  LoopbackNode device(io), op(io);
  device.add_echo();
  ChannelOptions device_options = fleet.device_options();
  device_options.probe_timeout = 300ms;
  SecureChannelListener::start(io.get_executor(), device.router, device_options);
  auto inbox = op.add_inbox(io, "app");
  run_scenario(io, [&]() -> asio::awaitable<void> {
    ChannelOptions mine = fleet.operator_options(fleet.credential_for(*fleet.operator_node));
    mine.probe_timeout = 300ms;
    auto channel = connect(op, device, mine);
    CO_ASSERT_TRUE(co_await channel->established());
    auto echoes = [&](const std::string& what) -> asio::awaitable<bool> {
      Message request{Route{channel->encryptor(), Address::local("echo")}, Route(1, Address::local("app")), text(what)};
      co_await op.router.send(std::move(request));
      auto reply = co_await inbox->receive(3s);
      co_return reply && reply->payload == text(what);
    };
    Bytes forged{0x02, 0, 0, 0, 0, 0, 0, 0, 0};
    forged.resize(forged.size() + 40, 0x5a);
    Bytes forged_close = forged;
    forged_close[0] = 0x06;
    for (const Bytes& attack : {forged, Bytes{0x02, 0, 0, 0}, forged_close, Bytes{0x03, 'g', 'o', 'n', 'e'}}) {
      // To the device's end over the link, and to this node's own end.
      Message there{channel->peer_route(), Route(1, Address::local("attacker")), attack};
      co_await op.router.send(std::move(there));
      Message here{Route{channel->decryptor()}, Route(1, Address::local("attacker")), attack};
      here.origin = std::make_shared<const MessageOrigin>();
      co_await op.router.send(std::move(here));
    }
    CO_ASSERT_TRUE(co_await echoes("still here"));
    // Past the probe timeout: the refusals were answered under the keys, so nothing closed.
    asio::steady_timer past(co_await asio::this_coro::executor, 600ms);
    co_await past.async_wait(asio::use_awaitable);
    EXPECT_EQ(channel->state(), SecureChannel::State::established) << channel->failure();
    EXPECT_GE(channel->records_rejected(), 3u);
    EXPECT_EQ(channel->refusals_seen(), 1u);
    CO_ASSERT_TRUE(co_await echoes("and still"));
    op.stop(), device.stop();
  }());
}

// A channel whose far end is really gone (its node forgot it) heals: the refusal goes unanswered under the keys,
// and the channel closes within the probe timeout with the refusal's reason.
TEST(SecureChannel, AChannelWhoseFarEndIsGoneClosesWhenTheRefusalGoesUnanswered) {
  asio::io_context io;
  Fleet fleet;
  LoopbackNode device(io), op(io);
  device.router.set_dead_letters(std::make_shared<ChannelDeadLetters>(device.router));
  SecureChannelListener::start(io.get_executor(), device.router, fleet.device_options());
  run_scenario(io, [&]() -> asio::awaitable<void> {
    ChannelOptions mine = fleet.operator_options(fleet.credential_for(*fleet.operator_node));
    mine.probe_timeout = 300ms;
    auto channel = connect(op, device, mine);
    CO_ASSERT_TRUE(co_await channel->established());
    const Address far_end = channel->peer_route().back();
    device.router.unregister_worker(far_end);
    const auto sent_at = std::chrono::steady_clock::now();
    Message lost{Route{channel->encryptor(), Address::local("echo")}, Route(1, Address::local("app")), text("x")};
    co_await op.router.send(std::move(lost));
    CO_ASSERT_TRUE(co_await test::eventually([&] { return channel->state() == SecureChannel::State::closed; }, 3s));
    EXPECT_LT(std::chrono::steady_clock::now() - sent_at, 1s);
    EXPECT_EQ(channel->failure().find("refused by the peer: no such channel any more"), 0u) << channel->failure();
    op.stop(), device.stop();
  }());
}

// What a decrypted message says about its sender (for the node's admission rule), and a fresh credential
// presented on the open channel replacing the membership it had at the handshake.
TEST(SecureChannel, DecryptedMessagesCarryTheVerifiedPeerAndAFreshCredentialUpdatesIt) {
  asio::io_context io;
  Fleet fleet;
  LoopbackNode device(io), op(io);
  device.add_echo();
  std::vector<MessageOrigin> seen;
  device.router.set_admission([&](const Message& m) {
    if (m.origin->kind == MessageOrigin::Kind::channel) seen.push_back(*m.origin);
    return std::string();
  });
  SecureChannelListener::start(io.get_executor(), device.router, fleet.device_options());
  auto inbox = op.add_inbox(io, "app");
  run_scenario(io, [&]() -> asio::awaitable<void> {
    auto channel = connect(op, device, fleet.operator_options(fleet.credential_for(*fleet.operator_node)));
    CO_ASSERT_TRUE(co_await channel->established());
    Message first{Route{channel->encryptor(), Address::local("echo")}, Route(1, Address::local("app")), text("one")};
    co_await op.router.send(std::move(first));
    CO_ASSERT_TRUE((co_await inbox->receive(3s)).has_value());
    CO_ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].peer, fleet.operator_node->identifier());
    EXPECT_TRUE(seen[0].member);
    EXPECT_TRUE(seen[0].accepted_here);
    EXPECT_EQ(seen[0].member_until, Fleet::kNow + 3600);
    EXPECT_EQ(seen[0].attributes.at("role"), "member");

    channel->present_credential(fleet.credential_for(*fleet.operator_node, Fleet::kNow + 7200));
    Message second{Route{channel->encryptor(), Address::local("echo")}, Route(1, Address::local("app")), text("two")};
    co_await op.router.send(std::move(second));
    CO_ASSERT_TRUE((co_await inbox->receive(3s)).has_value());
    CO_ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[1].member_until, Fleet::kNow + 7200) << "the update did not replace the membership";
    EXPECT_EQ(channel->state(), SecureChannel::State::established);

    // A credential for somebody else closes the channel.
    channel->present_credential(fleet.credential_for(*fleet.device, Fleet::kNow + 7200));
    Message third{Route{channel->encryptor(), Address::local("echo")}, Route(1, Address::local("app")), text("three")};
    co_await op.router.send(std::move(third));
    EXPECT_FALSE((co_await inbox->receive(500ms)).has_value());
    EXPECT_EQ(seen.size(), 2u);
    op.stop(), device.stop();
  }());
}

TEST(SecureChannel, AChannelNobodyUsesClosesAfterItsIdleTimeout) {
  asio::io_context io;
  Fleet fleet;
  LoopbackNode device(io), op(io);
  SecureChannelListener::start(io.get_executor(), device.router, fleet.device_options());
  run_scenario(io, [&]() -> asio::awaitable<void> {
    ChannelOptions options = fleet.operator_options(fleet.credential_for(*fleet.operator_node));
    options.idle_timeout = 300ms;
    auto channel = connect(op, device, std::move(options));
    CO_ASSERT_TRUE(co_await channel->established());
    CO_ASSERT_TRUE(co_await test::eventually([&] { return channel->state() == SecureChannel::State::closed; }, 3s));
    EXPECT_NE(channel->failure().find("nothing received"), std::string::npos) << channel->failure();
    op.stop(), device.stop();
  }());
}

}  // namespace
}  // namespace portico::channel
