#pragma once
// LogLimit: log lines an attacker cannot inflate. Each key (a peer and a reason, say "deny/tcp-in-3f2a…") has a
// token bucket: `burst` lines at once, then `per_second` lines a second; the lines in between are counted, and the
// next line let through for that key says how many were suppressed ("(suppressed 1234 similar)"). At most
// `max_keys` keys are kept: a new key evicts the quietest one (its count is reported in the next line for the
// whole limiter, "suppressed N similar for other peers"), so an attacker making up keys costs bounded memory.
// Pure: time is an input.
//
// From asio code, the process-wide instance and a helper make a rate-limited line a one-liner:
//   if (auto gate = util::log_gate("denied", peer)) spdlog::warn("denied {}{}", clip(route), gate.suffix());
//
// clip() shortens attacker-controlled text (routes, reasons, names) before it is logged: at most
// kMaxLoggedText characters, non-printable bytes as '?', and the original size said when it was cut.
//
// Thread safety: none; one io_context thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace portico::util {

inline constexpr std::size_t kMaxLoggedText = 120;  // characters of attacker-controlled text per log line

struct LogLimitOptions {
  double per_second = 1.0;    // lines per key per second, once the burst is spent
  double burst = 5.0;         // lines per key at once
  std::size_t max_keys = 1024;
};

class LogLimit {
 public:
  using Clock = std::chrono::steady_clock;

  // What to do with one line: log it or not; when logged, how many similar lines were suppressed before it.
  struct Verdict {
    bool log = false;
    std::uint64_t suppressed = 0;
    explicit operator bool() const { return log; }
    // " (suppressed N similar)" when N > 0, else "".
    std::string suffix() const;
  };

  explicit LogLimit(LogLimitOptions options = {}) : options_(options) {}

  Verdict check(std::string_view key, Clock::time_point now);
  std::size_t keys() const { return buckets_.size(); }
  // Lines suppressed under keys that were evicted since the last report (reported on the next logged line).
  std::uint64_t evicted_suppressed() const { return evicted_suppressed_; }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point refilled{};
    std::uint64_t suppressed = 0;
  };
  void evict_one();

  LogLimitOptions options_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::uint64_t evicted_suppressed_ = 0;
};

// The process-wide limiter (default options), for code that logs events caused by peers.
LogLimit& shared_log_limit();
// shared_log_limit().check(reason + "/" + peer, now).
LogLimit::Verdict log_gate(std::string_view reason, std::string_view peer);

// Attacker-controlled text made safe to log: at most `max` characters, non-printable bytes as '?', and
// "…(N bytes)" appended when it was cut.
std::string clip(std::string_view text, std::size_t max = kMaxLoggedText);

}  // namespace portico::util
