// ChannelCore without sockets or timers: two cores, messages carried between them by hand, time moved by hand.
#include "channel/channel_core.hpp"

#include <gtest/gtest.h>

#include "channel/channel_messages.hpp"
#include "identity/credential.hpp"

namespace portico::channel {
namespace {

using namespace std::chrono_literals;
using Core = ChannelCore;

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

// What one call gave: messages for the peer, messages for this node, and the rest.
struct Seen {
  std::vector<Message> to_peer, delivered;
  std::vector<std::string> logs;
  std::optional<Core::Closed> closed;
  bool established = false;
};

Seen sort(Core::Actions actions) {
  Seen seen;
  for (auto& action : actions) {
    if (auto* send = std::get_if<Core::Send>(&action)) {
      (send->to_peer ? seen.to_peer : seen.delivered).push_back(std::move(send->message));
    } else if (auto* log = std::get_if<Core::Log>(&action)) {
      seen.logs.push_back(log->line);
    } else if (auto* closed = std::get_if<Core::Closed>(&action)) {
      seen.closed = *closed;
    } else {
      seen.established = true;
    }
  }
  return seen;
}

std::size_t count_containing(const std::vector<std::string>& lines, std::string_view what) {
  return static_cast<std::size_t>(
      std::count_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(what) != std::string::npos; }));
}

struct Pair {
  static constexpr std::uint64_t kNow = 1'800'000'000;
  identity::Identity hub = identity::Identity::generate();
  std::shared_ptr<const identity::Identity> device = std::make_shared<identity::Identity>(identity::Identity::generate());
  std::shared_ptr<const identity::Identity> op = std::make_shared<identity::Identity>(identity::Identity::generate());
  Core::Time now = Core::Clock::now();
  std::optional<Core> a;  // initiator (the operator)
  std::optional<Core> b;  // responder (the device)

  Bytes credential_for(const identity::Identity& who) const {
    return identity::encode_credential(identity::issue_credential(hub, who.identifier(), {{"role", "member"}},
                                                                  kNow - 60, kNow + 3600));
  }
  ChannelOptions a_options() const {
    return {.identity = op, .credential = credential_for(*op),
            .policy = {.authority = {}, .expected_identifier = device->identifier(), .required_attributes = {}},
            .clock = [] { return kNow; }};
  }
  ChannelOptions b_options() const {
    return {.identity = device, .credential = credential_for(*device),
            .policy = {.authority = hub.public_key(), .expected_identifier = {}, .required_attributes = {}},
            .clock = [] { return kNow; }};
  }
  Message m1() {
    a.emplace(a_options(), Role::initiator, Address::local("sc-00000000000000aa"), now);
    Seen first = sort(a->initiate(Route{Address::local("link"), Address::local("secure")}));
    EXPECT_EQ(first.to_peer.size(), 1u);
    return first.to_peer.at(0);
  }
  // The whole handshake with `b_opts` for the responder; both ends established.
  void establish(ChannelOptions a_opts, ChannelOptions b_opts) {
    a.emplace(std::move(a_opts), Role::initiator, Address::local("sc-00000000000000aa"), now);
    Message m1 = sort(a->initiate(Route{Address::local("link"), Address::local("secure")})).to_peer.at(0);
    b.emplace(std::move(b_opts), Role::responder, Address::local("sc-00000000000000bb"), now);
    Message m2 = sort(b->respond(m1, now)).to_peer.at(0);
    Message m3 = sort(a->from_peer(m2, now)).to_peer.at(0);
    Seen after_m3 = sort(b->from_peer(m3, now));
    ASSERT_TRUE(after_m3.established);
    Seen confirmed = sort(a->from_peer(after_m3.to_peer.at(0), now));
    ASSERT_TRUE(confirmed.established);
  }
  void establish() { establish(a_options(), b_options()); }
  // a's app sends `payload` to b's worker "echo".
  Message a_sends(std::string_view payload) {
    Seen seen = sort(a->from_local(Message{Route{a->encryptor(), Address::local("echo")}, Route{Address::local("app")},
                                           text(payload)},
                                   now));
    EXPECT_EQ(seen.to_peer.size(), 1u);
    return seen.to_peer.at(0);
  }
};

