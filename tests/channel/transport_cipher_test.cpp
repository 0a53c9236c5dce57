#include "channel/transport_cipher.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "channel/errors.hpp"
#include "handshake_pair.hpp"

namespace portico::channel {
namespace {

using testing_support::transport_states;

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes plaintext_for(std::uint64_t n) { return text("record " + std::to_string(n)); }

std::uint64_t nonce_of(const Bytes& record) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < kRecordNonceBytes; ++i) n = (n << 8) | record[i];
  return n;
}

Bytes with_nonce(Bytes record, std::uint64_t n) {
  for (std::size_t i = 0; i < kRecordNonceBytes; ++i) {
    record[i] = static_cast<std::uint8_t>(n >> (8 * (kRecordNonceBytes - 1 - i)));
  }
  return record;
}

// alice is the initiator, bob the responder.
struct Channel {
  TransportCipher alice;
  TransportCipher bob;
};

Channel channel(std::string_view protocol = testing_support::kDefaultTestProtocol) {
  auto [a, b] = transport_states(protocol);
  return {TransportCipher(std::move(a)), TransportCipher(std::move(b))};
}

Channel channel_starting_at(std::uint64_t first_nonce) {
  auto [a, b] = transport_states();
  return {TransportCipher::starting_at_nonce_for_testing(std::move(a), first_nonce),
          TransportCipher::starting_at_nonce_for_testing(std::move(b), first_nonce)};
}

// `count` records from `from`, record i carrying plaintext_for(its nonce).
std::vector<Bytes> records(TransportCipher& from, std::uint64_t count) {
  std::vector<Bytes> out;
  for (std::uint64_t i = 0; i < count; ++i) {
    Result<Bytes> record = from.encrypt(plaintext_for(from.next_send_nonce()));
    EXPECT_TRUE(record) << record.error().message();
    out.push_back(record ? *record : Bytes{});
  }
  return out;
}

::testing::AssertionResult accepted(TransportCipher& to, const Bytes& record) {
  Result<Bytes> plain = to.decrypt(record);
  if (!plain) return ::testing::AssertionFailure() << "nonce " << nonce_of(record) << ": " << plain.error().message();
  if (*plain != plaintext_for(nonce_of(record))) return ::testing::AssertionFailure() << "wrong plaintext";
  return ::testing::AssertionSuccess();
}

std::error_code refusal(TransportCipher& to, const Bytes& record) { return to.decrypt(record).error(); }

TEST(TransportCipher, RecordsCarryABigEndianNonceAndRoundTripBothWays) {
  Channel c = channel();
  const std::vector<Bytes> sent = records(c.alice, 3);
  for (std::uint64_t n = 0; n < 3; ++n) {
    EXPECT_EQ(nonce_of(sent[n]), n);
    EXPECT_EQ(sent[n].size(), kRecordNonceBytes + plaintext_for(n).size() + kTagLen);
    EXPECT_TRUE(accepted(c.bob, sent[n]));
  }
  EXPECT_EQ(c.bob.highest_received(), 2U);
  const std::vector<Bytes> back = records(c.bob, 1);  // each direction counts its own nonces
  EXPECT_EQ(nonce_of(back[0]), 0U);
  EXPECT_TRUE(accepted(c.alice, back[0]));
  EXPECT_EQ(c.alice.handshake_hash().size(), 32U);
  EXPECT_TRUE(std::equal(c.alice.handshake_hash().begin(), c.alice.handshake_hash().end(),
                         c.bob.handshake_hash().begin(), c.bob.handshake_hash().end()));
}

TEST(TransportCipher, RecordSizeLimits) {
  Channel c = channel();
  EXPECT_EQ(c.alice.encrypt(Bytes(kMaxRecordPlaintextBytes + 1)).error(), Error::record_too_large);
  EXPECT_EQ(c.alice.next_send_nonce(), 0U);
  Result<Bytes> empty = c.alice.encrypt({});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size(), kRecordOverheadBytes);
  Result<Bytes> largest = c.alice.encrypt(Bytes(kMaxRecordPlaintextBytes, 7));
  ASSERT_TRUE(largest);
  EXPECT_EQ(refusal(c.bob, Bytes(kRecordOverheadBytes - 1)), Error::record_too_short);
  EXPECT_TRUE(c.bob.decrypt(*empty));
  EXPECT_TRUE(c.bob.decrypt(*largest));
}

