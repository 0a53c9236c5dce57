#pragma once
// Reconnect delays: exponential growth from `initial` by `multiplier`, capped at `max`, each reduced by a random
// share of up to `jitter` so a fleet that lost its hub at once does not come back at once. It never gives up;
// reset() after a link has been up starts again from `initial`.

#include <chrono>
#include <cstdint>
#include <random>

namespace portico {

struct BackoffOptions {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{1500};  // a returning hub sees its outlets re-register within ~2 s
  double multiplier = 2.0;
  double jitter = 0.25;  // each delay is in [base * (1 - jitter), base]
};

class Backoff {
 public:
  explicit Backoff(BackoffOptions options = {}, std::uint64_t seed = std::random_device{}());

  std::chrono::milliseconds next();
  void reset() { base_ = options_.initial; }

 private:
  BackoffOptions options_;
  std::chrono::milliseconds base_;
  std::mt19937_64 rng_;
};

}  // namespace portico
