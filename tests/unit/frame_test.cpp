#include "wire/frame.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "wire/message_codec.hpp"

namespace portico::wire {
namespace {

constexpr std::size_t kBufferedBound = kPreambleBytes + kFrameHeaderBytes + kMaxFrameBytes + FrameDecoder::kReadChunk;
constexpr auto kOverMax = static_cast<std::uint32_t>(kMaxFrameBytes + 1);

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v)};
}

Bytes framed(const Bytes& body) { return concat({be32(static_cast<std::uint32_t>(body.size())), body}); }

Message message(std::string onward, std::size_t payload_size) {
  return Message{Route{Address::local(std::move(onward))}, Route{Address::local("app")}, Bytes(payload_size, 0x61)};
}

struct Outcome {
  std::vector<Bytes> frames;
  std::error_code error;
  std::size_t buffered = 0;
  std::size_t max_buffered = 0;
};

// Takes every frame the decoder has ready; false once it reports an error.
bool drain(FrameDecoder& decoder, Outcome& out) {
  for (;;) {
    auto frame = decoder.next();
    if (!frame) {
      out.error = frame.error();
      return false;
    }
    if (!*frame) return true;
    out.frames.emplace_back((*frame)->begin(), (*frame)->end());
  }
}

// Feeds `input` through prepare()/commit() at most `chunk` bytes at a time, draining after each commit.
Outcome feed(FrameDecoder& decoder, ByteView input, std::size_t chunk) {
  Outcome out;
  std::size_t pos = 0;
  while (pos < input.size()) {
    const auto room = decoder.prepare();
    EXPECT_EQ(room.size(), FrameDecoder::kReadChunk);
    const std::size_t n = std::min({chunk, room.size(), input.size() - pos});
    std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(pos), n, room.begin());
    decoder.commit(n);
    pos += n;
    out.max_buffered = std::max(out.max_buffered, decoder.buffered());
    if (!drain(decoder, out)) break;
  }
  out.buffered = decoder.buffered();
  return out;
}

Outcome feed(ByteView input, std::size_t chunk) {
  FrameDecoder decoder;
  return feed(decoder, input, chunk);
}

TEST(Frame, PreambleIsMagicThenVersion) {
  EXPECT_EQ(preamble(), (Bytes{'P', 'R', 'T', 'C', 0x01}));
  EXPECT_EQ(preamble(), (Bytes{0x50, 0x52, 0x54, 0x43, 0x01}));
  EXPECT_EQ(preamble().size(), kPreambleBytes);
  EXPECT_EQ(kMaxFrameBytes, 262144u);
}

TEST(Frame, HeartbeatFrameBytes) {
  EXPECT_EQ(heartbeat_frame(), (Bytes{0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00}));
  auto body = decode_message(ByteView(heartbeat_frame()).subspan(kFrameHeaderBytes));
  ASSERT_TRUE(body);
  EXPECT_TRUE(is_heartbeat(*body));
  EXPECT_TRUE(is_heartbeat(Message{Route{}, Route{Address::local("r")}, text("x")}));
  EXPECT_FALSE(is_heartbeat(message("echo", 0)));
}

TEST(Frame, AppendFrameWritesBigEndianLengthThenBody) {
  const Message m = message("sink", 70000);  // length prefix with three non-zero bytes
  const Bytes body = *encode_message(m);
  Bytes out{0xee};
  ASSERT_FALSE(append_frame(m, out));
  const auto n = static_cast<std::uint32_t>(body.size());
  EXPECT_EQ(out, concat({{0xee}, {0x00, static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
                                   static_cast<std::uint8_t>(n)},
                         body}));
}

TEST(Frame, AppendFrameRefusesWhatTheEncoderRefuses) {
  Bytes out = preamble();
  Message bad = message("sink", kMaxPayloadBytes + 1);
  EXPECT_EQ(append_frame(bad, out), Error::payload_too_large);
  bad = message(std::string(kMaxAddressBytes + 1, 'a'), 0);
  EXPECT_EQ(append_frame(bad, out), Error::address_too_long);
  EXPECT_EQ(out, preamble());
}

TEST(FrameDecoder, ByteByByteAndOneChunkYieldTheSameFrames) {
  std::vector<Bytes> bodies;
  Bytes stream = preamble();
  for (const Message& m : {message("a", 0), Message{}, message("b", 127), message("c", 128), message("d", 5000)}) {
    bodies.push_back(*encode_message(m));
    ASSERT_FALSE(append_frame(m, stream));
  }
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{4096},
                            stream.size()}) {
    SCOPED_TRACE(chunk);
    const Outcome out = feed(stream, chunk);
    EXPECT_FALSE(out.error);
    EXPECT_EQ(out.frames, bodies);
    EXPECT_EQ(out.buffered, 0u);
  }
}

TEST(FrameDecoder, FramesLargerThanAReadChunk) {
  std::vector<Bytes> bodies;
  Bytes stream = preamble();
  for (const Message& m : {message("a", kMaxPayloadBytes), Message{}, message("b", 100000)}) {
    bodies.push_back(*encode_message(m));
    ASSERT_FALSE(append_frame(m, stream));
  }
  for (std::size_t chunk : {std::size_t{1000}, std::size_t{65535}, FrameDecoder::kReadChunk}) {
    SCOPED_TRACE(chunk);
    const Outcome out = feed(stream, chunk);
    EXPECT_FALSE(out.error);
    EXPECT_EQ(out.frames, bodies);
    EXPECT_LE(out.max_buffered, kBufferedBound);
  }
}