TEST(TransportCipher, TamperedRecordsAreRefusedAndChangeNothing) {
  Channel c = channel();
  const std::vector<Bytes> sent = records(c.alice, 2);
  ASSERT_TRUE(accepted(c.bob, sent[0]));
  for (std::size_t i = 0; i < sent[1].size(); ++i) {
    for (const int bit : {0x01, 0x80}) {
      Bytes tampered = sent[1];
      tampered[i] = static_cast<std::uint8_t>(tampered[i] ^ bit);
      EXPECT_TRUE(c.bob.decrypt(tampered).error()) << "byte " << i;  // tag, replay or range: refused either way
      EXPECT_EQ(c.bob.highest_received(), 0U);
    }
  }
  Bytes truncated = sent[1];
  truncated.pop_back();
  EXPECT_EQ(refusal(c.bob, truncated), Error::decrypt_failed);
  EXPECT_TRUE(accepted(c.bob, sent[1]));
}

// A forged record claiming a later interval makes the receiver derive keys to try it, but keeps none of them.
TEST(TransportCipher, AForgedLaterNonceMovesNeitherTheWindowNorTheKeys) {
  Channel c = channel();
  const std::vector<Bytes> sent = records(c.alice, 3);
  ASSERT_TRUE(accepted(c.bob, sent[0]));
  EXPECT_EQ(refusal(c.bob, with_nonce(sent[1], 5 * kRekeyInterval + 3)), Error::decrypt_failed);
  EXPECT_EQ(c.bob.highest_received(), 0U);
  EXPECT_TRUE(accepted(c.bob, sent[2]));
  EXPECT_TRUE(accepted(c.bob, sent[1]));
}

TEST(TransportCipher, ARecordCannotBeReflectedToItsSender) {
  Channel c = channel();
  const std::vector<Bytes> sent = records(c.alice, 1);
  EXPECT_EQ(refusal(c.alice, sent[0]), Error::decrypt_failed);
}

TEST(TransportCipher, ReplayedRecordsAreRefused) {
  Channel c = channel();
  const std::vector<Bytes> sent = records(c.alice, 3);
  ASSERT_TRUE(accepted(c.bob, sent[0]));
  EXPECT_EQ(refusal(c.bob, sent[0]), Error::nonce_replayed);
  ASSERT_TRUE(accepted(c.bob, sent[2]));
  EXPECT_EQ(refusal(c.bob, sent[2]), Error::nonce_replayed);
  EXPECT_EQ(refusal(c.bob, sent[0]), Error::nonce_replayed);
  ASSERT_TRUE(accepted(c.bob, sent[1]));
  EXPECT_EQ(refusal(c.bob, sent[1]), Error::nonce_replayed);
}

TEST(TransportCipher, ReorderedRecordsWithinTheWindowAreAccepted) {
  Channel c = channel();
  const std::vector<Bytes> sent = records(c.alice, kReplayWindow + 1);
  ASSERT_TRUE(accepted(c.bob, sent[kReplayWindow]));
  for (std::uint64_t n = kReplayWindow; n-- > 0;) EXPECT_TRUE(accepted(c.bob, sent[n]));  // down to 64 behind
  for (const Bytes& record : sent) EXPECT_EQ(refusal(c.bob, record), Error::nonce_replayed);
  EXPECT_EQ(c.bob.highest_received(), kReplayWindow);
}

TEST(TransportCipher, RecordsOlderThanTheWindowAreRefused) {
  Channel c = channel();
  const std::vector<Bytes> sent = records(c.alice, kReplayWindow + 2);
  ASSERT_TRUE(accepted(c.bob, sent[kReplayWindow + 1]));
  EXPECT_EQ(refusal(c.bob, sent[0]), Error::nonce_too_old);  // 65 behind
  EXPECT_TRUE(accepted(c.bob, sent[1]));                     // 64 behind
}

TEST(TransportCipher, RecordsTooFarAheadAreRefused) {
  Channel c = channel();
  const std::vector<Bytes> sent = records(c.alice, kMaxNonceJump + 2);
  EXPECT_EQ(refusal(c.bob, sent[kMaxNonceJump + 1]), Error::nonce_too_far_ahead);  // as the first record
  ASSERT_TRUE(accepted(c.bob, sent[0]));
  EXPECT_EQ(refusal(c.bob, sent[kMaxNonceJump + 1]), Error::nonce_too_far_ahead);
  EXPECT_TRUE(accepted(c.bob, sent[kMaxNonceJump]));  // exactly the largest jump: 16 intervals derived
  EXPECT_TRUE(accepted(c.bob, sent[kMaxNonceJump + 1]));
}

