// PathProber (core/p2p/path_prober.hpp): two ends punching a direct path over a simulated network of
// endpoints (virtual time, no sockets): proof through "NATs" that map, failure that says why and retries,
// keepalives, loss of the path, and nothing proven by forged, replayed or reflected datagrams.
#include "p2p/path_prober.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace portico::p2p {
namespace {

using namespace std::chrono_literals;
using Time = PathProber::Time;

SeenEndpoint endpoint(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint16_t port) {
  SeenEndpoint e;
  e.address[12] = a, e.address[13] = b, e.address[14] = c, e.address[15] = d;
  e.port = port;
  return e;
}

PathSecret secret_of(std::uint8_t seed) {
  PathSecret s{};
  s.fill(seed);
  return s;
}

// Two probers; a datagram a prober sends to the other's public endpoint arrives from the sender's public
// endpoint (a NAT that maps), unless `deliver` says no.
struct Pair {
  Pair() : a(secret_of(1), true), b(secret_of(1), false) {}
  SeenEndpoint a_public = endpoint(203, 0, 113, 10, 40001), b_public = endpoint(203, 0, 113, 20, 40002);
  PathProber a, b;
  Time now = Time(1000s);
  std::function<bool(bool from_a)> deliver = [](bool) { return true; };
  std::vector<PathProber::Proven> a_proven, b_proven;
  std::vector<PathProber::Lost> a_lost;
  std::vector<PathProber::Failed> a_failed, b_failed;
  std::size_t a_sent = 0, b_sent = 0;

