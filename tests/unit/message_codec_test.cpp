#include "wire/message_codec.hpp"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace portico::wire {
namespace {

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Route hops(std::size_t n) {
  Route route;
  for (std::size_t i = 0; i < n; ++i) route.push_back(Address::local("h" + std::to_string(i)));
  return route;
}

Message sample() {
  return Message{Route{Address::tcp("127.0.0.1:4000"), Address::local("echo")}, Route{Address::local("app")},
                 text("ping")};
}

std::error_code decode_error(const Bytes& in) { return decode_message(in).error(); }

TEST(MessageCodec, EncodesTheSpecLayout) {
  auto bytes = encode_message(sample());
  ASSERT_TRUE(bytes);
  const Bytes expected = concat({
      {0x01},                                   // version
      {0x02},                                   // onward: 2 hops
      {0x01, 0x0e}, text("127.0.0.1:4000"),     //   type 1 (TCP), 14 bytes
      {0x00, 0x04}, text("echo"),               //   type 0 (local), 4 bytes
      {0x01},                                   // return: 1 hop
      {0x00, 0x03}, text("app"),                //   type 0, 3 bytes
      {0x04}, text("ping"),                     // payload: 4 bytes
  });
  EXPECT_EQ(*bytes, expected);
}

TEST(MessageCodec, HeartbeatIsFourBytes) {
  auto bytes = encode_message(Message{});
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, (Bytes{0x01, 0x00, 0x00, 0x00}));
  auto decoded = decode_message(*bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, Message{});
}

TEST(MessageCodec, RoundTrips) {
  const Message messages[] = {
      sample(),
      Message{Route{Address::local("a")}, Route{}, Bytes{}},
      Message{Route{}, Route{Address::local("r")}, text("payload with no onward route")},
      Message{Route{Address{255, "x"}, Address{2, "10.0.0.1:5000"}}, Route{Address{7, "y"}}, Bytes{0, 0xff, 0}},
      Message{Route{Address::local(std::string("nul\0inside", 10))}, Route{}, Bytes(300, 0xab)},
      Message{Route{Address{0, ""}}, Route{}, Bytes{}},  // the codec does not forbid empty address values
  };
  for (const Message& m : messages) {
    SCOPED_TRACE(to_string(m.onward));
    auto bytes = encode_message(m);
    ASSERT_TRUE(bytes) << bytes.error().message();
    auto decoded = decode_message(*bytes);
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(*decoded, m);
  }
}

TEST(MessageCodec, AppendsAfterExistingBytes) {
  Bytes out{0xaa, 0xbb};
  ASSERT_FALSE(encode_message(Message{}, out));
  EXPECT_EQ(out, (Bytes{0xaa, 0xbb, 0x01, 0x00, 0x00, 0x00}));
}

TEST(MessageCodec, LimitsAreInclusive) {
  Message m;
  m.onward = hops(kMaxRouteHops);
  m.return_route = Route{Address::local(std::string(kMaxAddressBytes, 'a'))};
  m.payload = Bytes(kMaxPayloadBytes, 0x5a);
  auto bytes = encode_message(m);
  ASSERT_TRUE(bytes) << bytes.error().message();
  auto decoded = decode_message(*bytes);
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_EQ(*decoded, m);
}

TEST(MessageCodec, LargestMessageFitsAFrame) {
  // Both routes full of the longest addresses plus the largest payload: still under kMaxFrameBytes (256 KiB), so a
  // message the encoder accepts can always be framed.
  Message m;
  for (std::size_t i = 0; i < kMaxRouteHops; ++i) {
    m.onward.push_back(Address{1, std::string(kMaxAddressBytes, 'o')});
    m.return_route.push_back(Address{1, std::string(kMaxAddressBytes, 'r')});
  }
  m.payload = Bytes(kMaxPayloadBytes, 0);
  auto bytes = encode_message(m);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 1 + 2 * (1 + kMaxRouteHops * (1 + 2 + kMaxAddressBytes)) + 3 + kMaxPayloadBytes);
  EXPECT_LE(bytes->size(), 256u * 1024u);
  EXPECT_EQ(*decode_message(*bytes), m);
}

TEST(MessageCodec, EncoderRefusesOverLimitMessagesAndLeavesOutputAlone) {
  struct Case {
    const char* what;
    Message message;
    Error error;
  };
  const Case cases[] = {
      {"onward hops", Message{hops(kMaxRouteHops + 1), Route{}, Bytes{}}, Error::too_many_hops},
      {"return hops", Message{Route{}, hops(kMaxRouteHops + 1), Bytes{}}, Error::too_many_hops},
      {"onward address", Message{Route{Address::local(std::string(kMaxAddressBytes + 1, 'a'))}, Route{}, Bytes{}},
       Error::address_too_long},
      {"return address",
       Message{Route{Address::local("ok")}, Route{Address::tcp(std::string(kMaxAddressBytes + 1, 'a'))}, Bytes{}},
       Error::address_too_long},
      {"payload", Message{Route{Address::local("ok")}, Route{}, Bytes(kMaxPayloadBytes + 1, 0)},
       Error::payload_too_large},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Bytes out{0x42};
    EXPECT_EQ(encode_message(c.message, out), c.error);
    EXPECT_EQ(out, Bytes{0x42});
    EXPECT_EQ(encode_message(c.message).error(), c.error);
  }
}

