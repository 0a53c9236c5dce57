#include "transport/liveness.hpp"

#include <gtest/gtest.h>

namespace portico {
namespace {

using namespace std::chrono_literals;
using Clock = Liveness::Clock;

TEST(Liveness, HeartbeatDueAfterQuietInterval) {
  const auto t0 = Clock::time_point{};
  Liveness live(2s, 6s, t0);
  EXPECT_FALSE(live.heartbeat_due(t0 + 1s));
  EXPECT_TRUE(live.heartbeat_due(t0 + 2s));
  live.on_sent(t0 + 2s);
  EXPECT_FALSE(live.heartbeat_due(t0 + 3s));
  EXPECT_EQ(live.next_deadline(), t0 + 4s);
}

TEST(Liveness, PeerDeadAfterSilence) {
  const auto t0 = Clock::time_point{};
  Liveness live(2s, 6s, t0);
  live.on_received(t0 + 3s);
  EXPECT_FALSE(live.peer_dead(t0 + 8s));
  EXPECT_TRUE(live.peer_dead(t0 + 9s));
}

TEST(Liveness, PausedReaderIsNotADeadPeer) {
  const auto t0 = Clock::time_point{};
  Liveness live(2s, 6s, t0);
  live.pause();  // our reader waits for a full next hop
  EXPECT_FALSE(live.peer_dead(t0 + 60s));
  EXPECT_EQ(live.next_deadline(), t0 + 2s);  // heartbeats still go out
  live.resume(t0 + 60s);
  EXPECT_FALSE(live.peer_dead(t0 + 65s));
  EXPECT_TRUE(live.peer_dead(t0 + 66s));
}

TEST(Liveness, NextDeadlineIsTheEarlierOfBoth) {
  const auto t0 = Clock::time_point{};
  Liveness live(5s, 3s, t0);
  EXPECT_EQ(live.next_deadline(), t0 + 3s);
  live.on_received(t0 + 10s);
  live.on_sent(t0 + 9s);
  EXPECT_EQ(live.next_deadline(), t0 + 13s);
}

}  // namespace
}  // namespace portico
