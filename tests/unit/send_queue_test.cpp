#include "transport/send_queue.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace portico
