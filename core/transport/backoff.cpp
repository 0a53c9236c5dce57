#include "transport/backoff.hpp"

#include <algorithm>

namespace portico {

Backoff::Backoff(BackoffOptions options, std::uint64_t seed)
    : options_(options), base_(options.initial), rng_(seed) {}

std::chrono::milliseconds Backoff::next() {
  const auto base = base_;
  const double grown = static_cast<double>(base_.count()) * options_.multiplier;
  base_ = std::min(options_.max, std::chrono::milliseconds(static_cast<std::int64_t>(grown)));
  std::uniform_real_distribution<double> share(0.0, options_.jitter);
  const double delay = static_cast<double>(base.count()) * (1.0 - share(rng_));
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

}  // namespace portico
