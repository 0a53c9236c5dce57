#include "transport/send_queue.hpp"

#include "channel/transport_cipher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace portico {
namespace {

Message of(std::size_t payload) { return Message{Route{Address::local("x")}, Route{}, Bytes(payload, 1)}; }

TEST(SendQueue, KeepsOrderAndCountsBytes) {
  SendQueue queue(1 << 20);
  ASSERT_EQ(queue.push(of(10)), SendQueue::Push::queued);
  ASSERT_EQ(queue.push(of(20)), SendQueue::Push::queued);
  EXPECT_EQ(queue.bytes(), 30 + 2 * SendQueue::kPerMessageBytes);
  EXPECT_EQ(queue.pop().payload.size(), 10u);
  EXPECT_EQ(queue.pop().payload.size(), 20u);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(SendQueue, RefusesAtOnceWhenFullAndTakesAgainOnceDrained) {
  const std::size_t one = SendQueue::cost(of(1000));
  SendQueue queue(3 * one);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(queue.push(of(1000)), SendQueue::Push::queued);
  EXPECT_EQ(queue.push(of(1000)), SendQueue::Push::full);
  EXPECT_EQ(queue.size(), 3u) << "a refused message is not queued";
  (void)queue.pop();
  EXPECT_EQ(queue.push(of(1000)), SendQueue::Push::queued);
}

TEST(SendQueue, ClosingDropsEverythingAndRefusesFromThenOn) {
  SendQueue queue(1 << 20);
  (void)queue.push(of(5));
  (void)queue.push(of(5));
  EXPECT_EQ(queue.close(), 2u);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_EQ(queue.push(of(5)), SendQueue::Push::closed);
}

Message control(std::size_t payload) {
  Message message = of(payload);
  message.control_lane = true;
  return message;
}

// Pops everything; each message's payload size names it.
std::vector<std::size_t> drain(SendQueue& queue) {
  std::vector<std::size_t> order;
  while (!queue.empty()) order.push_back(queue.pop().payload.size());
  return order;
}

TEST(SendQueue, AControlMessagePassesTheDataQueuedJustBeforeIt) {
  SendQueue queue(1 << 24);
  for (std::size_t i = 0; i < 5; ++i) ASSERT_EQ(queue.push(of(1000 + i)), SendQueue::Push::queued);
  ASSERT_EQ(queue.push(control(7)), SendQueue::Push::queued);
  EXPECT_EQ(queue.bytes(), 5 * 1000 + 10 + 7 + 6 * SendQueue::kPerMessageBytes);
  EXPECT_EQ(drain(queue), (std::vector<std::size_t>{7, 1000, 1001, 1002, 1003, 1004}));
}

TEST(SendQueue, AControlMessagePassesNoMoreThanItsLimitSoNoRecordLeavesTheReplayWindow) {
  SendQueue queue(1 << 26);
  const std::size_t backlog = 3 * SendQueue::kMaxOvertaken;
  for (std::size_t i = 0; i < backlog; ++i) ASSERT_EQ(queue.push(of(2000 + i)), SendQueue::Push::queued);
  ASSERT_EQ(queue.push(control(7)), SendQueue::Push::queued);
  const auto order = drain(queue);
  const auto at = std::find(order.begin(), order.end(), 7u) - order.begin();
  EXPECT_EQ(static_cast<std::size_t>(at), backlog - SendQueue::kMaxOvertaken);
}

TEST(SendQueue, ControlMessagesKeepTheirOrderAndNoDataIsPassedByMoreThanTheLimit) {
  SendQueue queue(1 << 26);
  // Data, then a flood of control messages (a member marking everything it sends as control): the data at the
  // front is passed by at most kMaxOvertaken of them, however many come.
  for (std::size_t i = 0; i < 4; ++i) ASSERT_EQ(queue.push(of(2000 + i)), SendQueue::Push::queued);
  for (std::size_t i = 0; i < 100; ++i) ASSERT_EQ(queue.push(control(10 + i)), SendQueue::Push::queued);
  const auto order = drain(queue);
  ASSERT_EQ(order.size(), 104u);
  std::vector<std::size_t> controls;
  for (const auto size : order) {
    if (size < 2000) controls.push_back(size);
  }
  EXPECT_TRUE(std::is_sorted(controls.begin(), controls.end())) << "control messages leave in the order they came";
  for (std::size_t d = 0; d < 4; ++d) {
    const auto at = static_cast<std::size_t>(std::find(order.begin(), order.end(), 2000 + d) - order.begin());
    // Everything ahead of data d that came after it is a control message pushed within the limit of it.
    EXPECT_LE(at - d, SendQueue::kMaxOvertaken) << "data " << d << " left at " << at;
  }
}

static_assert(SendQueue::kWorstLatenessOnAPath <= channel::kReplayWindow,
              "a record passed at the node and again at the hub must still be inside the channel's replay window");

// A node's queue feeding the hub's, with one channel's records numbered in push order (their nonces): whatever
// mix of data and control, no record leaves the second queue further behind the highest number already out than
// kWorstLatenessOnAPath, and so none would fall out of the receiver's replay window.
TEST(SendQueue, TwoQueuesInARowKeepEveryRecordInsideTheReplayWindow) {
  // The worst case (a record, K controls, 2K - 1 data, then one control: at the node the controls pass the
  // record and the last control passes K - 1 of the data; at the hub it also passes the record, which then
  // leaves 3K behind it) and a seeded random mix of data and control.
  std::vector<std::vector<bool>> patterns;
  std::vector<bool> worst{false};
  for (std::uint64_t i = 0; i < SendQueue::kMaxOvertaken; ++i) worst.push_back(true);
  for (std::uint64_t i = 0; i + 1 < 2 * SendQueue::kMaxOvertaken; ++i) worst.push_back(false);
  worst.push_back(true);
  patterns.push_back(worst);
  std::uint32_t seed = 7;
  for (int round = 0; round < 50; ++round) {
    std::vector<bool> mix;
    for (int i = 0; i < 400; ++i) mix.push_back(((seed = seed * 1103515245 + 12345) >> 16) % 3 == 0);
    patterns.push_back(mix);
  }
  std::uint64_t worst_seen = 0;
  for (const auto& pattern : patterns) {
    SendQueue node(1 << 30), hub(1 << 30);
    // Everything is queued at the node before any of it leaves (a backlogged uplink), then moves to the hub's
    // queue as it leaves the node, and leaves the hub last: the most reordering both queues can do.
    for (std::size_t n = 0; n < pattern.size(); ++n) {
      Message m = pattern[n] ? control(n) : of(2000 + n);
      m.payload.assign(m.payload.size(), 0);
      m.return_route = Route{Address::local(std::to_string(n))};  // the record's nonce
      ASSERT_EQ(node.push(std::move(m)), SendQueue::Push::queued);
    }
    while (!node.empty()) ASSERT_EQ(hub.push(node.pop()), SendQueue::Push::queued);
    std::uint64_t highest = 0;
    bool any = false;
    while (!hub.empty()) {
      const std::uint64_t nonce = std::stoull(hub.pop().return_route.front().value);
      if (any && nonce < highest) worst_seen = std::max(worst_seen, highest - nonce);
      highest = any ? std::max(highest, nonce) : nonce;
      any = true;
    }
  }
  EXPECT_EQ(worst_seen, SendQueue::kWorstLatenessOnAPath) << "the bound is reached, and never passed";
  EXPECT_LE(worst_seen, channel::kReplayWindow);
}

TEST(SendQueue, AControlMessageLargerThanTheLaneGoesWithTheData) {
  SendQueue queue(1 << 24);
  ASSERT_EQ(queue.push(of(1000)), SendQueue::Push::queued);
  ASSERT_EQ(queue.push(control(SendQueue::kMaxControlBytes + 1)), SendQueue::Push::queued);
  ASSERT_EQ(queue.push(control(9)), SendQueue::Push::queued);
  EXPECT_EQ(drain(queue), (std::vector<std::size_t>{9, 1000, SendQueue::kMaxControlBytes + 1}));
}

}  // namespace
}  // namespace portico
