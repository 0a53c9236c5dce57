#include "channel/noise_handshake.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "channel/errors.hpp"
#include "channel/transport_cipher.hpp"
#include "handshake_pair.hpp"

namespace portico::channel {
namespace {

using testing_support::complete;
using testing_support::handshake_pair;
using testing_support::HandshakePair;

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

// What a refused call must leave untouched.
struct Snapshot {
  std::size_t step;
  bool my_turn;
  Bytes hash;
  std::optional<PublicKey> remote_static;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const HandshakeState& h) {
  const ByteView hash = h.handshake_hash();
  return {h.step(), h.is_my_turn(), Bytes(hash.begin(), hash.end()), h.remote_static()};
}

Bytes write(HandshakeState& h, std::string_view payload = {}) {
  Result<Bytes> message = h.write_message(text(payload));
  EXPECT_TRUE(message) << message.error().message();
  return message ? *message : Bytes{};
}

Bytes read(HandshakeState& h, const Bytes& message) {
  Result<Bytes> payload = h.read_message(message);
  EXPECT_TRUE(payload) << payload.error().message();
  return payload ? *payload : Bytes{};
}

bool contains(const Bytes& haystack, const Bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

class HandshakeSuites : public ::testing::TestWithParam<const char*> {};

TEST_P(HandshakeSuites, CompletesAndBothSidesAgree) {
  HandshakePair p = handshake_pair(GetParam(), text("portico test prologue"));
  EXPECT_TRUE(p.initiator.is_my_turn());
  EXPECT_FALSE(p.responder.is_my_turn());

  // -> e: no key yet, so the payload travels in clear (only hashed).
  const Bytes m1 = write(p.initiator, "first");
  EXPECT_EQ(m1.size(), kDhLen + 5);
  EXPECT_EQ(read(p.responder, m1), text("first"));
  // <- e, ee, s, es: the responder's static key and payload are encrypted.
  const Bytes m2 = write(p.responder, "second payload");
  EXPECT_EQ(m2.size(), kDhLen + (kDhLen + kTagLen) + 14 + kTagLen);
  EXPECT_FALSE(contains(m2, text("second payload")));
  EXPECT_FALSE(contains(m2, Bytes(p.responder_static.public_key.begin(), p.responder_static.public_key.end())));
  EXPECT_EQ(read(p.initiator, m2), text("second payload"));
  EXPECT_EQ(p.initiator.remote_static(), p.responder_static.public_key);
  // -> s, se
  const Bytes m3 = write(p.initiator, "third");
  EXPECT_EQ(m3.size(), (kDhLen + kTagLen) + 5 + kTagLen);
  EXPECT_EQ(read(p.responder, m3), text("third"));
  EXPECT_EQ(p.responder.remote_static(), p.initiator_static.public_key);

  ASSERT_TRUE(p.initiator.is_complete() && p.responder.is_complete());
  EXPECT_FALSE(p.initiator.is_my_turn() || p.responder.is_my_turn());
  EXPECT_EQ(Bytes(p.initiator.handshake_hash().begin(), p.initiator.handshake_hash().end()),
            Bytes(p.responder.handshake_hash().begin(), p.responder.handshake_hash().end()));

  Result<TransportState> a = std::move(p.initiator).split();
  Result<TransportState> b = std::move(p.responder).split();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->remote_static(), p.responder_static.public_key);
  EXPECT_EQ(b->remote_static(), p.initiator_static.public_key);
  TransportCipher alice(std::move(*a));
  TransportCipher bob(std::move(*b));
  Result<Bytes> record = alice.encrypt(text("over the channel"));
  ASSERT_TRUE(record);
  Result<Bytes> plain = bob.decrypt(*record);
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(*plain, text("over the channel"));
  record = bob.encrypt(text("and back"));
  ASSERT_TRUE(record);
  plain = alice.decrypt(*record);
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(*plain, text("and back"));
}

INSTANTIATE_TEST_SUITE_P(All, HandshakeSuites,
                         ::testing::Values("Noise_XX_25519_ChaChaPoly_SHA256", "Noise_XX_25519_ChaChaPoly_SHA512",
                                           "Noise_XX_25519_ChaChaPoly_BLAKE2b", "Noise_XX_25519_AESGCM_SHA256",
                                           "Noise_XX_25519_AESGCM_SHA512", "Noise_XX_25519_AESGCM_BLAKE2b"));

TEST(HandshakeXX, OutOfTurnCallsAreRefusedAndChangeNothing) {
  HandshakePair p = handshake_pair();
  const Snapshot responder_before = snapshot(p.responder);
  EXPECT_EQ(p.responder.write_message({}).error(), Error::out_of_turn);  // the initiator speaks first
  EXPECT_EQ(snapshot(p.responder), responder_before);
  const Snapshot initiator_before = snapshot(p.initiator);
  EXPECT_EQ(p.initiator.read_message(Bytes(kDhLen, 9)).error(), Error::out_of_turn);
  EXPECT_EQ(snapshot(p.initiator), initiator_before);

  const Bytes m1 = write(p.initiator);
  EXPECT_EQ(p.initiator.write_message({}).error(), Error::out_of_turn);  // now it waits for m2
  read(p.responder, m1);
  EXPECT_EQ(p.responder.read_message(m1).error(), Error::out_of_turn);  // now it must write m2
  const Bytes m2 = write(p.responder);
  EXPECT_EQ(p.responder.write_message({}).error(), Error::out_of_turn);
  read(p.initiator, m2);
  const Bytes m3 = write(p.initiator);
  read(p.responder, m3);
  EXPECT_EQ(p.initiator.write_message({}).error(), Error::handshake_complete);
  EXPECT_EQ(p.responder.read_message(m3).error(), Error::handshake_complete);
  EXPECT_TRUE(std::move(p.initiator).split());
}

// Flipping any one bit of m2 or m3 is caught by a tag (the e bytes feed the hash and the DH, so they break the
// next tag too); the refused read leaves the reader as it was, and the genuine message then works.
TEST(HandshakeXX, TamperedMessagesAreRefusedAndChangeNothing) {
  HandshakePair p = handshake_pair();
  read(p.responder, write(p.initiator));
  const Bytes m2 = write(p.responder, "payload two");
  const Snapshot before2 = snapshot(p.initiator);
  for (std::size_t i = 0; i < m2.size(); ++i) {
    Bytes tampered = m2;
    tampered[i] ^= 0x01;
    EXPECT_EQ(p.initiator.read_message(tampered).error(), Error::decrypt_failed) << "byte " << i;
    EXPECT_EQ(snapshot(p.initiator), before2);
  }
  EXPECT_EQ(read(p.initiator, m2), text("payload two"));

  const Bytes m3 = write(p.initiator, "payload three");
  const Snapshot before3 = snapshot(p.responder);
  for (std::size_t i = 0; i < m3.size(); ++i) {
    Bytes tampered = m3;
    tampered[i] ^= 0x80;
    EXPECT_EQ(p.responder.read_message(tampered).error(), Error::decrypt_failed) << "byte " << i;
    EXPECT_EQ(snapshot(p.responder), before3);
  }
  EXPECT_EQ(read(p.responder, m3), text("payload three"));
  EXPECT_TRUE(p.responder.is_complete());
}

// m1 carries no tag (no key exists yet): a changed m1 is only caught when m2's tags, bound to the hash of what
// each side saw, fail at the initiator.
TEST(HandshakeXX, TamperedFirstMessageFailsAtTheSecond) {
  HandshakePair p = handshake_pair();
  Bytes m1 = write(p.initiator);
  m1[3] ^= 0x10;
  read(p.responder, m1);
  const Bytes m2 = write(p.responder);
  EXPECT_EQ(p.initiator.read_message(m2).error(), Error::decrypt_failed);
  EXPECT_EQ(p.initiator.step(), 1U);
}

TEST(HandshakeXX, TruncatedMessagesAreRefusedAndChangeNothing) {
  HandshakePair p = handshake_pair();
  const Bytes m1 = write(p.initiator);
  for (std::size_t size = 0; size < kDhLen; ++size) {
    EXPECT_EQ(p.responder.read_message(ByteView(m1).first(size)).error(), Error::message_too_short) << size;
  }
  read(p.responder, m1);
  const Bytes m2 = write(p.responder, "two");
  const Snapshot before2 = snapshot(p.initiator);
  for (std::size_t size = 0; size < m2.size(); ++size) {
    const std::error_code error = p.initiator.read_message(ByteView(m2).first(size)).error();
    EXPECT_TRUE(error == Error::message_too_short || error == Error::decrypt_failed) << size << ": " << error.message();
    EXPECT_EQ(snapshot(p.initiator), before2);
  }
  read(p.initiator, m2);
  const Bytes m3 = write(p.initiator, "three");
  const Snapshot before3 = snapshot(p.responder);
  for (std::size_t size = 0; size < m3.size(); ++size) {
    const std::error_code error = p.responder.read_message(ByteView(m3).first(size)).error();
    EXPECT_TRUE(error == Error::message_too_short || error == Error::decrypt_failed) << size << ": " << error.message();
    EXPECT_EQ(snapshot(p.responder), before3);
  }
  EXPECT_EQ(read(p.responder, m3), text("three"));
}

TEST(HandshakeXX, AppendedBytesAreRefused) {
  HandshakePair p = handshake_pair();
  read(p.responder, write(p.initiator));
  Bytes m2 = write(p.responder);
  Bytes longer = m2;
  longer.push_back(0);
  EXPECT_EQ(p.initiator.read_message(longer).error(), Error::decrypt_failed);
  read(p.initiator, m2);
}

TEST(HandshakeXX, ReplayedMessagesAreRefusedAndChangeNothing) {
  HandshakePair p = handshake_pair();
  const Bytes m1 = write(p.initiator);
  read(p.responder, m1);
  const Bytes m2 = write(p.responder);
  read(p.initiator, m2);

  // m2 again at the initiator, which now has to write m3.
  const Snapshot initiator_before = snapshot(p.initiator);
  EXPECT_EQ(p.initiator.read_message(m2).error(), Error::out_of_turn);
  EXPECT_EQ(snapshot(p.initiator), initiator_before);
  // m1 again at the responder, in the place of m3: too short to be one.
  const Snapshot responder_before = snapshot(p.responder);
  EXPECT_EQ(p.responder.read_message(m1).error(), Error::message_too_short);
  EXPECT_EQ(snapshot(p.responder), responder_before);

  const Bytes m3 = write(p.initiator);
  read(p.responder, m3);
  EXPECT_EQ(p.responder.read_message(m3).error(), Error::handshake_complete);

  // m2 of this handshake replayed into another initiator's handshake: its tags are bound to the other hash.
  HandshakePair other = handshake_pair();
  read(other.responder, write(other.initiator));
  EXPECT_EQ(other.initiator.read_message(m2).error(), Error::decrypt_failed);
  EXPECT_EQ(other.initiator.step(), 1U);
}

TEST(HandshakeXX, SplitOnlyWhenCompleteThenTheHandshakeIsGone) {
  HandshakePair p = handshake_pair();
  EXPECT_EQ(std::move(p.initiator).split().error(), Error::handshake_not_complete);
  EXPECT_FALSE(p.initiator.is_moved());  // a refused split keeps the handshake
  complete(p);
  Result<TransportState> transport = std::move(p.initiator).split();
  ASSERT_TRUE(transport);
  EXPECT_TRUE(p.initiator.is_moved());  // NOLINT(bugprone-use-after-move): checking the moved state is the point
  EXPECT_EQ(p.initiator.write_message({}).error(), Error::handshake_moved);
  EXPECT_EQ(p.initiator.read_message(Bytes(64)).error(), Error::handshake_moved);
  EXPECT_EQ(std::move(p.initiator).split().error(), Error::handshake_moved);
  EXPECT_TRUE(p.initiator.handshake_hash().empty());
  EXPECT_FALSE(p.initiator.remote_static());
}

TEST(HandshakeXX, AMovedFromHandshakeRefusesEverything) {
  HandshakePair p = handshake_pair();
  HandshakeState moved = std::move(p.initiator);
  EXPECT_EQ(p.initiator.write_message({}).error(), Error::handshake_moved);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(moved.write_message({}));
}

// An all-zero ephemeral key (a low-order point) makes DH(e, re) all zeros: the responder refuses to write m2.
TEST(HandshakeXX, LowOrderPeerKeyIsRefused) {
  HandshakePair p = handshake_pair();
  read(p.responder, Bytes(kDhLen, 0));
  const Snapshot before = snapshot(p.responder);
  EXPECT_EQ(p.responder.write_message({}).error(), Error::bad_public_key);
  EXPECT_EQ(snapshot(p.responder), before);
}

TEST(HandshakeXX, OversizedMessagesAreRefused) {
  HandshakePair p = handshake_pair();
  EXPECT_EQ(p.initiator.write_message(Bytes(kMaxNoiseMessageBytes - kDhLen + 1)).error(), Error::message_too_large);
  EXPECT_EQ(p.initiator.step(), 0U);
  const Bytes m1 = write(p.initiator, std::string(kMaxNoiseMessageBytes - kDhLen, 'x'));
  EXPECT_EQ(m1.size(), kMaxNoiseMessageBytes);
  EXPECT_EQ(p.responder.read_message(Bytes(kMaxNoiseMessageBytes + 1)).error(), Error::message_too_large);
  read(p.responder, m1);
  // m2 has 96 bytes of overhead around its payload.
  EXPECT_EQ(p.responder.write_message(Bytes(kMaxNoiseMessageBytes - 95)).error(), Error::message_too_large);
  EXPECT_TRUE(p.responder.write_message(Bytes(kMaxNoiseMessageBytes - 96)));
}

TEST(HandshakeXX, DifferentProloguesFailAtTheSecondMessage) {
  const KeyPair s1 = crypto::generate_keypair();
  const KeyPair s2 = crypto::generate_keypair();
  const Bytes one = text("one");
  const Bytes two = text("two");
  const std::string_view name = testing_support::kDefaultTestProtocol;
  Result<HandshakeState> initiator =
      HandshakeState::create({.role = Role::initiator, .protocol_name = name, .prologue = one, .static_keys = s1});
  Result<HandshakeState> responder =
      HandshakeState::create({.role = Role::responder, .protocol_name = name, .prologue = two, .static_keys = s2});
  ASSERT_TRUE(initiator && responder);
  read(*responder, write(*initiator));
  EXPECT_EQ(initiator->read_message(write(*responder)).error(), Error::decrypt_failed);
}

TEST(HandshakeXX, OnlySupportedProtocolNamesAndKeysAreAccepted) {
  for (const char* name : {"Noise_XX_25519_ChaChaPoly_BLAKE2s", "Noise_XX_448_ChaChaPoly_SHA256",
                           "Noise_XXpsk3_25519_ChaChaPoly_SHA256", "Noise_XXfallback_25519_AESGCM_SHA256",
                           "Noise_IK_25519_ChaChaPoly_SHA256", "Noise_XX_25519_AESGCM_SHA256_extra",
                           "Noise_XX_25519_ChaChaPoly", "OCKAM_XX_25519_AES256_GCM_SHA256", ""}) {
    EXPECT_EQ(parse_protocol_name(name).error(), Error::unsupported_protocol) << name;
    EXPECT_EQ(HandshakeState::create({.protocol_name = name, .static_keys = crypto::generate_keypair()}).error(),
              Error::unsupported_protocol)
        << name;
  }
  Result<Suite> suite = parse_protocol_name("Noise_XX_25519_AESGCM_BLAKE2b");
  ASSERT_TRUE(suite);
  EXPECT_EQ(suite->cipher, CipherKind::aes_gcm);
  EXPECT_EQ(suite->hash, HashKind::blake2b);
  // XX needs a static key on both sides: an unset (all-zero) one is refused.
  EXPECT_EQ(HandshakeState::create({.protocol_name = testing_support::kDefaultTestProtocol}).error(), Error::bad_key);
  EXPECT_EQ(crypto::keypair_from_secret(Bytes(31)).error(), Error::bad_key);
}

TEST(HandshakeXX, ErrorsHaveTheirOwnCategoryAndMessages) {
  const std::error_code error = Error::out_of_turn;
  EXPECT_STREQ(error.category().name(), "portico.channel");
  std::vector<std::string> messages;
  for (int e = static_cast<int>(Error::unsupported_protocol); e <= static_cast<int>(Error::crypto_failure); ++e) {
    const std::string message = make_error_code(static_cast<Error>(e)).message();
    EXPECT_NE(message, "unknown channel error");
    EXPECT_EQ(std::count(messages.begin(), messages.end(), message), 0) << message;
    messages.push_back(message);
  }
}

}  // namespace
}  // namespace portico::channel
