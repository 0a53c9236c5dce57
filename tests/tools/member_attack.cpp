// member_attack: a hostile fleet member for the trust-boundary tests. It joins a hub exactly as a node does (its
// own identity in DATA_DIR, a Noise channel to the hub pinned to HUB_ID, enrollment with TOKEN or "-" for the
// stored credential) and then sends what a stolen device could send, printing what came back. It speaks the
// protocol with core's own classes; no `portico send`.
//
//   member_attack HUB DATA_DIR TOKEN ACTION [ARGS...]
//     enroll                        enroll (or refresh) and exit: 0 a member, 5 refused
//     register NAME [COUNT]         register NAME (COUNT > 0: NAME-0 .. NAME-<COUNT-1>); 0 all registered, 3 any refused
//     squat NAME SECONDS            keep registering NAME every 20 ms for SECONDS, across hub restarts; 0 when it
//                                   ever got the name (the hijack worked), 3 when never
//     send HOPS [COUNT]             COUNT messages along [hub, HOPS...] (HOPS: comma-separated, e.g. 1#127.0.0.1:9)
//     forge-enrolled HOPS SUBJECT   an Enrolled answer with a forged credential for SUBJECT (issuer: the hub,
//                                   signed by this member) along [hub, HOPS...]
//     forge-file PATH SUBJECT       writes such a forged credential to PATH (a node's data dir)
//     peek NAME                     open an end-to-end channel through relay NAME and print the route the
//                                   outlet's answer came back by ("route: a => b => c")
// Exit 4: the hub channel did not come up, 6: usage.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "channel/hub_session.hpp"
#include "identity/enrollment_client.hpp"
#include "identity/enrollment_messages.hpp"
#include "identity/enrollment_service.hpp"
#include "identity/enrollment_token.hpp"
#include "identity/token_store.hpp"
#include "identity/vault.hpp"
#include "relay/relay_messages.hpp"
#include "routing/workers.hpp"
#include "transport/tcp_transport.hpp"

using namespace portico;

namespace {

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

struct Attack {
  asio::io_context io;
  Router router;
  TcpTransport tcp{io.get_executor(), router};
  std::shared_ptr<channel::HubSession> session;
  std::shared_ptr<Inbox> inbox;
  std::shared_ptr<const identity::Identity> me;
  std::string hub_id;
  identity::Vault vault{"."};
  int code = 0;

  asio::awaitable<void> pause(std::chrono::milliseconds ms) {
    asio::steady_timer timer(io, ms);
    co_await timer.async_wait(kUseTuple);
  }
  asio::awaitable<bool> wait_up(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!session->up() && std::chrono::steady_clock::now() < deadline) co_await pause(std::chrono::milliseconds(10));
    co_return session->up();
  }
  // Callers pass named values: GCC 12 destroys some temporaries of a co_await expression twice.
  asio::awaitable<std::optional<relay::RelayMessage>> ask_relay(const relay::RelayMessage& request, std::chrono::milliseconds limit) {
    Message message{session->route_to(relay::kServiceAddress), Route{Address::local("relay-client")}, relay::encode(request)};
    co_await router.send(std::move(message));
    auto answer = co_await inbox->receive(limit);
    if (!answer) co_return std::nullopt;
    auto decoded = relay::decode_relay_message(answer->payload);
    if (!decoded) co_return std::nullopt;
    co_return *decoded;
  }
  asio::awaitable<int> register_name(const std::string& name) {
    const relay::RelayMessage request = relay::Register{name, me->identifier()};
    auto answer = co_await ask_relay(request, std::chrono::seconds(3));
    if (!answer) {
      std::printf("no answer for %s\n", name.c_str());
      co_return 4;
    }
    if (std::holds_alternative<relay::Registered>(*answer)) {
      std::printf("registered %s\n", name.c_str());
      co_return 0;
    }
    if (auto* refused = std::get_if<relay::Refused>(&*answer)) std::printf("refused %s: %s\n", name.c_str(), refused->reason.c_str());
    co_return 3;
  }
  Route hops_after_hub(const std::string& text) {
    auto hops = parse_route(text);
    if (!hops) {
      std::fprintf(stderr, "member_attack: '%s' is not a route\n", text.c_str());
      std::exit(6);
    }
    Route route = session->route_to(hops->front().value);
    if (!hops->front().is_local()) route.back() = hops->front();
    route.insert(route.end(), hops->begin() + 1, hops->end());
    return route;
  }
};

