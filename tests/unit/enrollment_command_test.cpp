#include "token_command.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "config.hpp"
#include "identity/enrollment_token.hpp"
#include "identity/vault.hpp"

namespace portico::agent {
namespace {

using namespace std::chrono_literals;

TEST(TokenCommand, Durations) {
  EXPECT_EQ(parse_duration("90s"), 90s);
  EXPECT_EQ(parse_duration("30m"), 30min);
  EXPECT_EQ(parse_duration("24h"), 24h);
  EXPECT_EQ(parse_duration("7d"), std::chrono::hours(7 * 24));
  EXPECT_EQ(parse_duration("3650d"), kMaxTokenTtl);
  for (const char* bad : {"", "s", "0s", "07d", "-1h", "1.5h", "10", "10w", "1 h", "3651d", "99999999999999999999s"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(TokenCommand, DefaultsAndOptions) {
  auto defaults = parse_token_arguments({});
  ASSERT_TRUE(std::holds_alternative<TokenArguments>(defaults));
  EXPECT_EQ(std::get<TokenArguments>(defaults).uses, 1u);
  EXPECT_EQ(std::get<TokenArguments>(defaults).ttl, 24h);
  EXPECT_TRUE(std::get<TokenArguments>(defaults).attributes.empty());

  auto parsed = parse_token_arguments({"role=device", "--uses", "5", "--ttl", "7d", "note=a=b"});
  ASSERT_TRUE(std::holds_alternative<TokenArguments>(parsed));
  const auto& arguments = std::get<TokenArguments>(parsed);
  EXPECT_EQ(arguments.uses, 5u);
  EXPECT_EQ(arguments.ttl, std::chrono::hours(7 * 24));
  EXPECT_EQ(arguments.attributes, (identity::Attributes{{"note", "a=b"}, {"role", "device"}}));
}

TEST(TokenCommand, BadArgumentsSayWhatIsWrong) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--uses"}, "--uses needs a value"},
      {{"--uses", "0"}, "--uses: '0' is not a whole number"},
      {{"--uses", "1000001"}, "--uses: '1000001'"},
      {{"--ttl", "soon"}, "--ttl: 'soon' is not a duration"},
      {{"--verbose"}, "'--verbose' is neither"},
      {{"role"}, "'role' is neither"},
      {{"=device"}, "attribute '=device'"},
      {{"role=dev ice", "role=x"}, "attribute 'role' is given twice"},
      {{"role=caf\xc3\xa9"}, "attribute 'role=caf"},
  };
  for (const auto& [arguments, expected] : cases) {
    auto parsed = parse_token_arguments(arguments);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << expected;
    EXPECT_EQ(std::get<std::string>(parsed).find(expected), 0u) << std::get<std::string>(parsed);
  }
  EXPECT_EQ(run_token({"--uses", "none"}), exit_code::kUsage);
}

TEST(TokenCommand, PrintsATokenTheHubRedeems) {
  const auto dir = std::filesystem::temp_directory_path() / ("portico-token-command-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ASSERT_EQ(::setenv("OCKAM_DATA", dir.c_str(), 1), 0);
  ::testing::internal::CaptureStdout();
  const int code = run_token({"--uses", "2", "role=device"});
  std::fflush(stdout);
  const std::string printed = ::testing::internal::GetCapturedStdout();
  ::unsetenv("OCKAM_DATA");
  EXPECT_EQ(code, 0);
  ASSERT_FALSE(printed.empty());
  EXPECT_EQ(printed.back(), '\n');
  auto token = identity::parse_enrollment_token(printed.substr(0, printed.size() - 1));
  ASSERT_TRUE(token) << printed;
  auto hub = identity::Vault(dir).load_or_create_identity();  // the identity the command created for the hub
  ASSERT_TRUE(hub);
  EXPECT_EQ(token->hub_identifier, hub->identifier());
  const identity::TokenStore store(dir);
  const std::uint64_t now = identity::system_now();
  auto attributes = store.redeem(token->secret, now);
  ASSERT_TRUE(attributes);
  EXPECT_EQ(*attributes, (identity::Attributes{{"role", "device"}}));
  EXPECT_TRUE(store.redeem(token->secret, now));
  EXPECT_EQ(store.redeem(token->secret, now).error(), identity::TokenError::unknown);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace portico::agent
