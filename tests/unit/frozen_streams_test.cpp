// Portal streams and a link over the in-memory fake (transport/memory_stream.hpp): no sockets.
// Ten streams whose far ends stop reading (frozen) share one link with an active stream; each frozen stream
// holds at most its window, the link's reader never waits on them, and the active stream keeps at least 0.8 of
// the throughput it has alone (both measured in this run).

#include "transport/memory_stream.hpp"

#include <chrono>
#include <deque>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "portal/portal_messages.hpp"
#include "portal/portal_stream.hpp"
#include "transport/tcp_link.hpp"

namespace portico {
namespace {

using namespace std::chrono_literals;
constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMemoryPipeBytes = 256 * 1024;

// Stands in for the outlet: each Open is answered by the next prepared stream.
class FakeOutlet final : public Worker {
 public:
  asio::awaitable<void> handle_message(Message message) override {
    auto decoded = portal::decode_portal_message(message.payload);
    if (!decoded || !std::holds_alternative<portal::Open>(*decoded) || prepared.empty()) co_return;
    auto stream = prepared.front();
    prepared.pop_front();
    stream->register_worker();
    co_await stream->accept(message, std::get<portal::Open>(*decoded).window);
  }
  std::deque<std::shared_ptr<portal::PortalStream>> prepared;
};

// Two nodes joined by one link over an in-memory pair, and a way to open streams across it.
struct TwoNodes {
  explicit TwoNodes(asio::io_context& io) : io(io) {
    auto [a_end, b_end] = make_memory_pair(io.get_executor(), kMemoryPipeBytes);
    link_a = std::make_shared<TcpLink>(io.get_executor(), a, Address::local("link-a"), "b", TcpOptions{});
    link_b = std::make_shared<TcpLink>(io.get_executor(), b, Address::local("link-b"), "a", TcpOptions{});
    a.register_worker(link_a->address(), link_a);
    b.register_worker(link_b->address(), link_b);
    b.register_worker(Address::local("outlet"), outlet);
    asio::co_spawn(io, [l = link_a, s = std::move(a_end)]() mutable -> asio::awaitable<void> {
      co_await l->run_session(std::move(s));
    }, asio::detached);
    asio::co_spawn(io, [l = link_b, s = std::move(b_end)]() mutable -> asio::awaitable<void> {
      co_await l->run_session(std::move(s));
    }, asio::detached);
  }

  // A carried connection: returns the client's end (at a) and the target's end (at b).
  std::pair<std::unique_ptr<MemoryStream>, std::unique_ptr<MemoryStream>> open_stream(
      portal::PortalOptions inlet_options = {}) {
    auto [client, inlet_side] = make_memory_pair(io.get_executor(), kMemoryPipeBytes);
    auto [outlet_side, target] = make_memory_pair(io.get_executor(), kMemoryPipeBytes);
    auto at_inlet = std::make_shared<portal::PortalStream>(std::move(inlet_side), a, inlet_options, "inlet");
    auto at_outlet = std::make_shared<portal::PortalStream>(std::move(outlet_side), b, portal::PortalOptions{}, "outlet");
    outlet->prepared.push_back(at_outlet);
    streams.push_back(at_inlet), streams.push_back(at_outlet);
    at_inlet->register_worker();
    asio::co_spawn(io, at_inlet->send_open(Route{link_a->address(), Address::local("outlet")}), asio::detached);
    return {std::move(client), std::move(target)};
  }

  void close() {
    for (auto& stream : streams) stream->reset("test over", false);
    link_a->close(), link_b->close();
  }

