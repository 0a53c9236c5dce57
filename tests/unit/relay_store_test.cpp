// The hub's durable relay names and revocations: the table's limits and expiry, and both text files' codecs.
#include <unistd.h>

#include <gtest/gtest.h>

#include "identity/revocations.hpp"
#include "relay/relay_store.hpp"
#include "relay/relay_table.hpp"

namespace portico::relay {
namespace {

const Route kLinkA{Address::local("sc-a-enc")};
const Route kLinkB{Address::local("sc-b-enc")};
constexpr std::uint64_t kDay = 24 * 3600;
const std::string kIdA = "I" + std::string(64, 'a');

TEST(RelayTable, OneOwnerHoldsAtMostItsLimit) {
  RelayTable table({.names_per_owner = 2});
  EXPECT_EQ(table.register_relay("a", "I1", kLinkA), RegisterOutcome::created);
  EXPECT_EQ(table.register_relay("b", "I1", kLinkA), RegisterOutcome::created);
  EXPECT_EQ(table.register_relay("c", "I1", kLinkA), RegisterOutcome::owner_limit);
  EXPECT_EQ(table.register_relay("a", "I1", kLinkB), RegisterOutcome::replaced) << "its own names still re-register";
  EXPECT_EQ(table.register_relay("c", "I2", kLinkB), RegisterOutcome::created) << "others are unaffected";
  EXPECT_EQ(table.names_of("I1"), 2u);
  EXPECT_TRUE(table.release("a"));
  EXPECT_EQ(table.register_relay("c2", "I1", kLinkA), RegisterOutcome::created);
}

TEST(RelayTable, ARestoredNameStaysItsOwnersAndAnUnseenOneGoesOnlyWhenOffline) {
  RelayTable table({.keep_unseen = 90 * kDay});
  table.restore("dev1", "I1", 1000);
  EXPECT_EQ(table.register_relay("dev1", "Isquatter", kLinkB, 1000 + kDay, false), RegisterOutcome::refused);
  EXPECT_EQ(table.find("dev1")->owner, "I1");
  // Unseen for longer than keep_unseen but online (a long-lived link): still refused.
  EXPECT_EQ(table.register_relay("dev1", "Inew", kLinkB, 1000 + 91 * kDay, true), RegisterOutcome::refused);
  EXPECT_EQ(table.register_relay("dev1", "Inew", kLinkB, 1000 + 91 * kDay, false), RegisterOutcome::created);
  EXPECT_EQ(table.find("dev1")->owner, "Inew");
  EXPECT_EQ(table.names_of("I1"), 0u);
  EXPECT_EQ(table.register_relay("dev1", "Inew", kLinkA, 1000 + 92 * kDay), RegisterOutcome::replaced);
}

TEST(RelayTable, DroppingAnOwnerFreesAllItsNames) {
  RelayTable table;
  table.register_relay("a", "I1", kLinkA);
  table.register_relay("b", "I1", kLinkA);
  table.register_relay("c", "I2", kLinkB);
  auto dropped = table.drop_owner("I1");
  EXPECT_EQ(dropped.size(), 2u);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.register_relay("a", "I2", kLinkB), RegisterOutcome::created);
}

TEST(RelayStore, RoundTripsAndSkipsBadLines) {
  const std::vector<StoredRelay> relays{{"dev1", kIdA, 1700000000}, {"pg-1.x_y", "node-7", 0}};
  const std::string text = encode_relays(relays);
  EXPECT_EQ(text, "dev1 " + kIdA + " 1700000000\npg-1.x_y node-7 0\n");
  EXPECT_EQ(decode_relays(text).relays, relays);
  EXPECT_EQ(decode_relays(text).bad_lines, 0u);
  const auto mixed = decode_relays("dev1 I1 5\nbad name I1 5\ndev2 I1 05\ndev3 I1\ndev4  I1 5\ndev5 I1 5 6\ndev6 I1 7");
  ASSERT_EQ(mixed.relays.size(), 1u) << "only the first line is whole";
  EXPECT_EQ(mixed.relays[0], (StoredRelay{"dev1", "I1", 5}));
  EXPECT_EQ(mixed.bad_lines, 6u);
}

TEST(RelayStore, SavesAtomicallyAndLoadsBack) {
  const auto dir = std::filesystem::temp_directory_path() / ("portico-relays-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  DecodedRelays loaded;
  EXPECT_FALSE(load_relays(dir / "relays", loaded)) << "no file yet is no error";
  EXPECT_TRUE(loaded.relays.empty());
  const std::vector<StoredRelay> relays{{"dev1", kIdA, 42}};
  ASSERT_FALSE(save_relays(dir / "relays", relays));
  ASSERT_FALSE(load_relays(dir / "relays", loaded));
  EXPECT_EQ(loaded.relays, relays);
  EXPECT_EQ(std::filesystem::status(dir / "relays").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::remove_all(dir);
}

TEST(Revocations, RoundTripAndStrictLines) {
  identity::Revocations revocations;
  revocations.revoked_at[kIdA] = 1700000000;
  const std::string text = identity::encode_revocations(revocations);
  EXPECT_EQ(text, kIdA + " 1700000000\n");
  auto decoded = identity::decode_revocations(text);
  EXPECT_TRUE(decoded.contains(kIdA));
  EXPECT_EQ(decoded.revoked_at, revocations.revoked_at);
  decoded = identity::decode_revocations("Inothex 5\n" + kIdA + " -1\n" + kIdA + "\n" + kIdA + " 7");
  EXPECT_TRUE(decoded.revoked_at.empty());
  EXPECT_EQ(decoded.bad_lines, 4u);
}

TEST(Revocations, AFileWatchSeesARenamedReplacement) {
  const auto dir = std::filesystem::temp_directory_path() / ("portico-revoked-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  identity::FileWatch watch(dir / "revoked");
  EXPECT_FALSE(watch.changed()) << "no file, as before";
  identity::Revocations revocations;
  revocations.revoked_at[kIdA] = 1;
  ASSERT_FALSE(identity::save_revocations(dir / "revoked", revocations));
  EXPECT_TRUE(watch.changed());
  EXPECT_FALSE(watch.changed());
  ASSERT_FALSE(identity::save_revocations(dir / "revoked", revocations));  // same bytes, new inode
  EXPECT_TRUE(watch.changed());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace portico::relay
