// The control lane over a real TcpLink session on the in-memory fake: while the peer has stopped reading and a
// backlog of data waits in the link's queue, a control-lane message (credit, ping) is written ahead of the data
// queued in the last SendQueue::kMaxOvertaken pushes before it, and everything arrives, intact and otherwise in
// order, once the peer reads again.

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "transport/memory_stream.hpp"
#include "transport/tcp_link.hpp"

namespace portico {
namespace {

constexpr std::size_t kPipeBytes = 256 * 1024;
constexpr std::size_t kChunk = 4096;
constexpr std::size_t kBacklog = 200;

// Keeps every payload it gets, in order of arrival.
class Sink final : public Worker {
 public:
  asio::awaitable<void> handle_message(Message message) override {
    got.push_back(message.payload);
    co_return;
  }
  std::vector<Bytes> got;
};

Message numbered(std::size_t n, std::size_t size, bool control) {
  Bytes payload(size, static_cast<std::uint8_t>(n & 0xff));
  Message message{Route{Address::local("sink")}, Route{}, std::move(payload)};
  message.control_lane = control;
  return message;
}

TEST(ControlLane, ACreditPassesTheBacklogOfAPeerThatStoppedReadingButNoMoreThanTheLimit) {
  asio::io_context io;
  Router a, b;
  auto sink = std::make_shared<Sink>();
  b.register_worker(Address::local("sink"), sink);
  auto [a_end, b_end] = make_memory_pair(io.get_executor(), kPipeBytes);
  MemoryStream& receiving = *b_end;
  auto link_a = std::make_shared<TcpLink>(io.get_executor(), a, Address::local("link-a"), "b", TcpOptions{});
  auto link_b = std::make_shared<TcpLink>(io.get_executor(), b, Address::local("link-b"), "a", TcpOptions{});
  asio::co_spawn(io, [l = link_a, s = std::move(a_end)]() mutable -> asio::awaitable<void> {
    co_await l->run_session(std::move(s));
  }, asio::detached);
  asio::co_spawn(io, [l = link_b, s = std::move(b_end)]() mutable -> asio::awaitable<void> {
    co_await l->run_session(std::move(s));
  }, asio::detached);
  io.poll();  // both sessions up, preambles exchanged

  receiving.freeze_receiving(true);
  for (std::size_t i = 0; i < kBacklog; ++i) ASSERT_FALSE(link_a->enqueue(numbered(i, kChunk, false)));
  io.poll();  // the writer fills the pipe and waits on the frozen peer; the rest stays queued
  ASSERT_GT(link_a->queued_bytes(), (SendQueue::kMaxOvertaken + 1) * kChunk) << "the backlog must still be queued";
  ASSERT_FALSE(link_a->enqueue(numbered(kBacklog, 12, true)));  // a credit, say
  receiving.freeze_receiving(false);
  while (sink->got.size() < kBacklog + 1) ASSERT_GT(io.run_one(), 0u);

  std::size_t control_at = kBacklog + 1;
  for (std::size_t i = 0; i < sink->got.size(); ++i) {
    if (sink->got[i].size() == 12) control_at = i;
  }
  EXPECT_EQ(control_at, kBacklog - SendQueue::kMaxOvertaken) << "ahead of the last kMaxOvertaken data, no further";
  std::size_t next = 0;
  for (std::size_t i = 0; i < sink->got.size(); ++i) {
    if (i == control_at) continue;
    ASSERT_EQ(sink->got[i], Bytes(kChunk, static_cast<std::uint8_t>(next & 0xff))) << "data " << next;
    ++next;
  }
  EXPECT_EQ(next, kBacklog);
  link_a->close(), link_b->close();
  io.poll();
}

}  // namespace
}  // namespace portico