  asio::io_context& io;
  Router a, b;
  std::shared_ptr<TcpLink> link_a, link_b;
  std::shared_ptr<FakeOutlet> outlet = std::make_shared<FakeOutlet>();
  std::vector<std::shared_ptr<portal::PortalStream>> streams;
};

asio::awaitable<void> write_forever(MemoryStream& to, std::size_t limit, std::size_t* written = nullptr) {
  const Bytes chunk(kChunk, 0x42);
  const asio::const_buffer buffer(chunk.data(), chunk.size());
  for (std::size_t sent = 0; sent < limit; sent += kChunk) {
    if (co_await to.write_all({&buffer, 1})) co_return;
    if (written) *written += kChunk;
  }
  to.shutdown_send();
}

// Polls `condition` every millisecond until it holds or `timeout` passes.
asio::awaitable<bool> eventually(std::function<bool()> condition, std::chrono::milliseconds timeout) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    timer.expires_after(1ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return true;
}

asio::awaitable<std::size_t> read_to_end(MemoryStream& from) {
  Bytes buffer(kChunk);
  std::size_t total = 0;
  for (;;) {
    auto [ec, n] = co_await from.read_some(buffer);
    total += n;
    if (ec) co_return total;
  }
}

// Seconds one stream takes to carry `bytes` across the link, with `frozen` other streams stuck beside it.
double transfer_seconds(std::size_t bytes, int frozen, std::size_t* frozen_taken = nullptr) {
  asio::io_context io;
  TwoNodes nodes(io);
  std::vector<std::unique_ptr<MemoryStream>> ends;
  for (int i = 0; i < frozen; ++i) {
    auto [client, target] = nodes.open_stream();
    target->freeze_receiving(true);  // the service behind this stream stops reading
    asio::co_spawn(io, write_forever(*client, std::size_t(1) << 40), asio::detached);
    ends.push_back(std::move(client)), ends.push_back(std::move(target));
  }
  double seconds = -1;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    // Every frozen stream is stuck: its target's pipe is full, so its window is all in flight.
    const bool stuck = co_await eventually([&] {
      for (std::size_t i = 0; i < ends.size(); i += 2) {
        if (ends[i + 1]->bytes_waiting() < kMemoryPipeBytes) return false;
      }
      return true;
    }, 20s);
    EXPECT_TRUE(stuck) << "the frozen streams never filled their targets' pipes";
    auto [client, target] = nodes.open_stream();
    const auto start = std::chrono::steady_clock::now();
    asio::co_spawn(io, write_forever(*client, bytes), asio::detached);
    const std::size_t got = co_await read_to_end(*target);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(got, bytes);
    if (frozen_taken) {
      for (std::size_t i = 0; i < ends.size(); i += 2) *frozen_taken += ends[i + 1]->bytes_received();
    }
    nodes.close();
    io.stop();
  }, asio::detached);
  io.run_for(120s);
  return seconds;
}

TEST(FrozenStreams, TenFrozenStreamsDoNotSlowTheActiveOneOnTheirLink) {
  constexpr std::size_t kBytes = 384 * 1024 * 1024;
  // Best of three each, interleaved, so a busy machine's noise does not decide the ratio.
  double alone = 1e9, beside_frozen = 1e9;
  std::size_t frozen_taken = 0;
  for (int run = 0; run < 3; ++run) {
    const double a = transfer_seconds(kBytes, 0);
    const double b = transfer_seconds(kBytes, 10, &frozen_taken);
    if (a > 0) alone = std::min(alone, a);
    if (b > 0) beside_frozen = std::min(beside_frozen, b);
  }
  ASSERT_LT(alone, 1e9) << "the stream alone did not finish";
  ASSERT_LT(beside_frozen, 1e9) << "the stream beside ten frozen ones did not finish";
  EXPECT_EQ(frozen_taken, 0u) << "frozen targets read nothing";
  const double ratio = alone / beside_frozen;
  std::printf("active stream alone %.3f s, beside 10 frozen %.3f s: %.2f of its throughput alone\n", alone,
              beside_frozen, ratio);
  EXPECT_GE(ratio, 0.8);
}

TEST(FrozenStreams, AHugeAnnouncedWindowBuysNoMoreThanTheSendersOwn) {
  asio::io_context io;
  TwoNodes nodes(io);
  // The inlet announces a 1 GiB window and its client reads nothing.
  auto [client, target] = nodes.open_stream({.window = 1u << 30});
  client->freeze_receiving(true);
  std::size_t written = 0;
  asio::co_spawn(io, write_forever(*target, std::size_t(1) << 40, &written), asio::detached);
  // Run until nothing is left to do: every coroutine waits (the next timer is a keepalive, seconds away).
  for (int i = 0; i < 100000 && io.poll() > 0;) ++i;
  const std::size_t window = portal::PortalOptions{}.window;
  // What the outlet took: one window in flight, plus what the fake's pipes buffer on the way.
  EXPECT_LE(written, window + 3 * kMemoryPipeBytes) << written << " bytes taken from the service";
  EXPECT_GE(written, window) << "the stream carried less than a window";
  nodes.close();
  io.poll();
}

}  // namespace
}  // namespace portico
