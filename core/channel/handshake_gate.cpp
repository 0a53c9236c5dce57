#include "channel/handshake_gate.hpp"

#include <algorithm>

namespace portico::channel {

std::string_view describe(HandshakeVerdict verdict) {
  switch (verdict) {
    case HandshakeVerdict::admit: return "admitted";
    case HandshakeVerdict::source_rate: return "this source starts handshakes too fast";
    case HandshakeVerdict::source_pending: return "this source has too many unfinished handshakes";
    case HandshakeVerdict::source_channels: return "this source has too many channels";
    case HandshakeVerdict::early_drop: return "many handshakes pending: randomly dropped (early drop)";
    case HandshakeVerdict::full: return "the pending-handshake table is full";
  }
  return "?";
}

HandshakeGate::Bucket& HandshakeGate::bucket(std::string_view source, Clock::time_point now) {
  auto it = buckets_.find(std::string(source));
  if (it == buckets_.end()) {
    if (buckets_.size() >= limits_.max_sources) {
      // A bucket that has refilled is no different from a new one: forget the fullest.
      auto fullest = std::max_element(buckets_.begin(), buckets_.end(),
                                      [](const auto& a, const auto& b) { return a.second.tokens < b.second.tokens; });
      buckets_.erase(fullest);
    }
    it = buckets_.emplace(std::string(source), Bucket{limits_.per_source_burst, now}).first;
  }
  Bucket& b = it->second;
  if (now > b.refilled) {
    const double seconds = std::chrono::duration<double>(now - b.refilled).count();
    b.tokens = std::min(limits_.per_source_burst, b.tokens + seconds * limits_.per_source_per_second);
    b.refilled = now;
  }
  return b;
}

HandshakeVerdict HandshakeGate::admit(std::string_view source, const HandshakeCounts& counts, Clock::time_point now,
                                      double random) {
  if (counts.pending_of_source >= limits_.max_pending_per_source) return HandshakeVerdict::source_pending;
  if (counts.channels_of_source >= limits_.max_channels_per_source) return HandshakeVerdict::source_channels;
  Bucket& b = bucket(source, now);
  if (b.tokens < 1.0) return HandshakeVerdict::source_rate;
  if (counts.pending >= limits_.max_pending) return HandshakeVerdict::full;
  if (counts.pending >= limits_.early_drop_from) {
    const double span = static_cast<double>(limits_.max_pending - limits_.early_drop_from);
    const double over = static_cast<double>(counts.pending - limits_.early_drop_from);
    const double drop = limits_.early_drop_rate + (1.0 - limits_.early_drop_rate) * (span > 0 ? over / span : 1.0);
    if (random < drop) return HandshakeVerdict::early_drop;
  }
  b.tokens -= 1.0;
  return HandshakeVerdict::admit;
}

void HandshakeGate::failed(std::string_view source, Clock::time_point now) {
  Bucket& b = bucket(source, now);
  // May go below zero: a source that keeps failing waits longer before its next handshake.
  b.tokens = std::max(b.tokens - limits_.failure_cost, -limits_.per_source_burst);
}

}  // namespace portico::channel