Message with_payload(const Core& to, Bytes payload) {
  return Message{Route{to.decryptor()}, Route{Address::local("attacker")}, std::move(payload)};
}

TEST(ChannelCore, HandshakeThenRecordsCarryTheVerifiedPeer) {
  Pair p;
  p.establish();
  Seen got = sort(p.b->from_peer(p.a_sends("hello"), p.now));
  ASSERT_EQ(got.delivered.size(), 1u);
  const Message& m = got.delivered[0];
  EXPECT_EQ(m.onward, Route{Address::local("echo")});
  EXPECT_EQ(m.return_route, (Route{p.b->encryptor(), Address::local("app")}));
  EXPECT_EQ(m.payload, text("hello"));
  ASSERT_TRUE(m.origin);
  EXPECT_EQ(m.origin->peer, p.op->identifier());
  EXPECT_TRUE(m.origin->member);
  EXPECT_EQ(p.b->state(), Core::State::established);
}

TEST(ChannelCore, ARecordKeepsTheLaneOfTheMessageItSeals) {
  Pair p;
  p.establish();
  EXPECT_FALSE(p.a_sends("data").control_lane);
  Message credit{Route{p.a->encryptor(), Address::local("echo")}, Route{Address::local("app")}, text("credit")};
  credit.control_lane = true;
  Seen seen = sort(p.a->from_local(std::move(credit), p.now));
  ASSERT_EQ(seen.to_peer.size(), 1u);
  EXPECT_TRUE(seen.to_peer[0].control_lane);
  EXPECT_TRUE(seen.to_peer[0].sealed_end_to_end);
}

TEST(ChannelCore, ARefusalEndsAHandshakeInProgress) {
  Pair p;
  p.m1();
  Seen got = sort(p.a->from_peer(with_payload(*p.a, Bytes{kRefusalType, 'n', 'o'}), p.now));
  ASSERT_TRUE(got.closed);
  EXPECT_TRUE(got.closed->during_handshake);
  EXPECT_EQ(got.closed->reason, "refused by the peer: no");
}

TEST(ChannelCore, TheHandshakeTimesOutAtItsDeadline) {
  Pair p;
  p.m1();
  ASSERT_EQ(p.a->next_deadline(), p.now + 10s);
  EXPECT_FALSE(sort(p.a->on_timer(p.now + 9999ms)).closed);
  Seen got = sort(p.a->on_timer(p.now + 10s));
  ASSERT_TRUE(got.closed);
  EXPECT_EQ(got.closed->reason, "handshake timed out");
}

TEST(ChannelCore, ARefusalToAnEstablishedChannelIsIgnoredWhenThePeerAnswersUnderTheKeys) {
  Pair p;
  p.establish();
  for (int round = 0; round < 3; ++round) {
    Seen probe = sort(p.b->from_peer(with_payload(*p.b, Bytes{kRefusalType, 'g', 'o', 'n', 'e'}), p.now));
    EXPECT_FALSE(probe.closed);
    ASSERT_EQ(probe.to_peer.size(), 1u) << "a ping under the keys";
    EXPECT_EQ(probe.to_peer[0].payload[0], kControlType);
    EXPECT_TRUE(p.b->suspect());
    // More refusals while the probe is out change nothing and send nothing.
    EXPECT_TRUE(sort(p.b->from_peer(with_payload(*p.b, Bytes{kRefusalType}), p.now)).to_peer.empty());
    Seen pong = sort(p.a->from_peer(probe.to_peer[0], p.now));
    ASSERT_EQ(pong.to_peer.size(), 1u);
    Seen answered = sort(p.b->from_peer(pong.to_peer[0], p.now + 100ms));
    EXPECT_FALSE(p.b->suspect());
    EXPECT_EQ(count_containing(answered.logs, "ignored an unauthenticated refusal"), round == 0 ? 1u : 0u)
        << "logged once per channel";
    EXPECT_FALSE(sort(p.b->on_timer(p.now + 5s)).closed);
  }
  EXPECT_EQ(p.b->state(), Core::State::established);
  EXPECT_EQ(sort(p.b->from_peer(p.a_sends("still"), p.now)).delivered.size(), 1u);
}

