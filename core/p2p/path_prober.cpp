#include "p2p/path_prober.hpp"

#include <algorithm>
#include <string_view>

#include <sodium.h>

namespace portico::p2p {
namespace {

constexpr std::string_view kTag = "PPB1";
constexpr std::uint8_t kProbe = 1;
constexpr std::uint8_t kAnswer = 2;
constexpr std::size_t kMacBytes = 16;
constexpr std::size_t kBodyBytes = kProbeBytes - kMacBytes;

// What no peer can be reached at.
bool usable(const SeenEndpoint& e) {
  if (e.port == 0) return false;
  if (e.v4) {
    const std::uint8_t a = e.address[12];
    const bool unspecified = a == 0, loopback = a == 127, multicast = (a & 0xf0) == 0xe0;
    const bool broadcast = a == 255 && e.address[13] == 255 && e.address[14] == 255 && e.address[15] == 255;
    return !unspecified && !loopback && !multicast && !broadcast;
  }
  const bool all_zero = std::all_of(e.address.begin(), e.address.end(), [](std::uint8_t b) { return b == 0; });
  const bool loopback = std::all_of(e.address.begin(), e.address.end() - 1, [](std::uint8_t b) { return b == 0; }) &&
                        e.address[15] == 1;
  return !all_zero && !loopback && e.address[0] != 0xff;
}

}  // namespace

PathProber::PathProber(const PathSecret& secret, bool initiator) : initiator_(initiator) {
  crypto_kdf_derive_from_key(key_.data(), key_.size(), 1, "portprob", secret.data());
}

Bytes PathProber::datagram(std::uint8_t kind, const TransactionId& txid) const {
  Bytes out(kTag.begin(), kTag.end());
  out.push_back(kind);
  out.push_back(initiator_ ? 1 : 0);
  out.insert(out.end(), txid.begin(), txid.end());
  std::uint8_t mac[kMacBytes];
  crypto_generichash(mac, sizeof mac, out.data(), out.size(), key_.data(), key_.size());
  out.insert(out.end(), mac, mac + sizeof mac);
  return out;
}

void PathProber::probe(const SeenEndpoint& to, Time now, Actions& out) {
  TransactionId txid{};
  randombytes_buf(txid.data(), txid.size());
  outstanding_[txid] = {to, now};
  ++probes_sent_;
  out.push_back(Send{to, datagram(kProbe, txid)});
}

void PathProber::start_round(Time now, Actions& out) {
  state_ = State::probing;
  ++rounds_;
  round_start_ = now;
  round_step_ = 0;
  outstanding_.clear();
  Actions timed = on_timer(now);  // step 0 is due now
  out.insert(out.end(), timed.begin(), timed.end());
}

void PathProber::lose(const std::string& why, Time now, Actions& out) {
  if (path_) out.push_back(Lost{*path_, why});
  path_.reset();
  start_round(now, out);
}

PathProber::Actions PathProber::set_candidates(std::vector<SeenEndpoint> candidates, Time now) {
  std::erase_if(candidates, [](const SeenEndpoint& e) { return !usable(e); });
  // Room is kept for peer-reflexive candidates: a quarter of the list.
  if (candidates.size() > kMaxCandidates * 3 / 4) candidates.resize(kMaxCandidates * 3 / 4);
  const bool added = std::any_of(candidates.begin(), candidates.end(), [&](const SeenEndpoint& e) {
    return std::find(candidates_.begin(), candidates_.end(), e) == candidates_.end();
  });
  given_candidates_ = candidates.size();
  candidates_ = std::move(candidates);
  Actions out;
  // An idle or failed prober starts a round; a round under way starts over when the list gained a candidate (the
  // schedule's later steps may be gone already), else takes the list at its next step. A proven path stays.
  if (state_ == State::idle || state_ == State::failed || (state_ == State::probing && added)) start_round(now, out);
  return out;
}

bool PathProber::opens(ByteView data) const {
  if (data.size() != kProbeBytes || !std::equal(kTag.begin(), kTag.end(), data.begin())) return false;
  std::uint8_t mac[kMacBytes];
  crypto_generichash(mac, sizeof mac, data.data(), kBodyBytes, key_.data(), key_.size());
  return sodium_memcmp(mac, data.data() + kBodyBytes, kMacBytes) == 0;
}

PathProber::Actions PathProber::on_datagram(ByteView data, const SeenEndpoint& from, Time now) {
  Actions out;
  if (data.size() != kProbeBytes || !std::equal(kTag.begin(), kTag.end(), data.begin())) {
    ++refused_;
    return out;
  }
  std::uint8_t mac[kMacBytes];
  crypto_generichash(mac, sizeof mac, data.data(), kBodyBytes, key_.data(), key_.size());
  // Only the other side's datagrams: our own, reflected back at us, say the wrong side sent them.
  if (sodium_memcmp(mac, data.data() + kBodyBytes, kMacBytes) != 0 || (data[5] != 0) == initiator_) {
    ++refused_;
    return out;
  }
  TransactionId txid{};
  std::copy_n(data.begin() + 6, txid.size(), txid.begin());
  if (data[4] == kProbe) {
    std::erase_if(seen_probes_, [&](const auto& entry) { return now - entry.second > kSeenProbesFor; });
    if (seen_probes_.count(txid) != 0 || seen_probes_.size() >= kMaxSeenProbes) {
      ++refused_;  // a replay (or more probes than any peer sends): answered once at most
      return out;
    }
    if (now - answers_window_ >= std::chrono::seconds(1)) answers_window_ = now, answers_in_window_ = 0;
    const bool reflexive = state_ != State::proven && usable(from) &&
                           std::find(candidates_.begin(), candidates_.end(), from) == candidates_.end() &&
                           candidates_.size() < kMaxCandidates;
    answers_in_window_ += reflexive ? 2 : 1;
    if (answers_in_window_ > kMaxAnswersPerSecond) {
      ++refused_;
      return out;
    }
    seen_probes_[txid] = now;
    out.push_back(Send{from, datagram(kAnswer, txid)});
    // The peer reached us from there: a candidate its NAT made, worth probing back (a peer-reflexive candidate).
    if (reflexive) {
      candidates_.push_back(from);
      probe(from, now, out);
    }
    return out;
  }
  if (data[4] != kAnswer) {
    ++refused_;
    return out;
  }
  auto it = outstanding_.find(txid);
  if (it == outstanding_.end() || !(it->second.first == from) || now - it->second.second > kProbeTimeout) {
    ++refused_;  // a replay, a late answer, or one from somewhere we did not probe
    return out;
  }
  const auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(now - it->second.second);
  outstanding_.erase(it);
  last_answer_ = now;
  keepalives_missed_ = 0;
  if (state_ != State::proven) {
    state_ = State::proven;
    path_ = from;
    last_keepalive_ = now;
    outstanding_.clear();
    next_timer_ = now + kKeepalive;
    out.push_back(Proven{from, rtt});
  }
  return out;
}

PathProber::Actions PathProber::ping(Time now) {
  Actions out;
  if (state_ == State::proven) probe(*path_, now, out);
  return out;
}

PathProber::Actions PathProber::on_timer(Time now) {
  Actions out;
  std::erase_if(outstanding_, [&](const auto& entry) { return now - entry.second.second > kProbeTimeout; });
  switch (state_) {
    case State::idle: next_timer_ = Time::max(); break;
    case State::probing: {
      constexpr std::size_t steps = std::size(kProbeSchedule);
      while (round_step_ < steps && now >= round_start_ + kProbeSchedule[round_step_]) {
        for (const auto& candidate : candidates_) probe(candidate, now, out);
        ++round_step_;
      }
      if (round_step_ < steps) {
        next_timer_ = round_start_ + kProbeSchedule[round_step_];
      } else if (now >= round_start_ + kProbeSchedule[steps - 1] + kProbeTimeout) {
        state_ = State::failed;
        next_timer_ = now + kRetryAfter;
        candidates_.resize(given_candidates_);  // peer-reflexive candidates do not outlive their round
        out.push_back(Failed{"no answer to " + std::to_string(steps) + " rounds of probes to " +
                             std::to_string(candidates_.size()) +
                             " candidates (both ends behind symmetric NATs, or UDP blocked on the way?); "
                             "trying again in " + std::to_string(kRetryAfter.count()) + " s"});
      } else {
        next_timer_ = round_start_ + kProbeSchedule[steps - 1] + kProbeTimeout;
      }
      break;
    }
    case State::failed:
      if (now >= next_timer_) start_round(now, out);
      break;
    case State::proven:
      if (now < last_keepalive_ + kKeepalive) {
        next_timer_ = last_keepalive_ + kKeepalive;
        break;
      }
      if (last_answer_ < last_keepalive_) ++keepalives_missed_;
      if (keepalives_missed_ >= kLostAfter) {
        lose(std::to_string(kLostAfter) + " keepalives in a row unanswered", now, out);
        break;
      }
      last_keepalive_ = now;
      probe(*path_, now, out);
      next_timer_ = now + kKeepalive;
      break;
  }
  return out;
}

}  // namespace portico::p2p