// Record n is sealed with REKEY() applied n / kRekeyInterval times to the split() key (Noise section 4.2).
TEST(TransportCipher, TheSenderRekeysEveryInterval) {
  auto [a, b] = transport_states();
  const CipherState split_key = a.send();
  TransportCipher alice(std::move(a));
  TransportCipher bob(std::move(b));
  const std::vector<Bytes> sent = records(alice, 2 * kRekeyInterval + 1);

  auto sealed_with = [&](std::uint64_t rekeys, std::uint64_t n) {
    CipherState key = split_key;
    for (std::uint64_t i = 0; i < rekeys; ++i) EXPECT_FALSE(key.rekey());
    key.set_nonce(n);
    Bytes out = with_nonce(Bytes(kRecordNonceBytes), n);
    EXPECT_FALSE(key.encrypt_with_ad({}, plaintext_for(n), out));
    return out;
  };
  EXPECT_EQ(sent[0], sealed_with(0, 0));
  EXPECT_EQ(sent[kRekeyInterval - 1], sealed_with(0, kRekeyInterval - 1));
  EXPECT_EQ(sent[kRekeyInterval], sealed_with(1, kRekeyInterval));
  EXPECT_NE(sent[kRekeyInterval], sealed_with(0, kRekeyInterval));
  EXPECT_EQ(sent[2 * kRekeyInterval], sealed_with(2, 2 * kRekeyInterval));
  for (const Bytes& record : sent) EXPECT_TRUE(accepted(bob, record));
}

TEST(TransportCipher, RekeyIsTheFirst32BytesOfEncryptingZerosAtTheMaximumNonce) {
  for (const CipherKind cipher : {CipherKind::chacha_poly, CipherKind::aes_gcm}) {
    const KeyPair random = crypto::generate_keypair();  // 32 random bytes as a key
    Bytes sealed;
    ASSERT_FALSE(crypto::seal(cipher, random.secret, kMaxNonce, {}, Bytes(kKeyLen), sealed));
    Result<SecretKey> next = crypto::rekey(cipher, random.secret);
    ASSERT_TRUE(next);
    EXPECT_TRUE(std::equal(sealed.begin(), sealed.begin() + kKeyLen, next->data()));
  }
}

TEST(TransportCipher, OutOfOrderAcrossAnIntervalBoundary) {
  Channel c = channel();
  const std::vector<Bytes> sent = records(c.alice, 2 * kRekeyInterval + 10);
  constexpr std::uint64_t R = kRekeyInterval;
  for (std::uint64_t n = 0; n < R - 4; ++n) ASSERT_TRUE(accepted(c.bob, sent[n]));
  // The first record of interval 1 arrives before the last ones of interval 0: those use the kept key.
  for (const std::uint64_t n : {R + 2, R, R + 1, R - 1, R - 4, R - 3, R - 2}) EXPECT_TRUE(accepted(c.bob, sent[n]));
  // Interval 2 arrives: interval 1's key is kept, interval 0 is now out of the window.
  ASSERT_TRUE(accepted(c.bob, sent[2 * R + 2]));
  EXPECT_TRUE(accepted(c.bob, sent[R + 20]));
  EXPECT_TRUE(accepted(c.bob, sent[R + 3]));  // 63 behind
  EXPECT_EQ(refusal(c.bob, sent[R - 4]), Error::nonce_too_old);
  EXPECT_EQ(refusal(c.bob, sent[R + 2]), Error::nonce_replayed);
  for (std::uint64_t n = R + 4; n < 2 * R + 10; ++n) {
    if (n != R + 20 && n != 2 * R + 2) {
      EXPECT_TRUE(accepted(c.bob, sent[n]));
    }
  }
}

TEST(TransportCipher, AJumpOverSeveralIntervalsDerivesTheKeysOnTheWay) {
  Channel c = channel();
  constexpr std::uint64_t R = kRekeyInterval;
  const std::vector<Bytes> sent = records(c.alice, 5 * R);
  ASSERT_TRUE(accepted(c.bob, sent[0]));
  ASSERT_TRUE(accepted(c.bob, sent[4 * R + 44]));  // interval 4
  EXPECT_TRUE(accepted(c.bob, sent[4 * R + 43]));
  EXPECT_TRUE(accepted(c.bob, sent[4 * R]));
  EXPECT_TRUE(accepted(c.bob, sent[4 * R - 20]));  // interval 3: the previous key, derived on the way
  EXPECT_EQ(refusal(c.bob, sent[4 * R + 44 - kReplayWindow - 1]), Error::nonce_too_old);
  EXPECT_TRUE(accepted(c.bob, sent[4 * R + 45]));
}

