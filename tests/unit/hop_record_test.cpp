// Hop records: an end-to-end record crossing a hop with only its routes sealed under the hop's keys, bound to
// the record. Tampering with the header or the bound parts of the body, swapping bodies, and replays are refused;
// the body's ciphertext is left to the end-to-end key, which refuses it at the far end.
#include "channel/hop_record.hpp"

#include <gtest/gtest.h>

#include "channel/channel_messages.hpp"
#include "channel/errors.hpp"
#include "channel/handshake_pair.hpp"

namespace portico::channel {
namespace {

using testing_support::transport_states;

struct Ciphers {
  Ciphers() : Ciphers(transport_states()) {}
  explicit Ciphers(std::pair<TransportState, TransportState> states)
      : sender(std::move(states.first)), receiver(std::move(states.second)) {}
  TransportCipher sender;
  TransportCipher receiver;
};

// An end-to-end record of `plaintext`, as a channel sends it towards the outlet's decryptor through the hub.
Message sealed_message(TransportCipher& e2e, std::string_view plaintext) {
  Bytes payload{kRecordType};
  auto record = e2e.encrypt(as_bytes(plaintext));
  EXPECT_TRUE(record.has_value());
  payload.insert(payload.end(), record->begin(), record->end());
  Message message{Route{Address::local("forward_to_pg"), Address::local("sc-00000000000000cc")},
                  Route{Address::local("sc-00000000000000dd")}, std::move(payload)};
  message.sealed_end_to_end = true;
  return message;
}

Bytes seal(TransportCipher& hop, const Message& message) {
  auto record = seal_hop_record(hop, Message(message));
  EXPECT_TRUE(record.has_value()) << record.error().message();
  return *record;
}

// Where the header starts in a hop record: after the body (07 in its type byte's place), before the 3-byte tail.
std::size_t header_at(const Bytes& record) {
  const std::size_t header_len = (std::size_t{record[record.size() - 2]} << 8) | record[record.size() - 1];
  return record.size() - kHopTailBytes - header_len;
}

TEST(HopRecord, CarriesTheRoutesSealedAndTheBodyAsItIs) {
  Ciphers e2e, hop;
  const Message message = sealed_message(e2e.sender, "portal bytes");
  const Bytes record = seal(hop.sender, message);
  EXPECT_EQ(record[0], kHopType);
  // The body travels as it is, in front (its type byte at the tail); the routes are nowhere in clear.
  ASSERT_GT(record.size(), message.payload.size());
  EXPECT_EQ(header_at(record), message.payload.size());
  EXPECT_TRUE(std::equal(message.payload.begin() + 1, message.payload.end(), record.begin() + 1));
  EXPECT_EQ(record[record.size() - 3], message.payload[0]);
  const std::string_view seen(reinterpret_cast<const char*>(record.data()), record.size());
  EXPECT_EQ(seen.find("forward_to_pg"), std::string_view::npos);
  auto opened = open_hop_record(hop.receiver, Bytes(record));
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  EXPECT_EQ(opened->onward, message.onward);
  EXPECT_EQ(opened->return_route, message.return_route);
  EXPECT_EQ(opened->payload, message.payload);
  EXPECT_TRUE(opened->sealed_end_to_end);
  auto plaintext = e2e.receiver.decrypt(ByteView(opened->payload).subspan(1));
  ASSERT_TRUE(plaintext.has_value());
  EXPECT_EQ(std::string(as_chars(*plaintext)), "portal bytes");
}

TEST(HopRecord, ItsBufferIsTheBodysOwnWhenThereIsRoomBehindIt) {
  Ciphers e2e, hop;
  Message message = sealed_message(e2e.sender, std::string(60000, 'x'));
  message.payload.reserve(message.payload.size() + 512);
  const std::uint8_t* const body_bytes = message.payload.data();
  auto record = seal_hop_record(hop.sender, std::move(message));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->data(), body_bytes) << "sealed in place: the body did not move";
  auto opened = open_hop_record(hop.receiver, std::move(*record));
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->payload.data(), body_bytes) << "opened in place: the body did not move";
}

TEST(HopRecord, CarriesTheControlLaneInItsSealedHeader) {
  Ciphers e2e, hop;
  for (const bool lane : {false, true}) {
    Message message = sealed_message(e2e.sender, "credit");
    message.control_lane = lane;
    auto opened = open_hop_record(hop.receiver, seal(hop.sender, message));
    ASSERT_TRUE(opened.has_value()) << opened.error().message();
    EXPECT_EQ(opened->control_lane, lane);
  }
}

