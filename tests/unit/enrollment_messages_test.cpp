#include "identity/enrollment_messages.hpp"

#include <gtest/gtest.h>

#include "identity/credential.hpp"

namespace portico::identity {
namespace {

TEST(EnrollmentMessages, Bytes) {
  EnrollRequest request;
  request.secret[0] = 0xab;
  Bytes expected{0x01, 0xab};
  expected.resize(33);
  EXPECT_EQ(encode(request), expected);
  EXPECT_EQ(encode(RefreshRequest{}), (Bytes{0x02}));
  EXPECT_EQ(encode(Enrolled{{0x01, 0x02}}), (Bytes{0x03, 0x02, 0x01, 0x02}));
  EXPECT_EQ(encode(EnrollRefused{"no"}), (Bytes{0x04, 0x02, 'n', 'o'}));
}

TEST(EnrollmentMessages, RoundTrip) {
  const Identity hub = Identity::generate();
  const Bytes credential = encode_credential(issue_credential(hub, "Inode", {{"role", "device"}}, 10, 20));
  for (const EnrollmentMessage& message :
       {EnrollmentMessage{EnrollRequest{random_token_secret()}}, EnrollmentMessage{RefreshRequest{}},
        EnrollmentMessage{Enrolled{credential}}, EnrollmentMessage{EnrollRefused{"enrollment token has expired"}}}) {
    auto decoded = decode_enrollment_message(encode(message));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, message);
  }
}

TEST(EnrollmentMessages, MalformedInputs) {
  EXPECT_EQ(decode_enrollment_message(Bytes{}).error(), wire::Error::truncated);
  EXPECT_EQ(decode_enrollment_message(Bytes{0x05}).error(), wire::Error::bad_message_type);
  EXPECT_EQ(decode_enrollment_message(Bytes{0x00}).error(), wire::Error::bad_message_type);
  EXPECT_EQ(decode_enrollment_message(Bytes(32, 0x01)).error(), wire::Error::truncated);  // 31-byte secret
  Bytes long_request(34, 0x00);
  long_request[0] = 0x01;
  EXPECT_EQ(decode_enrollment_message(long_request).error(), wire::Error::trailing_bytes);
  EXPECT_EQ(decode_enrollment_message(Bytes{0x02, 0x00}).error(), wire::Error::trailing_bytes);
  EXPECT_EQ(decode_enrollment_message(Bytes{0x03, 0x03, 0x01}).error(), wire::Error::truncated);
  EXPECT_EQ(decode_enrollment_message(Bytes{0x03, 0x81, 0x20}).error(), wire::Error::payload_too_large);  // 4097
  EXPECT_EQ(decode_enrollment_message(Bytes{0x04, 0x80, 0x02}).error(), wire::Error::payload_too_large);  // 256
  EXPECT_EQ(decode_enrollment_message(Bytes{0x04, 0x01, 'x', 'y'}).error(), wire::Error::trailing_bytes);
}

TEST(EnrollmentMessages, EncodingCutsOverlongFieldsToTheirLimits) {
  auto decoded = decode_enrollment_message(encode(EnrollRefused{std::string(300, 'r')}));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<EnrollRefused>(*decoded).reason.size(), kMaxRefusalText);
}

}  // namespace
}  // namespace portico::identity
