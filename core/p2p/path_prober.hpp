#pragma once
// PathProber: punching and proving a direct UDP path to one peer (docs/direct-paths.md), as a plain class: the
// peer's candidate endpoints, datagrams and time in; datagrams to send and path events out. No sockets.
//
// Both ends know a path secret (agreed inside their end-to-end channel) and which of them opened the channel
// (the initiator). Each probes every candidate of the other on a short schedule; the other answers each probe it
// can check, to where the probe came from (so a NAT's mapping, not the candidate, is what gets proven):
//
//   datagram = "PPB1" kind:u8 from_initiator:u8 txid:12 mac:16       34 bytes
//   kind     = 1 probe, 2 answer (with the probe's txid)
//   mac      = BLAKE2b-128(key = KDF(path secret, "portprob"), everything before it)
//
// A path is proven by the first answer to one of our own outstanding probes: it opened under the key, came
// from the address we probed (or one the peer probed us from), and echoes a transaction id we sent in the last
// kProbeTimeout. A replayed answer echoes nothing outstanding; a reflected probe says the wrong side sent it.
// Once proven, a keepalive every kKeepalive holds the NAT mappings (commonly 30 s); kLostAfter unanswered
// keepalives in a row lose the path, and probing starts again from the candidates. A round of probes with no
// answer gives up (Failed, saying how many candidates were tried) and tries again after kRetryAfter.
// Answers are never larger than probes, and at most kMaxAnswersPerSecond go out (the probes back to a
// peer-reflexive candidate counted among them): no amplifier. A probe is answered once: its transaction id is
// remembered for kSeenProbesFor (at most kMaxSeenProbes), so a captured probe replayed from spoofed sources
// neither spends the answer budget nor fills the candidate list. Candidates that cannot be a peer (loopback,
// unspecified, multicast, broadcast, port 0) are dropped; peer-reflexive ones are forgotten when a round fails.
//
// Thread safety: none; one io_context thread.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "p2p/path_secret.hpp"
#include "p2p/rendezvous.hpp"
#include "wire/bytes.hpp"

namespace portico::p2p {

inline constexpr std::size_t kProbeBytes = 34;

class PathProber {
 public:
  using Clock = std::chrono::steady_clock;
  using Time = Clock::time_point;
  static constexpr std::chrono::milliseconds kProbeSchedule[] = {
      std::chrono::milliseconds(0), std::chrono::milliseconds(200), std::chrono::milliseconds(500),
      std::chrono::milliseconds(1000), std::chrono::milliseconds(2000), std::chrono::milliseconds(4000)};
  static constexpr std::chrono::milliseconds kProbeTimeout{2000};  // an answer later than this proves nothing
  static constexpr std::chrono::seconds kKeepalive{20};
  static constexpr int kLostAfter = 3;
  static constexpr std::chrono::seconds kRetryAfter{60};
  static constexpr std::size_t kMaxCandidates = 16;
  static constexpr int kMaxAnswersPerSecond = 50;
  static constexpr std::chrono::seconds kSeenProbesFor{60};
  static constexpr std::size_t kMaxSeenProbes = 1024;

  struct Send {
    SeenEndpoint to;
    Bytes datagram;
  };
  struct Proven {
    SeenEndpoint via;
    std::chrono::microseconds rtt;
  };
  struct Lost {
    SeenEndpoint via;
    std::string why;
  };
  struct Failed {
    std::string why;
  };
  using Action = std::variant<Send, Proven, Lost, Failed>;
  using Actions = std::vector<Action>;

  PathProber(const PathSecret& secret, bool initiator);

  // The peer's candidates (its public endpoint, its local addresses); starts a round of probes at once (a round
  // under way starts over if the list gained a candidate; a proven path is kept). More than kMaxCandidates: the
  // first ones are kept. Its owner bounds how often it is called (DirectPaths: once per kMinOfferGap).
  Actions set_candidates(std::vector<SeenEndpoint> candidates, Time now);
  Actions on_datagram(ByteView datagram, const SeenEndpoint& from, Time now);
  // Whether `datagram` is a probe or answer under this path's key (from either side): which peer's prober a
  // datagram on a shared socket is for.
  bool opens(ByteView datagram) const;
  Actions on_timer(Time now);
  // A proven path's probe now, outside the keepalive schedule (its owner suspects the path: an answer says it
  // works again at once); nothing when no path is proven. Does not move the keepalives or their loss count.
  Actions ping(Time now);
  Time next_timer() const { return next_timer_; }

  const std::optional<SeenEndpoint>& path() const { return path_; }
  // Whether `endpoint` is one of the peer's candidates (given or peer-reflexive).
  bool knows(const SeenEndpoint& endpoint) const {
    return std::find(candidates_.begin(), candidates_.end(), endpoint) != candidates_.end();
  }
  std::uint64_t probes_sent() const { return probes_sent_; }
  std::uint64_t rounds() const { return rounds_; }  // rounds of probes started
  std::uint64_t refused() const { return refused_; }

 private:
  enum class State { idle, probing, proven, failed };
  Bytes datagram(std::uint8_t kind, const TransactionId& txid) const;
  void probe(const SeenEndpoint& to, Time now, Actions& out);
  void start_round(Time now, Actions& out);
  void lose(const std::string& why, Time now, Actions& out);

  std::array<std::uint8_t, 32> key_{};
  bool initiator_;
  State state_ = State::idle;
  std::vector<SeenEndpoint> candidates_;
  std::size_t given_candidates_ = 0;  // candidates_[0, given) came from the peer; the rest are peer-reflexive
  std::map<TransactionId, Time> seen_probes_;
  std::optional<SeenEndpoint> path_;
  std::map<TransactionId, std::pair<SeenEndpoint, Time>> outstanding_;  // txid -> (to, sent at)
  Time round_start_{};
  std::size_t round_step_ = 0;
  int keepalives_missed_ = 0;
  Time last_answer_{};
  Time last_keepalive_{};
  Time next_timer_ = Time::max();
  Time answers_window_{};
  int answers_in_window_ = 0;
  std::uint64_t probes_sent_ = 0, refused_ = 0, rounds_ = 0;
};

}  // namespace portico::p2p