TEST(MessageCodec, TruncatedAtEveryBytePosition) {
  Message big = sample();
  big.payload = Bytes(200, 0x11);  // two-byte payload length
  big.onward.push_back(Address::local(std::string(130, 'z')));  // two-byte address length
  for (const Message& m : {Message{}, sample(), big}) {
    const Bytes bytes = *encode_message(m);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      // A copy of exactly n bytes, so a read past the end is a sanitizer error rather than a silent pass.
      const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_EQ(decode_error(prefix), Error::truncated) << "prefix of " << n << " of " << bytes.size() << " bytes";
    }
    EXPECT_TRUE(decode_message(bytes));
  }
}

TEST(MessageCodec, RejectsBadVersion) {
  EXPECT_EQ(decode_error({0x00, 0x00, 0x00, 0x00}), Error::bad_version);
  EXPECT_EQ(decode_error({0x02, 0x00, 0x00, 0x00}), Error::bad_version);
  EXPECT_EQ(decode_error({0xff}), Error::bad_version);
  EXPECT_EQ(decode_error({}), Error::truncated);
}

TEST(MessageCodec, RejectsOverlongVarintInEveryVarintField) {
  EXPECT_EQ(decode_error({0x01, 0x80, 0x00, 0x00, 0x00}), Error::varint_overlong);        // onward count
  EXPECT_EQ(decode_error({0x01, 0x00, 0x80, 0x00, 0x00}), Error::varint_overlong);        // return count
  EXPECT_EQ(decode_error({0x01, 0x01, 0x00, 0x81, 0x00, 'x', 0x00, 0x00}), Error::varint_overlong);  // address
  EXPECT_EQ(decode_error({0x01, 0x00, 0x00, 0x80, 0x00}), Error::varint_overlong);        // payload length
  EXPECT_EQ(decode_error({0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00}), Error::varint_overlong);
}

TEST(MessageCodec, RejectsVarintOverflowInEveryVarintField) {
  const Bytes five{0xff, 0xff, 0xff, 0xff, 0x10};
  const Bytes six{0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  for (const Bytes& v : {five, six}) {
    EXPECT_EQ(decode_error(concat({{0x01}, v})), Error::varint_overflow);
    EXPECT_EQ(decode_error(concat({{0x01, 0x00}, v})), Error::varint_overflow);
    EXPECT_EQ(decode_error(concat({{0x01, 0x01, 0x00}, v})), Error::varint_overflow);
    EXPECT_EQ(decode_error(concat({{0x01, 0x00, 0x00}, v})), Error::varint_overflow);
  }
}

TEST(MessageCodec, RejectsTooManyHopsBeforeReadingThem) {
  EXPECT_EQ(decode_error({0x01, 0x21}), Error::too_many_hops);        // onward: 33
  EXPECT_EQ(decode_error({0x01, 0x00, 0x21}), Error::too_many_hops);  // return: 33
  EXPECT_EQ(decode_error({0x01, 0xff, 0xff, 0xff, 0xff, 0x0f}), Error::too_many_hops);
  EXPECT_EQ(decode_error({0x01, 0x20}), Error::truncated);  // 32 is allowed; the hops are missing
}

TEST(MessageCodec, RejectsLongAddressBeforeReadingIt) {
  EXPECT_EQ(decode_error({0x01, 0x01, 0x00, 0x80, 0x02}), Error::address_too_long);  // 256
  EXPECT_EQ(decode_error({0x01, 0x00, 0x01, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f}), Error::address_too_long);
  EXPECT_EQ(decode_error({0x01, 0x01, 0x00, 0xff, 0x01}), Error::truncated);  // 255 is allowed
}

TEST(MessageCodec, RejectsLargePayloadBeforeReadingIt) {
  EXPECT_EQ(decode_error({0x01, 0x00, 0x00, 0x81, 0x80, 0x0e}), Error::payload_too_large);  // 229377
  EXPECT_EQ(decode_error({0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f}), Error::payload_too_large);
  EXPECT_EQ(decode_error({0x01, 0x00, 0x00, 0x80, 0x80, 0x0e}), Error::truncated);  // 229376 is allowed
}

TEST(MessageCodec, RejectsTrailingBytes) {
  EXPECT_EQ(decode_error({0x01, 0x00, 0x00, 0x00, 0x00}), Error::trailing_bytes);
  EXPECT_EQ(decode_error({0x01, 0x00, 0x00, 0x01, 'a', 'b'}), Error::trailing_bytes);
  Bytes two = *encode_message(sample());
  const Bytes one = two;
  two.insert(two.end(), one.begin(), one.end());
  EXPECT_EQ(decode_error(two), Error::trailing_bytes);  // two messages are not one
}

TEST(MessageCodec, DecodesOnlyTheGivenView) {
  const Bytes buffer{0x01, 0x00, 0x00, 0x01, 'a', 'b'};
  auto one = decode_message(ByteView(buffer).first(5));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->payload, text("a"));
  EXPECT_EQ(decode_message(ByteView(buffer).first(4)).error(), Error::truncated);
}

