#include "channel/handshake_gate.hpp"

#include <gtest/gtest.h>

namespace portico::channel {
namespace {

using namespace std::chrono_literals;
using Clock = HandshakeGate::Clock;

const auto t0 = Clock::time_point{} + 1h;

TEST(HandshakeGate, OneSourceFloodingIsHeldToItsBucketAndOthersStillGetIn) {
  HandshakeGate gate({.per_source_per_second = 5, .per_source_burst = 10});
  int admitted = 0;
  // 1,000 first messages in one second from one link, each still pending (it never sends m3).
  std::size_t pending = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto now = t0 + std::chrono::milliseconds(i);
    const HandshakeCounts counts{.pending = pending, .pending_of_source = pending, .channels_of_source = pending};
    if (gate.admit("tcp-in-flood", counts, now, 0.5) == HandshakeVerdict::admit) {
      ++admitted;
      ++pending;
    }
  }
  EXPECT_EQ(admitted, static_cast<int>(gate.limits().max_pending_per_source));
  // A node on another link is admitted at once.
  EXPECT_EQ(gate.admit("tcp-in-node", {.pending = pending}, t0 + 1s, 0.5), HandshakeVerdict::admit);
}

TEST(HandshakeGate, ASourceThatFinishesItsHandshakesIsRateLimitedNotLockedOut) {
  HandshakeGate gate({.max_pending_per_source = 100, .max_channels_per_source = 1000, .per_source_per_second = 5,
                      .per_source_burst = 10});
  int admitted = 0;
  for (int i = 0; i < 1000; ++i) {
    admitted += gate.admit("tcp-in-a", {}, t0 + std::chrono::milliseconds(i), 0.5) == HandshakeVerdict::admit;
  }
  // The burst, then 5 a second for the second that passed.
  EXPECT_GE(admitted, 10);
  EXPECT_LE(admitted, 16);
  // Right after the flood its bucket is empty; two seconds later it may start handshakes again.
  EXPECT_EQ(gate.admit("tcp-in-a", {}, t0 + 999ms, 0.5), HandshakeVerdict::source_rate);
  EXPECT_EQ(gate.admit("tcp-in-a", {}, t0 + 3s, 0.5), HandshakeVerdict::admit);
}

TEST(HandshakeGate, FailuresCostTheirSourceMore) {
  HandshakeGate gate({.per_source_per_second = 1, .per_source_burst = 4, .failure_cost = 3});
  ASSERT_EQ(gate.admit("refused-peer", {}, t0, 0.5), HandshakeVerdict::admit);  // 3 tokens left
  gate.failed("refused-peer", t0);                                              // 0 left
  EXPECT_EQ(gate.admit("refused-peer", {}, t0, 0.5), HandshakeVerdict::source_rate);
  EXPECT_EQ(gate.admit("refused-peer", {}, t0 + 500ms, 0.5), HandshakeVerdict::source_rate);
  EXPECT_EQ(gate.admit("refused-peer", {}, t0 + 1s, 0.5), HandshakeVerdict::admit);
}

TEST(HandshakeGate, PerSourceCountsComeFirst) {
  HandshakeGate gate({.max_pending_per_source = 2, .max_channels_per_source = 3});
  EXPECT_EQ(gate.admit("s", {.pending = 2, .pending_of_source = 2, .channels_of_source = 2}, t0, 0.9),
            HandshakeVerdict::source_pending);
  EXPECT_EQ(gate.admit("s", {.pending = 1, .pending_of_source = 1, .channels_of_source = 3}, t0, 0.9),
            HandshakeVerdict::source_channels);
  EXPECT_EQ(gate.admit("s", {.pending = 1, .pending_of_source = 1, .channels_of_source = 2}, t0, 0.9),
            HandshakeVerdict::admit);
}

TEST(HandshakeGate, RandomEarlyDropBetweenStartAndFull) {
  HandshakeGate gate({.max_pending = 100, .early_drop_from = 50, .early_drop_rate = 0.3});
  // Below the start every draw is admitted.
  EXPECT_EQ(gate.admit("a", {.pending = 49}, t0, 0.0), HandshakeVerdict::admit);
  // At the start 30% of draws are dropped; halfway to full, 65%; at full, all.
  EXPECT_EQ(gate.admit("b", {.pending = 50}, t0, 0.29), HandshakeVerdict::early_drop);
  EXPECT_EQ(gate.admit("c", {.pending = 50}, t0, 0.31), HandshakeVerdict::admit);
  EXPECT_EQ(gate.admit("d", {.pending = 75}, t0, 0.64), HandshakeVerdict::early_drop);
  EXPECT_EQ(gate.admit("e", {.pending = 75}, t0, 0.66), HandshakeVerdict::admit);
  EXPECT_EQ(gate.admit("f", {.pending = 100}, t0, 0.99), HandshakeVerdict::full);
}

TEST(HandshakeGate, SourcesRememberedAreBounded) {
  HandshakeGate gate({.max_sources = 32});
  for (int i = 0; i < 10000; ++i) gate.admit("src-" + std::to_string(i), {}, t0, 0.5);
  EXPECT_LE(gate.sources(), 32u);
  EXPECT_NE(describe(HandshakeVerdict::source_rate), describe(HandshakeVerdict::full));
}

}  // namespace
}  // namespace portico::channel
