// QuicSession (core/p2p/quic_session.hpp): a QuicConnection on the io_context whose one stream is a ByteStream.
// Two sessions in one process, their packets carried by a function that may lose some: bytes cross both ways
// intact and in order, a TcpLink runs over the stream as over a socket, and an end that closes fails the other
// end's waits at once.
#include "p2p/quic_session.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <gtest/gtest.h>

#include "routing/router.hpp"
#include "routing/workers.hpp"
#include "transport/tcp_link.hpp"

namespace portico::p2p {
namespace {

using namespace std::chrono_literals;

PathSecret secret_of(std::uint8_t seed) {
  PathSecret s{};
  s.fill(seed);
  return s;
}

// A client and a server, the server made of the client's first packet. `lose(n)` drops the n-th packet either way.
struct Pair {
  explicit Pair(asio::io_context& io, std::function<bool(std::size_t)> lose = [](std::size_t) { return false; })
      : io(io), lose(std::move(lose)) {
    client = *QuicSession::client(io.get_executor(), secret_of(3), "server", [this](ByteView p) { carry(true, p); });
    client->on_stream([this](std::unique_ptr<ByteStream> s) { client_stream = std::move(s); });
  }
  void carry(bool to_server, ByteView packet) {
    if (lose(carried++)) return;
    asio::post(io, [this, to_server, packet = Bytes(packet.begin(), packet.end())] {
      if (!to_server) {
        client->receive(packet);
      } else if (server) {
        server->receive(packet);
      } else if (auto made = QuicSession::server(io.get_executor(), secret_of(3), packet, "client",
                                                 [this](ByteView p) { carry(false, p); })) {
        server = *made;
        server->on_stream([this](std::unique_ptr<ByteStream> s) { server_stream = std::move(s); });
      }
    });
  }
  asio::io_context& io;
  std::function<bool(std::size_t)> lose;
  std::size_t carried = 0;
  std::shared_ptr<QuicSession> client, server;
  std::unique_ptr<ByteStream> client_stream, server_stream;
};

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((i * 131 + seed) ^ (i >> 9));
  return out;
}

asio::awaitable<void> send_all(ByteStream& to, const Bytes& data) {
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(data.size() - at, 1000 + at % 70000);  // every size of write
    asio::const_buffer buffer(data.data() + at, n);
    EXPECT_FALSE(co_await to.write_all(std::span(&buffer, 1)));
    at += n;
  }
  to.shutdown_send();
}

asio::awaitable<Bytes> read_all(ByteStream& from) {
  Bytes out;
  std::array<std::uint8_t, 16384> buffer{};
  for (;;) {
    auto [ec, n] = co_await from.read_some(buffer);
    if (ec) break;
    out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
  }
  co_return out;
}

// Runs `io` until `done` or 30 s, whichever first (the bound only stops a broken test).
void run_until(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
}

void transfer(Pair& pair, std::size_t bytes) {
  asio::io_context& io = pair.io;
  run_until(io, [&] { return pair.client_stream != nullptr; });
  ASSERT_TRUE(pair.client_stream);
  const Bytes up = pattern(bytes, 1), down = pattern(bytes / 2, 2);
  std::optional<Bytes> at_server, at_client;
  asio::co_spawn(io, send_all(*pair.client_stream, up), asio::detached);
  run_until(io, [&] { return pair.server_stream != nullptr; });
  ASSERT_TRUE(pair.server_stream);
  asio::co_spawn(io, send_all(*pair.server_stream, down), asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { at_server = co_await read_all(*pair.server_stream); },
                 asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { at_client = co_await read_all(*pair.client_stream); },
                 asio::detached);
  run_until(io, [&] { return at_server && at_client; });
  ASSERT_TRUE(at_server && at_client);
  EXPECT_TRUE(*at_server == up) << at_server->size() << " of " << up.size() << " bytes";
  EXPECT_TRUE(*at_client == down) << at_client->size() << " of " << down.size() << " bytes";
}

TEST(QuicSession, BytesCrossBothWaysIntactAndEndCleanly) {
  asio::io_context io;
  Pair pair(io);
  transfer(pair, 8 * 1024 * 1024);
}

TEST(QuicSession, LostPacketsAreResent) {
  asio::io_context io;
  Pair pair(io, [](std::size_t n) { return n > 4 && n % 37 == 0; });  // 2.7 % of packets, the handshake spared
  transfer(pair, 1024 * 1024);
}

