#include "transport/backoff.hpp"

#include <gtest/gtest.h>

namespace portico {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsExponentiallyWithinJitterAndCaps) {
  Backoff backoff({.initial = milliseconds(100), .max = milliseconds(2000), .multiplier = 2.0, .jitter = 0.25}, 7);
  const long bases[] = {100, 200, 400, 800, 1600, 2000, 2000, 2000, 2000, 2000};
  for (long base : bases) {
    const auto delay = backoff.next().count();
    EXPECT_LE(delay, base);
    EXPECT_GE(delay, base * 3 / 4 - 1);
  }
}

TEST(Backoff, NeverGivesUpAndStaysCapped) {
  Backoff backoff({.initial = milliseconds(10), .max = milliseconds(50), .multiplier = 3.0, .jitter = 0.5}, 1);
  for (int i = 0; i < 10000; ++i) {
    const auto delay = backoff.next();
    EXPECT_GT(delay.count(), 0);
    EXPECT_LE(delay, milliseconds(50));
  }
}

TEST(Backoff, ResetStartsAgainFromInitial) {
  Backoff backoff({.initial = milliseconds(100), .max = milliseconds(5000), .multiplier = 2.0, .jitter = 0.0}, 1);
  EXPECT_EQ(backoff.next(), milliseconds(100));
  EXPECT_EQ(backoff.next(), milliseconds(200));
  EXPECT_EQ(backoff.next(), milliseconds(400));
  backoff.reset();
  EXPECT_EQ(backoff.next(), milliseconds(100));
}

TEST(Backoff, JitterSpreadsAFleet) {
  // Two nodes that lost the hub at the same moment should not retry in lockstep.
  Backoff a({}, 1);
  Backoff b({}, 2);
  int same = 0;
  for (int i = 0; i < 20; ++i) same += a.next() == b.next() ? 1 : 0;
  EXPECT_LT(same, 5);
}

}  // namespace
}  // namespace portico