TEST(ChannelCore, ARefusalNobodyContradictsClosesTheChannelAfterTheProbeTimeout) {
  Pair p;
  p.establish();
  Seen probe = sort(p.a->from_peer(with_payload(*p.a, text("\x03no such channel any more")), p.now));
  ASSERT_EQ(probe.to_peer.size(), 1u);
  EXPECT_EQ(p.a->next_deadline(), p.now + kProbeTimeout);
  EXPECT_FALSE(sort(p.a->on_timer(p.now + kProbeTimeout - 1ms)).closed);
  Seen gone = sort(p.a->on_timer(p.now + kProbeTimeout));
  ASSERT_TRUE(gone.closed);
  EXPECT_FALSE(gone.closed->during_handshake);
  EXPECT_EQ(gone.closed->reason.find("refused by the peer: no such channel any more"), 0u) << gone.closed->reason;
}

TEST(ChannelCore, WhatDoesNotOpenUnderTheKeysIsDroppedAndTheChannelCarriesOn) {
  Pair p;
  p.establish();
  Bytes forged{kRecordType, 0, 0, 0, 0, 0, 0, 0, 9};
  forged.resize(forged.size() + 40, 0x5a);
  std::vector<Bytes> attacks = {forged, Bytes{kRecordType, 1, 2}, Bytes{kControlType, 0, 0, 0, 0, 0, 0, 0, 7},
                                Bytes{kHopType, 3, 1, 2, 3}, Bytes{kHandshakeType, 1, 2, 3}, Bytes{kConfirmType},
                                Bytes{kCredentialType, 0, 0}, Bytes{0x7f}, Bytes{}};
  forged[0] = kControlType;
  attacks.push_back(forged);  // a forged Close
  std::vector<std::string> logs;
  for (const Bytes& attack : attacks) {
    Seen got = sort(p.b->from_peer(with_payload(*p.b, attack), p.now));
    EXPECT_FALSE(got.closed) << "closed by an unauthenticated message of type " << (attack.empty() ? -1 : attack[0]);
    EXPECT_TRUE(got.to_peer.empty());
    EXPECT_TRUE(got.delivered.empty());
    logs.insert(logs.end(), got.logs.begin(), got.logs.end());
  }
  EXPECT_EQ(p.b->records_rejected(), attacks.size());
  EXPECT_EQ(logs.size(), 4u) << "logged at the 1st, 2nd, 4th and 8th";
  // A replay of a genuine record is dropped too; the next one goes through.
  Message first = p.a_sends("one");
  EXPECT_EQ(sort(p.b->from_peer(first, p.now)).delivered.size(), 1u);
  EXPECT_TRUE(sort(p.b->from_peer(first, p.now)).delivered.empty());
  EXPECT_EQ(sort(p.b->from_peer(p.a_sends("two"), p.now)).delivered.size(), 1u);
  EXPECT_EQ(p.b->state(), Core::State::established);
}

TEST(ChannelCore, AnAuthenticatedCloseEndsThePeerAtOnce) {
  Pair p;
  p.establish();
  Seen closing = sort(p.a->close("the node is stopping"));
  ASSERT_TRUE(closing.closed);
  ASSERT_EQ(closing.to_peer.size(), 1u);
  Seen got = sort(p.b->from_peer(closing.to_peer[0], p.now));
  ASSERT_TRUE(got.closed);
  EXPECT_EQ(got.closed->reason, "closed by the peer: the node is stopping");
  EXPECT_TRUE(got.to_peer.empty()) << "no Close back";
  // A Close replayed to a new channel at the same peer does not open under its keys.
  Pair q;
  q.establish();
  EXPECT_FALSE(sort(q.b->from_peer(closing.to_peer[0], q.now)).closed);
}

