// QuicConnection (core/p2p) between two ends over a simulated network: virtual time, a one-way delay, seeded
// loss and tampering, no sockets. Handshake from a shared path secret, streams intact both ways under loss, a
// wrong secret or forged bytes get nowhere.
#include "p2p/quic_connection.hpp"

#include <gtest/gtest.h>

#include <map>
#include <queue>
#include <random>

#include <sodium.h>

namespace portico::p2p {
namespace {

using namespace std::chrono_literals;
using Time = QuicConnection::Time;

using Key = std::pair<bool, std::int64_t>;  // (the server's end?, stream)
Key at_server(std::int64_t stream) { return {true, stream}; }
Key at_client(std::int64_t stream) { return {false, stream}; }

PathSecret secret_of(std::uint8_t seed) {
  PathSecret secret{};
  for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(seed + i);
  return secret;
}

Bytes pattern(std::size_t size, std::uint32_t seed) {
  Bytes bytes(size);
  std::mt19937 rng(seed);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return bytes;
}

// Two ends joined by a simulated path: every packet takes `delay`; `loss` of them (seeded) vanish; `tamper`
// flips a byte in that share of them instead.
struct Network {
  struct InFlight {
    Time at;
    bool to_server;
    Bytes packet;
    bool operator>(const InFlight& other) const { return at > other.at; }
  };

  Network(PathSecret client_secret, PathSecret server_secret, double loss = 0, double tamper = 0)
      : server_secret(server_secret), loss(loss), tamper(tamper) {
    auto c = QuicConnection::client(client_secret, {}, now);
    EXPECT_TRUE(c.has_value());
    client = std::move(*c);
  }

  void send_all(QuicConnection& from, bool to_server) {
    std::vector<Bytes> packets;
    from.write(packets, now);
    for (auto& packet : packets) {
      ++sent;
      if (chance(rng) < loss) continue;
      if (chance(rng) < tamper) packet[packet.size() / 2] ^= 0x40;
      in_flight.push(InFlight{now + delay, to_server, std::move(packet)});
    }
  }

  void deliver(InFlight& p) {
    if (!p.to_server) {
      (void)client->receive(p.packet, now);
    } else if (server) {
      (void)server->receive(p.packet, now);
    } else if (auto s = QuicConnection::server(server_secret, p.packet, {}, now)) {
      server = std::move(*s);
    }
  }

  // Runs the network until `done` or `limit` of virtual time passes; returns whether `done`.
  template <typename Done>
  bool run(Done done, std::chrono::milliseconds limit = 60s) {
    const Time end = now + limit;
    while (now < end) {
      send_all(*client, true);
      if (server) send_all(*server, false);
      if (done()) return true;
      Time next = std::min(client->next_timer(), server ? server->next_timer() : Time::max());
      if (!in_flight.empty()) next = std::min(next, in_flight.top().at);
      if (next == Time::max()) return done();
      now = std::max(now, next);
      while (!in_flight.empty() && in_flight.top().at <= now) {
        InFlight p = in_flight.top();
        in_flight.pop();
        deliver(p);
      }
      if (client->next_timer() <= now) (void)client->on_timer(now);
      if (server && server->next_timer() <= now) (void)server->on_timer(now);
      pump_streams();
    }
    return done();
  }

  // The application: keeps every stream fed from `to_send`, takes what arrives into `got`.
  void pump_streams() {
    for (auto* end : {client.get(), server.get()}) {
      if (end == nullptr) continue;
      for (auto& d : end->take_received()) {
        auto& into = got[{end == server.get(), d.stream}];
        into.bytes.insert(into.bytes.end(), d.bytes.begin(), d.bytes.end());
        into.fin = into.fin || d.fin;
        end->consumed(d.stream, d.bytes.size());
      }
    }
    for (auto& [key, out] : to_send) {
      QuicConnection* end = key.first ? server.get() : client.get();
      if (end == nullptr || !end->established()) continue;
      const std::size_t n = end->send(key.second, ByteView(out.bytes).subspan(out.at), true);
      out.at += n;
    }
  }

  struct Outgoing {
    Bytes bytes;
    std::size_t at = 0;
  };
  struct Incoming {
    Bytes bytes;
    bool fin = false;
  };

