#include "util/log_limit.hpp"

#include <gtest/gtest.h>

namespace portico::util {
namespace {

using namespace std::chrono_literals;
using Clock = LogLimit::Clock;

TEST(LogLimit, BurstThenRateThenTheSuppressedCount) {
  LogLimit limit({.per_second = 1.0, .burst = 3.0, .max_keys = 16});
  const auto t0 = Clock::time_point{} + 1h;
  int logged = 0;
  for (int i = 0; i < 1000; ++i) logged += limit.check("deny/peer-a", t0) ? 1 : 0;
  EXPECT_EQ(logged, 3);
  // One second later one line goes out again, and it says how many were held back.
  const auto next = limit.check("deny/peer-a", t0 + 1s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next.suppressed, 997u);
  EXPECT_EQ(next.suffix(), " (suppressed 997 similar)");
  const auto after = limit.check("deny/peer-a", t0 + 2s);
  ASSERT_TRUE(after);
  EXPECT_EQ(after.suppressed, 0u);
  EXPECT_EQ(after.suffix(), "");
}

TEST(LogLimit, KeysAreIndependent) {
  LogLimit limit({.per_second = 1.0, .burst = 1.0, .max_keys = 16});
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_TRUE(limit.check("deny/flooder", t0));
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(limit.check("deny/flooder", t0));
  EXPECT_TRUE(limit.check("deny/someone-else", t0));
  EXPECT_TRUE(limit.check("other-reason/flooder", t0));
}

TEST(LogLimit, MadeUpKeysCostBoundedMemoryAndTheirCountsAreNotLost) {
  LogLimit limit({.per_second = 1.0, .burst = 1.0, .max_keys = 8});
  const auto t0 = Clock::time_point{} + 1h;
  std::uint64_t logged = 0, reported = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string key = "deny/peer-" + std::to_string(i % 50);
    if (auto v = limit.check(key, t0)) {
      ++logged;
      reported += v.suppressed;
    }
    EXPECT_LE(limit.keys(), 8u);
  }
  // Every line is either logged, counted in a later line, or still held by a kept key or the evicted total.
  EXPECT_GT(logged, 0u);
  EXPECT_LE(logged + reported, 10000u);
}

TEST(LogLimit, ClipShortensAndNeutralisesAttackerText) {
  EXPECT_EQ(clip("short"), "short");
  EXPECT_EQ(clip(std::string("a\nb\x1b[31mc", 9)), "a?b?[31mc");
  const std::string route(5000, 'x');
  const std::string shown = clip(route, 10);
  EXPECT_EQ(shown, "xxxxxxxxxx…(5000 bytes)");
  EXPECT_LE(clip(route).size(), kMaxLoggedText + 24);
}

}  // namespace
}  // namespace portico::util
