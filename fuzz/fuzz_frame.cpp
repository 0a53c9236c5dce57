// Fuzzes the TCP frame decoder (core/wire/frame.hpp) and, through it, the message decoder.
//
// Input: byte 0 picks a split point, the rest is what a peer sent on one connection. The stream is fed to one
// FrameDecoder in two pieces (cut at the split point, each piece further cut to what prepare() offers) and to a
// second FrameDecoder in one piece. Properties checked:
//   - no crash, out-of-bounds access or undefined behaviour (ASan/UBSan);
//   - both decoders yield the same frames and the same error: how bytes arrive does not matter;
//   - every frame body is 1..kMaxFrameBytes long, and every body that decodes as a message re-encodes to itself;
//   - buffered() stays within its documented bound, and accounts exactly for the bytes not yet returned;
//   - an error is sticky: next() keeps returning it.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "wire/bytes.hpp"
#include "wire/frame.hpp"
#include "wire/message_codec.hpp"

namespace {

using portico::Bytes;
using portico::ByteView;
namespace wire = portico::wire;

constexpr std::size_t kBufferedBound =
    wire::kPreambleBytes + wire::kFrameHeaderBytes + wire::kMaxFrameBytes + wire::FrameDecoder::kReadChunk;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_frame: property violated: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

struct Run {
  wire::FrameDecoder decoder;
  std::vector<Bytes> frames;
  std::error_code error;
  std::size_t fed = 0;
  std::size_t returned = 0;  // preamble and frame bytes the decoder has handed back or consumed

  void check_body(ByteView body) {
    check(!body.empty() && body.size() <= wire::kMaxFrameBytes, "frame body length outside 1..kMaxFrameBytes");
    const Bytes copy(body.begin(), body.end());  // its own allocation, so ASan sees a read past its end
    auto message = wire::decode_message(copy);
    if (!message) return;
    auto encoded = wire::encode_message(*message);
    check(encoded.has_value() && *encoded == copy, "a frame body does not re-encode to itself");
  }

  void drain() {
    for (;;) {
      auto frame = decoder.next();
      if (!frame) {
        error = frame.error();
        check(decoder.next().error() == error, "the decoder error is not sticky");
        return;
      }
      if (!*frame) return;
      check_body(**frame);
      if (frames.empty() && returned == 0) returned = wire::kPreambleBytes;
      returned += wire::kFrameHeaderBytes + (*frame)->size();
      frames.emplace_back((*frame)->begin(), (*frame)->end());
    }
  }

  void feed(ByteView piece) {
    while (!piece.empty() && !error) {
      const auto room = decoder.prepare();
      check(room.size() == wire::FrameDecoder::kReadChunk, "prepare() did not offer kReadChunk bytes");
      const std::size_t n = std::min(room.size(), piece.size());
      std::copy_n(piece.begin(), n, room.begin());
      decoder.commit(n);
      fed += n;
      piece = piece.subspan(n);
      check(decoder.buffered() <= kBufferedBound, "buffered() over its bound after commit()");
      drain();
      if (!error) {
        // Everything fed is either returned (preamble, headers, bodies) or still held.
        const std::size_t preamble_pending = frames.empty() && fed >= wire::kPreambleBytes ? wire::kPreambleBytes : 0;
        check(returned + preamble_pending + decoder.buffered() == fed, "buffered() does not account for the input");
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView stream(data + 1, size - 1);
  const std::size_t split = stream.size() * data[0] / 255;

  Run split_run;
  split_run.feed(stream.first(split));
  split_run.feed(stream.subspan(split));

  Run whole_run;
  whole_run.feed(stream);

  check(split_run.frames == whole_run.frames, "frames depend on how the input was split");
  check(split_run.error == whole_run.error, "the error depends on how the input was split");
  return 0;
}