TEST(QuicSession, ATcpLinkRunsOverTheStream) {
  asio::io_context io;
  Pair pair(io);
  run_until(io, [&] { return pair.client_stream != nullptr; });
  ASSERT_TRUE(pair.client_stream);
  Router a, b;
  auto link_a = std::make_shared<TcpLink>(io.get_executor(), a, Address::local("direct-a"), "b", TcpOptions{});
  auto link_b = std::make_shared<TcpLink>(io.get_executor(), b, Address::local("direct-b"), "a", TcpOptions{});
  a.register_worker(link_a->address(), link_a);
  b.register_worker(link_b->address(), link_b);
  b.register_worker(Address::local("echo"), std::make_shared<EchoWorker>(b, Address::local("echo")));
  auto inbox = std::make_shared<Inbox>(io.get_executor(), 8);
  a.register_worker(Address::local("inbox"), inbox);
  asio::co_spawn(io, link_a->run_session(std::move(pair.client_stream)), asio::detached);
  std::optional<std::optional<Message>> echoed;
  Message hello{Route{link_a->address(), Address::local("echo")}, Route{Address::local("inbox")}, Bytes{'h', 'i'}};
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    co_await a.send(std::move(hello));
    echoed = co_await inbox->receive(10s);
  }, asio::detached);
  run_until(io, [&] { return pair.server_stream != nullptr; });  // the link's first frame opened the stream
  ASSERT_TRUE(pair.server_stream);
  asio::co_spawn(io, link_b->run_session(std::move(pair.server_stream)), asio::detached);
  run_until(io, [&] { return echoed.has_value(); });
  ASSERT_TRUE(echoed && *echoed);
  EXPECT_EQ((*echoed)->payload, (Bytes{'h', 'i'}));
  link_a->close(), link_b->close();
  pair.client->close();
  io.run_for(100ms);
}

TEST(QuicSession, ClosingFailsThePeersWaitsAtOnce) {
  asio::io_context io;
  Pair pair(io);
  run_until(io, [&] { return pair.client_stream != nullptr; });
  asio::const_buffer hello("x", 1);
  std::optional<std::error_code> write_result, wait_result;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { write_result = co_await pair.client_stream->write_all(std::span(&hello, 1)); },
                 asio::detached);
  run_until(io, [&] { return pair.server_stream != nullptr; });
  ASSERT_TRUE(pair.server_stream);
  std::array<std::uint8_t, 8> buffer{};
  std::error_code ec;
  run_until(io, [&] { return pair.server_stream->read_available(buffer, ec) == 1 || ec != asio::error::would_block; });
  std::error_code closed_with;
  pair.server->on_closed([&](std::error_code why) { closed_with = why; });
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { wait_result = co_await pair.server_stream->wait_readable(); },
                 asio::detached);
  io.poll();
  EXPECT_FALSE(wait_result);  // waiting: nothing arrived
  const auto closed_at = std::chrono::steady_clock::now();
  pair.client_stream->close();
  run_until(io, [&] { return wait_result.has_value(); });
  ASSERT_TRUE(wait_result);
  EXPECT_TRUE(*wait_result);  // an error, not data
  EXPECT_TRUE(pair.server->closed());
  EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 1s);  // one packet, not an idle timeout
}

// Two connections under one path secret (two channels between the same two nodes): each takes only its own packets,
// which is how DirectPaths tells whose a datagram is; and an Initial under another secret makes no server.
TEST(QuicSession, EachConnectionTakesOnlyItsOwnPackets) {
  asio::io_context io;
  std::vector<Bytes> from_a, from_b, from_server;
  auto keep = [](std::vector<Bytes>& into) { return [&into](ByteView p) { into.emplace_back(p.begin(), p.end()); }; };
  auto a = *QuicSession::client(io.get_executor(), secret_of(3), "a", keep(from_a));
  auto b = *QuicSession::client(io.get_executor(), secret_of(3), "b", keep(from_b));
  ASSERT_FALSE(from_a.empty());
  ASSERT_FALSE(from_b.empty());
  auto server = QuicSession::server(io.get_executor(), secret_of(3), from_b.front(), "b", keep(from_server));
  ASSERT_TRUE(server);
  ASSERT_FALSE(from_server.empty());
  EXPECT_FALSE((*server)->receive(from_a.front())) << "another connection's Initial";
  EXPECT_TRUE(b->receive(from_server.front())) << "its own server's answer";
  EXPECT_FALSE(a->receive(from_server.front())) << "the other connection's server";
  Bytes forged = from_server.front();
  forged[forged.size() / 2] ^= 0x40;
  EXPECT_FALSE(b->receive(forged));
  EXPECT_FALSE(QuicSession::server(io.get_executor(), secret_of(4), from_a.front(), "a", keep(from_server)));
  a->close(), b->close(), (*server)->close();
  io.poll();
}

}  // namespace
}  // namespace portico::p2p