TEST(FrameDecoder, MaxFrameIsAccepted) {
  // The frame layer does not look inside bodies; a body of exactly kMaxFrameBytes is delivered.
  Bytes body(kMaxFrameBytes, 0x33);
  const Bytes stream = concat({preamble(), framed(body), heartbeat_frame()});
  const Outcome out = feed(stream, FrameDecoder::kReadChunk);
  EXPECT_FALSE(out.error);
  ASSERT_EQ(out.frames.size(), 2u);
  EXPECT_EQ(out.frames[0], body);
  EXPECT_LE(out.max_buffered, kBufferedBound);
}

TEST(FrameDecoder, WaitsForMoreWithoutError) {
  FrameDecoder decoder;
  Outcome out = feed(decoder, text("PRT"), 64);
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.buffered, 3u);
  out = feed(decoder, concat({{'C', 0x01}, {0x00, 0x00, 0x00}}), 64);  // rest of preamble, part of a header
  EXPECT_FALSE(out.error);
  EXPECT_TRUE(out.frames.empty());
  EXPECT_EQ(out.buffered, 3u);
  out = feed(decoder, Bytes{0x04, 0x01, 0x00, 0x00}, 64);  // rest of the header, part of the body
  EXPECT_EQ(out.buffered, 7u);
  EXPECT_TRUE(out.frames.empty());
  out = feed(decoder, Bytes{0x00}, 64);
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.frames, std::vector<Bytes>{(Bytes{0x01, 0x00, 0x00, 0x00})});
  EXPECT_EQ(out.buffered, 0u);
}

TEST(FrameDecoder, FrameViewsStayValidUntilNextPrepare) {
  FrameDecoder decoder;
  const Bytes stream = concat({preamble(), framed(text("one")), framed(text("two")), framed(text("three"))});
  const auto room = decoder.prepare();
  std::copy(stream.begin(), stream.end(), room.begin());
  decoder.commit(stream.size());
  std::vector<ByteView> views;
  for (auto frame = decoder.next(); frame && *frame; frame = decoder.next()) views.push_back(**frame);
  ASSERT_EQ(views.size(), 3u);
  EXPECT_EQ(as_chars(views[0]), "one");
  EXPECT_EQ(as_chars(views[1]), "two");
  EXPECT_EQ(as_chars(views[2]), "three");
  EXPECT_EQ(decoder.buffered(), 0u);
}

struct BadStream {
  const char* what;
  Bytes input;
  Error error;
};

TEST(FrameDecoder, EachMalformedStreamHasItsError) {
  const BadStream cases[] = {
      {"ockam 0x01 preamble", concat({{0x01}, heartbeat_frame()}), Error::bad_preamble},
      {"one wrong byte", {0x00}, Error::bad_preamble},
      {"wrong fourth byte", text("PRTX"), Error::bad_preamble},
      {"http", text("GET / HTTP/1.1\r\n"), Error::bad_preamble},
      {"transport version 0", text(std::string("PRTC\0", 5)), Error::bad_transport_version},
      {"transport version 2", concat({text("PRTC\x02"), heartbeat_frame()}), Error::bad_transport_version},
      {"empty frame", concat({preamble(), be32(0)}), Error::frame_empty},
      {"frame over max", concat({preamble(), be32(kOverMax)}), Error::frame_too_large},
      {"frame length 2^32-1", concat({preamble(), be32(0xffffffff)}), Error::frame_too_large},
  };
  for (const BadStream& c : cases) {
    SCOPED_TRACE(c.what);
    for (std::size_t chunk : {std::size_t{1}, c.input.size()}) {
      const Outcome out = feed(c.input, chunk);
      EXPECT_TRUE(out.frames.empty());
      EXPECT_EQ(out.error, c.error);
    }
  }
}

TEST(FrameDecoder, BadPreambleIsFoundAtTheFirstWrongByte) {
  FrameDecoder decoder;
  const auto room = decoder.prepare();
  room[0] = 'P';
  room[1] = 'X';
  decoder.commit(2);
  EXPECT_EQ(decoder.next().error(), Error::bad_preamble);
}

TEST(FrameDecoder, FramesBeforeAnErrorAreDelivered) {
  const Bytes stream = concat({preamble(), heartbeat_frame(), be32(0), heartbeat_frame()});
  for (std::size_t chunk : {std::size_t{1}, stream.size()}) {
    const Outcome out = feed(stream, chunk);
    EXPECT_EQ(out.frames, std::vector<Bytes>{(Bytes{0x01, 0x00, 0x00, 0x00})});
    EXPECT_EQ(out.error, Error::frame_empty);
  }
}

TEST(FrameDecoder, ErrorIsSticky) {
  for (const Bytes& bad : {text("PRTX"), text("PRTC\x02"), concat({preamble(), be32(kOverMax)})}) {
    FrameDecoder decoder;
    const Outcome first = feed(decoder, bad, bad.size());
    ASSERT_TRUE(first.error);
    EXPECT_EQ(decoder.next().error(), first.error);
    // Good bytes afterwards change nothing: the connection is unusable.
    const Bytes good = concat({preamble(), heartbeat_frame()});
    const auto room = decoder.prepare();
    std::copy(good.begin(), good.end(), room.begin());
    decoder.commit(good.size());
    EXPECT_EQ(decoder.next().error(), first.error);
    EXPECT_EQ(decoder.next().error(), first.error);
  }
}

TEST(FrameDecoder, OnlyThePreambleStartsAStream) {
  // A second preamble mid-stream is read as a frame header: "PRTC" is length 0x50525443, far over the limit.
  const Bytes stream = concat({preamble(), heartbeat_frame(), preamble()});
  const Outcome out = feed(stream, stream.size());
  EXPECT_EQ(out.frames.size(), 1u);
  EXPECT_EQ(out.error, Error::frame_too_large);
}

}  // namespace
}  // namespace portico::wire