asio::awaitable<void> run(Attack& a, std::optional<identity::EnrollmentToken> token, std::vector<std::string> args) {
  if (!co_await a.wait_up(std::chrono::seconds(10))) {
    std::printf("no hub channel\n");
    a.code = 4;
    co_return;
  }
  if (token) {
    std::string refusal;
    auto credential = co_await identity::request_credential(a.router, a.session->route_to(identity::kEnrollAddress),
                                                            token->secret, std::chrono::seconds(5), &refusal);
    if (!credential) {
      std::printf("enrollment refused: %s %s\n", credential.error().message().c_str(), refusal.c_str());
      a.code = 5;
      co_return;
    }
    (void)a.vault.save_credential(*credential);
    (void)a.vault.save_hub_identity(a.hub_id);
    a.session->set_credential(identity::encode_credential(*credential));
    a.session->reopen("enrolled");
    co_await a.pause(std::chrono::milliseconds(50));
    if (!co_await a.wait_up(std::chrono::seconds(10))) {
      a.code = 4;
      co_return;
    }
    std::printf("enrolled as %s\n", a.me->identifier().c_str());
  }
  const std::string action = args[0];
  if (action == "enroll") {
    a.code = 0;
  } else if (action == "register" && args.size() >= 2) {
    const int count = args.size() > 2 ? std::atoi(args[2].c_str()) : 0;
    a.code = 0;
    for (int i = 0; i < std::max(count, 1); ++i) {
      const std::string name = count > 0 ? args[1] + "-" + std::to_string(i) : args[1];
      const int got = co_await a.register_name(name);
      if (got != 0) a.code = got;
    }
  } else if (action == "squat" && args.size() == 3) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(args[2].c_str()));
    a.code = 3;
    int tries = 0, refusals = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!a.session->up()) {
        co_await a.pause(std::chrono::milliseconds(2));
        continue;
      }
      ++tries;
      const relay::RelayMessage request = relay::Register{args[1], a.me->identifier()};
      auto answer = co_await a.ask_relay(request, std::chrono::milliseconds(200));
      if (answer && std::holds_alternative<relay::Registered>(*answer)) {
        std::printf("registered %s: hijacked\n", args[1].c_str());
        a.code = 0;
        break;
      }
      if (answer && std::holds_alternative<relay::Refused>(*answer) && refusals++ == 0) {
        std::printf("refused %s: %s\n", args[1].c_str(), std::get<relay::Refused>(*answer).reason.c_str());
      }
      co_await a.pause(std::chrono::milliseconds(20));
    }
    std::printf("squat: %d tries, %d refusals\n", tries, refusals);
  } else if (action == "send" && args.size() >= 2) {
    const int count = args.size() > 2 ? std::atoi(args[2].c_str()) : 1;
    for (int i = 0; i < count; ++i) {
      Message message{a.hops_after_hub(args[1]), Route{Address::local("relay-client")},
                      Bytes{'P', 'I', 'N', 'G', '\r', '\n'}};
      co_await a.router.send(std::move(message));
    }
    std::printf("sent %d\n", count);
  } else if (action == "forge-enrolled" && args.size() == 3) {
    const std::uint64_t now = identity::system_now();
    auto forged = identity::issue_credential(*a.me, args[2], {{"role", "operator"}}, now, now + 3650ULL * 24 * 3600);
    forged.issuer = a.hub_id;  // claims the hub; signed by this member
    Message message{a.hops_after_hub(args[1]), Route{Address::local("relay-client")},
                    identity::encode(identity::EnrollmentMessage{identity::Enrolled{identity::encode_credential(forged)}})};
    co_await a.router.send(std::move(message));
    std::printf("sent a forged Enrolled for %s\n", args[2].c_str());
  } else if (action == "forge-file" && args.size() == 3) {
    const std::uint64_t now = identity::system_now();
    auto forged = identity::issue_credential(*a.me, args[2], {{"role", "operator"}}, now, now + 3650ULL * 24 * 3600);
    forged.issuer = a.hub_id;
    a.code = identity::write_private_file(args[1], identity::encode_credential(forged)) ? 6 : 0;
    std::printf("wrote a forged credential for %s to %s\n", args[2].c_str(), args[1].c_str());
  } else if (action == "peek" && args.size() == 2) {
    Route to_listener = a.session->route_to(std::string(relay::kRelayAddressPrefix) + args[1]);
    to_listener.push_back(Address::local("secure"));
    auto channel = channel::SecureChannel::initiate(
        a.io.get_executor(), a.router, std::move(to_listener),
        {.identity = a.me, .policy = {.authority = a.session->hub()->identity_key}, .handshake_timeout = std::chrono::seconds(5)});
    const bool ok = co_await channel->established();
    std::printf("route: %s (%s)\n", to_string(channel->peer_route()).c_str(), ok ? "established" : channel->failure().c_str());
    a.code = channel->peer_route().size() > 1 ? 0 : 4;
  } else {
    std::fprintf(stderr, "member_attack: unknown action or arguments\n");
    a.code = 6;
  }
  co_await a.pause(std::chrono::milliseconds(300));  // let the last messages leave
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: member_attack HUB DATA_DIR TOKEN|- ACTION [ARGS...]\n");
    return 6;
  }
  Attack a;
  a.router.register_transport(transport_type::kTcp, a.tcp);
  auto identity = identity::Vault(argv[2]).load_or_create_identity();
  if (!identity) return 6;
  a.me = std::make_shared<const identity::Identity>(std::move(*identity));
  std::optional<identity::EnrollmentToken> token;
  if (std::string(argv[3]) != "-") {
    auto parsed = identity::parse_enrollment_token(argv[3]);
    if (!parsed) return 6;
    token = *parsed;
    a.hub_id = parsed->hub_identifier;
  } else if (auto pinned = identity::Vault(argv[2]).load_hub_identity()) {
    a.hub_id = *pinned;  // "-": the hub and credential kept from an earlier run (after `portico revoke`, say)
  }
  a.vault = identity::Vault(argv[2]);
  a.inbox = std::make_shared<Inbox>(a.io.get_executor(), 64);
  a.router.register_worker(Address::local("relay-client"), a.inbox);
  a.session = channel::HubSession::start(a.tcp.connect(argv[1]), a.router,
                                         {.channel = {.identity = a.me}, .hub_identifier = a.hub_id, .hub_name = argv[1]});
  if (auto stored = a.vault.load_credential(); stored && !token) a.session->set_credential(identity::encode_credential(*stored));
  std::vector<std::string> args(argv + 4, argv + argc);
  asio::co_spawn(a.io, [&]() -> asio::awaitable<void> {
    co_await run(a, token, args);
    a.tcp.stop();
    a.io.stop();
  }, asio::detached);
  a.io.run();
  return a.code;
}