  Time now = Time(1000s);
  std::chrono::milliseconds delay{5};
  PathSecret server_secret;
  double loss, tamper;
  std::mt19937 rng{42};
  std::uniform_real_distribution<double> chance{0.0, 1.0};
  std::unique_ptr<QuicConnection> client, server;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> in_flight;
  std::map<std::pair<bool, std::int64_t>, Outgoing> to_send;  // (from the server?, stream)
  std::map<std::pair<bool, std::int64_t>, Incoming> got;      // (at the server?, stream)
  std::size_t sent = 0;
};

TEST(QuicConnection, TheHandshakeCompletesFromASharedSecretAlone) {
  Network net(secret_of(1), secret_of(1));
  ASSERT_TRUE(net.run([&] { return net.server && net.client->established() && net.server->established(); }, 5s));
  EXPECT_LT(net.now - Time(1000s), 100ms) << "a couple of round trips of 10 ms";
}

TEST(QuicConnection, AStreamCarriesMegabytesBothWaysIntact) {
  Network net(secret_of(2), secret_of(2));
  ASSERT_TRUE(net.run([&] { return net.server && net.client->established() && net.server->established(); }, 5s));
  auto stream = net.client->open_stream();
  ASSERT_TRUE(stream.has_value());
  const Bytes up = pattern(4 << 20, 1), down = pattern(4 << 20, 2);
  net.to_send[at_client(*stream)] = {up};
  net.to_send[at_server(*stream)] = {down};
  ASSERT_TRUE(net.run([&] { return net.got[at_server(*stream)].fin && net.got[at_client(*stream)].fin; }));
  EXPECT_EQ(net.got[at_server(*stream)].bytes, up);
  EXPECT_EQ(net.got[at_client(*stream)].bytes, down);
}

TEST(QuicConnection, StreamsArriveIntactThroughTwoPercentLossAndForgedBytes) {
  Network net(secret_of(3), secret_of(3), 0.02, 0.01);
  ASSERT_TRUE(net.run([&] { return net.server && net.client->established() && net.server->established(); }, 10s));
  std::vector<std::int64_t> streams;
  for (int i = 0; i < 8; ++i) {
    auto stream = net.client->open_stream();
    ASSERT_TRUE(stream.has_value());
    streams.push_back(*stream);
    net.to_send[at_client(*stream)] = {pattern(256 * 1024, 10 + i)};
  }
  ASSERT_TRUE(net.run([&] {
    for (auto s : streams) {
      if (!net.got[at_server(s)].fin) return false;
    }
    return true;
  }));
  for (std::size_t i = 0; i < streams.size(); ++i) {
    EXPECT_EQ(net.got[at_server(streams[i])].bytes, pattern(256 * 1024, 10 + static_cast<std::uint32_t>(i)))
        << "stream " << i;
  }
  EXPECT_FALSE(net.client->closed());
  EXPECT_FALSE(net.server->closed()) << "a forged packet is dropped, never fatal";
}

TEST(QuicConnection, AStreamOfManySmallSendsEndsWithItsLastByte) {
  Network net(secret_of(6), secret_of(6));
  ASSERT_TRUE(net.run([&] { return net.server && net.client->established() && net.server->established(); }, 5s));
  auto stream = net.client->open_stream();
  ASSERT_TRUE(stream.has_value());
  const Bytes all = pattern(40 * 20, 6);
  for (std::size_t i = 0; i < 40; ++i) {
    ASSERT_EQ(net.client->send(*stream, ByteView(all).subspan(i * 20, 20), i == 39), 20u);
  }
  ASSERT_TRUE(net.run([&] { return net.got[at_server(*stream)].fin; }, 5s));
  EXPECT_EQ(net.got[at_server(*stream)].bytes, all) << "the FIN comes with the last of 40 chunks, not the 16th";
}

TEST(QuicConnection, ForgedRetryAndVersionNegotiationPacketsAreDropped) {
  Network net(secret_of(7), secret_of(7));
  // What anyone who saw the client's first packet could send it: Version Negotiation (version 0) and Retry
  // (long header type 3), which need no key. Neither may end, or crash, the connection.
  std::vector<Bytes> first;
  net.client->write(first, net.now);
  ASSERT_FALSE(first.empty());
  Bytes version_negotiation = first[0], retry = first[0];
  version_negotiation[1] = version_negotiation[2] = version_negotiation[3] = version_negotiation[4] = 0;
  retry[0] = static_cast<std::uint8_t>(0xf0 | (retry[0] & 0x0f));
  EXPECT_TRUE(net.client->receive(version_negotiation, net.now));
  EXPECT_TRUE(net.client->receive(retry, net.now));
  EXPECT_FALSE(net.client->closed());
  net.in_flight.push(Network::InFlight{net.now + net.delay, true, first[0]});
  EXPECT_TRUE(net.run([&] { return net.server && net.client->established() && net.server->established(); }, 5s));
}

TEST(QuicConnection, ClosingTellsThePeerAtOnce) {
  Network net(secret_of(8), secret_of(8));
  ASSERT_TRUE(net.run([&] { return net.server && net.client->established() && net.server->established(); }, 5s));
  const Time closed_at = net.now;
  net.client->close();
  EXPECT_TRUE(net.client->closed());
  ASSERT_TRUE(net.run([&] { return net.server->closed(); }, 5s));
  EXPECT_LT(net.now - closed_at, 50ms) << "one one-way delay, not an idle timeout";
}

TEST(QuicConnection, EachConnectionFromOneSecretHasKeysOfItsOwn) {
  PathSecret secret = secret_of(9);
  const Bytes a(64, 1), b(64, 2);
  const auto one = derive_keys(secret, QuicLevel::application, QuicDirection::client_to_server, a.data(), a.size());
  const auto two = derive_keys(secret, QuicLevel::application, QuicDirection::client_to_server, b.data(), b.size());
  const auto other_way = derive_keys(secret, QuicLevel::application, QuicDirection::server_to_client, a.data(), a.size());
  const auto other_level = derive_keys(secret, QuicLevel::handshake, QuicDirection::client_to_server, a.data(), a.size());
  EXPECT_NE(one.key, two.key);
  EXPECT_NE(one.iv, two.iv);
  EXPECT_NE(one.key, other_way.key);
  EXPECT_NE(one.key, other_level.key);
  EXPECT_EQ(one.key, derive_keys(secret, QuicLevel::application, QuicDirection::client_to_server, a.data(), a.size()).key);
}

TEST(QuicConnection, AnEndWithoutTheSecretGetsNowhere) {
  Network net(secret_of(4), secret_of(5));
  EXPECT_FALSE(net.run([&] { return net.client->established() || (net.server && net.server->established()); }, 20s));
  EXPECT_TRUE(net.client->closed()) << "the handshake timed out";
}

}  // namespace
}  // namespace portico::p2p
