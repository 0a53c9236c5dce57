#include "identity/enrollment_service.hpp"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "../support/loopback_node.hpp"
#include "identity/enrollment_client.hpp"

// The hub's enrollment worker and the node's request_credential() together over one Router, in process. A
// FakeChannel worker stands in for a secure channel's decryptor: it sets Message::origin as a channel would.

namespace portico::identity {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kNow = 1'800'000'000;
constexpr std::chrono::seconds kLifetime = 1h;
const std::string kNode = "I" + std::string(64, 'b');

class FakeChannel final : public Worker {
 public:
  FakeChannel(Router& router, std::shared_ptr<const MessageOrigin> origin)
      : router_(router), origin_(std::move(origin)) {}
  asio::awaitable<void> handle_message(Message message) override {
    message.onward.erase(message.onward.begin());
    message.origin = origin_;
    co_await router_.send(std::move(message));
  }

 private:
  Router& router_;
  std::shared_ptr<const MessageOrigin> origin_;
};

// Takes every message and answers none.
class Swallow final : public Worker {
 public:
  asio::awaitable<void> handle_message(Message) override { co_return; }
};

// Answers every message with bytes that are no enrollment message.
class Garbler final : public Worker {
 public:
  explicit Garbler(Router& router) : router_(router) {}
  asio::awaitable<void> handle_message(Message message) override {
    // Built outside the co_await: GCC 12 rejects an initializer list inside a co_await expression.
    Message reply = make_reply(message, Address::local("garbler"), Bytes(1, 0x7f));
    co_await router_.send(std::move(reply));
  }

 private:
  Router& router_;
};

std::shared_ptr<const MessageOrigin> channel_from(std::string peer, bool member = false,
                                                  std::uint64_t member_until = 0, Attributes attributes = {}) {
  return std::make_shared<const MessageOrigin>(MessageOrigin{MessageOrigin::Kind::channel, std::move(peer), true,
                                                             member, member_until, std::move(attributes)});
}

asio::awaitable<void> ask_into(std::optional<Result<Credential>>& out, Router& router, Route route,
                               std::optional<TokenSecret> token, std::chrono::milliseconds timeout,
                               std::string* refusal) {
  out.emplace(co_await request_credential(router, std::move(route), token, timeout, refusal));
}

class EnrollmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("portico-enroll-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    router_.register_worker(Address::local(std::string(kEnrollAddress)),
                            std::make_shared<EnrollmentService>(
                                router_, hub_, TokenStore(dir_),
                                EnrollmentService::Options{.credential_lifetime = kLifetime,
                                                           .clock = [this] { return now_; }}));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The route through a fake channel (whose messages carry `origin`) to the hub's "enroll".
  Route via_channel(std::shared_ptr<const MessageOrigin> origin) {
    const Address channel = random_local_address("sc");
    router_.register_worker(channel, std::make_shared<FakeChannel>(router_, std::move(origin)));
    return Route{channel, Address::local(std::string(kEnrollAddress))};
  }

  Result<Credential> ask(Route route, std::optional<TokenSecret> token, std::string* refusal = nullptr,
                         std::chrono::milliseconds timeout = 2s) {
    asio::io_context io;
    std::optional<Result<Credential>> result;
    test::run_scenario(io, ask_into(result, router_, std::move(route), token, timeout, refusal), 10s);
    if (!result) return std::make_error_code(std::errc::timed_out);
    return *result;
  }

  TokenSecret token(std::uint32_t uses = 1, Attributes attributes = {{"role", "device"}}) {
    auto secret = TokenStore(dir_).create(attributes, uses, kNow + 60);
    EXPECT_TRUE(secret);
    return secret ? *secret : TokenSecret{};
  }

  std::filesystem::path dir_;
  Identity hub_ = Identity::generate();
  Router router_;
  std::uint64_t now_ = kNow;
};

TEST_F(EnrollmentTest, ATokenBuysACredentialForTheChannelsPeer) {
  auto credential = ask(via_channel(channel_from(kNode)), token());
  ASSERT_TRUE(credential) << credential.error().message();
  EXPECT_EQ(credential->subject, kNode);
  EXPECT_EQ(credential->issuer, hub_.identifier());
  EXPECT_EQ(credential->attributes, (Attributes{{"role", "device"}}));
  EXPECT_EQ(credential->issued_at, kNow);
  EXPECT_EQ(credential->expires_at, kNow + 3600);
  EXPECT_FALSE(verify_credential(*credential, hub_.public_key(), kNow));
  // The temporary worker is gone, so the next request can use the address again.
  EXPECT_FALSE(router_.has_worker(Address::local(std::string(kEnrollClientAddress))));
}

TEST_F(EnrollmentTest, ASingleUseTokenIsRefusedTheSecondTimeWithTheHubsReason) {
  const TokenSecret secret = token();
  ASSERT_TRUE(ask(via_channel(channel_from(kNode)), secret));
  std::string reason;
  auto again = ask(via_channel(channel_from("I" + std::string(64, 'c'))), secret, &reason);
  EXPECT_EQ(again.error(), EnrollmentError::refused);
  EXPECT_EQ(reason, make_error_code(TokenError::unknown).message());
}

