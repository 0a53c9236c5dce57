#include "wire/bytes.hpp"

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace portico::wire {
namespace {

constexpr std::uint32_t kU32Max = std::numeric_limits<std::uint32_t>::max();

Bytes encode(std::uint32_t v) {
  Bytes out;
  ByteWriter(out).varint(v);
  return out;
}

Result<std::uint32_t> decode(const Bytes& in) {
  ByteReader r(in);
  return r.varint();
}

struct Case {
  std::uint32_t value;
  Bytes bytes;
};

TEST(Varint, EncodesBoundaryValuesExactly) {
  const Case cases[] = {
      {0, {0x00}},
      {1, {0x01}},
      {127, {0x7f}},
      {128, {0x80, 0x01}},
      {300, {0xac, 0x02}},
      {16383, {0xff, 0x7f}},
      {16384, {0x80, 0x80, 0x01}},
      {2097151, {0xff, 0xff, 0x7f}},
      {2097152, {0x80, 0x80, 0x80, 0x01}},
      {268435455, {0xff, 0xff, 0xff, 0x7f}},
      {268435456, {0x80, 0x80, 0x80, 0x80, 0x01}},
      {kU32Max, {0xff, 0xff, 0xff, 0xff, 0x0f}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    EXPECT_EQ(encode(c.value), c.bytes);
    EXPECT_EQ(varint_size(c.value), c.bytes.size());
    auto decoded = decode(c.bytes);
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(*decoded, c.value);
  }
}

TEST(Varint, RoundTripsAroundEveryGroupBoundary) {
  for (unsigned bits = 0; bits <= 32; ++bits) {
    const std::uint64_t edge = std::uint64_t{1} << bits;
    for (std::uint64_t wide : {edge - 1, edge, edge + 1}) {
      if (wide > kU32Max) continue;
      const auto v = static_cast<std::uint32_t>(wide);
      SCOPED_TRACE(v);
      const Bytes bytes = encode(v);
      EXPECT_EQ(bytes.size(), varint_size(v));
      EXPECT_LE(bytes.size(), kMaxVarintBytes);
      EXPECT_EQ(bytes.back() & 0x80, 0);  // only the last byte stops the varint
      ByteReader r(bytes);
      auto decoded = r.varint();
      ASSERT_TRUE(decoded);
      EXPECT_EQ(*decoded, v);
      EXPECT_TRUE(r.at_end());
    }
  }
}

TEST(Varint, ReadsOnlyItsOwnBytes) {
  const Bytes in{0x80, 0x01, 0x7f, 0x00};
  ByteReader r(in);
  EXPECT_EQ(*r.varint(), 128u);
  EXPECT_EQ(r.remaining(), 2u);
  EXPECT_EQ(*r.varint(), 127u);
  EXPECT_EQ(*r.varint(), 0u);
  EXPECT_TRUE(r.at_end());
}

TEST(Varint, RejectsOverlongEncodings) {
  // A zero last group after the first byte means a shorter encoding existed.
  const Bytes cases[] = {
      {0x80, 0x00},                    // 0 in two bytes
      {0x81, 0x00},                    // 1 in two bytes
      {0xff, 0x00},                    // 127 in two bytes
      {0x80, 0x80, 0x00},              // 0 in three bytes
      {0x80, 0x81, 0x00},              // 128 in three bytes
      {0xff, 0xff, 0xff, 0xff, 0x00},  // 2^28 - 1 in five bytes
  };
  for (const Bytes& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c));
    EXPECT_EQ(decode(c).error(), Error::varint_overlong);
  }
}

TEST(Varint, RejectsValuesOver32Bits) {
  const Bytes cases[] = {
      {0xff, 0xff, 0xff, 0xff, 0x10},        // 2^32: the fifth byte carries bit 32
      {0x80, 0x80, 0x80, 0x80, 0x10},        // 2^32 exactly
      {0xff, 0xff, 0xff, 0xff, 0x7f},        // 2^35 - 1
      {0x80, 0x80, 0x80, 0x80, 0x80},        // continues past five bytes
      {0x80, 0x80, 0x80, 0x80, 0x80, 0x01},  // a six-byte varint
      {0xff, 0xff, 0xff, 0xff, 0xff, 0x0f},
  };
  for (const Bytes& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c));
    EXPECT_EQ(decode(c).error(), Error::varint_overflow);
  }
}

TEST(Varint, OverflowIsFoundWithoutReadingASixthByte) {
  const Bytes in{0x80, 0x80, 0x80, 0x80, 0x80};
  ByteReader r(in);
  EXPECT_EQ(r.varint().error(), Error::varint_overflow);
}

TEST(Varint, RejectsTruncatedInput) {
  const Bytes cases[] = {{}, {0x80}, {0xff, 0xff}, {0x80, 0x80, 0x80, 0x80}};
  for (const Bytes& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c));
    EXPECT_EQ(decode(c).error(), Error::truncated);
  }
}

TEST(Varint, EveryPrefixOfAMultiByteVarintIsTruncated) {
  const Bytes full = encode(kU32Max);
  for (std::size_t n = 0; n < full.size(); ++n) {
    const ByteView prefix = ByteView(full).first(n);
    ByteReader r(prefix);
    EXPECT_EQ(r.varint().error(), Error::truncated) << "prefix of " << n << " bytes";
  }
}

TEST(VarintByteReader, FixedWidthReads) {
  const Bytes in{0xab, 0x01, 0x02, 0x03, 0x04, 0x05};
  ByteReader r(in);
  EXPECT_EQ(*r.u8(), 0xab);
  EXPECT_EQ(*r.u32_be(), 0x01020304u);
  EXPECT_EQ(r.remaining(), 1u);
  EXPECT_EQ(r.u32_be().error(), Error::truncated);
  EXPECT_EQ(r.remaining(), 1u);  // a failed read consumes nothing
  EXPECT_EQ(*r.u8(), 0x05);
  EXPECT_EQ(r.u8().error(), Error::truncated);
}

TEST(VarintByteReader, TakeViewsTheInputAndChecksBounds) {
  const Bytes in{1, 2, 3, 4};
  ByteReader r(in);
  auto two = r.take(2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->data(), in.data());
  EXPECT_EQ(two->size(), 2u);
  EXPECT_EQ(r.take(3).error(), Error::truncated);
  EXPECT_EQ(r.remaining(), 2u);
  auto none = r.take(0);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(r.take(2)->size(), 2u);
  EXPECT_TRUE(r.at_end());
  EXPECT_TRUE(r.take(0));
}

TEST(VarintByteWriter, WritesBigEndianAndAppends) {
  Bytes out{0xee};
  ByteWriter w(out);
  w.u32_be(0x01020304u);
  w.u8(0x7f);
  w.raw(as_bytes("ok"));
  w.u32_be(kU32Max);
  EXPECT_EQ(out, (Bytes{0xee, 0x01, 0x02, 0x03, 0x04, 0x7f, 'o', 'k', 0xff, 0xff, 0xff, 0xff}));
}

TEST(VarintByteWriter, CharAndByteViewsAgree) {
  const std::string text("a\0b", 3);
  const ByteView bytes = as_bytes(text);
  ASSERT_EQ(bytes.size(), 3u);
  EXPECT_EQ(bytes[1], 0);
  EXPECT_EQ(as_chars(bytes), text);
}

}  // namespace
}  // namespace portico::wire