TEST(MessageCodec, ErrorsAreDistinctAndNamed) {
  const Error all[] = {Error::truncated,       Error::varint_overlong,   Error::varint_overflow,
                       Error::bad_version,     Error::too_many_hops,     Error::address_too_long,
                       Error::payload_too_large, Error::trailing_bytes,  Error::frame_too_large,
                       Error::frame_empty,     Error::bad_preamble,      Error::bad_transport_version};
  std::set<int> values;
  std::set<std::string> messages;
  for (Error e : all) {
    const std::error_code ec = e;
    EXPECT_TRUE(ec);
    EXPECT_EQ(ec.category().name(), std::string("portico.wire"));
    EXPECT_NE(ec.message(), "unknown wire error");
    values.insert(ec.value());
    messages.insert(ec.message());
  }
  EXPECT_EQ(values.size(), std::size(all));
  EXPECT_EQ(messages.size(), std::size(all));
}

// A record's plaintext: the payload first, the routes behind it, so the receiver keeps the payload where it is.
TEST(RouteTrailer, RoundTripsWithThePayloadInPlace) {
  const Message m = sample();
  Bytes inner = m.payload;
  inner.reserve(inner.size() + 256);
  ASSERT_FALSE(append_route_trailer(m.onward, m.return_route, inner));
  EXPECT_TRUE(std::equal(m.payload.begin(), m.payload.end(), inner.begin())) << "the payload stays in front";
  const std::uint8_t* const at = inner.data();
  auto decoded = take_route_trailer(std::move(inner));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  EXPECT_EQ(*decoded, m);
  EXPECT_EQ(decoded->payload.data(), at) << "the payload was not moved";
}

TEST(RouteTrailer, EmptyPayloadAndEmptyRoutes) {
  Bytes inner;
  ASSERT_FALSE(append_route_trailer({}, {}, inner));
  auto decoded = take_route_trailer(std::move(inner));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, Message{});
}

TEST(RouteTrailer, MalformedTrailersAreRefused) {
  const Message m = sample();
  Bytes good = m.payload;
  ASSERT_FALSE(append_route_trailer(m.onward, m.return_route, good));
  EXPECT_EQ(take_route_trailer(Bytes{}).error(), Error::truncated);
  EXPECT_EQ(take_route_trailer(Bytes{0x00}).error(), Error::truncated);
  Bytes too_long = good;  // a length beyond the input
  too_long[too_long.size() - 2] = 0xff;
  EXPECT_EQ(take_route_trailer(std::move(too_long)).error(), Error::truncated);
  Bytes one_less = good;  // the routes' length one short: the routes lose their last byte
  one_less.back() -= 1;
  EXPECT_FALSE(take_route_trailer(std::move(one_less)).has_value());
  Bytes bad_version = good;
  const std::size_t routes_len = good[good.size() - 1];
  bad_version[good.size() - 2 - routes_len] = 9;
  EXPECT_EQ(take_route_trailer(std::move(bad_version)).error(), Error::bad_version);
  // A trailer that claims a payload of its own.
  Bytes with_payload = text("ab");
  ASSERT_FALSE(encode_message(Message{m.onward, m.return_route, text("x")}, with_payload));
  const std::size_t n = with_payload.size() - 2;
  with_payload.push_back(static_cast<std::uint8_t>(n >> 8));
  with_payload.push_back(static_cast<std::uint8_t>(n & 0xff));
  EXPECT_FALSE(take_route_trailer(std::move(with_payload)).has_value());
  Message too_many = m;
  too_many.onward = hops(kMaxRouteHops + 1);
  Bytes untouched = text("payload");
  EXPECT_EQ(append_route_trailer(too_many.onward, too_many.return_route, untouched), Error::too_many_hops);
  EXPECT_EQ(untouched, text("payload")) << "unchanged on error";
}

}  // namespace
}  // namespace portico::wire