TEST(HopRecord, ATamperedHeaderIsRefused) {
  Ciphers e2e, hop;
  const Bytes record = seal(hop.sender, sealed_message(e2e.sender, "x"));
  const std::size_t header = header_at(record);
  for (std::size_t at = header; at < header + 8 + 16; ++at) {  // nonce and header ciphertext
    Bytes tampered = record;
    tampered[at] ^= 0x01;
    EXPECT_FALSE(open_hop_record(hop.receiver, std::move(tampered)).has_value()) << "byte " << at;
  }
  for (std::size_t at = record.size() - 2; at < record.size(); ++at) {  // the header's length
    Bytes tampered = record;
    tampered[at] ^= 0x01;
    EXPECT_FALSE(open_hop_record(hop.receiver, std::move(tampered)).has_value()) << "byte " << at;
  }
  EXPECT_TRUE(open_hop_record(hop.receiver, Bytes(record)).has_value()) << "the refusals changed nothing";
}

TEST(HopRecord, TheBoundPartsOfTheBodyCannotChange) {
  Ciphers e2e, hop;
  const Message message = sealed_message(e2e.sender, "some portal data");
  const Bytes record = seal(hop.sender, message);
  const std::size_t body_len = header_at(record);
  // The body's type (kept at the tail), nonce, tag and length are bound to the header.
  std::vector<std::size_t> bound{record.size() - 3};
  for (std::size_t i = 1; i < 9; ++i) bound.push_back(i);
  for (std::size_t i = body_len - 16; i < body_len; ++i) bound.push_back(i);
  for (const std::size_t at : bound) {
    Bytes tampered = record;
    tampered[at] ^= 0x80;
    auto opened = open_hop_record(hop.receiver, std::move(tampered));
    EXPECT_FALSE(opened.has_value()) << "byte " << at;
  }
  Bytes longer = record;
  longer.push_back(0);
  EXPECT_FALSE(open_hop_record(hop.receiver, std::move(longer)).has_value());
  Bytes shorter(record.begin(), record.end() - 1);
  EXPECT_FALSE(open_hop_record(hop.receiver, std::move(shorter)).has_value());
  // A flipped ciphertext byte passes the hop (only the end-to-end key covers it) and fails at the far end.
  Bytes tampered = record;
  tampered[9] ^= 0x01;
  auto opened = open_hop_record(hop.receiver, std::move(tampered));
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(e2e.receiver.decrypt(ByteView(opened->payload).subspan(1)).error(), Error::decrypt_failed);
}

TEST(HopRecord, BodiesCannotBeSwappedBetweenRecords) {
  Ciphers e2e, hop;
  const Message first = sealed_message(e2e.sender, "first one");
  const Message second = sealed_message(e2e.sender, "other one");  // the same length
  const Bytes one = seal(hop.sender, first), two = seal(hop.sender, second);
  ASSERT_EQ(one.size(), two.size());
  const std::size_t body_len = header_at(one);
  Bytes swapped(two.begin(), two.begin() + static_cast<std::ptrdiff_t>(body_len));
  swapped.insert(swapped.end(), one.begin() + static_cast<std::ptrdiff_t>(body_len), one.end());
  EXPECT_EQ(open_hop_record(hop.receiver, std::move(swapped)).error(), Error::decrypt_failed);
  EXPECT_TRUE(open_hop_record(hop.receiver, Bytes(one)).has_value());
  EXPECT_TRUE(open_hop_record(hop.receiver, Bytes(two)).has_value());
}

TEST(HopRecord, AReplayIsRefused) {
  Ciphers e2e, hop;
  const Bytes record = seal(hop.sender, sealed_message(e2e.sender, "once"));
  ASSERT_TRUE(open_hop_record(hop.receiver, Bytes(record)).has_value());
  EXPECT_EQ(open_hop_record(hop.receiver, Bytes(record)).error(), Error::nonce_replayed);
}

TEST(HopRecord, AHeaderIsNotARecordNorTheOtherWayRound) {
  Ciphers e2e, hop;
  const Bytes record = seal(hop.sender, sealed_message(e2e.sender, "x"));
  // The sealed header, offered as an ordinary record: its associated data differs.
  const std::size_t header = header_at(record);
  const ByteView sealed_header = ByteView(record).subspan(header, record.size() - kHopTailBytes - header);
  EXPECT_EQ(hop.receiver.decrypt(sealed_header).error(), Error::decrypt_failed);
}

TEST(HopRecord, OnlyMarkedSealedChannelMessagesForADecryptorTravelSo) {
  Ciphers e2e;
  Message message = sealed_message(e2e.sender, "x");
  EXPECT_TRUE(travels_as_hop_record(message));
  Message unmarked = message;
  unmarked.sealed_end_to_end = false;
  EXPECT_FALSE(travels_as_hop_record(unmarked));
  Message to_a_worker = message;
  to_a_worker.onward.back() = Address::local("echo");
  EXPECT_FALSE(travels_as_hop_record(to_a_worker)) << "only a decryptor checks what the body holds";
  Message refusal = message;
  refusal.payload = {kRefusalType, 'x'};
  EXPECT_FALSE(travels_as_hop_record(refusal));
  Message short_record = message;
  short_record.payload.resize(kMinHopBodyBytes - 1);
  EXPECT_FALSE(travels_as_hop_record(short_record));
}

}  // namespace
}  // namespace portico::channel
