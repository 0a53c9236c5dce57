#include "identity/identity.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "identity/credential.hpp"
#include "identity/vault.hpp"

namespace portico::identity {
namespace {

TEST(Identity, SignsAndVerifies) {
  const Identity id = Identity::generate();
  EXPECT_EQ(id.identifier().size(), 65u);
  EXPECT_EQ(id.identifier()[0], 'I');
  const Bytes message{'h', 'i'};
  const Signature signature = id.sign(message);
  EXPECT_TRUE(verify_signature(id.public_key(), message, signature));
  Signature tampered = signature;
  tampered[5] ^= 1;
  EXPECT_FALSE(verify_signature(id.public_key(), message, tampered));
  EXPECT_FALSE(verify_signature(Identity::generate().public_key(), message, signature));
}

TEST(Identity, IdentifierIsSha256OfThePublicKey) {
  // SHA-256 of 32 zero bytes.
  EXPECT_EQ(identifier_of(PublicKey{}), "I66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
}

TEST(Identity, ReloadsFromItsSecretKeyAndRejectsDamage) {
  const Identity id = Identity::generate();
  auto again = Identity::from_secret_key(id.secret_key());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->identifier(), id.identifier());
  Bytes damaged(id.secret_key().begin(), id.secret_key().end());
  damaged[40] ^= 1;  // the stored public half no longer matches the seed
  EXPECT_FALSE(Identity::from_secret_key(damaged));
  EXPECT_FALSE(Identity::from_secret_key(Bytes(10)));
}

TEST(Hex, RoundTripsAndRejectsBadInput) {
  EXPECT_EQ(to_hex(Bytes{0x00, 0xab, 0xff}), "00abff");
  auto back = from_hex("00abFF");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, (Bytes{0x00, 0xab, 0xff}));
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
}

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("portico-vault-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(VaultTest, CreatesOnceWithMode0600AndKeepsTheIdentity) {
  Vault vault(dir_);
  auto first = vault.load_or_create_identity();
  ASSERT_TRUE(first);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "identity.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = Vault(dir_).load_or_create_identity();
  ASSERT_TRUE(second);
  EXPECT_EQ(first->identifier(), second->identifier());
}

TEST_F(VaultTest, CreateIsExclusive) {
  std::filesystem::create_directories(dir_);
  EXPECT_FALSE(create_private_file(dir_ / "f", as_bytes("first")));
  EXPECT_EQ(create_private_file(dir_ / "f", as_bytes("second")), std::errc::file_exists);
  auto content = read_file(dir_ / "f");
  ASSERT_TRUE(content);
  EXPECT_EQ(as_chars(*content), "first");
  EXPECT_FALSE(write_private_file(dir_ / "f", as_bytes("third")));  // replacing is write_private_file's job
  EXPECT_EQ(as_chars(*read_file(dir_ / "f")), "third");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1u) << "no temporary file is left behind";
}

TEST_F(VaultTest, DamagedKeyFileIsAnErrorNotANewIdentity) {
  std::filesystem::create_directories(dir_);
  ASSERT_FALSE(write_private_file(dir_ / "identity.key", as_bytes("not hex")));
  EXPECT_FALSE(Vault(dir_).load_or_create_identity());
}

TEST(Credential, IssuesVerifiesAndRoundTrips) {
  const Identity hub = Identity::generate();
  const Identity member = Identity::generate();
  const Credential c = issue_credential(hub, member.identifier(), {{"role", "device"}, {"site", "a"}}, 1000, 2000);
  EXPECT_FALSE(verify_credential(c, hub.public_key(), 1500));
  const Bytes bytes = encode_credential(c);
  auto back = decode_credential(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, c);
  EXPECT_EQ(encode_credential(*back), bytes);
}

TEST(Credential, EachFailedCheckHasItsError) {
  const Identity hub = Identity::generate();
  Credential c = issue_credential(hub, "Imember", {{"role", "device"}}, 1000, 2000);
  EXPECT_EQ(verify_credential(c, hub.public_key(), 999), CredentialError::not_yet_valid);
  EXPECT_EQ(verify_credential(c, hub.public_key(), 2000), CredentialError::expired);
  EXPECT_EQ(verify_credential(c, Identity::generate().public_key(), 1500), CredentialError::wrong_issuer);
  Credential forged = c;
  forged.attributes["role"] = "operator";
  EXPECT_EQ(verify_credential(forged, hub.public_key(), 1500), CredentialError::bad_signature);
  Credential stretched = c;
  stretched.expires_at = 1u << 31;
  EXPECT_EQ(verify_credential(stretched, hub.public_key(), 1500), CredentialError::bad_signature);
}

TEST(Credential, MalformedEncodingsAreRejected) {
  const Identity hub = Identity::generate();
  const Bytes good = encode_credential(issue_credential(hub, "Im", {{"a", "1"}, {"b", "2"}}, 1, 2));
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_EQ(decode_credential(ByteView(good).first(cut)).error(), wire::Error::truncated) << cut;
  }
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_EQ(decode_credential(longer).error(), wire::Error::trailing_bytes);
  Bytes version = good;
  version[0] = 2;
  EXPECT_EQ(decode_credential(version).error(), wire::Error::bad_version);
}

}  // namespace
}  // namespace portico::identity