TEST_F(EnrollmentTest, ExpiredAndUnknownTokensAreRefused) {
  const TokenSecret secret = token();
  now_ = kNow + 60;
  std::string reason;
  EXPECT_EQ(ask(via_channel(channel_from(kNode)), secret, &reason).error(), EnrollmentError::refused);
  EXPECT_EQ(reason, make_error_code(TokenError::expired).message());
  EXPECT_EQ(ask(via_channel(channel_from(kNode)), random_token_secret(), &reason).error(), EnrollmentError::refused);
  EXPECT_EQ(reason, make_error_code(TokenError::unknown).message());
}

TEST_F(EnrollmentTest, AMemberRefreshesWithItsAttributes) {
  const Attributes attributes{{"role", "operator"}, {"site", "north"}};
  now_ = kNow + 100;
  auto credential = ask(via_channel(channel_from(kNode, true, kNow + 200, attributes)), std::nullopt);
  ASSERT_TRUE(credential) << credential.error().message();
  EXPECT_EQ(credential->subject, kNode);
  EXPECT_EQ(credential->attributes, attributes);
  EXPECT_EQ(credential->expires_at, kNow + 100 + 3600);
  EXPECT_FALSE(verify_credential(*credential, hub_.public_key(), now_));
}

TEST_F(EnrollmentTest, RefreshIsRefusedToNonMembersAndLapsedMembers) {
  std::string reason;
  EXPECT_EQ(ask(via_channel(channel_from(kNode)), std::nullopt, &reason).error(), EnrollmentError::refused);
  EXPECT_NE(reason.find("not a member"), std::string::npos);
  reason.clear();
  EXPECT_EQ(ask(via_channel(channel_from(kNode, true, kNow)), std::nullopt, &reason).error(),
            EnrollmentError::refused);
  EXPECT_NE(reason.find("not a member"), std::string::npos);
}

TEST_F(EnrollmentTest, NothingIsIssuedOutsideASecureChannel) {
  const TokenSecret secret = token(3);
  std::string reason;
  // No origin at all (made on this node) and a plaintext link's origin.
  EXPECT_EQ(ask(Route{Address::local(std::string(kEnrollAddress))}, secret, &reason).error(), EnrollmentError::refused);
  EXPECT_NE(reason.find("secure channel"), std::string::npos);
  auto link = std::make_shared<MessageOrigin>();
  link->kind = MessageOrigin::Kind::transport;
  EXPECT_EQ(ask(via_channel(link), secret, &reason).error(), EnrollmentError::refused);
  // Neither spent a use of the token.
  EXPECT_TRUE(ask(via_channel(channel_from(kNode)), secret));
}

TEST_F(EnrollmentTest, TheServiceRefusesMalformedAndMisdirectedMessages) {
  EnrollmentService service(router_, hub_, TokenStore(dir_));
  Message message{Route{Address::local("enroll")}, Route{Address::local("enrollment")}, Bytes{0x01, 0x02},
                  channel_from(kNode)};
  const EnrollmentMessage malformed = service.answer(message);
  ASSERT_TRUE(std::holds_alternative<EnrollRefused>(malformed));
  EXPECT_NE(std::get<EnrollRefused>(malformed).reason.find("malformed"), std::string::npos);
  message.payload = encode(EnrollRefused{"x"});
  const EnrollmentMessage misdirected = service.answer(message);
  ASSERT_TRUE(std::holds_alternative<EnrollRefused>(misdirected));
  EXPECT_EQ(std::get<EnrollRefused>(misdirected).reason, "not an enrollment request");
}

TEST_F(EnrollmentTest, TheClientGivesUpWhenNobodyAnswers) {
  router_.register_worker(Address::local("sink"), std::make_shared<Swallow>());
  EXPECT_EQ(ask(Route{Address::local("sink")}, std::nullopt, nullptr, 50ms).error(), EnrollmentError::no_answer);
  EXPECT_FALSE(router_.has_worker(Address::local(std::string(kEnrollClientAddress))));
}

TEST_F(EnrollmentTest, TheClientReportsBusySendErrorsAndBadAnswers) {
  router_.register_worker(Address::local("garbler"), std::make_shared<Garbler>(router_));
  EXPECT_EQ(ask(Route{Address::local("garbler")}, std::nullopt).error(), EnrollmentError::bad_answer);
  EXPECT_EQ(ask(Route{Address::local("nowhere")}, std::nullopt).error(), routing::Error::unknown_address);
  const Address taken = Address::local(std::string(kEnrollClientAddress));
  router_.register_worker(taken, std::make_shared<Swallow>());
  EXPECT_EQ(ask(via_channel(channel_from(kNode)), token()).error(), EnrollmentError::busy);
  EXPECT_TRUE(router_.has_worker(taken));  // someone else's registration is left alone
}

TEST(EnrollmentLog, TimesAndAttributesReadWell) {
  EXPECT_EQ(format_utc(1'800'000'000), "2027-01-15T08:00:00Z");
  EXPECT_EQ(describe_attributes({}), "no attributes");
  EXPECT_EQ(describe_attributes({{"role", "device"}, {"site", "north"}}), "role=device, site=north");
}

}  // namespace
}  // namespace portico::identity
