#include "util/log_limit.hpp"

#include <algorithm>

namespace portico::util {

std::string LogLimit::Verdict::suffix() const {
  if (suppressed == 0) return {};
  return " (suppressed " + std::to_string(suppressed) + " similar)";
}

LogLimit::Verdict LogLimit::check(std::string_view key, Clock::time_point now) {
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_keys) evict_one();
    it = buckets_.emplace(std::string(key), Bucket{options_.burst, now, 0}).first;
  }
  Bucket& bucket = it->second;
  if (now > bucket.refilled) {
    const double seconds = std::chrono::duration<double>(now - bucket.refilled).count();
    bucket.tokens = std::min(options_.burst, bucket.tokens + seconds * options_.per_second);
    bucket.refilled = now;
  }
  if (bucket.tokens < 1.0) {
    ++bucket.suppressed;
    return {};
  }
  bucket.tokens -= 1.0;
  Verdict verdict{true, bucket.suppressed + evicted_suppressed_};
  bucket.suppressed = 0;
  evicted_suppressed_ = 0;
  return verdict;
}

// The key with the most tokens left is the one logging least: dropping it loses the least.
void LogLimit::evict_one() {
  auto quietest = std::max_element(buckets_.begin(), buckets_.end(),
                                   [](const auto& a, const auto& b) { return a.second.tokens < b.second.tokens; });
  if (quietest == buckets_.end()) return;
  evicted_suppressed_ += quietest->second.suppressed;
  buckets_.erase(quietest);
}

LogLimit& shared_log_limit() {
  static LogLimit limit;
  return limit;
}

LogLimit::Verdict log_gate(std::string_view reason, std::string_view peer) {
  std::string key;
  key.reserve(reason.size() + 1 + std::min(peer.size(), kMaxLoggedText));
  key.append(reason).append("/").append(peer.substr(0, kMaxLoggedText));
  return shared_log_limit().check(key, LogLimit::Clock::now());
}

std::string clip(std::string_view text, std::size_t max) {
  std::string out;
  const std::size_t keep = std::min(text.size(), max);
  out.reserve(keep + 24);
  for (std::size_t i = 0; i < keep; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (text.size() > max) out += "…(" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace portico::util