  void handle(bool from_a, PathProber::Actions actions) {
    for (auto& action : actions) {
      if (auto* send = std::get_if<PathProber::Send>(&action)) {
        if (send->datagram[4] == 1) (from_a ? a_sent : b_sent)++;  // probes only, not answers
        const SeenEndpoint& target = from_a ? b_public : a_public;
        if (!(send->to == target) || !deliver(from_a)) continue;
        handle(!from_a, (from_a ? b : a).on_datagram(send->datagram, from_a ? a_public : b_public, now));
      } else if (auto* proven = std::get_if<PathProber::Proven>(&action)) {
        (from_a ? a_proven : b_proven).push_back(*proven);
      } else if (auto* lost = std::get_if<PathProber::Lost>(&action)) {
        if (from_a) a_lost.push_back(*lost);
      } else if (auto* failed = std::get_if<PathProber::Failed>(&action)) {
        (from_a ? a_failed : b_failed).push_back(*failed);
      }
    }
  }
  // Both ends get their candidates before anything is delivered (each end's own list is then what it probes),
  // then the network carries what they send.
  void start(std::vector<SeenEndpoint> for_a, std::vector<SeenEndpoint> for_b) {
    auto keep = deliver;
    deliver = [](bool) { return false; };
    handle(true, a.set_candidates(std::move(for_a), now));
    handle(false, b.set_candidates(std::move(for_b), now));
    deliver = keep;
    run_until(now + 1s);
  }
  // Advances virtual time timer by timer until `until`.
  void run_until(Time until) {
    for (;;) {
      const Time next = std::min(a.next_timer(), b.next_timer());
      if (next > until) break;
      now = std::max(now, next);
      if (a.next_timer() <= now) handle(true, a.on_timer(now));
      if (b.next_timer() <= now) handle(false, b.on_timer(now));
    }
    now = until;
  }
};

TEST(PathProber, BothEndsProveThePathThroughMappingNats) {
  Pair p;
  p.start({p.b_public}, {p.a_public});
  ASSERT_EQ(p.a_proven.size(), 1u);
  ASSERT_EQ(p.b_proven.size(), 1u);
  EXPECT_EQ(p.a_proven[0].via, p.b_public);
  EXPECT_EQ(p.b_proven[0].via, p.a_public);
  EXPECT_EQ(p.a.path(), p.b_public);
}

TEST(PathProber, AWrongCandidateIsMadeUpForByWhereTheProbesComeFrom) {
  Pair p;
  // b was told a's local address only (unreachable from b); a's probes show b a's public endpoint.
  p.start({p.b_public}, {endpoint(10, 0, 1, 2, 40001)});
  ASSERT_EQ(p.b_proven.size(), 1u);
  EXPECT_EQ(p.b_proven[0].via, p.a_public) << "proven via the peer-reflexive candidate";
}

TEST(PathProber, NoAnswerFailsWithAReasonAndTriesAgainLater) {
  Pair p;
  p.deliver = [](bool) { return false; };  // symmetric NATs: nothing gets through
  p.start({p.b_public}, {p.a_public});
  p.run_until(p.now + 9s);
  ASSERT_EQ(p.a_failed.size(), 1u);
  EXPECT_NE(p.a_failed[0].why.find("symmetric NATs"), std::string::npos) << p.a_failed[0].why;
  EXPECT_EQ(p.a_sent, std::size(PathProber::kProbeSchedule)) << "one probe per step of the schedule";
  EXPECT_FALSE(p.a.path());
  const std::size_t sent = p.a_sent;
  p.run_until(p.now + PathProber::kRetryAfter);
  EXPECT_GT(p.a_sent, sent) << "a new round after kRetryAfter";
  // The network heals: the next round proves the path.
  p.deliver = [](bool) { return true; };
  p.run_until(p.now + PathProber::kRetryAfter + 10s);
  EXPECT_EQ(p.a.path(), p.b_public);
}

TEST(PathProber, KeepalivesHoldThePathAndSilenceLosesIt) {
  Pair p;
  p.start({p.b_public}, {p.a_public});
  ASSERT_TRUE(p.a.path());
  const std::size_t sent = p.a_sent;
  p.run_until(p.now + 5min);
  EXPECT_TRUE(p.a.path()) << "answered keepalives keep it";
  EXPECT_GE(p.a_sent - sent, 14u) << "a keepalive every 20 s";
  EXPECT_LE(PathProber::kKeepalive, 25s) << "inside the 30 s NAT mappings commonly last";
  p.deliver = [](bool) { return false; };
  p.run_until(p.now + 90s);
  ASSERT_EQ(p.a_lost.size(), 1u);
  EXPECT_EQ(p.a_lost[0].via, p.b_public);
  EXPECT_FALSE(p.a.path());
}

TEST(PathProber, ForgedReplayedAndReflectedDatagramsProveNothing) {
  Pair p;
  PathProber other(secret_of(2), false);  // another path secret
  PathProber::Actions captured;
  // a probes b but nothing is delivered; keep what a sent.
  p.deliver = [](bool) { return false; };
  auto probes = p.a.set_candidates({p.b_public}, p.now);
  ASSERT_FALSE(probes.empty());
  const Bytes probe = std::get<PathProber::Send>(probes[0]).datagram;
  // Reflected back at a: refused (it says the initiator sent it).
  EXPECT_TRUE(p.a.on_datagram(probe, p.b_public, p.now).empty());
  // Another secret's end cannot check it, and what it answers with its own key opens nowhere.
  EXPECT_TRUE(other.on_datagram(probe, p.a_public, p.now).empty());
  // b answers it; the answer proves the path once, and its replay later proves nothing more.
  auto answer = p.b.on_datagram(probe, p.a_public, p.now);
  ASSERT_EQ(answer.size(), 2u) << "an answer, and a probe back to where it came from";
  const Bytes answer_bytes = std::get<PathProber::Send>(answer[0]).datagram;
  EXPECT_EQ(answer_bytes.size(), probe.size()) << "no larger than the probe";
  Bytes forged = answer_bytes;
  forged[10] ^= 1;
  EXPECT_TRUE(p.a.on_datagram(forged, p.b_public, p.now).empty());
  EXPECT_TRUE(p.a.on_datagram(answer_bytes, endpoint(198, 51, 100, 7, 9), p.now).empty()) << "not where we probed";
  auto proven = p.a.on_datagram(answer_bytes, p.b_public, p.now + 10ms);
  ASSERT_EQ(proven.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<PathProber::Proven>(proven[0]));
  EXPECT_TRUE(p.a.on_datagram(answer_bytes, p.b_public, p.now + 20ms).empty()) << "a replay";
  EXPECT_GE(p.a.refused(), 4u);
}

TEST(PathProber, AnswersAreRateLimitedAndAReplayedProbeIsAnsweredOnce) {
  PathProber b(secret_of(1), false);
  const Time now = Time(1000s);
  // 200 fresh probes in one second (200 initiators' first probes): b sends at most kMaxAnswersPerSecond
  // datagrams, its probe back to the peer-reflexive candidate included.
  std::size_t sent = 0;
  Bytes one_probe;
  for (int i = 0; i < 200; ++i) {
    PathProber a(secret_of(1), true);
    auto probes = a.set_candidates({endpoint(203, 0, 113, 20, 40002)}, now);
    const Bytes& probe = std::get<PathProber::Send>(probes.at(0)).datagram;
    if (one_probe.empty()) one_probe = probe;
    for (auto& reply : b.on_datagram(probe, endpoint(203, 0, 113, 10, 40001), now)) {
      sent += std::holds_alternative<PathProber::Send>(reply);
    }
  }
  EXPECT_EQ(sent, static_cast<std::size_t>(PathProber::kMaxAnswersPerSecond));
  // A second later, one captured probe replayed from 16 spoofed sources: not answered again, and no candidate
  // slot taken.
  PathProber c(secret_of(1), false);
  std::size_t answered = 0;
  for (std::uint8_t i = 0; i < 16; ++i) {
    answered += c.on_datagram(one_probe, endpoint(198, 51, 100, i + 1, 9000), now + 2s).size() > 0;
  }
  EXPECT_EQ(answered, 1u) << "answered once, then remembered";
}

TEST(PathProber, CandidatesNoPeerCanBeAtAreDropped) {
  PathProber a(secret_of(1), true);
  const Time now = Time(1000s);
  auto probes = a.set_candidates({endpoint(127, 0, 0, 1, 4000), endpoint(0, 0, 0, 0, 4000),
                                  endpoint(224, 0, 0, 1, 4000), endpoint(255, 255, 255, 255, 4000),
                                  endpoint(203, 0, 113, 20, 0), endpoint(203, 0, 113, 20, 40002)},
                                 now);
  ASSERT_EQ(probes.size(), 1u) << "only the one real candidate is probed";
  EXPECT_EQ(std::get<PathProber::Send>(probes[0]).to, endpoint(203, 0, 113, 20, 40002));
}

}  // namespace
}  // namespace portico::p2p

namespace portico::p2p {
namespace {

// A node with several peers hands each datagram to the prober whose key it opens under; rounds are counted.
TEST(PathProber, EachDatagramOpensUnderItsOwnPathsKeyOnly) {
  PathProber mine(secret_of(1), true), theirs(secret_of(1), false), other(secret_of(2), false);
  auto actions = mine.set_candidates({endpoint(203, 0, 113, 20, 40002)}, Time(1000s));
  ASSERT_FALSE(actions.empty());
  const auto& probe = std::get<PathProber::Send>(actions.front()).datagram;
  EXPECT_TRUE(theirs.opens(probe));
  EXPECT_TRUE(mine.opens(probe));  // the same key: on_datagram then refuses it as our own, reflected
  EXPECT_FALSE(other.opens(probe));
  Bytes altered = probe;
  altered[10] ^= 1;
  EXPECT_FALSE(theirs.opens(altered));
  EXPECT_FALSE(theirs.opens(ByteView(probe).first(kProbeBytes - 1)));
  EXPECT_EQ(mine.rounds(), 1u);
  EXPECT_EQ(theirs.rounds(), 0u);
}

}  // namespace
}  // namespace portico::p2p
