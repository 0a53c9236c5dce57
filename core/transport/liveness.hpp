#pragma once
// Liveness of one link, as a plain class with time as input: we send a heartbeat when we have sent nothing for
// `heartbeat_interval`, and call the peer dead when we have heard nothing for `dead_after`. While our reader is
// paused because the next hop is full, silence is ours, not the peer's: pause() stops the dead-peer clock.

#include <algorithm>
#include <chrono>

namespace portico {

class Liveness {
 public:
  using Clock = std::chrono::steady_clock;
  using Duration = Clock::duration;

  Liveness(Duration heartbeat_interval, Duration dead_after, Clock::time_point now)
      : interval_(heartbeat_interval), dead_after_(dead_after), last_sent_(now), last_received_(now) {}

  void on_sent(Clock::time_point now) { last_sent_ = now; }
  void on_received(Clock::time_point now) { last_received_ = now; }
  void pause() { paused_ = true; }
  void resume(Clock::time_point now) {
    paused_ = false;
    last_received_ = now;
  }

  bool heartbeat_due(Clock::time_point now) const { return now - last_sent_ >= interval_; }
  bool peer_dead(Clock::time_point now) const { return !paused_ && now - last_received_ >= dead_after_; }
  // When something is next due (heartbeat or death), for the shell's timer.
  Clock::time_point next_deadline() const {
    const auto heartbeat = last_sent_ + interval_;
    return paused_ ? heartbeat : std::min(heartbeat, last_received_ + dead_after_);
  }

 private:
  Duration interval_;
  Duration dead_after_;
  Clock::time_point last_sent_;
  Clock::time_point last_received_;
  bool paused_ = false;
};

}  // namespace portico
