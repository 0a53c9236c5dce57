#include "relay/relay_table.hpp"

#include <gtest/gtest.h>

#include "relay/relay_messages.hpp"

namespace portico::relay {
namespace {

const Route kLinkA{Address::local("tcp-in-a")};
const Route kLinkB{Address::local("tcp-in-b")};

TEST(RelayTable, FirstRegistrationCreates) {
  RelayTable table;
  EXPECT_EQ(table.register_relay("pg", "node-1", kLinkA), RegisterOutcome::created);
  ASSERT_NE(table.find("pg"), nullptr);
  EXPECT_EQ(table.find("pg")->route_to_node, kLinkA);
  EXPECT_EQ(table.find("other"), nullptr);
}

TEST(RelayTable, SameOwnerReplacesAtOnce) {
  // A device that reconnects (new link) takes its name back immediately: no stale-registration lockout.
  RelayTable table;
  table.register_relay("pg", "node-1", kLinkA);
  EXPECT_EQ(table.register_relay("pg", "node-1", kLinkB), RegisterOutcome::replaced);
  EXPECT_EQ(table.find("pg")->route_to_node, kLinkB);
  EXPECT_EQ(table.size(), 1u);
}

TEST(RelayTable, AnotherOwnerIsRefused) {
  RelayTable table;
  table.register_relay("pg", "node-1", kLinkA);
  EXPECT_EQ(table.register_relay("pg", "node-2", kLinkB), RegisterOutcome::refused);
  EXPECT_EQ(table.find("pg")->route_to_node, kLinkA);
  EXPECT_EQ(table.find("pg")->owner, "node-1");
}

TEST(RelayMessages, RoundTripAndBytes) {
  const RelayMessage reg = Register{"pg", "n1"};
  const Bytes bytes = encode(reg);
  EXPECT_EQ(bytes, (Bytes{0x01, 0x02, 'p', 'g', 0x02, 'n', '1'}));
  auto decoded = decode_relay_message(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, reg);
  for (const RelayMessage& m : {RelayMessage{Registered{"pg", "forward_to_pg"}}, RelayMessage{Refused{"pg", "taken"}}}) {
    auto back = decode_relay_message(encode(m));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, m);
  }
}

TEST(RelayMessages, LookupAndOwner) {
  EXPECT_EQ(encode(Lookup{"pg"}), (Bytes{0x04, 0x02, 'p', 'g'}));
  EXPECT_EQ(encode(Owner{"pg", "Ia"}), (Bytes{0x05, 0x02, 'p', 'g', 0x02, 'I', 'a'}));
  for (const RelayMessage& m : {RelayMessage{Lookup{"pg"}}, RelayMessage{Owner{"pg", "Iabc"}}}) {
    auto back = decode_relay_message(encode(m));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, m);
  }
  EXPECT_EQ(decode_relay_message(Bytes{0x04, 0x02, 'p', 'g', 0x00}).error(), wire::Error::trailing_bytes);
  EXPECT_EQ(decode_relay_message(Bytes{0x05, 0x02, 'p', 'g'}).error(), wire::Error::truncated);
}

TEST(RelayMessages, MalformedInputs) {
  EXPECT_EQ(decode_relay_message(Bytes{}).error(), wire::Error::truncated);
  EXPECT_EQ(decode_relay_message(Bytes{0x09, 0, 0}).error(), wire::Error::bad_message_type);
  EXPECT_EQ(decode_relay_message(Bytes{0x01, 0x02, 'p'}).error(), wire::Error::truncated);
  EXPECT_EQ(decode_relay_message(Bytes{0x01, 0x00, 0x00, 0x00}).error(), wire::Error::trailing_bytes);
  EXPECT_EQ(decode_relay_message(Bytes{0x01, 0x80, 0x02}).error(), wire::Error::address_too_long);
}

TEST(RelayNames, Validation) {
  EXPECT_TRUE(valid_relay_name("my-device_01.pg"));
  EXPECT_TRUE(valid_relay_name(std::string(64, 'a')));
  EXPECT_FALSE(valid_relay_name(""));
  EXPECT_FALSE(valid_relay_name(std::string(65, 'a')));
  EXPECT_FALSE(valid_relay_name("has space"));
  EXPECT_FALSE(valid_relay_name("slash/x"));
}

}  // namespace
}  // namespace portico::relay

namespace portico::relay {
namespace {

TEST(RelayTable, CountsBytesAndRegistrationTimePerName) {
  RelayTable table;
  table.register_relay("pg", "node-1", kLinkA, 100);
  table.count_bytes("pg", 10, 0);
  table.count_bytes("pg", 5, 7);
  table.count_bytes("unknown", 1, 1);  // no such name: nothing
  EXPECT_EQ(table.find("pg")->bytes_to_owner, 15u);
  EXPECT_EQ(table.find("pg")->bytes_from_owner, 7u);
  EXPECT_EQ(table.find("pg")->registered_at, 100u);
  table.register_relay("pg", "node-1", kLinkB, 200);  // a re-registration keeps the counts
  EXPECT_EQ(table.find("pg")->registered_at, 200u);
  EXPECT_EQ(table.find("pg")->bytes_to_owner, 15u);
  table.restore("old", "node-2", 50);
  EXPECT_EQ(table.find("old")->registered_at, 0u);  // not registered since the hub started
  EXPECT_EQ(table.find("old")->last_seen, 50u);
}

}  // namespace
}  // namespace portico::relay
