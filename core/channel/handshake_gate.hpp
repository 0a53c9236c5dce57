#pragma once
// HandshakeGate: who may start a handshake with this node's channel listener. A first handshake message costs
// the listener Diffie-Hellman work and a pending responder for up to the handshake timeout, before anything about
// the sender is known; this gate bounds that unauthenticated work per source and in total.
//
// The model is OpenSSH's MaxStartups ("start:rate:full" random early drop), with per-source buckets in front:
//   1. per source (a link at the hub; a peer's hub channel at an outlet, see SecureChannelListener): a token
//      bucket of handshakes (`per_source_burst`, then `per_source_per_second`), at most
//      `max_pending_per_source` unfinished at once and `max_channels_per_source` channels in all. A failed or
//      refused handshake costs its source `failure_cost` more tokens, so a peer the policy refuses slows itself
//      down and holds nothing once refused;
//   2. in total: below `early_drop_from` pending handshakes every admitted source is served; from there to
//      `max_pending` a new one is dropped with a probability rising linearly from `early_drop_rate` to 1.
// One source flooding first messages therefore holds at most its own few slots, and a node on another source
// still joins at once. WireGuard answers load with a cookie reply instead, which costs the flooder a round trip
// to prove its address; over TCP the address is already proven by the connection, and a cookie would need a new
// message type, so per-source fairness plus early drop gives the same promise with no wire change.
// Pure: time and the random draw are inputs.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace portico::channel {

struct HandshakeLimits {
  std::size_t max_pending = 256;           // unfinished handshakes in all (OCKAM_MAX_PENDING_HANDSHAKES)
  std::size_t early_drop_from = 128;        // pending handshakes from which new ones are randomly dropped (half)
  double early_drop_rate = 0.3;             // drop probability at early_drop_from, rising to 1 at max_pending
  std::size_t max_pending_per_source = 4;   // unfinished handshakes per source
  std::size_t max_channels_per_source = 8;  // channels (pending or established) per source (OCKAM_MAX_CHANNELS_PER_LINK)
  double per_source_per_second = 5.0;       // handshakes a source may start per second, after its burst
  double per_source_burst = 10.0;
  double failure_cost = 3.0;                // extra tokens a failed or refused handshake costs its source
  std::size_t max_sources = 4096;           // sources remembered (the fullest bucket is forgotten first)
};

enum class HandshakeVerdict { admit, source_rate, source_pending, source_channels, early_drop, full };
// A short text for log lines: "admitted", "too many handshakes from this source", ...
std::string_view describe(HandshakeVerdict verdict);

// What the listener counts when a first message arrives.
struct HandshakeCounts {
  std::size_t pending = 0;             // unfinished handshakes in all
  std::size_t pending_of_source = 0;   // unfinished handshakes of this source
  std::size_t channels_of_source = 0;  // channels of this source, pending or established
};

class HandshakeGate {
 public:
  using Clock = std::chrono::steady_clock;

  explicit HandshakeGate(HandshakeLimits limits = {}) : limits_(limits) {}

  // Whether a new handshake from `source` may start; `random` is a uniform draw in [0, 1) for the early drop.
  // Admitting takes one token from the source's bucket.
  HandshakeVerdict admit(std::string_view source, const HandshakeCounts& counts, Clock::time_point now, double random);
  // A handshake from `source` failed (timeout, bad message, refused by policy): it costs `failure_cost` tokens.
  void failed(std::string_view source, Clock::time_point now);

  const HandshakeLimits& limits() const { return limits_; }
  std::size_t sources() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point refilled{};
  };
  Bucket& bucket(std::string_view source, Clock::time_point now);

  HandshakeLimits limits_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace portico::channel
