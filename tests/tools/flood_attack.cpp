// flood_attack: a hostile member of the fleet, for tests/system/agent_flood_test.sh. It uses the identity and
// credential an ordinary `portico` node stored in DATA_DIR when it enrolled (so it is a real member, e.g. with
// role=device), opens its own secure channel to the hub, and then sends first Noise XX handshake messages to
// the listener of the outlet behind relay NAME, RATE a second for SECONDS: the messages the outlet's OCKAM_ALLOW
// would refuse at the end of each handshake, sent so that none ever finishes. Replies are dropped.
//
//   flood_attack HUB_HOST:PORT DATA_DIR RELAY_NAME RATE SECONDS
//
// Prints "hub channel up" once it is a member, then "sent N first handshake messages in S s".

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <sodium.h>

#include "channel/channel_messages.hpp"
#include "channel/hub_session.hpp"
#include "identity/credential.hpp"
#include "identity/vault.hpp"
#include "relay/relay_messages.hpp"
#include "routing/router.hpp"
#include "transport/tcp_transport.hpp"

using namespace portico;

namespace {

// Drops whatever comes back (the outlet's second handshake messages).
class Sink final : public Worker {
 public:
  asio::awaitable<void> handle_message(Message) override { co_return; }
};

asio::awaitable<void> flood(asio::io_context& io, Router& router, std::shared_ptr<channel::HubSession> hub,
                            std::string relay, double rate, double seconds, TcpTransport& tcp) {
  asio::steady_timer tick(io);
  const auto start = std::chrono::steady_clock::now();
  while (!hub->up()) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(15)) {
      std::fprintf(stderr, "flood_attack: no channel to the hub within 15 s\n");
      std::exit(1);
    }
    tick.expires_after(std::chrono::milliseconds(20));
    co_await tick.async_wait(asio::use_awaitable);
  }
  std::printf("hub channel up\n");
  std::fflush(stdout);
  const auto began = std::chrono::steady_clock::now();
  std::uint64_t sent = 0;
  for (;;) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    if (elapsed >= seconds) break;
    const auto due = static_cast<std::uint64_t>(elapsed * rate);
    while (sent < due) {
      Route to_listener = hub->route_to(std::string(relay::kRelayAddressPrefix) + relay);
      to_listener.push_back(Address::local("secure"));
      Bytes payload(33);
      payload[0] = channel::kHandshakeType;
      randombytes_buf(payload.data() + 1, 32);  // a fresh ephemeral key: -> e
      Message m1{std::move(to_listener), Route(1, Address::local("sink")), std::move(payload)};
      co_await router.send(std::move(m1));
      ++sent;
    }
    tick.expires_after(std::chrono::milliseconds(5));
    co_await tick.async_wait(asio::use_awaitable);
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::printf("sent %llu first handshake messages in %.1f s\n", static_cast<unsigned long long>(sent), elapsed);
  std::fflush(stdout);
  hub->stop();
  tcp.stop();
  io.stop();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: flood_attack HUB_HOST:PORT DATA_DIR RELAY_NAME RATE SECONDS\n");
    return 2;
  }
  if (sodium_init() < 0) return 1;
  identity::Vault vault(argv[2]);
  auto me = vault.load_or_create_identity();
  auto credential = vault.load_credential();
  auto hub_identifier = vault.load_hub_identity();
  if (!me || !credential || !hub_identifier) {
    std::fprintf(stderr, "flood_attack: %s holds no enrolled node (identity, credential, hub identity)\n", argv[2]);
    return 1;
  }
  asio::io_context io;
  Router router;
  TcpTransport tcp(io.get_executor(), router);
  router.register_transport(transport_type::kTcp, tcp);
  router.register_worker(Address::local("sink"), std::make_shared<Sink>());
  auto link = tcp.connect(argv[1]);
  auto hub = channel::HubSession::start(link, router, {
      .channel = {.identity = std::make_shared<const identity::Identity>(std::move(*me)),
                  .credential = identity::encode_credential(*credential)},
      .hub_identifier = *hub_identifier,
      .hub_name = std::string("hub ") + argv[1],
  });
  asio::co_spawn(io, flood(io, router, hub, argv[3], std::atof(argv[4]), std::atof(argv[5]), tcp), asio::detached);
  io.run();
  return 0;
}
