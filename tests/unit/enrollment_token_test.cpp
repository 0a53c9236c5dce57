#include "identity/enrollment_token.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "identity/token_store.hpp"
#include "identity/vault.hpp"

namespace portico::identity {
namespace {

const std::string kHub = "I" + std::string(64, 'a');
const std::string kSecretHex = std::string(62, '0') + "ff";

TEST(EnrollmentToken, FormatsAndParses) {
  EnrollmentToken token{kHub, {}};
  token.secret[31] = 0xff;
  const std::string text = format_enrollment_token(token);
  EXPECT_EQ(text, kHub + ":" + kSecretHex);
  auto parsed = parse_enrollment_token(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, token);
}

TEST(EnrollmentToken, ParsingIsStrict) {
  EXPECT_EQ(parse_enrollment_token(kHub + kSecretHex).error(), TokenError::malformed);
  EXPECT_EQ(parse_enrollment_token("").error(), TokenError::malformed);
  EXPECT_EQ(parse_enrollment_token("X" + kHub.substr(1) + ":" + kSecretHex).error(), TokenError::bad_hub_identifier);
  EXPECT_EQ(parse_enrollment_token(kHub + "a:" + kSecretHex).error(), TokenError::bad_hub_identifier);
  EXPECT_EQ(parse_enrollment_token("I" + std::string(64, 'A') + ":" + kSecretHex).error(),
            TokenError::bad_hub_identifier);
  EXPECT_EQ(parse_enrollment_token(" " + kHub + ":" + kSecretHex).error(), TokenError::bad_hub_identifier);
  EXPECT_EQ(parse_enrollment_token(kHub + ":" + kSecretHex + "\n").error(), TokenError::bad_secret);
  EXPECT_EQ(parse_enrollment_token(kHub + ":" + kSecretHex.substr(2)).error(), TokenError::bad_secret);
  EXPECT_EQ(parse_enrollment_token(kHub + ":" + std::string(62, '0') + "FF").error(), TokenError::bad_secret);
  EXPECT_EQ(parse_enrollment_token(kHub + ":" + kSecretHex + ":" + kSecretHex).error(), TokenError::bad_secret);
  // The error says which part is wrong, in words an operator can act on.
  EXPECT_NE(make_error_code(TokenError::bad_secret).message().find("64 lowercase hex"), std::string::npos);
}

TEST(EnrollmentToken, SecretsAreRandomAndDigestsAreSha256) {
  EXPECT_NE(random_token_secret(), random_token_secret());
  // SHA-256 of 32 zero bytes.
  EXPECT_EQ(token_digest(TokenSecret{}), "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
  EXPECT_TRUE(is_identifier(kHub));
  EXPECT_FALSE(is_identifier(kHub.substr(1)));
}

TEST(TokenAttributes, Validation) {
  EXPECT_FALSE(validate_attributes({}));
  EXPECT_FALSE(validate_attributes({{"role", "device"}, {"note", "a b=c"}, {"empty", ""}}));
  EXPECT_EQ(validate_attributes({{"", "x"}}), TokenError::bad_attribute);
  EXPECT_EQ(validate_attributes({{"a=b", "x"}}), TokenError::bad_attribute);
  EXPECT_EQ(validate_attributes({{"a b", "x"}}), TokenError::bad_attribute);
  EXPECT_EQ(validate_attributes({{"role", "line\nbreak"}}), TokenError::bad_attribute);
  EXPECT_EQ(validate_attributes({{"role", "caf\xc3\xa9"}}), TokenError::bad_attribute);
  EXPECT_EQ(validate_attributes({{std::string(256, 'k'), "x"}}), TokenError::bad_attribute);
  EXPECT_EQ(validate_attributes({{"k", std::string(256, 'v')}}), TokenError::bad_attribute);
  Attributes many;
  for (int i = 0; i < 33; ++i) many.emplace("k" + std::to_string(i), "v");
  EXPECT_EQ(validate_attributes(many), TokenError::bad_attribute);
  // Within every per-field limit, but the credential would not fit a handshake payload.
  Attributes large;
  for (int i = 0; i < 16; ++i) large.emplace("k" + std::to_string(i), std::string(255, 'v'));
  EXPECT_EQ(validate_attributes(large), TokenError::bad_attribute);
}

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("portico-tokens-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path file_of(const TokenSecret& secret) const { return dir_ / "tokens" / token_digest(secret); }
  std::filesystem::path dir_;
  static constexpr std::uint64_t kNow = 1'800'000'000;
};

TEST_F(TokenStoreTest, RedeemsUntilUsedUpThenDeletesTheFile) {
  const TokenStore store(dir_);
  auto secret = store.create({{"role", "device"}}, 2, kNow + 60);
  ASSERT_TRUE(secret);
  auto first = store.redeem(*secret, kNow);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, (Attributes{{"role", "device"}}));
  EXPECT_TRUE(std::filesystem::exists(file_of(*secret)));
  EXPECT_TRUE(store.redeem(*secret, kNow + 1));
  EXPECT_FALSE(std::filesystem::exists(file_of(*secret)));
  EXPECT_EQ(store.redeem(*secret, kNow + 2).error(), TokenError::unknown);
}

TEST_F(TokenStoreTest, RefusesUnknownExpiredAndUsedUpTokensDistinctly) {
  const TokenStore store(dir_);
  EXPECT_EQ(store.redeem(random_token_secret(), kNow).error(), TokenError::unknown);
  auto secret = store.create({}, 5, kNow + 60);
  ASSERT_TRUE(secret);
  EXPECT_EQ(store.redeem(*secret, kNow + 60).error(), TokenError::expired);
  EXPECT_FALSE(std::filesystem::exists(file_of(*secret)));  // an expired token is cleared away when met
  // A file with no uses left (as a crash between two writes could leave).
  const TokenSecret spent = random_token_secret();
  ASSERT_FALSE(write_private_file(file_of(spent), as_bytes("portico-token 1\nexpires_at 1900000000\nuses 0\n")));
  EXPECT_EQ(store.redeem(spent, kNow).error(), TokenError::used_up);
}

TEST_F(TokenStoreTest, StoresOnlyTheDigestMode0600) {
  const TokenStore store(dir_);
  auto secret = store.create({{"role", "device"}, {"site", "north"}}, 3, kNow + 60);
  ASSERT_TRUE(secret);
  struct stat st {};
  ASSERT_EQ(::stat(file_of(*secret).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto content = read_file(file_of(*secret));
  ASSERT_TRUE(content);
  const std::string text(as_chars(*content));
  EXPECT_EQ(text, "portico-token 1\nexpires_at 1800000060\nuses 3\nattribute role=device\nattribute site=north\n");
  EXPECT_EQ(text.find(to_hex(*secret)), std::string::npos);
  ASSERT_TRUE(store.redeem(*secret, kNow));
  content = read_file(file_of(*secret));
  ASSERT_TRUE(content);
  EXPECT_NE(std::string(as_chars(*content)).find("\nuses 2\n"), std::string::npos);
}

TEST_F(TokenStoreTest, ATokenFiledByAnotherStoreIsRedeemedAtOnce) {
  // `portico token` runs as another process with its own TokenStore over the same data dir.
  auto secret = TokenStore(dir_).create({{"role", "device"}}, 1, kNow + 60);
  ASSERT_TRUE(secret);
  auto attributes = TokenStore(dir_).redeem(*secret, kNow);
  ASSERT_TRUE(attributes);
  EXPECT_EQ(attributes->at("role"), "device");
}

TEST_F(TokenStoreTest, RefusesBadRequestsAndDamagedFiles) {
  const TokenStore store(dir_);
  EXPECT_EQ(store.create({{"a=b", "c"}}, 1, kNow).error(), TokenError::bad_attribute);
  EXPECT_EQ(store.create({}, 0, kNow).error(), std::errc::invalid_argument);
  EXPECT_EQ(store.create({}, kMaxTokenUses + 1, kNow).error(), std::errc::invalid_argument);
  const TokenSecret secret = random_token_secret();
  std::filesystem::create_directories(dir_ / "tokens");
  for (const char* damaged : {"", "portico-token 1\n", "portico-token 1\nexpires_at 01\nuses 1\n",
                              "portico-token 1\nexpires_at 1900000000\nuses 1", "portico-token 2\nexpires_at 1\nuses 1\n",
                              "portico-token 1\nexpires_at 1900000000\nuses 1\nattribute role\n",
                              "portico-token 1\nexpires_at 1900000000\nuses 1\nattribute a=1\nattribute a=2\n",
                              "portico-token 1\nexpires_at 99999999999999999999\nuses 1\n"}) {
    ASSERT_FALSE(write_private_file(file_of(secret), as_bytes(damaged)));
    EXPECT_EQ(store.redeem(secret, kNow).error(), TokenError::damaged) << damaged;
  }
  std::ofstream(file_of(secret)) << std::string(kMaxTokenFileBytes + 1, 'x');
  EXPECT_EQ(store.redeem(secret, kNow).error(), TokenError::damaged);
}

TEST_F(TokenStoreTest, PruneDeletesOnlyExpiredTokens) {
  const TokenStore store(dir_);
  EXPECT_EQ(store.prune(kNow), 0u);  // no directory yet
  auto old_token = store.create({}, 1, kNow - 1);
  auto live_token = store.create({}, 1, kNow + 60);
  ASSERT_TRUE(old_token);
  ASSERT_TRUE(live_token);
  EXPECT_EQ(store.prune(kNow), 1u);
  EXPECT_FALSE(std::filesystem::exists(file_of(*old_token)));
  EXPECT_TRUE(store.redeem(*live_token, kNow));
}

TEST_F(TokenStoreTest, VaultKeepsTheCredentialAndTheHubIdentity) {
  const Vault vault(dir_);
  EXPECT_EQ(vault.load_credential().error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(vault.load_hub_identity().error(), std::errc::no_such_file_or_directory);
  const Identity hub = Identity::generate();
  const Credential credential = issue_credential(hub, "Ime", {{"role", "device"}}, kNow, kNow + 60);
  ASSERT_FALSE(vault.save_credential(credential));
  ASSERT_FALSE(vault.save_hub_identity(hub.identifier()));
  for (const char* file : {"credential", "hub_identity"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / file).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
  auto loaded = Vault(dir_).load_credential();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, credential);
  auto pinned = Vault(dir_).load_hub_identity();
  ASSERT_TRUE(pinned);
  EXPECT_EQ(*pinned, hub.identifier());

  EXPECT_EQ(vault.save_hub_identity("not-an-identifier"), std::errc::invalid_argument);
  ASSERT_FALSE(write_private_file(dir_ / "hub_identity", as_bytes("garbage\n")));
  EXPECT_EQ(vault.load_hub_identity().error(), std::errc::invalid_argument);
  ASSERT_FALSE(write_private_file(dir_ / "credential", as_bytes("garbage")));
  EXPECT_FALSE(vault.load_credential());
}

}  // namespace
}  // namespace portico::identity

namespace portico::identity {
namespace {

TEST_F(TokenStoreTest, ListsTokensByIdAndDeletesThem) {
  const TokenStore store(dir_);
  auto none = store.list();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());  // no directory yet: no tokens
  auto first = store.create({{"role", "device"}}, 3, kNow + 60);
  auto second = store.create({}, 1, kNow + 120);
  ASSERT_TRUE(first && second);
  std::filesystem::create_directories(dir_ / "tokens");
  { std::ofstream(dir_ / "tokens" / std::string(64, 'a')) << "not a token\n"; }
  { std::ofstream(dir_ / "tokens" / "README") << "ignored: not a token id\n"; }
  auto listed = store.list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  for (std::size_t i = 1; i < listed->size(); ++i) EXPECT_LT((*listed)[i - 1].id, (*listed)[i].id);
  const auto find = [&](const std::string& id) {
    for (const auto& token : *listed) if (token.id == id) return token;
    return StoredToken{};
  };
  const StoredToken one = find(token_digest(*first));
  EXPECT_EQ(one.uses, 3u);
  EXPECT_EQ(one.expires_at, kNow + 60);
  EXPECT_EQ(one.attributes, (Attributes{{"role", "device"}}));
  EXPECT_FALSE(one.damaged);
  EXPECT_TRUE(find(std::string(64, 'a')).damaged);
  // The id is the digest, never the secret.
  for (const auto& token : *listed) EXPECT_NE(token.id, to_hex(ByteView(first->data(), first->size())));

  EXPECT_FALSE(store.remove(token_digest(*first)));
  EXPECT_EQ(store.redeem(*first, kNow).error(), TokenError::unknown);
  EXPECT_EQ(store.remove(token_digest(*first)), TokenError::unknown);
  EXPECT_EQ(store.remove("../identity.key"), std::errc::invalid_argument);
  EXPECT_EQ(store.remove(std::string(64, 'A')), std::errc::invalid_argument);
  EXPECT_TRUE(store.redeem(*second, kNow));
  EXPECT_TRUE(is_token_id(std::string(64, 'f')));
  EXPECT_FALSE(is_token_id(std::string(63, 'f')));
}

}  // namespace
}  // namespace portico::identity