TEST(TransportCipher, NonceExhaustionStopsBeforeTheReservedNonceAndNeverWraps) {
  // 70 records before 2^64-1: the last two intervals, with a rekey near the end.
  const std::uint64_t first = kMaxNonce - 70;
  Channel c = channel_starting_at(first);
  std::uint64_t sent_count = 0;
  while (true) {
    Result<Bytes> record = c.alice.encrypt(plaintext_for(c.alice.next_send_nonce()));
    if (!record) {
      EXPECT_EQ(record.error(), Error::nonce_exhausted);
      break;
    }
    EXPECT_EQ(nonce_of(*record), first + sent_count);
    ASSERT_TRUE(accepted(c.bob, *record));
    ++sent_count;
  }
  EXPECT_EQ(sent_count, 70U);  // first .. 2^64-2
  EXPECT_EQ(c.bob.highest_received(), kMaxNonce - 1);
  EXPECT_EQ(c.alice.next_send_nonce(), kMaxNonce);
  EXPECT_EQ(c.alice.encrypt(text("again")).error(), Error::nonce_exhausted);
  EXPECT_EQ(c.alice.next_send_nonce(), kMaxNonce);

  // A record claiming 2^64-1 is refused before any key is tried.
  const std::vector<Bytes> back = records(c.bob, 1);
  EXPECT_EQ(refusal(c.alice, with_nonce(back[0], kMaxNonce)), Error::nonce_exhausted);
  EXPECT_TRUE(accepted(c.alice, back[0]));
}

TEST(TransportCipher, AesGcmBackendsInteroperate) {
  if (!crypto::aes_gcm_backend_available(AesGcmBackend::libsodium)) GTEST_SKIP() << "no AES-NI: mbedtls only";
  const AesGcmBackend before = crypto::aes_gcm_backend();
  Channel c = channel("Noise_XX_25519_AESGCM_SHA256");
  ASSERT_TRUE(crypto::set_aes_gcm_backend(AesGcmBackend::libsodium));
  const std::vector<Bytes> sent = records(c.alice, kRekeyInterval + 2);
  ASSERT_TRUE(crypto::set_aes_gcm_backend(AesGcmBackend::mbedtls));
  for (const Bytes& record : sent) EXPECT_TRUE(accepted(c.bob, record));
  const std::vector<Bytes> back = records(c.bob, kRekeyInterval + 2);
  ASSERT_TRUE(crypto::set_aes_gcm_backend(AesGcmBackend::libsodium));
  for (const Bytes& record : back) EXPECT_TRUE(accepted(c.alice, record));
  ASSERT_TRUE(crypto::set_aes_gcm_backend(before));
}

TEST(PlainNoiseTransport, InOrderOnlyAndUnchangedByARefusal) {
  auto [a, b] = transport_states();
  PlainNoiseTransport alice(std::move(a));
  PlainNoiseTransport bob(std::move(b));
  std::vector<Bytes> sent;
  for (int i = 0; i < 3; ++i) sent.push_back(*alice.write_message(plaintext_for(static_cast<std::uint64_t>(i))));
  EXPECT_EQ(sent[0].size(), plaintext_for(0).size() + kTagLen);  // no nonce on the wire
  EXPECT_EQ(bob.read_message(sent[1]).error(), Error::decrypt_failed);  // out of order
  Bytes tampered = sent[0];
  tampered[0] ^= 1;
  EXPECT_EQ(bob.read_message(tampered).error(), Error::decrypt_failed);
  EXPECT_EQ(bob.read_message(Bytes(kTagLen - 1)).error(), Error::message_too_short);
  for (std::uint64_t i = 0; i < 3; ++i) {
    Result<Bytes> plain = bob.read_message(sent[i]);
    ASSERT_TRUE(plain) << plain.error().message();
    EXPECT_EQ(*plain, plaintext_for(i));
  }
  EXPECT_EQ(bob.read_message(sent[2]).error(), Error::decrypt_failed);  // a replay is just the wrong nonce
  EXPECT_EQ(alice.write_message(Bytes(kMaxNoiseMessageBytes - kTagLen + 1)).error(), Error::message_too_large);
}

}  // namespace
}  // namespace portico::channel