TEST(ChannelCore, KeepalivePingsAndASilentPeerIsDeadAfterItsTimeout) {
  Pair p;
  ChannelOptions a_opts = p.a_options();
  a_opts.keepalive = 2s;
  a_opts.dead_after = 6s;
  p.establish(a_opts, p.b_options());
  EXPECT_EQ(p.a->next_deadline(), p.now + 2s);
  Seen ping = sort(p.a->on_timer(p.now + 2s));
  ASSERT_EQ(ping.to_peer.size(), 1u);
  EXPECT_TRUE(ping.to_peer[0].control_lane) << "pings never wait behind data";
  Seen pong = sort(p.b->from_peer(ping.to_peer[0], p.now + 2s));
  ASSERT_EQ(pong.to_peer.size(), 1u);
  EXPECT_TRUE(pong.to_peer[0].control_lane);
  EXPECT_FALSE(sort(p.a->from_peer(pong.to_peer[0], p.now + 2100ms)).closed);
  // From here the peer says nothing: pings at 4.1 and 6.1 s, dead at 8.1 s.
  EXPECT_EQ(sort(p.a->on_timer(p.now + 4100ms)).to_peer.size(), 1u);
  EXPECT_FALSE(sort(p.a->on_timer(p.now + 8099ms)).closed);
  Seen dead = sort(p.a->on_timer(p.now + 8100ms));
  ASSERT_TRUE(dead.closed);
  EXPECT_EQ(dead.closed->reason, "nothing under the channel's keys for 6 s");
}

TEST(ChannelCore, TheIdleTimeoutCountsDataNotPings) {
  Pair p;
  ChannelOptions a_opts = p.a_options();
  a_opts.keepalive = 1s;
  a_opts.idle_timeout = 5s;
  p.establish(a_opts, p.b_options());
  for (auto t = 1s; t < 5s; t += 1s) {
    for (const Message& ping : sort(p.a->on_timer(p.now + t)).to_peer) {
      for (const Message& pong : sort(p.b->from_peer(ping, p.now + t)).to_peer) {
        EXPECT_FALSE(sort(p.a->from_peer(pong, p.now + t)).closed);
      }
    }
  }
  Seen idle = sort(p.a->on_timer(p.now + 5s));
  ASSERT_TRUE(idle.closed);
  EXPECT_EQ(idle.closed->reason, "nothing received for 5 s");
}

TEST(ChannelCore, AFreshCredentialReplacesTheMembershipAndAForeignOneCloses) {
  Pair p;
  p.establish();
  Bytes later = identity::encode_credential(identity::issue_credential(p.hub, p.op->identifier(), {{"role", "x"}},
                                                                       Pair::kNow, Pair::kNow + 7200));
  Seen update = sort(p.a->present_credential(later, p.now));
  ASSERT_EQ(update.to_peer.size(), 1u);
  EXPECT_FALSE(sort(p.b->from_peer(update.to_peer[0], p.now)).closed);
  Seen got = sort(p.b->from_peer(p.a_sends("x"), p.now));
  ASSERT_EQ(got.delivered.size(), 1u);
  EXPECT_EQ(got.delivered[0].origin->member_until, Pair::kNow + 7200);
  Seen foreign = sort(p.b->from_peer(sort(p.a->present_credential(p.credential_for(*p.device), p.now)).to_peer.at(0),
                                     p.now));
  ASSERT_TRUE(foreign.closed) << "an authenticated bad credential ends the channel";
  EXPECT_EQ(foreign.to_peer.size(), 1u) << "with a Close to the peer";
}

}  // namespace
}  // namespace portico::channel
